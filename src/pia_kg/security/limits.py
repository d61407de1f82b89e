"""Documented limits, enforced: query time and rows, file size, literal length, nesting depth (issue 8).

A Python thread cannot be stopped and rdflib's evaluator never yields, so a query under a time limit runs in
a forked child process that is killed when the limit passes: the work truly stops, and the parent raises
`LimitExceeded` (a PiaError: the CLI exits 2, "bad input", because the query asked for too much).

The CLI sets the limits for the duration of one command (`configure` ... `reset`); library callers that never
configure them (the tests, the server, whose workers have their own limits) evaluate in-process as before.
The parse limits (`max_file_bytes`, `max_literal_chars`, `max_nesting`) always apply, with their defaults.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from pia_kg.errors import PiaError

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 100_000
DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_LITERAL_CHARS = 1_000_000
DEFAULT_MAX_NESTING = 256
# rdflib's Turtle parser takes up to 8 Python frames per nested blank node, its writers and pyld fewer: 16 per
# level leaves room for any of them at the nesting limit (tests/test_hostile_input.py checks parse and export)
FRAMES_PER_LEVEL = 16

T = TypeVar("T")


class LimitExceeded(PiaError):
    """A query or a file asked for more than a documented limit allows."""


@dataclass(frozen=True)
class Limits:
    """The limits of one command; `timeout` is in seconds, `max_file_bytes` in bytes."""

    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_literal_chars: int = DEFAULT_MAX_LITERAL_CHARS
    max_nesting: int = DEFAULT_MAX_NESTING


DEFAULTS = Limits()
_state: dict[str, Limits | None] = {"configured": None}


def configure(limits: Limits) -> None:
    """Turn the query limits on for this process (the CLI does it for one command)."""
    _state["configured"] = limits


def reset() -> None:
    """Back to in-process evaluation without query limits (parse limits keep their defaults)."""
    _state["configured"] = None


def configured() -> Limits | None:
    """The query limits in force, or None when queries run in-process without a time limit."""
    return _state["configured"]


def current() -> Limits:
    """The limits in force, or the defaults."""
    return _state["configured"] or DEFAULTS


_room_lock = threading.Lock()
_room: dict[str, int] = {"holders": 0, "saved": 0}


@contextmanager
def recursion_room(limits: Limits | None = None) -> Iterator[None]:
    """Raise Python's recursion limit so that the recursive parsers and writers (rdflib, pyld) reach the
    nesting limit; restored when the last holder leaves (the limit is per process; holders may be threads).

    The nesting limit itself is enforced before parsing (guard.check_text), so the room is bounded.
    """
    needed = (limits or current()).max_nesting * FRAMES_PER_LEVEL + 1000
    with _room_lock:
        if _room["holders"] == 0:
            _room["saved"] = sys.getrecursionlimit()
        _room["holders"] += 1
        if sys.getrecursionlimit() < needed:
            sys.setrecursionlimit(needed)
    try:
        yield
    finally:
        with _room_lock:
            _room["holders"] -= 1
            if _room["holders"] == 0:
                sys.setrecursionlimit(_room["saved"])


def check_rows(count: int, limits: Limits | None = None) -> None:
    """Raise LimitExceeded when a result holds more than `max_rows` rows (or triples)."""
    chosen = limits or current()
    if count > chosen.max_rows:
        raise LimitExceeded(
            f"limit exceeded: the result has more than {chosen.max_rows} rows",
            hint="Add LIMIT or a tighter pattern to the query, or raise it with `pia-kg --max-rows N`.",
        )


def run_limited(function: Callable[..., T], *args: Any, what: str = "query") -> T:
    """`function(*args)`, in a forked child killed after the configured timeout; in-process if none is set.

    The child inherits the loaded graph (copy-on-write), so nothing but the answer is pickled. An exception
    the function raises is re-raised here; a child that dies without answering is a bug and says so.
    """
    return start_limited(function, *args, what=what)()


def start_limited(function: Callable[..., T], *args: Any, what: str = "query") -> Callable[[], T]:
    """run_limited in two steps: start `function(*args)` now, in a forked child under the configured time
    limit, and return what waits for its answer. Meanwhile the caller works on, and other children run on
    the other cores. The limit counts from the start. Without configured limits the function runs here, at
    once, and the answer (or its exception) is given when asked for."""
    limits = configured()
    if limits is None or "fork" not in multiprocessing.get_all_start_methods():
        try:
            value = function(*args)
        except Exception as err:
            failure = err

            def raise_it() -> T:
                raise failure

            return raise_it
        return lambda: value
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, function, args), daemon=True)
    started = time.monotonic()
    process.start()
    sender.close()
    timeout = limits.timeout

    def answer() -> T:
        try:
            if not receiver.poll(max(0.0, started + timeout - time.monotonic())):
                raise LimitExceeded(
                    f"limit exceeded: {what} ran longer than {timeout:g} s and was stopped",
                    hint="Make the query more selective, or raise the limit with `pia-kg --timeout SECONDS`.",
                )
            try:
                status, payload = pickle.loads(receiver.recv_bytes())
            except EOFError as err:
                raise RuntimeError(f"the {what} process stopped without an answer") from err
        finally:
            receiver.close()
            if process.is_alive():
                process.kill()
            process.join(5)
        if status == "raised":
            raise payload
        result: T = payload
        return result

    return answer


def _child(sender: Any, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        reply: tuple[str, Any] = ("ok", function(*args))
    except BaseException as err:  # sent back to the parent, which re-raises it
        reply = ("raised", err)
    try:
        data = pickle.dumps(reply)
    except Exception as err:  # an answer that cannot cross the pipe is a bug of ours
        data = pickle.dumps(("raised", RuntimeError(f"cannot return the answer: {err!r}")))
    sender.send_bytes(data)
    sender.close()
    os._exit(0)  # no atexit handlers or buffered output of the parent's copy
