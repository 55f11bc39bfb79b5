"""The compiled kernels of ``spinflux.elimination`` (numba; imported on first use only).

Module-level functions so that numba can cache their machine code next to this file
(``cache=True``): compiling them takes 3.5–10 s (measured on the 2-core machine; ~80 MiB more
peak memory than loading them), loading them ~0.25 s. Notation as in ``spinflux.elimination``:
one point's chain of n 4×4 block rows, A = St/τ + E with the sub-, main and super-diagonal
blocks L_k/τ, D_k/τ + E_k, U_k/τ, stored as ``blocks`` (3, n, 4, 4) = (L, D, U)
(``banded.BlockTridiagonal``); ``it`` is 1/τ. ``coupled`` is False when L = U = 0 (the
relaxation kernel): every block row is then a 4×4 system of its own.
"""

import numpy as np
from numba import njit

#: most refinement steps per solution: one takes the componentwise backward error from
#: 3e-13–2e-12 to 2e-16–1e-14 (300-τ sweeps of every kernel, τ = 0.1–5000); a second is taken
#: where that is still above the limit, and what stays above goes to LAPACK
REFINEMENT_STEPS = 2
#: below this denominator the componentwise backward error is taken relative to it: the residual
#: of subnormal numbers has no relative precision (LAPACK dgerfs's SAFE2, (nz + 1) times the
#: smallest normal number over the unit round-off, nz = 12 entries per row)
SAFE2 = 13 * np.finfo(np.float64).tiny / np.finfo(np.float64).eps


@njit(cache=True, error_model="numpy")
def invert4(a, out):
    """out = a⁻¹ for a 4×4 block by Gauss–Jordan elimination with partial pivoting; returns
    False if a is singular."""
    m = np.empty((4, 8))
    for r in range(4):
        for c in range(4):
            m[r, c] = a[r, c]
            m[r, 4 + c] = 1.0 if r == c else 0.0
    for j in range(4):
        p = j
        best = abs(m[j, j])
        for r in range(j + 1, 4):
            if abs(m[r, j]) > best:
                best = abs(m[r, j])
                p = r
        if best == 0.0 or not np.isfinite(best):
            return False
        if p != j:
            for c in range(8):
                t = m[j, c]
                m[j, c] = m[p, c]
                m[p, c] = t
        pivot = 1.0 / m[j, j]
        if not np.isfinite(pivot):  # a subnormal pivot: its inverse overflows
            return False
        for c in range(8):
            m[j, c] *= pivot
        for r in range(4):
            if r != j and m[r, j] != 0.0:
                factor = m[r, j]
                for c in range(8):
                    m[r, c] -= factor * m[j, c]
    for r in range(4):
        for c in range(4):
            out[r, c] = m[r, 4 + c]
    return True


@njit(cache=True, error_model="numpy")
def factor(blocks, it, extra, coupled, s_inv, x_blk):
    """S_k⁻¹ into s_inv and X_k = S_k⁻¹ U_k/τ into x_blk; returns False if an S_k is singular."""
    n = blocks.shape[1]
    s = np.empty((4, 4))
    for k in range(n):
        for r in range(4):
            for c in range(4):
                s[r, c] = blocks[1, k, r, c] * it + extra[k, r, c]
        if coupled and k > 0:
            for r in range(4):
                for c in range(4):
                    acc = 0.0
                    for q in range(4):
                        acc += blocks[0, k, r, q] * x_blk[k - 1, q, c]
                    s[r, c] -= it * acc
        if not invert4(s, s_inv[k]):
            return False
        if coupled and k < n - 1:
            for r in range(4):
                for c in range(4):
                    acc = 0.0
                    for q in range(4):
                        acc += s_inv[k, r, q] * blocks[2, k, q, c]
                    x_blk[k, r, c] = it * acc
    return True


@njit(cache=True, error_model="numpy")
def solve(blocks, it, coupled, s_inv, x_blk, b, x, z):
    """x with A x = b: z_k = S_k⁻¹ (b_k − L_k z_{k−1}/τ), x_k = z_k − X_k x_{k+1}."""
    n = b.shape[0]
    g = np.empty(4)
    for k in range(n):
        for r in range(4):
            g[r] = b[k, r]
            if coupled and k > 0:
                acc = 0.0
                for q in range(4):
                    acc += blocks[0, k, r, q] * z[k - 1, q]
                g[r] -= it * acc
        for r in range(4):
            acc = 0.0
            for q in range(4):
                acc += s_inv[k, r, q] * g[q]
            z[k, r] = acc
    if not coupled:
        x[:] = z
        return
    for r in range(4):
        x[n - 1, r] = z[n - 1, r]
    for k in range(n - 2, -1, -1):
        for r in range(4):
            acc = 0.0
            for q in range(4):
                acc += x_blk[k, r, q] * x[k + 1, q]
            x[k, r] = z[k, r] - acc


