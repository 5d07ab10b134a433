"""Reading and normalizing in several processes (fork), with results equal to the one-process steps.

`read_raw_rows` reads the roster files in a pool, `normalize_records_parallel` normalizes row
parts in children while this process does the first part; the global code columns are then
numbered here, on all rows (``linkage.roster.normalize.add_codes``). Both fall back to one process
below a size where starting processes costs more than it saves (demo data, tests), or when
only one core is there. Text columns come back from a child as codes and distinct values.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.pool
import os
import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from linkage.roster.normalize import add_codes, derived_columns, normalize_records, own_columns
from pipelines.files.discovery import UNREADABLE_FILE, RosterFile, RosterInputError, SkippedFile
from pipelines.files.ingest import frame_columns, frame_extras, read_file, source_frame, stack_sources

PARALLEL_MIN_ROWS = 50_000
"""Below this many records normalization runs in this process."""
PARALLEL_MIN_BYTES = 4_000_000
"""Below this many bytes of roster files reading runs in this process."""

_INHERITED: dict[str, object] = {}
"""What a forked worker received from its parent (set by `_inherit` in the worker only)."""


def process_count() -> int:
    """Processes to use: the cores of the machine."""
    return os.cpu_count() or 1


PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal the kernel sends this process when its parent dies (Linux)."""


def die_with_parent() -> None:
    """In a forked child: be killed (SIGKILL) when the parent dies, kill -9 included, so no child
    outlives its run (and keeps the output lock's descriptor open). Linux only; a no-op elsewhere."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # the parent died before prctl took effect
        os._exit(1)


def default_signals() -> None:
    """In a forked child: die with the parent, and SIGTERM and SIGINT back to their defaults. Under
    Dagster the parent's handlers turn them into an exception or a flag; a child keeping them
    would outlive its parent's terminate() and leave the parent waiting for it."""
    die_with_parent()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _inherit(name: str, value: object) -> None:
    default_signals()
    _INHERITED[name] = value


@contextmanager
def _pool(processes: int, name: str, value: object) -> Iterator[multiprocessing.pool.Pool]:
    """A fork pool whose workers hold `value` under `name` (inherited, never pickled). When the
    block ends the workers leave on the pool's own end-of-work message (close, join); only an
    error terminates them."""
    pool = multiprocessing.get_context("fork").Pool(processes, initializer=_inherit, initargs=(name, value))
    try:
        yield pool
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        pool.join()


# ---------------------------------------------------------------- frames across a pipe

Packed = tuple[pd.DataFrame, dict[str, tuple[np.ndarray, np.ndarray]], list[str]]


