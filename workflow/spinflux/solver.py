"""Steady-state linear response of the Rashba 2DEG to E ∥ x (physics.md §2), batched.

For every grid point p_j the unknowns are the harmonic components (n, s_φ, s_p, s_z) of f1
(collision.COMPONENTS). With eE = 1 the kinetic equation reads

    (St − Prec) f1 = D,     Prec f1 = (0, 0, −α p s_z, +α p s_p)   [−2 b × s, b = (αp/2) ê_φ]

    D = D_acc + D_int,  D_acc = (∂_p n0, ∂_p s0, 0, 0),  D_int = (0, 0, s0/p, 0),

with n0 = [F(ε+) + F(ε−)]/2, s0 = [F(ε+) − F(ε−)]/2 (ε± the M = ±½ bands, F the Fermi
function at μ = 1). D_int is the rotation of ê_φ with φ ("intrinsic", seed Eq. 14 second
term), D_acc the change of the distribution under acceleration. The two right-hand sides are
solved together; their responses give the intrinsic and acceleration parts of σ_sH.

Observables (∫d²p/(2π)² → Σ_j w_j p_j/(4π) after the φ integral, w_j the quadrature weight of
the ladder residue of p_j, grid.py; σ_sH in units of e/8π):

    σ_sH   = 8π q_yz = 2 Σ w p² s_z
    σ_xx   = (1/4π) Σ w p [2 p n + α (s_φ + s_p)]                       (units e²/ħ)
    S_y    = (1/4π) Σ w p (s_φ + s_p)                                    (code units)
    torque = Tr∫σ_y St{f1} = (1/2π) Σ w p (X_φ + X_p),  X = St{f1}
    σ_sH,balance = −8π torque/(2α)                                        (balance law)

The points of a batch are assembled into block-tridiagonal systems (4×4 blocks along the
ladder chains of grid.py) of at most MAX_SYSTEM_POINTS grid points, each solved with one
banded LAPACK call.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.linalg import solve_banded
from scipy.special import expit

from . import beyond_born
from . import disorder as dis
from .collision import KMAX, KMAX_SO, SO_POWERS, reduced_tensors
from .grid import BANDS, GridSettings, LadderGrid, build_grid, coarse_settings
from .params import P0, PointParams

BAND_WIDTH = 7  # block tridiagonal with 4×4 blocks


@dataclass
class BlockTridiagonal:
    """Blocks along the chain order, stored as one array ``blocks[d + 1, P]`` for the coupling
    of chain position P to P + d: lower (d = −1), diag (d = 0), upper (d = +1)."""

    blocks: np.ndarray  # (3, n, 4, 4)

    @classmethod
    def zeros(cls, n):
        return cls(np.zeros((3, n, 4, 4)))

    @property
    def lower(self):
        return self.blocks[0]

    @property
    def diag(self):
        return self.blocks[1]

    @property
    def upper(self):
        return self.blocks[2]

    def matvec(self, x):
        """y = A x for x of shape (n, 4[, m])."""
        column = x.ndim == 2
        if column:
            x = x[:, :, None]
        y = self.diag @ x
        y[:-1] += self.upper[:-1] @ x[1:]
        y[1:] += self.lower[1:] @ x[:-1]
        return y[:, :, 0] if column else y

    def banded(self):
        """LAPACK band storage ab[u + r − c, c] = A[r, c] with u = l = 7."""
        n = self.diag.shape[0]
        ab = np.zeros((2 * BAND_WIDTH + 1, 4 * n))
        for d, blocks in ((0, self.diag), (1, self.upper), (-1, self.lower)):
            first, last = max(0, -d), n - max(0, d)  # block rows P with a partner P + d
            for b in range(4):
                row = BAND_WIDTH - b - 4 * d
                ab[row:row + 4, 4 * (first + d) + b:4 * (last + d):4] = blocks[first:last, :, b].T
        return ab


def fermi(eps, T):
    return expit(-(eps - 1.0) / T)


def drive(grid: LadderGrid, T: float):
    """D_acc and D_int of the module docstring, shape (N, 4) each (eE = 1)."""
    p = grid.p
    F = {M: fermi(grid.band_energy(M, p), T) for M in BANDS}
    dF = {M: -F[M] * (1 - F[M]) / T * grid.band_velocity(M, p) for M in BANDS}  # dF/dp
    acc = np.zeros((p.size, 4))
    acc[:, 0] = 0.5 * (dF[0.5] + dF[-0.5])
    acc[:, 1] = 0.5 * (dF[0.5] - dF[-0.5])
    intr = np.zeros((p.size, 4))
    intr[:, 2] = 0.5 * (F[0.5] - F[-0.5]) / p
    return acc, intr


def assemble_collision(point: PointParams, grid: LadderGrid, ops: BlockTridiagonal, pos):
    """Add the reduced collision operator St of one point into ``ops`` at chain positions ``pos``.

    Each root branch b (band pair and root sign) contributes ½J x^ℓ W_k(p, p') G_b,ℓ,k to the
    block (p, p') and −½J x^ℓ W_k L_b,ℓ,k to (p, p), x = λ p p' the impurity spin-orbit coupling
    (ℓ = 0 only without it). The scalar coefficients are first collected per (chain offset, row,
    branch, ℓ, k) and turned into 4×4 blocks by three matrix products.
    """
    if point.kernel == "relaxation":
        ops.diag[pos] -= np.eye(4) / point.tau
        return
    spin_orbit = point.lambda_so != 0
    kmax, powers = (KMAX_SO, SO_POWERS) if spin_orbit else (KMAX, 1)
    gain_tensors, loss_tensors = _stacked_tensors(spin_orbit)
    branches = [(b, j, jp) for b, (j, jp) in enumerate(
        (j, jp) for M in BANDS for Mp in BANDS for j, jp in grid.partners(M, Mp))]
    # W_k(p, p') is symmetric: evaluate it once per unordered pair of grid points
    lo = np.concatenate([np.minimum(j, jp) for _, j, jp in branches])
    hi = np.concatenate([np.maximum(j, jp) for _, j, jp in branches])
    keys, inverse = np.unique(lo * grid.size + hi, return_inverse=True)
    moments = dis.angular_moments(point.disorder, grid.p[keys // grid.size],
                                  grid.p[keys % grid.size], kmax, dis.strength(point),
                                  **dis.shape_parameters(point))
    n_branch = len(BANDS) ** 2 * 2
    # coefficients are collected in chain order (pos − start is a permutation of the point's
    # range), so the 4×4 blocks land in a contiguous slice without a scatter
    start_pos = int(pos.min())
    local = pos - start_pos
    gain_coeff = np.zeros((3, grid.size, n_branch, powers, kmax + 1))
    loss_coeff = np.zeros((grid.size, n_branch, powers, kmax + 1))
    lam = point.lambda_so / P0**2  # λ in code units
    start = 0
    for b, j, jp in branches:
        Wk = moments[:, inverse[start:start + j.size]]
        start += j.size
        M_in = BANDS[(b // 2) % 2]
        half_jac_W = (0.5 * grid.p[jp] / np.abs(grid.band_velocity(M_in, grid.p[jp])) * Wk).T
        x_powers = (lam * grid.p[j] * grid.p[jp])[:, None] ** np.arange(powers)
        coeff = x_powers[:, :, None] * half_jac_W[:, None, :]  # (n, ℓ, k)
        d = pos[jp] - pos[j]
        if np.any(np.abs(d) > 1):
            raise RuntimeError("coupling outside the ladder chain")
        gain_coeff[d + 1, local[j], b] = coeff
        loss_coeff[local[j], b] = coeff
    flat = n_branch * powers * (kmax + 1)
    chain = slice(start_pos, start_pos + grid.size)
    for d in range(3):
        ops.blocks[d, chain] += (gain_coeff[d].reshape(grid.size, flat) @ gain_tensors).reshape(-1, 4, 4)
    ops.diag[chain] -= (loss_coeff.reshape(grid.size, flat) @ loss_tensors).reshape(-1, 4, 4)
    if point.kernel == "beyond_born" and point.impurity_strength != 0:
        _assemble_third_order(point, grid, ops, pos, branches)


def _assemble_third_order(point: PointParams, grid: LadderGrid, ops: BlockTridiagonal, pos,
                          branches):
    """Add the third-order (skew) blocks of the beyond-Born kernel: per transition
    ½ J W(0) U(0) (G3 f(p') − L3 f(p)) (beyond_born.third_order_blocks)."""
    scale = dis.forward_correlator(point) * beyond_born.born_amplitude_zero(point)
    labelled = [(b, j, jp, BANDS[b // 4], BANDS[(b // 2) % 2]) for b, j, jp in branches]
    for (b, j, jp, M, Mp), (G3, L3) in zip(labelled, beyond_born.branch_blocks(point, grid, labelled)):
        half_jac = 0.5 * grid.p[jp] / np.abs(grid.band_velocity(Mp, grid.p[jp]))
        coeff = (scale * half_jac)[:, None, None]
        ops.blocks[pos[jp] - pos[j] + 1, pos[j]] += coeff * G3
        ops.diag[pos[j]] -= coeff * L3


@lru_cache(maxsize=None)
def _stacked_tensors(spin_orbit: bool = False):
    """G and L of ``reduced_tensors`` stacked per branch b = 2(2 iM + iM') + root sign, as
    (branches·powers·(kmax+1), 16) matrices for ``assemble_collision``."""
    kmax = KMAX_SO if spin_orbit else KMAX
    G, L = reduced_tensors(kmax, spin_orbit=spin_orbit)
    per_pair = G.shape[2] * (kmax + 1)
    stack = lambda T: np.repeat(T.reshape(4, per_pair, 16), 2, axis=0).reshape(-1, 16)
    return stack(G), stack(L)


def collision_operator(point: PointParams, grid: LadderGrid):
    """The assembled reduced collision operator of one point and the chain position of each p_j.

    Returns (St, pos): St acts on components ordered by chain position, f_chain[pos[j]] = f[j].
    """
    St = BlockTridiagonal.zeros(grid.size)
    pos = grid.chain_position()
    assemble_collision(point, grid, St, pos)
    return St, pos


def conserves_spin(point: PointParams) -> bool:
    """Whether the kernel conserves total spin (scalar T with the exact band energies); the
    impurity spin-orbit term λ relaxes the in-plane spin (Elliott–Yafet). The beyond-Born
    amplitude of scalar impurities is spin-independent at α = 0 (T2 ∝ Σ_M P^M = 1), not at α ≠ 0."""
    if point.kernel == "relaxation" or point.lambda_so != 0:
        return False
    return point.kernel == "born" or point.alpha == 0


#: the uniform in-plane spin s ŷ in harmonic components (s_φ = s_p), normalised
UNIFORM_SPIN_Y = np.array([0.0, 1.0, 1.0, 0.0]) / np.sqrt(2.0)


def regularise_zero_modes(point: PointParams, diag_blocks, pos):
    """At α = 0 with a spin-conserving kernel, a uniform spin s ŷ on each |p| shell is an exact
    zero mode of (St − Prec), with the same left null vector (the σ_y moment), and the drive is
    orthogonal to it. Adding (1/τ) z zᵀ makes the matrix regular without changing the solution
    of the consistent system: it selects the solution with no zero-mode component, which is the
    α → 0 limit (S_y ∝ α)."""
    if point.alpha == 0 and conserves_spin(point):
        diag_blocks[pos] += np.outer(UNIFORM_SPIN_Y, UNIFORM_SPIN_Y) / point.tau


def _segment_sum(values, segments, n_points):
    return np.bincount(segments, weights=values, minlength=n_points)


@dataclass
class LinearSystem:
    """The assembled kinetic equation of a batch: (St − Prec) f = D, in chain order."""

    St: BlockTridiagonal  # collision operator
    A: BlockTridiagonal  # St + extra_diag: the matrix that is solved
    extra_diag: np.ndarray  # −Prec and the α = 0 zero-mode regularisation, (total, 4, 4)
    rhs: np.ndarray  # (total, 4, 2): intrinsic and acceleration drives
    p: np.ndarray  # momentum of each chain position
    weight: np.ndarray  # quadrature weight (∫dp) of each chain position
    alpha: np.ndarray  # α of each chain position
    owner: np.ndarray  # index of the point each chain position belongs to
    n_points: int
    grid_points: np.ndarray
    point_alpha: np.ndarray

    def solve(self):
        f = solve_banded((BAND_WIDTH, BAND_WIDTH), self.A.banded(), self.rhs.reshape(-1, 2),
                         overwrite_ab=True, check_finite=False)
        return f.reshape(self.rhs.shape)


def build_system(points, grids) -> LinearSystem:
    """Assemble all (point, grid) pairs into one block-tridiagonal system."""
    sizes = np.array([g.size for g in grids])
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    total = int(offsets[-1])
    St = BlockTridiagonal.zeros(total)
    rhs = np.zeros((total, 4, 2))
    p_all = np.empty(total)
    w_all = np.empty(total)
    a_all = np.empty(total)
    owner = np.empty(total, dtype=np.int64)
    positions = [grid.chain_position() + offsets[i] for i, grid in enumerate(grids)]
    for i, (point, grid, pos) in enumerate(zip(points, grids, positions)):
        assemble_collision(point, grid, St, pos)
        acc, intr = drive(grid, point.temperature)
        rhs[pos, :, 0] = intr
        rhs[pos, :, 1] = acc
        p_all[pos], w_all[pos], a_all[pos], owner[pos] = grid.p, grid.weights, grid.alpha, i
    extra = np.zeros((total, 4, 4))
    extra[:, 2, 3] = a_all * p_all  # −Prec: (St − Prec) f = D
    extra[:, 3, 2] = -a_all * p_all
    for point, pos in zip(points, positions):
        regularise_zero_modes(point, extra, pos)
    A = BlockTridiagonal(St.blocks.copy())
    A.diag[...] += extra
    return LinearSystem(St, A, extra, rhs, p_all, w_all, a_all, owner, len(points), sizes,
                        np.array([g.alpha for g in grids]))


def observables(system: LinearSystem, f) -> dict:
    """Per-point observables of the module docstring from the solution f (total, 4, 2)."""
    s = system
    St_f = s.St.matvec(f)
    residual = np.abs(St_f + s.extra_diag @ f - s.rhs).max(axis=(1, 2))
    f_tot = f.sum(axis=2)
    X = St_f.sum(axis=2)  # St{f1} of the total response
    w = s.weight * s.p

    def seg(v):
        return _segment_sum(v, s.owner, s.n_points)

    q_int = seg(2 * w * s.p * f[:, 3, 0])
    q_acc = seg(2 * w * s.p * f[:, 3, 1])
    torque = seg(w * (X[:, 1] + X[:, 2])) / (2 * np.pi)
    with np.errstate(divide="ignore", invalid="ignore"):
        balance = np.where(s.point_alpha != 0, -8 * np.pi * torque / (2 * s.point_alpha), np.nan)
    res = np.zeros(s.n_points)
    np.maximum.at(res, s.owner, residual)
    rhs_scale = np.zeros(s.n_points)
    np.maximum.at(rhs_scale, s.owner, np.abs(s.rhs).max(axis=(1, 2)))
    return {
        "sigma_sH": q_int + q_acc,
        "sigma_sH_intrinsic": q_int,
        "sigma_sH_acceleration": q_acc,
        "sigma_sH_balance": balance,
        "collision_torque": torque,
        "sigma_xx": seg(w * (2 * s.p * f_tot[:, 0] + s.alpha * (f_tot[:, 1] + f_tot[:, 2])))
        / (4 * np.pi),
        "spin_density_y_code": seg(w * (f_tot[:, 1] + f_tot[:, 2])) / (4 * np.pi),
        "relative_residual": res / rhs_scale,
        "grid_points": s.grid_points,
    }


def solve_on_grids(points, grids) -> dict:
    """Solve every (point, grid) pair in one banded system; returns dict of arrays (per point)."""
    system = build_system(points, grids)
    return observables(system, system.solve())


OBSERVABLES = ("sigma_sH", "sigma_sH_intrinsic", "sigma_sH_acceleration", "sigma_sH_balance",
               "sigma_xx", "spin_density_y")


#: largest number of grid points assembled into one linear system: bounds memory (~0.3 GB)
#: and keeps the arrays cache-friendly (a 500k-point system was 40 % slower per point)
MAX_SYSTEM_POINTS = 100_000


def _chunks(sizes, limit):
    """Consecutive index ranges whose grid sizes add up to at most ``limit`` (≥ 1 point each)."""
    start, total = 0, 0
    for i, n in enumerate(sizes):
        if i > start and total + n > limit:
            yield start, i
            start, total = i, 0
        total += n
    yield start, len(sizes)


def _solve_chunked(points, grids) -> dict:
    parts = [solve_on_grids(points[a:b], grids[a:b])
             for a, b in _chunks([g.size for g in grids], MAX_SYSTEM_POINTS)]
    return {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}


def solve_batch(points, settings: GridSettings = GridSettings(), estimate_error: bool = True):
    """Solve a batch of PointParams; returns a dict of 1-D arrays, one entry per point.

    Values come from the fine grid; ``<name>_error`` is |value − value_c| against a grid with
    1.5 × the spacing and 3 rungs fewer (grid.coarse_settings); ``error_estimate`` is that of
    σ_sH.
    Points are assembled into block-diagonal systems of at most MAX_SYSTEM_POINTS grid points.
    """
    points = list(points)
    grids = [build_grid(p, settings) for p in points]
    out = _solve_chunked(points, grids)
    tau = np.array([p.tau for p in points])
    out["spin_density_y"] = out.pop("spin_density_y_code") / (tau * P0)
    out["delta_tau"] = np.array([p.delta_tau for p in points])
    out["grid_spacing"] = np.array([g.fermi_spacing / P0 for g in grids])
    out["momentum_cutoff"] = np.array([g.p_max / P0 for g in grids])
    if estimate_error:
        coarse_grid_settings = coarse_settings(settings)
        coarse = _solve_chunked(points, [build_grid(p, coarse_grid_settings) for p in points])
        coarse["spin_density_y"] = coarse.pop("spin_density_y_code") / (tau * P0)
        for name in OBSERVABLES:
            out[name + "_error"] = np.abs(out[name] - coarse[name])
        # σ_xx and S_y are never zero by symmetry: an accidental agreement of one of them
        # between the two grids is covered by the worst relative change of the pair
        robust = ("sigma_xx", "spin_density_y")
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.nanmax([np.where(out[k] != 0, out[k + "_error"] / np.abs(out[k]), 0.0)
                             for k in robust], axis=0)
        for k in robust:
            out[k + "_error"] = np.maximum(out[k + "_error"], rel * np.abs(out[k]))
        out["error_estimate"] = out["sigma_sH_error"]
    return out


def solve_point(point: PointParams, settings: GridSettings = GridSettings(),
                estimate_error: bool = True) -> dict:
    """Solve one point; returns a dict of floats (see ``solve_batch``)."""
    res = solve_batch([point], settings, estimate_error)
    return {k: (v[0].item() if np.ndim(v) else v) for k, v in res.items()}


__all__ = ["solve_batch", "solve_point", "OBSERVABLES"]
