"""One consistent output set per run: a run writes into its staging folder and publishes the whole
set at the end by switching one pointer.

Layout (under the private state, pipelines.files.state)::

    OUTPUT/current                -> .rosterlink/runs/<run_id>     the one pointer
    OUTPUT/<contract file>        -> current/<contract file>        fixed symlinks, made once
    OUTPUT/.rosterlink/staging/<run_id>/                            the running run's files
    OUTPUT/.rosterlink/runs/<run_id>/                               completed runs (KEEP_RUNS kept)

Rules:
- A run writes every file it produces (contract files, run_summary.json, report.html, model.json
  and person_id_map.parquet, the state the next run reads) into staging/<run_id>/ only; the
  folder's name is the run id the writers stamp in each file.
- Publishing renames staging/<run_id> to runs/<run_id> (one rename), then points `current` at it
  with a symlink renamed over the old one (atomic): until that rename readers see the whole
  earlier run, after it the whole new one. A crash, kill -9 or error at any moment before it
  leaves the earlier set in place. The top-level paths are symlinks through `current`, so they
  switch together; they are made (or a pre-1.1 regular file replaced) only when missing or wrong.
- The next run, holding the lock, removes what a killed run left (staging folders, intermediates)
  and keeps the KEEP_RUNS newest completed runs besides the current one for rollback.
- Readers check a set with `run_ids`: every file of one set carries the same run id.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyarrow.parquet as pq

from pipelines.files.state import STATE_DIR_NAME, private_dir, state_dir
from schemas.contract import PARQUET_RUN_ID_KEY

CURRENT = "current"
STAGING = "staging"
RUNS = "runs"
INTERMEDIATES = "intermediates"
KEEP_RUNS = 3
"""Completed runs kept (the current one included) for rollback."""


def staging_dir(output_dir: Path, run_id: str) -> Path:
    """The run's staging folder (created owner-only)."""
    return private_dir(private_dir(state_dir(output_dir) / STAGING) / run_id)


def intermediates_dir(output_dir: Path, run_id: str) -> Path:
    """The folder a Dagster run keeps its intermediate values in (created owner-only)."""
    return private_dir(private_dir(state_dir(output_dir) / INTERMEDIATES) / run_id)


def run_id_of(folder: Path) -> str | None:
    """The run id of a staging folder (its name), None for any other folder."""
    folder = Path(folder)
    if folder.parent.name == STAGING and folder.parent.parent.name == STATE_DIR_NAME:
        return folder.name
    return None


def output_dir_of(folder: Path) -> Path:
    """The output folder a staging folder belongs to (the folder itself otherwise)."""
    folder = Path(folder)
    return folder.parent.parent.parent if run_id_of(folder) else folder


def current_run_id(output_dir: Path) -> str | None:
    """The run id the output folder's pointer names, None before the first published run."""
    pointer = Path(output_dir) / CURRENT
    return Path(os.readlink(pointer)).name if pointer.is_symlink() else None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _symlink_over(path: Path, target: str) -> None:
    """Make `path` a symlink to `target` atomically (a temporary symlink renamed over it)."""
    if path.is_symlink() and os.readlink(path) == target:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.link")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, path)


def publish(output_dir: Path, run_id: str) -> Path:
    """Make the staged run the current set (the caller holds the output lock); returns its folder."""
    output_dir = Path(output_dir)
    staged = state_dir(output_dir) / STAGING / run_id
    for path in staged.iterdir():
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(staged)
    runs = private_dir(state_dir(output_dir) / RUNS)
    completed = runs / run_id
    os.rename(staged, completed)
    os.utime(completed)  # the publication order KEEP_RUNS prunes by
    _fsync_dir(runs)
    _symlink_over(output_dir / CURRENT, f"{STATE_DIR_NAME}/{RUNS}/{run_id}")
    _fsync_dir(output_dir)
    names = {p.name for p in completed.iterdir() if p.is_file() and not p.name.startswith(".")}
    for name in sorted(names):
        _symlink_over(output_dir / name, f"{CURRENT}/{name}")
    for path in output_dir.iterdir():  # a file the earlier run had and this one has not
        if path.is_symlink() and os.readlink(path).startswith(f"{CURRENT}/") and path.name not in names:
            path.unlink()
    _prune_runs(runs, run_id)
    return completed


def _prune_runs(runs: Path, current: str) -> None:
    completed = sorted((p for p in runs.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    kept = {current} | {p.name for p in completed[:KEEP_RUNS]}
    for path in completed:
        if path.name not in kept:
            shutil.rmtree(path, ignore_errors=True)


def clean_leftovers(output_dir: Path, keep: str | None = None) -> None:
    """Remove the staging folders and intermediates of runs that did not finish (the caller holds
    the lock, so none of them is running), except those of run `keep`."""
    state = state_dir(output_dir)
    for area in (STAGING, INTERMEDIATES):
        folder = state / area
        if folder.is_dir():
            for path in folder.iterdir():
                if path.name != keep:
                    shutil.rmtree(path, ignore_errors=True)
    for path in Path(output_dir).iterdir():
        if path.name.startswith(".") and path.name.endswith((".link", ".tmp")):
            path.unlink(missing_ok=True)


def remove_intermediates(output_dir: Path, run_id: str) -> None:
    """Remove a finished run's intermediate values."""
    shutil.rmtree(state_dir(output_dir) / INTERMEDIATES / run_id, ignore_errors=True)


def run_ids(output_dir: Path) -> dict[str, str | None]:
    """The run id each contract file of the output folder carries (Parquet metadata, run_summary.json)."""
    found: dict[str, str | None] = {}
    for path in sorted(Path(output_dir).iterdir()):
        if path.suffix == ".parquet":
            metadata = pq.read_metadata(path).metadata or {}
            value = metadata.get(PARQUET_RUN_ID_KEY)
            found[path.name] = value.decode() if value is not None else None
        elif path.name == "run_summary.json":
            found[path.name] = json.loads(path.read_text(encoding="utf-8")).get("run_id")
    return found
