"""Block elimination along the chains (spinflux.elimination) against LAPACK's banded LU.

LAPACK's partial pivoting (gbtrf/gbtrs) is the independent reference. Tolerances: both solvers'
round-off must lie inside the error estimates, so their difference may reach twice an estimate;
measured over these cases it is at most 0.33 of one (relaxation, the σ_sH balance part), and
1e-9 of one for most observables. A wrong block, sign or τ scaling changes results by orders of
magnitude more than the estimates. The backward-error bound 1e-14 is ``BACKWARD_ERROR_LIMIT``:
refined solutions reach ≤ 1e-15, unrefined ones 3e-13 to 2e-12 (componentwise).
"""

import dataclasses

import numpy as np
import pytest

from conftest import at_delta_tau
from spinflux import analytic, batches, elimination, solver
from spinflux.equation import build_system
from spinflux.grid import GridSettings, build_grid
from spinflux.parameters import PointParams

TAUS = np.geomspace(0.1, 1e4, 6)
CASES = [("relaxation", "delta"), ("born", "delta"), ("born", "coulomb"),
         ("beyond_born", "smooth"), ("beyond_born", "coulomb")]


def sweep(kernel, disorder, alpha, taus=TAUS):
    lam = 0.0 if kernel == "relaxation" else 0.1
    return [PointParams(kernel=kernel, disorder=disorder, alpha=alpha, tau=float(t), lambda_so=lam)
            for t in taus]


def solve_by(method, points):
    return solver.solve_batch(points, method=method)


@pytest.mark.parametrize("kernel,disorder", CASES)
@pytest.mark.parametrize("alpha", [0.0, 0.05, -0.3])
def test_block_elimination_agrees_with_partial_pivoting_inside_the_error_estimates(
        kernel, disorder, alpha, monkeypatch):
    points = sweep(kernel, disorder, alpha)
    errors = []  # the fallback to LAPACK must not be what makes the two agree

    def recorded(*args, **kwargs):
        f, y, error = solve_sweep(*args, **kwargs)
        errors.append(error)
        return f, y, error

    solve_sweep = elimination.solve_sweep
    monkeypatch.setattr(elimination, "solve_sweep", recorded)
    block = solve_by("block", points)
    assert errors and np.all(np.concatenate(errors) <= elimination.BACKWARD_ERROR_LIMIT)
    lapack = solve_by("lapack", points)
    for name in solver.OBSERVABLES:
        defined = np.isfinite(lapack[name])  # NaN where undefined (the balance at α = 0)
        np.testing.assert_array_equal(np.isfinite(block[name]), defined)
        difference = np.abs(block[name] - lapack[name])[defined]
        assert np.all(difference <= 0.5 * lapack[name + "_error"][defined]), (name, difference)


def componentwise_backward_error(A, x, b):
    """max_i |b − A x|_i / (|A| |x| + |b|)_i, from the assembled blocks (numpy, not the kernel)."""
    residual = b - A.matvec(x)
    magnitude = np.abs(A.blocks)
    scale = A.__class__(magnitude).matvec(np.abs(x)) + np.abs(b)
    return np.max(np.abs(residual) / scale)


def one_point_operator(point):
    grid = build_grid(point)
    system = build_system([point], [grid])
    A = system.units[0].St.copy()
    A.blocks /= point.tau
    A.blocks[1] += system.extra
    return system, A


@pytest.mark.parametrize("tau", [0.1, 3.0])
def test_refined_solutions_are_componentwise_backward_stable(tau):
    point = PointParams(kernel="born", disorder="delta", alpha=0.05, tau=tau)
    system, A = one_point_operator(point)
    At = A.__class__(np.stack([A.upper.transpose(0, 2, 1), A.diag.transpose(0, 2, 1),
                               A.lower.transpose(0, 2, 1)]))
    At.blocks[0] = np.roll(At.blocks[0], 1, axis=0)  # (Aᵀ)_{k,k−1} = U_{k−1}ᵀ
    At.blocks[2] = np.roll(At.blocks[2], -1, axis=0)  # (Aᵀ)_{k,k+1} = L_{k+1}ᵀ
    f, y, error = elimination.solve_sweep(system.units[0].St, np.array([1 / tau]), system.extra,
                                          system.drive, system.sigma_weights)
    assert error[0] <= elimination.BACKWARD_ERROR_LIMIT
    assert componentwise_backward_error(A, f, system.drive) <= 1e-14
    assert componentwise_backward_error(At, y, system.sigma_weights) <= 1e-14


