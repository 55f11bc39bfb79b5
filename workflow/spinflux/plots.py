"""Figures of a study dataset (matplotlib), readable in print and on screen, for any valid study.

Every figure is drawn from the merged dataset alone (``spinflux.dataset`` accessors); reference
lines come from ``spinflux.analytic``. A study with extra grid axes gets one figure per value
combination (``variants``), labelled in its title. Figures:

* ``sigma_vs_delta_tau`` (headline): per disorder, the bare bubble rising to −e/8π and the Born
  zero with its error band, then the extrinsic channels of the beyond-Born kernel;
* ``born_cancellation``: the intrinsic and acceleration parts of the Born σ_sH and their sum;
* ``extrinsic``: skew ∝ τ and the flat side jump at α = 0, and their Rashba suppression against
  the analytic law;
* ``sigma_map``: σ_sH over (α, τ) per disorder and kernel.

matplotlib is imported when a figure is drawn, not with the module: the workflow reads
``FIGURE_NAMES`` while parsing, in every job.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from . import analytic, dataset
from .figures import FIGURE_NAMES, variants  # noqa: F401  (the figure layout; plots draws them)
from .parameters import DISORDERS, KERNELS, PointParams

KERNEL_COLOR = {"relaxation": "tab:blue", "born": "tab:red", "beyond_born": "tab:green"}
CHANNEL_STYLE = {"sigma_sH": dict(color="k", ls="-", label="total σ_sH"),
                 "sigma_sH_skew": dict(color="tab:green", ls="--", label="skew"),
                 "sigma_sH_side_jump": dict(color="tab:orange", ls=":", label="side jump"),
                 "sigma_sH_elliott_yafet": dict(color="tab:purple", ls="-.",
                                                label="Elliott–Yafet (bare)"),
                 "sigma_sH_nonconserving": dict(color="tab:brown", ls=(0, (1, 1)),
                                                label="nonconserving")}
#: width of one panel and the font sizes, in inches and points at the printed size
PANEL_WIDTH = 3.1
RC = {"font.size": 9, "axes.titlesize": 9, "axes.labelsize": 9, "legend.fontsize": 8,
      "xtick.labelsize": 8, "ytick.labelsize": 8, "figure.titlesize": 10}


class _Figures:
    """Figures without pyplot (no global registry, no backend switch): a Figure with an Agg
    canvas, drawn under the module's rc settings."""

    @staticmethod
    def subplots(nrows=1, ncols=1, figsize=None, layout="constrained", squeeze=True, **kw):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize, layout=layout)
        FigureCanvasAgg(fig)
        return fig, fig.subplots(nrows, ncols, squeeze=squeeze, **kw)


def _pyplot():
    return _Figures


def _with_rc(function):
    import functools

    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        import matplotlib

        with matplotlib.rc_context(RC):
            return function(*args, **kwargs)

    return wrapped


def draw(figure: str, ds, selection: dict | None = None):
    """The named figure of dataset ``ds`` at the extra-axis values ``selection``."""
    selection = selection or {}
    missing = [a for a in dataset.extra_axes(ds) if a not in selection]
    if missing:
        raise ValueError(f"select a value of every extra axis {missing} (plots.variants)")
    sub = ds.sel(selection) if selection else ds
    context = ", ".join(f"{k} = {v:g}" + _physical_value(sub, k) for k, v in selection.items())
    return FIGURES[figure](sub, context)


# -- helpers ------------------------------------------------------------------------------------
def _physical_value(sub, axis) -> str:
    """' (2 K)' for a selected axis that carries a physical coordinate (a study in physical
    units, units.physical_coordinates), else ''."""
    from .units import coordinates_along

    for name in coordinates_along(axis):
        if name in sub.coords and sub[name].ndim == 0:
            coord = sub[name]
            return f" ({float(coord):.4g} {coord.attrs.get('units', '')})".replace(" )", ")")
    return ""


def _title(fig, text: str, context: str):
    fig.suptitle(text + (f"  [{context}]" if context else ""), wrap=True)


def _log_axis(axis, values):
    """Log ticks that stay readable on narrow ranges: majors at 1, 2, 5 × 10ⁿ when the data
    span less than two decades, at every n × 10ⁿ below a factor 5 (one τ: 1, 2, 5 × 10ⁿ left
    fewer than two ticks in view, and matplotlib's fallback labelled 1.25 × 10⁰, 1.5 × 10⁰, …
    on top of each other), no minor labels."""
    import matplotlib.ticker as mt

    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    span = values.max() / values.min() if values.size else np.inf
    subs = (1.0,) if span >= 100 else (1.0, 2.0, 5.0) if span >= 5 else np.arange(1.0, 10.0)
    narrow = span < 100
    axis.set_major_locator(mt.LogLocator(base=10, subs=subs, numticks=8))
    axis.set_major_formatter(mt.LogFormatterSciNotation(labelOnlyBase=False) if narrow
                             else mt.LogFormatterSciNotation())
    axis.set_minor_formatter(mt.NullFormatter())


