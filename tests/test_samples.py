"""Several samples in one dataset (spinflux.samples, ``spinflux samples``): the stacked values
are the per-sample studies' own, the dimensionless coordinates are the ones computed here from
CODATA constants for each density, and inputs that cannot share axes are refused in one line."""

import math

import numpy as np
import pytest
import scipy.constants as sc
import xarray as xr
import yaml

from spinflux.cli import main
from spinflux.samples import SampleError, stack
from spinflux.study import solve_study

M_GAAS = 0.067 * sc.m_e
MOBILITIES = (1e4, 1e5)  # cm²/Vs


def study(density: str, rashba="0 meV*nm", tau_axis=None, kernels=("relaxation", "born"),
          extra="", parameters="temperature: 4 K"):
    axis = tau_axis or "mobility: [1e4 cm^2/(V*s), 1e5 cm^2/(V*s)]"
    return solve_study(yaml.safe_load(f"""
study: s
sample: {{material: GaAs, density: {density}, rashba: {rashba}}}
grid:
  {axis}
  disorder: [delta]
  kernel: [{', '.join(kernels)}]
  {extra}
parameters: {{{parameters}}}
"""))


@pytest.fixture(scope="module")
def two_densities():
    return {n: study(f"{n} cm^-2") for n in (2e11, 1e12)}


def test_stacked_values_are_each_samples_own_on_the_shared_mobility_axis(two_densities):
    parts = two_densities
    out = stack([parts[1e12], parts[2e11]], ["a.nc", "b.nc"])
    assert list(out.density.values) == [2e11, 1e12]  # sorted by density
    assert out.density.attrs["units"] == "cm-2"
    np.testing.assert_array_equal(out.mobility.values, MOBILITIES)
    for n, ds in parts.items():
        for name in ("sigma_sH", "sigma_xx", "sigma_sH_si", "validity", "sigma_sH_error"):
            np.testing.assert_array_equal(
                out[name].sel(density=n).transpose("disorder", "kernel", "mobility").values,
                ds[name].isel(alpha=0).transpose("disorder", "kernel", "tau").values)
        assert out[name].attrs == ds[name].attrs


def test_each_samples_tau_is_its_own_fermi_energy_times_the_transport_time(two_densities):
    """At α_R = 0 both bands hold n/2: E_F = πħ²n/m, τ = μm/e, so E_Fτ/ħ = πħnμ/e, a different
    dimensionless τ for the same mobility at each density."""
    out = stack(list(two_densities.values()))
    for n in (2e11, 1e12):
        expected = math.pi * sc.hbar * (n * 1e4) * np.array(MOBILITIES) * 1e-4 / sc.e
        np.testing.assert_allclose(out.tau.sel(density=n).values, expected, rtol=1e-9)
        fermi = math.pi * sc.hbar**2 * n * 1e4 / M_GAAS / sc.e * 1e3
        # 1e-8: the electron mass of pint's constants and of scipy's CODATA differ by 1.4e-9
        assert float(out.fermi_energy.sel(density=n)) == pytest.approx(fermi, rel=1e-8)
    assert out.fermi_energy.attrs["units"] == "meV"
    # Drude σ_xx = ne²τ/m = (E_Fτ/ħ)/π in e²/ħ (n = mE_F/πħ²): n and μ enter only through τ
    drude = out.sigma_xx.sel(kernel="relaxation", disorder="delta")
    np.testing.assert_allclose(drude.values, out.tau.values / math.pi, rtol=1e-6)


def test_samples_must_share_their_physical_axes(two_densities):
    other = study("5e11 cm^-2", tau_axis="mobility: [1e4 cm^2/(V*s), 2e5 cm^2/(V*s)]")
    with pytest.raises(SampleError, match=r"c.nc: axis mobility \[10000, 200000\] differs from b.nc's \[10000, 100000\]"):
        stack([two_densities[2e11], other], ["b.nc", "c.nc"])


def test_a_dimensionless_tau_axis_must_agree_and_is_kept_as_it_is(two_densities):
    a = study("2e11 cm^-2", tau_axis="tau: [50, 200]", kernels=("relaxation",))
    b = study("1e12 cm^-2", tau_axis="tau: [50, 200]", kernels=("relaxation",))
    out = stack([a, b])
    assert out.sigma_sH.dims == ("density", "disorder", "kernel", "tau")
    np.testing.assert_array_equal(out.tau.values, [50, 200])
    c = study("1e12 cm^-2", tau_axis="tau: [50, 100]", kernels=("relaxation",))
    with pytest.raises(SampleError, match="give it in physical units"):
        stack([a, c])


