"""The Dagster code location `rosterlink`: assets, checks, resources, the job and its schedule."""
from __future__ import annotations

import dagster as dg

from pipelines.config import RunConfig, config_from_env
from pipelines.defs import ingest, linkage, outcomes, quality, reporting
from pipelines.defs.resources import resources_for

DEFS_MODULES = (ingest, quality, linkage, outcomes, reporting)
"""The modules holding the assets and their checks, in the order of the pipeline."""

JOB_NAME = "rosterlink_job"

rosterlink_job = dg.define_asset_job(
    JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Read the rosters, link them into persons, find returns and poverty matches, write the outputs.",
)

daily_schedule = dg.ScheduleDefinition(
    name="rosterlink_daily",
    job=rosterlink_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)


def build_definitions(config: RunConfig, io_manager: dg.IOManagerDefinition | None = None,
                      in_process: bool = False) -> dg.Definitions:
    """The code location for one run configuration.

    `io_manager` overrides where intermediate values live; `in_process` says every step of the
    run executes in this process (the CLI's run), so resources may share state between steps."""
    resources: dict[str, object] = dict(resources_for(config, in_process=in_process))
    if io_manager is not None:
        resources["io_manager"] = io_manager
    return dg.Definitions(
        assets=dg.load_assets_from_modules(DEFS_MODULES),
        asset_checks=dg.load_asset_checks_from_modules(DEFS_MODULES),
        jobs=[rosterlink_job],
        schedules=[daily_schedule],
        resources=resources,
    )


defs = build_definitions(config_from_env())
