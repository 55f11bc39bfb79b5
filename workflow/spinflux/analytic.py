"""Independent analytic and semi-analytic results for comparison (never used by the solver).

All functions take a PointParams and return values in the units of the solver's output:
σ_sH in e/8π (the universal value reads −1 with eE > 0 along +x), σ_xx in e²/ħ, spin density
in e E τ p0/ħ². Code units inside: ħ = m = 1, E_F = 1.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy.integrate import quad
from scipy.special import expit

from .parameters import P0, PointParams
from . import disorder as dis


def relaxation_sigma_sH_zero_temperature(point: PointParams) -> float:
    """Bare-bubble spin Hall conductivity, docs/model.md §5.2 (T = 0).

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
    """S_y with the relaxation kernel, docs/model.md §5.2: −(m α eEτ/8π) d²/(1 + d²), d = Δτ.

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


def lambda_linear_torque_share(point: PointParams) -> float:
    """Share of σ_sH that the λ-linear term of the Born collision integral gives through the
    balance law, alone: −2 lambda_so [e/8π] for Δτ ≫ 1, mα ≪ p0, δ disorder.

    The term iλ(p × p')_z [σ_z, ·] of T f T† has a σ_y moment on the band-diagonal response
    from its loss terms only: Tr∫σ_y δSt = λα/π, hence q_yz = −λ/2π (docs/extrinsic.md §1).
    It is cancelled by the field's own spin-orbit drive (``field_spin_orbit_share``): force
    balance. Used as the negative control of that cancellation.
    """
    return -2.0 * point.lambda_so


def field_spin_orbit_share(point: PointParams) -> float:
    """Balance-law share of the drive i[H_E, f0], H_E = −λeEσ_z p_y, at T = 0:
    +2 lambda_so [1 + alpha²/3] [e/8π] (docs/extrinsic.md §1). Its σ_y moment is
    −2λ∫dp p² s0/(2π), s0 = −½ on p_F+ < p < p_F−."""
    return 2.0 * point.lambda_so * (1 + point.alpha**2 / 3)


def _zero_rashba_shell(point: PointParams, integrand, epsrel: float = 1e-12) -> float:
    """∫_0^∞ dp integrand(p, −dF/dp) over the thermal shell at α = 0 (adaptive quadrature to
    ``epsrel``)."""
    T = point.temperature

    def f(p):
        F = expit(-(0.5 * p * p - 1) / T)
        return integrand(p, F * (1 - F) / T * p)

    lo, hi = _shell(point)
    edges = [lo, P0, hi]
    return sum(quad(f, a, b, epsabs=0, epsrel=epsrel, limit=200)[0]
               for a, b in zip(edges[:-1], edges[1:]))


def _shell(point: PointParams) -> tuple[float, float]:
    """The momenta (lo, hi) of the thermal shell at α = 0 that ``_zero_rashba_shell`` integrates
    over: ±40 k_BT/v_F about p0, where −dF/dp has fallen below e^{−40}."""
    width = 40 * point.temperature / P0
    return max(P0 - width, 0.0), P0 + width


def extrinsic_at_zero_rashba(point: PointParams) -> dict:
    """Skew-scattering and side-jump channels at α = 0, δ disorder (docs/extrinsic.md §4), with
    the solver's definitions (side jump: Born-kernel response to the side-jump corrections;
    skew: what the third-order kernel adds), at temperature T by quadrature.

    At α = 0 σ_z is conserved and each spin s = ±1 obeys a scalar Boltzmann equation. On the
    harmonic e^{iφ} the collision integral is −(γ + isω) with the transport rate
    γ = (1 + y²/2)/τ (Elliott–Yafet λ² terms) and the skew rate ω = π g y/τ (third order),
    y = λp², g = impurity_strength (Engel, Halperin & Rashba, PRL 95, 166605 (2005), for the
    mechanism). The drives (form St f1 = D): acceleration (dF/dp) cos φ; the side-jump corrections
    δF = −λ p F'(ε) sin φ σ_z (energy in the field during a collision: its response is δF
    itself) and the coordinate-shift source λ p F'(ε) sin φ σ_z/τ. Solving the 2×2 system
    of the cos φ and sin φ harmonics per spin, with −dF/dp = −pF'(ε) ≥ 0:

        skew      = 2∫dp p² (−dF/dp) [ω/(γ² + ω²) − λω²/(τγ(γ² + ω²))],
        side jump = 2∫dp p² (−dF/dp) λ [1 + 1/(τγ)],

    (the second term of skew is the third-order kernel acting on the coordinate-shift response),
    i.e. ≈ 4πgλ_so τ/(1 + λ_so²/2)² for πgλ_so E_Fτ ≪ 1 and 2λ_so[1 + 1/(1 + λ_so²/2)] =
    4λ_so[1 − λ_so²/4 + O(λ⁴)] at T = 0. Returns {"skew": …, "side_jump": …} in e/8π.
    """
    if point.disorder != "delta" or point.alpha != 0:
        raise ValueError("the closed forms cover delta disorder at alpha = 0 only")
    tau = point.tau
    lam = point.lambda_code
    g = point.impurity_strength if point.kernel == "beyond_born" else 0.0

    def rates(p):
        y = lam * p * p
        return (1 + 0.5 * y * y) / tau, math.pi * g * y / tau

    def skew(p, minus_dF_dp):
        gamma, omega = rates(p)
        # acceleration drive, and the third-order kernel's effect on the coordinate-shift response
        return 2 * p * p * minus_dF_dp * (omega / (gamma**2 + omega**2)
                                          - lam * omega**2 / (tau * gamma * (gamma**2 + omega**2)))

    def side_jump(p, minus_dF_dp):
        gamma, _ = rates(p)
        return 2 * p * p * minus_dF_dp * lam * (1 + 1 / (tau * gamma))

    return {"skew": _zero_rashba_shell(point, skew),
            "side_jump": _zero_rashba_shell(point, side_jump)}


def _correlator_shape(point: PointParams):
    """W(q)/w0 of docs/model.md §1 (code units), written out here rather than taken from
    ``spinflux.disorder``, so that the references below share only the model with the solver."""
    R = point.correlation_length / P0
    d = point.spacer_distance / P0
    qtf = point.screening_wavevector * P0
    return {"delta": lambda q: np.ones_like(q, dtype=float),
            "smooth": lambda q: np.exp(-0.5 * (q * R) ** 2),
            "coulomb": lambda q: (np.exp(-q * d) / (q + qtf)) ** 2}[point.disorder]


def _on_shell_moments(point: PointParams, p: float, kmax: int = 3) -> np.ndarray:
    """W_k(p, p)/w0 = (1/π)∫_0^π dθ W(2p sin θ/2) cos kθ, k = 0..kmax, by adaptive quadrature
    (the solver uses Bessel functions and Gauss–Legendre rules: ``disorder.angular_moments``)."""
    shape = _correlator_shape(point)
    # W is largest at q = 0; absolute 1e-13 of it, since W_k of δ disorder (k ≥ 1) vanish
    return np.array([quad(lambda t: shape(2 * p * math.sin(t / 2)) * math.cos(k * t), 0, math.pi,
                          epsabs=1e-13 * shape(0.0), epsrel=1e-12, limit=200)[0] / math.pi
                     for k in range(kmax + 1)])


def side_jump_at_zero_rashba(point: PointParams) -> float:
    """Side-jump channel at α = 0 for any disorder (docs/extrinsic.md §4), at temperature T by
    quadrature, in e/8π:

        σ_sj = 2∫dp p² (−dF/dp) λ [1 + r(p)],
        r = (W0 − W1) / [(W0 − W1) + y² ((W0 − W2)/2 − (W1 − W3)/4)],   y = λp²,

    W_k = W_k(p, p) the angular moments of the correlator on the shell. The 1 is the response
    δF = −sλpF' sin φ σ_z to the correction St{δF} (exact: at α = 0 the kinetic operator is St
    alone); r is the response to the coordinate-shift source sλpF' sin φ σ_z (W0 − W1) divided by
    the Born rate on the harmonic e^{iφ}, (W0 − W1) + y²⟨W sin²θ (1 − cos θ)⟩, whose λ² part
    is the Elliott–Yafet scattering |1 + isy sin θ|² = 1 + y² sin²θ. The strength w0 cancels:
    σ_sj depends on the shape of W only, not on τ or g. δ disorder: r = 1/(1 + y²/2)
    (``extrinsic_at_zero_rashba``); to leading order in λ_so every disorder gives 4λ_so
    (e n λ/ħ). Raises ValueError unless α = 0.
    """
    if point.alpha != 0:
        raise ValueError("the side jump has a closed form at alpha = 0 only")
    lam = point.lambda_code

    def side_jump(p, minus_dF_dp):
        transport, born = _born_rates(point, p)
        return 2 * p * p * minus_dF_dp * lam * (1 + transport / born)

    return _zero_rashba_shell(point, side_jump)


def _born_rates(point: PointParams, p: float) -> tuple[float, float]:
    """The transport rate W0 − W1 and the Born rate on the harmonic e^{iφ} with the
    Elliott–Yafet terms, (W0 − W1) + y²((W0 − W2)/2 − (W1 − W3)/4), y = λp², on the shell |p|,
    in units of the correlator's strength w0 (``_on_shell_moments``; docs/extrinsic.md §4)."""
    W0, W1, W2, W3 = _on_shell_moments(point, p)
    y = point.lambda_code * p * p
    return W0 - W1, (W0 - W1) + y * y * (0.5 * (W0 - W2) - 0.25 * (W1 - W3))


