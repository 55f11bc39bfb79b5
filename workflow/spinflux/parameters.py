"""The physical parameters of one point: one table, from which everything else is derived.

``TABLE`` lists every parameter once, with its default, its allowed values, its unit and what it
means. From it come the fields and defaults of :class:`PointParams`, its validation, the options
of the command line (``spinflux.cli``), the attributes of the stored coordinates
(``spinflux.dataset``), the defaults of a study (``spinflux.study``); the fixed-parameter block of
``config/schema.yaml`` is tested against it.

Config units (dimensionless, docs/model.md §1): energies in E_F, momenta in p0 = sqrt(2 m E_F),
times in ħ/E_F. Code units: ħ = m = 1 and E_F = 1, hence p0 = √2 and μ = 1 (the chemical
potential is held at E_F for T > 0: grand-canonical, the T² shift of μ is not included).
"""

from __future__ import annotations

import dataclasses
import math
import operator
from dataclasses import dataclass

P0 = math.sqrt(2.0)  # p0 = sqrt(2 m E_F) in code units
#: ε − μ carries ~1e-16 absolute rounding error, i.e. a relative error 1e-16/T in F'(ε)
MIN_TEMPERATURE = 1e-8
#: E_F τ/ħ below which a scattering kernel spreads its response along the whole ladder
MIN_SCATTERING_TAU = 0.1
#: the beyond-Born kernel is an expansion in ν U(0); beyond this it is not a small parameter
MAX_IMPURITY_STRENGTH = 0.5

KERNELS = ("relaxation", "born", "beyond_born")
DISORDERS = ("delta", "smooth", "coulomb")


class ParameterError(ValueError):
    """A user-supplied parameter is outside its allowed values; the message names it."""


@dataclass(frozen=True)
class Bound:
    """One bound of a numeric parameter: ``op`` is '>', '≥', '≤' or '|≤|' (on the magnitude);
    ``why`` ends the message that names a violation."""

    op: str
    value: float
    why: str = ""

    def violated(self, x: float) -> bool:
        return {">": x <= self.value, "≥": x < self.value, "≤": x > self.value,
                "|≤|": abs(x) > self.value}[self.op]

    def message(self, name: str, x) -> str:
        why = f" ({self.why})" if self.why else ""
        if self.op == "|≤|":
            return f"{name}={x!r} must satisfy |{name}| ≤ {self.value:g}{why}"
        return f"{name}={x!r} must be {self.op} {self.value:g}{why}"

    def words(self, name: str) -> str:
        return f"|{name}| ≤ {self.value:g}" if self.op == "|≤|" else f"{self.op} {self.value:g}"


@dataclass(frozen=True)
class Parameter:
    """One row of the parameter table.

    ``bounds`` are checked in order (the first violated one names the problem); ``choices``
    lists the allowed strings of a choice. ``kernels``/``disorders`` name the kernels and
    disorder types whose results depend on the parameter (None: all), so that a study does not
    rerun what a change cannot affect. ``unit`` is what the dimensionless number is measured in.
    """

    name: str
    default: object
    long_name: str
    unit: str = ""
    help: str = ""
    choices: tuple | None = None
    bounds: tuple = ()
    kernels: tuple | None = None
    disorders: tuple | None = None
    required: bool = False

    @property
    def is_choice(self) -> bool:
        return self.choices is not None

    def allowed(self) -> str:
        """What is allowed, in words (for messages and help texts)."""
        if self.is_choice:
            return "one of " + ", ".join(self.choices)
        return ", ".join(b.words(self.name) for b in self.bounds) or "any real number"


