"""Physical units: conversions against numbers computed here from CODATA constants
(scipy.constants, independent of pint's), both ways, and the same point in physical and in
dimensionless units giving the same σ_sH to round-off (docs/units.md)."""

import json
import math

import numpy as np
import pytest
import scipy.constants as sc
import yaml

from spinflux import materials, units
from spinflux.cli import main
from spinflux.parameters import PointParams
from spinflux.study import StudyError, solve_study, validate_config

M_GAAS = 0.067 * sc.m_e
N = 1e16  # 1e12 cm^-2
MEV_NM = 1e-3 * sc.e * 1e-9


def gaas(**given):
    sample = units.Sample.from_inputs("1e12 cm^-2", "GaAs")
    out = units.to_code(sample, given, "GaAs")
    return out, out.pop("_scales")


def test_gaas_numbers_of_the_issue_from_codata():
    """E_F = 35.73 meV, τ = 3.809 ps at 1e5 cm²/Vs, E_Fτ/ħ = 206.8, 4 K → 9.65e-3,
    5.3 Å² → |lambda_so| = 3.33e-3, at α_R = 0 (the issue's numbers, to its digits)."""
    out, scales = gaas(mobility="1e5 cm^2/(V*s)", temperature="4 K", lambda_so="5.3 angstrom^2")
    E_F = sc.hbar**2 * 2 * math.pi * N / (2 * M_GAAS)  # p0² = 2πħ²n at α = 0
    tau_s = 10.0 * M_GAAS / sc.e  # μ = 10 m²/Vs
    assert scales["fermi_energy"] == pytest.approx(E_F, rel=1e-8)
    assert E_F / sc.e * 1e3 == pytest.approx(35.73, abs=0.005)
    assert tau_s * 1e12 == pytest.approx(3.809, abs=5e-4)
    assert out["tau"] == pytest.approx(E_F * tau_s / sc.hbar, rel=1e-8)
    assert out["tau"] == pytest.approx(206.8, abs=0.05)
    assert out["temperature"] == pytest.approx(sc.k * 4 / E_F, rel=1e-8)
    assert out["temperature"] == pytest.approx(9.65e-3, abs=5e-6)
    # lambda_so = −λ_EHR p0²/ħ² (docs/extrinsic.md §7)
    assert out["lambda_so"] == pytest.approx(-5.3e-20 * 2 * math.pi * N, rel=1e-8)
    assert out["lambda_so"] == pytest.approx(-3.33e-3, abs=5e-6)


def test_rashba_coefficient_and_the_density_of_both_bands():
    """α_R = 5 meV·nm: alpha = −2mα_R/(ħ p0) (H_R = α_R(σ_x k_y − σ_y k_x) = −(α_R/ħ)σ·(ẑ×p)),
    |alpha| = 0.0351 as in the issue; p0 from n = (2p0² + (mα)²)/(4πħ²)."""
    out, scales = gaas(rashba="5 meV*nm")
    m_alpha = 2 * M_GAAS * 5 * MEV_NM / sc.hbar
    p0 = math.sqrt(2 * math.pi * sc.hbar**2 * N - m_alpha**2 / 2)
    assert scales["p0"] == pytest.approx(p0, rel=1e-8)
    assert out["alpha"] == pytest.approx(-m_alpha / p0, rel=1e-8)
    assert abs(out["alpha"]) == pytest.approx(0.0351, abs=5e-5)
    # the two bands' Fermi momenta hold n electrons (docs/model.md §1)
    p_up = -m_alpha / 2 + math.sqrt(p0**2 + m_alpha**2 / 4)
    p_low = p_up + m_alpha
    assert (p_up**2 + p_low**2) / (4 * math.pi * sc.hbar**2) == pytest.approx(N, rel=1e-12)


def test_conversions_both_ways_are_inverse():
    sample = units.Sample.from_inputs("3e11 cm^-2", "In0.53Ga0.47As")
    given = {"rashba": "-7.5 meV*nm", "scattering_time": "1.3 ps", "temperature": "12 K",
             "lambda_so": "20 angstrom^2"}
    out = units.to_code(sample, given, None)
    out.pop("_scales")
    back = units.to_physical(sample, PointParams(**out))
    assert back["rashba"] == pytest.approx(-7.5 * MEV_NM, rel=1e-12)
    assert back["scattering_time"] == pytest.approx(1.3e-12, rel=1e-12)
    assert back["temperature"] == pytest.approx(12.0, rel=1e-12)
    assert back["lambda_ehr"] == pytest.approx(20e-20, rel=1e-12)
    assert back["mobility"] == pytest.approx(sc.e * 1.3e-12 / (0.041 * sc.m_e), rel=1e-8)


