"""The beyond-Born kernel: T = U + U G0⁺ U (anti-Hermitian part), third order in U.

Independent references: closed forms of the second-order amplitude, a direct quadrature of
it, the full-angular collision integral, and the spin-resolved Boltzmann solution with skew
scattering at α = 0 (analytic.skew_scattering_sigma_sH, docs/beyond_born.md §3).
"""

import dataclasses

import numpy as np
import pytest
from scipy.integrate import quad

from spinflux import analytic
from spinflux.bands import projector
from spinflux.disorder import amplitude_shape
from spinflux.drives import fermi
from spinflux.grid import BANDS
from spinflux.kernels.beyond_born import second_order_amplitude
from spinflux.parameters import P0, ParameterError, PointParams
from spinflux.reference import FullAngularCollision
from spinflux.solver import solve_batch
from spinflux.spinor import SIGMA
from test_collision_operator import random_hermitian, reduced_vs_reference, small_case


def beyond(point, **changes):
    return dataclasses.replace(point, kernel="beyond_born", **changes)


# -- the second-order amplitude ---------------------------------------------------------------
def test_second_order_amplitude_at_alpha_zero_matches_its_closed_form():
    """α = 0, δ: T2/U(0)² = −(i/2)[1 + ½ y² cos(φ − φ')], y = λp² (docs/beyond_born.md §1)."""
    point = PointParams(alpha=0.0, tau=1.0, kernel="beyond_born", lambda_so=0.8)
    p = np.array([0.9, 1.3])
    phi_out, phi_in = np.array([0.0, 1.1]), np.array([0.3, 2.0, 4.0])
    t2 = second_order_amplitude(point, 0.5 * p**2, p, phi_out, p, phi_in)
    y = point.lambda_so / P0**2 * p**2
    cos = np.cos(phi_out[:, None] - phi_in[None, :])
    expected = -0.5j * (1 + 0.5 * y[:, None, None] ** 2 * cos)
    np.testing.assert_allclose(t2[..., 0, 0], expected, atol=1e-15)
    np.testing.assert_allclose(t2[..., 1, 1], expected, atol=1e-15)
    assert np.abs(t2[..., 0, 1]).max() < 1e-15


def test_second_order_amplitude_of_scalar_delta_impurities_is_a_number():
    """λ = 0, δ: Σ_r J_r ⟨P^M_r⟩ = ½ Σ_r J_r = 1 above the band crossing (constant 2D density of
    states), so T2 = −(i/2) U(0)² with no spin structure at any α."""
    point = PointParams(alpha=0.3, tau=1.0, kernel="beyond_born")
    p = np.array([0.8, 1.4, 2.0])
    t2 = second_order_amplitude(point, 0.5 * p**2 + 0.5 * point.alpha_code * p, p,
                                np.array([0.0, 1.0]), p + 0.1, np.array([0.5, 3.0]))
    np.testing.assert_allclose(t2, np.broadcast_to(-0.5j * np.eye(2), t2.shape), atol=1e-15)


def test_second_order_amplitude_matches_a_direct_quadrature():
    """Gaussian disorder, Rashba and λ: against scipy.quad over φ'' of the 2×2 integrand
    written out independently (roots from numpy.roots)."""
    point = PointParams(alpha=0.3, tau=1.0, disorder="smooth", kernel="beyond_born",
                        lambda_so=0.6, correlation_length=1.5)
    a, lam = point.alpha_code, point.lambda_so / P0**2
    p, phi, pp, phip = 1.2, 0.4, 1.2 + a, 2.5  # upper-band p, lower-band p' of equal energy
    E = 0.5 * p**2 + 0.5 * a * p

    def U(p1, f1, p2, f2):  # U_{p1 p2}/U(0)
        q = np.sqrt(p1**2 + p2**2 - 2 * p1 * p2 * np.cos(f1 - f2))
        return amplitude_shape(point, q) * (SIGMA[0] + 1j * lam * p1 * p2 * np.sin(f2 - f1) * SIGMA[3])

    expected = np.zeros((2, 2), complex)
    for M in BANDS:
        for root in np.roots([0.5, M * a, -E]).real:
            if root <= 0:
                continue
            J = root / abs(root + M * a)
            for r in range(2):
                for c in range(2):
                    part = (lambda f, re: (U(p, phi, root, f) @ projector(M, f)
                                           @ U(root, f, pp, phip))[r, c].real if re else
                            (U(p, phi, root, f) @ projector(M, f) @ U(root, f, pp, phip))[r, c].imag)
                    val = (quad(part, 0, 2 * np.pi, args=(True,), epsabs=1e-14)[0]
                           + 1j * quad(part, 0, 2 * np.pi, args=(False,), epsabs=1e-14)[0])
                    expected[r, c] += -0.5j * J * val / (2 * np.pi)
    t2 = second_order_amplitude(point, E, p, np.array([phi]), pp, np.array([phip]), n_mid=64)
    np.testing.assert_allclose(t2[0, 0, 0], expected, atol=1e-13)


