import dataclasses

import pytest

from spinflux.parameters import PointParams


def at_delta_tau(delta_tau, **kw):
    """PointParams with tau chosen so that Δτ = α p̄_F τ equals ``delta_tau``."""
    probe = PointParams(tau=1.0, **kw)
    return dataclasses.replace(probe, tau=delta_tau / probe.delta_tau)


@pytest.fixture
def make_point():
    return at_delta_tau