TABLE: tuple[Parameter, ...] = (
    Parameter("alpha", None, "Rashba coupling", "m α/p0", required=True,
              help="Rashba coupling mα/p0 (either sign; 0 allowed)",
              bounds=(Bound("|≤|", 2.0, "m α/p0"),)),
    Parameter("tau", None, "transport time at the mean Fermi momentum", "ħ/E_F", required=True,
              help="transport time E_F τ/ħ (points below 3 are flagged: the kinetic equation needs "
                   "E_F τ ≫ ħ)",
              bounds=(Bound(">", 0.0, "E_F τ/ħ"),)),
    Parameter("disorder", "delta", "disorder type", choices=DISORDERS,
              help="disorder correlator: delta (short range), smooth (Gaussian), "
                   "coulomb (remote ionised impurities)"),
    Parameter("kernel", "born", "collision kernel", choices=KERNELS,
              help="collision integral: relaxation (bare bubble), born, beyond_born (third order)"),
    Parameter("temperature", 1e-3, "temperature", "E_F/k_B", help="k_B T/E_F",
              bounds=(Bound(">", 0.0, "k_B T/E_F; T = 0 has step-function distributions that a "
                                      "momentum grid cannot represent, use e.g. 1e-3"),
                      Bound("≥", MIN_TEMPERATURE, "k_B T/E_F; below it the Fermi function loses "
                                                  "precision in double arithmetic"),
                      Bound("≤", 0.5, "k_B T/E_F; the model fixes μ = E_F, valid for a "
                                      "degenerate gas"))),
    Parameter("correlation_length", 1.0, "correlation length R of smooth disorder", "ħ/p0",
              help="R p0/ħ of smooth (Gaussian) disorder",
              bounds=(Bound("≥", 0.0, "units ħ/p0"),
                      Bound("≤", 100.0, "units ħ/p0; the angular moments are verified up to it")),
              disorders=("smooth",)),
    Parameter("spacer_distance", 1.0, "spacer distance d of remote (coulomb) impurities", "ħ/p0",
              help="d p0/ħ of coulomb disorder",
              bounds=(Bound("≥", 0.0, "units ħ/p0"),
                      Bound("≤", 50.0, "units ħ/p0; the angular quadrature of the Coulomb correlator "
                                       "resolves scattering angles ≳ ħ/(p_F d) up to it")),
              disorders=("coulomb",)),
    Parameter("screening_wavevector", 1.0, "Thomas–Fermi screening wave vector", "p0/ħ",
              help="q_TF ħ/p0 of coulomb disorder",
              bounds=(Bound(">", 0.0, "units p0/ħ"),
                      Bound("≥", 0.05, "units p0/ħ; weaker screening makes the forward scattering "
                                       "too sharp for the angular quadrature"),
                      Bound("≤", 100.0, "units p0/ħ")),
              disorders=("coulomb",)),
    Parameter("lambda_so", 0.0, "impurity spin-orbit coupling λ (U → U[1 + iλσ_z (p × p')_z])",
              "λ p0²", help="impurity spin-orbit coupling λp0² (born, beyond_born)",
              bounds=(Bound("|≤|", 1.0, "λ p0²; the side-jump corrections are first order in λ"),),
              kernels=("born", "beyond_born")),
    Parameter("impurity_strength", 0.1, "Born parameter ν U(0) of one impurity, ν = m/2πħ² "
                                        "(beyond_born kernel)", "",
              help="signed Born parameter νU(0) of one impurity (beyond_born)",
              bounds=(Bound("|≤|", MAX_IMPURITY_STRENGTH,
                            "ν U(0); the beyond-Born kernel expands in it"),),
              kernels=("beyond_born",)),
)

BY_NAME = {p.name: p for p in TABLE}
#: parameters that are numbers (all but the choices)
NUMERIC = tuple(p.name for p in TABLE if not p.is_choice)
#: parameters a study may fix or promote to an extra grid axis
FIXED = tuple(p.name for p in TABLE if not p.required and not p.is_choice)
DEFAULTS = {p.name: p.default for p in TABLE if not p.required}


