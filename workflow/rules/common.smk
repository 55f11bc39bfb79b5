# Configuration, its validation and the expansion of the grid into chunks. No rules here.
import sys

sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))
import spinflux  # noqa: E402
from spinflux.figures import variants  # noqa: E402
from spinflux.provenance import FIGURES as PLOT_MODULES, source_hash  # noqa: E402
from spinflux.study import StudyError, solver_settings, validate_config  # noqa: E402


def _validated_study(config):
    """The schema check, its defaults and the physical ranges, once, before any job."""
    schema = str(Path(workflow.basedir) / "config" / "schema.yaml")
    try:
        return validate_config(config, schema)
    except StudyError as exc:
        _stop(str(exc))


def _stop(message):
    """End the run before any job with one line (Snakemake would print a traceback-like
    block for an exception raised while it parses the workflow)."""
    print(f"spinflux: {message}", file=sys.stderr)
    sys.exit(2)


STUDY = _validated_study(config)


def _job_cost():
    """mem_mb and work of every chunk's job (spinflux.cost, without the calibration solves); a
    study whose largest job would exceed solver.max_job_memory_mb stops here, before any job."""
    from spinflux.cost import check_memory, memory_mb, plan, work
    from spinflux.parameters import ParameterError

    try:
        check_memory(STUDY, plan(STUDY, measure=False), STUDY.max_job_memory_mb)
        return {(c.disorder, c.kernel, c.name): (memory_mb(c, STUDY.settings),
                                                 work(c, STUDY.settings)) for c in STUDY.chunks}
    except ParameterError as exc:
        _stop(str(exc))


# (mem_mb, work) of every chunk's job: memory for the scheduler and the cluster, work as its
# priority (the most expensive chunks start first, so that no long job runs alone at the end)
JOB_COST = _job_cost()


def _check_cluster():
    """Refuse to submit to a SLURM cluster on which the executor would never see jobs finish."""
    plugin = workflow.executor_plugin
    if plugin is None or plugin.name != "slurm" or workflow.dryrun or workflow.remote_exec:
        return
    from spinflux.cluster import check_before_submitting

    init = getattr(workflow.executor_settings, "init_seconds_before_status_checks", 40) or 40
    problem = check_before_submitting(int(init))
    if problem:
        _stop(problem)


_check_cluster()
RESULTS = f"results/{STUDY.name}"
CHUNKS = {(c.disorder, c.kernel, c.name): c for c in STUDY.chunks}
# one figure per extra-axis value combination: file stem → (figure, selection)
def _figure_variants():
    """Figures per extra-axis value; an axis given in physical units names the files in them
    (temperature_K2 rather than temperature0.02411819966)."""
    extra = {axis: STUDY.axes[axis] for axis in STUDY.extra_axes}
    shown = {}
    if STUDY.physical:
        from spinflux.units import axis_labels

        shown = {a: axis_labels(STUDY.physical, a, v) for a, v in extra.items()}
    return variants(extra, {a: s for a, s in shown.items() if s})


FIGURE_VARIANTS = _figure_variants()
FIGURES = list(FIGURE_VARIANTS)


wildcard_constraints:
    disorder="|".join(STUDY.axes["disorder"]),
    kernel="|".join(STUDY.axes["kernel"]),
    chunk="[A-Za-z0-9_.+-]+",


def chunk_memory(wildcards):
    return JOB_COST[(wildcards.disorder, wildcards.kernel, wildcards.chunk)][0]


def chunk_priority(wildcards):
    return JOB_COST[(wildcards.disorder, wildcards.kernel, wildcards.chunk)][1]


def chunk_spec(wildcards):
    return CHUNKS[(wildcards.disorder, wildcards.kernel, wildcards.chunk)].spec


def chunk_solver(wildcards):
    """The grid settings this chunk's job uses (a setting it does not use is left out, so that
    changing it does not rerun the job)."""
    chunk = CHUNKS[(wildcards.disorder, wildcards.kernel, wildcards.chunk)]
    return solver_settings(STUDY.settings, [chunk])


def chunk_files(wildcards=None):
    return [f"{RESULTS}/chunks/{d}/{k}/{name}.npz" for (d, k, name) in CHUNKS]


# the package's sources: a change of the solver reruns the chunks, of the plotting code the plots
SOLVER_CODE = source_hash()
PLOT_CODE = source_hash(PLOT_MODULES)


def figure_name(wildcards):
    return FIGURE_VARIANTS[wildcards.figure][0]


def figure_selection(wildcards):
    return FIGURE_VARIANTS[wildcards.figure][1]
