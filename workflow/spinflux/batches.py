"""How a batch of points is cut into linear systems, and which method solves them.

Plain numbers, no numerical imports: the workflow's cost model (``spinflux.cost``) reads them
at every snakemake start, where importing the solver (scipy) cost ~0.25 s of a no-op rerun.
"""

from __future__ import annotations

#: largest number of grid points assembled into one linear system: bounds memory and keeps the
#: arrays cache-friendly (a 500k-point system was 40 % slower per point). At 40 000 the band
#: array (22 rows × 4 unknowns × 8 B per point) is 28 MB, below glibc's 32 MiB ceiling for
#: memory handed back to the system on free; 100 000 was 10–25 % slower per Born slice
#: (benchmarks/README.md), most likely from faulting fresh pages in for every system
MAX_SYSTEM_POINTS = 40_000
#: a batch of at least this many grid points (summed over its points, fine grid) is solved by
#: block elimination (``elimination``; "block" in ``equation.LinearSystem.solve``), a smaller
#: one by LAPACK: block elimination takes less time per grid point, but its numba import and
#: the loading of its compiled code cost ~0.6 s per process. Measured in fresh processes
#: (benchmarks/README.md): at 3.5–4.2·10⁵ (the default study's largest jobs) the two are within
#: ±15 % either way; 300-τ slices of 1.07·10⁶ take 0.71–0.85× LAPACK's time, and the jobs of a
#: 10⁵-point study (~10⁷) 0.65× in total. Rechecked after LAPACK began factoring in place
#: (banded.factor): 0.60–0.83× at 1.07·10⁶ (born, relaxation, beyond_born), 1.2–1.4× at 2.3·10⁵
BLOCK_ELIMINATION_MIN = 1_000_000


def solve_method(fine_grid_points: int) -> str:
    """"block" or "lapack" (``equation.LinearSystem.solve``) for a batch of this many grid
    points, summed over its points on their fine grids (BLOCK_ELIMINATION_MIN)."""
    return "block" if fine_grid_points >= BLOCK_ELIMINATION_MIN else "lapack"