def test_without_refinement_the_backward_error_is_reported_too_large(monkeypatch):
    """Negative control: with the limit set so that no refinement step is taken, the reported
    componentwise backward error at τ = 0.1 is the unrefined one, above the limit."""
    point = PointParams(kernel="born", disorder="delta", alpha=0.05, tau=0.1)
    system, _ = one_point_operator(point)
    monkeypatch.setattr(elimination, "BACKWARD_ERROR_LIMIT", 1.0)
    _, _, error = elimination.solve_sweep(system.units[0].St, np.array([10.0]), system.extra,
                                          system.drive, system.sigma_weights)
    assert error[0] > 1e-14


def test_a_singular_schur_complement_falls_back_to_partial_pivoting():
    """S_0 = 0 while A is regular (its first block row couples to the second), on the second of
    two grids: the block elimination reports those points, and LinearSystem.solve answers with
    LAPACK's solution in their rows and keeps its own in the others."""
    points = sweep("born", "delta", 0.2, taus=[1.0, 2.0]) + sweep("born", "delta", 0.3,
                                                                   taus=[1.0, 2.0])
    grids = [build_grid(points[0])] * 2 + [build_grid(points[2])] * 2
    system = build_system(points, grids)
    unit = system.units[2]
    second = slice(system.offsets[2], system.offsets[4])
    # S_0 = D_0/τ + E_0 = 0 at τ = 1, and (1 − 1/τ) E_0 at τ = 2: E_0 = −Prec has rank 2
    unit.St.diag[0] = -system.extra[system.offsets[2]]
    _, _, error = elimination.solve_sweep(unit.St, np.array([1.0, 0.5]), system.extra[second],
                                          system.drive[second], system.sigma_weights[second])
    assert np.all(error == np.inf)
    f_block, y_block = system.solve("block")
    f_lapack, y_lapack = system.solve("lapack")
    np.testing.assert_allclose(f_block, f_lapack, rtol=0, atol=1e-12 * np.abs(f_lapack).max())
    np.testing.assert_allclose(y_block, y_lapack, rtol=0, atol=1e-12 * np.abs(y_lapack).max())


def test_an_overflow_in_the_elimination_is_reported_not_returned():
    """A = [[1e-200 I, I], [I, 0]] is perfectly conditioned, but without pivoting between block
    rows z_0 = S_0⁻¹ b_0 overflows for b_0 = 1e120: the NaN solution must be reported (and so
    solved again by LAPACK), not passed on with a zero backward error."""
    from spinflux.banded import BlockTridiagonal

    A = BlockTridiagonal.zeros(2)
    A.diag[0] = 1e-200 * np.eye(4)
    A.upper[0] = np.eye(4)
    A.lower[1] = np.eye(4)
    drive = np.ones((2, 4))
    drive[0, 0] = 1e120
    f, _, error = elimination.solve_sweep(A, np.array([1.0]), np.zeros((2, 4, 4)), drive,
                                          np.ones((2, 4)))
    assert not np.all(np.isfinite(f))
    assert not error[0] <= elimination.BACKWARD_ERROR_LIMIT


def test_block_elimination_keeps_the_born_cancellation_and_the_relaxation_closed_form():
    """The exact results of the two kernels, on the block path: Born σ_sH = 0 with intrinsic
    and acceleration parts ∓1 (docs/model.md §5.1), relaxation σ_sH = the thermal closed form
    (§5.2; tolerances as in test_born_cancellation and test_relaxation_closed_form)."""
    born = [at_delta_tau(dt, alpha=a, kernel="born") for a in (0.05, 0.3) for dt in (0.1, 3, 100)]
    res = solve_by("block", born)
    assert np.all(np.abs(res["sigma_sH"]) <= res["error_estimate"] + 1e-11)
    np.testing.assert_allclose(res["sigma_sH_intrinsic"], -1.0, rtol=0, atol=1e-11)
    relaxation = [dataclasses.replace(p, kernel="relaxation") for p in born]
    res = solve_by("block", relaxation)
    exact = np.array([analytic.relaxation_sigma_sH_thermal(p) for p in relaxation])
    np.testing.assert_allclose(res["sigma_sH"], exact, rtol=1e-10)


def test_an_unknown_method_is_refused():
    point = PointParams(kernel="born", disorder="delta", alpha=0.2, tau=1.0)
    system = build_system([point], [build_grid(point)])
    with pytest.raises(ValueError, match="method"):
        system.solve("gauss")


