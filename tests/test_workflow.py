"""Rule-level and end-to-end tests of the Snakemake workflow, each in its own working directory."""

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from conftest import snakemake, solved_study
from spinflux.parameters import PointParams
from spinflux.solver import OBSERVABLES, solve_point
from spinflux.dataset import write_atomic
from spinflux.study import StudyError, load_study, merge_chunks

REPO = Path(__file__).resolve().parents[1]
TINY = {
    "study": "tiny",
    "grid": {"alpha": [0.1, 0.3], "tau": {"start": 1.0, "stop": 100.0, "num": 3, "scale": "log"},
             "disorder": ["delta", "coulomb"], "kernel": ["relaxation", "born"]},
    "parameters": {"temperature": 0.01},
}


def job_counts(output):
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", output, flags=re.MULTILINE)}


@pytest.fixture(scope="module")
def tiny_study(tmp_path_factory):
    return solved_study(tmp_path_factory.mktemp("tiny"), TINY)


def test_default_config_builds_its_dag(tmp_path):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    run = snakemake(tmp_path, config, "-n")
    assert run.returncode == 0, run.stderr[-3000:]
    counts = job_counts(run.stdout)
    # disorder × kernel × alpha blocks (0 and four half-decades of |alpha|), all tau per job
    assert counts["solve_chunk"] == 3 * 3 * 5
    assert counts["merge"] == 1 and counts["plot"] == 4 and counts["summary"] == 1


def test_end_to_end_dataset(tiny_study):
    ds = xr.load_dataset(tiny_study / "results/tiny/spin_hall.nc")
    assert dict(ds.sizes) == {"disorder": 2, "kernel": 2, "alpha": 2, "tau": 3}
    assert sorted(ds.kernel.values) == ["born", "relaxation"]  # names intact after the merge
    assert sorted(ds.disorder.values) == ["coulomb", "delta"]
    for name in list(ds.data_vars) + list(ds.coords):
        assert "long_name" in ds[name].attrs, name
        if ds[name].dtype.kind == "f":
            assert "units" in ds[name].attrs, name
    for key in ("spinflux_version", "config_json", "config_hash", "created"):
        assert key in ds.attrs
    born = ds.sel(kernel="born")
    assert np.all(np.abs(born.sigma_sH) <= born.error_estimate + 1e-10)
    # a workflow value equals the solver called directly
    point = PointParams(alpha=0.3, tau=float(ds.tau[1]), disorder="coulomb", kernel="relaxation",
                        temperature=0.01)
    direct = solve_point(point)
    stored = ds.sel(disorder="coulomb", kernel="relaxation", alpha=0.3).isel(tau=1)
    for name in OBSERVABLES:
        assert float(stored[name]) == pytest.approx(direct[name], rel=1e-12, abs=1e-15), name
    assert float(stored.delta_tau) == pytest.approx(point.delta_tau, rel=1e-12)


def test_end_to_end_figures(tiny_study):
    for figure in ("sigma_vs_delta_tau", "born_cancellation", "extrinsic", "sigma_map"):
        for ext in ("pdf", "png"):
            path = tiny_study / f"results/tiny/figures/{figure}.{ext}"
            assert path.stat().st_size > 5000, path


def test_report_is_self_contained_with_figures_and_captions(tiny_study):
    run = snakemake(tiny_study, TINY, "--report", "report.html")
    assert run.returncode == 0, run.stderr[-3000:]
    html = (tiny_study / "report.html").read_text()
    assert len(html) > 100_000  # figures are embedded, not linked
    for fragment in ("sigma_map", "Born cancellation", "bare bubble", "one colour scale per kernel",
                     "Study parameters", "headline numbers", "summary.tsv"):
        assert fragment in html, fragment
    assert "Undefined substitution" not in html and "System Message" not in html


def test_lint_is_clean():
    run = subprocess.run(["snakemake", "--snakefile", str(REPO / "Snakefile"), "--lint"],
                         capture_output=True, text=True, cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:]


def test_rerun_with_nothing_changed_has_nothing_to_do(tiny_study):
    run = snakemake(tiny_study, TINY, "-n")
    assert run.returncode == 0
    assert "Nothing to be done" in run.stdout + run.stderr


def test_adding_an_alpha_runs_only_its_block(tiny_study):
    """0.1 and 0.3 share the block [0.1, 0.316) of |alpha|; 0.05 opens a new one."""
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["grid"]["alpha"] = [0.05, 0.1, 0.3]
    counts = job_counts(snakemake(tiny_study, config, "-n").stdout)
    assert counts["solve_chunk"] == 2 * 2  # two disorders × two kernels, the new block only


def test_changing_a_kernel_parameter_reruns_only_that_kernel(tiny_study):
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["kernel_parameters"] = {"born": {"temperature": 0.02}}
    counts = job_counts(snakemake(tiny_study, config, "-n").stdout)
    assert counts["solve_chunk"] == 2  # born only: two disorders, one block of alpha


