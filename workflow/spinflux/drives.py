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
from scipy.special import expit, exprel

from .bands import BANDS


def fermi(eps, T):
    """F(ε) = 1/(e^{(ε − 1)/T} + 1) at μ = E_F = 1 (code units)."""
    return expit(-(eps - 1.0) / T)


def fermi_derivative(eps, T):
    """F'(ε) = −F(1 − F)/T."""
    F = fermi(eps, T)
    return -F * (1 - F) / T


def divided_difference(eps_a, eps_b, T):
    """[F(ε_a) − F(ε_b)]/(ε_a − ε_b), → F'(ε) as ε_a → ε_b, without cancellation:
    F(a) − F(b) = −F(a)(1 − F(b)) expm1((a − b)/T), and expm1(x)/x is ``scipy.special.exprel``."""
    delta = np.asarray(eps_a - eps_b, dtype=float)
    Fa, Fb = fermi(eps_a, T), fermi(eps_b, T)
    close = np.abs(delta) < T
    with np.errstate(divide="ignore", invalid="ignore"):
        far = (Fa - Fb) / delta
    near = -Fa * (1 - Fb) * exprel(np.where(close, delta, 0.0) / T) / T
    return np.where(close, near, far)


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


def field_spin_orbit(grid, point):
    """i[H_E, f0] with H_E = −λ eE σ_z p_y, the impurity spin-orbit term λσ·(∇U_E × p) of the
    applied field's potential U_E = −eE·r (docs/extrinsic.md §1): with f0 = n0 + s0 ê_φ·σ and
    i[b·σ, s·σ] = −2(b × s)·σ it is −2λ eE p s0 sin φ p̂·σ, i.e. D_E = (0, 0, −2λ p s0, 0)."""
    p = grid.p
    s0 = 0.5 * (fermi(grid.band_energy(0.5, p), point.temperature)
                - fermi(grid.band_energy(-0.5, p), point.temperature))
    out = np.zeros((p.size, 4))
    out[:, 2] = -2 * point.lambda_code * p * s0
    return out


def equilibrium_shift(grid, point):
    """δF = F(H0 + H_E) − F(H0) to first order in E (Daleckii–Krein), docs/extrinsic.md §2:

        δF = Σ_MM' P^M H_E P^M' [F(ε_M) − F(ε_M')]/(ε_M − ε_M') = −λ eE p sin φ σ_z F[ε+, ε−],

    because P^M σ_z P^M = 0: H_E rotates the band projectors and moves no band energy at first
    order. F[ε+, ε−] → F'(ε) at α = 0. Components (0, 0, 0, −λ p F[ε+, ε−])."""
    p = grid.p
    out = np.zeros((p.size, 4))
    out[:, 3] = -point.lambda_code * p * divided_difference(
        grid.band_energy(0.5, p), grid.band_energy(-0.5, p), point.temperature)
    return out