def _limits(values, pad=0.08, log=False):
    """Axis limits that contain ``values`` (finite ones) with a margin."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v) & ((v > 0) if log else True)]
    if v.size == 0:
        return None
    lo, hi = v.min(), v.max()
    if log:
        span = math.log10(hi / lo) if hi > lo else 1.0
        return lo / 10 ** (pad * span + 0.05), hi * 10 ** (pad * span + 0.05)
    span = hi - lo if hi > lo else max(abs(hi), 1e-12)
    return lo - pad * span, hi + pad * span


def _signed_log(ax, x, y, color, label, **kw):
    """|y| on a log axis, filled markers where y > 0 and open ones where y < 0, so sign changes
    stay visible; one legend entry. Returns the plotted |y|."""
    y = np.asarray(y, dtype=float)
    lw, ls = kw.pop("lw", 1.0), kw.pop("ls", "-")
    ax.plot(x, np.abs(y), color=color, lw=lw, ls=ls, marker=None, **kw)
    # the legend entry shows the line with its marker: where points are dense the markers are
    # what the eye sees, and a bare line in the legend would not match them
    ax.plot([], [], color=color, lw=lw, ls=ls, marker="o", ms=3.5, label=label, **kw)
    pos, neg = y > 0, y < 0
    ax.plot(np.asarray(x)[pos], y[pos], ls="none", marker="o", ms=3.5, color=color)
    ax.plot(np.asarray(x)[neg], -y[neg], ls="none", marker="o", ms=3.5, mfc="white", color=color)
    return np.abs(y)


def _legend(ax, where="below", **kw):
    """The panel's legend next to it, outside the data area, so that it never covers a point:
    ``where`` "right" (a legend shared by a row of panels) or "below" (the panel's own)."""
    if not ax.get_legend_handles_labels()[0]:
        return None
    if where == "right":
        return ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False, **kw)
    return ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), frameon=False, **kw)


def _data_points(ax):
    """Display coordinates of every plotted vertex and marker of ``ax``."""
    pts = []
    for line in ax.get_lines():
        xy = np.column_stack([np.asarray(line.get_xdata(), float),
                              np.asarray(line.get_ydata(), float)])
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        if xy.size:
            pts.append(ax.transData.transform(xy))
    for coll in ax.collections:
        offsets = np.asarray(coll.get_offsets(), float)
        if offsets.size and not isinstance(coll, type(None)):
            offsets = offsets[np.all(np.isfinite(offsets), axis=1)]
            if offsets.size:
                pts.append(ax.transData.transform(offsets))
    return np.vstack(pts) if pts else np.zeros((0, 2))


def _without_kernel(kernel, title, context):
    """The placeholder of a figure whose kernel the study does not have."""
    fig, ax = _pyplot().subplots(figsize=(4.5, 2.5), layout="constrained")
    _empty(ax, f"no {kernel} kernel in this study")
    _title(fig, title, context)
    return fig


def _empty(ax, text):
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


FLAG_LABEL = "validity flag set (E_Fτ < 3ħ or unconverged)"


def _mark_flagged(ax, x, y, flags, label=True):
    """Grey crosses over the points whose validity flags are set (outside the kinetic
    equation's domain or unconverged; observables.VALIDITY_FLAGS), one legend entry per panel."""
    bad = np.asarray(flags) != 0
    if not np.any(bad):
        return
    ax.plot(np.asarray(x)[bad], np.asarray(y)[bad], ls="none", marker="x", ms=4, mew=0.8,
            color="0.45", zorder=4,
            label=FLAG_LABEL if label and FLAG_LABEL not in ax.get_legend_handles_labels()[1]
            else None)


def _physical_tau_axis(ax, ds):
    """A top axis in picoseconds where the study was given in physical units (a dataset with the
    ``scattering_time`` coordinate along tau: one E_F, so τ[ps] ∝ E_Fτ/ħ)."""
    if "scattering_time" not in ds.coords or ds.tau.size == 0:
        return
    ratio = float(np.ravel(ds.scattering_time.values)[0] / np.ravel(ds.tau.values)[0])
    top = ax.secondary_xaxis("top", functions=(lambda t: t * ratio, lambda s: s / ratio))
    top.set_xlabel("τ  [ps]", fontsize=8)
    top.tick_params(labelsize=7)


def _sorted_by(x, *ys):
    order = np.argsort(x)
    return (np.asarray(x)[order],) + tuple(np.asarray(y)[order] for y in ys)


def _alpha_colors(alphas):
    import matplotlib

    nonzero = sorted(a for a in alphas if a != 0)
    cmap = matplotlib.colormaps["viridis"]
    return {a: cmap(0.9 * i / max(1, len(nonzero) - 1)) for i, a in enumerate(nonzero)}


