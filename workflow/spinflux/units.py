"""Physical units ↔ the code's dimensionless parameters and outputs (docs/units.md).

Quantities are parsed and converted with pint (its CODATA constants); every formula is here
and only here. A sample is an effective mass m and a sheet density n that counts both Rashba
bands, n = (p_F+² + p_F−²)/(4πħ²) = (2p0² + (mα)²)/(4πħ²) (docs/model.md §1: p_F± =
∓mα/2 + (p0² + (mα)²/4)^½), so p0 = (2mE_F)^½ follows from n and α together:

    p0² = 2πħ²n − (mα)²/2                       (given the Rashba coefficient α_R)
    p0² = 4πħ²n / (2 + alpha²)                   (given the dimensionless alpha = mα/p0)

Conventions. H_R = α_R(σ_x k_y − σ_y k_x) = −(α_R/ħ) σ·(ẑ × p), while the model writes
(α/2) σ·(ẑ × p) [K06, Eq. 1]: α = −2α_R/ħ, so alpha = −2mα_R/(ħ p0); the spin splitting is
|α|p = 2|α_R|k. The impurity spin-orbit term of Engel, Halperin and Rashba, λ_EHR σ·(k × ∇V),
is λσ·(∇V × p) of the model with λ = −λ_EHR/ħ: lambda_so = −λ_EHR p0²/ħ² (docs/extrinsic.md
§7). The transport time comes from the mobility as τ = μm/e. Outputs: σ_sH is q_yz/E with
S_z = σ_z/2; in SI it is given as the charge-unit spin conductivity e q_yz/E in S, i.e. the
value in e/8π times e²/(8πħ) (the universal value e/8π is 9.68 µS); σ_xx in e²/ħ times e²/ħ
in S (× 2π in e²/h); the Edelstein density S_y per unit field in eτp0/ħ² units times eτp0/ħ²,
in V⁻¹ m⁻¹ (S_y = Tr f σ_y/2 per m², in units of ħ).

[K06] A. Khaetskii, Phys. Rev. Lett. 96, 056602 (2006).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from .materials import material as _material
from .parameters import ParameterError

#: what each physical input is, and the dimension pint must find
DIMENSIONS = {
    "density": ("[length] ** -2", "an areal density, e.g. '1e12 cm^-2'"),
    "mobility": ("[length] ** 2 / [electric_potential] / [time]",
                 "a mobility, e.g. '1e5 cm^2/(V*s)'"),
    "scattering_time": ("[time]", "a time, e.g. '3.8 ps'"),
    "rashba": ("[energy] * [length]", "an energy times a length, e.g. '5 meV*nm'"),
    "temperature": ("[temperature]", "a temperature, e.g. '4 K'"),
    "lambda_so": ("[length] ** 2", "an area, e.g. '5.3 angstrom^2'"),
    "correlation_length": ("[length]", "a length, e.g. '20 nm'"),
    "spacer_distance": ("[length]", "a length, e.g. '20 nm'"),
    "screening_wavevector": ("1 / [length]", "an inverse length, e.g. '0.2 nm^-1'"),
    "effective_mass": ("[mass]", "a mass, e.g. '0.067 m_e' (a plain number is in m_e)"),
}
#: the dimensionless parameter each physical input sets
SETS = {"rashba": "alpha", "scattering_time": "tau", "mobility": "tau",
        "temperature": "temperature", "lambda_so": "lambda_so",
        "correlation_length": "correlation_length", "spacer_distance": "spacer_distance",
        "screening_wavevector": "screening_wavevector"}
NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


class UnitError(ParameterError):
    """A quantity that cannot be read or has the wrong dimension (one line, names the input)."""


@lru_cache(maxsize=1)
def registry():
    import pint

    return pint.UnitRegistry()


def constants() -> dict:
    """ħ, e, m_e, k_B in SI (pint's CODATA values)."""
    u = registry()
    return {"hbar": u.Quantity(1, "hbar").to("J*s").magnitude,
            "e": u.Quantity(1, "elementary_charge").to("C").magnitude,
            "m_e": u.Quantity(1, "electron_mass").to("kg").magnitude,
            "k_B": u.Quantity(1, "boltzmann_constant").to("J/K").magnitude}


def as_typed(value: float) -> float:
    """A converted value at the 12 significant digits a user types, without −0 (labels, file
    names and attributes: 5.000000000000001 → 5, −0.0 → 0)."""
    return float(f"{value:.12g}") + 0.0


def is_plain_number(text) -> bool:
    return isinstance(text, (int, float)) or bool(NUMBER.fullmatch(str(text)))


#: how an input is named in messages: CLI options by default, config keys in study files
LABELS: dict = {}


def _label(name: str) -> str:
    return LABELS.get(name, "--" + name.replace("_", "-"))


def si_value(name: str, text) -> float:
    """The SI magnitude of the quantity ``text`` (e.g. '4 K', '1e12 cm^-2') for input ``name``.

    Raises UnitError, one line naming the input and the expected dimension."""
    dimension, words = DIMENSIONS[name]
    option = _label(name)
    u = registry()
    try:
        q = u.Quantity(str(text).replace("²", "^2").replace("·", "*"))
    except Exception as exc:  # pint's parser raises pint, tokenize and syntax errors alike
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UnitError(f"{option}={text!r}: not a quantity ({reason}); expected {words}") from None
    if not q.check(dimension):
        raise UnitError(f"{option}={text!r} has dimension {q.dimensionality}; expected {words}")
    return float(q.to_base_units().magnitude)


@dataclass(frozen=True)
class Sample:
    """A 2DEG: effective mass (kg) and sheet density of both bands (m⁻²)."""

    mass: float
    density: float

    @classmethod
    def from_inputs(cls, density, material: str | None = None, effective_mass=None):
        """From a density quantity and a preset name and/or an effective mass (a number in m_e
        or a mass quantity); the user's mass overrides the preset's."""
        c = constants()
        if effective_mass is None:
            if material is None:
                raise UnitError(f"{_label('density')}: a density needs a material preset or an "
                                "effective mass")
            mass = _preset(material).effective_mass * c["m_e"]
        elif is_plain_number(effective_mass):
            mass = float(effective_mass) * c["m_e"]
        else:
            mass = si_value("effective_mass", effective_mass)
        if not mass > 0:
            raise UnitError(f"--effective-mass={effective_mass!r} must be > 0")
        n = si_value("density", density)
        if not n > 0:
            raise UnitError(f"--density={density!r} must be > 0")
        return cls(mass, n)

    def p0(self, alpha_R: float | None = None, alpha: float | None = None) -> float:
        """p0 = (2mE_F)^½ in kg m/s from n and either α_R (J m) or the dimensionless alpha.

        Raises UnitError when the Rashba coupling empties the upper band (p0² ≤ 0)."""
        c = constants()
        if alpha is not None:
            return math.sqrt(4 * math.pi * c["hbar"] ** 2 * self.density / (2 + alpha**2))
        m_alpha = 2 * self.mass * (alpha_R or 0.0) / c["hbar"]
        p0_sq = 2 * math.pi * c["hbar"] ** 2 * self.density - m_alpha**2 / 2
        if p0_sq <= 0:
            raise UnitError(f"--rashba: |α_R| = {abs(alpha_R):.3g} J m empties the upper band at "
                            f"this density; the model needs both bands occupied")
        return math.sqrt(p0_sq)

    def fermi_energy(self, p0: float) -> float:
        """E_F = p0²/2m in J."""
        return p0**2 / (2 * self.mass)


def _preset(name: str):
    try:
        return _material(name)
    except ValueError as exc:
        raise UnitError(f"--{exc}") from None


def to_code(sample: Sample, given: dict, material: str | None = None) -> dict:
    """Dimensionless parameters from physical inputs.

    ``given`` maps input names (keys of DIMENSIONS except density/effective_mass, and the
    dimensionless names alpha, tau, ...) to quantity strings or plain numbers; a plain number is
    a dimensionless value (an effective mass in m_e). The preset's λ is used for lambda_so when
    neither a λ nor a lambda_so is given. Returns the dimensionless values and ``scales``
    (p0, E_F in SI) under the key "_scales".
    """
    c = constants()
    out = {}
    alpha_R = None
    if given.get("rashba") is not None:
        alpha_R = si_value("rashba", given["rashba"])
    if alpha_R is not None:
        p0 = sample.p0(alpha_R=alpha_R)
        out["alpha"] = -2 * sample.mass * alpha_R / (c["hbar"] * p0) + 0.0  # no -0.0
    else:
        alpha = float(given.get("alpha") or 0.0)
        p0 = sample.p0(alpha=alpha)
    E_F = sample.fermi_energy(p0)
    k0 = p0 / c["hbar"]
    if given.get("scattering_time") is not None and given.get("mobility") is not None:
        raise UnitError("give --scattering-time or --mobility, not both")
    if given.get("scattering_time") is not None:
        out["tau"] = E_F * si_value("scattering_time", given["scattering_time"]) / c["hbar"]
    elif given.get("mobility") is not None:
        tau_s = si_value("mobility", given["mobility"]) * sample.mass / c["e"]
        out["tau"] = E_F * tau_s / c["hbar"]
    for name in ("temperature", "lambda_so", "correlation_length", "spacer_distance",
                 "screening_wavevector"):
        text = given.get(name)
        if text is None or is_plain_number(text):
            continue
        value = si_value(name, text)
        out[name] = {"temperature": lambda v: c["k_B"] * v / E_F,
                     "lambda_so": lambda v: -v * k0**2 + 0.0,
                     "correlation_length": lambda v: v * k0,
                     "spacer_distance": lambda v: v * k0,
                     "screening_wavevector": lambda v: v / k0}[name](value)
    if "lambda_so" not in out and given.get("lambda_so") is None and material is not None:
        out["lambda_so"] = -_preset(material).lambda_ehr * 1e-20 * k0**2 + 0.0
    out["_scales"] = {"p0": p0, "fermi_energy": E_F, "k0": k0}
    return out


def to_physical(sample: Sample, point) -> dict:
    """Physical values (SI) of a dimensionless ``point`` (PointParams) in ``sample``: the
    inverse of ``to_code``. Keys: rashba (J m), scattering_time (s), mobility (m²/Vs),
    temperature (K), lambda_ehr (m²), fermi_energy (J), p0 (kg m/s), spin_splitting (J, at p̄_F)."""
    c = constants()
    p0 = sample.p0(alpha=point.alpha)
    E_F = sample.fermi_energy(p0)
    k0 = p0 / c["hbar"]
    tau_s = point.tau * c["hbar"] / E_F
    m_alpha = point.alpha * p0
    pbar = math.sqrt(p0**2 + m_alpha**2 / 4)
    return {"rashba": -point.alpha * p0 * c["hbar"] / (2 * sample.mass),
            "scattering_time": tau_s, "mobility": c["e"] * tau_s / sample.mass,
            "temperature": point.temperature * E_F / c["k_B"],
            "lambda_ehr": -point.lambda_so / k0**2 + 0.0, "fermi_energy": E_F, "p0": p0,
            "spin_splitting": abs(m_alpha / sample.mass) * pbar}


# -- outputs in SI --------------------------------------------------------------------------------
def sigma_sH_siemens(value):
    """σ_sH in e/8π → e q_yz/E in S (× e²/(8πħ))."""
    c = constants()
    return value * c["e"] ** 2 / (8 * math.pi * c["hbar"])


def sigma_xx_siemens(value):
    """σ_xx in e²/ħ → S."""
    c = constants()
    return value * c["e"] ** 2 / c["hbar"]


def sigma_xx_quantum(value):
    """σ_xx in e²/ħ → in e²/h."""
    return value * 2 * math.pi


def spin_density_per_field(value, tau_s, p0):
    """S_y in eEτp0/ħ² → S_y/E in 1/(V m): S_y = Tr f σ_y/2 per m² (in units of ħ) per V/m."""
    c = constants()
    return value * c["e"] * tau_s * p0 / c["hbar"] ** 2


# -- studies in physical units ---------------------------------------------------------------------
#: grid axes a physical study may give as quantities: physical name → dimensionless axis
PHYSICAL_AXES = {"mobility": "tau", "scattering_time": "tau", "temperature": "temperature",
                 "lambda_so": "lambda_so", "correlation_length": "correlation_length",
                 "spacer_distance": "spacer_distance",
                 "screening_wavevector": "screening_wavevector"}
#: coordinates stored beside the dimensionless ones: name → (the dimensionless axis it runs
#: along, unit of the value in SI, CF units, text); for tau the preferred one first
COORDINATES = {
    "mobility": ("tau", 1e-4, "cm2 V-1 s-1", "mobility μ = eτ/m"),
    "scattering_time": ("tau", 1e-12, "ps", "transport time τ"),
    "temperature_K": ("temperature", 1.0, "K", "temperature"),
    "lambda_ehr": ("lambda_so", 1e-20, "angstrom2",
                   "impurity spin-orbit λ of Engel–Halperin–Rashba"),
    "correlation_length_nm": ("correlation_length", 1e-9, "nm",
                              "correlation length R of smooth disorder"),
    "spacer_distance_nm": ("spacer_distance", 1e-9, "nm", "spacer distance d of remote impurities"),
    "screening_wavevector_per_nm": ("screening_wavevector", 1e9, "nm-1",
                                    "Thomas–Fermi screening wavevector"),
}


def coordinates_along(axis: str) -> tuple:
    """The physical coordinates of COORDINATES that run along the dimensionless ``axis``."""
    return tuple(name for name, spec in COORDINATES.items() if spec[0] == axis)


def coordinate_of(key: str) -> str:
    """The coordinate a physical axis given under the config key ``key`` (PHYSICAL_AXES) is
    stored as: the key itself for mobility and scattering_time, else the one along its axis."""
    return key if key in COORDINATES else coordinates_along(PHYSICAL_AXES[key])[0]


def physical_study(config: dict) -> tuple[dict, dict]:
    """A study config with a ``sample`` block (material, density, effective_mass, rashba) and
    quantities with units → the dimensionless config, and what the dataset needs to carry the
    physical coordinates (``physical_coordinates``).

    One sample per study: the density and the Rashba coefficient (or alpha) are fixed, so that
    p0 and E_F are one number and every physical axis (mobility or scattering_time, temperature,
    lambda_so, lengths) maps linearly onto a dimensionless one. Raises UnitError (one line).
    """
    import copy

    config = copy.deepcopy(config)
    sample_cfg = config.pop("sample")
    if not isinstance(sample_cfg, dict) or "density" not in sample_cfg:
        raise UnitError("sample: needs density (and material or effective_mass)")
    unknown = set(sample_cfg) - {"material", "density", "effective_mass", "rashba", "alpha"}
    if unknown:
        raise UnitError(f"sample: unknown key(s) {sorted(unknown)}; allowed: material, density, "
                        "effective_mass, rashba or alpha")
    grid = config.setdefault("grid", {})
    for axis in ("density", "rashba", "alpha"):
        if axis in grid:
            raise UnitError(f"grid.{axis}: a study in physical units has one sample (density and "
                            f"Rashba coupling in 'sample:'); at another density or α_R p0 and E_F "
                            f"change, so τ, T and λ would not map onto shared axes: run one study "
                            f"per sample and stack them with 'spinflux samples'")
    if "rashba" not in sample_cfg and "alpha" not in sample_cfg:
        raise UnitError("sample: needs rashba (e.g. '5 meV*nm', or '0 meV*nm') or alpha")
    LABELS.update({"density": "sample.density", "effective_mass": "sample.effective_mass",
                   "rashba": "sample.rashba"})
    try:
        return _physical_study(config, sample_cfg, grid)
    finally:
        LABELS.clear()


def _physical_study(config, sample_cfg, grid):
    material = sample_cfg.get("material")
    sample = Sample.from_inputs(sample_cfg["density"], material, sample_cfg.get("effective_mass"))
    base = to_code(sample, {"rashba": sample_cfg.get("rashba"), "alpha": sample_cfg.get("alpha")},
                   material)
    scales = base.pop("_scales")
    grid["alpha"] = [float(base.get("alpha", sample_cfg.get("alpha") or 0.0))]

    def convert(name, text, where):
        if is_plain_number(text):
            if name in ("mobility", "scattering_time"):
                raise UnitError(f"{where}={text!r} needs a unit (e.g. "
                                f"{DIMENSIONS[name][1].split('e.g. ')[1]}): a plain number here "
                                f"has no dimensionless meaning")
            return float(text)  # a dimensionless value (k_B T/E_F, lambda_so, …)
        LABELS[name] = where
        return to_code(sample, {"alpha": grid["alpha"][0], name: text}, None)[SETS[name]]

    coords = {}
    for name, target in PHYSICAL_AXES.items():
        if name not in grid:
            continue
        spec = grid.pop(name)
        if target in grid:
            raise UnitError(f"grid.{name} and grid.{target} set the same axis: give one")
        LABELS[name] = f"grid.{name}"
        values = _physical_values(name, spec)
        grid[target] = [convert(name, v, f"grid.{name}") for v in values]
        if not all(is_plain_number(v) for v in values):
            coords[target] = name  # given in physical units: named so in files and stacks
    blocks = [("parameters", config.get("parameters", {}))] + [
        (f"kernel_parameters.{k}", v) for k, v in config.get("kernel_parameters", {}).items()]
    for where, block in blocks:
        for name in list(block):
            if name in SETS and not is_plain_number(block[name]):
                block[name] = convert(name, block[name], f"{where}.{name}")
    if "lambda_so" not in config.get("parameters", {}) and "lambda_so" not in grid and material:
        config.setdefault("parameters", {})["lambda_so"] = base["lambda_so"]
    c = constants()
    physical = {"material": material or "custom", "effective_mass_me": sample.mass / c["m_e"],
                "density_per_cm2": sample.density * 1e-4, "alpha": grid["alpha"][0],
                "p0": scales["p0"], "fermi_energy_meV": scales["fermi_energy"] / c["e"] * 1e3,
                "mass": sample.mass, "density": sample.density, "axes": coords}
    return config, physical


def _physical_values(name: str, spec) -> list:
    """A physical axis as a list of quantity strings or numbers (ranges are expanded in the
    physical quantity, so a log range of mobilities stays one)."""
    import numpy as np

    if not isinstance(spec, dict):
        return list(spec)
    start, stop, num = spec["start"], spec["stop"], int(spec["num"])
    u = registry()
    unit = str(start).split(None, 1)[1] if not is_plain_number(start) else None
    lo = si_value(name, start) if unit else float(start)
    hi = si_value(name, stop) if unit else float(stop)
    values = (np.geomspace(lo, hi, num) if spec.get("scale", "linear") == "log"
              else np.linspace(lo, hi, num))
    if not unit:
        return [float(v) for v in values]
    base = u.Quantity(1, unit).to_base_units().units
    return [f"{float(v)!r} {base}" for v in values]


def _converters(physical: dict) -> dict:
    """Physical coordinate (COORDINATES) → function of the dimensionless values along its axis,
    in SI, for the sample of a physical study (``physical_study``)."""
    c = constants()
    p0, mass = physical["p0"], physical["mass"]
    E_F = p0**2 / (2 * mass)
    k0 = p0 / c["hbar"]
    return {"mobility": lambda v: c["e"] * v * c["hbar"] / E_F / mass,
            "scattering_time": lambda v: v * c["hbar"] / E_F,
            "temperature_K": lambda v: v * E_F / c["k_B"],
            "lambda_ehr": lambda v: -v / k0**2,
            "correlation_length_nm": lambda v: v / k0,
            "spacer_distance_nm": lambda v: v / k0,
            "screening_wavevector_per_nm": lambda v: v * k0}


def axis_labels(physical: dict, axis: str, values) -> tuple[str, list] | None:
    """An extra axis of a physical study as the user gave it, for file names: (coordinate,
    values in its CF units, 12 digits), e.g. ('temperature_K', [2.0, 4.0]); None for an axis
    given dimensionless."""
    key = physical.get("axes", {}).get(axis)
    if key is None or axis == "tau":
        return None
    name = coordinate_of(key)
    f, scale = _converters(physical)[name], COORDINATES[name][1]
    return name, [as_typed(float(f(v)) / scale) for v in values]


def physical_coordinates(ds, physical: dict):
    """Add the physical coordinates and attributes of a physical study (``physical_study``) to
    its merged dataset: transport time and mobility along tau, kelvin along temperature, λ_EHR
    along lambda_so, lengths in nm; S_y per unit field; the sample in the attributes."""
    import numpy as np

    c = constants()
    p0, mass = physical["p0"], physical["mass"]
    E_F = p0**2 / (2 * mass)
    k0 = p0 / c["hbar"]
    for name, f in _converters(physical).items():
        axis, scale, cf_units, text = COORDINATES[name]
        if axis in ds.dims:
            ds = ds.assign_coords({name: (axis, f(ds[axis].values) / scale,
                                          {"units": cf_units, "long_name": text})})
    tau_s = ds.tau * c["hbar"] / E_F
    ds["spin_density_y_per_field"] = spin_density_per_field(ds.spin_density_y, tau_s, p0)
    ds["spin_density_y_per_field"].attrs = {
        "units": "V-1 m-1", "long_name": "current-induced spin density S_y = Tr f σ_y/2 per unit "
                                         "field (per m², in units of ħ, per V/m)"}
    ds.attrs.update({f"sample_{k}": v for k, v in physical.items()
                     if k in ("material", "effective_mass_me", "density_per_cm2",
                              "fermi_energy_meV")})
    # fixed values in physical units too (an axis carries them as coordinates instead)
    for axis, name, f in (("temperature", "sample_temperature_K", lambda v: v * E_F / c["k_B"]),
                          ("lambda_so", "sample_lambda_ehr_angstrom2",
                           lambda v: -v / k0**2 * 1e20 + 0.0)):
        fixed = f"fixed_{axis}"
        if axis not in ds.dims and fixed in ds:
            values = ds[fixed].values[np.isfinite(ds[fixed].values)]
            if values.size and np.all(values == values.flat[0]):
                ds.attrs[name] = float(f(values.flat[0]))
    rashba = -physical["alpha"] * p0 * c["hbar"] / (2 * mass) / c["e"] * 1e12
    ds.attrs["sample_rashba_meV_nm"] = as_typed(rashba)
    return ds
