"""A small pool of worker processes that evaluate queries, so that a time limit can truly stop one.

A Python thread cannot be stopped, and rdflib's evaluator never yields, so each query runs in its own worker
process: the worker that passes the limit is killed and a fresh one takes its place, while the others go on
serving. Each worker opens the graph once, at start-up (`loader(payload)`: for the endpoint, the server's
store on disk, read-only, see endpoint.py's `open_served`). Workers are started with `spawn` (no fork of a
threaded server) and ignore SIGINT, so Ctrl-C reaches the server alone, which then stops them; a worker
whose server has gone away sees its pipe close and exits.

Concurrent requests are served in parallel up to the number of workers; beyond that they wait for a free
worker, at most as long as the time limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

START_TIMEOUT = 60.0


class QueryTimeout(Exception):
    """The job ran past the time limit; its worker was killed and replaced."""


class PoolBusy(Exception):
    """No worker became free within the time limit."""


class WorkerFailed(Exception):
    """The worker died or raised an unexpected exception (a bug: the message says which)."""


def _worker_main(conn: Connection, payload: bytes, loader: Callable[[bytes], Any]) -> None:
    """Load the graph once, say "ready", then answer jobs `(function, kwargs)` until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    state = loader(payload)
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        function, kwargs = job
        try:
            reply = ("ok", function(state, **kwargs))
        except Exception as err:  # returned to the server: a PiaError is the user's; anything else is a bug
            reply = ("raised", err)
        try:
            conn.send(reply)
        except Exception as err:  # an unpicklable exception or result
            conn.send(("raised", WorkerFailed(f"cannot send the answer back: {err!r}")))


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection

    def call(self, job: tuple[Callable[..., Any], dict[str, Any]], timeout: float) -> tuple[str, Any]:
        """Send a job and wait for its reply (blocking; run in a thread). Raises QueryTimeout."""
        self.conn.send(job)
        if not self.conn.poll(timeout):
            raise QueryTimeout
        reply: tuple[str, Any] = self.conn.recv()
        return reply

    def stop(self, *, kill: bool = False) -> None:
        if not kill:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
            self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()


class WorkerPool:
    """`size` worker processes, each holding the graph `loader(payload)` builds."""

    def __init__(self, payload: bytes, loader: Callable[[bytes], Any], *, size: int, timeout: float) -> None:
        self.payload = payload
        self.loader = loader
        self.size = max(1, size)
        self.timeout = timeout
        self._context = multiprocessing.get_context("spawn")
        self._threads = ThreadPoolExecutor(max_workers=self.size * 2, thread_name_prefix="pia-kg-worker")
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: set[_Worker] = set()
        self._closed = False

    def _spawn(self) -> _Worker:
        """Start one worker and wait until it has loaded the graph (blocking)."""
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main, args=(child, self.payload, self.loader), daemon=True, name="pia-kg-query"
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        if not parent.poll(START_TIMEOUT):
            worker.stop(kill=True)
            raise WorkerFailed(f"a query worker did not start within {START_TIMEOUT:.0f} s")
        try:
            status, _ = parent.recv()
        except EOFError as err:
            worker.stop(kill=True)
            raise WorkerFailed("a query worker failed while loading the graph") from err
        assert status == "ready"
        return worker

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        workers = await asyncio.gather(
            *(loop.run_in_executor(self._threads, self._spawn) for _ in range(self.size))
        )
        for worker in workers:
            self._all.add(worker)
            self._idle.put_nowait(worker)

    async def run(self, function: Callable[..., Any], **kwargs: Any) -> Any:
        """Run `function(state, **kwargs)` in a free worker; raises QueryTimeout, PoolBusy or its error."""
        try:
            worker = await asyncio.wait_for(self._idle.get(), self.timeout)
        except TimeoutError as err:
            raise PoolBusy from err
        loop = asyncio.get_running_loop()
        try:
            status, value = await loop.run_in_executor(
                self._threads, worker.call, (function, kwargs), self.timeout
            )
        except QueryTimeout:
            self._replace(worker)
            raise
        except (EOFError, OSError) as err:
            self._replace(worker)
            raise WorkerFailed(f"the query worker stopped: {err!r}") from err
        self._idle.put_nowait(worker)
        if status == "raised":
            raise value
        return value

    def _replace(self, worker: _Worker) -> None:
        """Kill `worker` now and start its successor in the background."""
        self._all.discard(worker)
        worker.stop(kill=True)
        if self._closed:
            return
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._threads, self._spawn)

        def ready(done: asyncio.Future[_Worker]) -> None:
            if done.exception() is None and not self._closed:
                self._all.add(done.result())
                self._idle.put_nowait(done.result())

        future.add_done_callback(ready)

    async def close(self) -> None:
        """Stop every worker (politely, then by force) and the threads that talk to them."""
        self._closed = True
        loop = asyncio.get_running_loop()
        workers = list(self._all)
        self._all.clear()
        await asyncio.gather(*(loop.run_in_executor(None, worker.stop) for worker in workers))
        self._threads.shutdown(wait=False, cancel_futures=True)

    @property
    def pids(self) -> list[int]:
        """The process ids of the live workers (for tests and logs)."""
        return sorted(worker.process.pid for worker in self._all if worker.process.pid is not None)
