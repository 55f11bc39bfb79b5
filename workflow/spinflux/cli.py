"""Command line: ``spinflux solve`` (one point), ``spinflux demo`` (a small sweep) and
``spinflux plan`` (the cost of a study before it runs).

User errors end with one line on stderr naming the parameter, and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys

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


def _point_from_args(args) -> PointParams:
    return PointParams(**{row.name: getattr(args, row.name) for row in PARAMETERS})


def _add_physics_arguments(p):
    """One option per row of ``parameters.TABLE``, with its default and what is allowed."""
    for row in PARAMETERS:
        default = "" if row.required else f"; default {row.default}"
        p.add_argument(_option(row.name), type=str if row.is_choice else float,
                       required=row.required, default=None if row.required else row.default,
                       help=f"{row.help} ({row.allowed()}{default})")


def _format_table(point: PointParams, res: dict) -> str:
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
    lines.extend(f"  WARNING: {text}" for text in flag_texts(res["validity"]))
    return "\n".join(lines)


def flag_texts(validity: int) -> list[str]:
    """What the validity flags of a point say, one line each."""
    return [f"{name}: {meaning}" for bit, name, meaning in VALIDITY_FLAGS if int(validity) & bit]


def cmd_solve(args) -> int:
    point = _point_from_args(args)
    res = solve_point(point)
    if args.json:
        out = {k: res[k] for k in JSON_KEYS}
        out.update({k + "_error": res[k + "_error"] for k in OBSERVABLES})
        out["parameters"] = {k: getattr(point, k) for k in field_names()}
        out["validity_flags"] = [name for bit, name, _ in VALIDITY_FLAGS if res["validity"] & bit]
        out["version"] = __version__
        print(json.dumps({k: (None if isinstance(v, float) and math.isnan(v) else v)
                          for k, v in out.items()}))
    else:
        print(_format_table(point, res))
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
    for i in range(0, len(rows), 2):
        print(f"{rows[i].delta_tau:8.3g} {res['sigma_sH'][i]:14.6f} {res['sigma_sH'][i + 1]:14.2e} "
              f"{res['sigma_sH_intrinsic'][i + 1]:15.10f} {res['sigma_sH_acceleration'][i + 1]:18.10f} "
              f"{res['error_estimate'][i + 1]:16.1e}")
    return 0


def cmd_plan(args) -> int:
    """The cost of a study before it runs (spinflux.cost): points, jobs, CPU time per kernel,
    memory per job; refuses a study whose largest job would not fit."""
    from pathlib import Path

    import yaml

    from . import cost
    from .study import StudyError, validate_config

    path = Path(args.configfile)
    if not path.is_file():
        raise UserError(f"{args.configfile}: no such file")
    try:
        config = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise UserError(f"{args.configfile}: not YAML ({str(exc).splitlines()[0]})")
    schema = Path(__file__).resolve().parents[2] / "config" / "schema.yaml"
    try:
        study = validate_config(config if isinstance(config, dict) else {}, str(schema))
    except StudyError as exc:
        raise UserError(str(exc)) from None
    progress = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    costs = cost.plan(study, measure=not args.no_measure, progress=progress)
    print(cost.summary(study, costs, cores=args.cores))
    cost.check_memory(study, costs, study.max_job_memory_mb)
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
