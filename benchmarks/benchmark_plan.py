"""``spinflux plan`` against the real cost: the estimated CPU time per kernel next to the time of
every chunk solved in a fresh process (as a workflow job runs it, one at a time), and the
estimated memory next to the measured peak.

    python benchmarks/benchmark_plan.py [study.yaml]     # default: config/config.yaml

Ratios are measured in one run; the machine is noisy.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
# what a solve job does (workflow/scripts/solve_chunk.py), without Snakemake's wrapper
CHILD = r"""
import json, os, resource, sys, tempfile, time
import snakemake.script
from spinflux.files import write_chunk
from spinflux.grid import GridSettings
from spinflux.observables import STORED
from spinflux.study import chunk_results
spec, settings = json.loads(sys.argv[1]), json.loads(sys.argv[2])
res = chunk_results(spec, GridSettings(**settings))
with tempfile.TemporaryDirectory() as tmp:
    write_chunk(os.path.join(tmp, "chunk.npz"), spec, res, STORED)
print(json.dumps({"peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main():
    from spinflux import cost
    from spinflux.study import solver_settings, validate_config

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "config" / "config.yaml"
    study = validate_config(yaml.safe_load(path.read_text()), str(REPO / "config/schema.yaml"))
    start = time.perf_counter()
    estimates = cost.plan(study)
    t_plan = time.perf_counter() - start
    settings = solver_settings(study.settings)
    measured = []
    for chunk, estimate in zip(study.chunks, estimates):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(chunk.spec),
                              json.dumps(settings)], capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - start
        measured.append((estimate, seconds, json.loads(out.stdout.splitlines()[-1])["peak_mib"]))
    print(f"plan of {study.name}: {study.n_points} points, {len(study.chunks)} jobs, the plan took "
          f"{t_plan:.1f} s\n")
    print("| kernel | jobs | estimated CPU [s] | measured, fresh processes [s] | ratio | "
          "ratio per job | estimated memory/job [MiB] | measured peak [MiB] | "
          "smallest estimate/peak per job |")
    print("|---|---|---|---|---|---|---|---|---|")
    for kernel in dict.fromkeys(c.kernel for c in study.chunks):
        rows = [m for m in measured if m[0].kernel == kernel]
        est, real = sum(m[0].cpu_s for m in rows), sum(m[1] for m in rows)
        per_job = [m[0].cpu_s / m[1] for m in rows]
        print(f"| {kernel} | {len(rows)} | {est:.1f} | {real:.1f} | {est / real:.2f} | "
              f"{min(per_job):.2f}–{max(per_job):.2f} | "
              f"{max(m[0].memory_mib for m in rows):.0f} | {max(m[2] for m in rows):.0f} | "
              f"{min(m[0].memory_mib / m[2] for m in rows):.2f} |")


if __name__ == "__main__":
    main()
