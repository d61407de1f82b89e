"""`pia-kg --help` starts without importing the heavy libraries (they load inside the commands)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("rdflib", "pyshacl", "pyshacl_turbo", "pyoxigraph", "pyld", "jinja2", "starlette", "uvicorn")


def test_importing_the_cli_loads_no_heavy_library() -> None:
    code = "import sys, pia_kg.cli; print(' '.join(sorted(sys.modules)))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(run.stdout.split())
    assert not [name for name in HEAVY if name in loaded]
