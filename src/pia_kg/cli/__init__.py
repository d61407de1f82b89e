"""The `pia-kg` command: the click group of `main.py` and the commands of each area, one module per area.

Each area module decorates `cli` (from `main.py`) with its commands; importing them here registers them. They
import heavy libraries inside their command functions only, so `pia-kg --help` stays fast.
"""

from __future__ import annotations

from pia_kg.cli import curation, publish, query, serve, store
from pia_kg.cli.main import cli

__all__ = ["cli", "curation", "publish", "query", "serve", "store"]
