"""The output folder's run lock: one run at a time writes an output folder (fcntl.flock on
OUTPUT/.rosterlink/lock).

The kernel releases a flock when its holder dies (kill -9 included), so a stale lock of a dead
process never blocks: the next run simply takes it. The lock file records the holder's pid for
the refusal message only; it is never removed (removing it would let two runs lock two files).
A process holding the lock may take it again (re-entrant), which the in-process run's final step
does when it publishes.
"""
from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipelines.files.state import PRIVATE_FILE_MODE, state_dir

LOCK_FILE = "lock"

_held: dict[Path, int] = {}
"""Lock files this process holds, with their open descriptor."""


class OutputLockedError(Exception):
    """Another live run holds the output folder's lock (one line, no personal data)."""


def lock_path(output_dir: Path) -> Path:
    """The lock file of an output folder (its state folder created owner-only)."""
    return state_dir(output_dir) / LOCK_FILE


def _holder(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 64).decode("ascii", "replace").strip()
    return f" (pid {text})" if text.isdigit() else ""


@contextmanager
def output_lock(output_dir: Path) -> Iterator[None]:
    """Hold the output folder's lock for the block; OutputLockedError at once if another process holds it."""
    path = lock_path(Path(output_dir)).resolve()
    if path in _held:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise OutputLockedError(f"output folder {output_dir} is in use by another rosterlink run{holder}") from None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        _held[path] = fd
        yield
    finally:
        _held.pop(path, None)
        os.close(fd)  # closing the descriptor releases the flock
