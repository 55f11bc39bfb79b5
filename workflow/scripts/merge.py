"""Merge the chunk files into results/<study>/spin_hall.nc (thin: spinflux.study.merge_chunks)."""
import logging
import sys

sys.path.insert(0, snakemake.scriptdir + "/..")  # noqa: F821
from spinflux.dataset import write_atomic  # noqa: E402
from spinflux.study import merge_chunks  # noqa: E402

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO)  # noqa: F821
merged = merge_chunks(list(snakemake.input), snakemake.params.config)  # noqa: F821
write_atomic(merged, snakemake.output[0])  # noqa: F821
logging.info("merged %d chunks: %s", len(snakemake.input), dict(merged.sizes))  # noqa: F821
