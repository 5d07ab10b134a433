"""Which files under the input folder are read, and every other file or folder with the reason it is not.

Rules:

- A top-level folder is a source when its name is a source of the contract, compared
  case-insensitively (``Village/`` is village); its sub-folders are walked to any depth
  (monthly drops: ``station/2023/more.csv``).
- A file is read when its suffix (case-insensitive) is one ``READ_SUFFIXES`` holds; python-calamine
  reads the spreadsheet formats beyond the contract's .csv/.xlsx/.parquet.
- Everything else found is a ``SkippedFile`` with a reason code: a file at the top level, an
  unknown top-level folder, another suffix (``notes.txt``, ``data.csv.txt``), a hidden file or
  folder (``.x``) or an office lock file (``~$x.xlsx``), something that is not a regular file
  (a FIFO would block the reader), a symlink (never followed out of INPUT: one leading outside
  it, ``/etc/passwd`` too, is not opened; one to a folder is not walked, its target is read where
  it lies; one to a file inside INPUT is read under its own name).
- A name in any byte encoding is handled (the OS gives undecodable bytes as surrogates);
  ``display_path`` is its safe text: undecodable bytes and control characters as ``\\xNN``.
- Files are ordered by their path relative to INPUT, parts compared one by one.
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from schemas.contract import INPUT_SUFFIXES, SOURCES

CALAMINE_SUFFIXES: tuple[str, ...] = (".xls", ".xlsm", ".xlsb", ".ods")
"""Spreadsheet formats python-calamine reads besides .xlsx."""
READ_SUFFIXES: tuple[str, ...] = (*INPUT_SUFFIXES, *CALAMINE_SUFFIXES)

OUTSIDE_SOURCE_FOLDER = "outside_source_folder"
UNKNOWN_FOLDER = "unknown_folder"
UNSUPPORTED_FORMAT = "unsupported_format"
HIDDEN = "hidden"
OFFICE_LOCK_FILE = "office_lock_file"
NOT_REGULAR_FILE = "not_a_regular_file"
SYMLINK_OUTSIDE_INPUT = "symlink_outside_input"
SYMLINK_TO_FOLDER = "symlink_to_folder"
BROKEN_SYMLINK = "broken_symlink"
UNREADABLE_FOLDER = "unreadable_folder"
UNREADABLE_FILE = "unreadable_file"

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class RosterInputError(Exception):
    """An input file or folder the pipeline cannot read; the message names the file, never a value."""


def display_path(path: str | os.PathLike[str]) -> str:
    """Safe text of a path: bytes that are not UTF-8 and control characters written as ``\\xNN``."""
    text = os.fsencode(path).decode("utf-8", errors="backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


@dataclass(frozen=True)
class RosterFile:
    """A file to read: where it is, its source, and its safe path relative to INPUT (``file``)."""

    path: Path
    source: str
    rel: str


@dataclass(frozen=True)
class SkippedFile:
    """A file or folder under INPUT that is not read: safe relative path, reason code, optional detail."""

    path: str
    reason: str
    detail: str | None = None

    def as_dict(self) -> dict[str, str]:
        """The run_summary.json entry."""
        entry = {"path": self.path, "reason": self.reason}
        if self.detail:
            entry["detail"] = self.detail
        return entry


@dataclass
class InputScan:
    """The files to read (in order) and everything skipped."""

    files: list[RosterFile] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)

    def by_source(self) -> dict[str, list[Path]]:
        """Paths per source, for the sources that have at least one file (sources in contract order)."""
        found = {source: [f.path for f in self.files if f.source == source] for source in SOURCES}
        return {source: paths for source, paths in found.items() if paths}


def _within(target: Path, root: Path) -> bool:
    return target == root or root in target.parents


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    with os.scandir(folder) as scan:
        return sorted(scan, key=lambda entry: os.fsencode(entry.name))


class _Walk:
    """One scan of an input folder (iterative: the depth of the tree uses no recursion)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.real_root = root.resolve()
        self.scan = InputScan()

    def rel(self, path: Path) -> str:
        return display_path(path.relative_to(self.root).as_posix())

    def skip(self, path: Path, reason: str, detail: str | None = None) -> None:
        self.scan.skipped.append(SkippedFile(self.rel(path), reason, detail))

    def run(self) -> InputScan:
        for entry in self.listing(self.root):
            path = Path(entry.path)
            if entry.name.startswith("."):
                self.skip(path, HIDDEN)
            elif entry.is_symlink():
                self.symlink(path, None)
            elif not entry.is_dir(follow_symlinks=False):
                self.skip(path, OUTSIDE_SOURCE_FOLDER)
            elif entry.name.lower() in SOURCES:
                self.source_folder(path, entry.name.lower())
            else:
                self.skip(path, UNKNOWN_FOLDER)
        self.scan.files.sort(key=lambda f: (SOURCES.index(f.source), f.path.relative_to(self.root).parts[1:],
                                            f.path.relative_to(self.root).parts[0]))
        return self.scan

    def listing(self, folder: Path) -> list[os.DirEntry[str]]:
        try:
            return _entries(folder)
        except OSError as error:
            if folder == self.root:
                raise RosterInputError(f"input folder {display_path(folder)} cannot be listed "
                                       f"({type(error).__name__})") from None
            self.skip(folder, UNREADABLE_FOLDER, type(error).__name__)
            return []

    def source_folder(self, top: Path, source: str) -> None:
        pending = [top]
        while pending:
            folder = pending.pop()
            subfolders = []
            for entry in self.listing(folder):
                path = Path(entry.path)
                if entry.name.startswith("."):
                    self.skip(path, HIDDEN)
                elif entry.name.startswith("~$"):
                    self.skip(path, OFFICE_LOCK_FILE)
                elif entry.is_symlink():
                    self.symlink(path, source)
                elif entry.is_dir(follow_symlinks=False):
                    subfolders.append(path)
                else:
                    self.file(path, source, entry.stat(follow_symlinks=False).st_mode)
            pending.extend(reversed(subfolders))

    def file(self, path: Path, source: str, mode: int) -> None:
        if not stat.S_ISREG(mode):
            self.skip(path, NOT_REGULAR_FILE)
        elif path.suffix.lower() not in READ_SUFFIXES:
            self.skip(path, UNSUPPORTED_FORMAT)
        else:
            self.scan.files.append(RosterFile(path, source, self.rel(path)))

    def symlink(self, path: Path, source: str | None) -> None:
        """Never followed out of INPUT; a link to a file inside INPUT is read when in a source folder."""
        target = Path(os.path.realpath(path))
        if not _within(target, self.real_root):
            self.skip(path, SYMLINK_OUTSIDE_INPUT)
            return
        try:
            mode = target.stat().st_mode
        except OSError:
            self.skip(path, BROKEN_SYMLINK)
            return
        if stat.S_ISDIR(mode):
            self.skip(path, SYMLINK_TO_FOLDER)
        elif source is None:
            self.skip(path, OUTSIDE_SOURCE_FOLDER)
        else:
            self.file(path, source, mode)


def scan_input(input_dir: Path) -> InputScan:
    """The roster files under `input_dir` (ordered) and every file or folder not read, with its reason."""
    input_dir = Path(input_dir)
    if not input_dir.is_dir():
        raise RosterInputError(f"input folder not found: {display_path(input_dir)}")
    return _Walk(input_dir).run()


def source_files(input_dir: Path, source: str) -> list[Path]:
    """The roster files of one source (every folder of that name, walked to any depth), in order."""
    return [f.path for f in scan_input(input_dir).files if f.source == source]


def discover_files(input_dir: Path) -> dict[str, list[Path]]:
    """Roster files per source, for the sources that have at least one file."""
    found = scan_input(input_dir).by_source()
    if not found:
        raise RosterInputError(
            f"no roster files under {display_path(input_dir)} (expected station/, police/, village/ or "
            f"poverty/ with {'/'.join(READ_SUFFIXES)} files)"
        )
    return found
