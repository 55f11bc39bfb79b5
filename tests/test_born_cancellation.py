"""Born kernel: the spin Hall current vanishes for every disorder type and Δτ (docs/model.md §5.1).

The intrinsic (rotation of ê_φ) and acceleration (∂f0/∂p) parts are each exactly ∓ e/8π:
with a spin-conserving kernel the balance law fixes the response to each half of the drive,
and the σ_y moment of the intrinsic drive, Σ_k s0(x + k|α|), telescopes to −½ on every ladder.
"""

import numpy as np
import pytest

from spinflux.solver import solve_batch

DELTA_TAUS = [0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]


@pytest.fixture(scope="module")
def born_sweep():
    from conftest import at_delta_tau
    points = [at_delta_tau(dt, alpha=a, disorder=d, kernel="born")
              for d in ("delta", "smooth", "coulomb") for a in (0.05, 0.3) for dt in DELTA_TAUS]
    return points, solve_batch(points)


def test_born_sigma_sH_vanishes_within_its_error_estimate(born_sweep):
    points, res = born_sweep
    for i, p in enumerate(points):
        assert abs(res["sigma_sH"][i]) <= res["error_estimate"][i] + 1e-11, p
    # and the error estimate itself certifies convergence at the default settings
    assert np.max(res["error_estimate"]) < 1e-4


def test_born_intrinsic_and_acceleration_parts_are_minus_and_plus_one(born_sweep):
    points, res = born_sweep
    np.testing.assert_allclose(res["sigma_sH_intrinsic"], -1.0, atol=1e-11)
    np.testing.assert_allclose(res["sigma_sH_acceleration"], 1.0,
                               atol=np.max(res["error_estimate"]) + 1e-11)


def test_relaxation_kernel_does_not_cancel(born_sweep):
    """Control: without scattering-in the acceleration part is zero and σ_sH is not."""
    from conftest import at_delta_tau
    p = at_delta_tau(10.0, alpha=0.3, kernel="relaxation")
    res = solve_batch([p])
    assert abs(res["sigma_sH_acceleration"][0]) < 1e-12
    assert res["sigma_sH"][0] < -0.9
