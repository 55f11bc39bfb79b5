"""Disorder correlators W(q) = N m |U(q)|²/ħ³ and their angular moments (code units).

For a scattering p' → p with |p| = p, |p'| = p' and angle θ between them,
q² = p² + p'² − 2 p p' cos θ. The collision integral needs the Fourier moments

    W_k(p, p') = (1/2π) ∫_0^{2π} dθ W(q(θ)) cos kθ,          k = 0, 1, 2, …

The strength is fixed by the transport time at the mean Fermi momentum p̄_F
(docs/model.md §1):  1/τ = (1/2π) ∫ dθ W(2 p̄_F sin(θ/2)) (1 − cos θ).

Shapes (R, d, q_TF in code units):
  delta   : W = w0
  smooth  : W = w0 exp(−q² R²/2)
  coulomb : W = w0 [exp(−q d)/(q + q_TF)]²
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.special import i0e, i1e, ive

from .parameters import P0, PointParams

#: Gauss–Legendre order for the Coulomb moments on θ ∈ [0, π]; see docs/convergence.md.
COULOMB_ANGULAR_POINTS = 48


@lru_cache(maxsize=8)
def gauss_theta(n: int):
    """Gauss–Legendre nodes θ (n,) and weights (n,) on [0, π] (the weights sum to π)."""
    x, w = np.polynomial.legendre.leggauss(n)
    theta = 0.5 * np.pi * (x + 1.0)
    return theta, 0.5 * np.pi * w


def shape_parameters(p: PointParams) -> dict:
    """Length scales of the correlator in code units."""
    return {
        "R": p.correlation_length / P0,
        "d": p.spacer_distance / P0,
        "qtf": p.screening_wavevector * P0,
    }


def coulomb_shape(q, d, qtf):
    return (np.exp(-q * d) / (q + qtf)) ** 2


def _scaled_bessel(kmax: int, x):
    """Ĩ_k(x) = e^{−x} I_k(x) for k = 0..kmax: i0e, i1e and the upward recurrence
    I_{k+1} = I_{k−1} − (2k/x) I_k where it is stable (x ≥ kmax), ive elsewhere."""
    out = np.empty((kmax + 1,) + x.shape)
    out[0] = i0e(x)
    if kmax >= 1:
        out[1] = i1e(x)
    small = x < kmax
    for k in range(1, kmax):
        with np.errstate(divide="ignore", invalid="ignore"):
            out[k + 1] = out[k - 1] - (2 * k / x) * out[k]
        out[k + 1][small] = ive(k + 1, x[small])
    return out


def strength(p: PointParams, n_theta: int | None = None) -> float:
    """w0 such that the transport time at p̄_F equals ``p.tau`` (code units)."""
    pbar = p.mean_fermi_momentum
    s = shape_parameters(p)
    if p.disorder == "delta":
        integral = 1.0
    elif p.disorder == "smooth":
        a = (pbar * s["R"]) ** 2
        # (1/2π)∫ e^{−a(1−cos θ)}(1 − cos θ) dθ = e^{−a}[I0(a) − I1(a)]
        integral = float(ive(0, a) - ive(1, a))
    else:
        theta, w = gauss_theta(n_theta or COULOMB_ANGULAR_POINTS)
        q = 2 * pbar * np.sin(theta / 2)
        integral = float(np.sum(w * coulomb_shape(q, s["d"], s["qtf"]) * (1 - np.cos(theta))) / np.pi)
    return 1.0 / (p.tau * integral)


def correlator(p: PointParams, q):
    """W(q) for the point's disorder, code units (used by the full-angular reference)."""
    w0 = strength(p)
    s = shape_parameters(p)
    q = np.asarray(q, dtype=float)
    if p.disorder == "delta":
        return np.full_like(q, w0)
    if p.disorder == "smooth":
        return w0 * np.exp(-0.5 * (q * s["R"]) ** 2)
    return w0 * coulomb_shape(q, s["d"], s["qtf"])


def angular_moments(disorder: str, p, pp, kmax: int, w0, R=None, d=None, qtf=None,
                    n_theta: int | None = None):
    """W_k(p, p') for k = 0..kmax, shape (kmax+1, *p.shape).

    All arguments broadcast: one entry per (grid point, transition). ``delta`` is exact,
    ``smooth`` uses the closed form W_k = w0 e^{−R²(p−p')²/2} Ĩ_k(R² p p') with the scaled
    Bessel function Ĩ_k(x) = e^{−x} I_k(x), ``coulomb`` Gauss–Legendre quadrature on [0, π].
    """
    p = np.asarray(p, dtype=float)
    pp = np.asarray(pp, dtype=float)
    if disorder == "delta":
        out = np.zeros((kmax + 1,) + p.shape)
        out[0] = w0
        return out
    if disorder == "smooth":
        return w0 * np.exp(-0.5 * R**2 * (p - pp) ** 2) * _scaled_bessel(kmax, R**2 * p * pp)
    if disorder == "coulomb":
        theta, w = gauss_theta(n_theta or COULOMB_ANGULAR_POINTS)
        q = np.sqrt(np.maximum(p[..., None] ** 2 + pp[..., None] ** 2
                               - 2 * (p * pp)[..., None] * np.cos(theta), 0.0))
        shape = coulomb_shape(q, np.asarray(d)[..., None], np.asarray(qtf)[..., None])
        weights = w * np.cos(np.arange(kmax + 1)[:, None] * theta) / np.pi  # (k, θ)
        return np.asarray(w0) * np.einsum("...t,kt->k...", shape, weights)
    raise ValueError(f"unknown disorder {disorder!r}")


def _shape(p: PointParams, q):
    s = shape_parameters(p)
    q = np.asarray(q, dtype=float)
    if p.disorder == "delta":
        return np.ones_like(q)
    if p.disorder == "smooth":
        return np.exp(-0.5 * (q * s["R"]) ** 2)
    return coulomb_shape(q, s["d"], s["qtf"])


def amplitude_shape(p: PointParams, q):
    """u(q) = U(q)/U(0) of one impurity, with W(q) = N U(q)² (the potential is taken
    real and of one sign, so u = sqrt(W(q)/W(0)) ≥ 0; the sign of U(0) is carried by
    ``impurity_strength``)."""
    return np.sqrt(_shape(p, q) / _shape(p, 0.0))


def forward_correlator(p: PointParams) -> float:
    """W(0) = N U(0)² in code units."""
    return strength(p) * float(_shape(p, 0.0))
