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

import dataclasses
import logging
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import drives, elimination
from .banded import BlockTridiagonal, add_block_diagonal, factor, solve_factored
from .kernels import kernel
from .parameters import fields_but_tau
from .spinor import UNIFORM_SPIN_Y

logger = logging.getLogger(__name__)

#: right-hand sides, solved together; their responses give the parts of σ_sH:
#: the two terms of the seed's Eq. 14, the drive i[H_E, f0] of the field's spin-orbit term, and
#: the side-jump corrections of the collision integral (docs/extrinsic.md)
DRIVES = ("intrinsic", "acceleration", "field_spin_orbit", "side_jump")


@dataclass
class UnitOperator:
    """The kinetic equation of one point at τ = 1, in the grid's chain order.

    Every collision term scales like 1/τ at fixed potential shape (the impurity density does):
    St(τ) = St/τ, and so do the side-jump drives and the α = 0 regularisation, while the
    intrinsic, acceleration and field spin-orbit drives do not depend on τ. A τ sweep therefore
    assembles its collision integral once (``build_system``).
    """

    St: BlockTridiagonal
    St_nonconserving: BlockTridiagonal
    drives: np.ndarray  # (N, 4, len(DRIVES)), the τ-independent drives
    drives_per_tau: np.ndarray  # (N, 4, len(DRIVES)), the drives ∝ 1/τ (at τ = 1)
    shift: np.ndarray  # δF, (N, 4)
    regularisation: np.ndarray  # (N, 4, 4) at τ = 1
    has_nonconserving: bool = False

    @cached_property
    def drive(self):
        """The sum of the τ-independent drives, (N, 4) (summed once per sweep, not per τ)."""
        return self.drives.sum(axis=2)

    @cached_property
    def drive_per_tau(self):
        """The sum of the drives ∝ 1/τ at τ = 1, (N, 4)."""
        return self.drives_per_tau.sum(axis=2)

    @cached_property
    def width(self):
        """Half band width of St (banded.BlockTridiagonal.width)."""
        return self.St.width

    @cached_property
    def St_transpose(self):
        """St's transpose (banded.BlockTridiagonal.transpose): the adjoint's residuals in block
        elimination, formed once per sweep rather than once per system."""
        return self.St.transpose()

    @cached_property
    def band(self):
        """St in band storage with fill-in rows (banded.BlockTridiagonal.banded)."""
        return self.St.banded(factor_rows=True, width=self.width)

    @cached_property
    def band_transpose(self):
        """Stᵀ in band storage with fill-in rows, for the systems solved only for the adjoint."""
        return self.St_transpose.banded(factor_rows=True, width=self.width)


def assemble_units(point, grid) -> dict:
    """UnitOperator of ``point`` (its τ set to 1) on ``grid``, keyed by that unit point; a kernel
    that extends another (``BASE``, e.g. beyond_born = born + third order) also yields the unit
    of its base kernel, which it assembles anyway (the Born companion of ``solver``)."""
    unit_point = dataclasses.replace(point, tau=1.0)
    pos = grid.chain_position()
    inv = np.argsort(pos)
    branches = grid.branches()
    k = kernel(point.kernel)
    base = kernel(k.BASE) if getattr(k, "BASE", None) else k
    St = BlockTridiagonal.zeros(grid.size)
    St_nc = BlockTridiagonal.zeros(grid.size)
    corrections = base.assemble(unit_point, grid, St, pos, branches) or {}
    drives0 = np.zeros((grid.size, 4, len(DRIVES)))
    drives0[:, :, DRIVES.index("intrinsic")] = drives.intrinsic(grid, point.temperature)[inv]
    drives0[:, :, DRIVES.index("acceleration")] = drives.acceleration(grid, point.temperature)[inv]
    shift = np.zeros((grid.size, 4))
    if point.lambda_so != 0:
        drives0[:, :, DRIVES.index("field_spin_orbit")] = drives.field_spin_orbit(grid, point)[inv]
        shift = drives.equilibrium_shift(grid, point)[inv]
    # At α = 0 the uniform spin s ŷ on each |p| shell (z) is a right and left eigenvector of
    # every kernel's St, and no drive has a component on it (docs/derivation.md §7). Its
    # eigenvalue is 0 for a spin-conserving kernel, and with the impurity spin-orbit term the
    # Elliott–Yafet rate ∝ (λpp')², which at the lowest momenta falls below round-off: the
    # matrix is then singular in floating point. Adding −(1/τ) z zᵀ moves that eigenvalue away
    # from 0 without changing the solution, which has no z component (S_y = 0 by symmetry);
    # − and not +, which would cancel an eigenvalue −1/τ (the relaxation kernel's).
    regularisation = np.zeros((grid.size, 4, 4))
    if point.alpha == 0:
        regularisation[:] = -np.outer(UNIFORM_SPIN_Y, UNIFORM_SPIN_Y)

    def unit(St_unit):
        per_tau = np.zeros_like(drives0)
        if point.lambda_so != 0:
            # H_E kept in the free evolution during a collision: δSt{f0} = −St{δF}
            # (docs/extrinsic.md §2), on the right-hand side; plus the coordinate shift
            per_tau[:, :, DRIVES.index("side_jump")] = (corrections["coordinate_shift"][inv]
                                                        + St_unit.matvec(shift))
        return UnitOperator(St_unit, St_nc, drives0, per_tau, shift, regularisation,
                            bool(np.any(St_nc.blocks)))

    units = {}
    if base is not k:
        units[dataclasses.replace(unit_point, kernel=base.NAME)] = unit(St.copy())
        k.extend(unit_point, grid, St, pos, branches, nonconserving=St_nc)
    units[unit_point] = unit(St)
    return units


