"""The job's IO manager: intermediate values of a Dagster run as Parquet and JSON in the output
folder's private state, never pickled.

Each value lives in OUTPUT/.rosterlink/intermediates/<run_id>/ (0700 folders, 0600 files):
a DataFrame as `<asset>.parquet`, a dict as `<asset>.json`, a LinkageResult as a folder of its
parts (pairs.parquet, labels.parquet, model.json, stats.json), None as nothing. Loading reads
data only, so whoever can write DAGSTER_HOME cannot make a step run code. The next run on the
output folder removes them (pipelines.files.runs.clean_leftovers). Asset metadata carries the
contract file a step wrote (`path`), never the intermediate's location.
"""
from __future__ import annotations

import json
import os
from dataclasses import fields
from pathlib import Path
from typing import Any

import dagster as dg
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from linkage.engine.blocking import RuleStats
from linkage.engine.clustering import ClusterStats
from linkage.engine.fs import FSModel
from linkage.engine.link import LinkageResult, LinkageStats
from pipelines.files.runs import intermediates_dir
from pipelines.files.state import PRIVATE_FILE_MODE, private_dir
from schemas.outputs import OUTPUT_SCHEMAS


def _private(path: Path) -> Path:
    os.chmod(path, PRIVATE_FILE_MODE)
    return path


def _save_frame(frame: pd.DataFrame, path: Path) -> None:
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=True), path)
    _private(path)


def _load_frame(path: Path) -> pd.DataFrame:
    return pq.read_table(path).to_pandas()


def _save_json(payload: Any, path: Path) -> None:
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    _private(path)


def _save_linkage(result: LinkageResult, folder: Path) -> None:
    private_dir(folder)
    _save_frame(result.pairs, folder / "pairs.parquet")
    _save_frame(pd.DataFrame({"label": np.asarray(result.labels)}), folder / "labels.parquet")
    (folder / "model.json").write_text(result.model.to_json(), encoding="utf-8")
    _private(folder / "model.json")
    stats = {f.name: getattr(result.stats, f.name) for f in fields(result.stats)}
    stats["blocking"] = [vars(rule) for rule in result.stats.blocking]
    stats["clustering"] = vars(result.stats.clustering)
    _save_json(stats, folder / "stats.json")


def _load_linkage(folder: Path) -> LinkageResult:
    stats = json.loads((folder / "stats.json").read_text(encoding="utf-8"))
    stats["blocking"] = [RuleStats(**rule) for rule in stats["blocking"]]
    stats["clustering"] = ClusterStats(**stats["clustering"])
    return LinkageResult(
        pairs=_load_frame(folder / "pairs.parquet"),
        model=FSModel.from_json((folder / "model.json").read_text(encoding="utf-8")),
        labels=_load_frame(folder / "labels.parquet")["label"].to_numpy(),
        stats=LinkageStats(**stats),
    )


class PrivateParquetIOManager(dg.ConfigurableIOManager):
    """Intermediate values as Parquet/JSON under the output folder's private state (no pickle)."""

    output_path: str

    def _base(self, context: dg.OutputContext | dg.InputContext) -> Path:
        key = context.asset_key if context.has_asset_key else None
        name = "__".join(key.path) if key is not None else context.get_identifier()[-1]
        return intermediates_dir(Path(self.output_path), context.run_id) / name

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        base = self._base(context)
        if isinstance(obj, pd.DataFrame):
            _save_frame(obj, base.with_suffix(".parquet"))
        elif isinstance(obj, LinkageResult):
            _save_linkage(obj, base)
        elif isinstance(obj, dict):
            _save_json(obj, base.with_suffix(".json"))
        elif obj is not None:
            raise TypeError(f"no private storage for a {type(obj).__name__} output")
        contract_file = f"{base.name}.parquet"
        if contract_file in OUTPUT_SCHEMAS:
            context.add_output_metadata({"path": dg.MetadataValue.path(str(Path(self.output_path) / contract_file))})

    def load_input(self, context: dg.InputContext) -> Any:
        upstream = context.upstream_output
        base = self._base(upstream) if upstream is not None else self._base(context)
        if base.with_suffix(".parquet").exists():
            return _load_frame(base.with_suffix(".parquet"))
        if base.with_suffix(".json").exists():
            return json.loads(base.with_suffix(".json").read_text(encoding="utf-8"))
        if (base / "stats.json").exists():
            return _load_linkage(base)
        return None
