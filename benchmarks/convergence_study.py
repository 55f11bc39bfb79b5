"""Convergence of the solver in grid spacing, rung count, angular points and temperature.

Prints markdown tables (the source of docs/convergence.md):

    python benchmarks/convergence_study.py > /tmp/convergence.md

Each table varies one setting around the defaults and reports, for the Born kernel,
|σ_sH| (exact value 0), and the relative change of σ_xx and S_y against the most refined
setting; for the relaxation kernel the error of σ_sH against the thermal closed form.
"""

from __future__ import annotations

import dataclasses

import spinflux.disorder as dis
from spinflux import analytic
from spinflux.grid import GridSettings
from spinflux.params import PointParams
from spinflux.solver import solve_point

BASE = GridSettings()


def point(alpha, delta_tau, **kw):
    probe = PointParams(alpha=alpha, tau=1.0, **kw)
    return dataclasses.replace(probe, tau=delta_tau / probe.delta_tau)


def table(title, header, rows):
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(r) + " |")


def sweep(name, values, make_settings, cases):
    rows = []
    for disorder, alpha, dtau in cases:
        p = point(alpha, dtau, disorder=disorder, kernel="born")
        ref = solve_point(p, make_settings(values[0]), estimate_error=False)
        for v in values:
            r = solve_point(p, make_settings(v), estimate_error=False)
            rows.append([disorder, f"{alpha}", f"{dtau}", f"{v}", f"{r['grid_points']}",
                         f"{abs(r['sigma_sH']):.1e}",
                         f"{abs(r['sigma_xx'] / ref['sigma_xx'] - 1):.1e}",
                         f"{abs(r['spin_density_y'] / ref['spin_density_y'] - 1):.1e}"])
    table(f"Born kernel versus {name} (reference: {name} = {values[0]})",
          ["disorder", "alpha", "Δτ", name, "points", "abs(σ_sH)", "rel. Δσ_xx", "rel. ΔS_y"], rows)


CASES = [("delta", 0.2, 0.3), ("delta", 0.2, 3.0), ("smooth", 0.2, 3.0),
         ("coulomb", 0.2, 3.0), ("delta", 0.02, 3.0)]


def main():
    sweep("spacing_factor", [0.25, 0.5, 0.75, 1.0, 1.5, 2.0],
          lambda v: dataclasses.replace(BASE, spacing_factor=v), CASES)
    sweep("rungs_above_fermi", [24, 16, 12, 10, 8, 4],
          lambda v: dataclasses.replace(BASE, rungs_above_fermi=v), CASES)

    rows = []
    for alpha, dtau in [(0.01, 0.05), (0.01, 200.0), (0.2, 2.0), (0.5, 0.05), (0.5, 200.0)]:
        p = point(alpha, dtau, kernel="relaxation")
        exact = analytic.relaxation_sigma_sH_thermal(p)
        for s in [0.5, 0.75, 1.0, 2.0]:
            r = solve_point(p, dataclasses.replace(BASE, spacing_factor=s))
            rows.append([f"{alpha}", f"{dtau}", f"{s}", f"{r['sigma_sH']:.10f}",
                         f"{abs(r['sigma_sH'] / exact - 1):.1e}", f"{r['error_estimate']:.1e}"])
    table("Relaxation kernel: σ_sH against the thermal closed form",
          ["alpha", "Δτ", "spacing_factor", "σ_sH", "rel. error", "error_estimate"], rows)

    rows = []
    ref_n = 640
    default_n = dis.COULOMB_ANGULAR_POINTS
    for spacer, screening in [(1.0, 1.0), (5.0, 0.3), (0.2, 5.0)]:
        p = point(0.2, 3.0, disorder="coulomb", kernel="born", spacer_distance=spacer,
                  screening_wavevector=screening)
        dis.COULOMB_ANGULAR_POINTS = ref_n
        ref = solve_point(p, estimate_error=False)
        for n in [20, 40, 64, 160]:
            dis.COULOMB_ANGULAR_POINTS = n
            r = solve_point(p, estimate_error=False)
            rows.append([f"{spacer}", f"{screening}", f"{n}",
                         f"{abs(r['sigma_xx'] / ref['sigma_xx'] - 1):.1e}",
                         f"{abs(r['spin_density_y'] / ref['spin_density_y'] - 1):.1e}",
                         f"{abs(r['sigma_sH']):.1e}"])
    dis.COULOMB_ANGULAR_POINTS = default_n
    table(f"Coulomb disorder: Gauss–Legendre angular points (reference {ref_n})",
          ["spacer_distance", "screening_wavevector", "n_theta", "rel. Δσ_xx", "rel. ΔS_y",
           "abs(σ_sH)"], rows)

    rows = []
    for disorder in ["delta", "smooth", "coulomb"]:
        for T in [4e-3, 2e-3, 1e-3, 5e-4]:
            p = point(0.2, 1000.0, disorder=disorder, kernel="born", temperature=T)
            r = solve_point(p, estimate_error=False)
            b = analytic.band_diagonal_boltzmann(p)
            dev = r["sigma_xx"] / b["sigma_xx"] - 1
            rows.append([disorder, f"{T}", f"{r['grid_points']}", f"{dev:.2e}", f"{dev / T**2:.2f}",
                         f"{abs(r['sigma_sH']):.1e}"])
    table("Temperature: σ_xx at Δτ = 1000 against the T = 0 band-diagonal Boltzmann limit",
          ["disorder", "T", "points", "σ_xx/σ_B − 1", "(σ_xx/σ_B − 1)/T²", "abs(σ_sH)"], rows)


if __name__ == "__main__":
    main()
