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


def variants(extra: dict, shown: dict | None = None) -> dict:
    """File stem → (figure name, selection of the extra axes) for every figure and every
    combination of extra-axis values (``extra``: axis → list of values, in order).

    ``shown`` may name an axis in the file names as the user gave it: axis → (name, values in
    the order of ``extra[axis]``), e.g. ``temperature`` → (``temperature_K``, [2.0, 4.0]) for a
    study in physical units (units.axis_labels); the selection stays dimensionless."""
    shown = shown or {}
    names = list(extra)
    out = {}
    for combo in itertools.product(*(range(len(extra[n])) for n in names)):
        selection = {n: extra[n][i] for n, i in zip(names, combo)}
        suffix = "".join(f"_{shown[n][0]}{label(shown[n][1][i])}" if n in shown
                         else f"_{n}{label(extra[n][i])}" for n, i in zip(names, combo))
        for figure in FIGURE_NAMES:
            out[figure + suffix] = (figure, selection)
    return out
