"""Study configs, inputs and recovery: no silent surprises, one clear line, easy recovery.

Each case is one of the failures found by trying the product as users do; config, CLI, crash and
rerun cases run for real (tiny studies through Snakemake where the workflow is the point).
"""

import copy
import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from conftest import snakemake, solved_study
from spinflux import cluster
from spinflux.cli import main
from spinflux.dataset import write_atomic
from spinflux.files import ChunkFileError, atomic_path, read_chunk, write_chunk
from spinflux.parameters import PointParams
from spinflux.solver import solve_batch, solve_point
from spinflux.study import StudyError, validate_config

REPO = Path(__file__).resolve().parents[1]
SCHEMA = str(REPO / "config" / "schema.yaml")
SMALL = {"study": "mine", "grid": {"alpha": [0.2], "tau": {"start": 1.0, "stop": 3.0, "num": 3},
                                   "disorder": ["delta"], "kernel": ["born", "beyond_born"]},
         "parameters": {"temperature": 0.02}}


def study_error(config) -> str:
    with pytest.raises(StudyError) as info:
        validate_config(copy.deepcopy(config), SCHEMA)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


# -- 1. a study file defines the whole study --------------------------------------------------
@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    return solved_study(tmp_path_factory.mktemp("small"), SMALL)


def test_a_study_file_is_not_merged_into_the_default_study(small_run):
    ds = xr.load_dataset(small_run / "results/mine/spin_hall.nc")
    # the schema default scale is linear (the default study's is log) ...
    np.testing.assert_allclose(ds.tau.values, [1.0, 2.0, 3.0])
    # ... and the default study's lambda_so = 0.1 for beyond_born does not leak in
    assert float(ds.fixed_lambda_so.sel(kernel="beyond_born").max()) == 0.0
    assert not (small_run / "results/default").exists()


def test_a_study_file_without_a_name_is_refused(tmp_path):
    config = {k: v for k, v in SMALL.items() if k != "study"}
    run = snakemake(tmp_path, config, "-n")
    assert run.returncode != 0 and "'study' is a required property" in run.stdout + run.stderr
    assert not (tmp_path / "results").exists()


# -- 2.–4., 8. refused configs ----------------------------------------------------------------
@pytest.mark.parametrize("edit,fragment", [
    (lambda c: c.update(study=".."), "study='..' must be a directory name"),
    (lambda c: c.update(study="."), "study='.' must be a directory name"),
    (lambda c: c.update(study="mine\n"), "must be a directory name"),
    (lambda c: c["grid"].update(alpha=[0.1, 0.10000000001]), "grid.alpha: values must be distinct"),
    (lambda c: c["grid"].update(alpha={"start": 0.1, "stop": 0.1, "num": 2}),
     "grid.alpha: values must be distinct"),
    (lambda c: c["grid"].update(tau={"start": 5, "stop": 5, "num": 3}),
     "grid.tau: values must be distinct"),
    (lambda c: c["grid"].update(temperature=[0.01, 0.02]),
     "parameters.temperature is also the grid axis grid.temperature"),
    (lambda c: c.update(kernel_parameters={"born": {"impurity_strength": 0.3}}),
     "the born kernel does not use impurity_strength"),
    (lambda c: c["grid"].update(tau=[1.0, float("nan"), 10.0]),
     "invalid config at 'grid/tau/1': nan must be a finite number"),
    (lambda c: c.update(solver={"spacing_factor": float("nan")}),
     "invalid config at 'solver/spacing_factor': nan must be a finite number"),
    (lambda c: c["grid"].update(tau=[1.0, "ten"]), "invalid config at 'grid/tau/1': 'ten' is not of"),
    (lambda c: c["grid"].update(tau=[1e-3, 1.0]), "tau=0.001 must be ≥ 0.1 for the born kernel"),
    (lambda c: c["grid"].update(disorder=["coulomb"]) or c["parameters"].update(spacer_distance=1e4),
     "invalid config at 'parameters/spacer_distance': 10000.0 is greater than the maximum of 50"),
    (lambda c: c["parameters"].update(lambda_so=1e200),
     "invalid config at 'parameters/lambda_so': 1e+200 is greater than the maximum of 1"),
    (lambda c: c.update(solver={"coulomb_max_angles": 100}),
     "invalid config at 'solver/coulomb_max_angles': 100 is not a multiple of 8"),
])
def test_bad_configs_are_refused_with_one_line_naming_the_key(edit, fragment):
    config = copy.deepcopy(SMALL)
    edit(config)
    assert fragment in study_error(config)


def test_a_number_that_yaml_reads_as_text_is_taken_as_the_number_meant():
    config = yaml.safe_load("study: s\ngrid: {alpha: [1e-1], tau: [1e1], disorder: [delta], "
                            "kernel: [born]}\nparameters: {temperature: 1e-2}\n")
    assert config["grid"]["alpha"] == ["1e-1"]  # PyYAML's YAML 1.1
    study = validate_config(config, SCHEMA)
    assert study.axes["alpha"] == [0.1] and study.axes["tau"] == [10.0]
    assert dict(study.chunks[0].fixed)["temperature"] == 0.01