def test_the_same_sample_twice_or_a_dimensionless_study_is_refused(two_densities):
    ds = two_densities[2e11]
    with pytest.raises(SampleError, match="b.nc: the same sample as a.nc"):
        stack([ds, ds], ["a.nc", "b.nc"])
    plain = ds.copy()
    plain.attrs = {k: v for k, v in ds.attrs.items() if not k.startswith("sample_")}
    with pytest.raises(SampleError, match="p.nc: not a study in physical units"):
        stack([ds, plain], ["a.nc", "p.nc"])
    with pytest.raises(SampleError, match="at least two"):
        stack([ds])


def test_samples_command_writes_the_dataset_and_the_figure(two_densities, tmp_path, capsys):
    paths = []
    for n, ds in two_densities.items():
        paths.append(str(tmp_path / f"n{n:g}.nc"))
        ds.to_netcdf(paths[-1])
    out, fig = tmp_path / "stack.nc", tmp_path / "density.png"
    assert main(["samples", *paths, "-o", str(out), "--figure", str(fig)]) == 0
    assert xr.open_dataset(out).sizes["density"] == 2
    assert fig.stat().st_size > 10_000
    assert main(["samples", paths[0], str(tmp_path / "missing.nc"), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.nc: no such file" in err


def test_every_coordinate_keeps_its_units_and_the_sample_dependent_ones_run_over_the_sample(
        two_densities):
    out = stack(list(two_densities.values()))
    assert out.mobility.attrs["units"] == "cm2 V-1 s-1" and "mobility" in out.mobility.attrs[
        "long_name"]
    # alpha is 0 for both (α_R = 0) and still one value per sample, like delta_tau and tau
    assert out.alpha.dims == ("density",)
    assert "density" in out.delta_tau.dims and out.tau.dims == ("density", "mobility")
    assert list(out.material.values) == ["GaAs", "GaAs"]
    assert out.config_hash.dims == ("density",) and out.config_json.dims == ("density",)


def test_a_temperature_axis_in_kelvin_is_shared_and_drawn_once_per_value(tmp_path, capsys):
    parts = [study(n, kernels=("born",), extra="temperature: [2 K, 4 K]", parameters="")
             for n in ("2e11 cm^-2", "1e12 cm^-2")]
    out = stack(parts)
    assert set(out.sigma_sH.dims) == {"density", "disorder", "kernel", "mobility",
                                      "temperature_K"}
    np.testing.assert_array_equal(out.temperature_K.values, [2.0, 4.0])
    # k_B T/E_F with E_F = πħ²n/m at α_R = 0 (CODATA)
    fermi = math.pi * sc.hbar**2 * 2e15 / M_GAAS
    np.testing.assert_allclose(out.temperature.sel(density=2e11).values,
                               sc.k * np.array([2.0, 4.0]) / fermi, rtol=1e-8)
    paths = []
    for i, ds in enumerate(parts):
        paths.append(str(tmp_path / f"t{i}.nc"))
        ds.to_netcdf(paths[-1])
    assert main(["samples", *paths, "-o", str(tmp_path / "s.nc"),
                 "--figure", str(tmp_path / "f.png")]) == 0
    assert sorted(p.name for p in tmp_path.glob("f_*.png")) == ["f_temperature_K2.png",
                                                                "f_temperature_K4.png"]


def test_samples_of_one_density_stack_along_the_rashba_coefficient():
    out = stack([study("1e12 cm^-2", "5 meV*nm", kernels=("relaxation",)),
                 study("1e12 cm^-2", "0 meV*nm", kernels=("relaxation",))])
    assert out.sigma_sH.dims[0] == "rashba"
    assert list(out.rashba.values) == [0.0, 5.0] and out.rashba.attrs["units"] == "meV nm"
    # at E_F = p0²/2m the bands' Fermi momenta are √(p0² + a²) ∓ a, a = mα_R/ħ, and hold
    # n = (p+² + p−²)/4πħ², so p0² = 2πħ²n − 2a²; alpha = −2a/p0 (docs/units.md: the sign)
    m_alpha = M_GAAS * 5e-3 * sc.e * 1e-9 / sc.hbar
    p0 = math.sqrt(2 * math.pi * sc.hbar**2 * 1e16 - 2 * m_alpha**2)
    assert float(out.alpha.sel(rashba=5.0)) == pytest.approx(-2 * m_alpha / p0, rel=1e-8)


def test_different_conditions_are_refused(two_densities):
    warm = study("5e11 cm^-2", parameters="temperature: 2 K")
    with pytest.raises(SampleError, match=r"w.nc: temperature \[K\] 2 differs from a.nc's 4"):
        stack([two_densities[2e11], warm], ["a.nc", "w.nc"])
    out = stack(list(two_densities.values()))
    with pytest.raises(SampleError, match="already a stack of samples"):
        stack([out, two_densities[2e11]], ["s.nc", "a.nc"])


def test_the_command_refuses_bad_files_before_writing_anything(two_densities, tmp_path, capsys):
    a, b = str(tmp_path / "a.nc"), str(tmp_path / "b.nc")
    two_densities[2e11].to_netcdf(a)
    two_densities[1e12].to_netcdf(b)
    junk = tmp_path / "junk.nc"
    junk.write_text("hello\n")
    cases = [(["samples", a, b, "-o", a], "-o " + a + " is one of the inputs"),
             (["samples", a, b, "-o", str(tmp_path)], "is a directory"),
             (["samples", a, b, "-o", str(tmp_path / "x.png"), "--figure",
               str(tmp_path / "x.png")], "is the -o file"),
             (["samples", a, str(junk), "-o", str(tmp_path / "o.nc")], "not a NetCDF file"),
             (["samples", a, b, "-o", str(tmp_path / "o.nc"), "--figure",
               str(tmp_path / "f.jpgx")], "unknown format 'jpgx'")]
    for argv, fragment in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and fragment in err, err
    assert not (tmp_path / "o.nc").exists()
    assert xr.open_dataset(a).attrs["sample_density_per_cm2"] == 2e11  # the input untouched


def test_custom_samples_keep_their_own_lambda_and_lambda_runs_upwards():
    """λ is a property of a material preset (the same for every sample of it) but a free input
    of a custom sample; a λ axis stacks in increasing λ_EHR although lambda_so = −λ p0²/ħ²."""
    def custom(mass, lam):
        return solve_study(yaml.safe_load(f"""
study: c
sample: {{effective_mass: {mass}, density: 1e12 cm^-2, rashba: 0 meV*nm}}
grid: {{mobility: [1e5 cm^2/(V*s)], disorder: [delta], kernel: [born],
        lambda_so: [{lam} angstrom^2, {2 * lam} angstrom^2]}}
parameters: {{temperature: 4 K}}
"""))
    out = stack([custom(0.05, 5.3), custom(0.04, 5.3)])
    assert out.sigma_sH.dims[0] == "sample" and list(out.effective_mass.values) == [0.05, 0.04]
    np.testing.assert_array_equal(out.lambda_ehr.values, [5.3, 10.6])
    # the Born σ_sH at α = 0, δ disorder, is the side jump 2λ_so[1 + 1/(1 + λ_so²/2)]
    # (docs/extrinsic.md) with λ_so = −λ k_F², k_F² = 2πn: the mass does not enter
    lam_so = np.array([-lam * 1e-20 * 2 * math.pi * 1e16 for lam in (5.3, 10.6)])
    side_jump = out.sigma_sH.sel(kernel="born", disorder="delta").isel(mobility=0)
    np.testing.assert_allclose(side_jump.transpose("sample", "lambda_ehr").values,
                               [2 * lam_so * (1 + 1 / (1 + lam_so**2 / 2))] * 2, rtol=1e-7)


def _joined(fig) -> bool:
    """Whether any plotted curve draws a line between two or more samples."""
    return any(len(line.get_xdata()) > 1 and line.get_linewidth() > 0
               and line.get_linestyle() not in ("None", "none", "")
               for ax in fig.axes for line in ax.get_lines())


def test_the_figure_joins_a_density_series_but_not_samples_that_differ_otherwise(two_densities):
    from spinflux.plots import sigma_vs_sample

    series = stack(list(two_densities.values()))
    fig = sigma_vs_sample(series)
    assert _joined(fig) and "GaAs" in fig._suptitle.get_text()
    assert "T = 4 K" in fig._suptitle.get_text()
    mixed = stack([two_densities[2e11], study("1e12 cm^-2", "1 meV*nm")])
    assert mixed.sigma_sH.dims[0] == "density"
    fig = sigma_vs_sample(mixed)
    assert not _joined(fig)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert any("α_R = 1 meV nm" in t for t in labels)
