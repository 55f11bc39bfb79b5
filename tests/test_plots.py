"""The figures, inspected as matplotlib objects: readable for any valid study.

Small studies are solved in this process (study.solve_study); the end-to-end workflow runs are in
test_workflow.py.
"""

import warnings

import numpy as np
import pytest

from spinflux import analytic, plots
from spinflux.parameters import PointParams
from spinflux.study import solve_study

HOT = {"temperature": 0.01}
STUDIES = {
    "small": {"study": "small", "grid": {"alpha": [0.0, 0.05, 0.2],
                                         "tau": {"start": 1.0, "stop": 300.0, "num": 4, "scale": "log"},
                                         "disorder": ["delta", "smooth"],
                                         "kernel": ["relaxation", "born", "beyond_born"]},
              "parameters": {**HOT, "correlation_length": 0.5},
              "kernel_parameters": {"beyond_born": {"lambda_so": 0.1}}},
    "extra_axis": {"study": "extra", "grid": {"alpha": [0.0, 0.1], "tau": [2.0, 20.0, 200.0],
                                              "disorder": ["delta"], "kernel": ["born", "beyond_born"],
                                              "temperature": [0.005, 0.02]},
                   "kernel_parameters": {"beyond_born": {"lambda_so": 0.1}}},
    "one_point": {"study": "one", "grid": {"alpha": [0.1], "tau": [5.0], "disorder": ["delta"],
                                           "kernel": ["beyond_born"]},
                  "parameters": {**HOT, "lambda_so": 0.1}},
    "alpha_zero_only": {"study": "zero", "grid": {"alpha": [0.0], "tau": [1.0, 10.0, 100.0],
                                                  "disorder": ["delta"],
                                                  "kernel": ["born", "beyond_born"]},
                        "parameters": {**HOT, "lambda_so": 0.1}},
    "one_kernel_narrow": {"study": "narrow", "grid": {"alpha": [0.1, 0.2],
                                                      "tau": {"start": 1.0, "stop": 30.0, "num": 4,
                                                              "scale": "log"},
                                                      "disorder": ["coulomb"],
                                                      "kernel": ["relaxation"]}, "parameters": HOT},
}


@pytest.fixture(scope="module", params=list(STUDIES))
def study(request):
    return request.param, solve_study(STUDIES[request.param])


def test_the_dataset_keeps_the_configs_order_of_kernels_and_disorders(study):
    name, ds = study
    grid = STUDIES[name]["grid"]
    assert list(ds.kernel.values) == grid["kernel"]
    assert list(ds.disorder.values) == grid["disorder"]


def drawn(ds):
    extra = {a: list(ds[a].values) for a in ("temperature",) if a in ds.sigma_sH.dims}
    out = {}
    for stem, (figure, selection) in plots.variants(extra).items():
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no warning from the plotting code
            fig = plots.draw(figure, ds, selection)
            fig.canvas.draw()
        out[stem] = fig
    return out


def labelled_artists(ax):
    return [a for a in ax.get_lines() + ax.collections
            if a.get_label() and not a.get_label().startswith("_")]


def test_every_figure_is_drawn_for_every_extra_axis_value_and_says_which(study):
    name, ds = study
    figures = drawn(ds)
    extra = "temperature" in ds.sigma_sH.dims
    assert len(figures) == len(plots.FIGURE_NAMES) * (2 if extra else 1)
    if extra:
        for stem, fig in figures.items():
            value = plots.variants({"temperature": [0.005, 0.02]})[stem][1]["temperature"]
            assert f"temperature = {value:g}" in fig._suptitle.get_text(), stem


def test_every_panel_is_readable(study):
    """One legend entry per labelled curve, no legend over a data point, fonts ≥ 8 pt, titles
    inside the figure."""
    _, ds = study
    for stem, fig in drawn(ds).items():
        renderer = fig.canvas.get_renderer()
        fig_box = fig.bbox
        for text in fig.findobj(lambda o: hasattr(o, "get_fontsize") and hasattr(o, "get_text")):
            if text.get_text().strip() and text.get_visible():
                assert text.get_fontsize() >= 8, (stem, text.get_text())
        title = fig._suptitle.get_window_extent(renderer)
        assert title.x0 >= fig_box.x0 - 1 and title.x1 <= fig_box.x1 + 1, stem
        for ax in fig.axes:
            legend = ax.get_legend()
            if legend is None:
                continue
            assert len(legend.get_texts()) == len(labelled_artists(ax)), (stem, ax.get_title())
            box = legend.get_window_extent(renderer)
            pts = plots._data_points(ax)
            inside = ((pts[:, 0] > box.x0) & (pts[:, 0] < box.x1)
                      & (pts[:, 1] > box.y0) & (pts[:, 1] < box.y1))
            assert not inside.any(), (stem, ax.get_title(), "legend covers data")


