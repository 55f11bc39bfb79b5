"""Files written by the workflow: atomic writes, and the per-chunk result archives.

Light on purpose (numpy only): a solve job writes its chunk with it and so never imports
xarray, pandas or pint, which cost a job 0.7–0.8 s of its start-up (the imports 0.4 s, pint's
unit registry for the SI columns 0.3–0.4 s; benchmarks/README.md). The merged NetCDF dataset
is built once, from the archives, by ``study.merge_chunks``.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import tempfile
import zipfile

import numpy as np

#: the archive's entry holding the chunk's description (``study.Chunk.spec``), as JSON
SPEC = "spec_json"


@contextlib.contextmanager
def atomic_path(path: str, suffix: str = ""):
    """Yield a temporary path in the target's directory and rename it to ``path`` when the
    block succeeds; on any error (or a kill) nothing appears under the final name. The temporary
    file is removed when Python still can, and otherwise by the next write of the same target
    (one writer per target: Snakemake runs one job per output)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    prefix = f".tmp-{os.path.basename(path)}-"
    for stale in glob.glob(os.path.join(glob.escape(directory), glob.escape(prefix) + "*")):
        os.remove(stale)  # left by a writer killed before it could clean up (kill -9)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=prefix,
                               suffix=suffix or os.path.splitext(path)[1])
    os.close(fd)
    try:
        yield tmp
        # mkstemp creates 0600; results on a shared cluster are for colleagues too
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


class ChunkFileError(ValueError):
    """A chunk archive that cannot be read (truncated, overwritten, or missing an entry)."""


def write_chunk(path: str, spec: dict, results: dict, names):
    """Write one chunk's results atomically as a numpy archive (``.npz``, uncompressed).

    ``spec``: the chunk's description (``study.Chunk.spec``, plain values), stored as JSON;
    ``results``: 1-D arrays over the chunk's points in ``Chunk.points`` order (α-major), of
    which the entries ``names`` are stored. Read back with ``read_chunk`` (or ``numpy.load``).
    """
    arrays = {name: np.asarray(results[name]) for name in names}
    arrays[SPEC] = np.array(json.dumps(spec))
    with atomic_path(path, ".npz") as tmp:
        with open(tmp, "wb") as out:
            np.savez(out, **arrays)


def read_chunk(path: str, names=None) -> tuple[dict, dict]:
    """(spec, results) of a chunk archive written by ``write_chunk``: the chunk's description
    and its 1-D arrays, those named in ``names`` or (None) all of them. Raises ChunkFileError
    naming the cause if the file is damaged or lacks one of ``names``, OSError if it cannot be
    opened."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            spec = json.loads(str(archive[SPEC]))
            names = [n for n in archive.files if n != SPEC] if names is None else names
            results = {name: archive[name] for name in names}
    except (zipfile.BadZipFile, EOFError, KeyError, ValueError) as exc:
        raise ChunkFileError(f"{type(exc).__name__}: {exc}") from None
    return spec, results
