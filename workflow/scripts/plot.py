"""Draw one figure of the merged dataset to PDF and PNG (thin: spinflux.plots).

Input: the merged dataset. Outputs: ``output.pdf`` and ``output.png``, written atomically.
"""
import logging
import sys

logger = logging.getLogger(__name__)


def main(smk):
    import xarray as xr

    from spinflux.files import atomic_path
    from spinflux.plots import draw

    with xr.open_dataset(smk.input[0]) as ds:
        fig = draw(smk.params.figure, ds.load(), smk.params.selection)
    # lay the figure out once, while drawing the PNG, and keep that layout for the PDF
    # (constrained layout would redo it per file; a separate canvas.draw() for it was a third
    # rendering of the figure)
    for key in ("png", "pdf"):
        with atomic_path(smk.output[key]) as tmp:
            fig.savefig(tmp, dpi=200, format=key)
        fig.set_layout_engine("none")
    logger.info("wrote %s and .png", smk.output.pdf)


if __name__ == "__main__":
    sys.path.insert(0, snakemake.scriptdir + "/..")  # noqa: F821
    from spinflux.logs import configure

    configure(snakemake)  # noqa: F821
    main(snakemake)  # noqa: F821
