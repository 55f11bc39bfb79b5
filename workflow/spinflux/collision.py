"""The collision integral of physics.md §3, in two discretisations.

The general energy-conserving form, for one pair of bands (M at p, M' at p') is

    gain = T_pp' f_p' P_p'^M' T_pp'† P_p^M + P_p^M T_pp' P_p'^M' f_p' T_pp'†
    loss = T_p'p† P_p'^M' T_p'p P_p^M f_p + f_p P_p^M T_p'p† P_p'^M' T_p'p

    St{f}_p = π N ∫ d²p'/(2π)² Σ_MM' δ(ε_M(p) − ε_M'(p')) (gain − loss).

With ħ = m = 1, N|U(q)|² = W(q), and the radial δ-function fixing |p'| to a root with
Jacobian J = p'/|v_M'(p')|, the angular integral remains:

    St{f}_p = Σ_roots ½ J ⟨ W(q(φ − φ')) (gain − loss) ⟩_φ',      ⟨·⟩ = (1/2π)∫dφ'.

* ``reduced``: f in the single angular harmonic of the response to E ∥ x,
  f = n cos φ + s_φ cos φ ê_φ·σ + s_p sin φ p̂·σ + s_z sin φ σ_z, components (n, s_φ, s_p, s_z).
  Because the projectors and the harmonic basis are trigonometric polynomials of degree ≤ 2
  in φ', only the moments W_k (k ≤ 2) of W enter. The 4×4 coefficient tensors of each moment
  are computed here once, numerically, by evaluating the general form above on an angular
  grid that integrates these polynomials exactly (see docs/derivation.md).
* ``FullAngularCollision``: the same formula on a full (p, φ) grid for an arbitrary 2×2
  f(p, φ), trapezoidal in φ' with W(q) evaluated directly. Slow; used as the reference.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import disorder as dis
from .grid import BANDS, LadderGrid
from .params import P0, PointParams

SIGMA = np.array([[[1, 0], [0, 1]], [[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]],
                 dtype=complex)  # 1, σx, σy, σz
COMPONENTS = ("n", "s_phi", "s_p", "s_z")
KMAX = 2  # highest angular moment of W entering the scalar-T kernel


def projector(M, phi):
    """P^M(φ) = (1 + 2M ê_φ·σ)/2, ê_φ = (−sin φ, cos φ); broadcasts over φ."""
    phi = np.asarray(phi, dtype=float)[..., None, None]
    e_sigma = -np.sin(phi) * SIGMA[1] + np.cos(phi) * SIGMA[2]
    return 0.5 * (SIGMA[0] + 2 * M * e_sigma)


def harmonic_basis(phi):
    """The four 2×2 basis functions of the E ∥ x harmonic at angle φ, shape (..., 4, 2, 2)."""
    phi = np.asarray(phi, dtype=float)[..., None, None]
    c, s = np.cos(phi), np.sin(phi)
    e_phi = -s * SIGMA[1] + c * SIGMA[2]
    p_hat = c * SIGMA[1] + s * SIGMA[2]
    return np.stack([c * SIGMA[0], c * e_phi, s * p_hat, s * SIGMA[3]], axis=-3)


def extract_components(X_at_0, X_at_half_pi):
    """Components (n, s_φ, s_p, s_z) of a harmonic 2×2 field sampled at φ = 0 and φ = π/2.

    At φ = 0: n = ½Tr X, s_φ = ½Tr(σ_y X) (ê_φ = ŷ); at φ = π/2: s_p = ½Tr(σ_y X) (p̂ = ŷ),
    s_z = ½Tr(σ_z X).
    """
    tr = lambda X, S: 0.5 * np.einsum("ab,...ba->...", S, X).real
    return np.stack([tr(X_at_0, SIGMA[0]), tr(X_at_0, SIGMA[2]),
                     tr(X_at_half_pi, SIGMA[2]), tr(X_at_half_pi, SIGMA[3])], axis=-1)


def dagger(X):
    return np.conj(np.swapaxes(X, -1, -2))


def gain_loss(T_in, T_out, P_out, P_in, f_in, f_out):
    """The gain and loss integrands of the general collision integral (module docstring).

    T_in = T_pp' (p' → p), T_out = T_p'p (p → p'), P_out = P_p^M, P_in = P_p'^M',
    f_in = f_p', f_out = f_p; all broadcast as (..., 2, 2) arrays.
    """
    gain = T_in @ f_in @ P_in @ dagger(T_in) @ P_out + P_out @ T_in @ P_in @ f_in @ dagger(T_in)
    loss = dagger(T_out) @ P_in @ T_out @ P_out @ f_out + f_out @ P_out @ dagger(T_out) @ P_in @ T_out
    return gain, loss


def impurity_spin_orbit_matrix(x, sin_angle):
    """1 + i x sin(φ' − φ) σ_z: the spin structure of T_pp' = U(q)[1 + iλσ_z (p × p')_z] with
    x = λ p p' (physics.md §3); broadcasts over x and the angle."""
    return SIGMA[0] + 1j * (np.asarray(x) * np.asarray(sin_angle))[..., None, None] * SIGMA[3]


#: powers ℓ of x = λ p p' that the gain and loss terms contain (T is linear in x)
SO_POWERS = 3
#: highest moment of W with the impurity spin-orbit term: sin² (φ' − φ) raises the degree by 2
KMAX_SO = KMAX + 2


@lru_cache(maxsize=None)
def reduced_tensors(kmax: int = KMAX, n_quad: int = 16, spin_orbit: bool = False):
    """Coefficient tensors of the reduced collision integral.

    Returns (G, L) of shape (2, 2, P, kmax+1, 4, 4) indexed [M, M', ℓ, k, out, in] (P = 1, or
    SO_POWERS with ``spin_orbit``) such that for a root p' of band M' at the energy of band M at p

        St{f}_p ⊃ ½ J Σ_ℓ,k x^ℓ W_k(p, p') (G[M,M',ℓ,k] · f(p') − L[M,M',ℓ,k] · f(p)),

    with x = λ p p' the impurity spin-orbit coupling (T = U[1 + i x sin(φ' − φ) σ_z] for
    p' → p, its adjoint for p → p'). Computed by evaluating ``gain_loss`` on ``n_quad`` uniform
    angles φ', exact for the trigonometric polynomials of degree < n_quad that occur; the
    polynomial in x (degree 2) is recovered exactly from x = 0, ±1. The moment weights are
    w_0 = 1, w_k = 2 cos kθ (W(θ) = W_0 + 2 Σ_k W_k cos kθ).
    """
    phi_in = 2 * np.pi * np.arange(n_quad) / n_quad
    xs = (0.0, 1.0, -1.0) if spin_orbit else (0.0,)
    raw = np.zeros((2, 2, len(xs), 2, kmax + 1, 4, 4))  # [M, M', x, gain/loss, k, out, in]
    for iM, M in enumerate(BANDS):
        for iMp, Mp in enumerate(BANDS):
            for ix, x in enumerate(xs):
                X = {}
                for label, phi_out in (("0", 0.0), ("pi2", np.pi / 2)):
                    theta = phi_out - phi_in
                    w = np.array([np.ones_like(theta)]
                                 + [2 * np.cos(k * theta) for k in range(1, kmax + 1)])
                    T_in = impurity_spin_orbit_matrix(x, np.sin(-theta))[:, None]
                    T_out = impurity_spin_orbit_matrix(-x, np.sin(-theta))[:, None]
                    P_out = projector(M, phi_out)
                    P_in = projector(Mp, phi_in)[:, None]  # (q, 1, 2, 2) against the 4 inputs
                    f_in = harmonic_basis(phi_in)  # (q, 4, 2, 2)
                    f_out = harmonic_basis(phi_out)[None]  # (1, 4, 2, 2)
                    gain, loss = gain_loss(T_in, T_out, P_out, P_in, f_in, f_out)
                    X[label] = (np.einsum("kq,qcab->kcab", w, gain) / n_quad,
                                np.einsum("kq,qcab->kcab", w, loss) / n_quad)
                for t in (0, 1):
                    raw[iM, iMp, ix, t] = np.swapaxes(
                        extract_components(X["0"][t], X["pi2"][t]), -1, -2)
    if spin_orbit:  # f(x) = c0 + c1 x + c2 x²  from f(0), f(1), f(−1)
        f0, fp, fm = raw[:, :, 0], raw[:, :, 1], raw[:, :, 2]
        coeffs = np.stack([f0, 0.5 * (fp - fm), 0.5 * (fp + fm) - f0], axis=2)
    else:
        coeffs = raw
    return coeffs[:, :, :, 0], coeffs[:, :, :, 1]


class FullAngularCollision:
    """Reference: the collision integral on a full (p, φ) grid for arbitrary Hermitian f.

    Uses the same ladder grid for |p| (exact δ-function roots) and N_φ uniform angles;
    the φ' integral is trapezoidal with W(q) evaluated pointwise, no harmonic reduction.
    """

    def __init__(self, grid: LadderGrid, point: PointParams, n_phi: int = 32):
        self.grid, self.point, self.n_phi = grid, point, n_phi
        self.phi = 2 * np.pi * np.arange(n_phi) / n_phi

    def apply(self, f):
        """St{f} for f of shape (N, N_φ, 2, 2); returns the same shape."""
        g, phi = self.grid, self.phi
        out = np.zeros_like(f, dtype=complex)
        cos_dphi = np.cos(phi[:, None] - phi[None, :])  # (a = out angle, b = in angle)
        for M in BANDS:
            P_out = projector(M, phi)[None, :, None]  # (1, a, 1, 2, 2)
            for Mp in BANDS:
                P_in = projector(Mp, phi)[None, None, :]  # (1, 1, b, 2, 2)
                for j, jp in g.partners(M, Mp):
                    p, pp = g.p[j], g.p[jp]
                    jac = pp / np.abs(g.band_velocity(Mp, pp))
                    q = np.sqrt(np.maximum(p[:, None, None] ** 2 + pp[:, None, None] ** 2
                                           - 2 * (p * pp)[:, None, None] * cos_dphi, 0.0))
                    U = np.sqrt(dis.correlator(self.point, q))[..., None, None]
                    x = (self.point.lambda_so / P0**2 * p * pp)[:, None, None]
                    sin_in = np.sin(phi[None, :] - phi[:, None])[None]  # sin(φ' − φ), (1, a, b)
                    T_in = U * impurity_spin_orbit_matrix(x, sin_in)  # T_pp'
                    T_out = U * impurity_spin_orbit_matrix(-x, sin_in)  # T_p'p = T_pp'†
                    gain, loss = gain_loss(T_in, T_out, P_out, P_in,
                                           f[jp][:, None, :], f[j][:, :, None])
                    if self.point.kernel == "beyond_born":
                        gain3, loss3 = self._third_order(M, p, pp, U, T_in, P_out, P_in, f, j, jp)
                        gain, loss = gain + gain3, loss + loss3
                    out[j] += 0.5 * jac[:, None, None, None] * (gain - loss).mean(axis=2)
        return out

    def _third_order(self, M, p, pp, U, T_in, P_out, P_in, f, j, jp):
        """N U(0)³ cross(U1, t2) of beyond_born, with T2 on the full (φ, φ') grid; N U(0)² is
        W(0) and U (= sqrt W(q)) already carries sqrt(W(0)), so U1 = T_in/sqrt(W(0))."""
        from . import beyond_born  # the reference imports the kernel module lazily (no cycle)

        W0 = dis.forward_correlator(self.point)
        U0 = beyond_born.born_amplitude_zero(self.point)
        E = 0.5 * p**2 + M * self.point.alpha_code * p
        t2 = beyond_born.second_order_amplitude(self.point, E, p, self.phi, pp, self.phi,
                                                beyond_born.angular_points(self.point, self.grid))
        U1 = T_in / np.sqrt(W0)
        gain, loss = beyond_born.third_order_cross(U1, t2, P_out, P_in,
                                                   f[jp][:, None, :], f[j][:, :, None])
        return W0 * U0 * gain, W0 * U0 * loss
