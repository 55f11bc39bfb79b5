"""The Python API (xarray) and the command line: outputs, units and error messages."""

import json
import math
import subprocess
import sys

import pytest
import xarray as xr

import spinflux
from spinflux.cli import main

REQUIRED_KEYS = ["sigma_sH", "sigma_sH_intrinsic", "sigma_sH_acceleration", "sigma_sH_balance",
                 "sigma_xx", "spin_density_y", "delta_tau", "error_estimate"]


def test_solve_returns_dataset_with_units_and_long_name_on_every_variable(tmp_path):
    ds = spinflux.solve(alpha=0.2, tau=3.0, kernel="born", disorder="smooth")
    for name in list(ds.data_vars) + list(ds.coords):
        assert "long_name" in ds[name].attrs, name
        if ds[name].dtype.kind in "fiu":
            assert "units" in ds[name].attrs, name
    assert ds["sigma_sH"].attrs["unit_label"] == "e/8π"
    path = tmp_path / "point.nc"
    ds.to_netcdf(path)
    with xr.open_dataset(path) as back:
        xr.testing.assert_identical(back.load(), ds)


def test_solve_many_has_a_point_dimension_and_matches_solve():
    pts = [spinflux.PointParams(alpha=a, tau=2.0, kernel="relaxation") for a in (0.1, 0.3)]
    ds = spinflux.solve_many(pts)
    assert ds.sizes["point"] == 2
    one = spinflux.solve(alpha=0.3, tau=2.0, kernel="relaxation")
    assert float(ds.sigma_sH[1]) == pytest.approx(float(one.sigma_sH), rel=1e-13)


