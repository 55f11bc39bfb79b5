"""Parameter studies: a config → validated study → chunks of the grid → one merged dataset.

A chunk is the work of one job: fixed disorder, kernel and values of the extra grid axes the
kernel depends on, the α values of one half-decade of |α| (``alpha_bucket``), and every τ.
Its specification (``Chunk.spec``) holds exactly the values its results depend on, as plain
floats and strings: Snakemake compares it through ``params:`` and reruns a chunk exactly when
one of them changes (a parameter a kernel or disorder does not use is left out; values are
normalised, τ sorted). Axes a chunk does not depend on are replicated in its dataset.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .grid import GridSettings
from .parameters import (BY_NAME, DEFAULTS, FIXED, ParameterError, PointParams, check_value,
                         relevant)

if TYPE_CHECKING:  # for the annotations only
    import xarray as xr

# xarray, the solver and the dataset builders are imported where they are used: the workflow
# parses this module for every snakemake start (a no-op rerun should not import scipy and xarray)

CORE_AXES = ("disorder", "kernel", "alpha", "tau")
#: one job solves the α values of one bucket: a 1/ALPHA_BUCKETS_PER_DECADE decade of |α|
ALPHA_BUCKETS_PER_DECADE = 2
#: a study name is a directory name under results/: letters, digits, '_', '-', inner dots
STUDY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*")
#: a string in a numeric position that YAML 1.1 read as text (e.g. 1e-1) but is a number
NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


#: the GridSettings a config sets in its ``solver`` block (config/schema.yaml), with their types
SOLVER_SETTINGS = {"spacing_factor": float, "rungs_above_fermi": int, "coulomb_max_angles": int}
#: settings that only some chunks use: left out of the others' job parameters and of the
#: study's provenance when no chunk uses them, so that changing one reruns only what it changes
SETTING_USED_BY = {"coulomb_max_angles":
                   lambda chunk: chunk.disorder == "coulomb" and chunk.kernel == "beyond_born"}


def solver_settings(settings: GridSettings, chunks=None) -> dict:
    """The config-settable part of ``settings`` as plain values (the workflow's job parameters
    and the study's provenance): GridSettings(**solver_settings(s)) rebuilds it. With ``chunks``,
    only the settings one of them uses (SETTING_USED_BY); the others keep their defaults."""
    return {name: kind(getattr(settings, name)) for name, kind in SOLVER_SETTINGS.items()
            if chunks is None or name not in SETTING_USED_BY
            or any(SETTING_USED_BY[name](c) for c in chunks)}


class StudyError(ValueError):
    """The study configuration is inconsistent; the message names the key and the value."""


def _label(value) -> str:
    return f"{value:.10g}" if isinstance(value, float) else str(value)


def axis_values(name: str, spec) -> list:
    """A grid axis as a list: a list is taken as is, a range {start, stop, num, scale} expanded.
    Values must be distinct, also after the rounding that names the chunk files."""
    if isinstance(spec, dict):
        start, stop, num = spec["start"], spec["stop"], int(spec["num"])
        if spec.get("scale", "linear") == "log":
            if start <= 0 or stop <= 0:
                raise StudyError(f"grid.{name}: a log range needs start > 0 and stop > 0, "
                                 f"got start={start!r}, stop={stop!r}")
            values = np.geomspace(start, stop, num)
        else:
            values = np.linspace(start, stop, num)
        values = [float(f"{v:.12g}") for v in values]
    else:
        values = [float(v) if name in BY_NAME and not BY_NAME[name].is_choice else v for v in spec]
    if name in BY_NAME and not BY_NAME[name].is_choice:
        # a value out of its parameter's own range is wrong for every kernel and disorder:
        # name the axis (and the list element), not the first chunk that would have met it
        for i, v in enumerate(values):
            try:
                check_value(name, v)
            except ParameterError as exc:
                where = f"grid.{name}" if isinstance(spec, dict) else f"grid.{name}[{i}]"
                raise StudyError(f"{where}: {exc}") from None
    labels = [_label(v) for v in values]
    if len(set(labels)) != len(labels):
        dup = sorted({labels[i] for i in range(len(labels)) if labels.count(labels[i]) > 1})
        raise StudyError(f"grid.{name}: values must be distinct (to 10 significant digits), got "
                         f"{values!r}; repeated: {', '.join(dup)}")
    return values


def alpha_bucket(alpha: float) -> str:
    """File stem of the chunk that holds α: 'alpha0', or the half-decade of |α| it lies in with
    the sign, e.g. 'alpha0.01-0.0316' or 'alpham0.0316-m0.01'. Adding an α reruns only its
    bucket."""
    if alpha == 0:
        return "alpha0"
    k = math.floor(ALPHA_BUCKETS_PER_DECADE * math.log10(abs(alpha)) + 1e-12)
    lo, hi = (10 ** (e / ALPHA_BUCKETS_PER_DECADE) for e in (k, k + 1))
    if alpha > 0:
        return f"alpha{lo:.3g}-{hi:.3g}"
    return f"alpham{hi:.3g}-m{lo:.3g}"


@dataclass(frozen=True)
class Chunk:
    """One job: fixed disorder and kernel, the α of one bucket, values of the extra axes the
    results depend on (``extra``), those they do not (``replicated``), and every τ."""

    disorder: str
    kernel: str
    alphas: tuple
    extra: tuple  # ((name, value), ...): extra axes the kernel and disorder depend on
    replicated: tuple  # ((name, (values...)), ...): extra axes they do not depend on
    taus: tuple  # sorted
    fixed: tuple  # ((name, value), ...): fixed parameters the kernel and disorder depend on
    order: tuple = ()  # names of all extra axes, in the order of the config

    @property
    def dims(self) -> tuple:
        return ("disorder", "kernel", "alpha") + tuple(self.order) + ("tau",)

    @property
    def name(self) -> str:
        """Stable file stem: the values that identify the slice, nothing else."""
        return "_".join([alpha_bucket(self.alphas[0])]
                        + [f"{k}{_label(v)}" for k, v in self.extra])

    @property
    def spec(self) -> dict:
        """Plain-value description for Snakemake params (compared by repr for reruns)."""
        return {"disorder": self.disorder, "kernel": self.kernel, "alphas": list(self.alphas),
                "extra": [list(e) for e in self.extra],
                "replicated": [[n, list(v)] for n, v in self.replicated],
                "taus": list(self.taus), "fixed": dict(self.fixed), "order": list(self.order)}

    def points(self) -> list[PointParams]:
        """Every (α, τ) point, α-major; parameters the results do not depend on take their
        defaults."""
        params = dict(self.fixed)
        params.update(dict(self.extra))
        return [PointParams(alpha=a, tau=t, disorder=self.disorder, kernel=self.kernel, **params)
                for a in self.alphas for t in self.taus]


def chunk_from_spec(spec: dict) -> Chunk:
    return Chunk(spec["disorder"], spec["kernel"], tuple(spec["alphas"]),
                 tuple(tuple(e) for e in spec["extra"]),
                 tuple((n, tuple(v)) for n, v in spec["replicated"]), tuple(spec["taus"]),
                 tuple(sorted(spec["fixed"].items())), tuple(spec["order"]))


@dataclass(frozen=True)
class Study:
    name: str
    axes: dict  # name → list of values, core axes first then extra axes
    chunks: tuple
    settings: GridSettings
    max_job_memory_mb: int = 16000
    physical: dict | None = None  # units.physical_study: the sample of a study in physical units

    @property
    def extra_axes(self) -> list[str]:
        return [a for a in self.axes if a not in CORE_AXES]

    @property
    def n_points(self) -> int:
        return int(np.prod([len(v) for v in self.axes.values()]))

    def effective(self) -> dict:
        """What the study's results depend on, as plain values: the name, the axes (sorted
        where order does not matter), the fixed parameters each (disorder, kernel) uses and the
        grid settings. Recorded in the merged dataset and compared for reruns: an edit of the
        config that changes none of it reruns nothing."""
        fixed = {}
        for chunk in self.chunks:
            fixed.setdefault(f"{chunk.disorder}/{chunk.kernel}", dict(chunk.fixed))
        axes = {a: (sorted(v) if a not in ("disorder", "kernel") else list(v))
                for a, v in self.axes.items()}
        out = {"study": self.name, "grid": axes, "fixed": fixed,
               "solver": solver_settings(self.settings, self.chunks)}
        if self.physical:
            out["physical"] = self.physical
        return out


def _check_name(name) -> str:
    if not isinstance(name, str) or not STUDY_NAME.fullmatch(name):
        raise StudyError(f"study={name!r} must be a directory name: letters, digits, '_', '-' and "
                         "inner dots, starting with a letter or digit (outputs go to "
                         "results/<study>/)")
    return name


def load_study(config: dict) -> Study:
    """Expand a schema-validated config into chunks; physical ranges are checked here, with
    messages that name the key, the value and what is allowed."""
    name = _check_name(config.get("study"))
    grid = config["grid"]
    axes = {a: axis_values(a, grid[a]) for a in CORE_AXES}
    extra = [a for a in grid if a not in CORE_AXES]
    for a in extra:
        axes[a] = axis_values(a, grid[a])
    for where, values in [("parameters", config.get("parameters", {}))] + [
            (f"kernel_parameters.{k}", v) for k, v in config.get("kernel_parameters", {}).items()]:
        twice = sorted(set(values) & set(extra))
        if twice:
            raise StudyError(f"{where}.{twice[0]} is also the grid axis grid.{twice[0]}: give it "
                             "in one place (a grid axis, or a fixed value)")
    for kernel, values in config.get("kernel_parameters", {}).items():
        for key, value in values.items():
            if not relevant(key, kernel, None) and value != DEFAULTS[key]:
                raise StudyError(f"kernel_parameters.{kernel}.{key}={value!r}: the {kernel} kernel "
                                 f"does not use {key} (used by: "
                                 f"{', '.join(BY_NAME[key].kernels or ())})")
    base = {n: DEFAULTS[n] for n in FIXED}
    base.update({k: float(v) for k, v in config.get("parameters", {}).items()})
    chunks = []
    for disorder in axes["disorder"]:
        for kernel in axes["kernel"]:
            fixed = dict(base)
            fixed.update({k: float(v) for k, v in
                          config.get("kernel_parameters", {}).get(kernel, {}).items()})
            fixed = {n: v for n, v in fixed.items()
                     if n not in extra and relevant(n, kernel, disorder)}
            own = [a for a in extra if relevant(a, kernel, disorder)]
            replicated = tuple((a, tuple(axes[a])) for a in extra if a not in own)
            buckets = {}
            for alpha in axes["alpha"]:
                buckets.setdefault(alpha_bucket(alpha), []).append(float(alpha))
            for alphas in buckets.values():
                for combo in np.ndindex(*[len(axes[a]) for a in own]):
                    values = tuple((a, axes[a][i]) for a, i in zip(own, combo))
                    chunk = Chunk(disorder, kernel, tuple(sorted(alphas)), values, replicated,
                                  tuple(sorted(float(t) for t in axes["tau"])),
                                  tuple(sorted(fixed.items())), tuple(extra))
                    _check_chunk(chunk)
                    chunks.append(chunk)
    solver = config.get("solver", {})
    settings = GridSettings(**{name: kind(solver.get(name, getattr(GridSettings, name)))
                               for name, kind in SOLVER_SETTINGS.items()})
    return Study(name, axes, tuple(chunks), settings,
                 int(solver.get("max_job_memory_mb", 16000)))


def _check_chunk(chunk: Chunk):
    """Validate the extreme points of a chunk (every α; the smallest and largest τ)."""
    params = dict(chunk.fixed)
    params.update(dict(chunk.extra))
    for alpha in chunk.alphas:
        for tau in (chunk.taus[0], chunk.taus[-1]):
            try:
                PointParams(alpha=alpha, tau=tau, disorder=chunk.disorder, kernel=chunk.kernel,
                            **params)
            except ParameterError as exc:
                where = (f"kernel {chunk.kernel!r}" if "kernel" not in str(exc) else "grid")
                raise StudyError(f"invalid study ({where}, disorder {chunk.disorder!r}): "
                                 f"{exc}") from None


def _coerce_numbers(config: dict):
    """Numbers that YAML 1.1 reads as strings (1e-1 needs a dot for PyYAML) in the numeric
    places of a config become the numbers a user meant; NaN and infinity are refused here, with
    the path of the element."""
    def walk(value, path, numeric):
        if isinstance(value, dict):
            for k, v in value.items():
                value[k] = walk(v, path + [str(k)], numeric or k in ("parameters", "solver",
                                                                     "kernel_parameters"))
            return value
        if isinstance(value, list):
            return [walk(v, path + [str(i)], numeric) for i, v in enumerate(value)]
        if numeric and isinstance(value, str) and NUMBER.fullmatch(value.strip()):
            return float(value)
        if isinstance(value, float) and not math.isfinite(value):
            raise StudyError(f"invalid config at '{'/'.join(path)}': {value!r} must be a finite "
                             "number")
        return value

    grid = config.get("grid")
    if isinstance(grid, dict):
        for name, axis in grid.items():
            if name in ("disorder", "kernel"):
                continue
            grid[name] = walk(axis, ["grid", name], True)
    for key in ("parameters", "kernel_parameters", "solver"):
        if isinstance(config.get(key), dict):
            config[key] = walk(config[key], [key], True)


def _fill_defaults(schema: dict):
    """A Draft 2020-12 validator that also writes each property's ``default`` into the
    instance where it is missing (the jsonschema FAQ recipe; Snakemake's ``validate`` does the
    same), so the config is validated and completed in one pass."""
    import jsonschema

    base = jsonschema.Draft202012Validator

    def properties(validator, props, instance, sub_schema):
        if isinstance(instance, dict):
            for name, prop in props.items():
                if "default" in prop and name not in instance:
                    instance[name] = copy.deepcopy(prop["default"])
        yield from base.VALIDATORS["properties"](validator, props, instance, sub_schema)

    return jsonschema.validators.extend(base, {"properties": properties})(schema)


def _message(error) -> str:
    """One line for a schema error: for 'not valid under any of the given schemas' (a list or a
    range), the reason of the alternative that gets furthest into the value, naming the
    element (e.g. grid/tau/1 rather than 'is not of type object')."""
    while error.context:
        error = max(error.context, key=lambda e: (len(e.absolute_path), e.validator != "type"))
    path = "/".join(str(p) for p in error.absolute_path) or "(top level)"
    return f"invalid config at '{path}': {error.message}"


def checkout_schema() -> str:
    """Path of the study schema, ``config/schema.yaml`` of the spinflux checkout this package
    is installed from (``pip install -e .``). Raises StudyError, in one line, when the package
    was installed without its checkout (a regular ``pip install .``): solving points needs only
    the package, planning or solving a study needs the repository."""
    from pathlib import Path

    schema = Path(__file__).resolve().parents[2] / "config" / "schema.yaml"
    if not schema.is_file():
        raise StudyError(f"no study schema at {schema}: studies need the spinflux repository "
                         "(clone it and install it with 'pip install -e .')")
    return str(schema)


def validate_config(config: dict, schema_path: str) -> Study:
    """Check a config against the JSON schema and the physical ranges, before any job runs, and
    fill in the schema's defaults (in place).

    Raises StudyError with a message that names the key path, the value and what is allowed.
    """
    import yaml

    from . import units

    with open(schema_path) as fh:
        # libyaml's loader where PyYAML has it: this runs at every snakemake start
        schema = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    physical = None
    if isinstance(config, dict) and "sample" in config:
        try:
            converted, physical = units.physical_study(config)
        except ParameterError as exc:
            raise StudyError(f"invalid config: {exc}") from None
        config.clear()
        config.update(converted)
    _coerce_numbers(config)
    for error in _fill_defaults(schema).iter_errors(config):
        raise StudyError(_message(error))
    try:
        study = load_study(config)
    except StudyError as exc:
        raise StudyError(f"invalid config: {exc}") from None
    return dataclasses.replace(study, physical=physical) if physical else study


def config_hash(config: dict) -> str:
    from . import dataset

    return hashlib.sha256(dataset.config_json(config).encode()).hexdigest()[:16]


def chunk_results(spec: dict, settings: GridSettings) -> dict:
    """Solve one chunk: ``solver.solve_batch`` of its points (``Chunk.points``, α-major), a dict
    of 1-D arrays. What a workflow job computes and writes (``files.write_chunk``)."""
    from .solver import solve_batch

    return solve_batch(chunk_from_spec(spec).points(), settings)


def solve_chunk(spec: dict, settings: GridSettings) -> xr.Dataset:
    """Solve one chunk; dims (disorder, kernel, alpha, [extra…], tau)."""
    from . import dataset

    return dataset.chunk_dataset(chunk_from_spec(spec), chunk_results(spec, settings))


def merge_chunks(paths: list[str], config: dict) -> xr.Dataset:
    """Combine chunk archives (``files.write_chunk``) by coordinates; a missing chunk is an
    error, not a silent NaN. A chunk file that cannot be read is removed, so that the next run
    regenerates it."""
    import os

    from . import dataset
    from .files import read_chunk
    from .observables import STORED

    parts = []
    for path in paths:
        try:
            spec, res = read_chunk(path, STORED)
        except (ValueError, OSError) as exc:  # truncated, overwritten, or not an archive
            os.remove(path)
            raise StudyError(f"chunk {path} is damaged ({exc}); it was removed: run snakemake "
                             "again to regenerate it") from None
        parts.append(dataset.chunk_dataset(chunk_from_spec(spec), res))
    return merge_datasets(parts, config)


def merge_datasets(parts: list[xr.Dataset], config: dict) -> xr.Dataset:
    """Combine chunk datasets by coordinates (``merge_chunks``), with the study's provenance."""
    import xarray as xr

    from . import dataset
    from .observables import OBSERVABLES

    merged = xr.combine_by_coords(parts, join="exact", compat="no_conflicts",
                                  combine_attrs="drop_conflicts", fill_value=None)
    for var in merged.variables.values():
        # the first chunk's fixed-width string encoding (e.g. <U4 for "born") would truncate the
        # longer names of the other chunks ("relaxation" → "rela") on write
        if var.dtype.kind in "UO":
            var.encoding.pop("dtype", None)
    # combine_by_coords sorts the labels of a choice axis (kernel, disorder) alphabetically; the
    # user listed them in an order of their own (relaxation, born, beyond_born), which plots by
    # position (ds.sigma_sH.plot(col="kernel")) should keep
    order = {dim: list(values) for dim, values in config.get("grid", {}).items()
             if dim in merged.dims and merged[dim].dtype.kind in "UO" and isinstance(values, list)}
    if order:
        merged = merged.reindex(order)
    # the balance-law value is NaN by definition at α = 0 (it divides by α), nowhere else
    present = {name: merged[name] if name != "sigma_sH_balance" else
               merged[name].where(merged.alpha != 0, 0.0) for name in OBSERVABLES}
    missing = [name for name, values in present.items() if bool(values.isnull().any())]
    if missing:
        where = merged[missing[0]].isnull()
        if "alpha" in where.dims and missing[0] == "sigma_sH_balance":
            where = where & (merged.alpha != 0)
        first = {d: _label(merged[d].values[i]) for d, i in
                 zip(where.dims, np.argwhere(where.values)[0])}
        raise StudyError(f"merged dataset has missing values in {missing} (first at {first}): a "
                         "chunk is missing or failed")
    merged = dataset.with_si(merged)
    if config.get("physical"):
        from .units import physical_coordinates

        merged = physical_coordinates(merged, config["physical"])
    merged.attrs.update(dataset.global_attributes(f"spinflux study {config.get('study')!r}"))
    merged.attrs.update({
        "config_json": dataset.config_json(config),
        "config_hash": config_hash(config),
        "created": np.datetime_as_string(np.datetime64("now"), unit="s") + "Z",
    })
    return merged


def solve_study(config: dict, settings: GridSettings | None = None) -> xr.Dataset:
    """A whole (small) study in this process, without the workflow: for tests and notebooks.
    ``config`` is validated (schema defaults included) first."""
    config = copy.deepcopy(config)
    study = validate_config(config, checkout_schema())
    parts = [solve_chunk(chunk.spec, settings or study.settings) for chunk in study.chunks]
    return merge_datasets(parts, study.effective())
