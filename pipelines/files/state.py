"""The private state of an output folder: what a run keeps for the next one, readable by its owner only.

Layout (every folder 0700, every file 0600)::

    OUTPUT/.rosterlink/
        secret.key          random key for person ids and keyed hashes (made once, never logged)
        export.key          random key of the pseudonymized export's pseudonyms
        lock                held by the run writing this output folder
        staging/<run_id>/   a run's files while it runs
        runs/<run_id>/      completed runs, the newest few kept for rollback
        decisions.sqlite    case workers' decisions on record pairs
        id_history.parquet  every record key -> person id ever assigned, and retired ids
        scratch/            engine scratch (Spark), removed after each run

The contract files at the top of OUTPUT belong to the current completed run.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

STATE_DIR_NAME = ".rosterlink"
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
SECRET_BYTES = 32


def private_dir(path: Path) -> Path:
    """``path`` created if missing (parents too) and set to owner-only access."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    os.chmod(path, PRIVATE_DIR_MODE)
    return path


def state_dir(output_dir: Path) -> Path:
    """The output folder's private state folder, created owner-only."""
    private_dir(Path(output_dir))
    return private_dir(Path(output_dir) / STATE_DIR_NAME)


def secret_key(output_dir: Path) -> bytes:
    """The output folder's secret (created on first use, 0600): keys person ids and hashes."""
    return _key(output_dir, "secret.key")


def export_key(output_dir: Path) -> bytes:
    """The key of the pseudonymized export's pseudonyms (0600), separate from secret_key so that
    an export's pseudonyms cannot be matched to the outputs' person ids or digests."""
    return _key(output_dir, "export.key")


def _key(output_dir: Path, name: str) -> bytes:
    path = state_dir(output_dir) / name
    if not path.exists():
        tmp = path.with_name(f".secret.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
        try:
            os.write(fd, secrets.token_bytes(SECRET_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # first writer wins; a racing run reads the winner's key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes()


def scratch_path(output_dir: Path) -> Path:
    """Where the engine's scratch folder lies under the private state (Spark files; not created here:
    the run creates it, pipelines.spark, and the next run's cleanup removes it)."""
    return Path(output_dir) / STATE_DIR_NAME / "scratch"
