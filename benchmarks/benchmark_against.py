"""The solver of this checkout against that of an earlier commit, as ratios measured in one run.

    python benchmarks/benchmark_against.py ce5241a

The earlier commit is checked out into a temporary git worktree and imported through PYTHONPATH;
every case runs in a fresh process (cold, as a workflow job runs it), alternating between the two
versions, twice each (``--repeat``), and the fastest run is kept (the machine is noisy). One core.
The peak memory is that of the last run: the first run of a fresh worktree compiles numba's
kernels, which adds ~100 MiB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmark_performance import CHILD  # one cold 30-τ (or n_tau) slice in a fresh process

REPO = Path(__file__).resolve().parents[1]

#: (kernel, disorder, alpha, τ values): the default study's slices (30 τ) and the chunks of a
#: 10⁵-point study (300 τ)
CASES = [("relaxation", "delta", 0.05, 30), ("born", "delta", 0.2, 30),
         ("born", "coulomb", 0.02, 30), ("beyond_born", "delta", 0.2, 30),
         ("beyond_born", "smooth", 0.2, 30), ("beyond_born", "coulomb", 0.2, 30),
         ("relaxation", "delta", 0.05, 300), ("born", "delta", 0.05, 300),
         ("beyond_born", "coulomb", 0.05, 300)]


def run(package_dir: Path, spec: dict) -> dict:
    env = dict(os.environ, PYTHONPATH=str(package_dir), OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec)], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("baseline", help="git revision to compare against")
    ap.add_argument("--repeat", type=int, default=2, help="alternating runs per case (default 2)")
    ap.add_argument("--n-tau", type=int, help="only the cases with this many τ values (30, 300)")
    args = ap.parse_args()
    if args.repeat < 1 or (args.n_tau is not None and args.n_tau < 1):
        ap.error("--repeat and --n-tau must be positive integers")
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "baseline"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(old),
                        args.baseline], check=True)
        try:
            print(f"baseline {args.baseline} against this checkout\n")
            print("| kernel | disorder | alpha | τ values | before [s] | after [s] | after/before "
                  "| peak memory before → after [MiB] |")
            print("|---|---|---|---|---|---|---|---|")
            for kernel, disorder, alpha, n_tau in CASES:
                if args.n_tau and n_tau != args.n_tau:
                    continue
                spec = dict(kernel=kernel, disorder=disorder, alpha=alpha, n_tau=n_tau)
                if kernel == "beyond_born":
                    spec["lambda_so"] = 0.1
                runs = {"before": [], "after": []}
                for _ in range(args.repeat):
                    runs["before"].append(run(old / "workflow", spec))
                    runs["after"].append(run(REPO / "workflow", spec))
                before = min(r["seconds"] for r in runs["before"])
                after = min(r["seconds"] for r in runs["after"])
                print(f"| {kernel} | {disorder} | {alpha} | {n_tau} | {before:.2f} | {after:.2f} | "
                      f"{after / before:.2f} | {runs['before'][-1]['peak_mib']:.0f} → "
                      f"{runs['after'][-1]['peak_mib']:.0f} |", flush=True)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(old)],
                           check=True)


if __name__ == "__main__":
    main()