def test_presets_carry_the_kane_model_lambda():
    """λ = (P²/3)[1/E_g² − 1/(E_g + Δ)²] with P² = (ħ²/2m_e)E_P, recomputed from scipy."""
    hbar2_2me = sc.hbar**2 / (2 * sc.m_e) / sc.e * 1e20  # eV Å²
    for m in materials.MATERIALS.values():
        kane = hbar2_2me * m.kane_energy / 3 * (1 / m.band_gap**2
                                                 - 1 / (m.band_gap + m.split_off) ** 2)
        assert m.lambda_ehr == pytest.approx(kane, rel=0.01), m.name
    assert materials.material("GaAs").lambda_ehr == 5.3  # Engel, Halperin, Rashba (2005)


def run_json(capsys, argv):
    assert main(argv + ["--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_same_point_in_physical_and_dimensionless_units_gives_the_same_answer(capsys):
    phys = run_json(capsys, ["solve", "--material", "GaAs", "--density", "1e12 cm^-2",
                             "--mobility", "1e5 cm^2/(V*s)", "--rashba", "5 meV*nm",
                             "--temperature", "4 K", "--kernel", "beyond_born"])
    p = phys["parameters"]
    plain = run_json(capsys, ["solve", "--alpha", repr(p["alpha"]), "--tau", repr(p["tau"]),
                              "--temperature", repr(p["temperature"]), "--lambda-so",
                              repr(p["lambda_so"]), "--kernel", "beyond_born"])
    assert plain["sigma_sH"] == phys["sigma_sH"] and plain["sigma_xx"] == phys["sigma_xx"]
    assert phys["fermi_energy_meV"] == pytest.approx(35.708, abs=1e-3)  # α_R lowers p0 slightly
    assert phys["physical"]["lambda_ehr_angstrom2"] == pytest.approx(5.3, rel=1e-12)
    assert phys["si"]["sigma_sH_S"] == pytest.approx(
        phys["sigma_sH"] * sc.e**2 / (8 * math.pi * sc.hbar), rel=1e-8)


def test_drude_and_edelstein_in_si_from_the_sample_alone(capsys):
    """Born, δ disorder, GaAs at 1e12 cm^-2, 1e5 cm²/Vs, α_R = 5 meV·nm (Δτ = 14.5): σ_xx = neμ
    and S_y/E = m|α|eτ/(4πħ²), α = 2α_R/ħ (docs/model.md §5.5), computed here from CODATA
    alone. Measured: σ_xx/neμ − 1 = −2e-14 and S_y/Edelstein − 1 = −3e-9 (δ disorder has no
    Sommerfeld term; the S_y deviation falls like 1/Δτ², test_charge_and_spin_response); pint's
    and scipy's CODATA versions differ by ≲ 1e-9 (m_e), hence rel 1e-8 and 1e-6."""
    born = run_json(capsys, ["solve", "--material", "GaAs", "--density", "1e12 cm^-2",
                             "--mobility", "1e5 cm^2/(V*s)", "--rashba", "5 meV*nm",
                             "--temperature", "0.4 K", "--lambda-so", "0"])
    assert born["si"]["sigma_xx_S"] == pytest.approx(N * sc.e * 10.0, rel=1e-8)
    tau_s = 10.0 * M_GAAS / sc.e
    edelstein = M_GAAS * 2 * 5 * MEV_NM / sc.hbar * sc.e * tau_s / (4 * math.pi * sc.hbar**2)
    assert abs(born["si"]["spin_density_y_per_field_per_V_per_m"]) == pytest.approx(edelstein,
                                                                                    rel=1e-6)


@pytest.mark.parametrize("argv,fragment", [
    (["--rashba", "5 meV", "--tau", "5"], "--rashba='5 meV' has dimension"),
    (["--rashba", "5 meV*nm", "--temperature", "4 m", "--tau", "5"],
     "--temperature='4 m' has dimension [length]; expected a temperature"),
    (["--alpha", "0.1", "--mobility", "1e5 cm^2/s"], "--mobility='1e5 cm^2/s' has dimension"),
    (["--alpha", "0.1", "--scattering-time", "3 ps", "--tau", "5"], "give --tau or one of"),
    (["--alpha", "0.1", "--scattering-time", "three ps"], "not a quantity"),
])
def test_a_quantity_with_the_wrong_dimension_is_refused_in_one_line(capsys, argv, fragment):
    assert main(["solve", "--material", "GaAs", "--density", "1e12 cm^-2", *argv]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1, err


def test_physical_units_need_a_sample(capsys):
    assert main(["solve", "--alpha", "0.1", "--scattering-time", "3 ps"]) == 2
    assert "need --density" in capsys.readouterr().err


def test_a_study_in_physical_units_carries_both_coordinates():
    config = yaml.safe_load("""
study: gaas
sample: {material: GaAs, density: 1e12 cm^-2, rashba: 5 meV*nm}
grid:
  mobility: {start: 1e4 cm^2/(V*s), stop: 1e6 cm^2/(V*s), num: 3, scale: log}
  disorder: [delta]
  kernel: [born]
parameters: {temperature: 4 K}
""")
    ds = solve_study(config)
    np.testing.assert_allclose(ds.mobility.values, [1e4, 1e5, 1e6], rtol=1e-12)
    assert ds.mobility.attrs["units"] == "cm2 V-1 s-1" and ds.scattering_time.attrs["units"] == "ps"
    np.testing.assert_allclose(ds.scattering_time.values, np.array([1e4, 1e5, 1e6]) * 1e-4
                               * M_GAAS / sc.e * 1e12, rtol=1e-7)
    assert ds.attrs["sample_material"] == "GaAs"
    assert float(ds.fixed_temperature.max()) == pytest.approx(sc.k * 4 / (35.708e-3 * sc.e),
                                                              rel=1e-4)
    assert ds.spin_density_y_per_field.attrs["units"] == "V-1 m-1"
    assert ds.sigma_sH_si.attrs["units"] == "S"


def test_a_density_axis_is_refused_with_the_reason():
    config = {"study": "g", "sample": {"material": "GaAs", "density": "1e12 cm^-2"},
              "grid": {"density": ["1e11 cm^-2", "1e12 cm^-2"], "mobility": ["1e5 cm^2/(V*s)"],
                       "disorder": ["delta"], "kernel": ["born"]}}
    with pytest.raises(StudyError, match="grid.density: a study in physical units has one "
                                         "sample"):
        validate_config(config, "config/schema.yaml")


@pytest.mark.parametrize("config_edit,fragment", [
    (lambda c: c["grid"].update(mobility=[1e4, 1e5]),
     "grid.mobility=10000.0 needs a unit"),
    (lambda c: c["grid"].update(mobility=["1e5 cm^2/(V*s"]), "grid.mobility='1e5 cm^2/(V*s': not a quantity"),
    (lambda c: c["parameters"].update(temperature="4 meV"),
     "parameters.temperature='4 meV' has dimension"),
    (lambda c: c["sample"].pop("rashba"), "sample: needs rashba"),
])
def test_physical_study_inputs_are_checked_and_named_by_their_config_key(config_edit, fragment):
    """A mobility without a unit has no dimensionless meaning (it was silently taken as tau);
    an unclosed parenthesis crashed pint's parser with a traceback; messages name config keys."""
    config = {"study": "g", "sample": {"material": "GaAs", "density": "1e12 cm^-2",
                                       "rashba": "5 meV*nm"},
              "grid": {"mobility": ["1e5 cm^2/(V*s)"], "disorder": ["delta"], "kernel": ["born"]},
              "parameters": {"temperature": "4 K"}}
    config_edit(config)
    with pytest.raises(StudyError) as info:
        validate_config(config, "config/schema.yaml")
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_a_converted_value_out_of_range_names_the_input_it_came_from(capsys):
    assert main(["solve", "--material", "GaAs", "--density", "1e12 cm^-2", "--rashba", "0 meV*nm",
                 "--mobility", "1e5 cm^2/(V*s)", "--temperature", "300 K"]) == 2
    err = capsys.readouterr().err
    assert "temperature=" in err and "from --temperature '300 K' at E_F = 35.73 meV" in err


def test_an_extra_axis_given_in_kelvin_is_labelled_in_kelvin():
    """File names and titles use the values the user typed: k_B T/E_F back to K (CODATA)."""
    from spinflux.figures import variants

    config = yaml.safe_load("""
study: kelvin
sample: {material: GaAs, density: 1e12 cm^-2, rashba: 0 meV*nm}
grid: {mobility: [1e5 cm^2/(V*s)], disorder: [delta], kernel: [born], temperature: [2 K, 4 K],
       spacer_distance: [5, 10]}
""")
    study = validate_config(config, "config/schema.yaml")
    E_F = math.pi * sc.hbar**2 * N / M_GAAS  # α_R = 0: both bands hold n/2
    np.testing.assert_allclose(study.axes["temperature"], sc.k * np.array([2, 4]) / E_F,
                               rtol=1e-8)
    name, values = units.axis_labels(study.physical, "temperature", study.axes["temperature"])
    assert (name, values) == ("temperature_K", [2.0, 4.0])
    assert units.axis_labels(study.physical, "spacer_distance", [5.0, 10.0]) is None
    stems = variants({"temperature": study.axes["temperature"], "spacer_distance": [5.0, 10.0]},
                     {"temperature": (name, values)})
    assert "extrinsic_temperature_K4_spacer_distance10" in stems
    assert stems["extrinsic_temperature_K4_spacer_distance10"][1]["temperature"] == \
        study.axes["temperature"][1]
