"""Pauli algebra and the angular harmonic of the response to E ∥ x (docs/model.md §2).

By rotational covariance and the mirror y → −y, the linear response to E ∥ x of an isotropic
system has one angular harmonic (A. Khaetskii, PRL 96, 056602 (2006), text after Eq. 11):

    f1(p, φ) = n cos φ + s_φ cos φ ê_φ·σ + s_p sin φ p̂·σ + s_z sin φ σ_z,

with four real functions (n, s_φ, s_p, s_z) of |p| (``COMPONENTS``).
"""

from __future__ import annotations

import numpy as np

SIGMA = np.array([[[1, 0], [0, 1]], [[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]],
                 dtype=complex)  # 1, σx, σy, σz
COMPONENTS = ("n", "s_phi", "s_p", "s_z")
#: the uniform in-plane spin s ŷ in harmonic components (s_φ = s_p), normalised
UNIFORM_SPIN_Y = np.array([0.0, 1.0, 1.0, 0.0]) / np.sqrt(2.0)


def dagger(X):
    """Hermitian conjugate over the last two axes."""
    return np.conj(np.swapaxes(X, -1, -2))


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
    s_z = ½Tr(σ_z X). Shapes (..., 2, 2) → (..., 4).
    """
    tr = lambda X, S: 0.5 * np.einsum("ab,...ba->...", S, X).real
    return np.stack([tr(X_at_0, SIGMA[0]), tr(X_at_0, SIGMA[2]),
                     tr(X_at_half_pi, SIGMA[2]), tr(X_at_half_pi, SIGMA[3])], axis=-1)


def impurity_spin_orbit_matrix(x, sin_angle):
    """1 + i x sin(φ' − φ) σ_z: the spin structure of U_pp' = U(q)[1 + iλσ_z (p × p')_z] with
    x = λ p p' (docs/model.md §3); broadcasts over x and the angle, shape (..., 2, 2)."""
    return SIGMA[0] + 1j * (np.asarray(x) * np.asarray(sin_angle))[..., None, None] * SIGMA[3]
