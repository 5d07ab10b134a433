"""Where the Spark engine's scratch lives: a POSIX path or a URI (file://, hdfs://, s3a://), never mangled by Path.

Spark reads the location as given; pyarrow (which the driver writes the records with) knows
``s3://`` where Hadoop says ``s3a://``/``s3n://``, so those schemes are mapped for pyarrow only.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pyarrow.fs as pafs

from pipelines.files.state import private_dir

ARROW_SCHEMES = {"s3a": "s3", "s3n": "s3"}


def is_local(location: str | Path) -> bool:
    """True for a plain path or a file:// URI (this machine's file system)."""
    return urlparse(str(location)).scheme in ("", "file")


def local_path(location: str | Path) -> Path:
    """The POSIX path of a local location (plain path or file:// URI)."""
    text = str(location)
    return Path(urlparse(text).path) if text.startswith("file:") else Path(text)


def join(location: str | Path, name: str) -> str:
    """`location`/`name`, keeping a URI's scheme and authority (Path would turn s3a://b into s3a:/b)."""
    return f"{str(location).rstrip('/')}/{name}"


def spark_location(location: str | Path) -> str:
    """The address Spark reads: an absolute path for local locations, the URI otherwise."""
    return str(local_path(location).resolve()) if is_local(location) else str(location)


def arrow_filesystem(location: str | Path) -> tuple[pafs.FileSystem, str]:
    """(pyarrow file system, path inside it) of a location."""
    if is_local(location):
        return pafs.LocalFileSystem(), str(local_path(location).resolve())
    scheme, _, rest = str(location).partition("://")
    return pafs.FileSystem.from_uri(f"{ARROW_SCHEMES.get(scheme, scheme)}://{rest}")


def make_private_dir(location: str | Path) -> None:
    """Create the location as a directory: owner-only (0700) when local, as the store allows otherwise."""
    if is_local(location):
        private_dir(local_path(location))
        return
    filesystem, path = arrow_filesystem(location)
    filesystem.create_dir(path, recursive=True)


def remove_dir(location: str | Path) -> None:
    """Delete a directory and its files wherever it is (nothing if it is missing)."""
    filesystem, path = arrow_filesystem(location)
    try:
        filesystem.delete_dir(path)
    except FileNotFoundError:
        pass
