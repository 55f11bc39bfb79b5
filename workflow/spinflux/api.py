"""Python API: solve points and return xarray Datasets with units on every variable."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import xarray as xr

from . import __version__
from .grid import GridSettings
from .params import PointParams, field_names
from .solver import OBSERVABLES, solve_batch
from .variables import DIAGNOSTICS, attributes, error_name


def solve_many(points: Iterable[PointParams], settings: GridSettings | None = None) -> xr.Dataset:
    """Solve a batch of points in one vectorised system; dimension ``point``.

    Every parameter is a coordinate along ``point``; every observable has an ``<name>_error``
    companion from the refinement of the momentum grid.
    """
    points = list(points)
    settings = settings or GridSettings()
    res = solve_batch(points, settings)
    data = {}
    for name in list(OBSERVABLES) + [error_name(n) for n in OBSERVABLES] + list(DIAGNOSTICS):
        data[name] = xr.Variable("point", np.asarray(res[name]), attributes(name))
    coords = {}
    for name in field_names():
        values = np.array([getattr(p, name) for p in points])
        coords[name] = xr.Variable("point", values, attributes(name))
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update({
        "title": "spinflux linear response of the Rashba 2DEG",
        "spinflux_version": __version__,
        "sign_convention": "eE > 0 along +x; the universal intrinsic value reads sigma_sH = -1",
        "grid_settings": repr(settings),
    })
    return ds


def solve(alpha: float, tau: float, disorder: str = "delta", kernel: str = "born",
          temperature: float = 1e-3, settings: GridSettings | None = None, **shape) -> xr.Dataset:
    """Solve one point (config units, see spinflux.params); 0-d variables."""
    point = PointParams(alpha=alpha, tau=tau, disorder=disorder, kernel=kernel,
                        temperature=temperature, **shape)
    return solve_many([point], settings).isel(point=0)
