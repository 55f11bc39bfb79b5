"""The full-angular reference: the collision integral on a (p, φ) grid for arbitrary 2×2 f.

Uses the same ladder grid for |p| (exact δ-function roots) and N_φ uniform angles; the φ'
integral is trapezoidal with W(q) evaluated pointwise, no harmonic reduction. Slow; the tests
compare the reduced operators of ``spinflux.kernels`` with it (docs/derivation.md §2–3).
"""

from __future__ import annotations

import numpy as np

from .bands import BANDS, projector
from .kernels import kernel


class FullAngularCollision:
    """St{f} of the point's scattering kernel (born, beyond_born) on a full (p, φ) grid."""

    def __init__(self, grid, point, n_phi: int = 32):
        self.grid, self.point, self.n_phi = grid, point, n_phi
        self.phi = 2 * np.pi * np.arange(n_phi) / n_phi
        self.kernel = kernel(point.kernel)
        if not hasattr(self.kernel, "reference_gain_loss"):
            raise ValueError(f"kernel {point.kernel!r} has no scattering amplitude to reference")

    def apply(self, f):
        """St{f} for f of shape (N, N_φ, 2, 2); returns the same shape."""
        g, phi = self.grid, self.phi
        out = np.zeros_like(f, dtype=complex)
        for M in BANDS:
            P_out = projector(M, phi)[None, :, None]  # (1, a, 1, 2, 2)
            for Mp in BANDS:
                P_in = projector(Mp, phi)[None, None, :]  # (1, 1, b, 2, 2)
                for j, jp in g.partners(M, Mp):
                    p, pp = g.p[j], g.p[jp]
                    jac = pp / np.abs(g.band_velocity(Mp, pp))
                    gain, loss = self.kernel.reference_gain_loss(
                        self.point, g, M, p, pp, phi, P_out, P_in,
                        f[jp][:, None, :], f[j][:, :, None])
                    out[j] += 0.5 * jac[:, None, None, None] * (gain - loss).mean(axis=2)
        return out
