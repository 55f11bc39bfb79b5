"""Solve one chunk of the study grid and write it atomically (thin: the work is spinflux.study)."""
import logging
import sys
import time

sys.path.insert(0, snakemake.scriptdir + "/..")  # noqa: F821  (the spinflux package)
from spinflux.grid import GridSettings  # noqa: E402
from spinflux.dataset import write_atomic  # noqa: E402
from spinflux.study import solve_chunk  # noqa: E402

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO)  # noqa: F821
spec = snakemake.params.spec  # noqa: F821
start = time.perf_counter()
ds = solve_chunk(spec, GridSettings(**snakemake.params.solver))  # noqa: F821
write_atomic(ds, snakemake.output[0])  # noqa: F821
logging.info("%s/%s alpha=%s: %d tau values in %.2f s, max error_estimate %.2e",
             spec["disorder"], spec["kernel"], spec["alpha"], len(spec["taus"]),
             time.perf_counter() - start, float(ds.error_estimate.max()))
