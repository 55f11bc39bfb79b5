"""The figures of a study by name, and one file per combination of extra-axis values.

Light on purpose (no matplotlib, xarray or scipy): the workflow imports it to lay out its plot
rules at every snakemake start. The drawing is ``spinflux.plots``.
"""

from __future__ import annotations

import itertools

FIGURE_NAMES = ("sigma_vs_delta_tau", "born_cancellation", "extrinsic", "sigma_map")


def label(value) -> str:
    """A value as it appears in a file name (10 significant digits for floats)."""
    return f"{value:.10g}" if isinstance(value, float) else str(value)


def variants(extra: dict) -> dict:
    """File stem → (figure name, selection of the extra axes) for every figure and every
    combination of extra-axis values (``extra``: axis → list of values, in order)."""
    names = list(extra)
    out = {}
    for combo in itertools.product(*(extra[n] for n in names)):
        selection = dict(zip(names, combo))
        suffix = "".join(f"_{n}{label(v)}" for n, v in selection.items())
        for figure in FIGURE_NAMES:
            out[figure + suffix] = (figure, selection)
    return out