def test_cli_json_has_the_documented_keys(capsys):
    assert main(["solve", "--alpha", "0.2", "--tau", "4", "--kernel", "relaxation", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in REQUIRED_KEYS:
        assert isinstance(out[key], float), key
    assert out["sigma_sH"] == pytest.approx(out["sigma_sH_intrinsic"], rel=1e-14)
    assert out["parameters"]["kernel"] == "relaxation"


def test_cli_table_states_units(capsys):
    assert main(["solve", "--alpha", "0.2", "--tau", "4"]) == 0
    out = capsys.readouterr().out
    assert "e/8π" in out and "e²/ħ" in out and "sigma_sH" in out


@pytest.mark.parametrize("argv,fragment", [
    (["--alpha", "0.1", "--tau", "0"], "tau=0.0 must be > 0"),
    (["--alpha", "0.1", "--tau", "-2"], "tau=-2.0 must be > 0"),
    (["--alpha", "0.1", "--tau", "1", "--temperature", "-0.01"], "temperature=-0.01 must be > 0"),
    (["--alpha", "0", "--tau", "1", "--temperature", "1e-8"], "temperature=1e-08 is too small"),
    (["--alpha", "0.1", "--tau", "1", "--temperature", "1e-13"], "temperature=1e-13 must be ≥ 1e-08"),
    (["--alpha", "nan", "--tau", "1"], "alpha=nan must be finite"),
    (["--alpha", "0.1", "--tau", "inf"], "tau=inf must be finite"),
    (["--alpha", "0.1", "--tau", "1", "--disorder", "gaussian"],
     "disorder='gaussian' is not known; allowed: delta, smooth, coulomb"),
    (["--alpha", "0.1", "--tau", "1", "--kernel", "bron"],
     "kernel='bron' is not known; allowed: relaxation, born"),
    (["--alpha", "0.1", "--tau", "abc"], "argument --tau: invalid float value: 'abc'"),
    (["--tau", "1"], "required: --alpha"),
    (["--alpha", "0.1", "--tau", "1", "--colour", "red"], "unrecognized arguments: --colour"),
])
def test_cli_rejects_bad_input_with_one_line_naming_the_parameter(capsys, argv, fragment):
    assert main(["solve"] + argv) == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_installed_console_script_exits_nonzero_without_traceback():
    proc = subprocess.run([sys.executable, "-m", "spinflux.cli", "solve", "--alpha", "0.1",
                           "--tau", "-1"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("spinflux: error: tau=-1.0") and "Traceback" not in proc.stderr


def test_negative_alpha_is_accepted(capsys):
    assert main(["solve", "--alpha", "-0.2", "--tau", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert math.isfinite(out["sigma_sH"])


def test_the_solver_runs_on_one_blas_thread_and_restores_the_callers_setting(monkeypatch):
    """Every BLAS call of the solver is small; a second BLAS thread only spins, and two
    processes side by side on 2 cores took twice as long (solver.solve_batch). The caller's
    setting (2 here, so that the check means something on any machine) comes back after."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from spinflux import observables, solver

    seen = []
    evaluate = observables.evaluate

    def recording(*args, **kwargs):
        seen.append({lib["num_threads"] for lib in threadpool_info()
                     if lib["user_api"] == "blas"})
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(observables, "evaluate", recording)
    point = spinflux.PointParams(alpha=0.2, tau=3.0, kernel="relaxation")
    with threadpool_limits(2, user_api="blas"):
        solver.solve_batch([point])
        after = {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}
    assert seen and all(threads == {1} for threads in seen)
    assert after == {2}


def test_a_regular_install_contains_every_subpackage():
    """pyproject.toml must find every package under workflow/ (a static list naming only
    "spinflux" left spinflux.kernels out of a non-editable install: ModuleNotFoundError on
    the first solve)."""
    import fnmatch
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    find = config["packages"]["find"]
    found = {".".join(d.relative_to(root / where).parts)
             for where in find["where"] for d in (root / where).rglob("*")
             if (d / "__init__.py").is_file()
             and any(fnmatch.fnmatch(".".join(d.relative_to(root / where).parts), pattern)
                     for pattern in find["include"])}
    assert {"spinflux", "spinflux.kernels"} <= found


def test_study_commands_outside_a_checkout_stop_with_one_line(monkeypatch, tmp_path, capsys):
    """A regular install has no config/schema.yaml beside it: `spinflux plan` says so in one
    line and exits 2, instead of a FileNotFoundError traceback."""
    from spinflux import study

    monkeypatch.setattr(study, "__file__", str(tmp_path / "a" / "b" / "study.py"))
    config = tmp_path / "study.yaml"
    config.write_text("name: x\n")
    assert main(["plan", str(config), "--no-measure"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install -e ." in err[0] and "Traceback" not in err[0]


def test_demo_marks_the_rows_outside_the_kinetic_equations_domain(capsys):
    """The demo's smallest Δτ at α = 0.1 have E_Fτ/ħ < 3, which `spinflux solve` warns about;
    the demo marks exactly those rows and says why."""
    assert main(["demo"]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = [line for line in out if line.strip() and line.split()[0].replace(".", "").isdigit()]
    marked = [float(line.split()[0]) for line in rows if line.rstrip().endswith("*")]
    tau = {float(line.split()[0]): float(line.split()[0]) / spinflux.PointParams(
        alpha=0.1, tau=1.0).delta_tau for line in rows}
    assert marked and marked == [d for d, t in tau.items() if t < 3]
    assert any("kinetic_equation_outside_its_domain" in line for line in out)


def test_the_table_prints_no_negative_zero(capsys):
    """The Born kernel has no nonconserving share: it is exactly zero, and was printed as "-0"
    (README's first example) and stored as -0.0, which reads as a sign."""
    assert main(["solve", "--alpha", "0.2", "--tau", "5", "--kernel", "born",
                 "--disorder", "smooth"]) == 0
    out = capsys.readouterr().out
    assert " -0 " not in out and "sigma_sH_nonconserving" in out
    assert main(["solve", "--alpha", "0.2", "--tau", "5", "--kernel", "born",
                 "--disorder", "smooth", "--json"]) == 0
    value = json.loads(capsys.readouterr().out)["sigma_sH_nonconserving"]
    assert value == 0 and math.copysign(1.0, value) == 1.0
