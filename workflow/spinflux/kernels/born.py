"""Kernel ``born``: the collision integral with the first-order amplitude (docs/model.md §3).

    T_pp' = U(p − p') [1 + iλσ_z (p × p')_z],      T_p'p = T_pp'†,

the scalar Born amplitude of A. Khaetskii, PRL 96, 056602 (2006), Eqs. 6–7, with the impurity
spin-orbit term λσ·(∇V × p) of the impurity (Engel, Halperin & Rashba, PRL 95, 166605 (2005);
λ = ``lambda_so``/p0² in code units). In the general form of ``spinflux.collision`` the
harmonic reduction needs only the angular moments W_k (``disorder.angular_moments``) of
W(q) = N|U(q)|²: the integrand is W times a trigonometric polynomial of degree ≤ 2 in φ' (≤ 4 with
the λ terms), so

    St{f}_p = Σ_roots ½ J Σ_ℓ,k x^ℓ W_k(p, p') (G[M,M',ℓ,k] · f(p') − L[M,M',ℓ,k] · f(p)),

x = λ p p'. The 4×4 tensors G, L are computed numerically from the general form by
``reduced_tensors`` (docs/derivation.md §3), not typed in.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import disorder as dis
from ..bands import BANDS, projector
from ..collision import blocks_from_samples, gain_loss
from ..drives import fermi_derivative
from ..spinor import SIGMA, dagger, extract_components, harmonic_basis, impurity_spin_orbit_matrix

NAME = "born"
KMAX = 2  # highest angular moment of W entering the scalar-T kernel
#: powers ℓ of x = λ p p' that the gain and loss terms contain (T is linear in x)
SO_POWERS = 3
#: highest moment of W with the impurity spin-orbit term: sin² (φ' − φ) raises the degree by 2
KMAX_SO = KMAX + 2


@lru_cache(maxsize=None)
def reduced_tensors(kmax: int = KMAX, n_quad: int = 16, spin_orbit: bool = False):
    """Coefficient tensors of the reduced Born collision integral.

    Returns (G, L) of shape (2, 2, P, kmax+1, 4, 4) indexed [M, M', ℓ, k, out, in] (P = 1, or
    SO_POWERS with ``spin_orbit``) such that for a root p' of band M' at the energy of band M at p

        St{f}_p ⊃ ½ J Σ_ℓ,k x^ℓ W_k(p, p') (G[M,M',ℓ,k] · f(p') − L[M,M',ℓ,k] · f(p)),

    with x = λ p p' the impurity spin-orbit coupling (T = U[1 + i x sin(φ' − φ) σ_z] for
    p' → p, its adjoint for p → p'). Computed by evaluating ``collision.gain_loss`` on
    ``n_quad`` uniform angles φ', exact for the trigonometric polynomials of degree < n_quad that
    occur; the polynomial in x (degree 2) is recovered exactly from x = 0, ±1. The moment weights
    are w_0 = 1, w_k = 2 cos kθ (W(θ) = W_0 + 2 Σ_k W_k cos kθ).
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
                    raw[iM, iMp, ix, t] = blocks_from_samples(X["0"][t], X["pi2"][t])
    if spin_orbit:  # f(x) = c0 + c1 x + c2 x²  from f(0), f(1), f(−1)
        f0, fp, fm = raw[:, :, 0], raw[:, :, 1], raw[:, :, 2]
        coeffs = np.stack([f0, 0.5 * (fp - fm), 0.5 * (fp + fm) - f0], axis=2)
    else:
        coeffs = raw
    return coeffs[:, :, :, 0], coeffs[:, :, :, 1]


