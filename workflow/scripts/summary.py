"""The study's headline numbers as a table (thin: spinflux.plots.headline_numbers).

Input: the merged dataset. Output: a tab-separated table for the report.
"""
import logging
import sys

logger = logging.getLogger(__name__)


def main(smk):
    import xarray as xr

    from spinflux.files import atomic_path
    from spinflux.plots import headline_numbers

    with xr.open_dataset(smk.input[0]) as ds:
        rows = headline_numbers(ds.load())
    with atomic_path(smk.output[0]) as tmp, open(tmp, "w") as fh:
        fh.write("quantity\tvalue\treference or error\tnote\n")
        for row in rows:
            fh.write("\t".join(str(v) for v in row) + "\n")
    logger.info("%d headline numbers", len(rows))


if __name__ == "__main__":
    sys.path.insert(0, snakemake.scriptdir + "/..")  # noqa: F821
    from spinflux.logs import configure

    configure(snakemake)  # noqa: F821
    main(snakemake)  # noqa: F821
