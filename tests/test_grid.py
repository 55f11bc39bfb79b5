"""The ladder grid: exact alignment with the δ-function roots and a valid quadrature, at every
temperature the parameters allow (1e-8 … 0.5) and for either sign of α."""

import numpy as np
import pytest

from spinflux.grid import BANDS, GridSettings, build_grid
from spinflux.parameters import PointParams


@pytest.mark.parametrize("temperature", [0.3, 1e-2, 1e-3, 1e-4, 1e-6, 1e-8])
@pytest.mark.parametrize("alpha", [0.01, -0.05, 0.2, 0.5, -2.0])
def test_residues_are_symmetric_weighted_and_resolve_the_fermi_features(alpha, temperature):
    point = PointParams(alpha=alpha, tau=1.0, temperature=temperature)
    grid = build_grid(point)
    a = abs(point.alpha_code)
    x, w = grid.residues, grid.residue_weights
    assert np.all(np.diff(x) > 0) and x[0] > 0 and x[-1] < a
    np.testing.assert_allclose(x + x[::-1], a, rtol=0, atol=1e-14 * a)
    np.testing.assert_allclose(w, w[::-1], rtol=1e-12)
    assert np.sum(w) == pytest.approx(a, rel=1e-13)
    # the Fermi residue is resolved at the requested spacing (in units of k_B T/v̄)
    x_fermi = point.fermi_momenta[0] % a
    local = np.diff(x)[np.clip(np.searchsorted(x, x_fermi), 1, x.size - 1) - 1]
    target = GridSettings().spacing_factor * temperature / point.mean_fermi_momentum
    assert local <= max(1.3 * target, 1.3 * a / GridSettings().min_residues)


@pytest.mark.parametrize("alpha", [0.3, -0.3, 0.0])
def test_every_delta_function_partner_is_a_grid_point_at_equal_energy(alpha):
    point = PointParams(alpha=alpha, tau=1.0, temperature=1e-3)
    grid = build_grid(point)
    n_pairs = 0
    for M in BANDS:
        for Mp in BANDS:
            for j, jp in grid.partners(M, Mp):
                np.testing.assert_allclose(grid.band_energy(M, grid.p[j]),
                                           grid.band_energy(Mp, grid.p[jp]), rtol=0, atol=1e-12)
                np.testing.assert_allclose(np.abs(grid.band_velocity(M, grid.p[j])),
                                           np.abs(grid.band_velocity(Mp, grid.p[jp])), atol=1e-12)
                n_pairs += j.size
    assert n_pairs >= 2 * grid.size  # intraband for both bands at least
