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
from spinflux.solver import solve_batch

REFINED = GridSettings(spacing_factor=0.25, rungs_above_fermi=24)
CASES = [at_delta_tau(dt, alpha=a, temperature=T, disorder=d, kernel=k)
         for a in (0.05, 0.5) for T in (1e-2, 1e-3) for dt in (0.3, 3.0)
         for d, k in (("delta", "born"), ("coulomb", "born"), ("delta", "relaxation"))]


@pytest.fixture(scope="module")
def default_and_refined():
    return solve_batch(CASES), solve_batch(CASES, REFINED, estimate_error=False)


@pytest.mark.parametrize("name", ["sigma_sH", "sigma_xx", "spin_density_y"])
def test_reported_error_bounds_the_actual_error(default_and_refined, name):
    res, ref = default_and_refined
    actual = np.abs(res[name] - ref[name])
    assert np.all(actual <= res[name + "_error"] + 1e-13 * np.abs(ref[name]))


def test_default_accuracy_is_far_below_the_target(default_and_refined):
    """The issue asks for ≤ 1e-4 e/8π per converged point; the defaults give ≲ 1e-6."""
    res, ref = default_and_refined
    assert np.max(np.abs(res["sigma_sH"] - ref["sigma_sH"])) < 1e-6
    assert np.max(res["error_estimate"]) < 1e-4


def test_the_coarse_grid_is_really_coarser():
    for p in CASES[:6]:
        fine, coarse = build_grid(p), build_grid(p, coarse_settings(GridSettings()))
        assert coarse.size < fine.size and coarse.K < fine.K
