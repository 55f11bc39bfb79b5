"""Solve one chunk of the study grid and write it atomically (thin: the work is spinflux.study).

Inputs: ``params.spec`` (one (disorder, kernel, alpha, extra axes) slice with all tau) and
``params.solver`` (grid settings). Output: the chunk's results as a numpy archive
(``spinflux.files.write_chunk``); ``merge`` builds the NetCDF dataset from them, so that this
job never imports xarray.
"""
import logging
import resource
import sys
import time

logger = logging.getLogger(__name__)


def main(smk):
    from spinflux.files import write_chunk
    from spinflux.grid import GridSettings
    from spinflux.observables import STORED
    from spinflux.study import chunk_results

    spec = smk.params.spec
    start = time.perf_counter()
    res = chunk_results(spec, GridSettings(**smk.params.solver))
    write_chunk(smk.output[0], spec, res, STORED)
    # peak resident memory: checks the job's mem_mb estimate (spinflux.cost)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    logger.info("%s/%s alpha=%s: %d tau values each in %.2f s, peak memory %.0f MiB of mem_mb "
                "%s, max error_estimate %.2e, %d points flagged", spec["disorder"], spec["kernel"],
                spec["alphas"], len(spec["taus"]), time.perf_counter() - start, peak_mib,
                smk.resources.get("mem_mb", "?"), float(res["error_estimate"].max()),
                int((res["validity"] != 0).sum()))


if __name__ == "__main__":
    sys.path.insert(0, snakemake.scriptdir + "/..")  # noqa: F821  (the spinflux package)
    from spinflux.logs import configure

    configure(snakemake)  # noqa: F821
    main(snakemake)  # noqa: F821