def _gauss_legendre(a, b, n: int):
    """n Gauss–Legendre nodes and weights on [a, b] (a, b broadcast): shape (..., n)."""
    x, w = np.polynomial.legendre.leggauss(n)
    a, b = np.asarray(a, float)[..., None], np.asarray(b, float)[..., None]
    return a + 0.5 * (b - a) * (x + 1), 0.5 * (b - a) * w


#: Gauss–Legendre nodes per smooth piece of the skew-rate integrals (``_skew_rate_integral``),
#: at least: against 256 nodes, I(p) at p = 0.95–1.05 p0, λ_so = 0.3 is off by ≤ 1.1e-13
#: relative at 40 nodes (2.5e-12 at 32, 7.7e-9 at 24) for the Gaussian of R p0 = 1 and 4 and
#: the Coulomb shapes (d p0, q_TF/p0) = (1, 1) and (3, 0.3). Forward-peaked shapes need more
#: (d p0 = 50: 6× off at 40, 4e-8 at 80): ``_skew_nodes`` doubles until two rules agree
SKEW_NODES = 40
#: at temperatures up to this (k_B T/E_F; thermal shells up to ±0.28 p0) ``skew_at_zero_rashba``
#: takes its rates from a Chebyshev series through SHELL_NODES momenta: against direct
#: evaluation (λ_so = 0.3) the skew channel agrees to ≤ 7.6e-14 relative at T = 1e-3 and
#: ≤ 6.1e-11 at T = 1e-2 (Gaussian R p0 = 1, 4; Coulomb (d p0, q_TF/p0) = (1, 1), (3, 0.3)),
#: 1.6e-10 and 8.7e-10 for d p0 = 50, inside I's own 1e-7; 10–15× faster (0.05–0.1 s)
SHELL_INTERPOLATION_TEMPERATURE = 1e-2
SHELL_NODES = 16
#: relative agreement of two rules that ``_skew_nodes`` accepts: I is a difference of two
#: nearly cancelling terms for long-range shapes (docs/beyond_born.md §3), and at d p0 = 50 its
#: round-off is ~1e-8
SKEW_NODES_AGREEMENT = 1e-7


