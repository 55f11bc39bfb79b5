"""spinflux: spin currents of the Rashba 2DEG with impurity disorder from the quantum kinetic equation.

Main entry points: :func:`spinflux.api.solve` (one point → xarray.Dataset),
:func:`spinflux.api.solve_many` (a batch, vectorised), and the ``spinflux`` command line.
The model, its conventions and its exact results: docs/model.md.
"""

from .version import __version__  # noqa: E402

from .parameters import ParameterError, PointParams  # noqa: E402
from .api import solve, solve_many  # noqa: E402

__all__ = ["__version__", "ParameterError", "PointParams", "solve", "solve_many"]