def test_the_headlines_channel_row_draws_every_channel_the_disorder_has():
    """The channels add up to the total; the bottom row of sigma_vs_delta_tau left out the
    nonconserving share, which smooth and Coulomb disorder have (up to 0.027 and 0.030 at
    α = 0.02 in the default study) and δ disorder does not (found by a new-user trial)."""
    name = "small"
    ds = solve_study(STUDIES[name])
    figure, selection = plots.variants({})["sigma_vs_delta_tau"]
    fig = plots.draw(figure, ds, selection)
    rows = [ax for ax in fig.axes if ax.get_ylabel().startswith("|beyond_born")]
    assert len(rows) == len(STUDIES[name]["grid"]["disorder"]) == 2  # delta, smooth
    labels = [{line.get_label() for line in ax.get_lines()} for ax in rows]
    channels = {"total σ_sH", "skew", "side jump", "Elliott–Yafet (bare)"}
    assert channels <= labels[0] and "nonconserving" not in labels[0]
    assert channels | {"nonconserving"} <= labels[1]
    smooth = ds.sel(disorder="smooth", kernel="beyond_born")
    assert float(abs(smooth.sigma_sH_nonconserving).max()) > 0


def test_headline_y_limits_contain_each_kernel_and_are_not_set_by_another(study):
    name, ds = study
    if not {"relaxation", "born"} & set(ds.kernel.values):
        pytest.skip("no bare/Born row")
    extra = {a: list(ds[a].values) for a in ("temperature",) if a in ds.sigma_sH.dims}
    selection = plots.variants(extra)["sigma_vs_delta_tau" + ("_temperature0.005" if extra else "")][1]
    fig = plots.draw("sigma_vs_delta_tau", ds, selection)
    sub = ds.sel(selection) if selection else ds
    top = fig.axes[0]
    lo, hi = top.get_ylim()
    for kernel in ("relaxation", "born"):
        if kernel in sub.kernel.values:
            values = sub.sigma_sH.sel(kernel=kernel, disorder=sub.disorder.values[0])
            values = values.where(values.alpha != 0).values if np.any(sub.alpha.values != 0) else values.values
            values = values[np.isfinite(values)]
            assert np.all((values >= lo) & (values <= hi)), kernel
    assert hi - lo < 2.0  # not stretched by the beyond-Born values (up to 30 here)


def test_no_slope_is_fitted_through_fewer_than_three_points():
    assert plots.fitted_slope([1.0, 10.0], [0.1, 1.0]) is None
    assert plots.fitted_slope([1.0, 10.0, 100.0], [0.1, -1.0, 10.0]) is None  # a sign change
    assert plots.fitted_slope([1.0, 10.0, 100.0], [0.1, 1.0, 10.0]) == pytest.approx(1.0)


def test_extrinsic_figure_fits_the_skew_slope_only_with_three_points(study):
    name, ds = study
    if "beyond_born" not in ds.kernel.values:
        pytest.skip("no beyond_born")
    extra = {a: list(ds[a].values) for a in ("temperature",) if a in ds.sigma_sH.dims}
    selection = plots.variants(extra)["extrinsic" + ("_temperature0.005" if extra else "")][1]
    fig = plots.draw("extrinsic", ds, selection)
    labels = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    has_slope = any("slope" in label for label in labels)
    n_tau = ds.tau.size
    assert has_slope == (n_tau >= 3 and 0.0 in ds.alpha.values)
    for label in labels:
        if "slope" in label:
            assert abs(float(label.rsplit(" ", 1)[1]) - 1) < 0.01  # skew ∝ τ at α = 0


