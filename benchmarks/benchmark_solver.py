"""Solver benchmark: time per converged point, assembly overhead of a batch, scaling with N.

    python benchmarks/benchmark_solver.py [--batch 1000] [--repeat 5]

All ratios are measured in the same run (the machines here are noisy). Timings are medians
of ``--repeat`` runs on one core (OPENBLAS/OMP threads pinned to 1 before numpy loads).
"""

from __future__ import annotations

import argparse
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import dataclasses  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from spinflux.grid import build_grid, coarse_settings  # noqa: E402
from spinflux.grid import GridSettings  # noqa: E402
from spinflux.params import PointParams  # noqa: E402
from spinflux.solver import build_system, observables, solve_batch  # noqa: E402


def median_time(fn, repeat):
    fn()  # warm caches (tensors, imports)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def at_delta_tau(delta_tau, **kw):
    probe = PointParams(tau=1.0, **kw)
    return dataclasses.replace(probe, tau=delta_tau / probe.delta_tau)


def single_points(repeat):
    print("## One point (fine solve + refinement solve for the error estimate)\n")
    print("| kernel | disorder | alpha | T | grid points | time [ms] | error_estimate |")
    print("|---|---|---|---|---|---|---|")
    for kernel, disorder in [("relaxation", "delta"), ("born", "delta"), ("born", "smooth"),
                             ("born", "coulomb")]:
        for alpha in (0.05, 0.2, 0.5):
            for T in (1e-3, 1e-2):
                p = at_delta_tau(3.0, alpha=alpha, kernel=kernel, disorder=disorder, temperature=T)
                res = solve_batch([p])
                t = median_time(lambda: solve_batch([p]), repeat)
                print(f"| {kernel} | {disorder} | {alpha} | {T:g} | {res['grid_points'][0]} | "
                      f"{1e3 * t:.1f} | {res['error_estimate'][0]:.1e} |")


def batch_overhead(n_batch, repeat):
    rng = np.random.default_rng(0)
    points = [at_delta_tau(float(10 ** rng.uniform(-1, 2)), alpha=float(rng.uniform(0.05, 0.5)),
                           kernel="born", disorder=str(rng.choice(["delta", "smooth", "coulomb"])))
              for _ in range(n_batch)]
    grids = [build_grid(p) for p in points]
    system = build_system(points, grids)
    ab = system.A.banded()
    from scipy.linalg import solve_banded
    rhs = system.rhs.reshape(-1, 2)
    t_bare = median_time(lambda: solve_banded((7, 7), ab, rhs, check_finite=False), repeat)
    t_fine = median_time(lambda: observables(*(lambda s: (s, s.solve()))(build_system(points, grids))),
                         repeat)
    t_full = median_time(lambda: solve_batch(points), repeat)
    coarse_points = sum(build_grid(p, coarse_settings(GridSettings())).size for p in points)
    print(f"\n## Batch of {n_batch} Born points (α ∈ [0.05, 0.5], Δτ ∈ [0.1, 100], three disorders)\n")
    print(f"- grid points: {system.p.size} fine + {coarse_points} coarse (refinement)")
    print(f"- bare banded LAPACK solve of the assembled fine matrix: {t_bare:.3f} s")
    print(f"- assemble + solve + observables on the fine grids: {t_fine:.3f} s "
          f"(ratio to bare solve: {t_fine / t_bare:.2f})")
    print(f"- full solve_batch incl. grids and the refinement solve: {t_full:.3f} s "
          f"({1e3 * t_full / n_batch:.1f} ms per point)")


def scaling(repeat):
    print("\n## Cost versus grid size (born, delta, alpha = 0.2, Δτ = 3, no refinement solve)\n")
    print("| temperature | grid points | time [ms] | µs per grid point |")
    print("|---|---|---|---|")
    for T in (1e-2, 4e-3, 2e-3, 1e-3, 5e-4, 2.5e-4):
        p = at_delta_tau(3.0, alpha=0.2, kernel="born", temperature=T)
        n = build_grid(p).size
        t = median_time(lambda: solve_batch([p], estimate_error=False), repeat)
        print(f"| {T:g} | {n} | {1e3 * t:.1f} | {1e6 * t / n:.2f} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    single_points(args.repeat)
    batch_overhead(args.batch, max(1, args.repeat // 2))
    scaling(args.repeat)


if __name__ == "__main__":
    main()
