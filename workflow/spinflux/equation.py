"""The linearised kinetic equation of a batch of points, assembled as one banded system.

For every grid point p_j the unknowns are the harmonic components (n, s_φ, s_p, s_z) of f1
(``spinor.COMPONENTS``). With eE = 1 (docs/model.md §2; A. Khaetskii, PRL 96, 056602 (2006),
Eqs. 3–4):

    (St − Prec) f1 = D,     Prec f1 = i[H0, f1] = (0, 0, −α p s_z, +α p s_p),

St the kernel's collision operator (``spinflux.kernels``) and D the drives of
``spinflux.drives``, one right-hand side per drive (``DRIVES``) so that the response to each can
be reported. The points of a batch are assembled into one block-tridiagonal system in chain
order (``grid.LadderGrid.chain_position``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import drives
from .banded import BlockTridiagonal
from .kernels import kernel
from .spinor import UNIFORM_SPIN_Y

#: right-hand sides, solved together; their responses give the parts of σ_sH:
#: the two terms of the seed's Eq. 14, the drive i[H_E, f0] of the field's spin-orbit term, and
#: the side-jump corrections of the collision integral (docs/extrinsic.md)
DRIVES = ("intrinsic", "acceleration", "field_spin_orbit", "side_jump")


def regularise_zero_modes(point, diag_blocks, pos):
    """At α = 0 with a spin-conserving kernel, a uniform spin s ŷ on each |p| shell is an exact
    zero mode of (St − Prec), with the same left null vector (the σ_y moment), and the drive is
    orthogonal to it. Adding (1/τ) z zᵀ makes the matrix regular without changing the solution
    of the consistent system: it selects the solution with no zero-mode component, which is the
    α → 0 limit (S_y ∝ α)."""
    if point.alpha == 0 and kernel(point.kernel).conserves_spin(point):
        diag_blocks[pos] += np.outer(UNIFORM_SPIN_Y, UNIFORM_SPIN_Y) / point.tau


@dataclass
class LinearSystem:
    """The assembled kinetic equation of a batch: (St − Prec) f = D, in chain order."""

    St: BlockTridiagonal  # collision operator
    St_nonconserving: BlockTridiagonal  # the scalar (λ = 0) third-order part of St, if any
    A: BlockTridiagonal  # St + extra_diag: the matrix that is solved
    extra_diag: np.ndarray  # −Prec and the α = 0 zero-mode regularisation, (total, 4, 4)
    rhs: np.ndarray  # (total, 4, len(DRIVES))
    equilibrium_shift: np.ndarray  # δF = F(H0 + H_E) − F(H0), (total, 4)
    p: np.ndarray  # momentum of each chain position
    weight: np.ndarray  # quadrature weight (∫dp) of each chain position
    alpha: np.ndarray  # α of each chain position
    owner: np.ndarray  # index of the point each chain position belongs to
    n_points: int
    grid_points: np.ndarray
    point_alpha: np.ndarray

    def solve(self):
        """f1 for every drive, shape (total, 4, len(DRIVES)); LinAlgError if singular."""
        return self.A.solve(self.rhs)


def build_system(points, grids) -> LinearSystem:
    """Assemble all (point, grid) pairs into one block-tridiagonal system."""
    sizes = np.array([g.size for g in grids])
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    total = int(offsets[-1])
    St = BlockTridiagonal.zeros(total)
    St_nc = BlockTridiagonal.zeros(total)
    rhs = np.zeros((total, 4, len(DRIVES)))
    p_all = np.empty(total)
    w_all = np.empty(total)
    a_all = np.empty(total)
    owner = np.empty(total, dtype=np.int64)
    positions = [grid.chain_position() + offsets[i] for i, grid in enumerate(grids)]
    shift = np.zeros((total, 4))
    for i, (point, grid, pos) in enumerate(zip(points, grids, positions)):
        corrections = kernel(point.kernel).assemble(point, grid, St, pos, grid.branches(),
                                                    nonconserving=St_nc)
        rhs[pos, :, DRIVES.index("intrinsic")] = drives.intrinsic(grid, point.temperature)
        rhs[pos, :, DRIVES.index("acceleration")] = drives.acceleration(grid, point.temperature)
        if point.lambda_so != 0:
            rhs[pos, :, DRIVES.index("field_spin_orbit")] = drives.field_spin_orbit(grid, point)
            rhs[pos, :, DRIVES.index("side_jump")] = corrections["coordinate_shift"]
            shift[pos] = drives.equilibrium_shift(grid, point)
        p_all[pos], w_all[pos], a_all[pos], owner[pos] = grid.p, grid.weights, grid.alpha, i
    if np.any(shift):
        # H_E kept in the free evolution during a collision: δSt{f0} = −St{δF} (docs/extrinsic.md
        # §2), moved to the right-hand side; St acts in chain order on the whole batch at once
        rhs[:, :, DRIVES.index("side_jump")] += St.matvec(shift)
    extra = np.zeros((total, 4, 4))
    extra[:, 2, 3] = a_all * p_all  # −Prec: (St − Prec) f = D
    extra[:, 3, 2] = -a_all * p_all
    for point, pos in zip(points, positions):
        regularise_zero_modes(point, extra, pos)
    A = St.copy()
    A.diag[...] += extra
    return LinearSystem(St, St_nc, A, extra, rhs, shift, p_all, w_all, a_all, owner, len(points), sizes,
                        np.array([g.alpha for g in grids]))


def collision_operator(point, grid):
    """The assembled reduced collision operator of one point and the chain position of each p_j.

    Returns (St, pos): St acts on components ordered by chain position, f_chain[pos[j]] = f[j].
    """
    St = BlockTridiagonal.zeros(grid.size)
    pos = grid.chain_position()
    kernel(point.kernel).assemble(point, grid, St, pos, grid.branches(),
                                  nonconserving=BlockTridiagonal.zeros(grid.size))
    return St, pos
