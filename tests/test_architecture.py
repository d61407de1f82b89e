"""The layers of ARCHITECTURE.md hold: import-linter's contract in pyproject.toml, on the real package, and
on a copy with one import that goes up a layer; no module imports itself back through others, not even
inside a function; every module sits in a layer."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .conftest import REPO_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
SKIPPED = shutil.ignore_patterns("*.egg-info", "__pycache__")
# grimp (import-linter's graph builder) run on the package found first on PYTHONPATH, in a fresh interpreter
GRAPH_SCRIPT = """
import json, grimp
graph = grimp.build_graph("pia_kg", cache_dir=None)
print(json.dumps({m: sorted(graph.find_modules_directly_imported_by(m)) for m in sorted(graph.modules)}))
"""


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root / "src",
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def copy_package(tmp_path: Path) -> Path:
    shutil.copytree(REPO_ROOT / "src", tmp_path / "src", ignore=SKIPPED)
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path / "src" / "pia_kg"


def add_function_import(module: Path, statement: str) -> None:
    """Append a function that imports `statement`: the import a cycle would hide in."""
    extra = f"\n\ndef _added() -> None:\n    {statement}  # noqa\n"
    module.write_text(module.read_text(encoding="utf-8") + extra, encoding="utf-8")


def import_cycles(src: Path) -> list[list[str]]:
    """Every group of modules that import each other, directly or not, counting imports inside functions
    (Tarjan's strongly connected components over grimp's import graph)."""
    imports: dict[str, list[str]] = json.loads(
        subprocess.run(
            [sys.executable, "-c", GRAPH_SCRIPT],
            cwd=src,
            env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        ).stdout
    )
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        for imported in imports[module]:
            if imported not in order:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], order[imported])
        if low[module] == order[module]:
            group = [stack.pop()]
            while group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in imports:
        if module not in order:
            visit(module)
    return cycles


def test_the_package_keeps_its_layers() -> None:
    result = lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_import_that_goes_up_a_layer_breaks_the_contract(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    add_function_import(package / "graph" / "loading.py", "from pia_kg.check import validation")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "pia_kg.graph is not allowed to import pia_kg.check" in result.stdout
    assert "pia_kg.graph.loading -> pia_kg.check.validation" in result.stdout


def test_no_module_imports_itself_back() -> None:
    assert import_cycles(REPO_ROOT / "src") == []


def test_a_cycle_hidden_inside_a_function_is_found(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    # rdf.terms is imported by rdf.canon; a function of rdf.terms importing rdf.canon closes the loop
    add_function_import(package / "rdf" / "terms.py", "from pia_kg.rdf import canon")
    assert ["pia_kg.rdf.canon", "pia_kg.rdf.terms"] in import_cycles(tmp_path / "src")


def test_every_module_sits_in_a_layer() -> None:
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = config["tool"]["importlinter"]["contracts"]
    layers = set(contract["layers"])
    package = REPO_ROOT / "src" / "pia_kg"
    modules = {p.stem for p in package.glob("*.py")} - {"__init__", "__main__"}
    subpackages = {p.name for p in package.iterdir() if (p / "__init__.py").exists()}
    outside = sorted(name for name in modules | subpackages if f"pia_kg.{name}" not in layers)
    assert outside == [], "add these modules to a layer of ARCHITECTURE.md and pyproject.toml"


@pytest.mark.parametrize(
    "name", ["cli", "serve", "publish", "curate", "check", "sparql", "graph", "rdf", "security"]
)
def test_each_layer_says_what_it_is(name: str) -> None:
    init = REPO_ROOT / "src" / "pia_kg" / name / "__init__.py"
    assert init.read_text(encoding="utf-8").startswith('"""'), f"{init} needs a docstring naming its layer"