# -- 5.–7. numbers with exit 0 are valid numbers; crashes are one line ------------------------
@pytest.mark.parametrize("argv,fragment", [
    (["solve", "--alpha", "0.2", "--tau", "1e-3"], "tau=0.001 must be ≥ 0.1 for the born kernel"),
    (["solve", "--alpha", "0.2", "--tau", "5", "--disorder", "coulomb", "--spacer-distance", "1e4"],
     "spacer_distance=10000.0 must be ≤ 50"),
    (["solve", "--alpha", "0.2", "--tau", "5", "--disorder", "coulomb", "--spacer-distance", "1e5"],
     "spacer_distance=100000.0 must be ≤ 50"),
    (["solve", "--alpha", "0.2", "--tau", "5", "--disorder", "smooth",
      "--correlation-length", "1e5"], "correlation_length=100000.0 must be ≤ 100"),
    (["solve", "--alpha", "0.2", "--tau", "5", "--lambda-so", "1e200"],
     "lambda_so=1e+200 must satisfy |lambda_so| ≤ 1"),
    (["demo", "--alpha", "0"], "alpha=0.0: the demo sweeps"),
])
def test_cli_refuses_out_of_domain_input_in_one_line(capsys, argv, fragment):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1 and "Traceback" not in err


def test_cli_accepts_a_negative_number_after_an_option(capsys):
    assert main(["solve", "--alpha", "-1e-3", "--tau", "5", "--kernel", "relaxation", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["parameters"]["alpha"] == -1e-3


def test_tiny_temperature_at_small_alpha_solves_instead_of_crashing():
    """T = 1e-8, α = 0.001: the two lower-band roots p and |α| − p near the van Hove point are
    closer than the root formula resolves; the grid pairs them by ladder position."""
    res = solve_point(PointParams(alpha=0.001, tau=10.0, temperature=1e-8))
    assert all(np.isfinite(res[k]) for k in ("sigma_sH", "sigma_xx", "spin_density_y"))
    # Born: σ_sH = 0 exactly; the residue is the unresolved Fermi step (|σ_sH| ~ 2e-6 against an
    # estimate of 7e-7, docs/convergence.md), so the point must say it is not converged
    assert abs(res["sigma_sH"]) < 1e-5 and res["validity"] & 2
    # the same point at a temperature the grid resolves is converged and unflagged
    warm = solve_point(PointParams(alpha=0.001, tau=10.0, temperature=1e-3))
    assert warm["validity"] == 0 and abs(warm["sigma_sH"]) <= warm["sigma_sH_error"]


def test_low_tau_points_are_flagged_and_valid_ones_are_not(capsys):
    res = solve_batch([PointParams(alpha=0.2, tau=t) for t in (0.5, 10.0)])
    assert res["validity"][0] & 1 and res["validity"][1] == 0
    assert main(["solve", "--alpha", "0.2", "--tau", "0.5"]) == 0
    assert "kinetic_equation_outside_its_domain" in capsys.readouterr().err


def test_smooth_beyond_born_in_the_seeds_regime_fits_in_memory():
    """correlation_length 15 at α = 0.2 allocated 325 GiB; now ~260 MiB (benchmarks)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    res = solve_point(PointParams(alpha=0.2, tau=10.0, disorder="smooth", kernel="beyond_born",
                                  lambda_so=0.1, correlation_length=15.0, temperature=0.01))
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert np.isfinite(res["sigma_sH"]) and grown_mib < 1024


# -- 6. error estimates do not borrow S_y's relative change ----------------------------------
def test_sigma_xx_error_is_its_own_where_the_spin_density_vanishes():
    """The README's beyond_born example at α = 0 had sigma_xx 3.16 ± 44: S_y = 0 there."""
    res = solve_point(PointParams(alpha=0.0, tau=10.0, kernel="beyond_born", lambda_so=0.1))
    assert abs(res["spin_density_y"]) < 1e-15  # zero at α = 0, up to round-off
    assert res["sigma_xx_error"] < 1e-6 * res["sigma_xx"]
    born = solve_point(PointParams(alpha=0.0268, tau=1.78, kernel="born", disorder="coulomb"))
    assert born["sigma_xx_error"] < 1e-3 * born["sigma_xx"]


# -- 9. recovery -------------------------------------------------------------------------------
def test_a_damaged_chunk_is_removed_and_regenerated_and_the_last_result_kept(small_run):
    merged = small_run / "results/mine/spin_hall.nc"
    good = merged.read_bytes()
    chunk = next((small_run / "results/mine/chunks").rglob("*.npz"))
    chunk.write_bytes(chunk.read_bytes()[:300])  # truncated
    os.utime(chunk, None)
    run = snakemake(small_run, SMALL)
    assert run.returncode != 0
    assert f"chunk {chunk.relative_to(small_run)} is damaged" in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr  # one line; the traceback is in the log
    assert "Traceback" in (small_run / "results/mine/logs/merge.log").read_text()
    assert not chunk.exists() and merged.read_bytes() == good  # the last good file is kept
    rerun = snakemake(small_run, SMALL)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert chunk.exists()


def test_results_are_readable_by_colleagues(small_run):
    results = small_run / "results/mine"
    written = [*results.rglob("*.nc"), *results.rglob("*.npz"), *results.rglob("*.png")]
    assert {p.suffix for p in written} == {".nc", ".npz", ".png"}
    for path in written:
        assert os.stat(path).st_mode & stat.S_IROTH, path


def test_a_killed_writer_leaves_nothing_the_next_write_does_not_remove(tmp_path):
    target = tmp_path / "out.nc"
    stale = tmp_path / ".tmp-out.nc-abc123.nc"
    stale.write_bytes(b"")  # what kill -9 leaves
    write_atomic(xr.Dataset({"x": ("t", np.arange(3.0))}), str(target))
    assert target.exists() and not stale.exists()
    with pytest.raises(RuntimeError):
        with atomic_path(str(tmp_path / "fig.png")):
            raise RuntimeError("plotting failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.nc"]


# -- 10. SLURM status check ---------------------------------------------------------------------
SCONTROL = "Configuration data as of x\nAccountingStorageType   = accounting_storage/none\nMinJobAge               = {age}\n"


@pytest.mark.parametrize("age,init,hangs", [("300 sec", 40, False), ("100 sec", 40, True),
                                            ("100 sec", 5, False), ("1h", 40, False), ("60", 40, True)])
def test_a_cluster_that_would_never_report_jobs_finished_is_detected(age, init, hangs):
    problem = cluster.status_problem(cluster.parse_config(SCONTROL.format(age=age)), init)
    assert (problem is not None) == hangs
    if hangs:
        assert "MinJobAge" in problem and "slurmdbd" in problem
    with_dbd = cluster.parse_config(SCONTROL.format(age=age).replace("none", "slurmdbd"))
    assert cluster.status_problem(with_dbd, init) is None


# -- 11. reruns that change nothing -----------------------------------------------------------
@pytest.mark.parametrize("edit", [
    lambda c: c["parameters"].update(impurity_strength=0.3) or c["grid"].update(kernel=["born"]),
    lambda c: c["parameters"].update(correlation_length=4.0),  # no smooth disorder here
    lambda c: c["parameters"].update(lambda_so=0),  # written 0 instead of 0.0
    lambda c: c.update(solver={"rungs_above_fermi": 16.0}),  # the default, written as a float
    lambda c: c.update(solver={"coulomb_max_angles": 512}),  # no Coulomb disorder here
    lambda c: c["grid"].update(tau=[3.0, 1.0, 2.0]),  # reordered, and a list instead of a range
])
def test_edits_that_change_no_result_rerun_nothing(small_run, edit):
    config = copy.deepcopy(SMALL)
    edit(config)
    run = snakemake(small_run, config, "-n")
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout + run.stderr
    assert "solve_chunk" not in out or "Nothing to be done" in out, out[-2000:]


def test_changing_a_value_a_chunk_uses_reruns_it(small_run):
    config = copy.deepcopy(SMALL)
    config["parameters"]["impurity_strength"] = 0.3
    out = snakemake(small_run, config, "-n").stdout
    assert "beyond_born" in out and "kernel=born," not in out


def test_a_chunk_archive_round_trips_bit_for_bit_and_a_damaged_one_names_its_cause(tmp_path):
    path = str(tmp_path / "chunk.npz")
    spec = {"disorder": "delta", "kernel": "born", "alphas": [0.2], "taus": [1.0, 2.0]}
    res = {"sigma_sH": np.array([-1e-12, 3.5e-13]), "validity": np.array([0, 2], dtype=np.int64),
           "unused": np.zeros(2)}
    write_chunk(path, spec, res, ["sigma_sH", "validity"])
    back_spec, back = read_chunk(path, ["sigma_sH", "validity"])
    assert back_spec == spec and set(back) == {"sigma_sH", "validity"}
    assert back["sigma_sH"].tobytes() == res["sigma_sH"].tobytes()
    assert back["validity"].dtype == np.int64 and list(back["validity"]) == [0, 2]
    assert sorted(read_chunk(path)[1]) == ["sigma_sH", "validity"]  # everything written
    with pytest.raises(ChunkFileError, match="KeyError"):
        read_chunk(path, ["sigma_sH", "unused"])  # an entry that was not written
    data = open(path, "rb").read()
    for damaged in (data[:300], b"\x00" * len(data), data[:-40]):
        open(path, "wb").write(damaged)
        with pytest.raises(ChunkFileError):
            read_chunk(path, ["sigma_sH"])
