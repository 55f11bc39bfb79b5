"""Solve batches of points: grids → kinetic equation → observables, with an error estimate.

``solve_batch`` builds the ladder grid of every point (``spinflux.grid``), assembles the kinetic
equation of ``spinflux.equation`` into block-diagonal banded systems of at most
MAX_SYSTEM_POINTS grid points, solves them, and evaluates ``spinflux.observables``. The error
estimate repeats the solve on two coarser grids (``grid.coarse_settings``).
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import numpy as np
from threadpoolctl import ThreadpoolController

from . import observables
from .equation import build_system
from .kernels import kernel
from .grid import GridSettings, build_grid, coarse_settings
from .observables import OBSERVABLES
from .batches import MAX_SYSTEM_POINTS, solve_method
from .parameters import P0

#: relative round-off floor of every error estimate: 1e-13, or the unit round-off times the number
#: of grid points where the sums are longer (α = 0.001 has ~1e5 points and a Born |σ_sH| of 8e-13)
ROUND_OFF = 1e-13
#: factor on the two-grid differences: grid convergence is not monotone before the asymptotic
#: range (α = 0.2, Δτ = 0.3, λ_so = 0.1: the Born σ_sH is off by 2e-10, 4e-10, 4e-11 at spacings
#: 1.125, 0.75, 0.5), so a bare difference can undershoot; 3 is Roache's factor of safety for
#: two-grid estimates (P. J. Roache, J. Fluids Eng. 116, 405 (1994)); docs/convergence.md §7
SAFETY = 3.0
#: round-off floor of the error of S_y in units of eps times its fully spin-polarised scale
#: (``_solve_batch``): ~10 × the largest round-off measured at α = 0, where S_y = 0 by symmetry
#: (5.6, with an earlier order of summation of the Born blocks; docs/convergence.md, finding 8)
SPIN_DENSITY_ROUND_OFF = 64.0


def solve_on_grids(points, grids, units: dict | None = None, method: str = "lapack") -> dict:
    """Solve every (point, grid) pair in one linear system by ``method`` (LinearSystem.solve);
    returns dict of arrays (per point).

    A beyond-Born point also gets its Born companion (the same point with kernel "born", on the
    same grid, assembled with it), from which its channels follow (observables.channels); the
    companion needs only the adjoint solve, for which it factors Aᵀ (``LinearSystem.solve``).
    """
    units = {} if units is None else units
    system = build_system(points, grids, units)
    res = observables.evaluate(system, system.solve(method))
    companion = [i for i, p in enumerate(points) if getattr(kernel(p.kernel), "BASE", None)]
    born = {k: v.copy() for k, v in res.items() if k.startswith("drive:")}
    born["sigma_sH"] = res["sigma_sH"].copy()
    if companion:
        companions = [dataclasses.replace(points[i], kernel=kernel(points[i].kernel).BASE)
                      for i in companion]
        c_system = build_system(companions, [grids[i] for i in companion], units)
        _, y = c_system.solve(method, forward=False)
        for name, values in observables.born_parts(c_system, y).items():
            born[name][companion] = values
    out = {k: v for k, v in res.items() if not k.startswith("drive:")}
    out.update(observables.channels(res, born))
    return out


def _chunks(sizes, limit):
    """Consecutive index ranges whose grid sizes add up to at most ``limit`` (≥ 1 point each)."""
    start, total = 0, 0
    for i, n in enumerate(sizes):
        if i > start and total + n > limit:
            yield start, i
            start, total = i, 0
        total += n
    yield start, len(sizes)


def _solve_chunked(points, grids, method) -> dict:
    units = {}  # one assembly per (point without τ, grid), shared by the systems of a batch
    parts = [solve_on_grids(points[a:b], grids[a:b], units, method)
             for a, b in _chunks([g.size for g in grids], MAX_SYSTEM_POINTS)]
    return {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}


def _grids(points, settings):
    """The grid of every point; points with the same α and T share one grid object (and with it
    the assembly of their collision integral, equation.build_system)."""
    cache = {}
    for p in points:
        if (p.alpha, p.temperature) not in cache:
            cache[(p.alpha, p.temperature)] = build_grid(p, settings)
    return [cache[(p.alpha, p.temperature)] for p in points]


@lru_cache(maxsize=None)
def _blas():
    """The BLAS libraries loaded in this process (numpy's and scipy's), found once."""
    return ThreadpoolController()


def solve_batch(points, settings: GridSettings = GridSettings(), estimate_error: bool = True,
                method: str | None = None):
    """Solve a batch of PointParams; returns a dict of 1-D arrays, one entry per point.

    Runs with one BLAS thread (restored afterwards): every BLAS call of the solver is small
    (4×4 blocks, a band of 7, matrix products 120 wide at most), and a second thread only
    spins. With OpenBLAS's default of one thread per core, a Coulomb beyond_born slice took
    0.64–0.69 s (1.2 s of CPU) against 0.56–0.58 s, and two such processes side by side on 2
    cores 1.0–1.6 s each against 0.58–0.80 s (benchmarks/README.md, sixth pass). Parallelism
    comes from solving chunks in separate processes (the workflow's jobs; Snakemake sets
    their BLAS threads to the rule's threads, 1).

    ``method``: "block" or "lapack" (``equation.LinearSystem.solve``); None chooses by the
    batch's size (``solve_method``). Results agree within a small fraction of their error
    estimates (tests/test_elimination.py).

    Values come from the fine grid; ``<name>_error`` is SAFETY · (|value − value_q| +
    |value − value_c|) against a grid with 1.5 × the spacing and one with 3 rungs fewer
    (grid.coarse_settings);
    ``error_estimate`` is that of σ_sH. Names and units: ``spinflux.observables.TABLE``.
    """
    with _blas().limit(limits=1, user_api="blas"):
        return _solve_batch(list(points), settings, estimate_error, method)


def _solve_batch(points, settings, estimate_error, method):
    grids = _grids(points, settings)
    method = method or solve_method(sum(g.size for g in grids))
    out = _solve_chunked(points, grids, method)
    out["delta_tau"] = np.array([p.delta_tau for p in points])
    out["grid_spacing"] = np.array([g.fermi_spacing / P0 for g in grids])
    out["momentum_cutoff"] = np.array([g.p_max / P0 for g in grids])
    if estimate_error:
        # the cut-off grid first, while the fine grid's beyond-Born blocks are cached (δ and
        # Gaussian disorder take their blocks from them: beyond_born.COARSENED)
        coarse = [_solve_chunked(points, _grids(points, s), method)
                  for s in reversed(coarse_settings(settings))]
        scales = observables.error_scales(out)
        floor = np.maximum(ROUND_OFF, np.finfo(float).eps * out["grid_points"])
        # the parts of σ_sH are sums over the distribution that carries σ_xx, whose spin-current
        # scale is 4πσ_xx in e/8π (S_z = σ_z/2 times the current); where symmetry makes them
        # exactly zero (α = 0 and λ = 0: every drive part vanishes) what remains is round-off of
        # that scale, measured at ≈ eps/64 × 4πσ_xx (docs/convergence.md, finding 8)
        spin_round_off = np.finfo(float).eps * 4 * np.pi * np.abs(out["sigma_xx"])
        # S_y vanishes by symmetry at α = 0 (inversion), where what remains is round-off of
        # the S_y that distribution would carry fully spin-polarised (s_φ = s_p = n):
        # (1/4π) Σ w p 2n/(τ p0) = σ_xx/(τ p0²), n peaked at p = p0 (observables.py)
        tau = np.array([p.tau for p in points])
        spin_density_round_off = (SPIN_DENSITY_ROUND_OFF * np.finfo(float).eps
                                  * np.abs(out["sigma_xx"]) / (tau * P0**2))
        for name in OBSERVABLES:
            # the two refinements added (no cancellation between them), and never less than
            # the round-off of the value's own scale
            change = SAFETY * sum(np.abs(out[name] - c[name]) for c in coarse)
            out[name + "_error"] = np.maximum(change, floor * scales[name])
            if name.startswith("sigma_sH"):
                out[name + "_error"] = np.maximum(out[name + "_error"], spin_round_off)
            if name == "spin_density_y":
                out[name + "_error"] = np.maximum(out[name + "_error"], spin_density_round_off)
        out["error_estimate"] = out["sigma_sH_error"]
    out["validity"] = observables.validity(out, points)
    return out


def solve_point(point, settings: GridSettings = GridSettings(), estimate_error: bool = True) -> dict:
    """Solve one point; returns a dict of floats (see ``solve_batch``)."""
    res = solve_batch([point], settings, estimate_error)
    return {k: (v[0].item() if np.ndim(v) else v) for k, v in res.items()}


__all__ = ["solve_batch", "solve_point", "OBSERVABLES"]
