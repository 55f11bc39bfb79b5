"""Every result carries convergence evidence: the reported errors must bound the actual error.

The reference is the same point on a much finer grid (spacing 0.25 k_BT/v̄ at the Fermi
features, 24 rungs above the Fermi surface); docs/convergence.md shows that it is converged
to ≲ 1e-12 relative, far below the errors checked here.
"""

import dataclasses

import numpy as np
import pytest

from conftest import at_delta_tau
from spinflux.grid import GridSettings, build_grid, coarse_settings
from spinflux.observables import OBSERVABLES
from spinflux.parameters import PointParams
from spinflux.solver import solve_batch

REFINED = GridSettings(spacing_factor=0.25, rungs_above_fermi=24)
CASES = [at_delta_tau(dt, alpha=a, temperature=T, disorder=d, kernel=k)
         for a in (0.05, 0.5) for T in (1e-2, 1e-3) for dt in (0.3, 3.0)
         for d, k in (("delta", "born"), ("coulomb", "born"), ("delta", "relaxation"))]
# the case where 10 rungs left S_y off by 1.1e-3 under a σ_xx bar 170× too wide
CASES.append(at_delta_tau(0.23, alpha=0.035, disorder="delta"))
# extrinsic spin-orbit: every channel, at and away from α = 0 (δ disorder: exact angles)
CASES += [at_delta_tau(dt, alpha=a, disorder="delta", kernel=k, lambda_so=0.1)
          for a in (0.05, 0.2) for dt in (0.3, 3.0) for k in ("born", "beyond_born")]
CASES += [PointParams(alpha=0.0, tau=t, kernel="beyond_born", lambda_so=0.1) for t in (5.0, 50.0)]
# Gaussian beyond-Born, whose momentum-grid errors no test covered. (Its angular rule is the same
# on these grids and on REFINED, so this does not test the rule; beyond_born.COARSENED has that)
CASES += [at_delta_tau(dt, alpha=0.2, disorder="smooth", kernel="beyond_born", lambda_so=0.1,
                       correlation_length=R) for R, dt in ((1.0, 0.3), (1.0, 3.0), (4.0, 3.0))]


@pytest.fixture(scope="module")
def default_and_refined():
    return solve_batch(CASES), solve_batch(CASES, REFINED, estimate_error=False)


@pytest.mark.parametrize("name", OBSERVABLES)
def test_reported_error_bounds_the_actual_error(default_and_refined, name):
    res, ref = default_and_refined
    defined = np.isfinite(ref[name])  # the balance-law σ_sH is NaN at α = 0
    actual = np.abs(res[name] - ref[name])[defined]
    assert defined.sum() >= len(CASES) - 2
    assert np.all(actual <= res[name + "_error"][defined] + 1e-13 * np.abs(ref[name][defined]))


def test_default_accuracy_is_far_below_the_target(default_and_refined):
    """The issue asks for ≤ 1e-4 e/8π per converged point; the defaults give ≲ 1e-6."""
    res, ref = default_and_refined
    assert np.max(np.abs(res["sigma_sH"] - ref["sigma_sH"])) < 1e-6
    assert np.max(res["error_estimate"]) < 1e-4


def test_the_coarse_grid_is_really_coarser():
    for p in CASES[:6]:
        quadrature, cutoff = coarse_settings(GridSettings())
        fine, coarse_q, coarse_c = build_grid(p), build_grid(p, quadrature), build_grid(p, cutoff)
        assert coarse_q.n < fine.n and coarse_q.K == fine.K
        assert coarse_c.K < fine.K and np.array_equal(coarse_c.residues, fine.residues)


@pytest.mark.parametrize("kernel", ["born", "beyond_born"])
def test_a_symmetry_zero_is_inside_its_error_bar(kernel):
    """α = 0 and λ = 0: σ_z is conserved and the two spin species are identical, so every part
    of σ_sH is exactly zero; what the solver returns is round-off (the acceleration part,
    ∝ τ), and the estimate must bound it, at every τ, without being orders of magnitude loose."""
    points = [PointParams(alpha=0.0, tau=t, kernel=kernel, disorder=d, lambda_so=0.0)
              for t in (10.0, 1000.0) for d in ("delta", "coulomb")]
    res = solve_batch(points)
    spin_scale = 4 * np.pi * res["sigma_xx"]
    for name in [n for n in OBSERVABLES if n.startswith("sigma_sH") and n != "sigma_sH_balance"]:
        assert np.all(np.abs(res[name]) <= res[name + "_error"]), name
        assert np.all(res[name + "_error"] <= 1e-14 * spin_scale), name
    # negative control: away from the symmetry point the same floor is far below the value
    moved = solve_batch([dataclasses.replace(points[-1], alpha=0.05)])
    assert moved["sigma_sH_error"][0] < 1e-6 * abs(moved["sigma_sH_acceleration"][0])


