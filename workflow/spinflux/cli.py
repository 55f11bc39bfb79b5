"""Command line: ``spinflux solve`` (one point), ``spinflux demo`` (a small sweep),
``spinflux plan`` (the cost of a study before it runs) and ``spinflux samples`` (the datasets of
one-sample studies in physical units stacked along the density).

User errors end with one line on stderr naming the parameter, and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys

from . import units
from .materials import MATERIALS
from .version import __version__
from .observables import OBSERVABLES, TABLE, VALIDITY_FLAGS, attributes
from .parameters import TABLE as PARAMETERS
from .parameters import ParameterError, PointParams, field_names
from .solver import solve_batch, solve_point

#: everything a point reports, in the order of observables.TABLE
JSON_KEYS = list(TABLE)
#: an option value that is a negative number ("--alpha -1e-3"), which argparse would take for
#: an option because it does not match its own negative-number pattern
NEGATIVE_NUMBER = re.compile(r"-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


class UserError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump
        raise UserError(f"{message} (see '{self.prog} --help')")


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


#: physical inputs that are options of their own (the others overload a parameter's option)
PHYSICAL_OPTIONS = (
    ("material", "preset: " + ", ".join(MATERIALS) + " (effective mass, λ; docs/units.md)"),
    ("density", "sheet density of both bands, e.g. '1e12 cm^-2' (needs --material or "
                "--effective-mass)"),
    ("effective_mass", "effective mass in m_e, or a mass quantity (overrides the preset's)"),
    ("rashba", "Rashba coefficient α_R of H_R = α_R(σ_x k_y − σ_y k_x), e.g. '5 meV*nm' "
               "(instead of --alpha)"),
    ("mobility", "mobility, e.g. '1e5 cm^2/(V*s)': τ = μm/e (instead of --tau)"),
    ("scattering_time", "transport time, e.g. '3.8 ps' (instead of --tau)"),
)


def _point_from_args(args):
    """The point of the command line, and its sample (units.Sample, the scales of ``to_code``
    and the material) when physical units were given, else None."""
    values = {}
    physical = any(getattr(args, name) is not None for name, _ in PHYSICAL_OPTIONS)
    for row in PARAMETERS:
        value = getattr(args, row.name)
        if value is None:
            continue
        if row.is_choice:
            values[row.name] = value
            continue
        try:
            values[row.name] = float(value)  # a dimensionless value (nan, inf refused later)
        except ValueError:
            if row.name not in units.DIMENSIONS:
                raise UserError(f"argument {_option(row.name)}: invalid float value: {value!r}")
            physical = True  # a quantity with units, converted below
    sample = None
    if physical:
        if args.density is None:
            raise UserError("physical units need --density (and --material or --effective-mass)")
        if args.rashba is not None and args.alpha is not None:
            raise UserError("give --alpha or --rashba, not both")
        if args.tau is not None and (args.mobility or args.scattering_time) is not None:
            raise UserError("give --tau or one of --mobility, --scattering-time, not both")
        given = {name: getattr(args, name) for name in units.DIMENSIONS
                 if hasattr(args, name) and name not in ("density", "effective_mass")}
        given["alpha"] = values.get("alpha")
        sample = units.Sample.from_inputs(args.density, args.material, args.effective_mass)
        converted = units.to_code(sample, given, args.material)
        sample = (sample, converted.pop("_scales"), args.material)
        values.update(converted)
    for name, alternative in (("alpha", "--rashba"), ("tau", "--mobility or --scattering-time")):
        if name not in values:
            raise UserError(f"the following arguments are required: --{name} (or {alternative} "
                            "with --density)")
    try:
        return PointParams(**values), sample
    except ParameterError as exc:
        # a value converted from a quantity: say which input it came from
        sources = {"alpha": "rashba", "tau": args.mobility and "mobility" or "scattering_time"}
        name = str(exc).split("=", 1)[0]
        source = sources.get(name, name)
        given = getattr(args, source, None) if sample is not None else None
        if given is not None and not units.is_plain_number(given):
            E_F = sample[1]["fermi_energy"] / units.constants()["e"] * 1e3
            raise UserError(f"{exc} (from {_option(source)} {given!r} at E_F = {E_F:.4g} meV)")
        raise


def _add_physics_arguments(p):
    """One option per row of ``parameters.TABLE``, with its default and what is allowed (a
    number is the dimensionless value; a quantity with units, where units.DIMENSIONS has one,
    is converted), and the options of the physical inputs."""
    for row in PARAMETERS:
        default = "" if row.required else f"; default {row.default}"
        physical = (f"; or {units.DIMENSIONS[row.name][1]}" if row.name in units.DIMENSIONS
                    else "")
        p.add_argument(_option(row.name), type=str, default=None,
                       help=f"{row.help} ({row.allowed()}{default}{physical})")
    for name, text in PHYSICAL_OPTIONS:
        p.add_argument(_option(name), type=str, default=None, help=text)


def _physical_block(point: PointParams, sample) -> dict:
    """Physical values of the point (inputs and derived scales) for the output."""
    sample, scales, material = sample
    c = units.constants()
    phys = units.to_physical(sample, point)
    E_F = phys["fermi_energy"]
    return {"material": material, "effective_mass_me": sample.mass / c["m_e"],
            "density_per_cm2": sample.density * 1e-4, "fermi_energy_meV": E_F / c["e"] * 1e3,
            "rashba_meV_nm": phys["rashba"] / c["e"] * 1e12,
            "scattering_time_ps": phys["scattering_time"] * 1e12,
            "mobility_cm2_per_Vs": phys["mobility"] * 1e4, "temperature_K": phys["temperature"],
            "lambda_ehr_angstrom2": phys["lambda_ehr"] * 1e20,
            "fermi_energy_tau_over_hbar": point.tau,
            "spin_splitting_over_fermi_energy": phys["spin_splitting"] / E_F}


def _si_outputs(point: PointParams, res: dict, sample) -> dict:
    """σ_sH and σ_xx in SI and e²/h, and S_y per unit field when the sample is known."""
    out = {"sigma_sH_S": units.sigma_sH_siemens(res["sigma_sH"]),
           "sigma_xx_S": units.sigma_xx_siemens(res["sigma_xx"]),
           "sigma_xx_e2_over_h": units.sigma_xx_quantum(res["sigma_xx"])}
    if sample is not None:
        phys = units.to_physical(sample[0], point)
        out["spin_density_y_per_field_per_V_per_m"] = units.spin_density_per_field(
            res["spin_density_y"], phys["scattering_time"], phys["p0"])
    return out


def _format_table(point: PointParams, res: dict, sample=None) -> str:
    lines = [f"spinflux {__version__}: kernel={point.kernel} disorder={point.disorder} "
             f"alpha={point.alpha:g} tau={point.tau:g} T={point.temperature:g} "
             f"(Δτ = {point.delta_tau:.6g})"]
    for name in JSON_KEYS:
        attrs = attributes(name)
        unit = attrs.get("unit_label", "")
        value = res[name]
        if name == "validity":
            continue
        err = res.get(name + "_error")
        text = f"{value:.10g}" if isinstance(value, float) else str(value)
        if err is not None:
            text += f"  ± {err:.1e}"
        lines.append(f"  {name:<31} {text:<32} {unit}")
    lines.append("  (σ_sH sign: eE > 0 along +x, the universal intrinsic value is −1 e/8π)")
    si = _si_outputs(point, res, sample)
    lines.append(f"  σ_sH = {si['sigma_sH_S']:.6g} S (e q_yz/E, S_z = σ_z/2);  σ_xx = "
                 f"{si['sigma_xx_S']:.6g} S = {si['sigma_xx_e2_over_h']:.6g} e²/h")
    if sample is not None:
        phys = _physical_block(point, sample)
        lines.append(f"  S_y/E = {si['spin_density_y_per_field_per_V_per_m']:.6g} /(V m) "
                     "(S_y = Tr f σ_y/2 per m², in units of ħ, per V/m)")
        lines.append(f"  sample: {phys['material'] or 'custom'}, m* = "
                     f"{phys['effective_mass_me']:.4g} m_e, n = {phys['density_per_cm2']:.4g} cm^-2, "
                     f"E_F = {phys['fermi_energy_meV']:.4g} meV, α_R = "
                     f"{phys['rashba_meV_nm']:.4g} meV nm, τ = {phys['scattering_time_ps']:.4g} ps "
                     f"(μ = {phys['mobility_cm2_per_Vs']:.4g} cm²/Vs), T = "
                     f"{phys['temperature_K']:.4g} K, λ_EHR = {phys['lambda_ehr_angstrom2']:.4g} Å²")
        ok = "satisfied" if point.tau >= 3 else "NOT satisfied"
        lines.append(f"  validity: E_Fτ/ħ = {point.tau:.4g} (the kinetic equation needs ≫ 1: "
                     f"{ok}), Δ/E_F = {phys['spin_splitting_over_fermi_energy']:.3g} "
                     "(quasiclassical laws: ≪ 1)")
    lines.extend(f"  WARNING: {text}" for text in flag_texts(res["validity"]))
    return "\n".join(lines)


def flag_texts(validity: int) -> list[str]:
    """What the validity flags of a point say, one line each."""
    return [f"{name}: {meaning}" for bit, name, meaning in VALIDITY_FLAGS if int(validity) & bit]


def cmd_solve(args) -> int:
    point, sample = _point_from_args(args)
    res = solve_point(point)
    if args.json:
        out = {k: res[k] for k in JSON_KEYS}
        out.update({k + "_error": res[k + "_error"] for k in OBSERVABLES})
        out["parameters"] = {k: getattr(point, k) for k in field_names()}
        out["si"] = _si_outputs(point, res, sample)
        if sample is not None:
            out["physical"] = _physical_block(point, sample)
            out["fermi_energy_meV"] = out["physical"]["fermi_energy_meV"]
        out["validity_flags"] = [name for bit, name, _ in VALIDITY_FLAGS if res["validity"] & bit]
        out["version"] = __version__
        print(json.dumps({k: (None if isinstance(v, float) and math.isnan(v) else v)
                          for k, v in out.items()}))
    else:
        print(_format_table(point, res, sample))
    for text in flag_texts(res["validity"]):
        print(f"spinflux: warning: {text}", file=sys.stderr)
    return 0


def cmd_demo(args) -> int:
    """Born zero next to the relaxation (bare-bubble) value over a Δτ sweep."""
    if args.alpha == 0:
        raise UserError("alpha=0.0: the demo sweeps Δτ = α p̄_F τ at fixed α, so it needs "
                        "alpha ≠ 0 (try --alpha 0.1)")
    rows = []
    for dtau in (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0):
        probe = PointParams(alpha=args.alpha, tau=1.0)
        tau = dtau / probe.delta_tau
        for kernel in ("relaxation", "born"):
            rows.append(PointParams(alpha=args.alpha, tau=tau, kernel=kernel,
                                    disorder=args.disorder))
    res = solve_batch(rows)
    print(f"spinflux {__version__} demo: σ_sH [e/8π], {args.disorder} disorder, alpha={args.alpha}")
    print(f"{'Δτ':>8} {'relaxation':>14} {'born':>14} {'born intrinsic':>15} "
          f"{'born acceleration':>18} {'born error est.':>16}")
    flagged = set()
    for i in range(0, len(rows), 2):
        flags = int(res["validity"][i]) | int(res["validity"][i + 1])
        flagged.update(flag_texts(flags))
        print(f"{rows[i].delta_tau:8.3g} {res['sigma_sH'][i]:14.6f} {res['sigma_sH'][i + 1]:14.2e} "
              f"{res['sigma_sH_intrinsic'][i + 1]:15.10f} {res['sigma_sH_acceleration'][i + 1]:18.10f} "
              f"{res['error_estimate'][i + 1]:16.1e}" + (" *" if flags else ""))
    for text in sorted(flagged):
        print(f"  * {text}")
    return 0


def cmd_plan(args) -> int:
    """The cost of a study before it runs (spinflux.cost): points, jobs, CPU time per kernel,
    memory per job; refuses a study whose largest job would not fit."""
    from pathlib import Path

    import yaml

    from . import cost
    from .study import StudyError, checkout_schema, validate_config

    path = Path(args.configfile)
    if not path.is_file():
        raise UserError(f"{args.configfile}: no such file")
    try:
        config = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise UserError(f"{args.configfile}: not YAML ({str(exc).splitlines()[0]})")
    try:
        study = validate_config(config if isinstance(config, dict) else {}, checkout_schema())
    except StudyError as exc:
        raise UserError(str(exc)) from None
    progress = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    costs = cost.plan(study, measure=not args.no_measure, progress=progress)
    print(cost.summary(study, costs, cores=args.cores))
    cost.check_memory(study, costs, study.max_job_memory_mb)
    return 0


def cmd_samples(args) -> int:
    """Stack per-sample study datasets (samples.stack) into one NetCDF, optionally with the
    σ_sH-against-sample figure (one file per value combination of any further axis)."""
    import itertools
    import os

    from .figures import label

    figure_format = None
    if args.figure:
        from matplotlib.backend_bases import FigureCanvasBase

        extension = os.path.splitext(args.figure)[1][1:] or "png"
        figure_format = extension.lower()
        supported = FigureCanvasBase.get_supported_filetypes()
        if figure_format not in supported:
            raise UserError(f"samples: --figure={args.figure!r}: unknown format "
                            f"'{figure_format}'; allowed: {', '.join(sorted(supported))}")
    output = os.path.realpath(args.output)
    if os.path.isdir(output) or args.output.endswith(os.sep):
        raise UserError(f"samples: -o {args.output} is a directory; name the NetCDF file to "
                        "write, e.g. -o by_density.nc")
    if args.figure and (os.path.isdir(args.figure) or os.path.realpath(args.figure) == output):
        raise UserError(f"samples: --figure={args.figure!r} is "
                        + ("a directory" if os.path.isdir(args.figure) else "the -o file")
                        + "; name a figure file of its own, e.g. --figure by_density.png")
    for path in args.inputs:
        if not os.path.isfile(path):
            raise UserError(f"samples: {path}: no such file (a study's results/<study>/"
                            "spin_hall.nc)")
        if os.path.realpath(path) == output:
            raise UserError(f"samples: -o {args.output} is one of the inputs; write the stack "
                            "to a new file")
    import xarray as xr

    from .dataset import write_atomic
    from .files import atomic_path
    from .samples import SampleError, stack

    datasets = []
    for path in args.inputs:
        try:
            datasets.append(xr.load_dataset(path))
        except (OSError, ValueError):
            raise UserError(f"samples: {path}: not a NetCDF file spinflux can read (a study's "
                            "results/<study>/spin_hall.nc)") from None
    try:
        out = stack(datasets, list(args.inputs))
    except SampleError as exc:
        raise UserError(f"samples: {exc}") from None
    write_atomic(out, args.output)
    dim = out.sigma_sH.dims[0]
    print(f"{args.output}: {out.sizes[dim]} samples along {dim}, dims "
          f"{dict(out.sigma_sH.sizes)}")
    if args.figure:
        from .plots import sigma_vs_sample

        fixed = (dim, "disorder", "kernel", "mobility", "scattering_time", "tau")
        extra = [d for d in out.sigma_sH.dims if d not in fixed]
        stem = os.path.splitext(args.figure)[0]
        for combo in itertools.product(*(range(out.sizes[d]) for d in extra)):
            sub = out.isel(dict(zip(extra, combo)))
            tags = [(d, sub[d].item()) for d in extra]
            path = stem + "".join(f"_{d}{label(v)}" for d, v in tags) + f".{extension}"
            fig = sigma_vs_sample(sub, ", ".join(f"{d} = {v:g}" for d, v in tags))
            with atomic_path(path) as tmp:
                fig.savefig(tmp, dpi=200, format=figure_format)
            print(path)
    return 0

def build_parser():
    parser = _Parser(prog="spinflux", description="Spin currents in a Rashba 2DEG with disorder.")
    parser.add_argument("--version", action="version", version=f"spinflux {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    s = sub.add_parser("solve", help="solve one parameter point")
    _add_physics_arguments(s)
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=cmd_solve)
    d = sub.add_parser("demo", help="Born zero next to the relaxation value over Δτ")
    d.add_argument("--alpha", type=float, default=0.1)
    d.add_argument("--disorder", default="delta")
    d.set_defaults(func=cmd_demo)
    c = sub.add_parser("plan", help="points, jobs, CPU time and memory of a study, before it runs")
    c.add_argument("configfile", nargs="?", default="config/config.yaml",
                   help="the study file (default config/config.yaml)")
    c.add_argument("--cores", type=int, default=2, help="cores for the wall-time estimate")
    c.add_argument("--no-measure", action="store_true",
                   help="skip the calibration solves (sizes and memory only)")
    c.add_argument("--quiet", action="store_true", help="no progress lines")
    c.set_defaults(func=cmd_plan)
    m = sub.add_parser("samples", help="stack the datasets of one-sample studies in physical "
                                       "units along the density (or Rashba coefficient)")
    m.add_argument("inputs", nargs="+", help="the studies' results/<study>/spin_hall.nc")
    m.add_argument("-o", "--output", required=True, help="the stacked NetCDF to write")
    m.add_argument("--figure", help="also draw σ_sH against the sample to this file "
                                    "(.png, .pdf, .svg, …)")
    m.set_defaults(func=cmd_samples)
    return parser


def _join_negative_values(argv):
    """'--alpha -1e-3' → '--alpha=-1e-3': a negative number after an option is its value."""
    out = []
    for token in argv:
        if (out and out[-1].startswith("--") and "=" not in out[-1]
                and NEGATIVE_NUMBER.fullmatch(token)):
            out[-1] = f"{out[-1]}={token}"
        else:
            out.append(token)
    return out


def main(argv=None) -> int:
    parser = build_parser()
    try:
        argv = _join_negative_values(sys.argv[1:] if argv is None else list(argv))
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        return args.func(args)
    except (UserError, ParameterError) as exc:
        print(f"spinflux: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