# -- the collision integral -------------------------------------------------------------------
@pytest.mark.parametrize("alpha", [0.4, -0.3])
@pytest.mark.parametrize("lambda_so", [0.0, 0.7])
@pytest.mark.parametrize("disorder", ["delta", "smooth"])
def test_reduced_beyond_born_operator_equals_full_angular_reference(disorder, lambda_so, alpha):
    """Measured: 1e-15 for both (δ: every rule exact; Gaussian: the reduced rule's φ' angles
    against the reference's 32; both share the φ'' rule of beyond_born.angular_points)."""
    point, grid = small_case(disorder, alpha)
    point = beyond(point, lambda_so=lambda_so, impurity_strength=0.3)
    assert reduced_vs_reference(point, grid, 64) < 1e-13


def _totals(point, grid, seed=1):
    ref = FullAngularCollision(grid, point, n_phi=16)
    X = ref.apply(random_hermitian(np.random.default_rng(seed), (grid.size, ref.n_phi)))
    weight = (grid.p * grid.weights)[:, None]
    scale = np.abs(X).max() * weight.sum()
    return np.array([np.sum(weight * np.einsum("ab,jpba->jp", SIGMA[i], X).real) / scale
                     for i in range(4)]), ref


@pytest.mark.parametrize("disorder", ["delta", "smooth", "coulomb"])
def test_beyond_born_conserves_particles_and_vanishes_on_equilibrium(disorder):
    point, grid = small_case(disorder, 0.4)
    point = beyond(point, lambda_so=0.7, impurity_strength=0.3)
    totals, ref = _totals(point, grid)
    assert abs(totals[0]) < 1e-13
    f0 = sum(fermi(grid.band_energy(M, grid.p), point.temperature)[:, None, None, None]
             * projector(M, ref.phi)[None] for M in BANDS)
    X_rand = ref.apply(random_hermitian(np.random.default_rng(2), f0.shape[:2]))
    assert np.abs(ref.apply(f0)).max() < 1e-13 * np.abs(X_rand).max()


def test_scalar_delta_impurities_beyond_born_conserve_every_spin_component():
    point, grid = small_case("delta", 0.4)
    totals, _ = _totals(beyond(point, impurity_strength=0.3), grid)
    assert np.abs(totals).max() < 1e-13


@pytest.mark.parametrize("disorder", ["smooth", "coulomb"])
def test_scalar_momentum_dependent_impurities_beyond_born_break_spin_conservation(disorder):
    """The finding of docs/beyond_born.md §4: with U(q) not constant, T2 carries the Rashba spin
    texture of the intermediate states and the naive T-matrix collision integral no longer
    conserves spin (the Born one does, test_collision_operator). Measured torques 2e-3…2e-2 of
    the scale at impurity_strength = 0.3; they vanish with impurity_strength."""
    point, grid = small_case(disorder, 0.4)
    strong, _ = _totals(beyond(point, impurity_strength=0.3), grid)
    none, _ = _totals(beyond(point, impurity_strength=0.0), grid)
    assert np.abs(strong[1:]).max() > 1e-4
    assert np.abs(none).max() < 1e-13


# -- observables ------------------------------------------------------------------------------
SKEW_CASES = [(tau, g, lam) for tau in (1.0, 10.0, 100.0) for g, lam in
              ((0.1, 0.1), (-0.1, 0.1), (0.1, -0.1), (0.05, 0.3))]


def test_skew_scattering_at_alpha_zero_matches_the_boltzmann_solution():
    """Measured deviation 3.1e-10 relative (the Sommerfeld error of the grid), below the error
    estimates (2.8e-7 relative); 1e-7 asserted."""
    points = [PointParams(0.0, tau, "delta", "beyond_born", lambda_so=lam, impurity_strength=g)
              for tau, g, lam in SKEW_CASES]
    res = solve_batch(points)
    expected = np.array([analytic.skew_scattering_sigma_sH(p) for p in points])
    np.testing.assert_allclose(res["sigma_sH_skew"], expected, rtol=1e-7)
    assert np.all(np.abs(res["sigma_sH_skew"] - expected) <= res["sigma_sH_skew_error"])