@pytest.mark.parametrize("kernel", ["born", "beyond_born"])
def test_the_spin_density_zero_at_zero_rashba_is_inside_its_error_bar(kernel):
    """α = 0: inversion makes the current-induced S_y exactly zero, with or without the impurity
    spin-orbit term; the solver returns round-off, which its estimate must bound without being
    orders of magnitude loose. Before the absolute floor (docs/convergence.md, finding 8) the
    Born point at λ_so = −0.05 gave S_y = 3.8e-16 against an estimate of 3.6e-17; with the
    Born blocks summed in their earlier order, the forward-scattering points gave up to 7808 ε
    times the polarised scale against a floor of 64."""
    from spinflux.parameters import P0

    points = [PointParams(alpha=0.0, tau=t, kernel=kernel, disorder=d, lambda_so=lam)
              for t in (0.5, 3000.0) for d in ("delta", "coulomb") for lam in (-0.05, 0.1)]
    # strong forward scattering, where the collision blocks' entries are 1e2–1e5 times the
    # transport rate and their round-off (with another order of summation) exceeded the floor
    points += [PointParams(alpha=0.0, tau=t, kernel=kernel, lambda_so=lam, **shape)
               for t in (0.5, 3000.0) for lam, shape in (
                   (0.1, dict(disorder="smooth", correlation_length=40.0)),
                   (-1.0, dict(disorder="smooth", correlation_length=100.0)),
                   (-1.0, dict(disorder="coulomb", spacer_distance=50.0)),
                   (-1.0, dict(disorder="coulomb", spacer_distance=10.0,
                               screening_wavevector=0.05)))]
    res = solve_batch(points)
    tau = np.array([p.tau for p in points])
    polarised = np.abs(res["sigma_xx"]) / (tau * P0**2)  # S_y of the distribution, fully polarised
    assert np.all(np.abs(res["spin_density_y"]) <= res["spin_density_y_error"])
    assert np.all(res["spin_density_y_error"] <= 1e-13 * polarised)
    # negative control: away from the symmetry point S_y (Edelstein, ∝ α) is far above the floor
    moved = solve_batch([PointParams(alpha=0.05, tau=3000.0, kernel=kernel, disorder="coulomb",
                                     lambda_so=0.1)])
    assert abs(moved["spin_density_y"][0]) > 1e6 * moved["spin_density_y_error"][0]


def test_the_error_estimate_covers_the_third_order_angles_where_grid_and_angle_errors_cancel(
        monkeypatch):
    """Coulomb disorder, beyond_born, α = 0.02, τ = 744: from 96 to 64 residues σ_sH changes by
    −1.69e-8, from 32 to 16 third-order angles by +1.69e-8. With the angles halved on the
    quadrature grid alone the two cancelled (to 2.6e-11) and the estimate, 7.8e-11, was 12.6×
    below the actual error against 128 angles, 9.9e-10; with the angles halved on the cut-off
    grid too (grid.coarse_settings) it is 5e-8. The reference differs from the default in the
    angles only (the momentum grid's error is bounded by the tests above); 128 angles are
    converged to ~1e-12 here (64 differ from 128 by 2.9e-11)."""
    from spinflux.kernels import beyond_born as bb

    point = PointParams(alpha=0.02, tau=743.676053647, disorder="coulomb", kernel="beyond_born",
                        lambda_so=0.1)
    res = solve_batch([point])
    monkeypatch.setitem(bb.ANGULAR_POINTS, "coulomb", 128)  # a key of the block cache
    ref = solve_batch([point], estimate_error=False)
    for name in OBSERVABLES:
        assert abs(res[name][0] - ref[name][0]) <= res[name + "_error"][0], name
    assert abs(res["sigma_sH"][0] - ref["sigma_sH"][0]) > 1e-10  # the angles do matter here
