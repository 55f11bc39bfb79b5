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


def missing_partners(grid, partners) -> int:
    """Pairs (j, j') of grid points the δ-functions connect that ``partners`` does not list,
    below the top ladder period (roots beyond p_max are dropped on purpose).

    Expected pairs come from two independent facts, not from the grid's root logic: grid points
    at equal energy (brute force over all pairs; away from the van Hove point p = |α|/2 of the
    lower band, where neighbouring points are degenerate to round-off), and the exact symmetry
    ε(p) = ε(|α| − p) of the lower band, which pairs every p < |α| with |α| − p."""
    a = abs(grid.alpha)
    inside = grid.p < grid.p_max - 2 * a
    lower = -0.5 if grid.alpha > 0 else 0.5
    missing = 0
    for M in BANDS:
        for Mp in BANDS:
            E, Ep = grid.band_energy(M, grid.p), grid.band_energy(Mp, grid.p)
            order = np.argsort(Ep)
            tol = 8 * np.finfo(float).eps * np.maximum(1.0, np.abs(E))  # energies' round-off
            lo = np.searchsorted(Ep[order], E - tol)
            hi = np.searchsorted(Ep[order], E + tol)
            j = np.repeat(np.arange(E.size), hi - lo)
            jp = order[np.concatenate([np.arange(u, v) for u, v in zip(lo, hi)])]
            far = (np.abs(grid.band_velocity(M, grid.p)) > 1e-3) & (
                np.abs(grid.band_velocity(Mp, grid.p)) > 1e-3)
            expected = {(u, v) for u, v in zip(j, jp) if inside[u] and inside[v] and far[u]}
            if M == Mp == lower:
                below = np.nonzero(grid.p < a)[0]
                target = a - grid.p[below]
                right = np.clip(np.searchsorted(grid.p, target), 1, grid.size - 1)
                mirror = np.where(np.abs(grid.p[right] - target) < np.abs(grid.p[right - 1] - target),
                                  right, right - 1)
                assert np.allclose(grid.p[mirror], a - grid.p[below], rtol=0, atol=1e-12 * a)
                expected |= set(zip(below, mirror))
            listed = {(u, v) for jj, jjp in partners(M, Mp) for u, v in zip(jj, jjp)}
            missing += len(expected - listed)
    return missing


@pytest.mark.parametrize("alpha,temperature", [(0.2, 1e-3), (-0.3, 1e-3), (0.05, 1e-6),
                                               (0.001, 1e-8)])
def test_every_delta_function_pair_of_grid_points_is_a_partner(alpha, temperature):
    """Completeness, including the second lower-band root |α| − p below the band crossing
    (dropping it moved S_y by only 3e-4 at α = 0.2, Δτ = 0.3, inside physics tolerances)."""
    grid = build_grid(PointParams(alpha=alpha, tau=1.0, temperature=temperature))
    assert missing_partners(grid, grid.partners) == 0


def test_a_dropped_lower_band_root_is_detected():
    """Negative control: the partners without the root |α| − p (the bug the check exists for)."""
    grid = build_grid(PointParams(alpha=0.2, tau=1.0, temperature=1e-3))
    a = abs(grid.alpha)

    def without_second_root(M, Mp):
        return [(j[keep], jp[keep]) for j, jp in grid.partners(M, Mp)
                for keep in [~((j != jp) & np.isclose(grid.p[j] + grid.p[jp], a, atol=1e-12))]]

    assert missing_partners(grid, without_second_root) > 0


@pytest.mark.parametrize("alpha,temperature", [(0.2, 1e-3), (-0.3, 1e-3), (0.05, 1e-6),
                                               (0.0, 1e-3)])
def test_a_root_branch_has_at_most_one_transition_per_grid_point(alpha, temperature):
    """The Born blocks (born.assemble) and the coordinate shift (born._coordinate_shift) add
    each branch's terms with one buffered fancy-index += each: that adds every transition only
    if no p_j repeats within a branch."""
    grid = build_grid(PointParams(alpha=alpha, tau=1.0, temperature=temperature))
    branches = grid.branches()
    assert sum(j.size for _, j, *_ in branches) >= 2 * grid.size
    for _, j, _, _, _ in branches:
        assert np.unique(j).size == j.size
