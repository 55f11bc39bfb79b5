"""The package's layout: data flows one way, and every table is the single source of its concept."""

import ast
from pathlib import Path

import yaml

import spinflux
from spinflux import observables, parameters
from spinflux.kernels import KERNELS

PACKAGE = Path(spinflux.__file__).resolve().parent
REPO = PACKAGE.parents[1]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict:
    """spinflux module → the spinflux modules it imports, at any depth of its code (imports
    inside functions count: a cycle hidden in a function is still a cycle)."""
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                if not module.startswith("spinflux"):
                    continue
                for alias in node.names:  # "from . import x" imports the submodule x
                    sub = f"{module}.{alias.name}"
                    targets.add(sub if (PACKAGE.parent / sub.replace(".", "/")).with_suffix(".py").exists()
                                or (PACKAGE.parent / sub.replace(".", "/")).is_dir() else module)
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name.startswith("spinflux")}
        graph[name] = targets - {name}
    return graph


def find_cycle(graph):
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert "spinflux.kernels.beyond_born" in graph and graph["spinflux.solver"]
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph))


def test_the_cycle_finder_finds_a_cycle():
    """Negative control for the test above."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_numerics_do_not_import_the_workflow_or_plotting_layers():
    """config → parameters → grid → kinetic equation → observables → dataset → figures:
    nothing flows back up."""
    graph = import_graph()
    upper = {"spinflux.study", "spinflux.plots", "spinflux.cli", "spinflux.api"}
    lower = ["spinflux.parameters", "spinflux.bands", "spinflux.grid", "spinflux.disorder",
             "spinflux.collision", "spinflux.kernels", "spinflux.drives", "spinflux.banded",
             "spinflux.equation", "spinflux.observables", "spinflux.solver", "spinflux.dataset",
             "spinflux.analytic"]
    for module in lower:
        reachable, todo = set(), [module]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in reachable:
                    reachable.add(nxt)
                    todo.append(nxt)
        assert not reachable & upper, (module, reachable & upper)


def test_the_kernel_registry_and_the_parameter_table_name_the_same_kernels():
    assert tuple(KERNELS) == parameters.KERNELS
    assert parameters.BY_NAME["kernel"].choices == tuple(KERNELS)


def test_the_schema_fixed_block_matches_the_parameter_table():
    schema = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())
    fixed = schema["definitions"]["fixed"]["properties"]
    assert set(fixed) == set(parameters.FIXED)
    for name, spec in fixed.items():
        stated = {k: v for k, v in spec.items() if k != "description"}
        assert stated == parameters.schema_property(name), name
    grid_axes = schema["properties"]["grid"]["properties"]
    assert set(parameters.FIXED) <= set(grid_axes)  # every fixed parameter may become an axis


def test_every_stored_observable_has_units_and_a_long_name():
    for name in list(observables.TABLE) + [observables.error_name(n) for n in observables.OBSERVABLES]:
        attrs = observables.attributes(name)
        assert attrs["long_name"] and attrs["units"] == "1", name
    for row in parameters.TABLE:
        assert parameters.attributes(row.name)["long_name"], row.name


def test_point_params_fields_and_defaults_come_from_the_table():
    import dataclasses

    fields = dataclasses.fields(parameters.PointParams)
    assert [f.name for f in fields] == [r.name for r in parameters.TABLE]
    point = parameters.PointParams(alpha=0.1, tau=2.0)
    for row in parameters.TABLE:
        if not row.required:
            assert getattr(point, row.name) == row.default


def test_the_project_does_not_depend_on_files_outside_the_repository():
    """The model description is docs/model.md; nothing may send a reader to ../shared."""
    import subprocess

    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout.split()
    offenders = [f for f in tracked if f.endswith((".py", ".md", ".yaml", ".smk", ".rst", "Snakefile"))
                 and any(word in (REPO / f).read_text() for word in ("physics.md", "shared/seed"))
                 and f != "tests/test_structure.py"]
    assert offenders == []


def test_a_solve_job_imports_neither_xarray_nor_pandas_nor_pint():
    """A solve job writes a numpy archive (spinflux.files); xarray, pandas and pint cost it
    0.7–0.8 s of start-up, 45 times in the default study (benchmarks/README.md)."""
    import subprocess
    import sys

    script = (REPO / "workflow/scripts/solve_chunk.py").read_text()
    imported = sorted({node.module for node in ast.walk(ast.parse(script))
                       if isinstance(node, ast.ImportFrom) and node.module})
    assert "spinflux.study" in imported and "spinflux.files" in imported
    imported.append("spinflux.solver")  # what study.chunk_results imports when it runs
    code = ("import sys\n" + "".join(f"import {m}\n" for m in imported)
            + "print(sorted({m.split('.')[0] for m in sys.modules} & {'xarray', 'pandas', 'pint'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def stale_references(source: str) -> list[str]:
    """The spinflux names a script's source uses that do not exist: modules it imports, names it
    imports from them, and attributes it reads from a spinflux module bound to a name
    (``import spinflux.grid as g`` … ``g.MAP_WIDTH``), at any depth of its code."""
    import importlib

    def module(name):
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError:
            return None

    stale, bound = [], {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("spinflux"):
                    if module(alias.name) is None:
                        stale.append(alias.name)
                    elif alias.asname:
                        bound[alias.asname] = module(alias.name)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("spinflux"):
            parent = module(node.module)
            if parent is None:
                stale.append(node.module)
                continue
            for alias in node.names:
                value = getattr(parent, alias.name, None) or module(f"{node.module}.{alias.name}")
                if value is None:
                    stale.append(f"{node.module}.{alias.name}")
                elif isinstance(value, type(spinflux)):
                    bound[alias.asname or alias.name] = value
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in bound and not hasattr(bound[node.value.id], node.attr)):
            stale.append(f"{bound[node.value.id].__name__}.{node.attr}")
    return stale


def test_the_benchmark_and_workflow_scripts_use_only_names_the_package_has():
    """The scripts outside the package are not imported by any test; a renamed module or
    function must not leave them to fail in a user's hands (convergence_study.py and a
    beyond-Born benchmark still imported spinflux.params long after the restructure renamed it)."""
    scripts = sorted((REPO / "benchmarks").glob("*.py")) + sorted((REPO / "workflow/scripts").glob("*.py"))
    assert len(scripts) >= 10
    stale = {s.name: found for s in scripts if (found := stale_references(s.read_text()))}
    assert stale == {}


def test_the_stale_reference_finder_finds_stale_names():
    """Negative control for the test above: one stale name of each kind, and none in live code."""
    source = ("import spinflux.grid as g\nfrom spinflux import analytic\n"
              "from spinflux.params import PointParams\nfrom spinflux.solver import solve_points\n"
              "def f():\n    return g.MAP_WIDTH, g.MAP_HEIGHT, analytic.drude_sigma_xx, analytic.drude\n")
    assert stale_references(source) == ["spinflux.params", "spinflux.solver.solve_points",
                                        "spinflux.grid.MAP_HEIGHT", "spinflux.analytic.drude"]


def test_the_error_variables_describe_the_estimate_the_code_makes():
    """Every *_error variable's long_name states the method (observables.ERROR_METHOD); it said
    "half the beyond-Born angles" on one grid for every disorder after the code had changed to
    both grids and Coulomb only (found by a new-user trial)."""
    from spinflux.grid import GridSettings, coarse_settings
    from spinflux.kernels.beyond_born import COARSENED
    from spinflux.observables import ERROR_METHOD

    fine = GridSettings()
    quadrature, cutoff = coarse_settings(fine)
    assert quadrature.spacing_factor == 1.5 * fine.spacing_factor
    assert "1.5× the spacing" in ERROR_METHOD
    assert fine.rungs_above_fermi - cutoff.rungs_above_fermi == 3 and "3 rungs fewer" in ERROR_METHOD
    assert quadrature.angular_coarsening == cutoff.angular_coarsening == 2
    assert "both grids with half the third-order angles" in ERROR_METHOD
    named = [d for d in parameters.DISORDERS if d in ERROR_METHOD]
    assert named == list(COARSENED)
