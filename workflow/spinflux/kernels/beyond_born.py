"""Kernel ``beyond_born``: Born plus the third-order (skew, Mott) term (docs/model.md §3).

The on-shell T-matrix of one impurity to second order keeps the anti-Hermitian part of G0⁺:

    T_pp' = U_pp' + T2_pp',
    T2_pp' = −iπ Σ_M'' ∫ d²p''/(2π)² U_pp'' P^M''(p'') δ(E − ε_M''(p'')) U_p''p'
           = −(i/2) Σ_r J_r ⟨U_{p p_r}(φ, φ'') P^{M_r}(φ'') U_{p_r p'}(φ'', φ')⟩_φ''          (ħ = m = 1)

with the on-shell intermediate states r = (M_r, |p_r|) of energy E = ε_M(p) = ε_M'(p') and
J_r = p_r/|v_M_r(p_r)|; U_pp' = U(0) u(q) S(λ (p × p')_z), S(y) = 1 + i y σ_z, u = U(q)/U(0)
(``disorder.amplitude_shape``). The principal-value part of G0 is dropped: it is Hermitian in
the same sense as U (T_p'p = T_pp'†), renormalises the Born amplitude and cannot produce the
skew (antisymmetric) scattering probability; docs/beyond_born.md §2 gives the argument and what
it leaves out. Because T2_p'p = −T2_pp'†, the reverse amplitude is T_p'p = U_pp'† − T2_pp'†.

Inserted in the general collision integral (collision.gain_loss), N T ⊗ T† has the Born term
N U(0)² = W(0), the third-order term N U(0)³ = W(0) U(0) × cross(u S, t2) with t2 = T2/U(0)², and
a fourth-order N |T2|² term. The kernel keeps orders 2 and 3 in U: the fourth order is incomplete
without the third-order amplitude T3 (the optical theorem pairs |T2|² with 2 Re U T3†), and the
skew scattering that the issue is about is the third order. U(0) = 2π ``impurity_strength``
(ν = m/2πħ² = 1/2π per spin in code units).

``third_order_blocks`` reduces the third-order term to 4×4 blocks on the harmonic components of
collision.COMPONENTS, by the same angular evaluation as collision.reduced_tensors but per grid
transition (T2 is not a function of the scattering angle alone).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import disorder as dis
from ..bands import BANDS, on_shell_roots, projector
from ..collision import gain_loss
from ..grid import GridSettings, LadderGrid
from ..parameters import P0, PointParams
from ..spinor import SIGMA, dagger, harmonic_basis, impurity_spin_orbit_matrix
from . import born

NAME = "beyond_born"
#: this kernel is the Born kernel plus ``extend``; the Born part is its companion (solver.py)
BASE = "born"

#: uniform angles for φ' and φ'' per disorder type. For δ disorder every integrand is a
#: trigonometric polynomial of degree ≤ 6, integrated exactly by 8 points (EXACT_DELTA_POINTS,
#: never coarsened); the Gaussian rule is set by the bandwidth of its Fourier series
#: (``angular_points``). Coulomb: the potential's harmonics come from Gauss–Legendre quadrature
#: (``PairSpectra``), and the rule converges fast: at α = 0, τ = 1000 the skew channel (8.0936)
#: is off by 2.3e-4, 5.4e-7, 1.0e-9 at 16, 32, 64 angles, where the DFT of the samples (before)
#: left 2.1e-2, 1.4e-3, 8.6e-5; 32 (16 on the error estimate's coarse grids) beats the old 64
#: by 100–4500× at the measured points (docs/beyond_born.md §6); 32 is the default shape's rule,
#: which grows with the potential's reach (``coulomb_rule``)
ANGULAR_POINTS = {"delta": 8, "smooth": 16, "coulomb": 32}
EXACT_DELTA_POINTS = 8
#: ln(1/ε) of the aliasing error of the Gaussian rule, on every grid
GAUSSIAN_ALIASING = 37.0
#: Gauss–Legendre nodes on [0, π] per angle of the rule for the Coulomb potential's harmonics
#: (``_coulomb_cosines``)
SPECTRUM_NODES_PER_ANGLE = 4
#: the disorders whose third-order rule has an error above round-off: the two grids of the error
#: estimate halve their angles (``angular_coarsening``), so that it covers the quadrature. δ's
#: rule is exact; the Gaussian's is chosen for an aliasing of e^{−37} ≈ 1e-16 per coefficient
#: (its blocks agree with a 1.5× finer rule's to 4e-14 of the largest block at R p0 = 15, FFT
#: round-off; against e^{−80} its observables move by ≤ 1.2e-3 of their estimates, R p0 = 1–15),
#: under the estimate's round-off floor (solver.ROUND_OFF). Coarsening it on the estimate's grids
#: added nothing: the coarse grids' values did not change (α = 0.2, R p0 = 1: σ_sH on the
#: quadrature grid moved by 3e-16 from ε = e^{−37} to e^{−2}, since the transitions whose rule
#: grows, far above the Fermi momentum, carry almost none of the response)
COARSENED = ("coulomb",)
#: transitions × angles evaluated per vectorised block: bounds the temporary arrays of
#: ``third_order_blocks`` to ~100 MB whatever the number of angles
CHUNK_BUDGET = 80_000


def angular_points(point: PointParams, grid: LadderGrid | None = None, p_max=None):
    """Angles of the third-order quadrature for this point (an array if ``p_max`` is one).

    Gaussian disorder: u(θ) = e^{−R²q²/4} has the Fourier coefficients e^{−x} I_k(x),
    x = R²pp'/2, which fall like e^{−k²/2x}: harmonics beyond k = (2x ln 1/ε)^½ are below ε.
    The integrands of the third-order term are products of two such series, so the uniform rule
    is exact to ε with n = 2k + 8 points (rounded up to a multiple of 4, for the rotation of
    ``third_order_blocks``): n grows like R p, not like (R p)². ``p_max`` is the largest momentum
    of a transition and its intermediate states (default: the top of the grid); ε = e^{−37}
    on every grid. Coulomb disorder: 32 angles for the default shape, more for long-range ones
    (``coulomb_rule``), halved on the grids of the error estimate so that it covers the
    quadrature (``COARSENED``).
    """
    n = ANGULAR_POINTS[point.disorder]
    if point.disorder == "delta" or grid is None:
        return n
    if point.disorder == "smooth":
        R = dis.shape_parameters(point)["R"]
        top = grid.p_max + abs(grid.alpha) if p_max is None else np.asarray(p_max)
        x = 0.5 * (R * top) ** 2
        k = np.ceil(np.sqrt(2 * x * GAUSSIAN_ALIASING) / 2).astype(int)
        rule = np.maximum(n, 4 * k + 8)
        return int(rule) if np.ndim(rule) == 0 else rule
    rule = coulomb_rule(point, n, grid.coulomb_max_angles)
    return max(EXACT_DELTA_POINTS, rule // angular_coarsening(point, grid))


#: growth of the Coulomb rule with ln(p0/q_TF) (``coulomb_rule``), fitted to the measured errors
COULOMB_SCREENING_GROWTH = 0.65


def coulomb_rule(point: PointParams, base: int | None = None,
                 cap: int = GridSettings.coulomb_max_angles) -> int:
    """Angles of the Coulomb third-order rule: ``base`` (ANGULAR_POINTS["coulomb"], 32) times
    the potential's reach A = max(1, d p0) · (1 + 0.65 ln max(1, p0/q_TF)), rounded up to a
    multiple of 8 (so that the halved rule of the error estimate is a multiple of 4).

    u(q) = e^{−qd} q_TF/(q + q_TF) varies over angles ~1/(p d) and ~q_TF/p near forward
    scattering, so its harmonics reach further for remote, weakly screened impurities. Measured
    on the skew channel at α = 0 against its closed form (analytic.skew_at_zero_rashba, τ = 10),
    relative error at 32, 64, 128, 256 angles: d p0 = 1, q_TF = p0 (the default, A = 1) 6.6e-8,
    1.8e-10, …; d p0 = 3: 4.3e-4, 1.0e-6, 1.7e-9; d p0 = 6: 0.19, 7.4e-4, 1.7e-6, 2.8e-9;
    q_TF = 0.3 p0: 3.5e-6, 1.1e-8; q_TF = 0.1 p0: 8.2e-5, 8.8e-7, 5.3e-9. The rule puts each
    near 1e-7 (docs/beyond_born.md §6); the grid's momentum does not enter (the response is
    made at the Fermi momentum). Capped at ``cap`` (GridSettings.coulomb_max_angles, the
    config's ``solver: coulomb_max_angles``, 256 by default: reached from d p0 ≈ 8); where the
    cap does not resolve the forward peak, the error estimate says so and the points are
    flagged."""
    base = ANGULAR_POINTS["coulomb"] if base is None else base
    reach = (max(1.0, point.spacer_distance)
             * (1 + COULOMB_SCREENING_GROWTH * math.log(max(1.0, 1 / point.screening_wavevector))))
    return max(base, min(cap, 8 * math.ceil(base * reach / 8 - 1e-9)))


def angular_coarsening(point: PointParams, grid: LadderGrid) -> int:
    """The factor by which this grid's rule is coarsened: the grid's ``angular_coarsening``
    (GridSettings) for the disorders of ``COARSENED``, else 1."""
    return grid.angular_coarsening if point.disorder in COARSENED else 1


def born_amplitude_zero(point: PointParams) -> float:
    """U(0) in code units: ν U(0) = impurity_strength with ν = 1/2π."""
    return 2 * math.pi * point.impurity_strength


def on_shell_states(alpha: float, E):
    """Intermediate states of energy E: yields (M, p_r, J_r) for every band and root, with
    p_r and J_r arrays over E (J_r = 0 where that root does not exist; bands.on_shell_roots)."""
    for M in BANDS:
        for pr, J, ok in on_shell_roots(M, alpha, E):
            if ok.any():
                yield M, pr, J


def _momentum_transfer(p1, phi1, p2, phi2):
    """|p1 − p2| for p1 (t,) at angles phi1 (t or 1, A) and p2 (t,) at phi2 (t or 1, B): (t, A, B)."""
    cos = np.cos(phi1[:, :, None] - phi2[:, None, :])
    q2 = p1[:, None, None] ** 2 + p2[:, None, None] ** 2 - 2 * (p1 * p2)[:, None, None] * cos
    return np.sqrt(np.maximum(q2, 0.0))


def scattering_matrix(point: PointParams, p_out, phi_out, p_in, phi_in):
    """U_pp'/U(0) = u(q) S(λ (p × p')_z) for p_out at phi_out (A,) ← p_in at phi_in (B,):
    shape (t, A, B, 2, 2)."""
    lam = point.lambda_code
    phi_out, phi_in = np.atleast_1d(phi_out)[None], np.atleast_1d(phi_in)[None]
    u = dis.amplitude_shape(point, _momentum_transfer(p_out, phi_out, p_in, phi_in))
    cross = (lam * p_out * p_in)[:, None, None] * np.sin(phi_in[:, None, :] - phi_out[:, :, None])
    return u[..., None, None] * impurity_spin_orbit_matrix(cross, 1.0)


def second_order_amplitude(point: PointParams, E, p_out, phi_out, p_in, phi_in,
                           n_mid: int | None = None):
    """t2 = T2_pp'/U(0)² of the module docstring for p_out (t,) at angles phi_out (A,) and
    p_in (t,) at phi_in (B,), both of energy E (t,); returns (t, A, B, 2, 2).

    The φ'' average is the uniform ``n_mid``-point rule (exact for δ disorder, see
    ANGULAR_POINTS); it is done as one batched matrix product per intermediate state.
    """
    n_mid = n_mid or ANGULAR_POINTS[point.disorder]
    p_out, p_in, E = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (p_out, p_in, E))
    phi_out, phi_in = np.atleast_1d(phi_out), np.atleast_1d(phi_in)
    phi_mid = 2 * np.pi * np.arange(n_mid) / n_mid
    t, A, B = p_out.size, phi_out.size, phi_in.size
    t2 = np.zeros((t, A, B, 2, 2), dtype=complex)
    lam = point.lambda_code
    for M, pr, J in on_shell_states(point.alpha_code, E):
        # left factor U_{p p_r} P^M(φ''): (t, A, n_mid, 2, 2)
        left = scattering_matrix(point, p_out, phi_out, pr, phi_mid) @ projector(M, phi_mid)
        # right factor U_{p_r p'} = u (1 + i y σ_z): two scalar (t, n_mid, B) arrays
        u = dis.amplitude_shape(point, _momentum_transfer(pr, phi_mid[None], p_in, phi_in[None]))
        y = (lam * pr * p_in)[:, None, None] * np.sin(phi_in[None, None, :] - phi_mid[None, :, None])
        left_flat = np.moveaxis(left, 2, -1).reshape(t, A * 4, n_mid)
        left_z = np.moveaxis(left @ SIGMA[3], 2, -1).reshape(t, A * 4, n_mid)
        product = left_flat @ u + left_z @ (1j * u * y)  # (t, 4A, B)
        weight = (-0.5j * J / n_mid)[:, None, None]
        t2 += np.moveaxis((weight * product).reshape(t, A, 2, 2, B), -1, 2)
    return t2


def third_order_cross(U1, t2, P_out, P_in, f_in, f_out):
    """The part of gain − loss (collision.gain_loss) bilinear in U1 and t2, i.e. of third order
    in U: with T_in = U1 ± t2 and T_out = U1† ∓ t2†, half the difference of the two signs."""
    plus = gain_loss(U1 + t2, dagger(U1) - dagger(t2), P_out, P_in, f_in, f_out)
    minus = gain_loss(U1 - t2, dagger(U1) + dagger(t2), P_out, P_in, f_in, f_out)
    return 0.5 * (plus[0] - minus[0]), 0.5 * (plus[1] - minus[1])


#: harmonics e^{ihφ'} of the fixed factors (f', P') of the third-order integrand: degree ≤ 3
HARMONICS = np.arange(-3, 4)
#: the angle φ at which each output component is read (spinor.extract_components)
OUT_ANGLE = (0, 0, 1, 1)
OUT_SIGMA = (0, 2, 2, 3)


@lru_cache(maxsize=None)
def _cross_tensors(iM: int, iMp: int):
    """The fixed part of the third-order integrand, for the moments of ``third_order_blocks``.

    ``third_order_cross`` is bilinear in (U1, t2†) and in (t2, U1†). With U1 diagonal,
    U1 = Σ_a u_a E_aa, and t2 = Σ_bc t_bc E_bc, its value at φ' is
    Σ u_a t̄_bc B1[φ', a, bc] + ū_a t_bc B2[φ', a, bc], where B1, B2 depend on φ' only through
    P'(φ') and the basis f(φ'): trigonometric polynomials of degree ≤ 3. Returns K of shape
    (2 gain/loss, 2 kind, 7 h, 2 a, 4 bc, 4 out, 4 in), complex, with
    B[φ'] = Σ_h K_h e^{ihφ'} projected on the output component ``out`` (read at φ = 0 or π/2)
    and the input basis function ``in``. Computed from 16 angles (exact).
    """
    n_K = 16
    M, Mp = BANDS[iM], BANDS[iMp]
    phi_in = 2 * np.pi * np.arange(n_K) / n_K
    phase = np.exp(-1j * np.outer(HARMONICS, phi_in)) / n_K  # (h, φ')
    P_in = projector(Mp, phi_in)[:, None]
    f_in = harmonic_basis(phi_in)
    # every unit U1 = E_aa and t2 = E_bc at once, on leading axes (a, bc)
    units = np.eye(4).reshape(4, 2, 2).astype(complex)  # E_bc, bc = 2b + c
    U1 = units[[0, 3]][:, None, None, None]  # (a, 1, 1, 1, 2, 2)
    t2 = units[None, :, None, None]  # (1, bc, 1, 1, 2, 2)
    K = np.zeros((2, 2, HARMONICS.size, 2, 4, 4, 4), dtype=complex)
    for A, phi_out in enumerate((0.0, np.pi / 2)):
        P_out = projector(M, phi_out)
        f_out = harmonic_basis(phi_out)[None]
        real = third_order_cross(U1, t2, P_out, P_in, f_in, f_out)
        imag = third_order_cross(U1, 1j * t2, P_out, P_in, f_in, f_out)
        for gl in range(2):
            for kind, sign in ((0, 1), (1, -1)):
                B = 0.5 * (real[gl] + sign * 1j * imag[gl])  # (a, bc, φ', in, 2, 2)
                for out in range(4):
                    if OUT_ANGLE[out] != A:
                        continue
                    comp = 0.5 * np.einsum("xy,...yx->...", SIGMA[OUT_SIGMA[out]], B)
                    K[gl, kind, :, :, :, out] = np.einsum("hq,abqi->habi", phase, comp)
    return K


@lru_cache(maxsize=None)
def _moment_tensor(iM: int, iMp: int):
    """``_cross_tensors`` as one real matrix for the moments of ``third_order_blocks``:
    Re(m · K) = m.view(float) @ T for the complex moments m at φ = 0, (t, 2·h·2·4) in the order
    (kind, h, a, bc), with T of shape (2·2·h·2·4 interleaved Re/Im rows, 2 gain/loss · 4 out ·
    4 in). The outputs read at φ = π/2 take the moments rotated by π/2 (a phase per moment,
    ``third_order_blocks``), folded in here."""
    K = _cross_tensors(iM, iMp)  # (gl, kind, h, a, bc, out, in)
    shift = (1j ** HARMONICS)[:, None, None]  # (h, a, bc)
    rotation = np.stack([np.broadcast_to(shift * np.conj(ROTATION), (HARMONICS.size, 2, 4)),
                         np.broadcast_to(shift * ROTATION, (HARMONICS.size, 2, 4))])
    read_at = np.array(OUT_ANGLE, dtype=bool)  # read at π/2
    K = np.where(read_at[:, None], K * rotation[..., None, None], K)
    K = np.moveaxis(K, 0, -3).reshape(2 * HARMONICS.size * 2 * 4, 2 * 4 * 4)
    out = np.empty((2 * K.shape[0], K.shape[1]))
    out[0::2], out[1::2] = K.real, -K.imag  # Re(m K) = Re m Re K − Im m Im K
    return out


#: R_bb R̄_cc of the spin rotation by π/2 about z, R = diag(e^{−iπ/4}, e^{iπ/4}), per bc
ROTATION = np.array([1.0, -1j, 1j, 1.0])
#: σ_z eigenvalue s of the two diagonal entries (spin up, down)
SPIN_Z = np.array([1.0, -1.0])


def _blocks_from_sums(N, gamma, iM: int, iMp: int):
    """Gain and loss blocks (t, 2, 4, 4) of ``third_order_blocks`` from the real Parseval sums
    N (t, 4 bc, 9 harmonics h = −4 … 4), N_h = Σ_m spectrum_m Û1_{m+h}, for n = 1 (the blocks
    scale as 1/n³), and γ = λ p p'/2 (t,).

    Times the weight −(i/2) of the intermediate states and the phase of each projector entry,
    N_h gives ⟨e^{ihφ'} u1 t2_bc⟩ (called N_h again below); U1 at (0, φ') has the diagonal
    entries u1 (1 + i s_a x sin φ') = u1 (1 + s_a γ (e^{iφ'} − e^{−iφ'})), so for h = −3 … 3
    the moments are ⟨e^{ihφ'} Ū1_a t2_bc⟩ = N_h − s_a γ (N_{h+1} − N_{h−1}) and
    ⟨e^{ihφ'} U1_a t̄2_bc⟩ = X_h + s_a γ (X_{h+1} − X_{h−1}) with X_h = conj(N_{−h}); they are
    contracted with the tensor of ``_moment_tensor``. Linear in N for fixed γ and affine in γ:
    ``_spectral_map`` tabulates it."""
    _, phase_bc, _ = _projector_harmonic()
    t = N.shape[0]
    N = N * (-0.5j * phase_bc[:, None])
    c = (SPIN_Z[None, :] * np.asarray(gamma)[:, None])[:, :, None, None]  # (t, a, 1, 1)
    moments = np.empty((t, 2, HARMONICS.size, 2, 4), dtype=complex)
    for kind, X, sign in ((0, np.conj(N[:, :, ::-1]), 1), (1, N, -1)):
        # (t, bc, h ∓ 1) → (t, h, a, bc)
        combined = X[:, None, :, 1:-1] + sign * c * (X[:, None, :, 2:] - X[:, None, :, :-2])
        moments[:, kind] = np.moveaxis(combined, -1, 1)
    tensor = _moment_tensor(iM, iMp)
    return (moments.reshape(t, -1).view(float) @ tensor).reshape(t, 2, 4, 4)


@lru_cache(maxsize=None)
def _spectral_map(iM: int, iMp: int):
    """``_blocks_from_sums`` as one real matrix Q (4·9, 2·32): for sums N (t, 36) and γ (t,),
    the blocks are (Q₀ᵀN + γ Q₁ᵀN)/n³ with Q = [Q₀ | Q₁]. Tabulated by evaluating it on the 36 unit
    sums at γ = 0 and γ = 1 (exact: it is linear in N and affine in γ)."""
    unit = np.eye(4 * (HARMONICS.size + 2)).reshape(-1, 4, HARMONICS.size + 2)
    at_0 = _blocks_from_sums(unit, np.zeros(len(unit)), iM, iMp).reshape(len(unit), -1)
    at_1 = _blocks_from_sums(unit, np.ones(len(unit)), iM, iMp).reshape(len(unit), -1)
    return np.hstack([at_0, at_1 - at_0])


def _harmonics(values, phi):
    """Fourier coefficients c_k, k = −1, 0, 1, of a trigonometric polynomial of degree ≤ 1
    sampled on the uniform angles ``phi`` (last axis of ``values``): shape (..., 3)."""
    k = np.arange(-1, 2)
    return values @ np.exp(-1j * np.outer(phi, k)) / phi.size


@lru_cache(maxsize=None)
def _projector_harmonic():
    """Every entry of P^M(φ) (``bands.projector``) is one harmonic, c_bc(M) e^{i k_bc φ}, with
    c_bc(M) = phase_bc · weight_bc(M), the weight real: returns k_bc (4,), phase_bc (4,) and
    {M: weight_bc (4,)}, bc = 2b + c. Raises RuntimeError if the projector has another form."""
    n = 8
    phi = 2 * np.pi * np.arange(n) / n
    coefficients = {M: _harmonics(np.moveaxis(projector(M, phi), 0, -1), phi).reshape(4, 3)
                    for M in BANDS}  # harmonics −1, 0, 1
    k = np.argmax(np.abs(coefficients[BANDS[0]]), axis=1)
    phase = coefficients[BANDS[0]][np.arange(4), k]
    weights = {}
    for M, c in coefficients.items():
        single = c.copy()
        single[np.arange(4), k] = 0
        weight = c[np.arange(4), k] / phase
        # written so that a NaN weight (a zero entry of the first band's projector) fails too
        if not (np.abs(single).max() <= 1e-12 and np.abs(weight.imag).max() <= 1e-12):
            raise RuntimeError("the projector is not one harmonic per entry with a real weight")
        weights[M] = weight.real
    return tuple(int(v) for v in k - 1), phase, weights


def _wrapped(spectrum, reach: int):
    """``spectrum`` (t, n) extended periodically by ``reach`` entries on each side, so that
    the shifted copies spectrum[(m − k) mod n], |k| ≤ reach, are slices of it."""
    return np.pad(spectrum, ((0, 0), (reach, reach)), mode="wrap")


def _even_spectrum(values):
    """The discrete Fourier transform of real values that are even on the uniform grid
    (values[(n − j) mod n] = values[j]; n even), along the last axis: real, from numpy's real
    transform (its n/2 + 1 coefficients, mirrored)."""
    return _mirrored(np.fft.rfft(values).real)


def _mirrored(half):
    """The n entries c[(−m) mod n] = c[m] of an even spectrum from its n/2 + 1 first ones."""
    return np.concatenate([half, half[..., -2:0:-1]], axis=-1)


def _coulomb_cosines(n: int):
    """(nodes θ, matrix C) with u(θ) @ C = n c_k, k = 0 … n/2, c_k = (1/π)∫₀^π u(θ) cos kθ dθ the
    Fourier coefficients of an even function u sampled at the Gauss–Legendre nodes θ on [0, π]:
    SPECTRUM_NODES_PER_ANGLE · n of them. For p = p' u is smooth on [0, π]; for p ≠ p' it has
    complex singularities at θ ≈ ±i|p − p'|/√(pp'), close to the interval's end, so the
    quadrature converges more slowly there: over the transitions of several grids (α = 0.002–0.5;
    spacer 0.2–5, screening 0.3–5) the largest error, relative to the largest coefficient, is
    5e-8 with 64 nodes (n = 16, the estimate's grids) and 4e-10 with 128 (n = 32), against 1024;
    far below the rule's truncation error (docs/beyond_born.md §6)."""
    theta, w = dis.gauss_theta(SPECTRUM_NODES_PER_ANGLE * n)
    return theta, (n / np.pi) * w[:, None] * np.cos(np.outer(theta, np.arange(n // 2 + 1)))


#: an on-shell root this close to a grid momentum (relative, or absolute below 1) is taken as that
#: momentum in the potential's transforms. The roots that are grid points come out of
#: ``bands.on_shell_roots`` within 1e-15 of them mostly, 1.8e-12 at worst at T = 1e-3 and 1.1e-11
#: at T = 1e-6 … 1e-8 (near the bottom of the lower band, where the root formula loses digits like
#: α²/|p − |α|/2|); the other roots lie ≥ 1.9e-6 from any grid momentum, and grid momenta ≥ 2.3e-9
#: from each other (α = 0.02–0.5). A root that misses the tolerance is transformed on its own
#: (as every root was before): that costs a spectrum, not accuracy
SNAP_TOLERANCE = 1e-10


def _snapped(momenta, roots):
    """``roots`` with every value within SNAP_TOLERANCE of one of the sorted ``momenta``
    replaced by that momentum (the others unchanged)."""
    at = np.clip(np.searchsorted(momenta, roots), 1, momenta.size - 1)
    below, above = momenta[at - 1], momenta[at]
    nearest = np.where(np.abs(roots - below) <= np.abs(above - roots), below, above)
    close = np.abs(nearest - roots) <= SNAP_TOLERANCE * np.maximum(1.0, np.abs(roots))
    return np.where(close, nearest, roots)


def _transform_pairs(point: PointParams, grid: LadderGrid, momenta, j, jp, M):
    """The intermediate states of the transitions p_j (band M) ← p_jp and the momentum pairs
    whose potential ``third_order_blocks`` transforms: returns (states, pairs), states the
    (M_r, p_r, J_r) of ``on_shell_states`` and pairs [(p, p'), then (p, p_r), (p_r, p') per
    state], p_r snapped to the grid (``_snapped``; ``momenta`` the grid's sorted momenta). Where
    a root does not exist (J_r = 0, its contribution exactly 0) p_r is replaced by p, whose
    pairs the table has anyway (p is an on-shell state of its own band)."""
    p, pp = grid.p[j], grid.p[jp]
    states = list(on_shell_states(point.alpha_code, grid.band_energy(M, p)))
    pairs = [(p, pp)]
    for _, pr, J in states:
        on_grid = np.where(J > 0, _snapped(momenta, pr), p)
        pairs += [(p, on_grid), (on_grid, pp)]
    return states, pairs


def _pair_key(a, b):
    """One complex number per unordered momentum pair: u(|p − p' e^{iφ}|) is even in φ, so the
    pair's transform is symmetric in (p, p'), and bit for bit (q² = p² + p'² − 2pp' cos φ)."""
    return np.minimum(a, b) + 1j * np.maximum(a, b)


class PairSpectra:
    """The spectra of the potential's shape u(|p − p' e^{iφ}|) for the n-point angular rule of
    ``third_order_blocks``, one per unordered momentum pair and rule, computed once per grid:
    n c_k, c_k its Fourier coefficients, |k| ≤ n/2 (mirrored to n entries, numpy's order). For
    Gaussian disorder the DFT of its n samples (aliasing below ε, ``angular_points``); for
    Coulomb disorder c_k by Gauss–Legendre quadrature on [0, π] (``_coulomb_cosines``).

    A transition p ← p' with intermediate states p_r transforms u for (p, p'), (p, p_r) and
    (p_r, p'). All of them lie on one energy shell, which holds two or three momenta, and the
    intermediate states of a grid point are its on-shell partners, themselves grid points
    (``_snapped``): over the branches of a grid the same few pairs recur, about 7 times each
    (Coulomb disorder, α = 0.02–0.5). ``add`` registers the pairs of some transitions,
    ``__call__`` returns the spectra (t, n) of pairs (a, b) (KeyError if one was not added).
    """

    def __init__(self, point: PointParams, grid: LadderGrid):
        self.point = point
        self.momenta = np.unique(grid.p)
        self._wanted: dict = {}  # n → list of key arrays
        self._tables: dict = {}  # n → (sorted keys, spectra in that order)

    def add(self, n: int, grid: LadderGrid, j, jp, M):
        """Register the momentum pairs of the transitions p_j (band M) ← p_jp (index arrays of
        equal length) on the n-point rule (``_transform_pairs``); they are transformed at the
        first lookup at that rule."""
        keys = [_pair_key(a, b) for a, b in _transform_pairs(self.point, grid, self.momenta,
                                                                j, jp, M)[1]]
        self._wanted.setdefault(int(n), []).extend(keys)

    def add_by_rule(self, grid: LadderGrid, j, jp, M, sizes):
        """``add`` for transitions on several rules, ``sizes`` the rule of each
        (``_rule_sizes``)."""
        for n in np.unique(sizes):
            on_rule = sizes == n
            self.add(n, grid, j[on_rule], jp[on_rule], M)

    def _table(self, n: int):
        if n in self._wanted:  # pairs added since the last lookup at this rule
            old_keys, old_spectra = self._tables.get(n, (np.empty(0, complex), np.empty((0, n))))
            keys = np.unique(np.concatenate(self._wanted.pop(n)))
            if old_keys.size:
                keys = keys[~np.isin(keys, old_keys)]
            if self.point.disorder == "coulomb":
                # the Fourier coefficients by Gauss–Legendre quadrature on [0, π], where u is
                # smooth: its kink at φ = 0 for p = p' (q = 2p|sin φ/2|) sits at the end of the
                # interval. The DFT of the n samples aliased the kink's slowly falling harmonics
                # (∝ k⁻²) into the low ones, the rule's leading error (docs/beyond_born.md §6)
                phi, cosines = _coulomb_cosines(n)
                transform = lambda u: _mirrored(u @ cosines)  # noqa: E731
            else:  # the Gaussian's rule makes the aliasing < ε (angular_points); δ: u = 1
                phi = 2 * np.pi * np.arange(n) / n
                transform = _even_spectrum
            zero = np.zeros((1, 1))
            spectra = np.empty((keys.size, n))
            chunk = max(16, CHUNK_BUDGET // phi.size)
            for s in range(0, keys.size, chunk):
                k = keys[s:s + chunk]
                q = _momentum_transfer(k.real, zero, k.imag, phi[None])
                spectra[s:s + chunk] = transform(dis.amplitude_shape(self.point, q)[:, 0])
            if old_keys.size:
                keys = np.concatenate([old_keys, keys])
                order = np.argsort(keys)
                keys, spectra = keys[order], np.concatenate([old_spectra, spectra])[order]
            self._tables[n] = (keys, spectra)
        return self._tables[n]

    def __call__(self, n: int, a, b):
        keys, spectra = self._table(int(n))
        wanted = _pair_key(a, b)
        at = np.minimum(np.searchsorted(keys, wanted), max(keys.size - 1, 0))
        if wanted.size and (keys.size == 0 or not np.array_equal(keys[at], wanted)):
            raise KeyError("a momentum pair of the third-order blocks was not added")
        return spectra[at]


def third_order_blocks(point: PointParams, grid: LadderGrid, j, jp, M, Mp,
                       n_angles: int | None = None, lambdas=None, spectra=None):
    """4×4 third-order gain and loss matrices of the transitions p_j (band M) ← p_jp (band Mp).

    Returns (G3, L3) of shape (t, 4, 4) such that the transitions add
    ½ J W(0) U(0) (G3 f(p') − L3 f(p)) to St{f}_p, like the Born tensors of
    kernels.born.reduced_tensors (J = p'/|v_M'(p')|); with ``lambdas`` (λ in code units) a list
    of such pairs, one per λ, sharing the evaluation of the potential.

    Uniform n-point rules for φ' and φ'' (one grid), evaluated in O(n log n) per transition from
    the potential's spectra (``PairSpectra``: for δ and Gaussian disorder the DFT of its samples,
    the same rule as ``second_order_amplitude``; for Coulomb disorder its Fourier coefficients,
    which that uniform rule only approximates, with the aliasing error of the samples). t2 on
    the φ' grid is a circular correlation over φ'' (the right factor depends on φ'' − φ' only), formed in the
    spectral domain; the φ' average is a set of moments ⟨e^{ihφ'} u_a t̄_bc⟩ and
    ⟨e^{ihφ'} ū_a t_bc⟩ contracted with the fixed tensors of ``_cross_tensors``. Both steps are
    linear in nine real sums per projector entry, taken from the spectrum of t2 by Parseval,
    and are applied as one real matrix (``_spectral_map``). Every array is real: the spectra of
    the even u are real and every projector entry is one harmonic (docs/beyond_born.md §6).
    (The direct double sum, O(n²), is ``second_order_amplitude``, kept for the full-angular
    reference.) The potential's spectra come from ``spectra`` (a ``PairSpectra`` to which these
    transitions were added at this rule, shared between branches), or are computed for these
    transitions alone. Raises ValueError if n is not a multiple of 4.
    """
    n = n_angles or angular_points(point, grid)
    single = lambdas is None
    lambdas = [point.lambda_code] if single else list(lambdas)
    # harmonics h − 1, h, h + 1 of the moments: U1 is u1 times a polynomial of degree 1 in e^{iφ'}
    wide = np.arange(HARMONICS[0] - 1, HARMONICS[-1] + 2)
    # rotational covariance: everything at φ = π/2 is the value at φ = 0, rotated by π/2 about
    # z: X(π/2, φ' + π/2) = R X(0, φ') R†, R = diag(e^{−iπ/4}, e^{iπ/4}); on the moments this is
    # a phase i^h (the shift of φ' by n/4 grid points: n is a multiple of 4) times R_bb R̄_cc
    # (the rotation of t2; its conjugate for the moments with t̄2), folded into _moment_tensor
    if n % 4:
        raise ValueError(f"the third-order rule needs a multiple of 4 angles, got {n}")
    if spectra is None:
        spectra = PairSpectra(point, grid)
        spectra.add(n, grid, j, jp, M)
    # P^M_bc(φ'') = c_bc(M) e^{i k_bc φ''}: one harmonic per entry (``_projector_harmonic``)
    k_bc, _, weight_bc = _projector_harmonic()
    shifts = sorted(set(k_bc))
    spectral_map = _spectral_map(BANDS.index(M), BANDS.index(Mp))
    result = [(np.empty((j.size, 4, 4)), np.empty((j.size, 4, 4))) for _ in lambdas]
    chunk = max(16, CHUNK_BUDGET // n)
    for s in range(0, j.size, chunk):
        jj, jjp = j[s:s + chunk], jp[s:s + chunk]
        p, pp = grid.p[jj], grid.p[jjp]
        t = p.size
        on_shell, pairs = _transform_pairs(point, grid, spectra.momenta, jj, jjp, M)
        # Û1_{m+h} for the harmonics h of ``wide`` (the moments below): (t, n, h)
        wrapped_u1 = _wrapped(spectra(n, *pairs[0]), wide.size // 2)
        windows = np.ascontiguousarray(sliding_window_view(wrapped_u1, wide.size, axis=1))
        # t2 at (0, φ') is the circular correlation over φ'' of the left factor
        # L = u_l S P^{M_r} (entry (b, c) = u_l (1 + i s_b x_l sin φ'') P_bc(φ'')) with the
        # right one R(δ) = u_r (1 + i s_c x_r sin(−δ)), δ = φ'' − φ', diagonal in c:
        # t2 = ifft(fft(L) · n ifft(R)), x_l = λ p p_r, x_r = λ p_r p' (in coefficient space:
        # for Coulomb disorder the spectra are n c_k, PairSpectra). u depends on |q| only,
        # so u_l(φ'') and u_r(δ) are even and their spectra F and G real; the sines are
        # i s x sin = (s x/2)(e − ē), and P_bc a single harmonic, so the spectra are
        #   fft(L)_bc = c_bc(M_r) (F_k + s_b (x_l/2)(F_{k+1} − F_{k−1})),  k = k_bc,
        #   n ifft(R)_c = G + s_c (x_r/2)(G_{m−1} − G_{m+1}),
        # F_k[m] = F[m − k]: real sums, with the constant phase of c_bc taken out (c_bc(M) =
        # phase_bc · weight_bc(M), the weight real); two spectra per intermediate state (from
        # ``spectra``), and t2 is never transformed back (the moments below)
        states = []
        for i, (M_r, pr, J) in enumerate(on_shell):
            wrapped = _wrapped(spectra(n, *pairs[1 + 2 * i]), 2)  # F_k = wrapped[2 − k:][:n]
            G = spectra(n, *pairs[2 + 2 * i])  # = n ifft(u_r) (u_r even), or n c_k (Coulomb)
            G_wrapped = _wrapped(G, 1)
            D = 0.5 * (G_wrapped[:, :-2] - G_wrapped[:, 2:])  # (G[m − 1] − G[m + 1])/2
            states.append((weight_bc[M_r], pr, J, wrapped, G, D))
        for (G3, L3), lam in zip(result, lambdas):
            spectrum = np.zeros((4, t, n))  # real, times phase_bc
            for weight, pr, J, wrapped, G, D in states:
                centre = [wrapped[:, 2 - k:2 - k + n] for k in k_bc]  # F_k, per entry bc
                if lam == 0:  # the λ = 0 blocks of the nonconserving torque: no S factors
                    left, right = centre, (J[:, None] * G,) * 2
                else:
                    x_l = (0.5 * lam * p * pr)[:, None]
                    xD = (lam * pr * pp)[:, None] * D
                    right = ((J[:, None] * (G + xD)), (J[:, None] * (G - xD)))  # s_c = +1, −1
                    # (x_l/2)(F_{k+1} − F_{k−1}) once per shift k: the two diagonal entries
                    # share k = 0; added for s_b = +1, subtracted for s_b = −1
                    slope = {k: x_l * (wrapped[:, 1 - k:1 - k + n] - wrapped[:, 3 - k:3 - k + n])
                             for k in shifts}
                    left = [(np.add if SPIN_Z[bc // 2] > 0 else np.subtract)(centre[bc],
                                                                             slope[k_bc[bc]])
                            for bc in range(4)]
                for bc in range(4):
                    spectrum[bc] += weight[bc] * left[bc] * right[bc % 2]
            # moments ⟨e^{ihφ'} U1_a t̄2_bc⟩ and ⟨e^{ihφ'} Ū1_a t2_bc⟩ at φ = 0 (at π/2 by
            # rotation) are linear in the nine Parseval sums N_h = Σ_m spectrum_m Û1_{m+h}
            # (real), with coefficients 1 and ±γ s_a: one real product with the fixed map of
            # ``_spectral_map`` (``_blocks_from_sums`` is that map, written out). 1/n³: 1/n² from
            # Parseval, 1/n from the weight −(i/2)/n of the intermediate states
            N = np.matmul(spectrum.transpose(1, 0, 2), windows).reshape(t, -1)  # (t, bc·h)
            without, with_gamma = np.hsplit(N @ spectral_map, 2)  # (t, 2·4·4) each
            gamma = (0.5 * lam * p * pp)[:, None]
            blocks = ((without + gamma * with_gamma) / n**3).reshape(t, 2, 4, 4)
            G3[s:s + chunk], L3[s:s + chunk] = blocks[:, 0], blocks[:, 1]
    return result[0] if single else result


_CACHE: OrderedDict = OrderedDict()
#: bytes of third-order blocks kept (the blocks of every α of a chunk, ~10 MB each at 6000
#: momenta, so that the cut-off grid of the error estimate can take its blocks from them where
#: the angles are not coarsened: δ and Gaussian disorder, ``COARSENED``)
CACHE_BYTES = 600 * 2**20


def _cache_key(point: PointParams, grid: LadderGrid, lam: float):
    # the coarsening is part of the family (``_family_key``): the cut-off grid of the error
    # estimate halves the Coulomb angles and must not take the fine grid's blocks
    return (grid.alpha, grid.K, grid.residues.tobytes(), angular_points(point, grid),
            point.disorder, lam,
            point.correlation_length, point.spacer_distance, point.screening_wavevector,
            angular_coarsening(point, grid), ANGULAR_POINTS[point.disorder],
            SPECTRUM_NODES_PER_ANGLE)


def _rule_sizes(point, grid, j, jp):
    """The angular rule of each transition p_j ← p_jp (``angular_points`` of its largest
    momentum): for Gaussian disorder the low momenta need far fewer angles. The rules are
    rounded up to a few sizes (powers of 1.25) so that transitions share them. Other disorders:
    the grid's one rule for all."""
    if point.disorder != "smooth" or j.size == 0:
        return np.full(j.size, angular_points(point, grid))
    top = np.maximum(grid.p[j], grid.p[jp]) + abs(grid.alpha)
    rule = angular_points(point, grid, top)
    size = 4 * np.ceil(16 * 1.25 ** np.ceil(np.log(rule / 16) / np.log(1.25)) / 4).astype(int)
    return np.minimum(np.maximum(size, rule), angular_points(point, grid))


def _grouped_blocks(point, grid, j, jp, M, Mp, lambdas, spectra=None):
    """``third_order_blocks`` with each transition on its own angular rule (``_rule_sizes``),
    its potential's spectra from ``spectra`` (``PairSpectra``; these transitions must have been
    added) or computed here."""
    size = _rule_sizes(point, grid, j, jp)
    if spectra is None:
        spectra = PairSpectra(point, grid)
        spectra.add_by_rule(grid, j, jp, M, size)
    out = [(np.empty((j.size, 4, 4)), np.empty((j.size, 4, 4))) for _ in lambdas]
    for n in np.unique(size):
        sel = size == n
        part = third_order_blocks(point, grid, j[sel], jp[sel], M, Mp, int(n), lambdas, spectra)
        for (G, L), (g, l) in zip(out, part):
            G[sel], L[sel] = g, l
    return out


def _family_key(key):
    """The cache key without the ladder length K and the largest angular rule: grids that share
    their residues and angular coarsening and differ only in rungs have the same blocks on their
    common transitions."""
    return key[:1] + key[2:3] + key[4:]


def _from_longer_ladders(key, branches):
    """Blocks of ``branches`` taken from a cached grid with the same residues and more rungs,
    or None. The blocks of a transition depend on p, p', the bands and the potential only
    (the intermediate states are on-shell roots, moved by at most SNAP_TOLERANCE where they are
    taken as a grid momentum), and momenta are numbered
    j = k n + i on both grids, so the shorter grid's transitions are a subset. (The angular rule
    of the few transitions at the shorter grid's top may be rounded to another size; every rule
    used is above the aliasing bound of ``angular_points``.)"""
    family = _family_key(key)
    for parent_key, (parent_branches, parent_blocks) in reversed(_CACHE.items()):
        if _family_key(parent_key) != family or parent_key[1] <= key[1]:
            continue
        out = []
        for (b, j, jp, _, _), (pb, pj, pjp, _, _), (G, L) in zip(branches, parent_branches,
                                                                   parent_blocks):
            if pb != b:
                return None
            size = int(max(pj.max(initial=0), pjp.max(initial=0))) + 1
            parent_pairs = pj.astype(np.int64) * size + pjp
            pairs = j.astype(np.int64) * size + jp
            if pairs.size and (parent_pairs.size == 0 or pairs.max() >= size * size):
                return None
            order = np.argsort(parent_pairs)
            at = np.searchsorted(parent_pairs, pairs, sorter=order)
            idx = order[np.minimum(at, max(order.size - 1, 0))] if pairs.size else at
            if not np.array_equal(parent_pairs[idx], pairs):
                return None
            out.append((G[idx], L[idx]))
        return out
    return None


def _cache_store(key, branches, blocks):
    _CACHE[key] = (branches, blocks)
    total = sum(G.nbytes + L.nbytes for _, bl in _CACHE.values() for G, L in bl)
    while len(_CACHE) > 1 and total > CACHE_BYTES:
        _, (_, dropped) = _CACHE.popitem(last=False)
        total -= sum(G.nbytes + L.nbytes for G, L in dropped)


#: angles × transitions of one ``PairSpectra`` table: it stores 0.5 (Coulomb) to 0.75 (Gaussian,
#: R p0 = 15) spectra per transition, 4–5.5 bytes per angle × transition, so ≤ ~45 MB. The
#: transitions of a larger grid are taken in groups of energy shells, within which the momentum
#: pairs recur; each group boundary costs a partial chunk per branch and rule (at 3e6, R p0 = 15
#: split in two and its blocks took 0.67–0.82 s against 0.55 s in one group)
TABLE_BUDGET = 8_000_000


def _computed_blocks(point, grid, branches, lambdas):
    """``_grouped_blocks`` of every branch, for the λ (code units) of ``lambdas``: returns one
    list of (G3, L3) per branch for each λ. The branches' transitions are taken in groups of
    ascending energy of at most TABLE_BUDGET angles × transitions, each group with one table of
    the potential's spectra shared by all branches."""
    sizes = [_rule_sizes(point, grid, j, jp) for _, j, jp, _, _ in branches]
    energies = np.concatenate([grid.band_energy(M, grid.p[j]) for _, j, _, M, _ in branches])
    order = np.argsort(energies, kind="stable")
    group = np.empty(energies.size, dtype=int)
    group[order] = np.cumsum(np.concatenate(sizes)[order]) // TABLE_BUDGET
    bounds = np.cumsum([0] + [j.size for _, j, *_ in branches])
    groups = [group[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    out = [[(np.empty((j.size, 4, 4)), np.empty((j.size, 4, 4))) for _, j, *_ in branches]
           for _ in lambdas]
    for g in np.unique(group):
        spectra = PairSpectra(point, grid)
        chosen = [in_branch == g for in_branch in groups]
        for (_, j, jp, M, _), size, sel in zip(branches, sizes, chosen):
            spectra.add_by_rule(grid, j[sel], jp[sel], M, size[sel])
        for b, ((_, j, jp, M, Mp), sel) in enumerate(zip(branches, chosen)):
            if not sel.any():
                continue
            part = _grouped_blocks(point, grid, j[sel], jp[sel], M, Mp, lambdas, spectra)
            for per_lambda, (G, L) in zip(out, part):
                per_lambda[b][0][sel], per_lambda[b][1][sel] = G, L
    return out


def branch_blocks(point: PointParams, grid: LadderGrid, branches, lambdas=None):
    """``third_order_blocks`` of every root branch (b, j, j', M, M'), cached per grid, potential
    shape and λ: the blocks do not depend on τ or impurity_strength, which only scale them.
    With ``lambdas`` (lambda_so values) a list, one per value, computed in one pass. A grid
    with fewer rungs than a cached one (the cut-off grid of the error estimate) takes its
    blocks from it."""
    values = [point.lambda_so] if lambdas is None else list(lambdas)
    keys = [_cache_key(point, grid, v) for v in values]
    blocks = {}
    for v, k in zip(values, keys):
        if k in _CACHE:
            _CACHE.move_to_end(k)
            blocks[v] = _CACHE[k][1]
        else:
            derived = _from_longer_ladders(k, branches)
            if derived is not None:
                blocks[v] = derived
    missing = [v for v in values if v not in blocks]
    if missing:
        computed = _computed_blocks(point, grid, branches, [v / P0**2 for v in missing])
        for v, per_branch in zip(missing, computed):
            blocks[v] = per_branch
            _cache_store(_cache_key(point, grid, v), branches, per_branch)
    out = [blocks[v] for v in values]
    return out[0] if lambdas is None else out


def assemble(point, grid, ops, pos, branches, nonconserving=None):
    """Born blocks (``born.assemble``) plus ``extend``; returns the Born field corrections."""
    corrections = born.assemble(point, grid, ops, pos, branches)
    extend(point, grid, ops, pos, branches, nonconserving)
    return corrections


def extend(point, grid, ops, pos, branches, nonconserving=None):
    """Add the third-order (skew) blocks to a Born operator: per transition
    ½ J W(0) U(0) (G3 f(p') − L3 f(p)) (``third_order_blocks``).

    The third-order term of scalar impurities (its λ = 0 part) does not conserve spin for
    momentum-dependent U(q) (docs/beyond_born.md §4); that part is also added to
    ``nonconserving`` so that its torque can be reported. For δ disorder it conserves spin
    exactly (T2 is a number) and is not assembled there.
    """
    if point.impurity_strength == 0:
        return
    scalar = nonconserving is not None and point.disorder != "delta"
    lambdas = [point.lambda_so] + ([0.0] if scalar and point.lambda_so != 0 else [])
    blocks = branch_blocks(point, grid, branches, lambdas)
    _add_third_order(point, grid, ops, pos, branches, blocks[0])
    if scalar:
        _add_third_order(point, grid, nonconserving, pos, branches, blocks[-1])


def _add_third_order(point, grid, ops, pos, branches, blocks):
    scale = dis.forward_correlator(point) * born_amplitude_zero(point)
    for (b, j, jp, M, Mp), (G3, L3) in zip(branches, blocks):
        half_jac = 0.5 * grid.p[jp] / np.abs(grid.band_velocity(Mp, grid.p[jp]))
        coeff = (scale * half_jac)[:, None, None]
        ops.blocks[pos[jp] - pos[j] + 1, pos[j]] += coeff * G3
        ops.diag[pos[j]] -= coeff * L3


def reference_gain_loss(point, grid, M, p, pp, phi, P_out, P_in, f_in, f_out):
    """Born gain and loss plus N U(0)³ cross(U1, t2) with T2 on the full (φ, φ') grid; N U(0)²
    is W(0) and U (= sqrt W(q)) carries sqrt(W(0)), so U1 = T_pp'/sqrt(W(0))."""
    T_in, T_out = born.amplitude(point, p, phi, pp, phi)
    gain, loss = gain_loss(T_in, T_out, P_out, P_in, f_in, f_out)
    W0 = dis.forward_correlator(point)
    U0 = born_amplitude_zero(point)
    E = 0.5 * p**2 + M * point.alpha_code * p
    t2 = second_order_amplitude(point, E, p, phi, pp, phi, angular_points(point, grid))
    gain3, loss3 = third_order_cross(T_in / np.sqrt(W0), t2, P_out, P_in, f_in, f_out)
    return gain + W0 * U0 * gain3, loss + W0 * U0 * loss3