@dataclass
class LinearSystem:
    """The assembled kinetic equation of a batch of points, (St − Prec) f = D, in chain order.

    The collision operator of point i is ``units[i].St/τ_i`` (shared by the points of a τ sweep,
    never copied per τ); ``extra`` holds −Prec and the α = 0 regularisation. ``solve``
    returns the response f to the sum of the drives and the adjoint solution y of
    Aᵀ y = w, w the weights of σ_sH: the response of σ_sH to each drive D_k is then yᵀD_k, one
    back substitution for all drives instead of one per drive.
    """

    points: list
    grids: list
    units: list  # UnitOperator of every point
    offsets: np.ndarray  # first chain position of every point, and the total
    drive: np.ndarray  # (total, 4), the sum of the drives: the right-hand side that is solved
    extra: np.ndarray  # (total, 4, 4)
    equilibrium_shift: np.ndarray  # δF = F(H0 + H_E) − F(H0), (total, 4)
    p: np.ndarray  # momentum of each chain position
    weight: np.ndarray  # quadrature weight (∫dp) of each chain position
    alpha: np.ndarray  # α of each chain position

    @property
    def n_points(self):
        return len(self.points)

    @property
    def grid_points(self):
        return np.diff(self.offsets)

    @cached_property
    def tau(self):
        """τ of every point, shape (n_points,)."""
        return np.array([p.tau for p in self.points])

    @property
    def point_alpha(self):
        return np.array([g.alpha for g in self.grids])

    @property
    def sigma_weights(self):
        """w with σ_sH = Σ w·f per point: 2 w_j p_j² on the s_z component (observables.py)."""
        w = np.zeros((self.p.size, 4))
        w[:, 3] = 2 * self.weight * self.p**2
        return w

    def banded(self, transpose: bool = False):
        """The matrix A = St − Prec of the whole batch (or its transpose) in band storage with
        fill-in rows, as narrow as its widest collision operator allows
        (banded.BlockTridiagonal.width)."""
        width = max(unit.width for unit in {id(u): u for u in self.units}.values())
        # Fortran order, so that gbtrf factors it in place (banded.factor)
        ab = np.empty((3 * width + 1, 4 * self.p.size), order="F")
        # the points of a τ sweep are consecutive and share their unit: one broadcast product
        # per sweep writes all their columns (a copy per point was a fifth of a Born slice)
        for start, stop in self.sweeps():
            columns = ab[:, 4 * self.offsets[start]:4 * self.offsets[stop]]
            columns.shape = (ab.shape[0], stop - start, -1)  # a view, never a copy
            inverse_tau = 1 / self.tau[start:stop]
            unit = self.units[start]
            if unit.width == width:
                band = unit.band_transpose if transpose else unit.band
            else:
                band = (unit.St_transpose if transpose else unit.St).banded(True, width)
            np.multiply(band[:, None, :], inverse_tau[:, None], out=columns)
        add_block_diagonal(ab, self.extra.transpose(0, 2, 1) if transpose else self.extra)
        return ab

    def solve(self, method: str = "lapack", forward: bool = True):
        """(f, y): the response (total, 4) to the sum of the drives and the adjoint solution
        (total, 4) of Aᵀ y = w (f is not computed if not ``forward``).

        ``method`` "lapack": banded LU with partial pivoting (``banded.factor``); "block": block
        elimination along the chains, sweep by sweep (``elimination.solve_sweep``), with the
        points whose backward error exceeds ``elimination.BACKWARD_ERROR_LIMIT`` solved again
        by LAPACK. Raises numpy.linalg.LinAlgError if A is singular, ValueError for an unknown
        method.
        """
        if method == "lapack":
            return self._solve_lapack(forward)
        if method != "block":
            raise ValueError(f"method: {method!r}, expected 'lapack' or 'block'")
        weights = self.sigma_weights
        f = np.zeros_like(weights)
        y = np.empty_like(weights)
        failed = []
        for start, stop in self.sweeps():
            rows = slice(self.offsets[start], self.offsets[stop])
            inverse_tau = 1 / self.tau[start:stop]
            unit = self.units[start]
            f[rows], y[rows], error = elimination.solve_sweep(
                unit.St, inverse_tau, self.extra[rows], self.drive[rows], weights[rows], forward,
                unit.St_transpose)
            failed.extend(start + np.flatnonzero(~(error <= elimination.BACKWARD_ERROR_LIMIT)))
        if failed:
            # partial pivoting for the points whose Schur complements grew (rare: none in 300-τ
            # sweeps of every kernel, τ = 0.1–5000, nor in tests/test_elimination.py's physical
            # systems); they form a system of their own
            logger.info("%d of %d points solved again by LAPACK (block elimination's backward "
                        "error above %.0e)", len(failed), self.n_points,
                        elimination.BACKWARD_ERROR_LIMIT)
            sub = build_system([self.points[i] for i in failed], [self.grids[i] for i in failed],
                               {(dataclasses.replace(self.points[i], tau=1.0), id(self.grids[i])):
                                self.units[i] for i in failed})
            f_sub, y_sub = sub._solve_lapack(forward)
            for j, i in enumerate(failed):
                rows = slice(self.offsets[i], self.offsets[i + 1])
                f[rows] = f_sub[sub.offsets[j]:sub.offsets[j + 1]]
                y[rows] = y_sub[sub.offsets[j]:sub.offsets[j + 1]]
        return f, y

    def _solve_lapack(self, forward: bool = True):
        if not forward:
            # only the adjoint: factor Aᵀ itself. gbtrs's transposed solve took twice its plain
            # one (10.4–10.6 ms against 4.5–5.9 ms on 1.4·10⁵ unknowns, benchmarks/README.md,
            # seventh pass), and building Aᵀ's band costs as much as A's
            lu, ipiv = factor(self.banded(transpose=True))
            y = solve_factored(lu, ipiv, self.sigma_weights.ravel()).reshape(-1, 4)
            return np.zeros((self.p.size, 4)), y
        lu, ipiv = factor(self.banded())
        f = solve_factored(lu, ipiv, self.drive.ravel()).reshape(-1, 4)
        y = solve_factored(lu, ipiv, self.sigma_weights.ravel(), transpose=True).reshape(-1, 4)
        return f, y

    def sweeps(self):
        """(start, stop) of every run of consecutive points sharing one UnitOperator (a τ sweep
        on one grid)."""
        start = 0
        for stop in range(1, self.n_points + 1):
            if stop == self.n_points or self.units[stop] is not self.units[start]:
                yield start, stop
                start = stop

    def per_point(self, values, reduce=np.add):
        """``reduce`` (np.add, np.maximum) of ``values`` (total, ...) over the chain positions
        of each point: shape (n_points, ...). A point's positions are contiguous."""
        return reduce.reduceat(values, self.offsets[:-1], axis=0)

    def drive_shares(self, y):
        """yᵀD_k for every point and drive k (``DRIVES``), shape (n_points, len(DRIVES)): with
        y the adjoint solution (``solve``), each drive's share of σ_sH. Two matrix products per
        τ sweep, the τ-independent drives and those ∝ 1/τ, instead of the drives of every point
        written out (a fifth of a Born point's assembly in a 300-τ sweep)."""
        out = np.empty((self.n_points, len(DRIVES)))
        for start, stop in self.sweeps():
            unit = self.units[start]
            rows = slice(self.offsets[start], self.offsets[stop])
            n = unit.shift.shape[0]
            ys = y[rows].reshape(stop - start, 4 * n)
            tau = self.tau[start:stop]
            out[start:stop] = (ys @ unit.drives.reshape(4 * n, -1)
                               + (ys @ unit.drives_per_tau.reshape(4 * n, -1)) / tau[:, None])
        return out

    def collision(self, f, nonconserving: bool = False):
        """St f (or the scalar third-order part of St), f of shape (total, 4) in chain order."""
        out = np.zeros(f.shape)  # C order whatever f's: the sweeps write through views of it
        for start, stop in self.sweeps():
            unit = self.units[start]
            if nonconserving and not unit.has_nonconserving:
                continue
            operator = unit.St_nonconserving if nonconserving else unit.St
            rows = slice(self.offsets[start], self.offsets[stop])
            m, n = stop - start, unit.shift.shape[0]
            # the sweep's points side by side, (n, 4, points): one product per block diagonal;
            # the transpositions are 2-D (points × 4n), several times faster than a 3-D one
            x = f[rows].reshape(m, 4 * n).T.reshape(n, 4, m)
            tau = self.tau[start:stop]
            np.divide(operator.matvec(x).reshape(4 * n, m).T, tau[:, None],
                      out=_rows_as(out, rows, (m, 4 * n)))
        return out


