"""Block-tridiagonal algebra with 4×4 blocks and its banded LAPACK solve.

Ordering the unknowns along the joined ladders of ``spinflux.grid`` ("chains") makes the
kinetic equation block tridiagonal with 4×4 blocks, i.e. banded with 7 sub- and
super-diagonals; one LAPACK ``gbsv`` call (scipy.linalg.solve_banded) solves it. A kernel
without scattering-in (relaxation) leaves only the diagonal blocks, 3 sub- and
super-diagonals: its band is stored and factored 3 wide, about a fifth of the work
(gbtrf costs ~ n·w·(2w + 1)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import lapack, solve_banded

BAND_WIDTH = 7  # block tridiagonal with 4×4 blocks
DIAGONAL_BLOCKS_WIDTH = 3  # 4×4 blocks on the diagonal only


def band_width(ab) -> int:
    """Half band width w of a band array with fill-in rows (3w + 1 rows, ``factor``)."""
    return (ab.shape[0] - 1) // 3


@dataclass
class BlockTridiagonal:
    """Blocks along the chain order, stored as one array ``blocks[d + 1, P]`` for the coupling
    of chain position P to P + d: lower (d = −1), diag (d = 0), upper (d = +1)."""

    blocks: np.ndarray  # (3, n, 4, 4)

    @classmethod
    def zeros(cls, n):
        return cls(np.zeros((3, n, 4, 4)))

    @property
    def lower(self):
        return self.blocks[0]

    @property
    def diag(self):
        return self.blocks[1]

    @property
    def upper(self):
        return self.blocks[2]

    def copy(self):
        return BlockTridiagonal(self.blocks.copy())

    @property
    def coupled(self) -> bool:
        """Whether any block couples neighbouring chain positions."""
        return bool(self.lower.any() or self.upper.any())

    @property
    def width(self) -> int:
        """Half band width of the matrix: BAND_WIDTH, or DIAGONAL_BLOCKS_WIDTH when no block
        couples neighbouring chain positions."""
        return BAND_WIDTH if self.coupled else DIAGONAL_BLOCKS_WIDTH

    def transpose(self):
        """The blocks of Aᵀ: (Aᵀ)_{P,P−1} = U_{P−1}ᵀ, (Aᵀ)_{P,P} = D_Pᵀ, (Aᵀ)_{P,P+1} = L_{P+1}ᵀ."""
        out = np.zeros_like(self.blocks)
        out[1] = self.diag.transpose(0, 2, 1)
        out[0, 1:] = self.upper[:-1].transpose(0, 2, 1)
        out[2, :-1] = self.lower[1:].transpose(0, 2, 1)
        return BlockTridiagonal(out)

    def matvec(self, x):
        """y = A x for x of shape (n, 4[, m])."""
        column = x.ndim == 2
        if column:
            x = x[:, :, None]
        y = self.diag @ x
        y[:-1] += self.upper[:-1] @ x[1:]
        y[1:] += self.lower[1:] @ x[:-1]
        return y[:, :, 0] if column else y

    def banded(self, factor_rows: bool = False, width: int | None = None):
        """LAPACK band storage with u = l = w: ab[w + r − c, c] = A[r, c] (``solve_banded``),
        or with w more leading rows for the fill-in of the LU factorisation (``factor``).
        w is ``width`` (default ``self.width``); raises ValueError if it is narrower than the
        matrix. Fortran order (LAPACK's own): a C-ordered array would be copied by every call
        to gbtrf (``factor``)."""
        width = self.width if width is None else width
        if width < self.width:
            raise ValueError(f"band width {width} < the matrix's {self.width}")
        n = self.diag.shape[0]
        top = width if factor_rows else 0
        ab = np.zeros((2 * width + 1 + top, 4 * n), order="F")
        couplings = ((0, self.diag), (1, self.upper), (-1, self.lower))
        for d, blocks in couplings if width == BAND_WIDTH else couplings[:1]:
            first, last = max(0, -d), n - max(0, d)  # block rows P with a partner P + d
            for b in range(4):
                row = top + width - b - 4 * d
                ab[row:row + 4, 4 * (first + d) + b:4 * (last + d):4] = blocks[first:last, :, b].T
        return ab

    def solve(self, rhs):
        """x with A x = rhs for rhs of shape (n, 4, m); raises numpy.linalg.LinAlgError if
        A is singular."""
        n, _, m = rhs.shape
        x = solve_banded((self.width, self.width), self.banded(), rhs.reshape(-1, m),
                         overwrite_ab=True, check_finite=False)
        return x.reshape(n, 4, m)


def add_block_diagonal(ab, blocks):
    """Add 4×4 diagonal blocks (n, 4, 4) to a band array of ``BlockTridiagonal.banded(True)``."""
    width = band_width(ab)
    # only the entries that are non-zero anywhere (the precession's two, mostly): a strided add
    # per entry costs as much as the whole block array
    for r, c in zip(*np.nonzero(np.any(blocks, axis=0))):
        ab[2 * width + r - c, c::4] += blocks[:, r, c]


def factor(ab):
    """LU factorisation (LAPACK gbtrf, partial pivoting) of a band array with fill-in rows,
    overwritten if it is in Fortran order (else scipy copies it first: for a 30-τ slice the
    copy into fresh memory cost about a third of the factorisation). Returns (lu, ipiv); raises
    numpy.linalg.LinAlgError if the matrix is singular."""
    width = band_width(ab)
    lu, ipiv, info = lapack.dgbtrf(ab, width, width, overwrite_ab=True)
    if info > 0:
        raise np.linalg.LinAlgError(f"singular kinetic equation (zero pivot at row {info - 1})")
    return lu, ipiv


def solve_factored(lu, ipiv, b, transpose=False):
    """x with A x = b (or Aᵀ x = b) from ``factor``; b of shape (N,) or (N, m)."""
    width = band_width(lu)
    x, info = lapack.dgbtrs(lu, width, width, b if b.ndim == 2 else b[:, None], ipiv,
                            trans=1 if transpose else 0)
    if info != 0:
        raise np.linalg.LinAlgError(f"gbtrs failed (info {info})")
    return x if b.ndim == 2 else x[:, 0]