def _skew_nodes(point: PointParams, p: float) -> int:
    """The smallest rule SKEW_NODES · 2^k whose I(p) agrees with the doubled rule's to
    SKEW_NODES_AGREEMENT (at most 64 × SKEW_NODES)."""
    n, value = SKEW_NODES, _skew_rate_integral(point, p, SKEW_NODES)
    while n < 64 * SKEW_NODES:
        finer = _skew_rate_integral(point, p, 2 * n)
        if abs(finer - value) <= SKEW_NODES_AGREEMENT * abs(finer):
            return n
        n, value = 2 * n, finer
    return n


def _skew_rate_integral(point: PointParams, p: float, n: int = SKEW_NODES) -> float:
    """I(p) = ⟨u(θ)[B(θ) − sin θ C(θ)] sin θ⟩_θ of ``skew_at_zero_rashba`` on the shell |p|:

        B(θ) = ⟨u(ψ) u(θ − ψ) (sin ψ + sin(θ − ψ))⟩_ψ,
        C(θ) = ⟨u(ψ) u(θ − ψ) (1 − y² sin ψ sin(θ − ψ))⟩_ψ,

    u(angle) = u(2p|sin(angle/2)|) = [W(q)/W(0)]^½, y = λp². The integrand of the θ average is
    even, so it is taken on [0, π]; the ψ average is split at ψ = θ, where u(θ − ψ) has its
    kink, so that Gauss–Legendre converges exponentially on every piece (the solver instead
    works with the potential's Fourier spectra, ``kernels.beyond_born``)."""
    shape = _correlator_shape(point)
    forward = shape(0.0)
    u = lambda angle: np.sqrt(shape(2 * p * np.abs(np.sin(angle / 2))) / forward)
    y = point.lambda_code * p * p
    theta, w_theta = _gauss_legendre(0.0, math.pi, n)  # (n,)
    B = np.zeros(n)
    C = np.zeros(n)
    for a, b in ((0.0, theta), (theta, 2 * math.pi)):
        psi, w_psi = _gauss_legendre(np.broadcast_to(a, theta.shape), b, n)  # (n, n)
        t = theta[:, None]
        uu = u(psi) * u(t - psi)
        B += np.sum(w_psi * uu * (np.sin(psi) + np.sin(t - psi)), axis=1)
        C += np.sum(w_psi * uu * (1 - y * y * np.sin(psi) * np.sin(t - psi)), axis=1)
    B, C = B / (2 * math.pi), C / (2 * math.pi)
    return float(np.sum(w_theta * u(theta) * (B - np.sin(theta) * C) * np.sin(theta)) / math.pi)


