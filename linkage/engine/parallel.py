"""The engine's speed machinery in one place: how many threads, how big a chunk, how work is spread.

Domain code (comparisons, blocking keys, the model) never starts a thread or picks a chunk size;
it calls the helpers here. Threads, not processes: numpy and rapidfuzz release the interpreter
lock for most of their work. Every task runs in a copy of the caller's context, so it sees the
caller's column cache (``linkage.engine.levels.column_cache``).
"""
from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class ChunkSizes:
    """Items per chunk of each pair-sized loop: each bounds the temporaries of one step."""

    score: int = 1 << 16
    """pairs per weight/probability block (temporaries stay in cache)."""
    compare: int = 1_000_000
    """pairs per comparison chunk (the level matrix is filled chunk by chunk)."""
    compare_first: int = 4096
    """pairs of the first comparison chunk, computed alone so it prepares the column arrays."""
    pattern_code: int = 1 << 18
    """pairs per step when coding and numbering comparison patterns."""
    pairs: int = 1 << 20
    """pairs per step of mask and bookkeeping loops in training."""
    prior_block: int = 1 << 18
    """pairs per block when re-estimating the prior."""
    evidence: int = 2_000_000
    """pairs per chunk when summing evidence: bounds the (pairs x comparisons) float64 matrix."""
    components: int = 1 << 24
    """edges per step when building connected components."""
    settle: int = 1 << 20
    """record pairs per batch of components settled without the constrained loop."""
    block_split: int = 1 << 22
    """pair codes per step when splitting oversized blocks."""
    union: int = 1 << 21
    """rule codes per range when the rules' pairs are merged."""


CHUNKS = ChunkSizes()


def worker_count() -> int:
    """Threads to use: one per CPU of the machine."""
    return os.cpu_count() or 1


def spans(size: int, chunk: int, first: int = 0) -> list[tuple[int, int]]:
    """[begin, end) spans covering range(size): an optional first span of ``first`` items,
    then spans of ``chunk``."""
    head = min(first, size)
    out = [(0, head)] if head else []
    out += [(begin, min(begin + chunk, size)) for begin in range(head, size, chunk)]
    return out


def in_parallel(task: Callable[[int, int], None], size: int, chunk: int | None = None) -> None:
    """``task(begin, end)`` over range(size) cut in ``chunk``s (default: one per CPU), on one
    thread per CPU; the tasks must write disjoint parts of their outputs."""
    threads = worker_count()
    chunk = chunk or max(-(-size // threads), 1)
    run_spans(task, spans(size, chunk))


def run_spans(task: Callable[[int, int], None], work: list[tuple[int, int]], first_alone: bool = False,
              workers: int | None = None) -> None:
    """``task(begin, end)`` for each span, on up to ``workers`` threads (default one per CPU);
    with ``first_alone`` the first span runs before the others start (it may fill caches they read)."""
    if first_alone and work:
        task(*work[0])
        work = work[1:]
    threads = min(workers or worker_count(), len(work))
    if threads <= 1:
        for span in work:
            task(*span)
        return
    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(contextvars.copy_context().run, task, *span) for span in work]:
            future.result()


def map_threads(fn: Callable[..., R], *items: Iterable) -> list[R]:
    """``[fn(*args) for args in zip(*items)]`` on one thread per CPU, in order."""
    context = contextvars.copy_context()  # the caller's: a worker thread's own context is empty
    with ThreadPoolExecutor(worker_count()) as pool:
        return list(pool.map(lambda *args: context.copy().run(fn, *args), *items))


@contextmanager
def beside(fn: Callable[..., R], *args) -> Iterator[Future[R]]:
    """Run ``fn(*args)`` on a second thread while the caller goes on; yields its future."""
    with ThreadPoolExecutor(1) as pool:
        yield pool.submit(contextvars.copy_context().run, fn, *args)
