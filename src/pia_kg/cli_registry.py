"""The command modules of `pia-kg`, one line each, imported for their side effect of registering commands."""

from __future__ import annotations

from pia_kg import cli_query  # noqa: F401
from pia_kg import cli_store  # noqa: F401
from pia_kg import cli_curation  # noqa: F401
from pia_kg import cli_publish  # noqa: F401
from pia_kg import cli_serve  # noqa: F401
