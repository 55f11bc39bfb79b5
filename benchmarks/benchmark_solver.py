"""Solver benchmark: time per converged point, assembly overhead of a batch, scaling with N.

    python benchmarks/benchmark_solver.py [--batch 1000] [--repeat 5]

All ratios are measured in the same run (the machines here are noisy: the same point can take
2× longer from one run to the next). Timings are the minimum of ``--repeat`` runs, the usual
estimator on a shared host, on one core (OPENBLAS/OMP threads pinned to 1 before numpy loads).
"""

from __future__ import annotations

import argparse
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import dataclasses  # noqa: E402

import numpy as np  # noqa: E402

from spinflux.grid import build_grid, coarse_settings  # noqa: E402
from spinflux.grid import GridSettings  # noqa: E402
from spinflux.banded import band_width  # noqa: E402
from spinflux.equation import build_system  # noqa: E402
from spinflux.parameters import PointParams  # noqa: E402
from spinflux.solver import solve_batch  # noqa: E402
from timing import fastest  # noqa: E402


def best_time(fn, repeat):
    fn()  # warm caches (tensors, imports)
    return fastest(fn, repeat)


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
                t = best_time(lambda: solve_batch([p]), repeat)
                print(f"| {kernel} | {disorder} | {alpha} | {T:g} | {res['grid_points'][0]} | "
                      f"{1e3 * t:.1f} | {res['error_estimate'][0]:.1e} |")


def batch_overhead(n_batch, repeat):
    """Assembly overhead: solve_batch (no refinement) against the bare banded LAPACK solves of
    exactly the systems it builds (same chunks of at most solver.MAX_SYSTEM_POINTS points)."""
    from scipy.linalg import solve_banded

    from spinflux import solver

    rng = np.random.default_rng(0)
    points = [at_delta_tau(float(10 ** rng.uniform(-1, 2)), alpha=float(rng.uniform(0.05, 0.5)),
                           kernel="born", disorder=str(rng.choice(["delta", "smooth", "coulomb"])))
              for _ in range(n_batch)]
    grids = [build_grid(p) for p in points]
    systems = [build_system(points[a:b], grids[a:b])
               for a, b in solver._chunks([g.size for g in grids], solver.MAX_SYSTEM_POINTS)]
    # without the fill-in rows, which solve_banded adds itself
    bands = [(ab[band_width(ab):], band_width(ab), s.drive.reshape(-1, 1))
             for s in systems for ab in [s.banded()]]

    def bare():
        for ab, width, rhs in bands:
            solve_banded((width, width), ab, rhs, check_finite=False)

    import spinflux.grid as grid_module

    def grids_uncached():
        grid_module._graded_unit_residues.cache_clear()
        return [build_grid(p) for p in points]

    def assemble_solve_observe():
        for a, b in solver._chunks([g.size for g in grids], solver.MAX_SYSTEM_POINTS):
            solver.solve_on_grids(points[a:b], grids[a:b])

    t_bare = best_time(bare, repeat)
    t_grids = best_time(grids_uncached, repeat)
    t_assembly = best_time(assemble_solve_observe, repeat)
    t_fine = best_time(lambda: solve_batch(points, estimate_error=False), repeat)
    t_full = best_time(lambda: solve_batch(points), repeat)
    coarse_points = sum(build_grid(p, c).size for p in points for c in coarse_settings(GridSettings()))
    print(f"\n## Batch of {n_batch} Born points (α ∈ [0.05, 0.5], Δτ ∈ [0.1, 100], three disorders)\n")
    print(f"- grid points: {sum(g.size for g in grids)} fine + {coarse_points} coarse (refinement), "
          f"in {len(systems)} systems of ≤ {solver.MAX_SYSTEM_POINTS} points")
    print(f"- bare banded LAPACK solves of those systems: {t_bare:.3f} s")
    print(f"- assembly + solve + observables on given grids: {t_assembly:.3f} s "
          f"(ratio to the bare solves: {t_assembly / t_bare:.2f})")
    print(f"- building the grids (residue sets not cached): {t_grids:.3f} s")
    print(f"- solve_batch without the refinement solve (grids, assembly, solve, observables): "
          f"{t_fine:.3f} s (ratio to the bare solves: {t_fine / t_bare:.2f})")
    print(f"- solve_batch with the refinement solve: {t_full:.3f} s "
          f"({1e3 * t_full / n_batch:.1f} ms per point)")


def scaling(repeat):
    print("\n## Cost versus grid size (born, delta, alpha = 0.2, Δτ = 3, no refinement solve)\n")
    print("| temperature | grid points | time [ms] | µs per grid point |")
    print("|---|---|---|---|")
    for T in (1e-2, 4e-3, 2e-3, 1e-3, 5e-4, 2.5e-4):
        p = at_delta_tau(3.0, alpha=0.2, kernel="born", temperature=T)
        n = build_grid(p).size
        t = best_time(lambda: solve_batch([p], estimate_error=False), repeat)
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
