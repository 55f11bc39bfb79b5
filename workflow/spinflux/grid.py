"""Momentum grid aligned with the energy-conserving ladders of the Rashba bands.

The δ-functions of the collision integral connect |p| to |p'| = p (same band),
p' = p ± |α| (between bands: ε_lower(p + |α|) = ε_upper(p)) and, in the lower band
below the crossing (p < |α|), to p' = |α| − p (physics.md §3). On the grid

    p_j = (j + ½) h,   h = |α| / n,   n even,   j = 0 … nK − 1,

every one of these partners is again a grid point, so the momenta split into ladders
{x + k|α|}; the ladders with residues x and |α| − x are joined at their bottom rungs.
Ordering the unknowns along these joined ladders ("chains") makes the linear system block
tridiagonal with 4×4 blocks. The top of the grid, p_max = K|α|, lies between rungs.

α = 0 is the degenerate limit: all partners coincide with p, each point is its own chain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .params import ParameterError, PointParams

BANDS = (0.5, -0.5)  # helicity M of the two bands: spin along ±ê_φ


@dataclass(frozen=True)
class GridSettings:
    """Accuracy settings of the momentum grid (defaults from docs/convergence.md).

    spacing_factor : h ≤ spacing_factor · k_B T / v̄_F (v̄_F = p̄_F in code units)
    rungs_above_fermi : ladder rungs kept above the lower-band Fermi momentum
    thermal_cutoff : the grid extends at least to ε − μ = thermal_cutoff · k_B T
    max_points : refuse grids larger than this (memory/time guard)
    """

    spacing_factor: float = 0.75
    rungs_above_fermi: int = 10
    thermal_cutoff: float = 36.0
    max_points: int = 2_000_000


@dataclass
class LadderGrid:
    """Momentum grid of one parameter point (code units)."""

    alpha: float  # signed α (code units)
    h: float  # spacing
    n: int  # points per |α| (0 when α = 0)
    K: int  # rungs per ladder (1 when α = 0)
    p: np.ndarray  # (N,) momenta

    @property
    def size(self) -> int:
        return self.p.size

    def band_energy(self, M, p):
        return 0.5 * p**2 + M * self.alpha * p

    def band_velocity(self, M, p):
        return p + M * self.alpha

    def chain_position(self) -> np.ndarray:
        """Position of every grid point along the joined ladders (a permutation of 0..N−1)."""
        j = np.arange(self.size)
        if self.n == 0:
            n, K = self.size, 1
        else:
            n, K = self.n, self.K
        residue, rung = j % n, j // n
        pair = np.minimum(residue, n - 1 - residue)
        in_chain = np.where(residue < n // 2, K - 1 - rung, K + rung)
        return pair * 2 * K + in_chain

    def partners(self, M_out: float, M_in: float):
        """Grid partners p' in band M_in of every p_j in band M_out at equal energy.

        Returns a list of (j, j') index arrays, one per root branch, with both ends on the
        grid; partners beyond p_max are dropped, together with the reverse process, so the
        truncated operator still conserves particles and spin exactly.
        """
        E = self.band_energy(M_out, self.p)
        disc = (M_in * self.alpha) ** 2 + 2 * E
        roots = []
        sq = np.sqrt(np.maximum(disc, 0.0))
        for sign in (+1.0, -1.0):
            pp = -M_in * self.alpha + sign * sq
            ok = (disc >= 0) & (pp > 0)
            if sign < 0:
                ok &= sq > 0  # a double root is counted once
            j = np.nonzero(ok)[0]
            jp = np.rint(pp[j] / self.h - 0.5).astype(np.int64)
            inside = (jp >= 0) & (jp < self.size)
            j, jp = j[inside], jp[inside]
            if j.size:
                mismatch = np.max(np.abs(self.p[jp] - pp[j]))
                if mismatch > 1e-8 * self.h + 1e-12:
                    raise RuntimeError(f"grid not ladder-aligned (mismatch {mismatch:g})")
            roots.append((j, jp))
        return roots


def build_grid(point: PointParams, settings: GridSettings = GridSettings()) -> LadderGrid:
    """Ladder-aligned grid resolving k_B T at the Fermi surface (see module docstring)."""
    a = abs(point.alpha_code)
    T = point.temperature
    pbar = point.mean_fermi_momentum
    h_target = settings.spacing_factor * T / pbar
    # the thermal tail of the upper band and the required rungs above the lower Fermi momentum
    p_thermal = math.sqrt(a**2 / 4 + 2 * (1 + settings.thermal_cutoff * T)) + a / 2
    p_rungs = point.fermi_momenta[1] + settings.rungs_above_fermi * a
    p_max = max(p_thermal + a, p_rungs)
    estimate = p_max / min(h_target, a / 2 if a > 0 else h_target)
    if estimate > settings.max_points:
        if a > 0 and a / 2 < h_target:
            raise ParameterError(
                f"alpha={point.alpha!r} is too small for the ladder grid ({estimate:.3g} points > "
                f"max_points={settings.max_points}); use |alpha| ≥ {2 * p_max / settings.max_points / 1.4142:.2g} or alpha=0")
        t_min = T * estimate / settings.max_points
        raise ParameterError(
            f"temperature={T!r} is too small for the momentum grid ({estimate:.3g} points > "
            f"max_points={settings.max_points}); use temperature ≥ {t_min:.2g}")
    if a == 0:
        N = int(math.ceil(p_max / h_target))
        N += N % 2
        h = p_max / N
        return LadderGrid(alpha=0.0, h=h, n=0, K=1, p=(np.arange(N) + 0.5) * h)
    n = max(4, int(math.ceil(a / h_target)))
    n += n % 2  # even: the ladders x and |α| − x pair up
    K = int(math.ceil(p_max / a))
    h = a / n
    return LadderGrid(alpha=point.alpha_code, h=h, n=n, K=K, p=(np.arange(n * K) + 0.5) * h)


#: spacing ratio of the coarse grid used for the refinement error estimate
COARSENING = 1.5


def coarsen(grid: LadderGrid, factor: float = COARSENING) -> LadderGrid:
    """The same momentum window with ≈ ``factor`` times the spacing, still ladder-aligned."""
    if grid.n == 0:
        N = max(2, 2 * int(round(grid.size / factor / 2)))
        h = grid.size * grid.h / N
        return LadderGrid(alpha=0.0, h=h, n=0, K=1, p=(np.arange(N) + 0.5) * h)
    n = max(2, 2 * int(round(grid.n / factor / 2)))
    if n == grid.n:
        n = max(2, grid.n - 2)
    h = abs(grid.alpha) / n
    return LadderGrid(alpha=grid.alpha, h=h, n=n, K=grid.K, p=(np.arange(n * grid.K) + 0.5) * h)
