"""The resource that runs the Great Expectations suites, inline or in a background process.

Importing GX and validating 300k records costs about 5 CPU-seconds on one core. In the
in-process run (`rosterlink run`) the suites can run beside the linkage: `quarantine_split`
calls `start` with the accepted records, a forked child process imports GX and validates every
source while this process normalizes and links, and each suite check collects its source's
verdict (the checks run last: they carry a low step priority). The child runs at the lowest
CPU priority (nice 19), so it takes the time the linkage leaves a core idle, not the time the
normalization or the comparisons use both cores. Anywhere else (`dagster dev`'s
one process per step, a test calling a check alone) nothing is started and each check
validates inline. Both ways run the same `quality.suites.validate_records` on the same rows.
"""
from __future__ import annotations

import multiprocessing
import os
from multiprocessing.connection import Connection

import dagster as dg
import pandas as pd
from pydantic import PrivateAttr

from pipelines.local.parallel import default_signals
from quality.suites import SuiteResult, validate_records


def source_rows(records: pd.DataFrame, source: str) -> pd.DataFrame:
    """The accepted records of one source, renumbered from 0."""
    return records[records["source"] == source].reset_index(drop=True)


CHILD_NICENESS = 19


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


class QualitySuites(dg.ConfigurableResource):
    """Runs each source's suite; with `background`, all of them in one forked child started early."""

    background: bool = False
    _child: multiprocessing.process.BaseProcess | None = PrivateAttr(default=None)
    _receiver: Connection | None = PrivateAttr(default=None)
    _verdicts: dict[str, SuiteResult] = PrivateAttr(default_factory=dict)

    def start(self, records: pd.DataFrame) -> None:
        """With `background`, fork a child that validates every source present in `records`."""
        if not self.background or self._child is not None:
            return
        sources = sorted(records["source"].unique())
        receiver, sender = multiprocessing.Pipe(duplex=False)
        child = multiprocessing.get_context("fork").Process(
            target=_validate_sources, args=(sender, records, sources), name="rosterlink-quality-suites", daemon=True)
        child.start()
        sender.close()
        self._child, self._receiver = child, receiver

    def verdict(self, records: pd.DataFrame, source: str) -> SuiteResult:
        """The suite's result on the source's records: from the child when it validated them, else inline."""
        self._collect()
        if source in self._verdicts:
            return self._verdicts[source]
        return validate_records(source_rows(records, source), source)

    def _collect(self) -> None:
        """Receive the child's verdicts once (nothing if it failed: the caller validates inline)."""
        if self._receiver is None:
            return
        try:
            received = self._receiver.recv()
        except EOFError:
            received = None
        self._receiver.close()
        self._receiver = None
        if isinstance(received, dict):
            self._verdicts.update(received)
        self._stop_child()

    def _stop_child(self) -> None:
        if self._child is not None:
            self._child.join(timeout=5)
            if self._child.is_alive():
                self._child.terminate()
                self._child.join()
            self._child = None

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """A run that ends before its checks (a failed step) leaves no child behind."""
        if self._receiver is not None:
            self._receiver.close()
            self._receiver = None
        if self._child is not None and self._child.is_alive():
            self._child.terminate()
        self._stop_child()