@njit(cache=True, error_model="numpy")
def solve_adjoint(blocks, it, coupled, s_inv, x_blk, w, y, h):
    """y with Aᵀ y = w: h_k = w_k − X_{k−1}ᵀ h_{k−1}, y_k = S_k⁻ᵀ (h_k − L_{k+1}ᵀ y_{k+1}/τ)."""
    n = w.shape[0]
    g = np.empty(4)
    for k in range(n):
        for r in range(4):
            acc = 0.0
            if coupled and k > 0:
                for q in range(4):
                    acc += x_blk[k - 1, q, r] * h[k - 1, q]
            h[k, r] = w[k, r] - acc
    for k in range(n - 1, -1, -1):
        for r in range(4):
            g[r] = h[k, r]
            if coupled and k < n - 1:
                acc = 0.0
                for q in range(4):
                    acc += blocks[0, k + 1, q, r] * y[k + 1, q]
                g[r] -= it * acc
        for r in range(4):
            acc = 0.0
            for q in range(4):
                acc += s_inv[k, q, r] * g[q]
            y[k, r] = acc


@njit(cache=True, error_model="numpy")
def residual(blocks, it, extra, extra_transposed, coupled, x, b, res):
    """res = b − A x; returns the componentwise backward error max_i |res_i| / (|A| |x| + |b|)_i
    (W. Oettli and W. Prager, Numer. Math. 6, 405 (1964)), with the floor SAFE2 on the
    denominator near underflow; inf if not finite. For Aᵀ pass the transposed blocks
    (``banded.BlockTridiagonal.transpose``) and ``extra_transposed``, which reads E_k as E_kᵀ
    (a transposed copy of E cost ~6 % of a 300-τ slice). Componentwise, not normwise: σ_sH is
    read from small components of the adjoint solution y, whose errors a normwise measure hides
    behind the largest ones."""
    n = b.shape[0]
    error = 0.0
    for k in range(n):
        for r in range(4):
            acc = b[k, r]
            scale = abs(acc)
            for q in range(4):
                e = extra[k, q, r] if extra_transposed else extra[k, r, q]
                term = (blocks[1, k, r, q] * it + e) * x[k, q]
                acc -= term
                scale += abs(term)
            if coupled and k > 0:
                for q in range(4):
                    term = blocks[0, k, r, q] * it * x[k - 1, q]
                    acc -= term
                    scale += abs(term)
            if coupled and k < n - 1:
                for q in range(4):
                    term = blocks[2, k, r, q] * it * x[k + 1, q]
                    acc -= term
                    scale += abs(term)
            res[k, r] = acc
            # near underflow (the thermal tail's drives reach 1e-305): relative to SAFE2
            ratio = abs(acc) / (scale if scale > SAFE2 else SAFE2)
            if not ratio <= error:  # so that NaN (an overflow in x) propagates; max() drops it
                error = ratio
    return error if np.isfinite(error) else np.inf


@njit(cache=True, error_model="numpy")
def substitute(adjoint, blocks, it, coupled, s_inv, x_blk, b, x, work):
    """``solve_adjoint`` if ``adjoint`` else ``solve``."""
    if adjoint:
        solve_adjoint(blocks, it, coupled, s_inv, x_blk, b, x, work)
    else:
        solve(blocks, it, coupled, s_inv, x_blk, b, x, work)


@njit(cache=True, error_model="numpy")
def sweep(blocks, blocks_t, inv_tau, extra, drive, weights, coupled, forward, limit, f, y, error):
    """Solve the points of one sweep (``elimination.solve_sweep``); error[i] = componentwise
    backward errors of f_i and y_i after at most REFINEMENT_STEPS steps of iterative
    refinement, inf if a Schur complement is singular."""
    n = blocks.shape[1]
    s_inv = np.empty((n, 4, 4))
    x_blk = np.zeros((n, 4, 4))
    work = np.empty((n, 4))
    res = np.empty((n, 4))
    step = np.empty((n, 4))
    for i in range(inv_tau.shape[0]):
        it = inv_tau[i]
        rows = slice(i * n, (i + 1) * n)
        if not factor(blocks, it, extra[rows], coupled, s_inv, x_blk):
            error[i, 0] = np.inf
            error[i, 1] = np.inf
            continue
        for part in range(2):
            adjoint = part == 1
            if not (adjoint or forward):
                error[i, 0] = 0.0
                continue
            b = weights[rows] if adjoint else drive[rows]
            x = y[rows] if adjoint else f[rows]
            # the operator whose residual is checked: A, or Aᵀ for the adjoint
            a_blocks = blocks_t if adjoint else blocks
            substitute(adjoint, blocks, it, coupled, s_inv, x_blk, b, x, work)
            e = residual(a_blocks, it, extra[rows], adjoint, coupled, x, b, res)
            for _ in range(REFINEMENT_STEPS):
                if not (e > limit and np.isfinite(e)):
                    break
                # iterative refinement in working precision: the correction solves
                # A δ = b − A x with the same factors (N. J. Higham, Accuracy and Stability of
                # Numerical Algorithms, 2nd ed., §12.2: it restores a small componentwise
                # backward error for a solver that is not too unstable)
                substitute(adjoint, blocks, it, coupled, s_inv, x_blk, res, step, work)
                x += step
                e = residual(a_blocks, it, extra[rows], adjoint, coupled, x, b, res)
            error[i, part] = e
