"""The Rashba band structure (docs/model.md §1), code units ħ = m = 1.

    H0(p) = p²/2 + (α/2) σ·(ẑ × p),    ε_M(p) = p²/2 + M α p,    M = ±½,

Source: A. Khaetskii, PRL 96, 056602 (2006), Eq. 1. The helicity M = +½ state has its spin along
ê_φ = (−sin φ, cos φ, 0); its projector is P^M = (1 + 2M ê_φ·σ)/2 and its velocity
v_M = dε_M/dp = p + Mα. For α > 0 the M = +½ band is the upper one (smaller Fermi momentum).

Every function broadcasts over its array arguments.
"""

from __future__ import annotations

import numpy as np

from .spinor import SIGMA

BANDS = (0.5, -0.5)  # helicity M of the two bands: spin along ±ê_φ


def band_energy(M, p, alpha):
    """ε_M(p) = p²/2 + Mαp (code units); shape of ``p``."""
    return 0.5 * p**2 + M * alpha * p


def band_velocity(M, p, alpha):
    """v_M(p) = p + Mα, the radial group velocity of band M (code units)."""
    return p + M * alpha


def on_shell_roots(M, alpha, E):
    """Momenta of band M at energy E: yields (p_r, J_r, exists) for the two roots
    p_r = −Mα ± sqrt((Mα)² + 2E), with the Jacobian J_r = p_r/|v_M(p_r)| of
    δ(E − ε_M(p)) d²p = J dφ dε and a mask ``exists`` (p_r > 0, real; a double root once).

    Arrays over E; where a root does not exist p_r is set to 1 and J_r to 0.
    """
    E = np.asarray(E, dtype=float)
    disc = (M * alpha) ** 2 + 2 * E
    sq = np.sqrt(np.maximum(disc, 0.0))
    for sign in (1.0, -1.0):
        pr = -M * alpha + sign * sq
        ok = (disc >= 0) & (pr > 0)
        if sign < 0:
            ok &= sq > 0  # a double root is counted once
        pr_safe = np.where(ok, pr, 1.0)
        yield pr_safe, np.where(ok, pr_safe / np.abs(band_velocity(M, pr_safe, alpha)), 0.0), ok


def spin_texture(phi):
    """ê_φ·σ, the spin direction of the M = +½ band at momentum angle φ: shape (..., 2, 2)."""
    phi = np.asarray(phi, dtype=float)[..., None, None]
    return -np.sin(phi) * SIGMA[1] + np.cos(phi) * SIGMA[2]


def projector(M, phi):
    """P^M(φ) = (1 + 2M ê_φ·σ)/2; broadcasts over φ, shape (..., 2, 2)."""
    return 0.5 * (SIGMA[0] + 2 * M * spin_texture(phi))


def mean_fermi_momentum(alpha):
    """p̄_F = (p_F+ + p_F−)/2 = sqrt(p0² + α²/4) at T = 0 (code units, E_F = 1, p0 = √2)."""
    return np.sqrt(2.0 + np.asarray(alpha) ** 2 / 4)


def fermi_momenta(alpha):
    """(p_F,upper, p_F,lower) = p̄_F ∓ |α|/2 at T = 0: the upper band has the smaller one."""
    a = np.abs(alpha)
    pbar = mean_fermi_momentum(alpha)
    return pbar - a / 2, pbar + a / 2
