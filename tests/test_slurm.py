"""The workflow on a real (single-node) SLURM cluster through profiles/slurm.

Opt-in: runs when SPINFLUX_SLURM_TESTS=1 (set by .ci/run after `.ci/slurm-cluster.sh start`).
"""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from spinflux.parameters import PointParams
from spinflux.solver import solve_point

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(os.environ.get("SPINFLUX_SLURM_TESTS") != "1",
                                reason="set SPINFLUX_SLURM_TESTS=1 with a running cluster "
                                       "(bash .ci/slurm-cluster.sh start)")


def test_tiny_study_through_the_slurm_profile(tmp_path):
    assert shutil.which("sbatch"), "SLURM client tools missing"
    config = {"study": "cluster",
              "grid": {"alpha": [0.2], "tau": [2.0, 20.0], "disorder": ["delta"],
                       "kernel": ["relaxation", "born"]},
              "parameters": {"temperature": 0.01}}
    cfg = tmp_path / "config.yaml"
    cfg.write_text(yaml.safe_dump(config))
    run = subprocess.run(["snakemake", "--snakefile", str(REPO / "Snakefile"), "--configfile",
                          str(cfg), "--directory", str(tmp_path), "--workflow-profile",
                          str(REPO / "profiles" / "slurm")],
                         capture_output=True, text=True, timeout=900)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-4000:]
    assert log.count("submitted with SLURM jobid") >= 3  # both chunks and the merge at least
    ds = xr.load_dataset(tmp_path / "results/cluster/spin_hall.nc")
    assert sorted(ds.kernel.values) == ["born", "relaxation"]
    point = PointParams(alpha=0.2, tau=20.0, kernel="relaxation", temperature=0.01)
    stored = float(ds.sigma_sH.sel(disorder="delta", kernel="relaxation", alpha=0.2, tau=20.0))
    assert stored == pytest.approx(solve_point(point)["sigma_sH"], rel=1e-12)
    born = ds.sel(kernel="born")
    assert np.all(np.abs(born.sigma_sH) <= born.error_estimate + 1e-10)
