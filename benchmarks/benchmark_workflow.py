"""Workflow benchmark: the default study end to end, a no-op rerun, the DAG of a 1e5-point grid.

    python benchmarks/benchmark_workflow.py [--cores 2]

Runs in a temporary directory; prints wall-clock times (a noisy host: compare within a run).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def run(workdir, config, *args):
    cfg = Path(workdir) / "config.yaml"
    cfg.write_text(yaml.safe_dump(config))
    t0 = time.perf_counter()
    proc = subprocess.run(["snakemake", "--snakefile", str(REPO / "Snakefile"), "--configfile",
                           str(cfg), "--directory", str(workdir), *args],
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    return elapsed, proc.stdout + proc.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cores", type=int, default=2)
    args = ap.parse_args()
    from spinflux.study import validate_config

    schema = str(REPO / "config" / "schema.yaml")
    default = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    study = validate_config(yaml.safe_load(yaml.safe_dump(default)), schema)
    n_points, n_jobs = study.n_points, len(study.chunks)
    with tempfile.TemporaryDirectory() as tmp:
        t_full, _ = run(tmp, default, "--cores", str(args.cores))
        t_noop, out = run(tmp, default, "--cores", str(args.cores))
        assert "Nothing to be done" in out
    big = yaml.safe_load(yaml.safe_dump(default))
    big["grid"]["alpha"] = {"start": 0.01, "stop": 0.5, "num": 100, "scale": "log"}
    big["grid"]["tau"] = {"start": 0.5, "stop": 5000.0, "num": 167, "scale": "log"}
    big_study = validate_config(yaml.safe_load(yaml.safe_dump(big)), schema)
    n_big, n_big_jobs = big_study.n_points, len(big_study.chunks)
    with tempfile.TemporaryDirectory() as tmp:
        t_dag, out = run(tmp, big, "-n", "--cores", "1", "--quiet", "rules")
    print("| what | grid points | jobs | wall time |")
    print("|---|---|---|---|")
    print(f"| default study, end to end, {args.cores} cores | {n_points} | "
          f"{n_jobs} solve + merge + summary + plots | {t_full:.1f} s |")
    print(f"| rerun, nothing changed | {n_points} | 0 | {t_noop:.1f} s |")
    print(f"| DAG of a large grid (dry run) | {n_big} | {n_big_jobs} solve | {t_dag:.1f} s |")


if __name__ == "__main__":
    main()
