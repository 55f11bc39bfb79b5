"""Figures of a merged study dataset (matplotlib; readable in print).

matplotlib is imported when a figure is drawn, not with the module: the workflow reads
``FIGURE_NAMES`` while parsing, in every job.
"""

from __future__ import annotations

import numpy as np

from . import analytic

FIGURE_NAMES = ("sigma_vs_delta_tau", "born_cancellation", "skew_scattering", "sigma_map")


class _LazyPyplot:
    def __getattr__(self, name):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot

        return getattr(matplotlib.pyplot, name)


plt = _LazyPyplot()

KERNEL_STYLE = {"relaxation": dict(color="tab:blue", marker="o"),
                "born": dict(color="tab:red", marker="s"),
                "beyond_born": dict(color="tab:green", marker="^")}


def _extra_fixed(ds):
    """Select the first value of every extra axis (figures are over alpha, tau)."""
    extra = [d for d in ds.sigma_sH.dims if d not in ("disorder", "kernel", "alpha", "tau")]
    return ds.isel({d: 0 for d in extra})


def _missing_kernel_figure(kernel: str):
    """A figure that says the study has no slice of the kernel it would show."""
    fig, ax = plt.subplots(figsize=(4.5, 3.5))
    ax.text(0.5, 0.5, f"no {kernel} kernel in this study", ha="center", va="center")
    ax.set_axis_off()
    return fig


def sigma_vs_delta_tau(ds):
    """σ_sH against Δτ per disorder type, every kernel, all alpha, with the universal −e/8π."""
    ds = _extra_fixed(ds)
    disorders = list(ds.disorder.values)
    fig, axes = plt.subplots(1, len(disorders), figsize=(4.2 * len(disorders), 3.6), sharey=True,
                             squeeze=False)
    for ax, disorder in zip(axes[0], disorders):
        for kernel in ds.kernel.values:
            sub = ds.sel(disorder=disorder, kernel=kernel)
            x = sub.delta_tau.values.ravel()
            y = sub.sigma_sH.values.ravel()
            err = sub.error_estimate.values.ravel()
            order = np.argsort(x)
            style = KERNEL_STYLE.get(str(kernel), {})
            ax.plot(x[order], y[order], ls="none", ms=3, alpha=0.8, label=str(kernel), **style)
            if str(kernel) == "born":
                ax.fill_between(x[order], -err[order], err[order], color=style.get("color"),
                                alpha=0.2, lw=0)
        ax.axhline(-1.0, color="k", lw=0.8, ls="--", label="universal −e/8π")
        ax.axhline(0.0, color="k", lw=0.5)
        ax.set_xscale("log")
        ax.set_xlabel("Δτ/ħ")
        ax.set_title(f"{disorder} disorder")
    axes[0][0].set_ylabel("σ_sH  [e/8π]")
    axes[0][-1].legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def born_cancellation(ds):
    """Intrinsic and acceleration parts of the Born σ_sH and their sum against Δτ."""
    ds = _extra_fixed(ds)
    if "born" not in ds.kernel.values:
        return _missing_kernel_figure("born")
    sub = ds.sel(kernel="born")
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for name, color, label in (("sigma_sH_intrinsic", "tab:purple", "intrinsic (Berry)"),
                               ("sigma_sH_acceleration", "tab:orange", "acceleration"),
                               ("sigma_sH", "k", "sum = σ_sH")):
        x = sub.delta_tau.values.ravel()
        y = sub[name].values.ravel()
        order = np.argsort(x)
        ax.plot(x[order], y[order], ls="none", marker=".", ms=3, color=color, label=label)
    ax.set_xscale("log")
    ax.set_xlabel("Δτ/ħ")
    ax.set_ylabel("Born σ_sH parts  [e/8π]")
    ax.set_ylim(-1.3, 1.3)
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Born: the intrinsic −e/8π is cancelled by the acceleration term")
    fig.tight_layout()
    return fig


def _cell_edges(values, log):
    """Edges of the cells centred on sorted ``values`` (geometric midpoints on a log axis)."""
    v = np.log(values) if log else np.asarray(values, dtype=float)
    if v.size == 1:
        half = 0.5 if log else max(abs(v[0]) * 0.5, 0.5)
        edges = np.array([v[0] - half, v[0] + half])
    else:
        mid = 0.5 * (v[1:] + v[:-1])
        edges = np.concatenate([[2 * v[0] - mid[0]], mid, [2 * v[-1] - mid[-1]]])
    return np.exp(edges) if log else edges


