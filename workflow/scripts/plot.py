"""Draw one figure of the merged dataset to PDF and PNG (thin: spinflux.plots)."""
import os
import sys

sys.path.insert(0, snakemake.scriptdir + "/..")  # noqa: F821
import xarray as xr  # noqa: E402

from spinflux.plots import FIGURES  # noqa: E402

with xr.open_dataset(snakemake.input[0]) as ds:  # noqa: F821
    fig = FIGURES[snakemake.wildcards.figure](ds.load())  # noqa: F821
for key in ("pdf", "png"):
    target = snakemake.output[key]  # noqa: F821
    tmp = os.path.join(os.path.dirname(target), ".tmp-" + os.path.basename(target))
    fig.savefig(tmp, dpi=200, format=key)
    os.replace(tmp, target)
open(snakemake.log[0], "w").write(f"wrote {snakemake.output.pdf} and .png\n")  # noqa: F821
