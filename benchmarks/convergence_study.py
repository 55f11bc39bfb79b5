"""Convergence of the solver in every discretisation setting; the source of docs/convergence.md.

    python benchmarks/convergence_study.py > docs/convergence_tables.md

Each table varies one setting around the defaults (GridSettings(), grid.MAP_WIDTH,
disorder.COULOMB_ANGULAR_POINTS) and compares with a more refined solution or an exact result.
"""

from __future__ import annotations

import contextlib
import dataclasses


import spinflux.disorder as dis
import spinflux.grid as grid_module
from spinflux import analytic
from spinflux.grid import GridSettings, build_grid
from spinflux.parameters import PointParams
from spinflux.solver import solve_point

BASE = GridSettings()
REFINED = dataclasses.replace(BASE, spacing_factor=0.25, rungs_above_fermi=24)


def point(alpha, delta_tau, **kw):
    probe = PointParams(alpha=alpha, tau=1.0, **kw)
    return dataclasses.replace(probe, tau=delta_tau / probe.delta_tau)


def table(title, header, rows):
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(r) + " |")


def rel(a, b):
    return abs(a / b - 1)


@contextlib.contextmanager
def overridden(module, name, value):
    """Temporarily set a module-level accuracy constant."""
    saved = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, saved)


CASES = [("delta", 0.02, 3.0), ("delta", 0.2, 0.3), ("delta", 0.2, 3.0), ("smooth", 0.2, 3.0),
         ("coulomb", 0.2, 3.0), ("delta", 0.5, 0.3), ("coulomb", 0.5, 0.3)]


def sweep(name, values, make_settings):
    rows = []
    for disorder, alpha, dtau in CASES:
        p = point(alpha, dtau, disorder=disorder, kernel="born")
        ref = solve_point(p, REFINED, estimate_error=False)
        for v in values:
            s = make_settings(v)
            r = solve_point(p, s)
            rows.append([disorder, f"{alpha}", f"{dtau}", f"{v}", f"{r['grid_points']}",
                         f"{abs(r['sigma_sH']):.1e}", f"{r['error_estimate']:.1e}",
                         f"{rel(r['sigma_xx'], ref['sigma_xx']):.1e}",
                         f"{rel(r['spin_density_y'], ref['spin_density_y']):.1e}",
                         f"{r['spin_density_y_error'] / abs(ref['spin_density_y']):.1e}"])
    table(f"Born kernel versus {name} (reference: spacing_factor 0.25, 24 rungs)",
          ["disorder", "alpha", "Δτ", name, "points", "abs(σ_sH)", "σ_sH error est.",
           "rel. Δσ_xx", "rel. ΔS_y", "rel. S_y error est."], rows)


def relaxation_temperatures():
    rows = []
    for T in (1e-2, 1e-3, 1e-4, 1e-6):
        for alpha, dtau in ((0.05, 0.05), (0.05, 200.0), (0.5, 2.0)):
            p = point(alpha, dtau, kernel="relaxation", temperature=T)
            r = solve_point(p)
            thermal = analytic.relaxation_sigma_sH_thermal(p)
            zero_t = analytic.relaxation_sigma_sH_zero_temperature(p)
            rows.append([f"{T:g}", f"{alpha}", f"{dtau}", f"{build_grid(p).n}", f"{r['grid_points']}",
                         f"{rel(r['sigma_sH'], thermal):.1e}", f"{r['error_estimate'] / abs(thermal):.1e}",
                         f"{rel(r['sigma_sH'], zero_t):.1e}"])
    table("Relaxation kernel against its closed forms, by temperature",
          ["T", "alpha", "Δτ", "residues n", "points", "rel. error (thermal form)",
           "rel. error estimate", "rel. dev. from T = 0 form"], rows)