def sigma_map(ds):
    """σ_sH over (alpha, tau): one panel per (disorder, kernel), a shared diverging colour scale."""
    ds = _extra_fixed(ds)
    disorders, kernels = list(ds.disorder.values), list(ds.kernel.values)
    ds = ds.sortby(["alpha", "tau"])
    if np.any(ds.alpha.values > 0) and np.any(ds.alpha.values == 0) and np.all(ds.alpha.values >= 0):
        ds = ds.sel(alpha=ds.alpha.values[ds.alpha.values > 0])  # α = 0 has no place on a log axis
    fig, axes = plt.subplots(len(disorders), len(kernels), squeeze=False, layout="constrained",
                             figsize=(3.4 * len(kernels) + 1.2, 2.8 * len(disorders)))
    limit = max(1.0, float(np.abs(ds.sigma_sH).max()))
    log_alpha = bool(np.all(ds.alpha.values > 0))
    tau_edges = _cell_edges(ds.tau.values, log=True)
    alpha_edges = _cell_edges(ds.alpha.values, log=log_alpha)
    mesh = None
    for i, disorder in enumerate(disorders):
        for k, kernel in enumerate(kernels):
            ax = axes[i][k]
            z = ds.sigma_sH.sel(disorder=disorder, kernel=kernel).transpose("alpha", "tau").values
            mesh = ax.pcolormesh(tau_edges, alpha_edges, z, cmap="RdBu_r", vmin=-limit,
                                 vmax=limit)
            ax.set_xscale("log")
            if log_alpha:
                ax.set_yscale("log")
            ax.set_title(f"{disorder}, {kernel}", fontsize=9)
            ax.set_xlabel("τ  [ħ/E_F]")
            ax.set_ylabel("α  [p0/m]")
    fig.colorbar(mesh, ax=axes, label="σ_sH  [e/8π]", shrink=0.8)
    return fig


def _fitted_slope(tau, value):
    """Exponent of |value| ∝ τ^s by least squares in log-log."""
    return float(np.polyfit(np.log(tau), np.log(np.abs(value)), 1)[0])


def skew_scattering(ds):
    """|σ_sH| of the beyond-Born kernel against τ per disorder type, one curve per alpha.

    The fitted exponent is shown for alpha = 0 (no Dyakonov–Perel relaxation) and for every
    alpha over the τ values where τ_s/τ_DP < 0.1 (at least three). For alpha > 0 the curves
    include the τ-independent Born-order λ terms (docs/extrinsic.md), marked by the
    dotted line, which dominate once Rashba relaxation has suppressed the skew term.
    """
    ds = _extra_fixed(ds)
    if "beyond_born" not in ds.kernel.values:
        return _missing_kernel_figure("beyond_born")
    ds = ds.sortby(["alpha", "tau"])
    disorders = list(ds.disorder.values)
    fig, axes = plt.subplots(1, len(disorders), figsize=(4.4 * len(disorders), 3.8),
                             squeeze=False, sharey=True)
    alphas = ds.alpha.values
    colors = plt.cm.viridis(np.linspace(0, 0.9, max(1, np.sum(alphas != 0))))
    tau = ds.tau.values
    for ax, disorder in zip(axes[0], disorders):
        sub = ds.sel(disorder=disorder, kernel="beyond_born")
        lam = float(sub["fixed_lambda_so"].values.ravel()[0]) if "fixed_lambda_so" in sub else 0.0
        ci = 0
        for alpha in alphas:
            y = sub.sigma_sH.sel(alpha=alpha).values.ravel()
            dt = sub.delta_tau.sel(alpha=alpha).values.ravel()
            if alpha == 0:
                label = f"α = 0: slope {_fitted_slope(tau, y):.4f}" if np.all(y != 0) else "α = 0"
                ax.plot(tau, np.abs(y), color="k", lw=2, label=label)
                continue
            color = colors[ci]
            ci += 1
            free = analytic.extrinsic_suppression(dt, lam) > 1 / 1.1 if lam else np.zeros_like(dt, bool)
            label = f"α = {alpha:.3g}"
            if free.sum() >= 3 and np.all(y[free] != 0):
                label += f": slope {_fitted_slope(tau[free], y[free]):.3f}"
            ax.plot(tau, np.abs(y), color=color, lw=1, marker=".", ms=3, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("τ  [ħ/E_F]")
        ax.set_title(f"{disorder}, beyond_born, λ_so = {lam:g}", fontsize=9)
    axes[0][0].set_ylabel("|σ_sH|  [e/8π]")
    axes[0][-1].legend(frameon=False, fontsize=6, ncol=2)
    fig.tight_layout()
    return fig


FIGURES = {"sigma_vs_delta_tau": sigma_vs_delta_tau, "born_cancellation": born_cancellation,
           "skew_scattering": skew_scattering, "sigma_map": sigma_map}
assert tuple(FIGURES) == FIGURE_NAMES