def test_skew_scattering_grows_linearly_with_tau_and_is_odd_in_strength_and_lambda():
    """The hallmark of skew scattering, measured by the solver alone at α = 0 (no
    Dyakonov–Perel relaxation): the skew channel is a straight line in τ, Aτ + B, with B the
    τ-independent third-order correction of the coordinate-shift response
    (−2λ(πgλ)²/(1 + λ²/2)³ at T = 0 to leading order in g, 1.6e-3 of A; docs/extrinsic.md §4),
    and it changes sign with impurity_strength and with lambda_so (up to that even-in-g B)."""
    taus = np.geomspace(1.0, 100.0, 5)
    cases = [(0.1, 0.1), (-0.1, 0.1), (0.1, -0.1)]
    points = [PointParams(0.0, t, "delta", "beyond_born", lambda_so=lam, impurity_strength=g)
              for g, lam in cases for t in taus]
    sigma = solve_batch(points)["sigma_sH_skew"].reshape(len(cases), taus.size)
    (A, B), residual, *_ = np.polyfit(taus, sigma[0], 1, full=True)
    assert np.sqrt(residual[0]) < 1e-9 * np.abs(sigma[0]).max()
    g, lam = cases[0]
    assert B == pytest.approx(-2 * lam * (np.pi * g * lam) ** 2 / (1 + lam**2 / 2) ** 3, rel=0.02)
    np.testing.assert_allclose((sigma[0] + sigma[1]) / 2, B, rtol=1e-6)  # only B is even in g
    np.testing.assert_allclose(sigma[2], -sigma[0], rtol=1e-9)


def test_balance_law_holds_for_the_beyond_born_kernel():
    points = [PointParams(alpha, tau, disorder, "beyond_born", lambda_so=lam, impurity_strength=g)
              for alpha, tau, disorder, lam, g in
              ((0.2, 3.0, "delta", 0.1, 0.1), (0.1, 30.0, "delta", -0.2, 0.2),
               (0.2, 3.0, "smooth", 0.1, -0.1), (0.2, 1.0, "smooth", 0.0, 0.1),
               (0.3, 3.0, "coulomb", 0.1, 0.1))]
    res = solve_batch(points)
    np.testing.assert_allclose(res["sigma_sH_balance"], res["sigma_sH"], rtol=0,
                               atol=1e-9 + 2 * np.max(res["error_estimate"]))


def test_scalar_delta_impurities_give_no_spin_current_beyond_born():
    """λ = 0, δ disorder: the kernel conserves spin (above), so the balance law forces σ_sH = 0
    at every Δτ and impurity strength, like Born."""
    points = [PointParams(alpha, tau, "delta", "beyond_born", impurity_strength=g)
              for alpha in (0.05, 0.2) for tau in (1.0, 10.0, 100.0) for g in (0.3, -0.3)]
    res = solve_batch(points)
    born = solve_batch([dataclasses.replace(p, kernel="born") for p in points])
    # the collision torque vanishes to round-off, so σ_sH is the Born value on the same grid (the
    # drives fix it through the balance law) whatever the third-order term does to f1: measured
    # equal to 1e-16; the Born value itself is at most 2.5e-10 here, 1000× inside its estimate
    assert np.all(np.abs(res["collision_torque"]) < 1e-15)
    np.testing.assert_allclose(res["sigma_sH"], born["sigma_sH"], rtol=0, atol=1e-13)
    assert np.all(np.abs(res["sigma_sH"]) <= res["error_estimate"])
    # negative control: with impurity spin-orbit coupling the third-order term does move σ_sH
    skew = solve_batch([dataclasses.replace(points[2], lambda_so=0.1)])
    assert abs(skew["sigma_sH"][0] - born["sigma_sH"][2]) > 1e-2


def test_impurity_strength_is_validated():
    with pytest.raises(ParameterError, match="impurity_strength=0.7 must satisfy"):
        PointParams(alpha=0.1, tau=1.0, kernel="beyond_born", impurity_strength=0.7)


