"""The pseudonymized export: no name, id number, address, birth date or record id leaves; person ids
become pseudonyms of a separate key, consistent across the exported files."""
from __future__ import annotations

import stat

import pandas as pd
import pyarrow.parquet as pq

from pipelines.cli import main
from pipelines.config import RunConfig
from pipelines.files.ingest import discover_files, read_source
from pipelines.runner import run_pipeline
from synthetic.generator import generate
from synthetic.params import GeneratorParams
from synthetic.writer import write_contract_folder


def test_export_pseudonymizes_every_identifier(tmp_path, capfd):
    input_dir, output_dir, export = tmp_path / "input", tmp_path / "output", tmp_path / "export"
    write_contract_folder(generate(150, 9, GeneratorParams()), input_dir, 9)
    assert run_pipeline(RunConfig(input_dir=input_dir, output_dir=output_dir)).success
    assert main(["export", "--output", str(output_dir), "--to", str(export), "--pseudonymize"]) == 0
    raw = pd.concat([read_source(input_dir, s) for s in discover_files(input_dir)], ignore_index=True)
    markers = set()
    for column, shortest in {"name": 2, "id_number": 15, "home_address": 4, "record_id": 3}.items():
        markers |= {v for v in raw[column].dropna().astype(str) if len(v) >= shortest and v not in ("不详", "无名氏")}
    files = sorted(export.iterdir())
    assert [p.name for p in files] == ["persons.parquet", "poverty_matches.parquet", "record_links.parquet",
                                       "returns.parquet"]
    text = b"".join(p.read_bytes() for p in files)
    assert sum(1 for m in markers if m.encode() in text) == 0
    assert stat.S_IMODE(export.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    persons, original = pd.read_parquet(export / "persons.parquet"), pd.read_parquet(output_dir / "persons.parquet")
    assert not {"name", "id_number", "birth_date"} & set(persons.columns)
    assert {"birth_year", "home_county_code"} <= set(persons.columns)
    assert not set(persons["person_id"]) & set(original["person_id"])
    links = pd.read_parquet(export / "record_links.parquet")
    assert "record_id" not in links.columns and set(links["person_id"]) == set(persons["person_id"])
    assert pq.read_metadata(export / "persons.parquet").metadata[b"rosterlink.run_id"]


def test_export_without_pseudonymize_refuses(tmp_path, capfd):
    assert main(["export", "--output", str(tmp_path), "--to", str(tmp_path / "x")]) == 1
    assert "--pseudonymize" in capfd.readouterr().err