def check_value(name: str, value):
    """Validate one parameter value; returns it as float/str, or raises ParameterError naming it."""
    row = BY_NAME[name]
    if row.is_choice:
        if value not in row.choices:
            raise ParameterError(f"{name}={value!r} is not known; allowed: {', '.join(row.choices)}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(f"{name}={value!r} must be a real number")
    if not math.isfinite(value):
        raise ParameterError(f"{name}={value!r} must be finite (got NaN or infinity)")
    for bound in row.bounds:
        if bound.violated(value):
            raise ParameterError(bound.message(name, value))
    return float(value)


def _post_init(self):
    validate(self)


def _alpha_code(self) -> float:
    """α in code units (ħ = m = 1, E_F = 1): α = alpha · p0."""
    return self.alpha * P0


def _mean_fermi_momentum(self) -> float:
    """p̄_F = (p_F+ + p_F−)/2 = sqrt(p0² + (mα)²/4), code units."""
    return math.sqrt(P0**2 + self.alpha_code**2 / 4)


def _delta_tau(self) -> float:
    """Δτ/ħ = |α| p̄_F τ/ħ, the natural axis of every figure."""
    return abs(self.alpha_code) * self.mean_fermi_momentum * self.tau


def _fermi_momenta(self) -> tuple[float, float]:
    """(p_F,upper, p_F,lower) at T = 0: the upper band has the smaller Fermi momentum."""
    a = abs(self.alpha_code)
    return (-a / 2 + self.mean_fermi_momentum, a / 2 + self.mean_fermi_momentum)


def _lambda_code(self) -> float:
    """λ in code units: lambda_so / p0²."""
    return self.lambda_so / P0**2


PointParams = dataclasses.make_dataclass(
    "PointParams",
    [(p.name, object) for p in TABLE if p.required]
    + [(p.name, object, dataclasses.field(default=p.default)) for p in TABLE if not p.required],
    frozen=True,
    namespace={
        "__doc__": "One point of a parameter study, in config units (spinflux.parameters.TABLE).",
        "__post_init__": _post_init,
        "alpha_code": property(_alpha_code),
        "mean_fermi_momentum": property(_mean_fermi_momentum),
        "delta_tau": property(_delta_tau),
        "fermi_momenta": property(_fermi_momenta),
        "lambda_code": property(_lambda_code),
    },
)
PointParams.__module__ = __name__


#: every field of a PointParams but τ, as a tuple: points equal in it differ only in τ and share
#: the τ-independent assembly of their kinetic equation (equation.UnitOperator). A getter, not
#: dataclasses.replace(point, tau=...), which validates a new point (~50 µs)
fields_but_tau = operator.attrgetter(*(f.name for f in dataclasses.fields(PointParams)
                                       if f.name != "tau"))


def validate(p) -> None:
    """Raise ParameterError with a one-line message naming the bad parameter.

    Every row of TABLE is checked in table order (choices first: a later message may name
    the kernel); then the combinations that no single row can judge.
    """
    for row in sorted(TABLE, key=lambda r: not r.is_choice):
        value = check_value(row.name, getattr(p, row.name))
        if value is not getattr(p, row.name) and not row.is_choice:
            object.__setattr__(p, row.name, value)  # ints become floats: one representation
    if p.kernel != "relaxation" and p.tau < MIN_SCATTERING_TAU:
        raise ParameterError(
            f"tau={p.tau!r} must be ≥ {MIN_SCATTERING_TAU:g} for the {p.kernel} kernel (E_F τ/ħ; "
            "below it the kinetic equation is meaningless and the scattered response leaves the "
            "momentum grid; points below 3 are flagged)")
    if p.lambda_so != 0 and p.kernel == "relaxation":
        raise ParameterError(
            f"lambda_so={p.lambda_so!r} needs a scattering kernel (born, beyond_born); the relaxation "
            "kernel has no scattering amplitude to carry the impurity spin-orbit term")


def schema_property(name: str) -> dict:
    """The JSON-schema of a numeric parameter as ``config/schema.yaml`` states it (its
    ``definitions/fixed`` block is tested against this)."""
    out = {"type": "number"}
    for bound in BY_NAME[name].bounds:
        if bound.op == "|≤|":
            out.update(minimum=-bound.value, maximum=bound.value)
        else:
            out[{">": "exclusiveMinimum", "≥": "minimum", "≤": "maximum"}[bound.op]] = bound.value
    return out


def field_names() -> tuple[str, ...]:
    return tuple(p.name for p in TABLE)


def relevant(name: str, kernel: str | None, disorder: str | None) -> bool:
    """Whether results of (kernel, disorder) depend on parameter ``name`` (None: any)."""
    row = BY_NAME[name]
    return ((row.kernels is None or kernel is None or kernel in row.kernels)
            and (row.disorders is None or disorder is None or disorder in row.disorders))


def attributes(name: str) -> dict:
    """CF attributes of a stored parameter coordinate."""
    row = BY_NAME[name]
    attrs = {"long_name": row.long_name + (f" [{row.unit}]" if row.unit else "")}
    if not row.is_choice:
        attrs["units"] = "1"
    if row.unit:
        attrs["unit_label"] = row.unit
    return attrs