def test_a_batch_from_the_threshold_up_is_solved_by_block_elimination(monkeypatch):
    points = sweep("born", "delta", 0.2, taus=[1.0, 2.0])
    size = sum(g.size for g in solver._grids(points, GridSettings()))
    calls = []
    solve_sweep = elimination.solve_sweep
    monkeypatch.setattr(elimination, "solve_sweep",
                        lambda *a, **k: calls.append(1) or solve_sweep(*a, **k))
    monkeypatch.setattr(batches, "BLOCK_ELIMINATION_MIN", size + 1)
    solver.solve_batch(points, estimate_error=False)
    assert not calls  # one grid point short: LAPACK
    monkeypatch.setattr(batches, "BLOCK_ELIMINATION_MIN", size)
    solver.solve_batch(points, estimate_error=False)
    assert calls


def test_the_band_array_is_factored_in_place_and_solves_the_system():
    """LAPACK's gbtrf takes Fortran order: a C-ordered band array is copied by scipy on every
    call (about a third of a slice's factorisation, in fresh memory). The in-place factors must
    still solve the system: the residual of A f = D from the block-tridiagonal matvec (measured
    2.3e-11 of the drive for these two points; a relative change of f by 1e-8 gives 1e-8)."""
    from spinflux.banded import factor, solve_factored

    points = [PointParams(alpha=0.2, tau=t, kernel="beyond_born", disorder="coulomb",
                          lambda_so=0.1) for t in (0.5, 30.0)]
    grid = build_grid(points[0])
    system = build_system(points, [grid, grid])
    ab = system.banded()
    lu, ipiv = factor(ab)
    assert np.shares_memory(lu, ab)
    f = solve_factored(lu, ipiv, system.drive.ravel()).reshape(-1, 4)
    residual = (system.collision(f) + np.einsum("jab,jb->ja", system.extra, f) - system.drive)
    assert np.abs(residual).max() <= 1e-10 * np.abs(system.drive).max()


@pytest.mark.parametrize("kernel, disorder", [("born", "coulomb"), ("relaxation", "delta")])
def test_the_adjoint_only_solve_factors_the_transpose_and_solves_the_adjoint(kernel, disorder):
    """The Born companions need only y with Aᵀ y = w, and factor Aᵀ (its plain solve is twice as
    fast as the transposed one). Checked without any transpose of ours: yᵀ(A x) = wᵀx for random
    x, A x from the block-tridiagonal matvec. Measured ≤ 4e-18 of Σ|y||A x|; leaving the
    precession's diagonal blocks untransposed gives 9e-4 to 1e-2, leaving the Born operator
    untransposed 1e-3 (the relaxation kernel's blocks are symmetric)."""
    lam = 0.0 if kernel == "relaxation" else 0.1
    points = [PointParams(alpha=0.2, tau=t, kernel=kernel, disorder=disorder, lambda_so=lam)
              for t in (0.5, 30.0)]
    grid = build_grid(points[0])
    system = build_system(points, [grid, grid])
    f, y = system.solve("lapack", forward=False)
    assert not f.any()
    w = system.sigma_weights
    rng = np.random.default_rng(1)
    for _ in range(3):
        x = rng.standard_normal(w.shape)
        ax = system.collision(x) + np.einsum("jab,jb->ja", system.extra, x)
        scale = np.abs(y).sum(axis=1) @ np.abs(ax).sum(axis=1)
        assert abs(np.sum(y * ax) - np.sum(w * x)) <= 1e-12 * scale


def test_the_batched_collision_operator_is_each_points_operator_over_its_tau():
    """LinearSystem.collision applies St/τ sweep by sweep, the points of a sweep side by side.
    Against each point's own operator applied to its own rows (BlockTridiagonal.matvec of one
    vector), for a batch where one unit recurs apart from its other points, kernels mix, and f
    comes in C order, Fortran order and as a transposed view (an earlier version wrote Fortran
    input's result into a temporary and returned zeros)."""
    delta = dict(alpha=0.2, disorder="delta")
    points = [PointParams(tau=3.0, kernel="born", **delta),
              PointParams(tau=30.0, kernel="born", **delta),
              PointParams(tau=3.0, kernel="relaxation", **delta),
              PointParams(tau=300.0, kernel="born", **delta)]
    grid = build_grid(points[0])
    system = build_system(points, [grid] * len(points))
    assert system.units[0] is system.units[3]  # the recurring unit, not next to its sweep
    f = np.random.default_rng(2).standard_normal((system.p.size, 4))
    expected = np.concatenate([
        system.units[i].St.matvec(f[system.offsets[i]:system.offsets[i + 1]]) / p.tau
        for i, p in enumerate(points)])
    for layout in (f, np.asfortranarray(f), np.ascontiguousarray(f.T).T):
        got = system.collision(layout)
        assert np.abs(got - expected).max() <= 1e-13 * np.abs(expected).max()