def _factorized_text(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(codes, distinct values + [None]) of an object column holding only str and None, else None."""
    if infer_dtype(values, skipna=True) not in ("string", "empty"):
        return None
    codes, uniques = pd.factorize(values)
    if values[codes < 0].tolist().count(None) != int((codes < 0).sum()):
        return None  # NaN or NA: keep them as they are
    return codes.astype(np.int32), np.append(uniques.astype(object), None)


def pack_frame(frame: pd.DataFrame) -> Packed:
    """`frame` as (its other columns, its text columns as codes and distinct values, column order):
    a few distinct strings cross a pipe much faster than one Python string per row."""
    text = {}
    for name in frame.columns[frame.dtypes == object]:
        factorized = _factorized_text(frame[name].to_numpy())
        if factorized is not None:
            text[name] = factorized
    return frame.drop(columns=list(text)), text, list(frame.columns)


def unpack_frame(packed: Packed) -> pd.DataFrame:
    """The frame `pack_frame` packed (equal values, dtypes, columns and index)."""
    rest, text, columns = packed
    values = {name: rest[name] for name in rest.columns}
    values.update({name: distinct[codes] for name, (codes, distinct) in text.items()})
    return pd.DataFrame({name: values[name] for name in columns}, index=rest.index)


# ---------------------------------------------------------------- reading

def _read_one(task: RosterFile) -> Packed | RosterInputError:
    try:
        return pack_frame(read_file(task.path, task.source, _INHERITED["input_dir"]))
    except RosterInputError as error:
        return error


def _in_pool(files: Sequence[RosterFile]) -> bool:
    """Whether to read `files` in a pool: two cores or more and enough bytes to pay for the processes."""
    processes = min(process_count(), len(files))
    return processes >= 2 and sum(_size(f) for f in files) >= PARALLEL_MIN_BYTES


def _size(file: RosterFile) -> int:
    try:
        return file.path.stat().st_size
    except OSError:
        return 0


def _read_packed(input_dir: Path, files: Sequence[RosterFile]) -> list[Packed | RosterInputError]:
    """The packed raw-row frames of `files` (or the error of each file that cannot be read), read
    in a pool, largest files first."""
    with _pool(min(process_count(), len(files)), "input_dir", input_dir) as pool:
        largest_first = sorted(range(len(files)), key=lambda i: -_size(files[i]))
        pending = {i: pool.apply_async(_read_one, (files[i],)) for i in largest_first}
        return [pending[i].get() for i in range(len(files))]


def _column(packed: Packed, name: str) -> np.ndarray:
    """Column `name` of a packed frame's rows, None where the frame lacks it (missing as None)."""
    rest, text, _ = packed
    if name in text:
        codes, distinct = text[name]
        return distinct[codes]
    if name not in rest:
        return np.full(len(rest), None, dtype=object)
    values = rest[name].to_numpy()
    if values.dtype == object:
        values = values.copy()
        values[pd.isna(values)] = None
    return values


def _unreadable(file: RosterFile, error: RosterInputError, skip_unreadable: bool) -> SkippedFile:
    """The skipped-file entry of a file that cannot be read; without `skip_unreadable` the error is raised."""
    if not skip_unreadable:
        raise error
    message = str(error)
    return SkippedFile(file.rel, UNREADABLE_FILE, message.removeprefix(f"{file.rel}: "))


def read_raw_rows(input_dir: Path, files: Sequence[RosterFile],
                  skip_unreadable: bool = False) -> tuple[pd.DataFrame, list[SkippedFile]]:
    """Every row of `files` in one frame (``stack_sources`` of each source's ``source_frame``, sources
    in file order), the files read in a process pool and each column put together once; and the
    files that cannot be read, when `skip_unreadable` (else the first of them, in file order, raises)."""
    input_dir = Path(input_dir)
    if not _in_pool(files):
        results: list[pd.DataFrame | RosterInputError] = []
        for file in files:
            try:
                results.append(read_file(file.path, file.source, input_dir))
            except RosterInputError as error:
                results.append(error)
    else:
        results = _read_packed(input_dir, files)
    skipped = [_unreadable(f, r, skip_unreadable) for f, r in zip(files, results) if isinstance(r, RosterInputError)]
    read = [(f, r) for f, r in zip(files, results) if not isinstance(r, RosterInputError)]
    sources = list(dict.fromkeys(f.source for f, _ in read))
    if not read:
        return pd.DataFrame(), skipped
    if isinstance(read[0][1], pd.DataFrame):
        return stack_sources([source_frame(s, [r for f, r in read if f.source == s]) for s in sources]), skipped
    source_columns = []
    for source in sources:
        extra = frame_extras(c for f, p in read if f.source == source for c in p[2])
        source_columns.append(pd.DataFrame(columns=frame_columns(source, extra)))
    columns = pd.concat(source_columns).columns  # the column order of concatenating the sources
    return pd.DataFrame({name: np.concatenate([_column(p, name) for _, p in read]) for name in columns}), skipped


# ---------------------------------------------------------------- normalizing

def _normalize_part(bounds: tuple[int, int]) -> Packed:
    records: pd.DataFrame = _INHERITED["records"]
    return pack_frame(derived_columns(records.iloc[bounds[0]:bounds[1]]))


def normalize_records_parallel(records: pd.DataFrame) -> pd.DataFrame:
    """``linkage.roster.normalize.normalize_records(records)``, the rows normalized in parts in several processes."""
    processes = min(process_count(), len(records) // max(PARALLEL_MIN_ROWS // 2, 1))
    if processes < 2:
        return normalize_records(records)
    cuts = np.linspace(0, len(records), processes + 1).astype(int)
    with _pool(processes - 1, "records", records) as pool:
        pending = [pool.apply_async(_normalize_part, ((a, b),)) for a, b in zip(cuts[1:-1], cuts[2:])]
        parts = [derived_columns(records.iloc[: cuts[1]])]
        own = own_columns(records)
        parts += [unpack_frame(result.get()) for result in pending]
    return add_codes(_side_by_side(own, parts))


def _side_by_side(own: pd.DataFrame, parts: list[pd.DataFrame]) -> pd.DataFrame:
    """`own`'s columns, then those of the row `parts` one after the other (one copy of each column)."""
    columns = {name: own[name] for name in own.columns}
    columns.update({name: pd.concat([part[name] for part in parts], ignore_index=True) for name in parts[0].columns})
    return pd.DataFrame(columns, index=own.index, copy=False)