def skew_at_zero_rashba(point: PointParams, tau=None):
    """Skew-scattering channel at α = 0 for any disorder shape (docs/beyond_born.md §3), with
    the solver's definition (all that the third-order kernel adds to σ_sH), at temperature T
    by quadrature, in e/8π:

        skew = 2∫dp p² (−dF/dp) [ω/(γ² + ω²) − λρω²/(γ(γ² + ω²))],

    per spin s a scalar Boltzmann equation with the rate on the harmonic e^{iφ} −(γ + isω):

    * ρ = w0 (S0 − S1), the transport rate (w0 S_k = W_k, the on-shell moments; w0 fixed by
      ρ(p̄_F) = 1/τ), and γ = w0[(S0 − S1) + y²((S0 − S2)/2 − (S1 − S3)/4)] with the
      Elliott–Yafet λ² terms (``side_jump_at_zero_rashba``);
    * ω = −y W(0) U(0) I(p), U(0) = 2πg, W(0) = w0 S(q = 0), I from ``_skew_rate_integral``:
      the third-order rate W3_s(θ) = 2N Re(U T2*) = s y N U(0)³ u(θ)[B(θ) − sin θ C(θ)] of
      U_pp' = U(0)u(q)(1 + isy sin θ) and T2_pp' = −(i/2)⟨U_pp'' U_p''p'⟩ (θ = φ' − φ), odd in θ:
      it enters the gain term only.

    The second term is the third-order kernel acting on the coordinate-shift response (source
    sλpF' sin φ ρ). All three rates are ∝ 1/τ at fixed g, so skew = aτ + b exactly: ``tau`` (a
    number or an array; default ``point.tau``) costs nothing more. δ disorder: u = 1, B = 0,
    C = 1 + ½y² cos θ, I = −½, ω = πgy/τ: the closed form of ``extrinsic_at_zero_rashba``.
    Raises ValueError unless α = 0.
    """
    if point.alpha != 0:
        raise ValueError("the skew channel has a closed form at alpha = 0 only")
    lam = point.lambda_code
    g = point.impurity_strength if point.kernel == "beyond_born" else 0.0
    shape = _correlator_shape(point)
    # the transport rate at p̄_F is 1/τ; at τ = 1 every rate below is in units of 1/τ
    w0 = 1.0 / _born_rates(point, point.mean_fermi_momentum)[0]
    forward_rate_times_U0 = w0 * shape(0.0) * 2 * math.pi * g
    lo, hi = _shell(point)
    # the rule for the top of the thermal shell, where the forward peak is narrowest
    nodes = _skew_nodes(point, hi)

    def rates_direct(p):
        transport, born = _born_rates(point, p)
        return (w0 * transport, w0 * born,
                -lam * p * p * forward_rate_times_U0 * _skew_rate_integral(point, p, nodes))

    if point.temperature <= SHELL_INTERPOLATION_TEMPERATURE:
        # a narrow shell: the rates vary on the scale of p0 (and 1/d, q_TF), so a Chebyshev
        # series through SHELL_NODES momenta reproduces them to round-off, at a tenth of the
        # adaptive quadrature's evaluations
        p = lo + 0.5 * (hi - lo) * (np.polynomial.chebyshev.chebpts1(SHELL_NODES) + 1)
        series = [np.polynomial.Chebyshev.fit(p, values, SHELL_NODES - 1, domain=[lo, hi])
                  for values in zip(*(rates_direct(q) for q in p))]
        rates_at = lambda p: tuple(float(c(p)) for c in series)
    else:
        rates_at = functools.lru_cache(maxsize=None)(rates_direct)

    def per_tau(p, minus_dF_dp):
        _, gamma, omega = rates_at(p)
        return 2 * p * p * minus_dF_dp * omega / (gamma**2 + omega**2)

    def constant(p, minus_dF_dp):
        rho, gamma, omega = rates_at(p)
        return -2 * p * p * minus_dF_dp * lam * rho * omega**2 / (gamma * (gamma**2 + omega**2))

    # I(p) is accurate to ~SKEW_NODES_AGREEMENT, not to 1e-12
    a, b = (_zero_rashba_shell(point, part, epsrel=SKEW_NODES_AGREEMENT / 100)
            for part in (per_tau, constant))
    return a * np.asarray(point.tau if tau is None else tau, dtype=float) + b


