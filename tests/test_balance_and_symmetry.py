"""The balance law (docs/model.md §2, §5.6), exact symmetries, and batch/point consistency."""

import dataclasses

import numpy as np
import pytest

from conftest import at_delta_tau
from spinflux import analytic
from spinflux.parameters import PointParams
from spinflux.solver import OBSERVABLES, solve_batch, solve_point

KERNEL_DISORDER = [(k, d) for k in ("relaxation", "born") for d in ("delta", "smooth", "coulomb")]


@pytest.fixture(scope="module")
def mixed_batch():
    points = [at_delta_tau(dt, alpha=a, kernel=k, disorder=d)
              for k, d in KERNEL_DISORDER for a in (0.03, 0.4) for dt in (0.2, 5.0)]
    return points, solve_batch(points)


def test_balance_law_holds_for_every_kernel_and_point(mixed_batch):
    """σ_sH = −(8π/2mα) Tr∫σ_y St{f1}: St{f1} is re-applied to the solution, not read off."""
    points, res = mixed_batch
    diff = np.abs(res["sigma_sH_balance"] - res["sigma_sH"])
    bound = res["error_estimate"] + res["sigma_sH_balance_error"] + 1e-10
    assert np.all(diff <= bound)
    assert np.max(diff) < 1e-5


def test_linear_solve_residual_is_round_off(mixed_batch):
    _, res = mixed_batch
    assert np.max(res["relative_residual"]) < 1e-12


def test_batched_solve_equals_point_by_point(mixed_batch):
    points, res = mixed_batch
    for i in (0, 5, 17):
        single = solve_point(points[i])
        for name in OBSERVABLES:
            assert single[name] == pytest.approx(res[name][i], rel=1e-12, abs=1e-14), name


@pytest.mark.parametrize("kernel,disorder", [("relaxation", "delta"), ("born", "smooth"),
                                             ("born", "coulomb")])
def test_reversing_alpha_is_a_spin_rotation_by_pi_about_z(kernel, disorder):
    """H(−α) = R_z(π) H(α) R_z(π)†: σ_z-currents and σ_xx are even in α, S_y is odd."""
    p = at_delta_tau(2.0, alpha=0.25, kernel=kernel, disorder=disorder)
    q = dataclasses.replace(p, alpha=-p.alpha)
    rp, rq = solve_point(p), solve_point(q)
    for name in ("sigma_sH", "sigma_sH_intrinsic", "sigma_sH_acceleration", "sigma_xx"):
        assert rq[name] == pytest.approx(rp[name], rel=1e-11, abs=1e-13), name
    assert rq["spin_density_y"] == pytest.approx(-rp["spin_density_y"], rel=1e-11)


def test_zero_alpha_is_solved_not_rejected():
    """α = 0: no spin splitting, no spin response; σ_xx is exactly Drude for δ disorder."""
    p = PointParams(alpha=0.0, tau=7.0, kernel="born", disorder="delta")
    res = solve_point(p)
    assert abs(res["sigma_sH"]) < 1e-14
    assert abs(res["spin_density_y"]) < 1e-14
    assert np.isnan(res["sigma_sH_balance"])  # the balance law divides by α
    assert res["sigma_xx"] / analytic.drude_sigma_xx(p) == pytest.approx(1, abs=1e-9)


def test_small_alpha_approaches_zero_alpha_continuously():
    base = dict(tau=7.0, kernel="born", disorder="smooth")
    at0 = solve_point(PointParams(alpha=0.0, **base))["sigma_xx"]
    small = solve_point(PointParams(alpha=1e-3, **base))["sigma_xx"]
    assert small == pytest.approx(at0, rel=1e-5)


def test_chunked_systems_give_the_same_answer(monkeypatch, mixed_batch):
    """Splitting a batch into several linear systems (memory bound) changes nothing."""
    import spinflux.solver as solver
    points, res = mixed_batch
    monkeypatch.setattr(solver, "MAX_SYSTEM_POINTS", 20_000)
    chunked = solver.solve_batch(points[:6])
    for name in OBSERVABLES:
        np.testing.assert_allclose(chunked[name], res[name][:6], rtol=1e-12, atol=1e-14)
