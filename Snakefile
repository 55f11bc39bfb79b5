# spinflux: parameter studies of the Rashba 2DEG spin Hall conductivity.
#   snakemake --cores 2                      # the default study (config/config.yaml)
#   snakemake --cores 2 --configfile my.yaml # another study
from snakemake.utils import min_version

min_version("9.17")


# A study file given with --configfile defines the whole study (schema defaults fill what it
# omits); only without one is the default study loaded. A merge of the two would let the default
# study's keys leak into a user's study.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/solve.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/plots.smk"


rule all:
    input:
        # the chunks are targets too: one removed as damaged is regenerated on the next run even
        # though the merged file it fed (restored by update()) is newer than the others
        chunk_files(),
        f"{RESULTS}/spin_hall.nc",
        f"{RESULTS}/summary.tsv",
        expand(f"{RESULTS}/figures/{{figure}}.{{ext}}", figure=FIGURES, ext=["pdf", "png"]),
    default_target: True