@lru_cache(maxsize=None)
def _stacked_tensors(spin_orbit: bool = False):
    """G and L of ``reduced_tensors`` stacked per branch b = 2(2 iM + iM') + root sign, as
    (branches·powers·(kmax+1), 16) matrices for ``assemble``."""
    kmax = KMAX_SO if spin_orbit else KMAX
    G, L = reduced_tensors(kmax, spin_orbit=spin_orbit)
    per_pair = G.shape[2] * (kmax + 1)
    stack = lambda T: np.repeat(T.reshape(4, per_pair, 16), 2, axis=0).reshape(-1, 16)
    return stack(G), stack(L)


@lru_cache(maxsize=None)
def coordinate_shift_tensors(kmax: int = KMAX_SO, n_quad: int = 16):
    """Tensors of the coordinate-shift (side-jump) source, docs/extrinsic.md §3.

    Returns C of shape (2, 2, 2, kmax+1, 2, 4) indexed [M, M', ℓ, k, term, out] with

        C[..., 0, :] = components of ⟨w_k(θ) sin φ' (S_ℓ P'^M' σ_z P^M + P^M σ_z P'^M' S_ℓ†)⟩_φ',
        C[..., 1, :] = the same with sin φ instead of sin φ',

    S_0 = 1, S_1 = i sin(φ' − φ) σ_z (the two powers of x = λpp' in S = 1 + i x sin(φ' − φ) σ_z),
    evaluated at φ = 0 and π/2 on ``n_quad`` angles (exact: degree ≤ 3 + kmax < n_quad).
    """
    phi_in = 2 * np.pi * np.arange(n_quad) / n_quad
    out = np.zeros((2, 2, 2, kmax + 1, 2, 4))
    for iM, M in enumerate(BANDS):
        for iMp, Mp in enumerate(BANDS):
            for ell in (0, 1):
                X = []
                for phi_out in (0.0, np.pi / 2):
                    theta = phi_out - phi_in
                    w = np.array([np.ones_like(theta)]
                                 + [2 * np.cos(k * theta) for k in range(1, kmax + 1)])
                    S = (SIGMA[0] + 0 * theta[:, None, None] if ell == 0 else
                         1j * np.sin(-theta)[:, None, None] * SIGMA[3])
                    P, Pp = projector(M, phi_out), projector(Mp, phi_in)
                    M_term = S @ Pp @ SIGMA[3] @ P + P @ SIGMA[3] @ Pp @ dagger(S)  # (q, 2, 2)
                    y = np.stack([np.sin(phi_in), np.full_like(phi_in, np.sin(phi_out))])
                    X.append(np.einsum("kq,tq,qab->ktab", w, y, M_term) / n_quad)
                out[iM, iMp, ell] = extract_components(X[0], X[1])
    return out


