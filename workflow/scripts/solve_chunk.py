"""Solve one chunk of the study grid and write it atomically (thin: the work is spinflux.study).

Inputs: ``params.spec`` (one (disorder, kernel, alpha, extra axes) slice with all tau) and
``params.solver`` (grid settings). Output: the chunk's NetCDF file.
"""
import logging
import resource
import sys
import time

logger = logging.getLogger(__name__)


def main(smk):
    from spinflux.dataset import write_atomic
    from spinflux.grid import GridSettings
    from spinflux.study import solve_chunk

    spec = smk.params.spec
    start = time.perf_counter()
    ds = solve_chunk(spec, GridSettings(**smk.params.solver))
    write_atomic(ds, smk.output[0])
    # peak resident memory: checks the job's mem_mb estimate (spinflux.cost)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    logger.info("%s/%s alpha=%s: %d tau values each in %.2f s, peak memory %.0f MiB of mem_mb "
                "%s, max error_estimate %.2e, %d points flagged", spec["disorder"], spec["kernel"],
                spec["alphas"], len(spec["taus"]), time.perf_counter() - start, peak_mib,
                smk.resources.get("mem_mb", "?"), float(ds.error_estimate.max()),
                int((ds.validity != 0).sum()))


if __name__ == "__main__":
    sys.path.insert(0, snakemake.scriptdir + "/..")  # noqa: F821  (the spinflux package)
    from spinflux.logs import configure

    configure(snakemake)  # noqa: F821
    main(snakemake)  # noqa: F821