@pytest.mark.parametrize("edit,fragment", [
    (lambda c: c["grid"].__setitem__("disorder", ["gaussian"]),
     "invalid config at 'grid/disorder/0': 'gaussian' is not one of"),
    (lambda c: c["grid"].__setitem__("colour", [1]),
     "invalid config at 'grid': Additional properties are not allowed ('colour' was unexpected)"),
    (lambda c: c["grid"].__setitem__("tau", [1.0, -2.0]), "invalid config: grid.tau[1]: tau=-2.0 must be > 0"),
    (lambda c: c["grid"].__setitem__("alpha", [0.1, 5.0]),
     "invalid config: grid.alpha[1]: alpha=5.0 must satisfy |alpha| ≤ 2"),
    (lambda c: c["grid"].__setitem__("alpha", {"start": 0, "stop": 1, "num": 3, "scale": "log"}),
     "grid.alpha: a log range needs start > 0"),
    (lambda c: c.__setitem__("kernel_parameters", {"relaxation": {"lambda_so": 0.1}}),
     "kernel_parameters.relaxation.lambda_so=0.1: the relaxation kernel does not use lambda_so"),
])
def test_invalid_config_stops_before_any_job_with_a_named_key(tmp_path, edit, fragment):
    config = yaml.safe_load(yaml.safe_dump(TINY))
    edit(config)
    run = snakemake(tmp_path, config, "-n")
    assert run.returncode == 2
    assert fragment in run.stdout + run.stderr
    # one line, not Snakemake's block for an exception raised while parsing the workflow
    assert run.stderr.strip().count("\n") == 0 and "File " not in run.stderr, run.stderr
    assert not (tmp_path / "results").exists()


def test_missing_chunk_is_an_error_not_a_nan(tiny_study):
    paths = sorted(str(p) for p in (tiny_study / "results/tiny/chunks").rglob("*.npz"))
    with pytest.raises(ValueError, match="hypercube"):
        merge_chunks(paths[1:], TINY)


def test_failed_write_leaves_no_file(tmp_path, monkeypatch):
    ds = xr.Dataset({"x": ("t", np.arange(3.0))})

    def broken(self, path, *args, **kwargs):
        Path(path).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", broken)
    with pytest.raises(OSError):
        write_atomic(ds, str(tmp_path / "out.nc"))
    assert list(tmp_path.iterdir()) == []


def test_study_expansion_rejects_duplicate_axis_values():
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["grid"]["alpha"] = [0.1, 0.1]
    with pytest.raises(StudyError, match="grid.alpha: values must be distinct"):
        load_study(config)


def test_plots_rerun_when_the_plotting_code_changes_and_chunks_when_the_solver_does(tmp_path):
    """Snakemake compares imported modules not at all: the rules carry source hashes."""
    copy = tmp_path / "repo"
    copy.mkdir()
    for part in ("Snakefile", "workflow", "config"):
        src = REPO / part
        (shutil.copytree if src.is_dir() else shutil.copy)(
            src, copy / part, **({"ignore": shutil.ignore_patterns("__pycache__")} if src.is_dir() else {}))
    config = {"study": "code", "grid": {"alpha": [0.2], "tau": [2.0], "disorder": ["delta"],
                                        "kernel": ["relaxation"]},
              "parameters": {"temperature": 0.05}}
    cfg = copy / "code.yaml"
    cfg.write_text(yaml.safe_dump(config))
    base = ["snakemake", "--snakefile", str(copy / "Snakefile"), "--configfile", str(cfg),
            "--directory", str(copy), "--cores", "1"]
    assert subprocess.run(base, capture_output=True, text=True, timeout=600).returncode == 0
    plots = copy / "workflow/spinflux/plots.py"
    plots.write_text(plots.read_text() + "\n# an edit\n")
    counts = job_counts(subprocess.run(base + ["-n"], capture_output=True, text=True).stdout)
    assert counts.get("plot") == 4 and "solve_chunk" not in counts
    drives = copy / "workflow/spinflux/drives.py"
    drives.write_text(drives.read_text() + "\n# an edit\n")
    counts = job_counts(subprocess.run(base + ["-n"], capture_output=True, text=True).stdout)
    assert counts.get("solve_chunk") == 1


def test_a_physical_extra_axis_names_the_figures_in_its_units(tmp_path):
    config = {"study": "kelvin",
              "sample": {"material": "GaAs", "density": "1e12 cm^-2", "rashba": "5 meV*nm"},
              "grid": {"mobility": ["1e5 cm^2/(V*s)"], "disorder": ["delta"], "kernel": ["born"],
                       "temperature": ["2 K", "4 K"]}}
    run = snakemake(tmp_path, config, "-n")
    assert run.returncode == 0, run.stderr[-3000:]
    names = set(re.findall(r"figures/(\w+?)\.png", run.stdout))
    assert names == {f"{figure}_temperature_K{t}" for t in (2, 4)
                     for figure in ("sigma_vs_delta_tau", "born_cancellation", "extrinsic",
                                    "sigma_map")}