def test_gaussian_angular_rule_is_converged_in_the_smooth_regime():
    """R p0 = 15 (the seed's smooth regime, mαR ≫ 1): the rule n ∝ R p (angular_points) against
    1.5 n for the transitions at the top of a small grid, relative to the largest block. The
    Fourier coefficients e^{−x}I_k(x) fall like e^{−k²/2x}, so the rule's aliasing is ~1e-16;
    measured 4e-14 (intraband) and round-off ~1e-15 on the interband blocks, which are
    suppressed by e^{−(Rα)²/4} and carry FFT round-off of the intraband scale; 1e-12 asserted."""
    from spinflux.grid import GridSettings, build_grid
    from spinflux.kernels import beyond_born as bb

    point = PointParams(alpha=0.2, tau=10.0, disorder="smooth", kernel="beyond_born",
                        lambda_so=0.1, correlation_length=15.0, temperature=0.05)
    grid = build_grid(point, GridSettings(spacing_factor=4.0, rungs_above_fermi=4, min_residues=8))
    n = bb.angular_points(point, grid)
    diffs, scale = [], 0.0
    for _, j, jp, M, Mp in grid.branches():
        top = np.argsort(np.maximum(grid.p[j], grid.p[jp]))[-8:]  # the hardest transitions
        if top.size == 0:
            continue
        fine = bb.third_order_blocks(point, grid, j[top], jp[top], M, Mp, n)
        finer = bb.third_order_blocks(point, grid, j[top], jp[top], M, Mp, 4 * ((3 * n // 2) // 4))
        scale = max(scale, np.abs(finer[0]).max(), np.abs(finer[1]).max())
        diffs += [np.abs(fine[0] - finer[0]).max(), np.abs(fine[1] - finer[1]).max()]
    assert 0 < n < 1200 and max(diffs) < 1e-12 * scale


# -- the real-arithmetic evaluation of the third-order blocks (docs/beyond_born.md §6) --------

def test_even_spectrum_is_the_discrete_fourier_transform_of_even_samples():
    """The half-length real transform, mirrored, equals numpy's full complex FFT for samples
    that are even on the uniform grid (u(|q|) at φ and −φ), and is not used for odd ones: the
    negative control shows the mirror is where evenness enters."""
    from spinflux.kernels.beyond_born import _even_spectrum

    n = 24
    phi = 2 * np.pi * np.arange(n) / n
    even = np.stack([np.exp(-x * (1 - np.cos(phi))) for x in (0.3, 4.0)])
    assert np.abs(_even_spectrum(even) - np.fft.fft(even)).max() < 1e-13
    odd_part = even + 0.1 * np.sin(phi)
    assert np.abs(_even_spectrum(odd_part) - np.fft.fft(odd_part)).max() > 0.1


def test_projector_entries_are_single_harmonics_with_real_weights():
    """P^M(φ) rebuilt from (k_bc, phase_bc, weight_bc) of ``_projector_harmonic`` equals
    bands.projector at angles off the grid it was read on."""
    from spinflux.kernels.beyond_born import _projector_harmonic

    k, phase, weights = _projector_harmonic()
    phi = np.array([0.123, 1.7, 4.4])
    for M in BANDS:
        rebuilt = (phase * weights[M] * np.exp(1j * np.outer(phi, k))).reshape(-1, 2, 2)
        assert np.abs(rebuilt - projector(M, phi)).max() < 1e-14


# -- the potential's spectra, shared between the branches of a grid (PairSpectra) -------------

def _fourier_coefficients_by_quad(point, a, b, n):
    """n c_k, k = 0 … n/2, of u(|a − b e^{iφ}|) by scipy's adaptive quadrature on [0, π], mirrored
    to numpy's order of n entries."""
    def u(phi):
        return amplitude_shape(point, np.sqrt(a * a + b * b - 2 * a * b * np.cos(phi)))

    half = [n / np.pi * quad(lambda phi: u(phi) * np.cos(k * phi), 0, np.pi, epsabs=1e-13,
                             epsrel=1e-13, limit=200)[0] for k in range(n // 2 + 1)]
    return np.concatenate([half, half[-2:0:-1]])


@pytest.mark.parametrize("disorder", ["smooth", "coulomb"])
def test_pair_spectra_are_the_transforms_of_the_potential_for_either_order_of_the_pair(disorder):
    """Each stored spectrum is n times the Fourier coefficients of u(|p − p' e^{iφ}|), c_k for
    |k| ≤ n/2, for (p, p') in either order: against numpy's complex FFT of the samples on the
    n-point rule (Gaussian, whose rule makes the aliasing < 1e-16), and against scipy's adaptive
    quadrature of each coefficient (Coulomb, intra- and interband pairs up to the largest
    momenta: measured 7e-15 of the largest entry); 1e-12 asserted. A pair added after a lookup
    is found too, and a pair never added raises KeyError. The negative control: for Coulomb disorder the DFT of the samples is off by
    > 1e-4 of the largest entry (the aliasing of the kink at p = p' that the quadrature avoids)."""
    from spinflux.grid import build_grid
    from spinflux.kernels import beyond_born as bb

    point = PointParams(alpha=0.2, tau=1.0, disorder=disorder, kernel="beyond_born",
                        lambda_so=0.1)
    grid = build_grid(point)
    n = bb.angular_points(point, grid)
    phi = 2 * np.pi * np.arange(n) / n

    def dft(a, b):
        q = np.sqrt(np.abs(a[:, None] - b[:, None] * np.exp(1j * phi)) ** 2)
        return np.fft.fft(amplitude_shape(point, q)).real

    if disorder == "smooth":
        direct = dft
    else:
        def direct(a, b):
            return np.array([_fourier_coefficients_by_quad(point, x, y, n) for x, y in zip(a, b)])

    tolerance = 1e-12
    table = bb.PairSpectra(point, grid)
    for branch in (0, 2):  # intraband (with p = p' among its pairs), interband (p ≠ p')
        _, j, jp, M, _ = grid.branches()[branch]
        sample = np.linspace(0, j.size - 1, 12).astype(int)
        table.add(n, grid, j[sample], jp[sample], M)
        p, pp = grid.p[j[sample]], grid.p[jp[sample]]
        expected = direct(p, pp)
        scale = np.abs(expected).max()
        assert np.abs(table(n, p, pp) - expected).max() < tolerance * scale
        assert np.abs(table(n, pp, p) - expected).max() < tolerance * scale
        if disorder == "coulomb" and branch == 0:
            assert np.abs(dft(p, pp) - expected).max() > 1e-4 * scale
    _, j, jp, M, _ = grid.branches()[2]
    table.add(n, grid, j[-5:], jp[-5:], M)
    late_p, late_pp = grid.p[j[-5:]], grid.p[jp[-5:]]
    late = direct(late_p, late_pp)
    assert np.abs(table(n, late_p, late_pp) - late).max() < tolerance * np.abs(late).max()
    assert np.abs(table(n, p, pp) - expected).max() < tolerance * scale  # kept in the merge
    with pytest.raises(KeyError):
        table(n, np.array([0.123]), np.array([0.456]))


def test_the_coulomb_third_order_rule_converges_faster_than_the_aliased_one(monkeypatch):
    """With the potential's Fourier coefficients from Gauss–Legendre quadrature
    (beyond_born.PairSpectra), the third-order blocks of Coulomb disorder converge in the
    number of angles n much faster than the DFT of the n samples did, whose aliasing of the
    kink at q = 0 lost only a factor ~16 per doubling of n (2.1e-2, 1.4e-3, 8.6e-5 at 16, 32,
    64: the negative control, measured with that DFT in place of the quadrature). Skew channel at
    α = 0, τ = 1000 (8.0936) against n = 128: measured 2.3e-4 at 16 and 5.4e-7 at 32 (the
    default), a factor 430; asserted: the default within 2e-6 and the factor above 100."""
    from spinflux.kernels import beyond_born as bb

    point = PointParams(alpha=0.0, tau=1000.0, disorder="coulomb", kernel="beyond_born",
                        lambda_so=0.1)
    default = bb.ANGULAR_POINTS["coulomb"]
    assert default == 32
    skew = {}
    for n in (16, default, 128):  # the rule's size is part of the block cache's key
        monkeypatch.setitem(bb.ANGULAR_POINTS, "coulomb", n)
        skew[n] = solve_batch([point], estimate_error=False)["sigma_sH_skew"][0]
    error = {n: abs(skew[n] - skew[128]) for n in (16, default)}
    assert error[default] < 2e-6
    assert error[16] / error[default] > 100


def test_on_shell_roots_are_snapped_to_grid_momenta_only_when_they_are_grid_momenta():
    """Intermediate states that are grid points come out of the root formula within ~1e-12 of
    them and take the grid's value; roots off the grid (≥ 1.9e-6 away here) keep their own."""
    from spinflux.grid import build_grid
    from spinflux.kernels import beyond_born as bb

    point = PointParams(alpha=0.2, tau=1.0, disorder="coulomb", kernel="beyond_born",
                        lambda_so=0.1)
    grid = build_grid(point)
    momenta = np.unique(grid.p)
    near = momenta[100:110] * (1 + 3e-13)
    far = momenta[100:110] + 1e-7
    assert np.array_equal(bb._snapped(momenta, near), momenta[100:110])
    assert np.array_equal(bb._snapped(momenta, far), far)
    # in the pairs the blocks transform: every intermediate state within 1e-9 of a grid
    # momentum is that momentum, and a root that does not exist is the outgoing momentum
    snapped = 0
    for _, j, jp, M, _ in grid.branches():
        states, pairs = bb._transform_pairs(point, grid, momenta, j, jp, M)
        for i, (_, pr, J) in enumerate(states):
            on_grid = pairs[1 + 2 * i][1]
            assert np.array_equal(on_grid, pairs[2 + 2 * i][0])
            assert np.array_equal(on_grid[J == 0], grid.p[j][J == 0])
            at = np.clip(np.searchsorted(momenta, on_grid), 1, momenta.size - 1)
            gap = np.minimum(np.abs(momenta[at] - on_grid), np.abs(momenta[at - 1] - on_grid))
            assert np.all((gap == 0) | (gap > 1e-9))
            snapped += np.sum((on_grid != pr) & (J > 0))
    assert snapped > 100


@pytest.mark.parametrize("disorder", ["smooth", "coulomb"])
def test_sharing_the_potentials_spectra_between_branches_changes_no_block(disorder):
    """The blocks of every branch from the grid's shared table (``branch_blocks``) are those of
    the branch computed alone, with a table of its own pairs only: bit for bit for Gaussian
    disorder (a row's FFT does not depend on the other rows), to round-off for Coulomb (its
    coefficients are one matrix product per chunk of pairs, whose rounding depends on the
    chunk's size: measured 6e-18 of the branch's largest block; 1e-15 asserted, as for the
    energy groups below). A table that handed a branch another pair's spectrum changes blocks by O(1)."""
    from spinflux.grid import build_grid
    from spinflux.kernels import beyond_born as bb

    point = PointParams(alpha=0.2, tau=1.0, disorder=disorder, kernel="beyond_born",
                        lambda_so=0.1)
    grid = build_grid(point)
    branches = grid.branches()
    bb._CACHE.clear()
    shared = bb.branch_blocks(point, grid, branches)
    checked = 0
    for (_, j, jp, M, Mp), (G, L) in zip(branches, shared):
        alone = bb._grouped_blocks(point, grid, j, jp, M, Mp, [point.lambda_code])[0]
        if disorder == "smooth":
            assert np.array_equal(G, alone[0]) and np.array_equal(L, alone[1])
        scale = max(np.abs(alone[0]).max(initial=0), np.abs(alone[1]).max(initial=0))
        assert np.abs(G - alone[0]).max(initial=0) <= 1e-15 * scale
        assert np.abs(L - alone[1]).max(initial=0) <= 1e-15 * scale
        checked += j.size
    assert checked > 1000


def test_taking_the_transitions_in_energy_groups_changes_no_block(monkeypatch):
    """A grid whose spectra table would exceed TABLE_BUDGET is taken in groups of energy shells;
    with a budget that makes ~40 groups the blocks are those of one group to round-off: ≤ 1e-15
    of the largest block asserted, 1e-23 (Coulomb) and 1e-21 (Gaussian) measured, where the
    matrix products of differently sized chunks differ in the last bit of entries that are
    themselves round-off. A group that lost or misplaced transitions changes blocks by O(1)."""
    from spinflux.grid import build_grid
    from spinflux.kernels import beyond_born as bb

    point = PointParams(alpha=0.2, tau=1.0, disorder="coulomb", kernel="beyond_born",
                        lambda_so=0.1)
    grid = build_grid(point)
    branches = grid.branches()
    lambdas = [point.lambda_code, 0.0]
    whole = bb._computed_blocks(point, grid, branches, lambdas)
    transitions = sum(j.size for _, j, *_ in branches)
    monkeypatch.setattr(bb, "TABLE_BUDGET", transitions * bb.angular_points(point, grid) // 40)
    grouped = bb._computed_blocks(point, grid, branches, lambdas)
    for per_lambda_whole, per_lambda_grouped in zip(whole, grouped):
        scale = max(np.abs(G).max() for G, _ in per_lambda_whole if G.size)
        for (G, L), (g, l) in zip(per_lambda_whole, per_lambda_grouped):
            assert np.abs(G - g).max(initial=0) <= 1e-15 * scale
            assert np.abs(L - l).max(initial=0) <= 1e-15 * scale
