"""Python API: solve points and return xarray Datasets with units on every variable."""

from __future__ import annotations

from collections.abc import Iterable

import xarray as xr

from . import dataset
from .grid import GridSettings
from .parameters import PointParams
from .solver import solve_batch


def solve_many(points: Iterable[PointParams], settings: GridSettings | None = None) -> xr.Dataset:
    """Solve a batch of points in one vectorised system; dimension ``point``.

    Every parameter is a coordinate along ``point``; every observable has an ``<name>_error``
    companion from the refinement of the momentum grid (``spinflux.observables``).
    """
    points = list(points)
    settings = settings or GridSettings()
    return dataset.point_dataset(points, solve_batch(points, settings), settings)


def solve(alpha: float, tau: float, settings: GridSettings | None = None, **parameters) -> xr.Dataset:
    """Solve one point (config units, ``spinflux.parameters.TABLE``); 0-d variables.

    Raises ``ParameterError`` (one line naming the parameter) for a value outside its range.
    """
    return solve_many([PointParams(alpha=alpha, tau=tau, **parameters)], settings).isel(point=0)
