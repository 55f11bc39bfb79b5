"""What produced a result: hashes of the package's source files, for the workflow's rerun checks.

Snakemake compares scripts by modification time and imported modules not at all, so a rule
that should rerun when the solver or the plotting code changes puts ``source_hash`` of those
modules into its ``params``. Results record the same hashes in their attributes.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
#: the modules every number depends on (config → grid → kinetic equation → observables)
NUMERICS = ("parameters", "bands", "spinor", "grid", "disorder", "collision", "kernels",
            "drives", "banded", "elimination", "_elimination_kernels", "equation", "observables",
            "batches", "solver", "files", "dataset", "study", "units", "materials")
#: the modules a figure depends on
FIGURES = ("plots", "figures", "analytic")


@lru_cache(maxsize=None)
def source_hash(modules: tuple = NUMERICS) -> str:
    """SHA-256 (16 hex digits) of the source of the named modules or subpackages, in order."""
    digest = hashlib.sha256()
    for name in modules:
        path = PACKAGE / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]
        for file in files:
            digest.update(str(file.relative_to(PACKAGE)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]
