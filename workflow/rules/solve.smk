rule solve_chunk:
    """One (disorder, kernel, half-decade of alpha, extra axes) block of the grid with all tau,
    one numpy archive of its results (spinflux.study.Chunk, spinflux.files.write_chunk)."""
    output:
        f"{RESULTS}/chunks/{{disorder}}/{{kernel}}/{{chunk}}.npz",
    params:
        spec=chunk_spec,
        solver=chunk_solver,
        version=spinflux.__version__,
        code=SOLVER_CODE,
    conda:
        "../envs/spinflux.yaml"
    log:
        f"{RESULTS}/logs/solve/{{disorder}}/{{kernel}}/{{chunk}}.log",
    priority: chunk_priority
    resources:
        # the job's estimated peak (spinflux.cost) with a margin
        mem_mb=chunk_memory,
        runtime=30,
    script:
        "../scripts/solve_chunk.py"
