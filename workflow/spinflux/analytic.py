"""Independent analytic and semi-analytic results for comparison (never used by the solver).

All functions take a PointParams and return values in the units of the solver's output:
σ_sH in e/8π (the universal value reads −1 with eE > 0 along +x), σ_xx in e²/ħ, spin density
in e E τ p0/ħ². Code units inside: ħ = m = 1, E_F = 1.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.integrate import quad
from scipy.special import expit

from .parameters import P0, PointParams
from . import disorder as dis


def relaxation_sigma_sH_zero_temperature(point: PointParams) -> float:
    """Bare-bubble spin Hall conductivity, physics.md §4 item 2 (T = 0).

    σ_sH = −[1 − (arctan x− − arctan x+)/(m α² τ)],  x± = |α| τ p_F±.
    """
    a, tau = abs(point.alpha_code), point.tau
    if a == 0:
        return 0.0
    p_up, p_low = point.fermi_momenta
    return -(1 - (math.atan(a * tau * p_low) - math.atan(a * tau * p_up)) / (a**2 * tau))


def _thermal_shell_integral(point: PointParams, g) -> float:
    """∫_0^∞ dp s0(p) g(p), s0 = [F(ε+) − F(ε−)]/2, by adaptive quadrature (code units)."""
    a, T = point.alpha_code, point.temperature

    def s0(p):
        return 0.5 * (expit(-(0.5 * p * p + 0.5 * a * p - 1) / T)
                      - expit(-(0.5 * p * p - 0.5 * a * p - 1) / T))

    # explicit pieces around each Fermi momentum: an adaptive rule can miss a step of width T
    edges = {0.0}
    for pf in point.fermi_momenta:
        for k in (-60, -8, -1, 0, 1, 8, 60):
            edges.add(min(max(pf + k * T, 0.0), point.fermi_momenta[1] + abs(a) + 60 * T))
    edges = sorted(edges)
    integrand = lambda p: s0(p) * g(p)
    return sum(quad(integrand, lo, hi, limit=200, epsabs=1e-15, epsrel=1e-13)[0]
               for lo, hi in zip(edges[:-1], edges[1:]) if hi > lo)


def relaxation_sigma_sH_thermal(point: PointParams) -> float:
    """The same at temperature T: σ_sH = 2 ∫ dp p² s0(p) α τ²/(1 + (αpτ)²).

    The off-diagonal equations of the relaxation kernel decouple (docs/derivation.md):
    s_z = eE s0 α τ²/(1 + (αpτ)²), and σ_sH = 8π q_yz = 2 ∫ dp p² s_z.
    """
    a, tau = point.alpha_code, point.tau
    return 2 * _thermal_shell_integral(point, lambda p: p * p * a * tau**2 / (1 + (a * p * tau) ** 2))


def relaxation_spin_density_thermal(point: PointParams) -> float:
    """Exact S_y of the relaxation kernel at temperature T (units eEτp0/ħ²).

    With s_φ = −eEτ ∂_p s0 and s_p = −s_z/(αpτ): S_y = (1/4π)∫dp p (s_φ + s_p)
    = (τ/4π) ∫ dp s0 (αpτ)²/(1 + (αpτ)²) after an integration by parts.
    """
    a, tau = point.alpha_code, point.tau
    val = tau / (4 * math.pi) * _thermal_shell_integral(
        point, lambda p: (a * p * tau) ** 2 / (1 + (a * p * tau) ** 2))
    return val / (tau * P0)


def relaxation_spin_density(point: PointParams) -> float:
    """S_y with the relaxation kernel, physics.md §4 item 5: −(m α eEτ/8π) d²/(1 + d²), d = Δτ.

    Evaluates the momentum dependence of αpτ at p̄_F only: valid for mα ≪ p0."""
    d = point.delta_tau
    return -(point.alpha_code * point.tau / (8 * math.pi)) * d * d / (1 + d * d) / (point.tau * P0)


def drude_sigma_xx(point: PointParams) -> float:
    """σ_xx = e² n τ/m with n = (p_F+² + p_F−²)/(4π) (δ disorder)."""
    p_up, p_low = point.fermi_momenta
    return (p_up**2 + p_low**2) / (4 * math.pi) * point.tau


def edelstein_spin_density(point: PointParams) -> float:
    """S_y = −(m α/4π) eEτ, in units of eEτp0/ħ²: −alpha/(4π) (δ disorder, E_F ≫ Δ, ħ/τ)."""
    return -point.alpha / (4 * math.pi)


def band_diagonal_boltzmann(point: PointParams) -> dict:
    """Δτ → ∞ limit: the 2×2 Boltzmann equation of the two helicity bands at T = 0.

    With f = Σ_M g_M(p) cos φ P^M, g_M = −δ(ε_M − μ) Λ_M, the Born collision integral
    restricted to the band-diagonal part gives, per band M at its Fermi momentum p_M,

        Σ_M' ν_M' [⟨W (1 + 4MM' cos θ)/2 · cos θ⟩ Λ_M' − ⟨W (1 + 4MM' cos θ)/2⟩ Λ_M] = v_M,

    with ν_M = p_M/|v_M|, v_M = p_M + Mα, the spinor overlap (1 + 4MM' cos θ)/2 and
    ⟨·⟩ = (1/2π)∫dθ at q² = p_M² + p_M'² − 2 p_M p_M' cos θ (adaptive quadrature).
    Then σ_xx = −Σ_M p_M Λ_M/(4π), S_y = −Σ_M M ν_M Λ_M/(4π).
    Returns σ_xx and S_y (solver units) and σ_xx/τ for limits at τ → ∞.
    """
    a = point.alpha_code
    p_up, p_low = point.fermi_momenta
    # band M = +1/2 is the upper band for α > 0 and the lower one for α < 0
    pF = {0.5: p_up if a >= 0 else p_low, -0.5: p_low if a >= 0 else p_up}
    bands = (0.5, -0.5)
    v = {M: pF[M] + M * a for M in bands}
    nu = {M: pF[M] / abs(v[M]) for M in bands}
    W = lambda q: float(dis.correlator(point, np.array(q)))
    A = np.zeros((2, 2))
    for i, M in enumerate(bands):
        for k, Mp in enumerate(bands):
            p, pp = pF[M], pF[Mp]
            def avg(power):
                f = lambda t: (W(math.sqrt(max(p * p + pp * pp - 2 * p * pp * math.cos(t), 0.0)))
                               * 0.5 * (1 + 4 * M * Mp * math.cos(t)) * math.cos(t) ** power)
                return quad(f, 0, math.pi, limit=200, epsabs=1e-13, epsrel=1e-12)[0] / math.pi
            A[i, k] += nu[Mp] * avg(1)
            A[i, i] -= nu[Mp] * avg(0)
    lam = np.linalg.solve(A, np.array([v[M] for M in bands]))
    sigma_xx = -sum(pF[M] * lam[i] for i, M in enumerate(bands)) / (4 * math.pi)
    spin_code = -sum(M * nu[M] * lam[i] for i, M in enumerate(bands)) / (4 * math.pi)
    return {"sigma_xx": sigma_xx, "spin_density_y": spin_code / (point.tau * P0)}


def born_spin_orbit_odd_part(point: PointParams) -> float:
    """Part of σ_sH(born, λ) odd in λ, to first order in λ, for Δτ ≫ 1 and mα ≪ p0 (δ disorder).

    The λ-linear term of the Born collision integral, iλ(p × p')_z [σ_z, ·] in T f T†, has a σ_y
    moment on the band-diagonal (Boltzmann) response g_M cos φ P^M from its loss terms only:
    Tr∫σ_y δSt = (λαW/4π) Σ_M ∫dp p² g_M = λα/π, using Σ_M' M' J x = −λpα for the two roots
    of either band and ∫dp p² g_M = p_M² τ (docs/impurity_spin_orbit.md). The balance law then
    gives q_yz = −λ/2π, i.e. σ_sH = −4λ = −2 lambda_so in units of e/8π (λ = lambda_so/p0²),
    independent of τ and α.
    """
    return -2.0 * point.lambda_so


def skew_scattering_sigma_sH(point: PointParams) -> float:
    """Extrinsic spin Hall conductivity of the beyond-Born kernel at α = 0, δ disorder
    (docs/beyond_born.md §3, the Engel–Halperin–Rashba mechanism in this model).

    At α = 0 σ_z is conserved and each spin s = ±1 obeys a scalar Boltzmann equation with the
    rate W_s(θ) = N|T_s|² to third order in U(0) = 2π impurity_strength, T_s the amplitude
    U(0)[1 − i s y sin θ] − (i/2) U(0)²[1 + ½ y² cos θ], y = λ p², θ = φ − φ':

        1/τ_tr = (1 + y²/2)/τ,   skew rate ω = ⟨W_s sin θ⟩ s = U(0) y/(2τ) = π g λ p²/τ,

    and the Hall ratio of spin s is s ω τ_tr. With the drive dF/dp cos φ,

        σ_sH = 8π q_yz = 2 ∫ dp p² (−dF/dp) ω/(1/τ_tr² + ω²)     [e/8π],

    i.e. 4πgλ_so τ/(1 + λ_so²/2)² at T = 0 to leading order in g: ∝ τ, odd in g and λ.
    Thermal integral by quadrature; only ``delta`` disorder at alpha = 0 is covered.
    """
    if point.disorder != "delta" or point.alpha != 0:
        raise ValueError("the closed form covers delta disorder at alpha = 0 only")
    tau, T = point.tau, point.temperature
    lam = point.lambda_so / P0**2
    U0 = 2 * math.pi * point.impurity_strength

    def integrand(p):
        y = lam * p * p
        gamma, omega = (1 + 0.5 * y * y) / tau, U0 * y / (2 * tau)
        F = expit(-(0.5 * p * p - 1) / T)
        minus_dF_dp = F * (1 - F) / T * p
        return 2 * p * p * minus_dF_dp * omega / (gamma**2 + omega**2)

    width = 40 * T / P0
    edges = [max(P0 - width, 0.0), P0, P0 + width]
    return sum(quad(integrand, a, b, epsabs=0, epsrel=1e-12, limit=200)[0]
               for a, b in zip(edges[:-1], edges[1:]))


def interplay_factor(delta_tau, lambda_so):
    """1/(1 + τ_s/τ_DP) of physics.md §4.7 with 1/τ_DP = d²/[2τ(1 + d²)] and the Elliott–Yafet
    rate 1/τ_s = lambda_so²/τ (docs/impurity_spin_orbit.md): the Rashba suppression of an
    extrinsic spin current. Verified only for Δτ ≲ 0.2 (docs/beyond_born.md §5)."""
    d2 = np.asarray(delta_tau) ** 2
    with np.errstate(divide="ignore"):
        return 1.0 / (1.0 + d2 / (2 * (1 + d2) * lambda_so**2))
