import dataclasses
import subprocess
from pathlib import Path

import pytest
import yaml

from spinflux.parameters import PointParams

REPO = Path(__file__).resolve().parents[1]


def at_delta_tau(delta_tau, **kw):
    """PointParams with tau chosen so that Δτ = α p̄_F τ equals ``delta_tau``."""
    probe = PointParams(tau=1.0, **kw)
    return dataclasses.replace(probe, tau=delta_tau / probe.delta_tau)


@pytest.fixture
def make_point():
    return at_delta_tau


def snakemake(workdir, config, *args, timeout=600):
    """Run the workflow on ``config`` (a dict, or the text of a study file) in ``workdir`` on
    2 cores; returns the CompletedProcess."""
    cfg = Path(workdir) / "study.yaml"
    cfg.write_text(config if isinstance(config, str) else yaml.safe_dump(config))
    cmd = ["snakemake", "--snakefile", str(REPO / "Snakefile"), "--configfile", str(cfg),
           "--directory", str(workdir), "--cores", "2", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def solved_study(workdir, config):
    """``workdir`` after a successful run of the workflow on ``config``."""
    run = snakemake(workdir, config)
    assert run.returncode == 0, run.stderr[-3000:]
    return workdir
