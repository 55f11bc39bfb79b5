"""What a study will cost before it runs: points, jobs, CPU time per kernel, memory per job.

The time of a chunk is a sum over its grids (one per α and temperature): an assembly of the
collision integral, proportional to the grid's size, and a solve per τ, proportional to it too
(``solver``: three grids per point with the error estimate). The two constants are measured on
this machine for every (disorder, kernel) of the study and every solve method its chunks use
(``batches.solve_method``: LAPACK or block elimination, by the chunk's size) by solving one
probe grid with one and with eleven τ (``calibrate``), so the estimate follows the machine, the
kernel and the method.
Memory follows from the largest linear system a job builds (at most
``batches.MAX_SYSTEM_POINTS`` unknowns of 4×4 blocks unless one grid is larger), the beyond-Born
block cache and workspace and the imports, with constants measured in benchmarks/README.md.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from functools import lru_cache

from .batches import MAX_SYSTEM_POINTS, solve_method
from .grid import GridSettings, build_grid, coarse_settings
from .parameters import ParameterError, PointParams

#: seconds a Snakemake job spends starting Python and importing numpy and scipy (measured
#: 0.71–0.74 s per job; 1.2 s while jobs also imported xarray, pandas and pint to write NetCDF,
#: before spinflux.files; benchmarks/README.md)
JOB_OVERHEAD_S = 0.8
#: resident memory of a job after its imports, MiB (measured 104 MiB)
BASE_MIB = 150
#: what a job solved by block elimination adds: numba's import and the loading of the compiled
#: kernels (measured 0.6 s, and 56 MiB after the imports, 82 MiB more peak in a 300-τ slice;
#: spinflux.elimination). The first such job after installing compiles the kernels, once:
#: ~80 MiB more than this, which mem_mb's margin holds (a 10⁵-point study from a fresh copy:
#: peaks of 575 and 645 MiB in the two compiling jobs, estimate 570 MiB, mem_mb 1000)
BLOCK_OVERHEAD_S = 0.6
BLOCK_MIB = 85
#: peak bytes per unknown momentum of a linear system (banded LU, drives, observables; measured
#: 2.4 kB at 100k unknowns, 385 MiB peak RSS, and 3.1 kB at one 278 658-momentum grid, 933 MiB)
#: and per momentum of the beyond-Born block cache
BYTES_PER_SYSTEM_POINT = 3000
BYTES_PER_CACHED_POINT = 6 * 2 * 16 * 8 * 2  # ~6 transitions, gain and loss, λ and λ = 0
#: the block cache's limit, kernels.beyond_born.CACHE_BYTES (a copy, tested equal: importing the
#: kernel would load it into the DAG's process, which imports this module)
BLOCK_CACHE_BYTES = 600 * 2**20
#: the temporaries of the beyond-Born blocks, bounded by beyond_born.CHUNK_BUDGET, and the table of
#: the potential's spectra, by beyond_born.TABLE_BUDGET (≤ ~45 MB): ~100 MB together; with
#: systems of at most 40 000 points the system term alone no longer covered them (a 312 MiB
#: peak against a 305 MiB estimate, benchmarks/README.md)
THIRD_ORDER_WORKSPACE_MIB = 100
#: a study whose largest job would need more than this is refused (solver.max_job_memory_mb)
DEFAULT_MAX_JOB_MIB = 16000
#: CPU time per grid point and τ relative to born, for ordering jobs before any calibration
#: (30-τ slices, benchmarks/README.md: relaxation 0.7–1.0× born, beyond_born 2.0–3.4× since the
#: third-order blocks are evaluated in real arithmetic)
RELATIVE_KERNEL_COST = {"relaxation": 1.0, "born": 1.0, "beyond_born": 2.5}


@dataclass
class ChunkCost:
    kernel: str
    disorder: str
    name: str
    points: int
    grid_points: int  # fine-grid momenta summed over the chunk's grids
    cpu_s: float
    memory_mib: float


def grid_sizes(chunk, settings: GridSettings) -> list[tuple[int, int, int, int]]:
    """(fine, quadrature, cut-off) grid sizes and the number of τ, per grid (α) of ``chunk``.

    Raises ParameterError (one line) if a grid exceeds ``GridSettings.max_points``."""
    return [(*_sizes(p.alpha, p.temperature, settings), len(chunk.taus))
            for p in _one_point_per_grid(chunk)]


def _one_point_per_grid(chunk):
    params = dict(chunk.fixed)
    params.update(dict(chunk.extra))
    return [PointParams(alpha=a, tau=chunk.taus[0], disorder=chunk.disorder, kernel=chunk.kernel,
                        **params) for a in chunk.alphas]


@lru_cache(maxsize=4096)
def _sizes(alpha: float, temperature: float, settings: GridSettings) -> tuple[int, int, int]:
    point = PointParams(alpha=alpha, tau=1.0, temperature=temperature)
    return tuple(build_grid(point, s).size for s in (settings, *coarse_settings(settings)))


def _method(sizes) -> str:
    return solve_method(sum(f * n for f, _, _, n in sizes))


def _memory_mib(sizes, kernel: str) -> float:
    largest = max(f for f, _, _, _ in sizes)
    system = max(largest, min(sum(f * n for f, _, _, n in sizes), MAX_SYSTEM_POINTS))
    third_order = kernel == "beyond_born"
    # the blocks of all three grids stay cached (Coulomb computes each grid's own, the others
    # derive the cut-off grid's from the fine grid's), up to the cache's limit
    cache = min(sum(f + q + c for f, q, c, _ in sizes) * BYTES_PER_CACHED_POINT,
                BLOCK_CACHE_BYTES) if third_order else 0
    workspace = THIRD_ORDER_WORKSPACE_MIB if third_order else 0
    block = BLOCK_MIB if _method(sizes) == "block" else 0
    return BASE_MIB + block + workspace + (system * BYTES_PER_SYSTEM_POINT + cache) / 2**20


#: τ values of the two calibration solves; the cost per τ is the slope between them
CALIBRATION_TAUS = (1, 11)


def calibrate(point, settings: GridSettings, method: str = "lapack") -> tuple[float, float]:
    """Seconds per grid point of the assembly and of one τ's solve, for ``point``'s disorder and
    kernel on this machine and solve ``method`` (solver.solve_batch).

    After a first solve that fills the process's one-time tables (a job pays them once), the
    cost per τ is the slope between solves of ``point`` (with its error estimate) with one and
    with eleven τ, the beyond-Born blocks kept from the first solve, so that only per-τ work
    differs; the assembly is a one-τ solve with the block cache cleared, less one τ. (With the
    cache cleared before both, the slope was a small difference of two times dominated by the
    third-order blocks: per-job estimates of a 10⁵-point study's beyond_born jobs scattered
    from 0.16× to 2.7× the measured time; without the first solve the slope came out negative
    and those jobs were underestimated up to 10×.)"""
    from .kernels import beyond_born
    from .solver import solve_batch

    sizes = [build_grid(point, s).size for s in (settings, *coarse_settings(settings))]
    n = float(sum(sizes))

    def seconds(count):
        start = time.perf_counter()
        solve_batch([dataclasses.replace(point, tau=point.tau * 1.5**i) for i in range(count)],
                    settings, method=method)
        return time.perf_counter() - start

    seconds(1)
    times = [seconds(count) for count in CALIBRATION_TAUS]
    per_tau = max((times[1] - times[0]) / (CALIBRATION_TAUS[1] - CALIBRATION_TAUS[0]), 0.0)
    beyond_born._CACHE.clear()
    first = seconds(1)
    assembly = max(first - per_tau, 0.0)
    return assembly / n, max(per_tau, 1e-3 * first) / n


def plan(study, measure: bool = True, progress=None) -> list[ChunkCost]:
    """The cost of every chunk of ``study`` (a ``study.Study``).

    measure : calibrate on this machine (a few seconds per disorder and kernel); False leaves
        the CPU times NaN (sizes and memory only).
    progress : called with a line of text per calibration, or None.
    """
    settings = study.settings
    costs, probes, rates = [], {}, {}
    sized = [(chunk, grid_sizes(chunk, settings)) for chunk in study.chunks]
    for chunk, sizes in sized:
        key = (chunk.disorder, chunk.kernel)
        # the probe: the chunk grid of median size among this (disorder, kernel)'s grids
        probes.setdefault(key, []).extend((f, chunk) for f, _, _, _ in sizes)
    methods = {}  # the solve methods of each (disorder, kernel)'s chunks (batches.solve_method)
    for chunk, sizes in sized:
        methods.setdefault((chunk.disorder, chunk.kernel), set()).add(_method(sizes))
    for key, candidates in probes.items():
        candidates.sort(key=lambda item: item[0])
        size, chunk = candidates[len(candidates) // 2]
        point = next(p for p in _one_point_per_grid(chunk)
                     if _sizes(p.alpha, p.temperature, settings)[0] == size)
        for method in sorted(methods[key]):
            if not measure:
                rates[key, method] = (float("nan"), float("nan"))
                continue
            if progress:
                progress(f"calibrating {key[0]}/{key[1]} on a {size}-momentum grid ({method})")
            rates[key, method] = calibrate(point, settings, method)
    for chunk, sizes in sized:
        method = _method(sizes)
        assembly, per_tau = rates[(chunk.disorder, chunk.kernel), method]
        cpu = sum((f + q + c) * (assembly + per_tau * n) for f, q, c, n in sizes)
        overhead = JOB_OVERHEAD_S + (BLOCK_OVERHEAD_S if method == "block" else 0.0)
        costs.append(ChunkCost(chunk.kernel, chunk.disorder, chunk.name,
                               sum(n for _, _, _, n in sizes), sum(f for f, _, _, _ in sizes),
                               cpu + overhead, _memory_mib(sizes, chunk.kernel)))
    return costs


def check_memory(study, costs: list[ChunkCost], limit_mib: float = DEFAULT_MAX_JOB_MIB):
    """Raise ParameterError naming the largest job if it would need more than ``limit_mib``."""
    worst = max(costs, key=lambda c: c.memory_mib)
    if worst.memory_mib > limit_mib:
        raise ParameterError(
            f"the {worst.disorder}/{worst.kernel} job {worst.name} needs ~{worst.memory_mib:.0f} "
            f"MiB (largest grid of {worst.grid_points} momenta) > solver.max_job_memory_mb="
            f"{limit_mib:.0f}: raise temperature or |alpha|, or max_job_memory_mb")


def summary(study, costs: list[ChunkCost], cores: int = 2) -> str:
    """A table per kernel: points, jobs, CPU time and the largest job's memory; and the total."""
    lines = [f"study {study.name}: {study.n_points} points, {len(costs)} solve jobs "
             f"({' × '.join(f'{len(v)} {a}' for a, v in study.axes.items())})",
             f"{'kernel':<12} {'points':>9} {'jobs':>6} {'CPU time':>10} {'max job':>9} "
             f"{'memory/job':>11}"]
    kernels = list(dict.fromkeys(c.kernel for c in costs))
    for kernel in kernels:
        part = [c for c in costs if c.kernel == kernel]
        lines.append(f"{kernel:<12} {sum(c.points for c in part):>9} {len(part):>6} "
                     f"{_duration(sum(c.cpu_s for c in part)):>10} "
                     f"{_duration(max(c.cpu_s for c in part)):>9} "
                     f"{max(c.memory_mib for c in part):>8.0f} MiB")
    total = sum(c.cpu_s for c in costs)
    longest = max(c.cpu_s for c in costs)
    wall = max(total / cores, longest)
    if total != total:
        lines.append("CPU times not measured (--no-measure)")
        return "\n".join(lines)
    lines.append(f"total CPU {_duration(total)}; on {cores} cores about {_duration(wall)} for the "
                 f"solve jobs, plus merge and figures (estimates within ~2×, benchmarks/README.md)")
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    if seconds != seconds:
        return "n/a"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def work(chunk, settings: GridSettings) -> int:
    """An uncalibrated measure of a chunk's CPU time for ordering jobs (Snakemake ``priority``:
    the longest first, so that the last jobs of a run are short ones): grid points of the three
    grids times τ values, times RELATIVE_KERNEL_COST."""
    points = sum((f + q + c) * n for f, q, c, n in grid_sizes(chunk, settings))
    return int(points * RELATIVE_KERNEL_COST.get(chunk.kernel, 1.0) / 1000)


def memory_mb(chunk, settings: GridSettings) -> int:
    """``mem_mb`` for a chunk's job: the estimate with a 1.5× margin, at least 1000."""
    return int(max(1000, 1.5 * _memory_mib(grid_sizes(chunk, settings), chunk.kernel)))


__all__ = ["ChunkCost", "calibrate", "check_memory", "grid_sizes", "memory_mb", "plan",
           "summary", "work"]
