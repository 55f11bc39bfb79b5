"""Right-hand sides of the kinetic equation (docs/model.md §2), harmonic components, eE = 1.

The field enters the linearised kinetic equation (St − Prec) f1 = D through

    D_acc = (∂_p n0, ∂_p s0, 0, 0)    the change of the distribution under acceleration,
    D_int = (0, 0, s0/p, 0)           the rotation of the spin axis ê_φ with φ ("intrinsic"),

with n0 = [F(ε+) + F(ε−)]/2, s0 = [F(ε+) − F(ε−)]/2 (ε± the M = ±½ bands, F the Fermi function
at μ = 1): eE ∂f0/∂p_x = cos φ n0' + cos φ s0' ê_φ·σ + (s0/p) sin φ p̂·σ (A. Khaetskii,
PRL 96, 056602 (2006), Eq. 4 and the two terms of Eq. 14). Each function returns an array of
shape (N, 4) on the grid's momenta.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .bands import BANDS


def fermi(eps, T):
    """F(ε) = 1/(e^{(ε − 1)/T} + 1) at μ = E_F = 1 (code units)."""
    return expit(-(eps - 1.0) / T)


def acceleration(grid, T):
    """D_acc of the module docstring (eE = 1), shape (N, 4)."""
    p = grid.p
    F = {M: fermi(grid.band_energy(M, p), T) for M in BANDS}
    dF = {M: -F[M] * (1 - F[M]) / T * grid.band_velocity(M, p) for M in BANDS}  # dF/dp
    acc = np.zeros((p.size, 4))
    acc[:, 0] = 0.5 * (dF[0.5] + dF[-0.5])
    acc[:, 1] = 0.5 * (dF[0.5] - dF[-0.5])
    return acc


def intrinsic(grid, T):
    """D_int of the module docstring (eE = 1), shape (N, 4)."""
    p = grid.p
    intr = np.zeros((p.size, 4))
    intr[:, 2] = 0.5 * (fermi(grid.band_energy(0.5, p), T) - fermi(grid.band_energy(-0.5, p), T)) / p
    return intr