def map_width():
    rows = []
    for beta in (3.0, 5.0, 10.0):
        for alpha, T in ((0.2, 1e-3), (0.5, 1e-4)):
            p = point(alpha, 2.0, kernel="relaxation", temperature=T)
            with overridden(grid_module, "MAP_WIDTH", beta):
                r = solve_point(p)
            rows.append([f"{beta}", f"{alpha}", f"{T:g}", f"{r['grid_points']}",
                         f"{rel(r['sigma_sH'], analytic.relaxation_sigma_sH_thermal(p)):.1e}"])
    table("Width of the Fermi peak of the residue density (MAP_WIDTH β, in units of 2πk_BT/v̄)",
          ["β", "alpha", "T", "points", "rel. error σ_sH (relaxation)"], rows)


def coulomb_angles():
    rows = []
    for spacer, screening in ((1.0, 1.0), (5.0, 0.3), (0.2, 5.0)):
        p = point(0.2, 3.0, disorder="coulomb", kernel="born", spacer_distance=spacer,
                  screening_wavevector=screening)
        with overridden(dis, "COULOMB_ANGULAR_POINTS", 640):
            ref = solve_point(p, estimate_error=False)
        for n in (20, 40, 48, 160):
            with overridden(dis, "COULOMB_ANGULAR_POINTS", n):
                r = solve_point(p, estimate_error=False)
            rows.append([f"{spacer}", f"{screening}", f"{n}", f"{rel(r['sigma_xx'], ref['sigma_xx']):.1e}",
                         f"{rel(r['spin_density_y'], ref['spin_density_y']):.1e}"])
    table("Coulomb disorder: Gauss–Legendre points of the angular moments (reference 640)",
          ["spacer_distance", "screening_wavevector", "n_theta", "rel. Δσ_xx", "rel. ΔS_y"], rows)


def boltzmann_temperature():
    rows = []
    for disorder in ("delta", "smooth", "coulomb"):
        for T in (4e-3, 2e-3, 1e-3, 5e-4):
            p = point(0.2, 1000.0, disorder=disorder, kernel="born", temperature=T)
            r = solve_point(p, estimate_error=False)
            dev = r["sigma_xx"] / analytic.band_diagonal_boltzmann(p)["sigma_xx"] - 1
            rows.append([disorder, f"{T:g}", f"{r['grid_points']}", f"{dev:.2e}", f"{dev / T**2:.2f}"])
    table("σ_xx at Δτ = 1000 against the T = 0 band-diagonal Boltzmann limit (Sommerfeld T² law)",
          ["disorder", "T", "points", "σ_xx/σ_B − 1", "(σ_xx/σ_B − 1)/T²"], rows)


def error_estimate_honesty():
    total = bounded = 0
    worst = 0.0
    for alpha in (0.05, 0.2, 0.5):
        for T in (1e-2, 1e-3, 1e-4):
            for dtau in (0.3, 3.0):
                for disorder in ("delta", "smooth", "coulomb"):
                    p = point(alpha, dtau, kernel="born", disorder=disorder, temperature=T)
                    r = solve_point(p)
                    ref = solve_point(p, REFINED, estimate_error=False)
                    for k in ("sigma_sH", "sigma_xx", "spin_density_y"):
                        err = abs(r[k] - ref[k])
                        total += 1
                        bounded += err <= r[k + "_error"] + 1e-13 * abs(ref[k])
                        if k != "sigma_sH":
                            worst = max(worst, err / abs(ref[k]))
    print(f"\n### Error estimate against the refined solution\n\n{bounded} of {total} "
          f"(observable, point) pairs have |value − refined| ≤ reported error "
          f"(α ∈ {{0.05, 0.2, 0.5}}, T ∈ {{1e-2, 1e-3, 1e-4}}, Δτ ∈ {{0.3, 3}}, three disorders, "
          f"Born kernel); worst relative error of σ_xx and S_y: {worst:.1e}.")


def main():
    sweep("spacing_factor", [0.5, 0.75, 1.0, 1.5], lambda v: dataclasses.replace(BASE, spacing_factor=v))
    sweep("rungs_above_fermi", [16, 10, 6, 4], lambda v: dataclasses.replace(BASE, rungs_above_fermi=v))
    relaxation_temperatures()
    map_width()
    coulomb_angles()
    boltzmann_temperature()
    error_estimate_honesty()


if __name__ == "__main__":
    main()
