rule plot:
    """Figures from the merged dataset (PDF and PNG)."""
    input:
        f"{RESULTS}/spin_hall.nc",
    output:
        pdf=f"{RESULTS}/figures/{{figure}}.pdf",
        png=f"{RESULTS}/figures/{{figure}}.png",
    params:
        version=spinflux.__version__,
    log:
        f"{RESULTS}/logs/plot_{{figure}}.log",
    wildcard_constraints:
        figure="|".join(FIGURES),
    script:
        "../scripts/plot.py"
