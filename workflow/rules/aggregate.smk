rule merge:
    """All chunks into one dataset with dimensions (disorder, kernel, alpha, [extra], tau)."""
    input:
        chunk_files,
    output:
        # update(): a failed merge restores the last good file instead of deleting it
        update(f"{RESULTS}/spin_hall.nc"),
    params:
        config=lambda wildcards: dict(config),
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
