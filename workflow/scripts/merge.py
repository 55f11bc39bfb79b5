"""Merge the chunk files into results/<study>/spin_hall.nc (thin: spinflux.study.merge_chunks).

Inputs: every chunk file; ``params.study`` (the study's effective description, stored as
provenance).
"""
import logging
import sys

logger = logging.getLogger(__name__)


def main(smk):
    from spinflux.dataset import write_atomic
    from spinflux.study import merge_chunks

    merged = merge_chunks(list(smk.input), smk.params.study)
    write_atomic(merged, smk.output[0])
    logger.info("merged %d chunks: %s", len(smk.input), dict(merged.sizes))


if __name__ == "__main__":
    sys.path.insert(0, snakemake.scriptdir + "/..")  # noqa: F821
    from spinflux.logs import configure

    configure(snakemake)  # noqa: F821
    main(snakemake)  # noqa: F821
