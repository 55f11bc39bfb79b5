"""xarray Datasets of results, built one way for the API and the workflow, and written atomically.

Every variable carries CF ``units`` and a ``long_name`` (``observables.attributes``,
``parameters.attributes``); each observable has an ``<name>_error`` companion.
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from . import parameters
from .files import atomic_path
from .version import __version__
from .observables import STORED, attributes

SIGN_CONVENTION = "eE > 0 along +x; the universal intrinsic value reads sigma_sH = -1"


def global_attributes(title: str) -> dict:
    return {"title": title, "spinflux_version": __version__, "sign_convention": SIGN_CONVENTION,
            "Conventions": "CF-1.10"}


def data_variables(res: dict, dims: tuple, shape: tuple, skip=()) -> dict:
    """The stored variables of ``res`` (1-D arrays over points) reshaped to ``shape``."""
    return {name: (dims, np.asarray(res[name]).reshape(shape), attributes(name))
            for name in STORED if name not in skip}


def with_si(ds: xr.Dataset) -> xr.Dataset:
    """Add σ_sH and σ_xx in SI (S) and σ_xx in e²/h: universal conversions (spinflux.units)."""
    from . import units

    ds["sigma_sH_si"] = (ds.sigma_sH.dims, units.sigma_sH_siemens(ds.sigma_sH.values), {
        "units": "S", "long_name": "spin Hall conductivity in SI: e q_yz/E with S_z = σ_z/2 "
                                   "(sigma_sH × e²/8πħ)"})
    ds["sigma_xx_si"] = (ds.sigma_xx.dims, units.sigma_xx_siemens(ds.sigma_xx.values), {
        "units": "S", "long_name": "charge conductivity σ_xx in SI (sigma_xx × e²/ħ)"})
    ds["sigma_xx_e2_over_h"] = (ds.sigma_xx.dims, units.sigma_xx_quantum(ds.sigma_xx.values), {
        "units": "1", "unit_label": "e²/h", "long_name": "charge conductivity σ_xx in e²/h"})
    return ds


def point_dataset(points, res: dict, settings) -> xr.Dataset:
    """Dataset with dimension ``point``; every parameter is a coordinate along it."""
    data = data_variables(res, ("point",), (len(points),))
    coords = {name: xr.Variable("point", np.array([getattr(p, name) for p in points]),
                                parameters.attributes(name))
              for name in parameters.field_names()}
    ds = with_si(xr.Dataset(data, coords=coords))
    ds.attrs.update(global_attributes("spinflux linear response of the Rashba 2DEG"))
    ds.attrs["grid_settings"] = repr(settings)
    return ds


def chunk_dataset(chunk, res: dict) -> xr.Dataset:
    """Dataset of one study chunk (``study.Chunk``): dims (disorder, kernel, alpha, [extra…],
    tau); the extra axes the chunk's results do not depend on are replicated. Every fixed
    parameter is a ``fixed_<name>`` variable, NaN where the kernel or disorder does not use it.
    The SI columns (``with_si``) are added to the merged study (``study.merge_datasets``), not
    per chunk: their pint registry takes ~0.4 s to build, once per process."""
    dims = chunk.dims
    values = dict(chunk.extra)
    values.update({n: v for n, v in chunk.replicated})
    sizes = {"disorder": 1, "kernel": 1, "alpha": len(chunk.alphas), "tau": len(chunk.taus)}
    sizes.update({n: (len(values[n]) if isinstance(values[n], tuple) else 1) for n in chunk.order})
    shape = tuple(sizes[d] for d in dims)
    base = [1, 1, len(chunk.alphas)] + [1] * len(chunk.order) + [len(chunk.taus)]

    def expand(array):
        return np.broadcast_to(np.asarray(array).reshape(base), shape).copy()

    data = {name: (dims, expand(res[name]), attributes(name)) for name in STORED
            if name != "delta_tau"}
    coords = {"disorder": ("disorder", [chunk.disorder], parameters.attributes("disorder")),
              "kernel": ("kernel", [chunk.kernel], parameters.attributes("kernel")),
              "alpha": ("alpha", np.array(chunk.alphas), parameters.attributes("alpha")),
              "tau": ("tau", np.array(chunk.taus), parameters.attributes("tau"))}
    for n in chunk.order:
        v = values[n]
        coords[n] = (n, list(v) if isinstance(v, tuple) else [v], parameters.attributes(n))
    coords["delta_tau"] = (dims, expand(res["delta_tau"]), attributes("delta_tau"))
    fixed = dict(chunk.fixed)
    for name in parameters.FIXED:
        if name in chunk.order:
            continue
        attrs = parameters.attributes(name)
        attrs["long_name"] += " (fixed for this slice; NaN where the kernel or disorder does not use it)"
        data[f"fixed_{name}"] = (dims[:-1], np.full(shape[:-1], fixed.get(name, np.nan)), attrs)
    # one constructor call: each later assignment would align and merge the whole dataset again
    # (45 chunks of the default study: 1.5 s of the merge job, which every figure waits for)
    return xr.Dataset(data, coords=coords)


CORE_AXES = ("disorder", "kernel", "alpha", "tau")


def extra_axes(ds: xr.Dataset) -> list[str]:
    """Grid axes of a study dataset beyond (disorder, kernel, alpha, tau), in order."""
    return [d for d in ds["sigma_sH"].dims if d not in CORE_AXES]


def parameter(ds: xr.Dataset, name: str) -> xr.DataArray:
    """The value of a physical parameter over the study grid, whether it is a grid axis (a
    coordinate) or fixed per slice (the ``fixed_<name>`` variable of ``chunk_dataset``); NaN
    where the study does not record it."""
    if name in ds.coords:
        return ds[name].broadcast_like(ds["sigma_sH"].isel(tau=0, drop=True))
    if f"fixed_{name}" in ds:
        return ds[f"fixed_{name}"]
    return xr.full_like(ds["sigma_sH"].isel(tau=0, drop=True), np.nan)


def write_atomic(ds: xr.Dataset, path: str):
    """Write NetCDF to a temporary file in the target directory, then rename: a killed job
    leaves no truncated file under the final name."""
    with atomic_path(path, ".nc") as tmp:
        ds.to_netcdf(tmp)


def config_json(config: dict) -> str:
    return json.dumps(config, sort_keys=True, default=str)
