"""Physical parameters of one grid point, their validation and their code units.

Config units (what a user types, physics.md §1):

* ``alpha``  = m α / p0            (Rashba coupling, either sign)
* ``tau``    = E_F τ / ħ           (transport time at the mean Fermi momentum)
* ``temperature`` = k_B T / E_F
* ``correlation_length`` = R p0 / ħ          (``smooth`` disorder)
* ``spacer_distance``    = d p0 / ħ          (``coulomb`` disorder)
* ``screening_wavevector`` = q_TF ħ / p0     (``coulomb`` disorder)
* ``lambda_so`` = λ p0²                      (impurity spin-orbit, U → U[1 + iλσ_z (p × p')_z])
* ``impurity_strength`` = ν U(0), ν = m/2πħ²  (signed Born parameter of one impurity; sets the
  third-order term of the ``beyond_born`` kernel at fixed τ, docs/beyond_born.md)

Code units: ħ = m = 1 and E_F = 1, hence p0 = √2 and the chemical potential μ = 1
(held fixed at T > 0: grand-canonical, the T² shift of μ is not included).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

KERNELS = ("relaxation", "born", "beyond_born")
DISORDERS = ("delta", "smooth", "coulomb")

P0 = math.sqrt(2.0)  # p0 = sqrt(2 m E_F) in code units
#: ε − μ carries ~1e-16 absolute rounding error, i.e. a relative error 1e-16/T in F'(ε)
MIN_TEMPERATURE = 1e-8
#: the beyond-Born kernel is an expansion in ν U(0); beyond this it is not a small parameter
MAX_IMPURITY_STRENGTH = 0.5


class ParameterError(ValueError):
    """A user-supplied parameter is outside its allowed values; the message names it."""


@dataclass(frozen=True)
class PointParams:
    """One point of a parameter study, in config units (see module docstring)."""

    alpha: float
    tau: float
    disorder: str = "delta"
    kernel: str = "born"
    temperature: float = 1e-3
    correlation_length: float = 1.0
    spacer_distance: float = 1.0
    screening_wavevector: float = 1.0
    lambda_so: float = 0.0
    impurity_strength: float = 0.1

    def __post_init__(self):
        validate(self)

    # -- code units -------------------------------------------------------------
    @property
    def alpha_code(self) -> float:
        """α in code units (ħ = m = 1, E_F = 1): α = alpha · p0."""
        return self.alpha * P0

    @property
    def mean_fermi_momentum(self) -> float:
        """p̄_F = (p_F+ + p_F−)/2 = sqrt(p0² + (mα)²/4), code units."""
        return math.sqrt(P0**2 + self.alpha_code**2 / 4)

    @property
    def delta_tau(self) -> float:
        """Δτ/ħ = α p̄_F τ/ħ, the natural axis of every figure."""
        return abs(self.alpha_code) * self.mean_fermi_momentum * self.tau

    @property
    def fermi_momenta(self) -> tuple[float, float]:
        """(p_F,upper, p_F,lower) at T = 0: the upper band has the smaller Fermi momentum."""
        a = abs(self.alpha_code)
        return (-a / 2 + self.mean_fermi_momentum, a / 2 + self.mean_fermi_momentum)


_FLOAT_FIELDS = ("alpha", "tau", "temperature", "correlation_length",
                 "spacer_distance", "screening_wavevector", "lambda_so", "impurity_strength")


def validate(p: PointParams) -> None:
    """Raise ParameterError with a one-line message naming the bad parameter."""
    if p.kernel not in KERNELS:
        raise ParameterError(f"kernel={p.kernel!r} is not known; allowed: {', '.join(KERNELS)}")
    if p.disorder not in DISORDERS:
        raise ParameterError(
            f"disorder={p.disorder!r} is not known; allowed: {', '.join(DISORDERS)}")
    for name in _FLOAT_FIELDS:
        value = getattr(p, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterError(f"{name}={value!r} must be a real number")
        if not math.isfinite(value):
            raise ParameterError(f"{name}={value!r} must be finite (got NaN or infinity)")
    if p.tau <= 0:
        raise ParameterError(f"tau={p.tau!r} must be > 0 (E_F τ/ħ)")
    if p.temperature <= 0:
        raise ParameterError(
            f"temperature={p.temperature!r} must be > 0 (k_B T/E_F; T = 0 has step-function "
            "distributions that a momentum grid cannot represent, use e.g. 1e-3)")
    if p.temperature < MIN_TEMPERATURE:
        raise ParameterError(
            f"temperature={p.temperature!r} must be ≥ {MIN_TEMPERATURE:g} (k_B T/E_F; below it the "
            "Fermi function loses precision in double arithmetic)")
    if p.temperature > 0.5:
        raise ParameterError(
            f"temperature={p.temperature!r} must be ≤ 0.5 (k_B T/E_F; the model fixes μ = E_F, "
            "valid for a degenerate gas)")
    if abs(p.alpha) > 2.0:
        raise ParameterError(f"alpha={p.alpha!r} must satisfy |alpha| ≤ 2 (m α/p0)")
    for name in ("correlation_length", "spacer_distance"):
        if getattr(p, name) < 0:
            raise ParameterError(f"{name}={getattr(p, name)!r} must be ≥ 0 (units ħ/p0)")
    if p.lambda_so != 0 and p.kernel == "relaxation":
        raise ParameterError(
            f"lambda_so={p.lambda_so!r} needs a scattering kernel (born, beyond_born); the relaxation kernel "
            "has no scattering amplitude to carry the impurity spin-orbit term")
    if abs(p.impurity_strength) > MAX_IMPURITY_STRENGTH:
        raise ParameterError(
            f"impurity_strength={p.impurity_strength!r} must satisfy |impurity_strength| ≤ "
            f"{MAX_IMPURITY_STRENGTH:g} (ν U(0); the beyond-Born kernel expands in it)")
    if p.screening_wavevector <= 0:
        raise ParameterError(
            f"screening_wavevector={p.screening_wavevector!r} must be > 0 (units p0/ħ)")


def field_names() -> tuple[str, ...]:
    return tuple(f.name for f in fields(PointParams))