def test_extrinsic_figure_draws_each_disorders_own_exact_skew_and_side_jump():
    """The reference lines on each α = 0 panel are the closed forms of that panel's disorder and
    parameters (analytic.side_jump_at_zero_rashba, analytic.skew_at_zero_rashba), and the data
    lie on them within their error estimates. Negative control: the δ side jump misses the
    Gaussian (R p0 = 0.5) data by > 10× their error estimate (43× measured: 6.2e-5 against
    1.4e-6), so a line shared by both panels would fail; the δ skew misses them by 12 %."""
    config = STUDIES["small"]
    ds = solve_study(config)
    fig = plots.draw("extrinsic", ds)
    beyond = ds.sel(kernel="beyond_born", alpha=0.0)
    drawn = {}
    for ax, disorder in zip(fig.axes, ds.disorder.values):
        lines = {label: [line for line in ax.get_lines() if line.get_label().startswith(label)]
                 for label in ("side jump, exact at α = 0", "skew, exact at α = 0")}
        assert all(len(found) == 1 for found in lines.values()), disorder
        side_jump = float(np.unique(lines["side jump, exact at α = 0"][0].get_ydata())[0])
        skew = np.asarray(lines["skew, exact at α = 0"][0].get_ydata(), float)
        drawn[disorder] = side_jump, skew
        params = dict(temperature=config["parameters"]["temperature"], lambda_so=0.1)
        if disorder == "smooth":
            params["correlation_length"] = config["parameters"]["correlation_length"]
        point = PointParams(0.0, 1.0, str(disorder), "beyond_born", **params)
        assert side_jump == pytest.approx(analytic.side_jump_at_zero_rashba(point), rel=1e-12)
        assert skew == pytest.approx(analytic.skew_at_zero_rashba(point, beyond.tau.values),
                                     rel=1e-12)
        data = beyond.sel(disorder=disorder)
        assert np.all(np.abs(data.sigma_sH_side_jump - side_jump) <= data.sigma_sH_side_jump_error)
        assert np.all(np.abs(data.sigma_sH_skew - skew) <= data.sigma_sH_skew_error)
    smooth = beyond.sel(disorder="smooth")
    assert np.all(np.abs(smooth.sigma_sH_side_jump - drawn["delta"][0])
                  > 10 * smooth.sigma_sH_side_jump_error)
    assert np.all(np.abs(smooth.sigma_sH_skew / drawn["delta"][1] - 1) > 0.1)


def test_born_cancellation_title_states_what_the_data_show(study):
    name, ds = study
    if "born" not in ds.kernel.values:
        pytest.skip("no born")
    born = ds.sel(kernel="born")
    text = plots.cancellation_statement(born)
    lam = float(np.nanmax(np.abs(born["fixed_lambda_so"].values))) if "fixed_lambda_so" in born else 0
    if lam == 0:
        assert "cancel;" in text
    else:
        assert "do not cancel" in text and "λ_so ≠ 0" in text


def test_flagged_points_are_marked_in_every_figure_and_only_they(study):
    """Points outside the kinetic equation's domain (E_Fτ < 3ħ) or unconverged carry a
    validity flag; every figure that draws points marks them, and a study without flagged
    points shows no such mark (negative control)."""
    name, ds = study
    flagged = bool(np.any(ds.validity.values != 0))
    marked = set()
    for stem, fig in drawn(ds).items():
        figure = next(f for f in plots.FIGURE_NAMES if stem.startswith(f))
        for ax in fig.axes:
            if any(line.get_label() == plots.FLAG_LABEL for line in ax.get_lines()):
                marked.add(figure)
            if any(coll.get_hatch() for coll in ax.collections):
                marked.add(figure)
    if not flagged:
        assert not marked
    else:
        assert {"sigma_map", "sigma_vs_delta_tau"} <= marked, (name, marked)


def test_map_hatches_exactly_the_flagged_cells():
    """The map hatches one bar per run of flagged cells in a row; the runs must cover the
    flagged cells and nothing else (a random mask, and the empty and full rows)."""
    rng = np.random.default_rng(3)
    mask = rng.random((7, 40)) < 0.3
    mask[2] = False
    mask[5] = True
    covered = np.zeros_like(mask)
    for row, (first, stop) in plots._flagged_runs(mask):
        assert not covered[row, first:stop].any()  # runs do not overlap
        covered[row, first:stop] = True
    np.testing.assert_array_equal(covered, mask)
