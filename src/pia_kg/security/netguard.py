"""No network unless asked: a process-wide backstop (issue 8).

The first line of defence is the parsed query algebra (`sparql/text.py`'s `check_query` refuses SERVICE
anywhere and FROM / FROM NAMED, and `check_oxigraph_query` the texts that reach pyoxigraph; updates such as
LOAD do not parse as queries) and the parsers' own settings (no owl:imports, no remote JSON-LD contexts, no
XML DTDs: see rdf/guard.py). This module adds the backstop: a `sys.addaudithook` listener that, while a policy
is active, refuses outgoing socket connections, DNS look-ups of non-local names, `urllib` requests and the
opening of files outside an allow-list. The CLI activates it for every command that was not given an explicit
`--endpoint` (see `rdf/guard.py`'s `guard_command`).

pyoxigraph evaluates SERVICE with its own HTTP client, which no audit listener sees, and its SPARQL parser
reads a few texts differently from rdflib's (a lone carriage return ends a comment for Oxigraph but not for
rdflib; rdflib expands `\\u` escapes before parsing, Oxigraph does not), so a SERVICE can hide from rdflib's
algebra. `check_oxigraph_query` (sparql/text.py) refuses those texts before any query reaches pyoxigraph.
"""

from __future__ import annotations

import ipaddress
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pia_kg.errors import PiaError

_NETWORK_EVENTS = ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "urllib.Request")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_SYSTEM_READS = ("/proc", "/dev/null", "/dev/urandom", "/dev/shm", "/etc/localtime", "/usr/share/zoneinfo")


class AccessRefused(PiaError):
    """Something tried to reach the network, or a file the user did not name; nothing was fetched or read."""


@dataclass(frozen=True)
class Policy:
    """What may be opened: anything under `roots`; `named` paths too, and new files beside them."""

    roots: tuple[str, ...]
    named: tuple[str, ...] = ()

    def allows_open(self, path: str, *, writing: bool) -> bool:
        if path and os.sep not in path and path not in (".", ".."):
            # a bare name: how shutil.rmtree and os.fwalk open entries relative to a directory descriptor
            # (the audit event does not say which). Remote references and file: IRIs are absolute paths.
            return True
        real = os.path.realpath(path)
        if _under(real, self.roots) or real in self.named:
            return True
        return writing and os.path.dirname(real) in {os.path.dirname(name) for name in self.named}

    def with_named(self, paths: Iterable[str]) -> Policy:
        """Add named paths: a named folder becomes a root; a named file may be read or replaced."""
        real = {os.path.realpath(path) for path in paths}
        folders = {path for path in real if os.path.isdir(path)}
        return Policy(tuple(sorted({*self.roots, *folders})), tuple(sorted({*self.named, *(real - folders)})))


_state: dict[str, Any] = {"policy": None, "installed": False, "resolve": None}
_busy = threading.local()


def base_roots(*folders: Path | None) -> tuple[str, ...]:
    """The folders any command may read: the given ones, temp dirs, the interpreter, its packages, /proc."""
    found = [str(folder) for folder in folders if folder is not None]
    found += [tempfile.gettempdir(), "/tmp", "/var/tmp", *_SYSTEM_READS]
    found += [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    found += [entry for entry in sys.path if entry]
    return tuple(sorted({os.path.realpath(entry) for entry in found}))


def activate(policy: Policy, *, resolve: Callable[[Policy], Policy | None] | None = None) -> None:
    """Install the audit listener once per process and make `policy` the one it enforces.

    `resolve`, if given, is asked on each audited event for a refined policy (the CLI adds the paths the
    user named once the command's options are parsed); returning None turns the backstop off.
    """
    if not _state["installed"]:
        sys.addaudithook(_audit)
        _state["installed"] = True
    _state["policy"], _state["resolve"] = policy, resolve


def deactivate() -> None:
    """Stop enforcing (an audit listener cannot be removed; it does nothing while no policy is active)."""
    _state["policy"], _state["resolve"] = None, None


def active_policy() -> Policy | None:
    return _state["policy"]  # type: ignore[no-any-return]


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if (
        _state["policy"] is None
        or getattr(_busy, "flag", False)
        or not (event == "open" or event in _NETWORK_EVENTS)
    ):
        return
    _busy.flag = True
    try:
        policy = _state["policy"]
        resolve = _state["resolve"]
        if resolve is not None:
            policy = resolve(policy)
            if policy is None:
                return
        _check(policy, event, args)
    finally:
        _busy.flag = False


def _check(policy: Policy, event: str, args: tuple[Any, ...]) -> None:
    if event == "open":
        path, mode, flags = [*args, None, None, None][:3]
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, str | os.PathLike):
            return  # a file descriptor: already open
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and bool(flags & _WRITE_FLAGS)
        )
        if not policy.allows_open(os.fspath(path), writing=writing):
            raise AccessRefused(
                f"refused to open {os.fspath(path)}: pia-kg reads only the project, the sources and the"
                " files named on the command line",
                hint="Name the file on the command line if it is meant to be read.",
            )
        return
    if event == "socket.connect":
        address = args[1] if len(args) > 1 else None
        if not isinstance(address, tuple):
            return  # a Unix socket (multiprocessing's own processes): no network
        target = f"{address[0]}:{address[1]}"
    elif event in ("socket.getaddrinfo", "socket.gethostbyname"):
        host = args[0] if args else None
        if _is_local_name(host):
            return  # binding a server to 127.0.0.1 resolves it; nothing leaves the machine
        target = str(host)
    else:
        target = str(args[0]) if args else "?"
    raise AccessRefused(
        f"refused to connect to {target}: pia-kg never uses the network unless given --endpoint",
        hint="Remove the remote reference (SERVICE, FROM, owl:imports, remote @context, external entity).",
    )


def _is_local_name(host: Any) -> bool:
    if host is None:
        return True
    name = os.fsdecode(host) if isinstance(host, bytes) else str(host)
    if name in ("", "localhost"):
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True  # a numeric address needs no look-up; connecting to it is checked separately


def _under(path: str, roots: Iterable[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)
