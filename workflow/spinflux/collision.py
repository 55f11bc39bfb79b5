"""The general energy-conserving collision integral (docs/model.md §3), shared by every kernel.

For one pair of bands (M at p, M' at p') and a 2×2 transition amplitude T_pp' (p' → p),

    gain = T_pp' f_p' P_p'^M' T_pp'† P_p^M + P_p^M T_pp' P_p'^M' f_p' T_pp'†
    loss = T_p'p† P_p'^M' T_p'p P_p^M f_p + f_p P_p^M T_p'p† P_p'^M' T_p'p

    St{f}_p = π N ∫ d²p'/(2π)² Σ_MM' δ(ε_M(p) − ε_M'(p')) (gain − loss),

which for a scalar T = U(p − p') is Eq. 5 of A. Khaetskii, PRL 96, 056602 (2006) written in the
spin basis. With ħ = m = 1, N|U(q)|² = W(q) and the radial δ-function fixing |p'| to a root with
Jacobian J = p'/|v_M'(p')|, the angular integral remains:

    St{f}_p = Σ_roots ½ J ⟨ W(q(φ − φ')) (gain − loss) ⟩_φ',      ⟨·⟩ = (1/2π)∫dφ'.

The kernels (``spinflux.kernels``) supply T; ``reduce_on_angles`` turns any such angular
integrand into 4×4 blocks on the harmonic components of ``spinflux.spinor``.
"""

from __future__ import annotations

import numpy as np

from .spinor import dagger, extract_components


def gain_loss(T_in, T_out, P_out, P_in, f_in, f_out):
    """The gain and loss integrands of the general collision integral (module docstring).

    T_in = T_pp' (p' → p), T_out = T_p'p (p → p'), P_out = P_p^M, P_in = P_p'^M',
    f_in = f_p', f_out = f_p; all broadcast as (..., 2, 2) arrays. Returns (gain, loss).
    """
    gain = T_in @ f_in @ P_in @ dagger(T_in) @ P_out + P_out @ T_in @ P_in @ f_in @ dagger(T_in)
    loss = dagger(T_out) @ P_in @ T_out @ P_out @ f_out + f_out @ P_out @ dagger(T_out) @ P_in @ T_out
    return gain, loss


def blocks_from_samples(X_at_0, X_at_half_pi):
    """4×4 blocks [out, in] from 2×2 integrands sampled at φ = 0 and π/2, for the four harmonic
    basis functions as inputs: shapes (..., 4_in, 2, 2) → (..., 4_out, 4_in)."""
    return np.swapaxes(extract_components(X_at_0, X_at_half_pi), -1, -2)
