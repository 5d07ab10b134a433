"""The forked child that runs the Great Expectations suites beside the linkage.

In the in-process run (`rosterlink run`) the QualitySuites resource (pipelines.defs.resources)
starts one child with the accepted records: the child imports GX and validates every source
while the parent normalizes and links, and sends back each source's verdict. The child runs at
the lowest CPU priority (nice 19), so it takes the time the linkage leaves a core idle, not the
time the normalization or the comparisons use both cores. It runs the same
`quality.suites.validate_records` on the same rows as a check validating inline.
"""
from __future__ import annotations

import multiprocessing
import os
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

import pandas as pd

from pipelines.local.parallel import default_signals
from quality.suites import SuiteResult, validate_records

CHILD_NICENESS = 19


def source_rows(records: pd.DataFrame, source: str) -> pd.DataFrame:
    """The accepted records of one source, renumbered from 0."""
    return records[records["source"] == source].reset_index(drop=True)


def _validate_sources(sender: Connection, records: pd.DataFrame, sources: list[str]) -> None:
    """Child process: each source's verdict, or the failure's class name, sent back as one dict."""
    default_signals()
    os.nice(CHILD_NICENESS)
    try:
        sender.send({source: validate_records(source_rows(records, source), source) for source in sources})
    except Exception as error:  # noqa: BLE001 - the parent validates inline and reports the error then
        sender.send(type(error).__name__)
    finally:
        sender.close()


def start_child(records: pd.DataFrame) -> tuple[BaseProcess, Connection]:
    """Fork a child that validates every source present in `records`; the child and the end of the
    pipe its verdicts arrive on."""
    sources = sorted(records["source"].unique())
    receiver, sender = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(
        target=_validate_sources, args=(sender, records, sources), name="rosterlink-quality-suites", daemon=True)
    child.start()
    sender.close()
    return child, receiver


def receive_verdicts(receiver: Connection) -> dict[str, SuiteResult]:
    """The child's verdicts, received once and the pipe closed (none if it failed: the caller
    validates inline)."""
    try:
        received = receiver.recv()
    except EOFError:
        received = None
    receiver.close()
    return received if isinstance(received, dict) else {}


def stop_child(child: BaseProcess) -> None:
    """Wait for the child to end, terminating it if it does not."""
    child.join(timeout=5)
    if child.is_alive():
        child.terminate()
        child.join()
