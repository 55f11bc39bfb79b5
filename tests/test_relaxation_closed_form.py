"""Relaxation kernel against the closed form of docs/model.md §5.2.

Tolerances: the solver matches the *thermal* closed form (same T, adaptive quadrature) to
≤ 1e-11 at the default spacing (docs/convergence.md, table "Relaxation kernel"); the T = 0
form differs by O(T²) ≈ 1e-6 relative at T = 1e-3, far inside the required 1e-3.
"""

import numpy as np
import pytest

from conftest import at_delta_tau
from spinflux import analytic
from spinflux.solver import solve_batch

ALPHAS = [0.01, 0.05, 0.2, 0.5]
DELTA_TAUS = [0.05, 0.3, 2.0, 20.0, 200.0]


@pytest.fixture(scope="module")
def relaxation_grid():
    points = [at_delta_tau(dt, alpha=a, kernel="relaxation") for a in ALPHAS for dt in DELTA_TAUS]
    return points, solve_batch(points)


def test_relaxation_sigma_sH_matches_zero_temperature_closed_form(relaxation_grid):
    points, res = relaxation_grid
    exact = np.array([analytic.relaxation_sigma_sH_zero_temperature(p) for p in points])
    np.testing.assert_allclose(res["sigma_sH"], exact, rtol=1e-3)


def test_relaxation_sigma_sH_matches_thermal_closed_form_to_round_off(relaxation_grid):
    points, res = relaxation_grid
    exact = np.array([analytic.relaxation_sigma_sH_thermal(p) for p in points])
    np.testing.assert_allclose(res["sigma_sH"], exact, rtol=1e-10)
    assert np.all(np.abs(res["sigma_sH"] - exact) <= res["error_estimate"] + 1e-13)


def test_relaxation_sigma_sH_approaches_universal_value(relaxation_grid):
    """σ_sH → −(Δτ)²/(1 + (Δτ)²) for mα ≪ p0: at Δτ = 200, within 1/(1+Δτ²) of −1."""
    points, res = relaxation_grid
    for i, p in enumerate(points):
        d = p.delta_tau
        if d > 100 and p.alpha <= 0.05:
            assert abs(res["sigma_sH"][i] + d * d / (1 + d * d)) < 1e-3 / (1 + d * d)
            assert abs(res["sigma_sH"][i] + 1) < 2 / d**2


def test_relaxation_spin_density_and_its_relation_to_the_spin_current(relaxation_grid):
    """S_y against its exact thermal integral; the mα ≪ p0 form −(mα eEτ/8π) d²/(1+d²) for
    alpha ≤ 0.05 (neglects the spread of αpτ over the shell: ≲ alpha²/4 relative); and the
    exact relation mα q_yz = S_y/τ of the relaxation kernel."""
    points, res = relaxation_grid
    exact = np.array([analytic.relaxation_spin_density_thermal(p) for p in points])
    # S_y contains ∂_p s0 (peaked at the Fermi momenta), so it converges more slowly than
    # σ_sH: ≤ 1.1e-7 relative at the default spacing; the refinement estimate must bound it
    np.testing.assert_allclose(res["spin_density_y"], exact, rtol=1e-6)
    actual_error = np.abs(res["spin_density_y"] - exact)
    assert np.all(actual_error <= res["spin_density_y_error"] + 1e-12 * np.abs(exact))
    small = np.array([p.alpha <= 0.05 for p in points])
    approx = np.array([analytic.relaxation_spin_density(p) for p in points])
    np.testing.assert_allclose(res["spin_density_y"][small], approx[small], rtol=1e-3)
    # m α q_yz = S_y/τ  ⇔  alpha·√2 · σ_sH/8π = S_y[code]/τ = spin_density_y · √2
    alpha = np.array([p.alpha for p in points])
    lhs = alpha * res["sigma_sH"] / (8 * np.pi)
    bound = (res["spin_density_y_error"] + np.abs(alpha) * res["sigma_sH_error"] / (8 * np.pi)
             + 1e-13 * np.abs(lhs))
    assert np.all(np.abs(lhs - res["spin_density_y"]) <= bound)
    np.testing.assert_allclose(lhs, res["spin_density_y"], rtol=1e-6)


def test_relaxation_band_is_three_wide_and_a_batch_mixed_with_born_solves_the_same():
    """Without scattering-in the operator has only diagonal 4×4 blocks: its band is stored and
    factored 3 wide; in one system with a Born point it is widened to 7 and must give the same
    values (to round-off: a different pivot order)."""
    from spinflux.equation import build_system
    from spinflux.solver import _grids
    from spinflux.grid import GridSettings

    relax = at_delta_tau(0.3, alpha=0.2, kernel="relaxation")
    born = at_delta_tau(0.3, alpha=0.2, kernel="born")
    assert build_system([relax], _grids([relax], GridSettings())).banded().shape[0] == 10
    assert build_system([born], _grids([born], GridSettings())).banded().shape[0] == 22
    mixed = solve_batch([relax, born])
    alone = solve_batch([relax])
    for name in ("sigma_sH", "sigma_xx", "spin_density_y", "sigma_sH_error"):
        np.testing.assert_allclose(mixed[name][0], alone[name][0], rtol=1e-12, atol=1e-15)
