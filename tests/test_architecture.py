"""The layers of ARCHITECTURE.md hold: import-linter's contract in pyproject.toml, on the real package, and
on a copy with one import that goes up a layer."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import REPO_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root / "src",
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_the_package_keeps_its_layers() -> None:
    result = lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_import_that_goes_up_a_layer_breaks_the_contract(tmp_path: Path) -> None:
    skipped = shutil.ignore_patterns("*.egg-info", "__pycache__")
    shutil.copytree(REPO_ROOT / "src", tmp_path / "src", ignore=skipped)
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    loading = tmp_path / "src" / "pia_kg" / "loading.py"
    upward = "\n\ndef _report() -> None:\n    from pia_kg import validation  # noqa\n"
    loading.write_text(loading.read_text(encoding="utf-8") + upward, encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "pia_kg.loading is not allowed to import pia_kg.validation" in result.stdout
