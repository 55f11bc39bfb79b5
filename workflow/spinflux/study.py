"""Parameter studies: a validated config → chunks of the grid → NetCDF datasets → one merged dataset.

A chunk is one slice that the solver vectorises over: fixed (disorder, kernel, alpha) and
fixed values of any extra grid axes, with all tau values. Its specification is a plain dict
(``Chunk.spec``) so that Snakemake can pass it through ``params:`` and rerun exactly the chunks
whose inputs changed.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass

import numpy as np
import xarray as xr

from . import dataset
from .grid import GridSettings
from .observables import OBSERVABLES
from .parameters import DEFAULTS, FIXED, ParameterError, PointParams
from .solver import solve_batch

DEFAULT_FIXED = {name: DEFAULTS[name] for name in FIXED}
CORE_AXES = ("disorder", "kernel", "alpha", "tau")


class StudyError(ValueError):
    """The study configuration is inconsistent; the message names the key and the value."""


def axis_values(name: str, spec) -> list:
    """A grid axis as a list: a list is taken as is, a range {start, stop, num, scale} expanded."""
    if isinstance(spec, dict):
        start, stop, num = spec["start"], spec["stop"], int(spec["num"])
        if spec.get("scale", "linear") == "log":
            if start <= 0 or stop <= 0:
                raise StudyError(f"grid.{name}: a log range needs start > 0 and stop > 0, "
                                 f"got start={start!r}, stop={stop!r}")
            values = np.geomspace(start, stop, num)
        else:
            values = np.linspace(start, stop, num)
        return [float(f"{v:.12g}") for v in values]
    values = list(spec)
    if len(set(values)) != len(values):
        raise StudyError(f"grid.{name}: values must be distinct, got {values!r}")
    return values


def _label(value) -> str:
    return f"{value:.10g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Chunk:
    """One job: fixed disorder, kernel, alpha and extra-axis values, all tau."""

    disorder: str
    kernel: str
    alpha: float
    extra: tuple  # ((name, value), ...) for extra grid axes, in config order
    taus: tuple
    fixed: tuple  # ((name, value), ...) of all fixed parameters after per-kernel overrides

    @property
    def name(self) -> str:
        """Stable file stem: the values that identify the slice, nothing else."""
        parts = [f"alpha{_label(self.alpha)}"] + [f"{k}{_label(v)}" for k, v in self.extra]
        return "_".join(parts)

    @property
    def spec(self) -> dict:
        """Plain-value description for Snakemake params (compared by repr for reruns)."""
        return {"disorder": self.disorder, "kernel": self.kernel, "alpha": self.alpha,
                "extra": [list(e) for e in self.extra], "taus": list(self.taus),
                "fixed": dict(self.fixed)}

    def points(self) -> list[PointParams]:
        params = dict(self.fixed)
        params.update(dict(self.extra))
        return [PointParams(alpha=self.alpha, tau=t, disorder=self.disorder, kernel=self.kernel,
                            **params) for t in self.taus]


@dataclass(frozen=True)
class Study:
    name: str
    axes: dict  # name → list of values, core axes first then extra axes
    chunks: tuple
    settings: GridSettings

    @property
    def extra_axes(self) -> list[str]:
        return [a for a in self.axes if a not in CORE_AXES]


def load_study(config: dict) -> Study:
    """Expand a schema-validated config into chunks; physical ranges are checked here, with
    messages that name the key, the value and what is allowed."""
    grid = config["grid"]
    axes = {name: axis_values(name, grid[name]) for name in CORE_AXES}
    extra = [name for name in grid if name not in CORE_AXES]
    for name in extra:
        axes[name] = axis_values(name, grid[name])
    base = dict(DEFAULT_FIXED)
    base.update(config.get("parameters", {}))
    chunks = []
    for disorder in axes["disorder"]:
        for kernel in axes["kernel"]:
            fixed = dict(base)
            fixed.update(config.get("kernel_parameters", {}).get(kernel, {}))
            for name in extra:
                fixed.pop(name, None)
            for alpha in axes["alpha"]:
                for combo in np.ndindex(*[len(axes[n]) for n in extra]):
                    values = tuple((n, axes[n][i]) for n, i in zip(extra, combo))
                    chunk = Chunk(disorder, kernel, float(alpha), values,
                                  tuple(float(t) for t in axes["tau"]), tuple(sorted(fixed.items())))
                    _check_chunk(chunk)
                    chunks.append(chunk)
    solver = config.get("solver", {})
    settings = GridSettings(spacing_factor=solver.get("spacing_factor", 0.75),
                            rungs_above_fermi=solver.get("rungs_above_fermi", 10))
    return Study(config.get("study", "default"), axes, tuple(chunks), settings)


def _check_chunk(chunk: Chunk):
    """Validate one point per distinct parameter combination (all tau share the others)."""
    for tau in (min(chunk.taus), max(chunk.taus)):
        try:
            params = dict(chunk.fixed)
            params.update(dict(chunk.extra))
            PointParams(alpha=chunk.alpha, tau=tau, disorder=chunk.disorder, kernel=chunk.kernel,
                        **params)
        except ParameterError as exc:
            where = (f"kernel {chunk.kernel!r}" if "kernel" not in str(exc) else "grid")
            raise StudyError(f"invalid study ({where}, disorder {chunk.disorder!r}): {exc}") from None


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


def validate_config(config: dict, schema_path: str) -> Study:
    """Check a config against the JSON schema and the physical ranges, before any job runs, and
    fill in the schema's defaults (in place).

    Raises StudyError with a message that names the key path, the value and what is allowed.
    """
    import yaml

    with open(schema_path) as fh:
        schema = yaml.safe_load(fh)
    for error in _fill_defaults(schema).iter_errors(config):
        path = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise StudyError(f"invalid config at '{path}': {error.message}")
    try:
        return load_study(config)
    except StudyError as exc:
        raise StudyError(f"invalid config: {exc}") from None


def config_hash(config: dict) -> str:
    return hashlib.sha256(dataset.config_json(config).encode()).hexdigest()[:16]


def chunk_from_spec(spec: dict) -> Chunk:
    return Chunk(spec["disorder"], spec["kernel"], float(spec["alpha"]),
                 tuple(tuple(e) for e in spec["extra"]), tuple(spec["taus"]),
                 tuple(sorted(spec["fixed"].items())))


def solve_chunk(spec: dict, settings: GridSettings) -> xr.Dataset:
    """Solve one chunk; dims (disorder, kernel, alpha, [extra…], tau), length 1 except tau."""
    chunk = chunk_from_spec(spec)
    return dataset.chunk_dataset(chunk, solve_batch(chunk.points(), settings))


def merge_chunks(paths: list[str], config: dict) -> xr.Dataset:
    """Combine chunk files by coordinates; a missing chunk is an error, not a silent NaN."""
    return merge_datasets([xr.load_dataset(p) for p in paths], config)


def merge_datasets(parts: list[xr.Dataset], config: dict) -> xr.Dataset:
    """Combine chunk datasets by coordinates (``merge_chunks``), with the study's provenance."""
    merged = xr.combine_by_coords(parts, join="exact", compat="no_conflicts",
                                  combine_attrs="drop_conflicts", fill_value=None)
    for var in merged.variables.values():
        # the first chunk's fixed-width string encoding (e.g. <U4 for "born") would truncate the
        # longer names of the other chunks ("relaxation" → "rela") on write
        if var.dtype.kind in "UO":
            var.encoding.pop("dtype", None)
    # the balance-law value is NaN by definition at α = 0 (it divides by α), nowhere else
    present = {name: merged[name] if name != "sigma_sH_balance" else
               merged[name].where(merged.alpha != 0, 0.0) for name in OBSERVABLES}
    missing = [name for name, values in present.items() if bool(values.isnull().any())]
    if missing:
        raise StudyError(f"merged dataset has missing values in {missing}: a chunk is missing")
    merged.attrs.update(dataset.global_attributes(f"spinflux study {config.get('study', 'default')!r}"))
    merged.attrs.update({
        "config_json": dataset.config_json(config),
        "config_hash": config_hash(config),
        "created": np.datetime_as_string(np.datetime64("now"), unit="s") + "Z",
    })
    return merged


def solve_study(config: dict, settings: GridSettings | None = None) -> xr.Dataset:
    """A whole (small) study in this process, without the workflow: for tests and notebooks.
    ``config`` must already be validated (``validate_config``)."""
    study = load_study(config)
    parts = [solve_chunk(chunk.spec, settings or study.settings) for chunk in study.chunks]
    return merge_datasets(parts, config)
