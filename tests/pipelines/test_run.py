"""pipelines.run: the plain pipeline functions, importable without Dagster or the assets."""
import subprocess
import sys
from pathlib import Path

from linkage.roster.settings import roster_settings
from pipelines.config import RunConfig
from pipelines.run import settings_for


def test_importing_run_loads_neither_dagster_nor_the_assets():
    code = ("import sys, pipelines.run; "
            "loaded = [m for m in sys.modules if m.split('.')[0] == 'dagster' or m.startswith('pipelines.defs')]; "
            "assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_settings_for_overrides_only_the_thresholds_given():
    base = roster_settings()
    kept = settings_for(RunConfig(input_dir=Path("in"), output_dir=Path("out")))
    assert (kept.match_threshold, kept.review_floor) == (base.match_threshold, base.review_floor)
    changed = settings_for(RunConfig(input_dir=Path("in"), output_dir=Path("out"), review_floor=0.1))
    assert (changed.match_threshold, changed.review_floor) == (base.match_threshold, 0.1)
