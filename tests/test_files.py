"""The one atomic file writer (src/pia_kg/files.py) and the rule that every file is written through it."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from pia_kg.errors import DataError
from pia_kg.files import NEW_FILE_MODE, write_atomic

from .conftest import REPO_ROOT


def test_a_new_file_is_written_readable_by_all(tmp_path: Path) -> None:
    target = tmp_path / "out.ttl"
    write_atomic(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == NEW_FILE_MODE
    assert [path.name for path in tmp_path.iterdir()] == ["out.ttl"]


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "data.ttl"
    target.write_bytes(b"old\n")
    target.chmod(0o600)
    write_atomic(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.nt"
    target.write_bytes(b"old\n")
    with pytest.raises(TypeError):
        write_atomic(target, "text, not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old\n"
    assert [path.name for path in tmp_path.iterdir()] == ["out.nt"]


def test_a_missing_folder_is_refused_unless_asked_to_make_it(tmp_path: Path) -> None:
    target = tmp_path / "new" / "folder" / "out.csv"
    with pytest.raises(DataError, match="no such folder") as refused:
        write_atomic(target, b"a,b\n")
    assert refused.value.hint and "Create the folder" in refused.value.hint
    assert not (tmp_path / "new").exists()
    write_atomic(target, b"a,b\n", make_folders=True)
    assert target.read_bytes() == b"a,b\n"


def test_no_other_module_writes_a_file_through_a_temporary_file_of_its_own() -> None:
    """One atomic writer: a second copy of the temporary-file dance is where a fix (fsync, permissions,
    clean-up on failure) gets lost."""
    source = REPO_ROOT / "src" / "pia_kg"
    own = sorted(
        str(path.relative_to(source))
        for path in source.rglob("*.py")
        if path.name != "files.py" and re.search(r"\bmkstemp\(", path.read_text(encoding="utf-8"))
    )
    assert own == [], f"write files with pia_kg.files.write_atomic instead: {own}"
