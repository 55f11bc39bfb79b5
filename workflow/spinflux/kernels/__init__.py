"""Collision kernels behind one registry: ``KERNELS[name]`` is a module with

* ``NAME``;
* ``assemble(point, grid, ops, pos, branches)``: add the reduced collision operator of one point
  into the block-tridiagonal ``ops`` (``spinflux.banded``) at chain positions ``pos``;
* ``reference_gain_loss(...)`` (scattering kernels only): the gain and loss integrands of the
  general form on a full angular grid, for ``spinflux.reference``.

A new kernel is one module here and one line in ``KERNELS`` (and its name in
``parameters.KERNELS``, which a test compares with this registry).
"""

from . import beyond_born, born, relaxation

KERNELS = {module.NAME: module for module in (relaxation, born, beyond_born)}


def kernel(name: str):
    """The kernel module registered under ``name``."""
    return KERNELS[name]