def _alpha_colorbar(fig, axes, alphas):
    import matplotlib
    from matplotlib.colors import BoundaryNorm, ListedColormap

    nonzero = sorted(a for a in alphas if a != 0)
    if len(nonzero) < 2:
        return
    colors = [_alpha_colors(alphas)[a] for a in nonzero]
    bounds = np.arange(len(nonzero) + 1)
    mappable = matplotlib.cm.ScalarMappable(BoundaryNorm(bounds, len(nonzero)),
                                            ListedColormap(colors))
    bar = fig.colorbar(mappable, ax=axes, shrink=0.9, pad=0.02)
    step = max(1, len(nonzero) // 6)
    bar.set_ticks(bounds[:-1][::step] + 0.5)
    bar.set_ticklabels([f"{a:.3g}" for a in nonzero[::step]])
    bar.set_label("α  [p0/m]")


def _ordered(values, canonical):
    """The study's values in the order of the physics (e.g. relaxation, born, beyond_born),
    whatever order the config listed them in (the dataset keeps the config's)."""
    values = [str(v) for v in values]
    return [v for v in canonical if v in values] + [v for v in values if v not in canonical]


def _kernel(ds, kernel):
    return ds.sel(kernel=kernel) if kernel in ds.kernel.values else None


def _x_axis(ds):
    """Δτ if the study has α ≠ 0, else τ (α = 0 has no place on a log Δτ axis)."""
    return ("delta_tau", "Δτ/ħ") if np.any(ds.alpha.values != 0) else ("tau", "τ  [ħ/E_F]")


def _xy(sub, name, xname):
    """Values of ``name`` against ``xname`` over (alpha, tau) of one (disorder, kernel) slice,
    without α = 0 when x is Δτ."""
    alphas = sub.alpha.values
    keep = alphas != 0 if xname == "delta_tau" else np.ones(alphas.size, bool)
    x = (sub.delta_tau if xname == "delta_tau" else sub.tau.broadcast_like(sub[name]))
    x = x.transpose("alpha", "tau").values[keep]
    y = sub[name].transpose("alpha", "tau").values[keep]
    a = np.broadcast_to(alphas[keep][:, None], x.shape)
    return x.ravel(), y.ravel(), a.ravel()


# -- figures ------------------------------------------------------------------------------------
def sigma_vs_delta_tau(ds, context=""):
    """Headline: σ_sH against Δτ per disorder. Row 1: the bare bubble (relaxation) rising to the
    universal −e/8π, with the analytic bare curve, and the Born zero; row 2: the Born |σ_sH|
    against its error estimate; row 3: the extrinsic channels (beyond_born) at the smallest
    α ≠ 0, on a symmetric-log scale. Rows of kernels the study lacks are left out."""
    plt = _pyplot()
    disorders = _ordered(ds.disorder.values, DISORDERS)
    xname, xlabel = _x_axis(ds)
    rows = [r for r, k in (("bare", ("relaxation", "born")), ("born", ("born",)),
                           ("extrinsic", ("beyond_born",)))
            if any(kk in ds.kernel.values for kk in k)]
    fig, axes = plt.subplots(len(rows), len(disorders), squeeze=False, sharex="col",
                             figsize=(PANEL_WIDTH * len(disorders) + 1.2, 2.6 * len(rows) + 0.8),
                             layout="constrained")
    colors = _alpha_colors(ds.alpha.values)
    for c, disorder in enumerate(disorders):
        d = ds.sel(disorder=disorder)
        for r, row in enumerate(rows):
            ax = axes[r][c]
            ax.set_xscale("log")
            if row == "bare":
                _bare_row(ax, d, xname, colors)
            elif row == "born":
                _born_zero_row(ax, d, xname)
            else:
                _extrinsic_row(ax, d, xname)
            if r == 0:
                ax.set_title(f"{disorder} disorder")
            if r == len(rows) - 1:
                ax.set_xlabel(xlabel)
            _log_axis(ax.xaxis, d[xname].values)
    for r, row in enumerate(rows):
        # the channel row has a dash-dot curve (Elliott–Yafet), which a default-length handle
        # shows as a solid line
        _legend(axes[r][-1], "right", **({"handlelength": 2.6} if row == "extrinsic" else {}))
    if "relaxation" in ds.kernel.values:
        _alpha_colorbar(fig, axes[0, :], ds.alpha.values)
    alpha_zero = " (α = 0 is shown against τ in 'extrinsic')" if (
        xname == "delta_tau" and np.any(ds.alpha.values == 0)) else ""
    _title(fig, "Spin Hall conductivity: bare bubble, Born zero, extrinsic" + alpha_zero, context)
    return fig


def _bare_row(ax, d, xname, colors):
    ys = []
    rel = _kernel(d, "relaxation")
    if rel is not None:
        x, y, a = _xy(rel, "sigma_sH", xname)
        ax.scatter(x, y, s=9, c=[colors.get(v, "k") for v in a], zorder=3)
        ax.plot([], [], ls="none", marker="o", color="0.35", label="relaxation (bare bubble)")
        _mark_flagged(ax, x, y, _xy(rel, "validity", xname)[1])
        ys.append(y)
        xs = np.geomspace(max(x.min(), 1e-3), x.max(), 200) if x.size else np.array([])
        if xname == "delta_tau" and xs.size:
            # above the scatter (zorder 3), which would hide it where the two agree
            ax.plot(xs, -xs**2 / (1 + xs**2), color="k", lw=0.8, ls="--", zorder=4,
                    label="bare, mα ≪ p0: −d²/(1 + d²)")
    born = _kernel(d, "born")
    if born is not None:
        x, y, _ = _xy(born, "sigma_sH", xname)
        _, err, _ = _xy(born, "error_estimate", xname)
        x, y, err = _sorted_by(x, y, err)
        # a one-τ study's line has no length: mark its point
        ax.plot(x, y, color=KERNEL_COLOR["born"], lw=1.2, label="Born",
                marker="o" if x.size == 1 else "", ms=4)
        ax.fill_between(x, y - err, y + err, color=KERNEL_COLOR["born"], alpha=0.25, lw=0)
        ys.append(y)
    ax.axhline(-1.0, color="0.4", lw=0.6, ls=":")
    ax.axhline(0.0, color="0.4", lw=0.4)
    ys.append([-1.0, 0.0])
    ax.set_ylim(*_limits(np.concatenate([np.ravel(v) for v in ys])))
    ax.set_ylabel("σ_sH  [e/8π]")


def _born_zero_row(ax, d, xname):
    born = _kernel(d, "born")
    x, y, _ = _xy(born, "sigma_sH", xname)
    _, err, _ = _xy(born, "error_estimate", xname)
    _, flags, _ = _xy(born, "validity", xname)
    x, y, err, flags = _sorted_by(x, y, err, flags)
    ax.set_yscale("log")
    floor = 1e-17  # |σ_sH| can be exactly 0 at α = 0
    shown = np.maximum(np.abs(y), floor)
    ax.plot(x, shown, ls="none", marker=".", ms=4, color=KERNEL_COLOR["born"], label="Born |σ_sH|")
    _mark_flagged(ax, x, shown, flags)
    ax.plot(x, np.maximum(err, floor), ls="none", marker="_", ms=5, color="0.3",
            label="its error estimate")
    lim = _limits(np.concatenate([shown, np.maximum(err, floor)]), log=True)
    if lim:
        ax.set_ylim(*lim)
    _log_axis(ax.yaxis, np.concatenate([shown, err]))
    ax.set_ylabel("Born |σ_sH|  [e/8π]")


def _extrinsic_row(ax, d, xname):
    beyond = _kernel(d, "beyond_born")
    alphas = [a for a in beyond.alpha.values if a != 0] if xname == "delta_tau" else list(
        beyond.alpha.values)
    lam_values = np.ravel(dataset.parameter(beyond, "lambda_so").values)
    lam = float(lam_values[np.nanargmax(np.abs(lam_values))])
    if not alphas:
        _empty(ax, "no α ≠ 0 for beyond_born")
        return
    alpha = min(alphas, key=abs)
    sub = beyond.sel(alpha=alpha)
    x = sub[xname].values
    shown = []
    ax.set_yscale("log")
    for name, style in CHANNEL_STYLE.items():
        if name != "sigma_sH" and not np.any(sub[name].values):
            continue  # a channel this disorder does not have (nonconserving for δ): no entry
        xs, ys, flags = _sorted_by(x, sub[name].values, sub.validity.values)
        style = dict(style)
        shown.append(_signed_log(ax, xs, ys, style.pop("color"), style.pop("label"), **style))
        _mark_flagged(ax, xs, np.abs(ys), flags)
    ax.plot([], [], ls="none", marker="o", mfc="white", color="0.3", label="open marker: < 0")
    lim = _limits(np.concatenate(shown), log=True)
    if lim:
        ax.set_ylim(*lim)
    _log_axis(ax.yaxis, np.concatenate(shown))
    ax.set_ylabel("|beyond_born σ_sH|  [e/8π]")
    ax.set_title(f"beyond_born, α = {alpha:.3g}, λ_so = {lam:.3g}", fontsize=8)


def born_cancellation(ds, context=""):
    """The intrinsic (Berry) and acceleration parts of the Born σ_sH per disorder, coloured by α,
    and their sum against its error estimate. The title states what the data show."""
    plt = _pyplot()
    born = _kernel(ds, "born")
    if born is None:
        return _without_kernel("born", "Born cancellation", context)
    disorders = _ordered(born.disorder.values, DISORDERS)
    xname, xlabel = _x_axis(born)
    fig, axes = plt.subplots(2, len(disorders), squeeze=False, sharex="col", layout="constrained",
                             figsize=(PANEL_WIDTH * len(disorders) + 1.2, 5.4))
    colors = _alpha_colors(born.alpha.values)
    for c, disorder in enumerate(disorders):
        sub = born.sel(disorder=disorder)
        ax = axes[0][c]
        for name, marker, label in (("sigma_sH_intrinsic", "v", "intrinsic (Berry)"),
                                    ("sigma_sH_acceleration", "^", "acceleration")):
            x, y, a = _xy(sub, name, xname)
            ax.scatter(x, y, s=12, marker=marker, c=[colors.get(v, "k") for v in a])
            ax.plot([], [], ls="none", marker=marker, color="0.35", label=label)
        x, y, _ = _xy(sub, "sigma_sH", xname)
        _, flags, _ = _xy(sub, "validity", xname)
        ax.scatter(x, y, s=12, marker="o", color="k", label="sum = σ_sH")
        _mark_flagged(ax, x, y, flags)
        ax.set_xscale("log")
        ax.set_ylim(-1.35, 1.35)
        ax.set_title(f"{disorder} disorder")
        ax.set_ylabel("Born σ_sH parts  [e/8π]")
        ax = axes[1][c]
        _, err, _ = _xy(sub, "error_estimate", xname)
        x, y, err, flags = _sorted_by(x, y, err, flags)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.plot(x, np.maximum(np.abs(y), 1e-17), ls="none", marker="o", ms=3, color="k",
                label="|sum|")
        _mark_flagged(ax, x, np.maximum(np.abs(y), 1e-17), flags)
        ax.plot(x, np.maximum(err, 1e-17), ls="none", marker="_", ms=5, color="0.4",
                label="error estimate")
        lim = _limits(np.concatenate([np.maximum(np.abs(y), 1e-17), np.maximum(err, 1e-17)]), log=True)
        if lim:
            ax.set_ylim(*lim)
        _log_axis(ax.yaxis, np.concatenate([np.abs(y), err]))
        ax.set_xlabel(xlabel)
        ax.set_ylabel("|Born σ_sH|  [e/8π]")
        for a in axes[:, c]:
            _log_axis(a.xaxis, sub[xname].values)
    for row in axes:
        _legend(row[-1], "right")
    _alpha_colorbar(fig, axes[0, :], born.alpha.values)
    _title(fig, cancellation_statement(born), context)
    return fig


def cancellation_statement(born) -> str:
    """What the Born data show, in one sentence (computed, for the title and the report)."""
    lam = dataset.parameter(born, "lambda_so").values
    total = np.abs(born.sigma_sH.values)
    err = born.error_estimate.values
    split = born.where(born.alpha != 0)  # α = 0 has no spin splitting and both parts zero
    intr = split.sigma_sH_intrinsic.values
    acc = split.sigma_sH_acceleration.values
    if np.all(lam == 0) and np.all(total <= err + 1e-11):
        parts = (f"intrinsic {np.nanmean(intr):+.6f} and acceleration {np.nanmean(acc):+.6f} e/8π"
                 if np.any(np.isfinite(intr)) else "intrinsic and acceleration parts (α = 0: 0)")
        return (f"Born: {parts} cancel; max |σ_sH| = {total.max():.1e} within its error "
                f"estimate (max {err.max():.1e})")
    if np.all(lam == 0):
        return (f"Born: the parts do not cancel within the error estimate "
                f"(max |σ_sH| = {total.max():.2g}, max error {err.max():.1e})")
    return (f"Born with λ_so ≠ 0: the parts do not cancel (max |σ_sH| = {total.max():.2g} e/8π); "
            f"the field spin-orbit part and the side jump add to them")


def extrinsic(ds, context=""):
    """Row 1: at α = 0 the skew channel ∝ τ (slope fitted where ≥ 3 points) and the flat side
    jump with its analytic value; row 2: both over their α = 0 values against Δτ/λ_so, collapsed
    onto the analytic law 2/(2 + x²). Signs: filled markers positive, open negative."""
    plt = _pyplot()
    beyond = _kernel(ds, "beyond_born")
    if beyond is None:
        return _without_kernel("beyond_born", "Extrinsic spin Hall effect", context)
    disorders = _ordered(beyond.disorder.values, DISORDERS)
    fig, axes = plt.subplots(2, len(disorders), squeeze=False, layout="constrained",
                             figsize=(PANEL_WIDTH * len(disorders) + 1.2, 5.6))
    colors = _alpha_colors(beyond.alpha.values)
    for c, disorder in enumerate(disorders):
        sub = beyond.sel(disorder=disorder)
        lam_values = dataset.parameter(sub, "lambda_so").values
        lam = float(lam_values.flat[0])
        axes[0][c].set_title(f"{disorder}, beyond_born, λ_so = {lam:g}")
        if lam == 0 or not np.all(lam_values == lam):
            for ax in axes[:, c]:
                _empty(ax, "λ_so = 0: no extrinsic spin-orbit" if lam == 0 else
                       "λ_so varies over α: no common law")
            continue
        _zero_rashba_panel(axes[0][c], sub, disorder)
        _suppression_panel(axes[1][c], sub, lam, colors)
        if disorder != "delta" and np.any(sub.alpha.values != 0):
            axes[1][c].set_title("not quantitative for this disorder\n(docs/extrinsic.md §5)",
                                 fontsize=8)
        _legend(axes[0][c], "below", handlelength=2.6)  # the side jump's dash-dot line
    _legend(axes[1][-1], "below")
    if np.any(beyond.alpha.values != 0) and np.any(beyond.alpha.values == 0):
        _alpha_colorbar(fig, axes[1, :], beyond.alpha.values)
    _title(fig, "Extrinsic spin Hall effect: skew scattering and side jump, and their Rashba "
                "suppression", context)
    return fig


def fitted_slope(tau, value):
    """Exponent s of |value| ∝ τ^s by least squares in log-log, or None when fewer than three
    points of one sign are given (a slope through one or two points claims nothing)."""
    tau, value = np.asarray(tau, float), np.asarray(value, float)
    if tau.size < 3 or not (np.all(value > 0) or np.all(value < 0)):
        return None
    return float(np.polyfit(np.log(tau), np.log(np.abs(value)), 1)[0])


#: the parameters the closed forms at α = 0 depend on (analytic.side_jump_at_zero_rashba,
#: analytic.skew_at_zero_rashba)
ZERO_RASHBA_PARAMETERS = ("lambda_so", "impurity_strength", "temperature", "correlation_length",
                          "spacer_distance", "screening_wavevector")


def zero_rashba_references(zero, disorder):
    """The exact side jump (a number) and skew channel (one value per τ of ``zero``) at α = 0
    for the beyond-Born slice ``zero`` (a study dataset at one disorder and α = 0), as
    {"side_jump": …, "skew": …}; None where they have no single value: a parameter they depend
    on varies over the slice (an extra grid axis), or λ_so = 0."""
    values = {}
    for name in ZERO_RASHBA_PARAMETERS:
        v = np.unique(dataset.parameter(zero, name).values)
        v = v[np.isfinite(v)]  # NaN: not recorded, i.e. not a parameter of this disorder
        if v.size > 1:
            return None
        if v.size:
            values[name] = float(v[0])
    if not values.get("lambda_so"):
        return None
    point = PointParams(0.0, 1.0, disorder, "beyond_born", **values)
    return {"side_jump": float(analytic.side_jump_at_zero_rashba(point)),
            "skew": analytic.skew_at_zero_rashba(point, zero.tau.values)}


def _zero_rashba_panel(ax, sub, disorder):
    if 0.0 not in sub.alpha.values:
        _empty(ax, "no α = 0 in this study")
        return
    zero = sub.sel(alpha=0.0)
    tau = zero.tau.values
    ax.set_xscale("log")
    ax.set_yscale("log")
    shown = []
    skew = zero.sigma_sH_skew.values
    slope = fitted_slope(tau, skew)
    label = "skew, α = 0" + (f": slope {slope:.3f}" if slope is not None else "")
    shown.append(_signed_log(ax, tau, skew, "tab:green", label, ls="--"))
    shown.append(_signed_log(ax, tau, zero.sigma_sH_side_jump.values, "tab:orange",
                             "side jump, α = 0", ls=":"))
    for values in shown:
        _mark_flagged(ax, tau, values, zero.validity.values)
    exact = zero_rashba_references(zero, disorder)
    if exact is not None:
        ax.plot(tau, np.abs(exact["skew"]), color="0.15", lw=0.8, ls="-",
                label="skew, exact at α = 0 (third order)")
        ax.axhline(abs(exact["side_jump"]), color="0.4", lw=0.8, ls="-.",
                   label=f"side jump, exact at α = 0: {exact['side_jump']:.6f}")
        shown.extend([np.abs(exact["skew"]), np.array([abs(exact["side_jump"])])])
    lim = _limits(np.concatenate(shown), log=True)
    if lim:
        ax.set_ylim(*lim)
    _log_axis(ax.xaxis, tau)
    _log_axis(ax.yaxis, np.concatenate(shown))
    ax.set_xlabel("τ  [ħ/E_F]")
    ax.set_ylabel("|σ_sH channel|  [e/8π]")
    _physical_tau_axis(ax, sub)


def _suppression_panel(ax, sub, lam, colors):
    alphas = [a for a in sub.alpha.values if a != 0]
    if 0.0 not in sub.alpha.values or not alphas:
        _empty(ax, "needs α = 0 and α ≠ 0 for the ratio")
        return
    zero = sub.sel(alpha=0.0)
    ax.set_xscale("log")
    ax.set_yscale("log")
    shown, xs = [], []
    # larger squares first, smaller circles on top: where the two ratios agree (δ disorder, to
    # ~1 %) both stay visible
    for name, marker, ms, label in (("sigma_sH_side_jump", "s", 4.5, "side jump(α)/side jump(0)"),
                                    ("sigma_sH_skew", "o", 2.5, "skew(α)/skew(0)")):
        first = True
        for alpha in alphas:
            ratio = (sub[name].sel(alpha=alpha) / zero[name]).values
            x = sub.delta_tau.sel(alpha=alpha).values / abs(lam)
            ok = np.isfinite(ratio) & (ratio != 0)
            color = colors[alpha]
            if first:  # a neutral legend proxy: the colour is α (colour bar)
                ax.plot([], [], ls="none", marker=marker, ms=ms, color="0.35", label=label)
            ax.plot(x[ok & (ratio > 0)], ratio[ok & (ratio > 0)], ls="none", marker=marker, ms=ms,
                    color=color)
            ax.plot(x[ok & (ratio < 0)], -ratio[ok & (ratio < 0)], ls="none", marker=marker,
                    ms=ms, mfc="white", color=color)
            flags = sub.validity.sel(alpha=alpha).values | zero.validity.values
            _mark_flagged(ax, x[ok], np.abs(ratio[ok]), flags[ok])
            first = False
            shown.append(np.abs(ratio[ok]))
            xs.append(x[ok])
    ax.plot([], [], ls="none", marker="o", mfc="white", color="0.35", label="open marker: < 0")
    x_all = np.concatenate(xs)
    grid = np.geomspace(x_all.min(), x_all.max(), 200)
    ax.plot(grid, analytic.extrinsic_suppression(grid * abs(lam), lam), color="k", lw=1,
            label="law 2λ²/(2λ² + Δτ²), α → 0")
    lim = _limits(np.concatenate(shown + [analytic.extrinsic_suppression(grid * abs(lam), lam)]),
                  log=True)
    if lim:
        ax.set_ylim(*lim)
    _log_axis(ax.xaxis, x_all)
    ax.set_xlabel("Δτ/λ_so")
    ax.set_ylabel("channel(α)/channel(α = 0)")


def sigma_map(ds, context=""):
    """σ_sH over (α, τ): one panel per (disorder, kernel), one colour scale per kernel (a
    symmetric-log scale where the values span decades). α is an ordinal axis, so α = 0 is a row
    like the others."""
    plt = _pyplot()
    from matplotlib.colors import Normalize, SymLogNorm

    ds = ds.sortby(["alpha", "tau"])
    disorders = _ordered(ds.disorder.values, DISORDERS)
    kernels = _ordered(ds.kernel.values, KERNELS)
    fig, axes = plt.subplots(len(disorders), len(kernels), squeeze=False, layout="constrained",
                             figsize=(PANEL_WIDTH * len(kernels) + 0.8, 2.5 * len(disorders) + 0.9))
    tau = ds.tau.values
    tau_edges = _cell_edges(tau)
    alpha = ds.alpha.values
    rows = np.arange(alpha.size + 1) - 0.5
    for k, kernel in enumerate(kernels):
        sub = ds.sel(kernel=kernel)
        # a value within its error estimate is shown as zero (white): it is not distinguishable
        values = sub.sigma_sH.where(np.abs(sub.sigma_sH) > sub.sigma_sH_error + 1e-12, 0.0)
        v = values.values
        vmax = float(np.nanmax(np.abs(v))) or 1.0
        nonzero = np.abs(v[np.abs(v) > 0])
        decades = nonzero.size and np.median(nonzero) < 1e-2 * vmax
        norm = (SymLogNorm(linthresh=max(vmax * 1e-4, float(nonzero.min())), vmin=-vmax,
                           vmax=vmax) if decades else Normalize(vmin=-vmax, vmax=vmax))
        mesh = None
        for i, disorder in enumerate(disorders):
            ax = axes[i][k]
            z = values.sel(disorder=disorder).transpose("alpha", "tau").values
            # rasterized: a vector PDF of a 10⁵-point study's cells took 14 s to write
            mesh = ax.pcolormesh(tau_edges, rows, z, cmap="RdBu_r", norm=norm, rasterized=True)
            flagged = sub.validity.sel(disorder=disorder).transpose("alpha", "tau").values != 0
            # hatched: outside the kinetic equation's domain or unconverged; one hatched bar per
            # run of flagged cells in a row (a hatched polygon per cell took 30 s at 10⁵ points)
            for row, (start, stop) in _flagged_runs(flagged):
                ax.broken_barh([(tau_edges[start], tau_edges[stop] - tau_edges[start])],
                               (rows[row], 1.0), facecolors="none", edgecolor="0.55", lw=0,
                               hatch="////")
            ax.set_xscale("log")
            _log_axis(ax.xaxis, tau)
            step = max(1, math.ceil(alpha.size / 7))
            ax.set_yticks(np.arange(alpha.size)[::step])
            ax.set_yticklabels([f"{a:.3g}" for a in alpha[::step]])
            ax.set_title(f"{disorder}, {kernel}")
            ax.set_xlabel("τ  [ħ/E_F]")
            ax.set_ylabel("α  [p0/m]")
            _physical_tau_axis(ax, ds)
            if not np.any(z):
                ax.text(0.5, 0.5, "zero within the error\nestimate everywhere", ha="center",
                        va="center", transform=ax.transAxes)
        bar = fig.colorbar(mesh, ax=axes[:, k], shrink=0.85, location="bottom")
        if decades:
            exponent = int(math.floor(math.log10(vmax)))
            ticks = [10.0**e for e in (exponent - 3, exponent - 1, exponent)]
            bar.set_ticks([-t for t in ticks[::-1]] + [0.0] + ticks)
            bar.ax.tick_params(labelsize=8, rotation=45)
        bar.set_label(f"σ_sH of {kernel}  [e/8π]")
    _title(fig, "σ_sH over (α, τ); white: zero within the error estimate; hatched: validity "
                "flag set (E_Fτ < 3ħ or unconverged)", context)
    return fig


def _flagged_runs(flagged):
    """(row, (first, stop)) of every run of consecutive True cells in the rows of a 2-D mask."""
    padded = np.pad(flagged.astype(np.int8), ((0, 0), (1, 1)))
    change = np.diff(padded, axis=1)
    starts, stops = np.nonzero(change == 1), np.nonzero(change == -1)
    return [(row, (first, stop)) for row, first, stop in zip(starts[0], starts[1], stops[1])]


def _cell_edges(values):
    """Edges of log-spaced cells centred on sorted positive ``values``."""
    v = np.log(np.asarray(values, dtype=float))
    if v.size == 1:
        return np.exp(np.array([v[0] - 0.5, v[0] + 0.5]))
    mid = 0.5 * (v[1:] + v[:-1])
    return np.exp(np.concatenate([[2 * v[0] - mid[0]], mid, [2 * v[-1] - mid[-1]]]))


#: what identifies a sample of a stack (samples.IDENTITY), as it is written in a figure
_IDENTITY_TEXT = {"material": "{}", "effective_mass": "m* = {:.3g} m_e",
                  "density": "n = {:.3g} cm⁻²", "rashba": "α_R = {:.3g} meV nm"}


def _varying(ds, name) -> bool:
    return name in ds.coords and np.unique(np.asarray(ds[name].values)).size > 1


def _sample_label(ds, i, names) -> str:
    """Sample ``i`` of a stack (samples.stack) as a tick label, from the coordinates ``names``."""
    point = ds.isel({ds.sigma_sH.dims[0]: i})
    return "\n".join(_IDENTITY_TEXT[n].format(point[n].item()) for n in names)


def _stack_conditions(ds, dim) -> str:
    """What all samples of a stack share, for the title: identity, temperature and λ."""
    parts = []
    for name, text in _IDENTITY_TEXT.items():
        if name == dim or name not in ds.coords or _varying(ds, name):
            continue
        value = np.asarray(ds[name].values).ravel()[0]
        if name == "effective_mass" and "material" in ds.coords and not _varying(
                ds, "material") and str(np.asarray(ds.material.values).ravel()[0]) != "custom":
            continue  # the preset's mass
        parts.append(text.format(value.item() if hasattr(value, "item") else value))
    for attr, coord, text in (("sample_temperature_K", "temperature_K", "T = {:.3g} K"),
                              ("sample_lambda_ehr_angstrom2", "lambda_ehr", "λ = {:.3g} Å²")):
        value = ds.attrs.get(attr)
        if value is None and coord in ds.coords and ds[coord].size == 1:
            value = float(ds[coord])
        if value is not None:
            parts.append(text.format(value))
    return ", ".join(parts)


def sigma_vs_sample(ds, context=""):
    """σ_sH against the sample for a stack of samples (``samples.stack``): against the density
    (log axis) or the Rashba coefficient (linear) when the samples differ in that alone, else
    one labelled tick per sample (markers only: no line joins unrelated samples). One panel per
    (disorder, kernel), one colour per value of the samples' shared transport axis (mobility,
    scattering time or E_Fτ/ħ); |σ_sH| on a log axis, filled markers where σ_sH > 0 and open
    ones where it is negative, validity flags crossed; what the samples share in the title."""
    import matplotlib

    plt = _pyplot()
    dim = ds.sigma_sH.dims[0]
    transport = next((n for n in ("mobility", "scattering_time", "tau") if n in ds.dims), None)
    if transport is None:
        raise ValueError("sigma_vs_sample needs a mobility, scattering_time or tau axis")
    label = {"mobility": ("μ", "cm²/Vs"), "scattering_time": ("τ", "ps"),
             "tau": ("E_Fτ/ħ", "")}[transport]
    identity = [n for n in _IDENTITY_TEXT if n in ds.coords]
    others = [n for n in identity if n != dim and _varying(ds, n)]
    categorical = dim == "sample" or bool(others)
    shown = [n for n in identity if _varying(ds, n)] if categorical else []
    disorders = _ordered(ds.disorder.values, DISORDERS)
    kernels = _ordered(ds.kernel.values, KERNELS)
    fig, axes = plt.subplots(len(disorders), len(kernels), squeeze=False,
                             figsize=(PANEL_WIDTH * len(kernels) + 1.6, 2.6 * len(disorders) + 0.8))
    cmap = matplotlib.colormaps["viridis"]
    values = ds[transport].values
    x = np.arange(ds.sizes[dim], dtype=float) if categorical else ds[dim].values.astype(float)
    xlabel = "sample" if categorical else {"density": "n  [cm⁻²]",
                                           "rashba": "α_R  [meV nm]"}[dim]
    for r, disorder in enumerate(disorders):
        for c, kernel in enumerate(kernels):
            ax = axes[r][c]
            sub = ds.sel(disorder=disorder, kernel=kernel)
            ax.set_title(f"{disorder}, {kernel}")
            if not np.any(sub.sigma_sH.values != 0):
                _empty(ax, "σ_sH = 0 at every point\n(e.g. relaxation at α = 0)")
                continue
            ax.set_yscale("log")
            if dim == "density" and not categorical:
                ax.set_xscale("log")
            for i, v in enumerate(values):
                point = sub.isel({transport: i})
                y = point.sigma_sH.transpose(dim).values
                color = cmap(0.9 * i / max(1, values.size - 1))
                if categorical:
                    # side by side, so that equal values at several mobilities stay visible
                    xi = x + 0.12 * (i - (values.size - 1) / 2)
                    _signed_log(ax, xi, y, color, None, lw=0)
                else:
                    # thinner lines later, so that curves that coincide (a τ-independent side
                    # jump) stay visible under each other
                    xi = x
                    _signed_log(ax, xi, y, color, None, lw=2.2 - 1.2 * i / max(1, values.size - 1))
                # the legend says which colour is which mobility; the sign key is in the title
                ax.plot([], [], color=color, lw=2, label=f"{label[0]} = {v:.3g} {label[1]}".rstrip())
                _mark_flagged(ax, xi, np.abs(y), point.validity.transpose(dim).values,
                              label=(i == 0))
            if categorical:
                ax.set_xticks(x)
                ax.set_xticklabels([_sample_label(ds, i, shown) for i in range(x.size)],
                                   fontsize=7)
                ax.set_xlim(x.min() - 0.5, x.max() + 0.5)
            elif dim == "density":
                _log_axis(ax.xaxis, x)
            ax.set_xlabel(xlabel)
            if c == 0:
                ax.set_ylabel("|σ_sH|  [e/8π]")
        _legend(axes[r][-1], "right")
    shared = _stack_conditions(ds, None if categorical else dim)
    _title(fig, "σ_sH against the sample (filled: σ_sH > 0, open: σ_sH < 0)"
           + (f"; {shared}" if shared else ""), context)
    return fig


sigma_vs_sample = _with_rc(sigma_vs_sample)


def headline_numbers(ds) -> list[tuple]:
    """The study's headline numbers, per disorder (and extra-axis value): rows of (quantity,
    value, reference or error, note), for the report's summary table."""
    rows = []
    extra = dataset.extra_axes(ds)
    combos = [dict(zip(extra, c)) for c in itertools.product(*(ds[a].values for a in extra))]
    for selection in combos or [{}]:
        sub_all = ds.sel(selection) if selection else ds
        where = "".join(f", {k} = {v:g}" for k, v in selection.items())
        for disorder in _ordered(sub_all.disorder.values, DISORDERS):
            sub = sub_all.sel(disorder=disorder)
            tag = f"{disorder}{where}"
            born = _kernel(sub, "born")
            if born is not None:
                lam = dataset.parameter(born, "lambda_so").values
                rows.append((f"max |Born σ_sH| [e/8π] ({tag})", f"{np.abs(born.sigma_sH).max():.2e}",
                             f"max error estimate {born.error_estimate.max():.1e}",
                             "λ_so = 0: the Born zero" if np.all(lam == 0) else "λ_so ≠ 0"))
                split = born.where(born.alpha != 0)
                if np.any(born.alpha.values != 0):
                    rows.append((f"Born intrinsic / acceleration parts [e/8π] ({tag})",
                                 f"{float(split.sigma_sH_intrinsic.mean()):+.8f} / "
                                 f"{float(split.sigma_sH_acceleration.mean()):+.8f}",
                                 "∓1 exactly at λ_so = 0", "means over α ≠ 0"))
            rel = _kernel(sub, "relaxation")
            if rel is not None and np.any(rel.alpha.values > 0):
                a = rel.alpha.values[rel.alpha.values > 0].min()
                last = rel.sel(alpha=a).isel(tau=-1)
                d = float(last.delta_tau)
                rows.append((f"bare bubble at Δτ = {d:.3g}, α = {a:.3g} [e/8π] ({tag})",
                             f"{float(last.sigma_sH):.6f}", f"{-d * d / (1 + d * d):.6f}",
                             "−d²/(1 + d²), mα ≪ p0"))
            beyond = _kernel(sub, "beyond_born")
            if beyond is not None and 0.0 in beyond.alpha.values:
                zero = beyond.sel(alpha=0.0)
                slope = fitted_slope(zero.tau.values, zero.sigma_sH_skew.values)
                rows.append((f"skew channel at α = 0: exponent of τ ({tag})",
                             "n/a" if slope is None else f"{slope:.4f}", "1",
                             f"fitted over {zero.tau.size} τ values" if slope is not None
                             else "fewer than 3 points of one sign: no fit"))
                exact = zero_rashba_references(zero, disorder)
                if exact is not None:
                    skew = zero.sigma_sH_skew.values
                    outside = int(np.sum(np.abs(skew - exact["skew"])
                                         > zero.sigma_sH_skew_error.values))
                    rows.append((f"skew channel at α = 0, largest relative deviation from "
                                 f"its exact value ({tag})",
                                 f"{np.max(np.abs(skew / exact['skew'] - 1)):.1e}",
                                 f"{outside} of {skew.size} outside their error estimates",
                                 "third order, this disorder's shape (docs/beyond_born.md §3)"))
                    sj = zero.sigma_sH_side_jump.values
                    rows.append((f"side jump at α = 0 [e/8π] ({tag})",
                                 f"{sj.mean():.6g} (spread {np.ptp(sj):.1e})",
                                 f"{exact['side_jump']:.6g}",
                                 "exact: 2λ_so[1 + r], r from this disorder's W_0…W_3 "
                                 "(docs/extrinsic.md §4)"))
    return rows


FIGURES = {name: _with_rc(function) for name, function in (
    ("sigma_vs_delta_tau", sigma_vs_delta_tau), ("born_cancellation", born_cancellation),
    ("extrinsic", extrinsic), ("sigma_map", sigma_map))}
assert tuple(FIGURES) == FIGURE_NAMES
