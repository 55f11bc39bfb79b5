"""Block elimination along the chains: the kinetic equation of a τ sweep without a band matrix.

The linear system of one point is block tridiagonal with 4×4 blocks in chain order
(``spinflux.banded``): A = L_k, D_k, U_k on the sub-, main and super-diagonal. Block Gaussian
elimination without pivoting between block rows (the block Thomas algorithm; G. H. Golub and
C. F. Van Loan, *Matrix Computations*, 4th ed., §4.5.1) factors it as

    S_0 = D_0,   S_k = D_k − L_k S_{k−1}⁻¹ U_{k−1},   X_k = S_k⁻¹ U_k,

each Schur complement S_k inverted by Gauss–Jordan elimination with partial pivoting inside the
block. Then A x = b is z_k = S_k⁻¹ (b_k − L_k z_{k−1}), x_k = z_k − X_k x_{k+1}, and the adjoint
Aᵀ y = w is h_k = w_k − X_{k−1}ᵀ h_{k−1}, y_k = S_k⁻ᵀ (h_k − L_{k+1}ᵀ y_{k+1}).

Why: LAPACK's banded LU (gbtrf, ``banded.factor``) treats the band 7 wide column by column, one
BLAS call per column and step, and needs the band array copied for every τ. Here the collision
blocks of a sweep are read at τ = 1 and scaled on the fly, and every block operation is an
unrolled 4×4 loop compiled by numba: the solve takes ~1/3 of LAPACK's time, a 300-τ Born
slice 0.6× (benchmarks/README.md).

Without pivoting between block rows the elimination is backward stable when A is block
diagonally dominant (J. W. Demmel, N. J. Higham and R. S. Schreiber, Numer. Linear Algebra
Appl. 2, 173 (1995)); the kinetic equation need not be, so every solution is checked and
refined: the componentwise backward error max_i |A x − b|_i / (|A| |x| + |b|)_i of x and of y
(Oettli–Prager) is computed, a step of iterative refinement taken where it exceeds
BACKWARD_ERROR_LIMIT, and ``equation.LinearSystem.solve`` falls back to LAPACK's partial
pivoting where it still does or a Schur complement is singular. Refined, the solutions are
more accurate componentwise than LAPACK's unrefined ones.

numba is imported on first use only: its import and the loading of the compiled code cost
~0.6 s per process, which a small batch does not earn back (``batches.BLOCK_ELIMINATION_MIN``).
"""

from __future__ import annotations

import numpy as np

#: largest componentwise backward error accepted from the block elimination after iterative
#: refinement (``_elimination_kernels.REFINEMENT_STEPS``); refined solutions reach 2e-16–1e-14,
#: LAPACK's partial pivoting without refinement 1e-13–6e-12 on the same systems. Unrefined,
#: the block elimination's Born intrinsic part at τ = 0.1 missed −1 by 4e-12, five times its
#: error estimate (LAPACK: 2e-13); points above the limit are solved again by LAPACK
BACKWARD_ERROR_LIMIT = 1e-14


def solve_sweep(St, inv_tau, extra, drive, weights, forward: bool = True, St_transpose=None):
    """Solve (St/τ_i + E_i) f_i = b_i and its adjoint for the points of one τ sweep.

    Parameters
    ----------
    St : banded.BlockTridiagonal
        The sweep's collision operator at τ = 1, n chain positions.
    inv_tau : ndarray, shape (P,)
        1/τ of every point.
    extra : ndarray, shape (P·n, 4, 4)
        The τ-dependent diagonal blocks added to St/τ (−Prec, the α = 0 regularisation), point
        after point.
    drive, weights : ndarray, shape (P·n, 4)
        Right-hand sides b of A f = b and w of Aᵀ y = w (``drive`` is ignored if not
        ``forward``).
    forward : bool
        Solve A f = b too (the Born companion of a beyond-Born point needs only y).
    St_transpose : banded.BlockTridiagonal, optional
        ``St.transpose()``, for the residuals of the adjoint; passed by a caller that solves
        the sweep's operator in several systems (``equation.UnitOperator.St_transpose``).

    Returns
    -------
    f, y : ndarray, shape (P·n, 4)
        Solutions (f is zero if not ``forward``).
    backward_error : ndarray, shape (P,)
        The larger of the componentwise backward errors of f_i and y_i after refinement; inf
        where a Schur complement is singular (then f_i and y_i are meaningless).
    """
    n_points = inv_tau.size
    f = np.zeros_like(weights)
    y = np.empty_like(weights)
    error = np.empty((n_points, 2))
    St_transpose = St.transpose() if St_transpose is None else St_transpose
    extra = np.ascontiguousarray(extra)
    from ._elimination_kernels import sweep  # numba: imported on first use only

    sweep(np.ascontiguousarray(St.blocks), np.ascontiguousarray(St_transpose.blocks),
          np.ascontiguousarray(inv_tau, dtype=float), extra, np.ascontiguousarray(drive),
          np.ascontiguousarray(weights), St.coupled, forward, BACKWARD_ERROR_LIMIT, f, y, error)
    return f, y, error.max(axis=1)
