# Configuration, its validation and the expansion of the grid into chunks. No rules here.
import sys

from snakemake.utils import validate

sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))
import spinflux  # noqa: E402
from spinflux.plots import FIGURE_NAMES as FIGURES  # noqa: E402
from spinflux.study import StudyError, validate_config  # noqa: E402


def _validated_study(config):
    schema = str(Path(workflow.basedir) / "config" / "schema.yaml")
    try:
        study = validate_config(config, schema)
    except StudyError as exc:
        raise ValueError(str(exc)) from None
    validate(config, schema)  # fills in the schema defaults
    return study


STUDY = _validated_study(config)
RESULTS = f"results/{STUDY.name}"
CHUNKS = {(c.disorder, c.kernel, c.name): c for c in STUDY.chunks}


wildcard_constraints:
    disorder="|".join(STUDY.axes["disorder"]),
    kernel="|".join(STUDY.axes["kernel"]),
    chunk="[A-Za-z0-9_.+-]+",


def chunk_spec(wildcards):
    return CHUNKS[(wildcards.disorder, wildcards.kernel, wildcards.chunk)].spec


def chunk_files(wildcards=None):
    return [f"{RESULTS}/chunks/{d}/{k}/{name}.nc" for (d, k, name) in CHUNKS]
