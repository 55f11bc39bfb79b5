"""The impurity spin-orbit term λσ·(∇V × p) in the Born kernel (groundwork of the beyond-Born issue).

T_pp' = U(q)[1 + iλσ_z (p × p')_z] and T_p'p = T_pp'†. The collision integral then still
conserves particle number and σ_z and vanishes on f0, but no longer conserves the in-plane spin
(Elliott–Yafet relaxation), so the exact Born cancellation is lifted.
"""

import dataclasses

import numpy as np
import pytest

from spinflux.bands import projector
from spinflux.drives import fermi
from spinflux.grid import BANDS
from spinflux.parameters import ParameterError, PointParams
from spinflux.reference import FullAngularCollision
from spinflux.solver import solve_batch
from spinflux.spinor import SIGMA
from test_collision_operator import random_hermitian, reduced_vs_reference, small_case


@pytest.mark.parametrize("alpha", [0.4, -0.3])
@pytest.mark.parametrize("disorder", ["delta", "smooth"])
def test_reduced_operator_with_spin_orbit_equals_full_angular_reference(disorder, alpha):
    point, grid = small_case(disorder, alpha)
    point = dataclasses.replace(point, lambda_so=0.7)
    assert reduced_vs_reference(point, grid, 64) < 1e-13


def test_spin_orbit_conserves_particles_and_sigma_z_but_relaxes_in_plane_spin():
    point, grid = small_case("delta", 0.4)
    point = dataclasses.replace(point, lambda_so=0.7)
    ref = FullAngularCollision(grid, point, n_phi=16)
    X = ref.apply(random_hermitian(np.random.default_rng(1), (grid.size, ref.n_phi)))
    weight = (grid.p * grid.weights)[:, None]
    scale = np.abs(X).max() * weight.sum()
    totals = [np.sum(weight * np.einsum("ab,jpba->jp", SIGMA[i], X).real) / scale for i in range(4)]
    assert abs(totals[0]) < 1e-13 and abs(totals[3]) < 1e-13  # particles, σ_z
    assert abs(totals[1]) > 1e-3 and abs(totals[2]) > 1e-3  # σ_x, σ_y relax


def test_equilibrium_is_still_a_zero_with_spin_orbit():
    point, grid = small_case("smooth", -0.3)
    point = dataclasses.replace(point, lambda_so=0.7)
    ref = FullAngularCollision(grid, point, n_phi=16)
    f0 = sum(fermi(grid.band_energy(M, grid.p), point.temperature)[:, None, None, None]
             * projector(M, ref.phi)[None] for M in BANDS)
    X_rand = ref.apply(random_hermitian(np.random.default_rng(2), f0.shape[:2]))
    assert np.abs(ref.apply(f0)).max() < 1e-13 * np.abs(X_rand).max()


def test_spin_orbit_lifts_the_born_cancellation_and_the_balance_law_still_holds():
    points = [PointParams(alpha=0.2, tau=10.0, kernel="born", lambda_so=lam)
              for lam in (0.0, 0.02, -0.02)]
    res = solve_batch(points)
    assert abs(res["sigma_sH"][0]) <= res["error_estimate"][0] + 1e-11
    assert np.all(np.abs(res["sigma_sH"][1:]) > 1e3 * res["error_estimate"][1:])
    np.testing.assert_allclose(res["sigma_sH_balance"], res["sigma_sH"],
                               atol=np.max(res["error_estimate"]) + 1e-10)


def test_relaxation_kernel_refuses_lambda_so():
    with pytest.raises(ParameterError, match="lambda_so=0.1 needs a scattering kernel"):
        PointParams(alpha=0.1, tau=1.0, kernel="relaxation", lambda_so=0.1)
