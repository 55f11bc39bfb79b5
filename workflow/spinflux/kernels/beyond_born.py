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

import dataclasses
import math
from collections import OrderedDict

import numpy as np

from .. import disorder as dis
from ..bands import BANDS, on_shell_roots, projector
from ..collision import blocks_from_samples, gain_loss
from ..grid import LadderGrid
from ..parameters import PointParams
from ..spinor import SIGMA, dagger, harmonic_basis, impurity_spin_orbit_matrix
from . import born

NAME = "beyond_born"

#: uniform angles for φ' and φ'' per disorder type. For δ disorder every integrand is a
#: trigonometric polynomial of degree ≤ 6, integrated exactly by 8 points (EXACT_DELTA_POINTS,
#: never coarsened); the smooth and Coulomb values come from the angular convergence study in
#: docs/beyond_born.md (Gaussian: spectral; Coulomb: ~2nd order, W(q) has a kink at q = 0).
ANGULAR_POINTS = {"delta": 8, "smooth": 16, "coulomb": 32}
EXACT_DELTA_POINTS = 8
#: transitions evaluated per vectorised block (bounds the temporary arrays to ~100 MB)
CHUNK = 512


def angular_points(point: PointParams, grid: LadderGrid | None = None) -> int:
    """Angles of the third-order quadrature for this point.

    Gaussian disorder: u(θ) ∝ exp(R² p p' cos θ/2) has Fourier coefficients I_k(R²pp'/2), so
    the rule grows with (R p_max)²; halved on a coarse grid (GridSettings.angular_coarsening)
    except where it is exact (δ disorder), so that the error estimate covers it.
    """
    n = ANGULAR_POINTS[point.disorder]
    if point.disorder == "delta" or grid is None:
        return n
    if point.disorder == "smooth":
        R = dis.shape_parameters(point)["R"]
        n += 4 * math.ceil(R**2 * grid.p_max**2)
    return max(EXACT_DELTA_POINTS, n // grid.angular_coarsening)


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


def third_order_blocks(point: PointParams, grid: LadderGrid, j, jp, M, Mp,
                       n_angles: int | None = None):
    """4×4 third-order gain and loss matrices of the transitions p_j (band M) ← p_jp (band Mp).

    Returns (G3, L3) of shape (t, 4, 4) such that the transitions add
    ½ J W(0) U(0) (G3 f(p') − L3 f(p)) to St{f}_p, like the Born tensors of
    collision.reduced_tensors (J = p'/|v_M'(p')|).
    """
    n = n_angles or angular_points(point, grid)
    phi_out = np.array([0.0, np.pi / 2])
    phi_in = 2 * np.pi * np.arange(n) / n
    P_out = projector(M, phi_out)[:, None, None]  # (A, 1, 1, 2, 2)
    P_in = projector(Mp, phi_in)[:, None]  # (B, 1, 2, 2)
    f_in = harmonic_basis(phi_in)  # (B, 4, 2, 2)
    f_out = harmonic_basis(phi_out)[:, None]  # (A, 1, 4, 2, 2)
    G3 = np.empty((j.size, 4, 4))
    L3 = np.empty((j.size, 4, 4))
    for s in range(0, j.size, CHUNK):
        jj, jjp = j[s:s + CHUNK], jp[s:s + CHUNK]
        p, pp = grid.p[jj], grid.p[jjp]
        E = grid.band_energy(M, p)
        U1 = scattering_matrix(point, p, phi_out, pp, phi_in)[:, :, :, None]
        t2 = second_order_amplitude(point, E, p, phi_out, pp, phi_in, n)[:, :, :, None]
        gain, loss = third_order_cross(U1, t2, P_out, P_in, f_in, f_out)
        gain, loss = gain.mean(axis=2), loss.mean(axis=2)  # (t, A, 4, 2, 2)
        G3[s:s + CHUNK] = blocks_from_samples(gain[:, 0], gain[:, 1])
        L3[s:s + CHUNK] = blocks_from_samples(loss[:, 0], loss[:, 1])
    return G3, L3


_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 8


def _cache_key(point: PointParams, grid: LadderGrid):
    return (grid.alpha, grid.K, grid.residues.tobytes(), angular_points(point, grid),
            point.disorder, point.lambda_so,
            point.correlation_length, point.spacer_distance, point.screening_wavevector)


def branch_blocks(point: PointParams, grid: LadderGrid, branches):
    """``third_order_blocks`` of every root branch (b, j, j', M, M'), cached per grid and
    potential shape: the blocks do not depend on τ or impurity_strength, which only scale them."""
    key = _cache_key(point, grid)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    blocks = [third_order_blocks(point, grid, j, jp, M, Mp) for _, j, jp, M, Mp in branches]
    _CACHE[key] = blocks
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return blocks


def assemble(point, grid, ops, pos, branches, nonconserving=None):
    """Born blocks (``born.assemble``) plus the third-order (skew) blocks: per transition
    ½ J W(0) U(0) (G3 f(p') − L3 f(p)) (``third_order_blocks``).

    The third-order term of scalar impurities (its λ = 0 part) does not conserve spin for
    momentum-dependent U(q) (docs/beyond_born.md §4); that part is also added to
    ``nonconserving`` so that its torque can be reported. For δ disorder it conserves spin
    exactly (T2 is a number) and is not assembled there. Returns the Born field corrections.
    """
    corrections = born.assemble(point, grid, ops, pos, branches)
    if point.impurity_strength == 0:
        return corrections
    _add_third_order(point, grid, ops, pos, branches)
    if nonconserving is not None and point.disorder != "delta":
        scalar = point if point.lambda_so == 0 else dataclasses.replace(point, lambda_so=0.0)
        _add_third_order(scalar, grid, nonconserving, pos, branches)
    return corrections


def _add_third_order(point, grid, ops, pos, branches):
    scale = dis.forward_correlator(point) * born_amplitude_zero(point)
    for (b, j, jp, M, Mp), (G3, L3) in zip(branches, branch_blocks(point, grid, branches)):
        half_jac = 0.5 * grid.p[jp] / np.abs(grid.band_velocity(Mp, grid.p[jp]))
        coeff = (scale * half_jac)[:, None, None]
        ops.blocks[pos[jp] - pos[j] + 1, pos[j]] += coeff * G3
        ops.diag[pos[j]] -= coeff * L3


def conserves_spin(point) -> bool:
    """The amplitude of scalar impurities is spin-independent at α = 0 (T2 ∝ Σ_M P^M = 1);
    at α ≠ 0 and for momentum-dependent U(q) it is not (docs/beyond_born.md §4)."""
    return point.lambda_so == 0 and point.alpha == 0


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
