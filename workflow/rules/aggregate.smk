rule merge:
    """All chunks into one dataset with dimensions (disorder, kernel, alpha, [extra], tau)."""
    input:
        chunk_files,
    output:
        # update(): a failed merge restores the last good file instead of deleting it
        update(f"{RESULTS}/spin_hall.nc"),
    params:
        # what the results depend on (an edit of the config that changes none of it reruns
        # nothing), recorded as the merged dataset's provenance
        study=STUDY.effective(),
        version=spinflux.__version__,
    conda:
        "../envs/spinflux.yaml"
    log:
        f"{RESULTS}/logs/merge.log",
    resources:
        mem_mb=4000,
        runtime=30,
    script:
        "../scripts/merge.py"
