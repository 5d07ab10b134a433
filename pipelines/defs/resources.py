"""Dagster resources: the input folder, the output folder, the linkage options, the Spark session,
the quality suites."""
from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipelines.config import RunConfig
from pipelines.defs.quality_suites import QualitySuites
from pipelines.spark.resource import SparkSessionResource


class InputFolder(dg.ConfigurableResource):
    """The contract's input folder (station/, police/, village/, poverty/)."""

    path: str

    @property
    def root(self) -> Path:
        return Path(self.path)


class OutputFolder(dg.ConfigurableResource):
    """The folder the contract's output files are written to (created on first use)."""

    path: str

    @property
    def root(self) -> Path:
        root = Path(self.path)
        root.mkdir(parents=True, exist_ok=True)
        return root


class LinkageOptions(dg.ConfigurableResource):
    """Engine choice and optional overrides of the roster settings' thresholds."""

    engine: str = "pandas"
    match_threshold: float | None = None
    review_floor: float | None = None


def resources_for(config: RunConfig, in_process: bool = False) -> dict[str, dg.ConfigurableResource]:
    """The resource set of a run with this configuration (the Spark session starts only if used).

    `in_process`: every step runs in this one process (the CLI's run), so the quality suites can
    run in a background process started by an early step and be collected by the checks."""
    return {
        "quality_suites": QualitySuites(background=in_process),
        "spark": SparkSessionResource(conf={"spark.ui.showConsoleProgress": "false"}),
        "input_folder": InputFolder(path=str(config.input_dir)),
        "output_folder": OutputFolder(path=str(config.output_dir)),
        "linkage_options": LinkageOptions(
            engine=config.engine,
            match_threshold=config.match_threshold,
            review_floor=config.review_floor,
        ),
    }