def assemble(point, grid, ops, pos, branches, nonconserving=None):
    """Add the reduced Born collision operator of one point into ``ops`` at chain positions ``pos``.

    ``branches`` are the transitions of ``grid.branches()``; the Born kernel has no part that
    breaks spin conservation of scalar impurities, so ``nonconserving`` is left alone. Each root branch b (band pair and
    root sign) contributes ½J x^ℓ W_k(p, p') G_b,ℓ,k to the block (p, p') and −½J x^ℓ W_k L_b,ℓ,k
    to (p, p), x = λ p p' the impurity spin-orbit coupling (ℓ = 0 only without it). The scalar
    coefficients of all transitions are computed at once; each branch then turns its own into
    4×4 blocks by one matrix product for the gain and one for the loss.

    Returns the kernel's field corrections at O(E) acting on f0: {"coordinate_shift": D_b}
    (``_coordinate_shift``) when λ ≠ 0, else {}.
    """
    spin_orbit = point.lambda_so != 0
    kmax, powers = (KMAX_SO, SO_POWERS) if spin_orbit else (KMAX, 1)
    gain_tensors, loss_tensors = _stacked_tensors(spin_orbit)
    # W_k(p, p') is symmetric: evaluate it once per unordered pair of grid points
    lo = np.concatenate([np.minimum(j, jp) for _, j, jp, _, _ in branches])
    hi = np.concatenate([np.maximum(j, jp) for _, j, jp, _, _ in branches])
    keys, inverse = np.unique(lo * grid.size + hi, return_inverse=True)
    moments = dis.angular_moments(point.disorder, grid.p[keys // grid.size],
                                  grid.p[keys % grid.size], kmax, dis.strength(point),
                                  **dis.shape_parameters(point))
    # the scalar coefficients ½J x^ℓ W_k of every transition at once, in branch order
    j_all = np.concatenate([j for _, j, _, _, _ in branches])
    jp_all = np.concatenate([jp for _, _, jp, _, _ in branches])
    speed = np.concatenate([np.abs(grid.band_velocity(M_in, grid.p[jp]))
                            for _, _, jp, _, M_in in branches])
    d_all = pos[jp_all] - pos[j_all]
    if np.any(np.abs(d_all) > 1):
        raise RuntimeError("coupling outside the ladder chain")
    half_jac_W = (0.5 * grid.p[jp_all] / speed * moments[:, inverse]).T  # (transitions, k)
    coeff = half_jac_W
    if powers > 1:
        x = point.lambda_code * grid.p[j_all] * grid.p[jp_all]
        x_powers = np.ones((x.size, powers))
        for ell in range(1, powers):  # products, not float powers (6× slower)
            x_powers[:, ell] = x_powers[:, ell - 1] * x
        coeff = x_powers[:, :, None] * coeff[:, None, :]
    coeff = coeff.reshape(j_all.size, powers * (kmax + 1))
    gain = gain_tensors.reshape(-1, coeff.shape[1], 16)  # (branch, ℓ·k, 16)
    loss = loss_tensors.reshape(-1, coeff.shape[1], 16)
    # blocks[d + 1, P] as row (d + 1)·size + P of one (3·size, 16) view: a single fancy index
    # is several times faster than the pair
    size = ops.blocks.shape[1]
    flat = ops.blocks.view()
    flat.shape = (3 * size, 16)  # raises rather than copies if the blocks are not contiguous
    diag = flat[size:2 * size]
    block_rows = (d_all + 1) * size + pos[j_all]
    start = 0
    for b, j, _, _, _ in branches:
        at = slice(start, start + j.size)
        start += j.size
        # a branch has one transition per p_j (grid.branches), so each row of these buffered
        # fancy-index updates is written once
        flat[block_rows[at]] += coeff[at] @ gain[b]
        diag[pos[j]] -= coeff[at] @ loss[b]
    if not spin_orbit:
        return {}
    return {"coordinate_shift": _coordinate_shift(point, grid, branches, half_jac_W)}


def _coordinate_shift(point, grid, branches, half_jac_W):
    """The side-jump source J_b{f0} of the coordinate shift (docs/extrinsic.md §3), eE = 1:

        D_b(p) = −λ Σ_roots ½ J F'(ε_M(p)) ⟨W(q) (p'_y − p_y) (S P'σ_zP + Pσ_zP'S†)⟩_φ',

    S = 1 + iλσ_z (p × p')_z; shape (N, 4) in grid order. ``half_jac_W`` holds ½J W_k of every
    transition of ``branches``, in their order (transitions, k) (``assemble``)."""
    C = coordinate_shift_tensors()  # [M, M', ℓ, k, term, out]
    kmax = C.shape[3]
    # (k, ℓ·term·out) per band pair: one product per branch gives both powers of x and both terms
    C = np.ascontiguousarray(C.transpose(0, 1, 3, 2, 4, 5)).reshape(2, 2, kmax, 16)
    lam = point.lambda_code
    source = np.zeros((grid.size, 4))
    start = 0
    for b, j, jp, M, M_in in branches:
        jac_W = half_jac_W[start:start + j.size, :kmax]  # (n, k)
        start += j.size
        p, pp = grid.p[j], grid.p[jp]
        weight = -lam * fermi_derivative(grid.band_energy(M, p), point.temperature)
        terms = (jac_W @ C[BANDS.index(M), BANDS.index(M_in)]).reshape(-1, 2, 2, 4)
        # (p'_y − p_y): term 0 carries sin φ', term 1 sin φ; ℓ = 0, 1 the powers of x = λpp'
        contribution = pp[:, None, None] * terms[:, :, 0] - p[:, None, None] * terms[:, :, 1]
        # one transition per p_j in a branch: the buffered fancy-index += adds each once
        source[j] += weight[:, None] * (contribution[:, 0] + (lam * p * pp)[:, None]
                                        * contribution[:, 1])
    return source


def coordinate_shift_reference(point, grid, n_phi=32):
    """D_b of ``_coordinate_shift`` on a full angular grid, from the amplitude and the projectors
    directly (no moments, no tensors), for the tests: shape (N, N_φ, 2, 2)."""
    phi = 2 * np.pi * np.arange(n_phi) / n_phi
    out = np.zeros((grid.size, n_phi, 2, 2), dtype=complex)
    for M in BANDS:
        P = projector(M, phi)[None, :, None]
        for Mp in BANDS:
            Pp = projector(Mp, phi)[None, None, :]
            for j, jp in grid.partners(M, Mp):
                p, pp = grid.p[j], grid.p[jp]
                U, S = _amplitude_parts(point, p, phi, pp, phi)  # (t, a, b), (t, a, b, 2, 2)
                y = pp[:, None, None] * np.sin(phi)[None, None, :] - p[:, None, None] * np.sin(phi)[None, :, None]
                X = (U**2 * y)[..., None, None] * (S @ Pp @ SIGMA[3] @ P + P @ SIGMA[3] @ Pp @ dagger(S))
                weight = (-point.lambda_code * 0.5 * pp / np.abs(grid.band_velocity(Mp, pp))
                          * fermi_derivative(grid.band_energy(M, p), point.temperature))
                out[j] += weight[:, None, None, None] * X.mean(axis=2)
    return out


def _amplitude_parts(point, p_out, phi_out, p_in, phi_in):
    """U(q) = sqrt(W(q)) of shape (t, A, B) and S = 1 + iλσ_z (p × p')_z of shape (t, A, B, 2, 2)
    for p_out (t,) at phi_out (A,) ← p_in (t,) at phi_in (B,)."""
    cos_dphi = np.cos(phi_out[:, None] - phi_in[None, :])
    q = np.sqrt(np.maximum(p_out[:, None, None] ** 2 + p_in[:, None, None] ** 2
                           - 2 * (p_out * p_in)[:, None, None] * cos_dphi, 0.0))
    U = np.sqrt(dis.correlator(point, q))
    x = (point.lambda_code * p_out * p_in)[:, None, None]
    sin_in = np.sin(phi_in[None, :] - phi_out[:, None])[None]  # sin(φ' − φ), (1, a, b)
    return U, impurity_spin_orbit_matrix(x, sin_in)


def amplitude(point, p_out, phi_out, p_in, phi_in):
    """T_pp' = U(q)[1 + iλσ_z (p × p')_z] on a full angular grid, for the reference path.

    p_out, p_in: (t,) momenta; phi_out (A,), phi_in (B,): returns (T_pp', T_p'p), each of shape
    (t, A, B, 2, 2), with U = sqrt(W(q)) (``disorder.correlator``).
    """
    U, S = _amplitude_parts(point, p_out, phi_out, p_in, phi_in)
    return U[..., None, None] * S, U[..., None, None] * dagger(S)


def reference_gain_loss(point, grid, M, p, pp, phi, P_out, P_in, f_in, f_out):
    """Gain and loss of the general form with the Born amplitude on a full angular grid
    (``spinflux.reference``): shapes (t, A, B, 2, 2)."""
    T_in, T_out = amplitude(point, p, phi, pp, phi)
    return gain_loss(T_in, T_out, P_out, P_in, f_in, f_out)
