# Configuration, its validation and the expansion of the grid into chunks. No rules here.
import sys

import jsonschema
import yaml
from snakemake.utils import validate

sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))
import spinflux  # noqa: E402
from spinflux.study import StudyError, load_study  # noqa: E402


def _validated_study(config):
    schema_path = Path(workflow.basedir) / "config" / "schema.yaml"
    schema = yaml.safe_load(schema_path.read_text())
    # our own pass first, for a message that names the key path, the value and the rule
    for error in jsonschema.Draft202012Validator(schema).iter_errors(config):
        path = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ValueError(f"invalid config at '{path}': {error.message}")
    validate(config, str(schema_path))  # fills in the schema defaults
    try:
        return load_study(config)
    except StudyError as exc:
        raise ValueError(f"invalid config: {exc}") from None


STUDY = _validated_study(config)
RESULTS = f"results/{STUDY.name}"
CHUNKS = {(c.disorder, c.kernel, c.name): c for c in STUDY.chunks}
FIGURES = ["sigma_vs_delta_tau", "born_cancellation"]


wildcard_constraints:
    disorder="|".join(STUDY.axes["disorder"]),
    kernel="|".join(STUDY.axes["kernel"]),
    chunk="[A-Za-z0-9_.+-]+",


def chunk_spec(wildcards):
    return CHUNKS[(wildcards.disorder, wildcards.kernel, wildcards.chunk)].spec


def chunk_files(wildcards=None):
    return [f"{RESULTS}/chunks/{d}/{k}/{name}.nc" for (d, k, name) in CHUNKS]
