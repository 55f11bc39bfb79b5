"""Worked example of docs/units.md: a GaAs and an In0.53Ga0.47As 2DEG from sample parameters to the
Born zero, skew scattering and side jump, with the validity checks.

    python examples/worked_example.py

Each line is one `spinflux solve ... --json` (the same command works in a shell).
"""

import contextlib
import io
import json

from spinflux.cli import main

SAMPLES = {
    "GaAs": ["--material", "GaAs", "--density", "1e12 cm^-2", "--mobility", "1e5 cm^2/(V*s)",
             "--temperature", "4 K"],
    "In0.53Ga0.47As": ["--material", "In0.53Ga0.47As", "--density", "1e12 cm^-2",
                       "--mobility", "5e4 cm^2/(V*s)", "--temperature", "4 K"],
}
CASES = [("Born, λ = 0 (the Born zero)", ["--kernel", "born", "--lambda-so", "0"]),
         ("Born, material λ", ["--kernel", "born"]),
         ("beyond Born, material λ", ["--kernel", "beyond_born"])]


def solve(argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["solve", *argv, "--json"]) == 0
    return json.loads(out.getvalue())


def main_():
    for name, sample in SAMPLES.items():
        for rashba in ("0 meV*nm", "5 meV*nm"):
            first = solve(sample + ["--rashba", rashba] + CASES[0][1])
            ph = first["physical"]
            print(f"\n{name}: n = {ph['density_per_cm2']:.3g} cm^-2, m* = {ph['effective_mass_me']} m_e, "
                  f"α_R = {rashba}, μ = {ph['mobility_cm2_per_Vs']:.3g} cm²/Vs, T = "
                  f"{ph['temperature_K']:.3g} K, λ_EHR = {solve(sample + ['--rashba', rashba])['physical']['lambda_ehr_angstrom2']:.3g} Å²")
            print(f"  E_F = {ph['fermi_energy_meV']:.4g} meV, τ = {ph['scattering_time_ps']:.4g} ps, "
                  f"E_Fτ/ħ = {ph['fermi_energy_tau_over_hbar']:.4g} (≫ 1), Δ/E_F = "
                  f"{ph['spin_splitting_over_fermi_energy']:.3g}, Δτ/ħ = {first['delta_tau']:.3g}; "
                  f"dimensionless: alpha = {first['parameters']['alpha']:.4g}, tau = "
                  f"{first['parameters']['tau']:.4g}, temperature = "
                  f"{first['parameters']['temperature']:.3g}")
            print(f"  {'case':<30} {'σ_sH [e/8π]':>13} {'± error':>9} {'σ_sH [S]':>11} "
                  f"{'skew':>11} {'side jump':>11} {'Elliott–Yafet':>13} {'σ_xx [S]':>9} {'flags'}")
            for label, extra in CASES:
                r = solve(sample + ["--rashba", rashba] + extra)
                print(f"  {label:<30} {r['sigma_sH']:13.4e} {r['sigma_sH_error']:9.1e} "
                      f"{r['si']['sigma_sH_S']:11.3e} {r['sigma_sH_skew']:11.3e} "
                      f"{r['sigma_sH_side_jump']:11.3e} {r['sigma_sH_elliott_yafet']:13.3e} "
                      f"{r['si']['sigma_xx_S']:9.4f} {','.join(r['validity_flags']) or '-'}")


if __name__ == "__main__":
    main_()
