"""The one typed configuration of a rosterlink run: folders, engine, threshold overrides, demo sizes."""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from linkage.roster.outcomes.persons import INACTIVE_AFTER_DAYS as DEFAULT_INACTIVE_AFTER_DAYS

Engine = Literal["pandas", "spark"]
ENGINES: tuple[Engine, ...] = ("pandas", "spark")

INPUT_ENV = "ROSTERLINK_INPUT"
OUTPUT_ENV = "ROSTERLINK_OUTPUT"
ENGINE_ENV = "ROSTERLINK_ENGINE"
SKIP_UNREADABLE_ENV = "ROSTERLINK_SKIP_UNREADABLE_FILES"

SHARED_ENV = "ROSTERLINK_SHARED"

DEFAULT_SPARK_MASTER = "local[*]"

DEFAULT_DEMO_DIR = Path("demo_output")
DEFAULT_DEMO_PERSONS = 3000
DEFAULT_DEMO_SEED = 20240501


def default_shared_dir() -> Path:
    """The folder holding benchmarks/ (historical50k): ROSTERLINK_SHARED, else ``shared/`` beside
    the repository checkout (where CI and the developers' machines lay it)."""
    beside_checkout = Path(__file__).resolve().parents[2] / "shared"
    return Path(os.environ.get(SHARED_ENV, str(beside_checkout)))


@dataclass(frozen=True)
class RunConfig:
    """Where a run reads and writes, which engine links, optional threshold overrides, and the
    Spark engine's master and extra Spark conf (used only with the Spark engine)."""

    input_dir: Path
    output_dir: Path
    engine: Engine = "pandas"
    match_threshold: float | None = None
    review_floor: float | None = None
    skip_unreadable_files: bool = False
    """A file that cannot be read at all is skipped and listed in run_summary.json; without it the run fails."""
    inactive_after_days: int = DEFAULT_INACTIVE_AFTER_DAYS
    """A person not seen in the city for more days than this (before the data's last date) is inactive."""
    spark_master: str = DEFAULT_SPARK_MASTER
    spark_conf: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}")
        if self.inactive_after_days < 1:
            raise ValueError("inactive_after_days must be at least 1")
        for name in ("match_threshold", "review_floor"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if (self.match_threshold is not None and self.review_floor is not None
                and self.review_floor > self.match_threshold):
            raise ValueError("review_floor must not exceed match_threshold")
        if not self.spark_master.strip():
            raise ValueError("spark_master must not be empty")


def parse_spark_conf(items: Iterable[str], flag: str = "--spark-conf") -> dict[str, str]:
    """`KEY=VALUE` strings as a dict (a later KEY wins); a one-line ValueError naming `flag` otherwise."""
    conf: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key or any(c.isspace() for c in key):
            raise ValueError(f"{flag} expects KEY=VALUE with a non-empty KEY without spaces, got {item!r}")
        conf[key] = value
    return conf


def config_from_env() -> RunConfig:
    """The configuration `dagster dev` uses: ROSTERLINK_* env vars, else the demo folders in the cwd
    (ROSTERLINK_SKIP_UNREADABLE_FILES=1 skips unreadable files; a run's config may set it too, on
    the input_folder resource)."""
    engine = os.environ.get(ENGINE_ENV, "pandas")
    if engine not in ENGINES:
        raise ValueError(f"{ENGINE_ENV} must be one of {', '.join(ENGINES)}")
    return RunConfig(
        input_dir=Path(os.environ.get(INPUT_ENV, str(DEFAULT_DEMO_DIR / "input"))),
        output_dir=Path(os.environ.get(OUTPUT_ENV, str(DEFAULT_DEMO_DIR / "output"))),
        engine=cast(Engine, engine),
        skip_unreadable_files=os.environ.get(SKIP_UNREADABLE_ENV, "") in ("1", "true", "yes"),
    )
