rule plot:
    """Figures from the merged dataset (PDF and PNG)."""
    input:
        f"{RESULTS}/spin_hall.nc",
    output:
        pdf=f"{RESULTS}/figures/{{figure}}.pdf",
        png=report(f"{RESULTS}/figures/{{figure}}.png",
                   caption="../report/figure.rst", category="Figures"),
    params:
        figure=figure_name,
        selection=figure_selection,
        version=spinflux.__version__,
        code=PLOT_CODE,
    conda:
        "../envs/spinflux.yaml"
    log:
        f"{RESULTS}/logs/plot_{{figure}}.log",
    wildcard_constraints:
        figure="|".join(FIGURES),
    script:
        "../scripts/plot.py"


rule summary:
    """The headline numbers of the study, for the report (a table)."""
    input:
        f"{RESULTS}/spin_hall.nc",
    output:
        report(f"{RESULTS}/summary.tsv", caption="../report/summary.rst", category="Summary"),
    params:
        version=spinflux.__version__,
        code=PLOT_CODE,
    conda:
        "../envs/spinflux.yaml"
    log:
        f"{RESULTS}/logs/summary.log",
    script:
        "../scripts/summary.py"
