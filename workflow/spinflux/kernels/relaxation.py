"""Kernel ``relaxation``: St{f1} = −f1/τ, no scattering-in (docs/model.md §3).

The Kubo "bare bubble" without vertex corrections: it reproduces the famous non-zero intrinsic
value (J. Sinova et al., PRL 92, 126603 (2004)) and shows what the vertex corrections cancel.
"""

from __future__ import annotations

import numpy as np

NAME = "relaxation"


def assemble(point, grid, ops, pos, branches, nonconserving=None):
    """Add −1/τ to the diagonal blocks of the point's chain positions ``pos``."""
    ops.diag[pos] -= np.eye(4) / point.tau
    return {}
