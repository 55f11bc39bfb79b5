"""Could a beyond-Born point's Born companion reuse the full kernel's factorisation?

    python benchmarks/companion_iteration.py

A_B = A − E with E = St₃/τ (the third-order blocks), so A_Bᵀ y = w could be iterated as
y ← A⁻ᵀ (w + Eᵀ y). That converges only if the spectral radius of A⁻¹E is below 1; this script
estimates it by power iteration (60 steps, the mean growth of the last 10) for each disorder at
α = 0.2 and three τ (benchmarks/README.md, "Where the time goes now").
"""

from __future__ import annotations

import dataclasses

import numpy as np

from spinflux.banded import BlockTridiagonal, factor, solve_factored
from spinflux.equation import build_system
from spinflux.grid import build_grid
from spinflux.parameters import PointParams


def spectral_radius(point: PointParams, steps: int = 60) -> float:
    grid = build_grid(point)
    full = build_system([point], [grid])
    born = build_system([dataclasses.replace(point, kernel="born")], [grid])
    lu, ipiv = factor(full.banded())
    third_order = BlockTridiagonal((full.units[0].St.blocks - born.units[0].St.blocks) / point.tau)
    x = np.random.default_rng(0).standard_normal((grid.size, 4))
    growth = []
    for _ in range(steps):
        y = solve_factored(lu, ipiv, third_order.matvec(x).ravel()).reshape(-1, 4)
        growth.append(np.linalg.norm(y) / np.linalg.norm(x))
        x = y / np.linalg.norm(y)
    return float(np.mean(growth[-10:]))


def main():
    print("| disorder | τ = 3 | τ = 30 | τ = 300 |")
    print("|---|---|---|---|")
    for disorder in ("delta", "smooth", "coulomb"):
        radii = [spectral_radius(PointParams(kernel="beyond_born", disorder=disorder, alpha=0.2,
                                             tau=tau, lambda_so=0.1)) for tau in (3.0, 30.0, 300.0)]
        print(f"| {disorder} | " + " | ".join(f"{r:.3f}" for r in radii) + " |", flush=True)


if __name__ == "__main__":
    main()
