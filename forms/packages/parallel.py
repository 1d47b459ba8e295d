"""Verifying many packages on worker processes: the one protocol every caller uses.

``share`` hands chunks of a list to a pool of worker processes and yields each item's
result, paired with the item's index in the list, as chunks finish. The workers are
started once with the trust registry and the criteria sets (``worker_state`` reads them
back in a worker) and each runs ``task`` on a chunk: a module-level function taking a list
of items and returning one result per item, ``None`` for an item it leaves to the caller.

The calling process shares the work: the workers take chunks from the front of the list,
and whenever no finished chunk is waiting, the caller is handed one from the back (each of
its items yielded with ``None``: "do this one yourself"). So no core idles while workers
start (spawning one costs a few hundred milliseconds), and a worker that fails (killed, out
of memory, refused by an antivirus) costs nothing but time: its chunks come back as
``None`` too. Below ``minimum`` items, or with no workers, no process is started and every
item comes back as ``None``.

``in_input_order`` is the same with the results collected in the order of the input, for a
caller that wants a list (``forms.packages.verify.verify_many``); the collector's merge
stores results as they come (``local_db.collector.merge``), since its storing does not
depend on order.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

log = logging.getLogger("forms")

T = TypeVar("T")
R = TypeVar("R")

# below this many items, starting worker processes costs more than it saves
POOL_MINIMUM = 400
CHUNK = 32  # items per task: amortises inter-process overhead, keeps the pipeline short


@dataclass(frozen=True)
class WorkerState:
    """What every worker is started with: the trust registry and the criteria sets, as the
    caller gave them (a mapping by content hash, or a module-level lookup function)."""

    trust: Any
    criteria: Any


_state: list[WorkerState] = []


def worker_state() -> WorkerState:
    """The state this worker process was started with (see ``set_worker_state``)."""
    if not _state:
        raise RuntimeError("not a verification worker: no trust registry or criteria sets")
    return _state[0]


def set_worker_state(trust: Any, criteria: Any) -> None:
    """Install the state ``worker_state`` returns; the initialiser of every worker does, and a
    test may, to run a task in its own process."""
    _state[:] = [WorkerState(trust, criteria)]


def _write_state(trust: Any, criteria: Any) -> str:
    """The state, pickled into a temporary file for the workers.

    Passed as the pool's initializer arguments instead, a province's registry (~700 kB) is
    written down a pipe while spawning, and the calling process waits until the new worker
    has started Python and reads it (~0.1 s when it should be verifying)."""
    handle, name = tempfile.mkstemp(prefix="dti-verify-", suffix=".pickle")
    with os.fdopen(handle, "wb") as out:
        pickle.dump((trust, criteria), out, protocol=pickle.HIGHEST_PROTOCOL)
    return name


def _init_worker(state_file: str) -> None:
    # the file is the calling process's own temporary file, written just before (never user input)
    with open(state_file, "rb") as handle:
        trust, criteria = pickle.load(handle)  # noqa: S301
    set_worker_state(trust, criteria)


Task = Callable[[list[T]], list[R | None]]


def share(
    items: Sequence[T],
    task: Task[T, R],
    *,
    trust: Any,
    criteria: Any,
    workers: int,
    chunk: int = CHUNK,
    minimum: int = POOL_MINIMUM,
) -> Iterator[tuple[int, R | None]]:
    """Every index of ``items`` once, with ``task``'s result for it when a worker process ran
    it, or ``None`` when the caller is to do it (see the module's docstring).

    ``workers`` counts the processes started besides this one (which verifies too)."""
    if workers < 1 or len(items) < minimum:
        yield from ((i, None) for i in range(len(items)))
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    chunks = deque(
        range(start, min(start + chunk, len(items))) for start in range(0, len(items), chunk)
    )
    # spawn, not fork: forking a process with Qt and SQLite threads is unsafe (and Windows spawns)
    context = multiprocessing.get_context("spawn")
    state_file = _write_state(trust, criteria)
    try:
        pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(state_file,)
        )
    except OSError:
        pool = None
    window: deque[tuple[range, Future[list[R | None]]]] = deque()
    try:
        while chunks or window:
            while pool is not None and chunks and len(window) < 2 * workers + 1:
                part = chunks.popleft()
                try:
                    window.append((part, pool.submit(task, [items[i] for i in part])))
                except RuntimeError:  # the pool broke: this process does the rest
                    chunks.appendleft(part)
                    pool = None
            if not chunks and len(window) > 1 and not window[0][1].done():
                # the end: rather than wait for chunks a worker has not started, take them back
                part, future = window[-1]
                if future.cancel():
                    window.pop()
                    yield from ((i, None) for i in part)
                    continue
            if window and (window[0][1].done() or not chunks):
                part, future = window.popleft()
                try:
                    results = future.result()
                except Exception as exc:  # noqa: BLE001 - any worker failure: verify here instead
                    log.warning("verification worker failed (%s); verifying here instead", exc)
                    results = [None] * len(part)
                yield from zip(part, results, strict=True)
            else:
                yield from ((i, None) for i in chunks.pop())
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        with contextlib.suppress(OSError):
            os.remove(state_file)


def in_input_order(
    items: Sequence[T],
    task: Task[T, R],
    finish: Callable[[T, R | None], R],
    *,
    trust: Any,
    criteria: Any,
    workers: int,
    chunk: int = CHUNK,
    minimum: int = POOL_MINIMUM,
) -> list[R]:
    """``share``, with every result passed through ``finish(item, from_worker)`` (which does
    the item itself when ``from_worker`` is ``None``) and returned in the order of ``items``."""
    out: list[Any] = [None] * len(items)
    for i, result in share(
        items, task, trust=trust, criteria=criteria, workers=workers, chunk=chunk, minimum=minimum
    ):
        out[i] = finish(items[i], result)
    return out