def skew_scattering_sigma_sH(point: PointParams) -> float:
    """Skew-scattering channel at α = 0, δ disorder (``extrinsic_at_zero_rashba``)."""
    return extrinsic_at_zero_rashba(point)["skew"]


def side_jump_leading(lambda_so):
    """Side jump at α = 0, T = 0: 2λ_so[1 + 1/(1 + λ_so²/2)] [e/8π], independent of τ and g
    (= e n λ/ħ for λ_so ≪ 1; docs/extrinsic.md §4)."""
    lam = np.asarray(lambda_so, dtype=float)
    return 2 * lam * (1 + 1 / (1 + lam**2 / 2))


def extrinsic_suppression(delta_tau, lambda_so):
    """Rashba suppression of the skew and side-jump channels, 2λ_so²/(2λ_so² + (Δτ)²)
    (docs/extrinsic.md §5): the spin-current source relaxes into in-plane spin by the
    Dyakonov–Perel precession, which only Elliott–Yafet relaxation (1/τ_s = λ_so²/τ) can
    remove. Leading order in λ_so and Δ/E_F; → 0 as τ_s → ∞ (Hankiewicz & Vignale,
    PRL 100, 026602 (2008); Raimondi & Schwab, EPL 87, 37008 (2009))."""
    d2 = np.asarray(delta_tau, dtype=float) ** 2
    lam2 = np.asarray(lambda_so, dtype=float) ** 2
    return 2 * lam2 / (2 * lam2 + d2)


#: κ = ½ ∂ln(1/τ_s)/∂ln ε_F for 1/τ_s = λ_so² (ε/E_F)²/τ of this model (docs/extrinsic.md §6)
ELLIOTT_YAFET_KAPPA = 1.0


def elliott_yafet_channel(point: PointParams) -> float:
    """Bare/Elliott–Yafet channel of the Born σ_sH (even in λ), δ disorder, E_F ≫ Δ:

        (1 + κ) σ_bare / (1 + τ_s/τ_DP),   1/τ_DP = d²/[2τ(1 + d²)],  1/τ_s = λ_so²/τ,

    σ_bare the bare bubble (``relaxation_sigma_sH_zero_temperature``), d = Δτ, κ = 1
    (docs/extrinsic.md §6; the DP-dominated limit −4λ_so² is derived there)."""
    d2 = point.delta_tau**2
    if d2 == 0:
        return 0.0
    bare = relaxation_sigma_sH_zero_temperature(point)
    ratio = d2 / (2 * (1 + d2) * point.lambda_so**2) if point.lambda_so else math.inf
    return (1 + ELLIOTT_YAFET_KAPPA) * bare / (1 + ratio)


def elliott_yafet_dp_limit(lambda_so):
    """Dyakonov–Perel-dominated limit (λ_so ≪ Δτ) of the Elliott–Yafet channel:
    −2(1 + κ) λ_so² = −4λ_so² [e/8π], independent of τ and α (docs/extrinsic.md §6)."""
    return -2 * (1 + ELLIOTT_YAFET_KAPPA) * np.asarray(lambda_so, dtype=float) ** 2
