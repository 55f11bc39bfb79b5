"""Drude conductivity and Edelstein spin density (docs/model.md §5.5).

For δ disorder and Δτ ≥ 3 both agree with e²nτ/m and −(mα/4π)eEτ; the measured deviation
at α ≤ 0.5, Δτ = 3 is ≤ 2.2e-4 (σ_xx) and ≤ 1.0e-3 (S_y) and falls with Δτ, hence the
tolerances 5e-4 and 2e-3. At small Δτ this kinetic equation deviates: docs/model.md §5.5 quotes the
ratios 0.99965 and 0.919 at α = 0.2, Δτ = 0.3 from an independent brute-force solver.
For Δτ → ∞ every disorder type tends to the band-diagonal 2×2 Boltzmann solution; the
remaining difference is the O(T²) Sommerfeld term (measured 5.6 T² and 6.5 T² for smooth
and coulomb, 1e-14 for δ; docs/convergence.md), hence 1e-5 at T = 1e-3.
"""

import numpy as np
import pytest

from conftest import at_delta_tau
from spinflux import analytic
from spinflux.solver import solve_batch


def test_drude_and_edelstein_for_delta_disorder_at_large_delta_tau():
    points = [at_delta_tau(dt, alpha=a, disorder="delta") for a in (0.05, 0.2, 0.5)
              for dt in (3.0, 10.0, 30.0)]
    res = solve_batch(points)
    drude = np.array([analytic.drude_sigma_xx(p) for p in points])
    edelstein = np.array([analytic.edelstein_spin_density(p) for p in points])
    dev_xx = np.abs(res["sigma_xx"] / drude - 1)
    dev_sy = np.abs(res["spin_density_y"] / edelstein - 1)
    assert dev_xx.max() < 5e-4
    assert dev_sy.max() < 2e-3
    # the deviation decreases with Δτ at each α (three Δτ per α)
    assert np.all(np.diff(dev_xx.reshape(3, 3), axis=1) <= 1e-9)
    assert np.all(np.diff(dev_sy.reshape(3, 3), axis=1) <= 1e-9)


def test_small_delta_tau_ratios_quoted_by_the_independent_brute_force_solver():
    p = at_delta_tau(0.3, alpha=0.2, disorder="delta")
    res = solve_batch([p])
    assert res["sigma_xx"][0] / analytic.drude_sigma_xx(p) == pytest.approx(0.99965, abs=1e-5)
    assert res["spin_density_y"][0] / analytic.edelstein_spin_density(p) == pytest.approx(0.919, abs=1e-3)


@pytest.mark.parametrize("disorder", ["delta", "smooth", "coulomb"])
@pytest.mark.parametrize("alpha", [0.2, -0.35])
def test_large_delta_tau_limit_is_the_band_diagonal_boltzmann_solution(disorder, alpha):
    p = at_delta_tau(1000.0, alpha=alpha, disorder=disorder, correlation_length=2.0,
                     spacer_distance=1.5, screening_wavevector=0.7)
    res = solve_batch([p])
    ref = analytic.band_diagonal_boltzmann(p)
    assert res["sigma_xx"][0] / ref["sigma_xx"] == pytest.approx(1, abs=1e-5)
    assert res["spin_density_y"][0] / ref["spin_density_y"] == pytest.approx(1, abs=1e-5)


def test_smooth_disorder_transport_differs_from_spin_degenerate_drude():
    """The Boltzmann reference is not trivially Drude: for R p0 = 3, α = 0.2 the spinor
    overlaps change σ_xx by > 1 % (an independent Boltzmann calculation gave 1.022 at αR = 3)."""
    p = at_delta_tau(1000.0, alpha=0.2, disorder="smooth", correlation_length=3.0)
    ref = analytic.band_diagonal_boltzmann(p)
    assert ref["sigma_xx"] / analytic.drude_sigma_xx(p) - 1 > 0.01