def build_system(points, grids, units: dict | None = None) -> LinearSystem:
    """Assemble all (point, grid) pairs into one block-tridiagonal system; points that differ
    only in τ (and share a grid object) share one assembly (``UnitOperator``), also across
    calls that pass the same ``units`` dictionary (the Born companions of ``solver``)."""
    units = {} if units is None else units
    sizes = np.array([g.size for g in grids])
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    total = int(offsets[-1])
    drive = np.empty((total, 4))
    shift = np.empty((total, 4))
    extra = np.zeros((total, 4, 4))
    p_all = np.empty(total)
    w_all = np.empty(total)
    a_all = np.empty(total)
    used = []
    # a run of points that differ only in τ is written by one broadcast per array: per point,
    # these copies and the unit's key (a validated PointParams) were a sixth of a 300-τ slice
    for start, stop in _runs(points, grids):
        point, grid = points[start], grids[start]
        key = (dataclasses.replace(point, tau=1.0), id(grid))
        if key not in units:
            units.update({(p, id(grid)): u for p, u in assemble_units(point, grid).items()})
        unit = units[key]
        used.extend([unit] * (stop - start))
        rows, m, n = slice(offsets[start], offsets[stop]), stop - start, grid.size
        tau = np.array([p.tau for p in points[start:stop]])[:, None, None]
        # in place, without temporaries: (drive_per_tau / τ) + drive, as before
        view = _rows_as(drive, rows, (m, n, 4))
        np.divide(unit.drive_per_tau, tau, out=view)
        view += unit.drive
        _rows_as(shift, rows, (m, n, 4))[:] = unit.shift
        if unit.regularisation.any():
            np.divide(unit.regularisation, tau[..., None], out=_rows_as(extra, rows, (m, n, 4, 4)))
        pos = grid.chain_position()
        for values, source in ((p_all, grid.p), (w_all, grid.weights), (a_all, grid.alpha)):
            _rows_as(values, rows, (m, n))[:, pos] = source
    precession = a_all * p_all  # −Prec: (St − Prec) f = D
    extra[:, 2, 3] += precession
    extra[:, 3, 2] -= precession
    return LinearSystem(list(points), list(grids), used, offsets, drive, extra, shift,
                        p_all, w_all, a_all)


def _rows_as(a, rows, shape):
    """``a[rows]`` as a view of ``shape``, for writing the rows of a run of points at once;
    raises rather than copies (a copy would take the writes and leave ``a`` untouched)."""
    view = a[rows]
    view.shape = shape
    return view


def _runs(points, grids):
    """(start, stop) of the runs of consecutive points on one grid object that differ only in τ
    (``parameters.fields_but_tau``)."""
    start = 0
    for stop in range(1, len(points) + 1):
        if (stop == len(points) or grids[stop] is not grids[start]
                or fields_but_tau(points[stop]) != fields_but_tau(points[start])):
            yield start, stop
            start = stop


def collision_operator(point, grid):
    """The assembled reduced collision operator of one point and the chain position of each p_j.

    Returns (St, pos): St acts on components ordered by chain position, f_chain[pos[j]] = f[j].
    """
    St = BlockTridiagonal.zeros(grid.size)
    pos = grid.chain_position()
    kernel(point.kernel).assemble(point, grid, St, pos, grid.branches(),
                                  nonconserving=BlockTridiagonal.zeros(grid.size))
    return St, pos
