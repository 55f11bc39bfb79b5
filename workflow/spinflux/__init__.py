"""spinflux: spin currents of the Rashba 2DEG with impurity disorder from the quantum kinetic equation.

Main entry points: :func:`spinflux.api.solve` (one point → xarray.Dataset),
:func:`spinflux.api.solve_many` (a batch, vectorised), and the ``spinflux`` command line.
The model, its conventions and its exact results: docs/model.md.
"""

from .version import __version__  # noqa: E402

from .parameters import ParameterError, PointParams  # noqa: E402


def __getattr__(name):
    # the API (xarray, scipy) on first use: the workflow imports the package for every
    # snakemake start, where only the version and the study layout are needed
    if name in ("solve", "solve_many"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'spinflux' has no attribute {name!r}")


__all__ = ["__version__", "ParameterError", "PointParams", "solve", "solve_many"]
