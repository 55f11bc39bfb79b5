"""The cost of a study before it runs (spinflux.cost, ``spinflux plan``): exact counts, memory
estimates that hold, and a study that would not fit refused before any job.

The CPU-time estimate is checked against real runs by benchmarks/benchmark_plan.py (timings are
not tested here: the machines are noisy)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from spinflux import cost
from spinflux.cli import main
from spinflux.study import validate_config

REPO = Path(__file__).resolve().parents[1]
SCHEMA = str(REPO / "config" / "schema.yaml")
HUGE = {"study": "huge", "grid": {"alpha": [0.001], "tau": [10.0], "disorder": ["delta"],
                                  "kernel": ["born"]},
        "parameters": {"temperature": 1e-8}}


def test_plan_counts_the_default_studys_points_and_jobs(capsys):
    study = validate_config(yaml.safe_load((REPO / "config/config.yaml").read_text()), SCHEMA)
    costs = cost.plan(study, measure=False)
    assert len(costs) == 45 and sum(c.points for c in costs) == 3 * 3 * 13 * 30
    for kernel in ("relaxation", "born", "beyond_born"):
        part = [c for c in costs if c.kernel == kernel]
        assert len(part) == 15 and sum(c.points for c in part) == 3 * 13 * 30
    assert main(["plan", str(REPO / "config/config.yaml"), "--no-measure", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "3510 points, 45 solve jobs" in out and "beyond_born" in out


def test_the_memory_estimate_bounds_the_peak_of_a_large_grid(tmp_path):
    """One grid of 278 658 momenta (α = 0.001, T = 1e-8): the job's mem_mb must hold its peak
    resident memory, measured in a fresh process, and not be more than twice it."""
    study = validate_config(HUGE, SCHEMA)
    chunk = study.chunks[0]
    code = ("import resource; from spinflux.study import solve_chunk; "
            "from spinflux.grid import GridSettings; import json, sys; "
            "solve_chunk(json.loads(sys.argv[1]), GridSettings()); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    run = subprocess.run([sys.executable, "-c", code, json.dumps(chunk.spec)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    peak = float(run.stdout.split()[-1])
    assert peak <= cost.memory_mb(chunk, study.settings) <= 2 * peak


def test_a_study_that_would_not_fit_is_refused_before_any_job(tmp_path, capsys):
    config = dict(HUGE, solver={"max_job_memory_mb": 500})
    path = tmp_path / "huge.yaml"
    path.write_text(yaml.safe_dump(config))
    assert main(["plan", str(path), "--no-measure", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "needs ~" in err and "max_job_memory_mb=500" in err and err.count("\n") == 1
    run = subprocess.run(["snakemake", "--snakefile", str(REPO / "Snakefile"), "--configfile",
                          str(path), "--directory", str(tmp_path), "--cores", "1", "-n"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode != 0 and "max_job_memory_mb=500" in run.stdout + run.stderr
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("argv,fragment", [
    (["plan", "/nonexistent/study.yaml"], "/nonexistent/study.yaml: no such file"),
])
def test_plan_refuses_a_missing_file_in_one_line(capsys, argv, fragment):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1




def test_job_priority_ranks_chunks_by_their_work():
    """The solve jobs' Snakemake priority (cost.work) puts the beyond-Born chunks ahead of the
    born and relaxation chunks of the same α values, and a chunk with more α values (more grid
    points) ahead of one with fewer, so that the short jobs close a run."""
    study = validate_config(yaml.safe_load((REPO / "config/config.yaml").read_text()), SCHEMA)
    work = {(c.disorder, c.kernel, c.name): cost.work(c, study.settings) for c in study.chunks}
    for (disorder, kernel, name), value in work.items():
        if kernel == "beyond_born":
            assert value > work[(disorder, "born", name)] > 0
        assert work[(disorder, kernel, name)] >= 0
    delta_born = {name: v for (d, k, name), v in work.items() if (d, k) == ("delta", "born")}
    assert delta_born["alpha0.0316-0.1"] > delta_born["alpha0.316-1"] > delta_born["alpha0"]
    snakefile = (REPO / "workflow/rules/solve.smk").read_text()
    assert "priority: chunk_priority" in snakefile


def test_the_memory_model_uses_the_block_caches_own_limit():
    from spinflux import cost
    from spinflux.kernels import beyond_born

    assert cost.BLOCK_CACHE_BYTES == beyond_born.CACHE_BYTES
