"""The one way pia-kg replaces a file: `write_atomic`.

Every file pia-kg writes (formatted Turtle, dumps, expected results, the store's manifest, the memory of
checked queries) is written to a temporary file beside it, flushed to disk, then renamed over the old one,
so that a full disk, a crash or Ctrl-C at any point leaves the old file or the new one, never half of each.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pia_kg.errors import DataError

NEW_FILE_MODE = 0o644  # a new file is readable by all, as a published file should be


def write_atomic(path: Path, data: bytes, *, make_folders: bool = False) -> None:
    """Replace `path` with `data` through a temporary file in the same folder; a failure leaves the previous
    file as it was and no temporary file behind.

    The new file keeps the permissions of the one it replaces (NEW_FILE_MODE if there was none). A missing
    folder is created with `make_folders`, and otherwise refused with a DataError that says so.
    """
    path = Path(path)
    if make_folders:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        hint = "Create the folder first, or choose another -o."
        raise DataError(f"{path.parent}: no such folder", hint=hint)
    mode = path.stat().st_mode & 0o7777 if path.is_file() else NEW_FILE_MODE
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
