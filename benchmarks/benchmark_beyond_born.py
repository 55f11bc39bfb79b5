"""Cost of the beyond-Born kernel against Born, one core, one run (ratios are what to compare).

The third-order blocks are computed once per (grid, potential shape, lambda_so) and cached;
a τ sweep of one slice pays for them once. Reported: the first point of a slice (blocks
computed, fine and coarse grid) and the mean of the next points (cached), next to Born.

    python benchmarks/benchmark_beyond_born.py
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time  # noqa: E402

import numpy as np  # noqa: E402

from spinflux import beyond_born  # noqa: E402
from spinflux.grid import build_grid  # noqa: E402
from spinflux.params import PointParams  # noqa: E402
from spinflux.solver import solve_batch  # noqa: E402


def timed(points):
    start = time.perf_counter()
    solve_batch(points)
    return time.perf_counter() - start


def main():
    taus = np.geomspace(0.5, 5000, 30)
    print("| disorder | alpha | grid points | angles | born, 30 τ [s] | beyond_born first τ [s] "
          "| beyond_born next 29 τ [s] | ratio slice beyond/born |")
    print("|---|---|---|---|---|---|---|---|")
    for disorder in ("delta", "smooth", "coulomb"):
        for alpha in (0.02, 0.2):
            beyond_born._CACHE.clear()
            born = [PointParams(alpha, t, disorder, "born") for t in taus]
            beyond = [PointParams(alpha, t, disorder, "beyond_born", lambda_so=0.1) for t in taus]
            t_born = timed(born)
            t_first = timed(beyond[:1])
            t_rest = timed(beyond[1:])
            grid = build_grid(beyond[0])
            print(f"| {disorder} | {alpha} | {grid.size} | "
                  f"{beyond_born.angular_points(beyond[0], grid)} | {t_born:.2f} | {t_first:.2f} | "
                  f"{t_rest:.2f} | {(t_first + t_rest) / t_born:.1f} |", flush=True)


if __name__ == "__main__":
    main()
