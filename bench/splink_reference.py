"""Splink 5 (DuckDB) reference linkage of a contract input folder, on the project's domain keys.

Reads the folder with the project's ingest, quarantine and normalization (so Splink sees the
same canonical Tibetan names, abbreviation keys, pinyin, current county codes and 18-digit id
numbers as rosterlink), then trains (u by random sampling, m by EM), predicts and clusters at
0.5 with Splink, and writes (source, record_id, cluster_id) plus a JSON of counts and timings.

    python -m bench.splink_reference --input DIR --out clusters.parquet
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from linkage.engine.timing import StageTimer
from pipelines.run import read_raw
from pipelines.local.parallel import normalize_records_parallel
from quality.quarantine import split_quarantine

CLUSTER_THRESHOLD = 0.5
SEED = 42


def read_normalized(input_dir: Path) -> pd.DataFrame:
    """The accepted records of the folder, normalized (what rosterlink links), with rosterlink's
    own ingest and normalization on every core (files in a process pool, rows in two processes)."""
    records, _ = split_quarantine(read_raw(input_dir)[0])
    return normalize_records_parallel(records)


def splink_input(normalized: pd.DataFrame) -> pd.DataFrame:
    """One row per record with the columns the Splink model compares (text, None = missing)."""
    birth = normalized["birth_date"].where(normalized["birth_date"].notna(), normalized["id_birth_date"])
    county = normalized["county_code"].where(normalized["county_code"].notna(), normalized["id_county"])
    village = (county.fillna("") + "|" + normalized["village_name"]).where(normalized["village_name"].notna())
    frame = pd.DataFrame({
        "unique_id": normalized["source"] + ":" + normalized["record_id"],
        "name_canon": normalized["name_canon"],
        "name_abbr": normalized["name_abbr"],
        "name_pinyin": normalized["name_pinyin"],
        "id18": normalized["id18"],
        "birth_date": birth.dt.strftime("%Y-%m-%d"),
        "birth_year": normalized["birth_year_lo"].astype("Int64").astype("string"),
        "sex": normalized["sex"],
        "county": county,
        "township": normalized["township_code"],
        "village": village,
        "household_id": normalized["household_id"],
    })
    return frame.astype(object).where(frame.notna(), None)


def splink_settings():
    """Comparisons and blocking on the domain keys: the best configuration found for this data."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    name = cl.CustomComparison(
        comparison_levels=[
            cll.NullLevel("name_canon"),
            cll.ExactMatchLevel("name_canon", term_frequency_adjustments=True),
            cll.ExactMatchLevel("name_pinyin"),
            cll.CustomLevel("(name_abbr_l = name_abbr_r) OR (length(name_canon_l) = 2 AND name_canon_l = name_abbr_r)"
                            " OR (length(name_canon_r) = 2 AND name_canon_r = name_abbr_l)", "abbreviation"),
            cll.LevenshteinLevel("name_canon", 1),
            cll.ElseLevel(),
        ],
        output_column_name="name",
    )
    id_number = cl.CustomComparison(
        comparison_levels=[
            cll.NullLevel("id18"),
            cll.ExactMatchLevel("id18"),
            cll.DamerauLevenshteinLevel("id18", 1),
            cll.LevenshteinLevel("id18", 2),
            cll.ElseLevel(),
        ],
        output_column_name="id_number",
    )
    birth = cl.CustomComparison(
        comparison_levels=[
            cll.NullLevel("birth_year"),
            cll.ExactMatchLevel("birth_date"),
            cll.ExactMatchLevel("birth_year"),
            cll.CustomLevel("abs(try_cast(birth_year_l AS INTEGER) - try_cast(birth_year_r AS INTEGER)) <= 2",
                            "within 2 years"),
            cll.ElseLevel(),
        ],
        output_column_name="birth",
    )
    # household, village, township and county are nested and strongly correlated: one
    # hierarchical comparison instead of four (Fellegi-Sunter assumes independence)
    place = cl.CustomComparison(
        comparison_levels=[
            cll.NullLevel("county"),
            cll.ExactMatchLevel("household_id"),
            cll.ExactMatchLevel("village"),
            cll.ExactMatchLevel("township"),
            cll.ExactMatchLevel("county"),
            cll.ElseLevel(),
        ],
        output_column_name="place",
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            name, id_number, birth,
            cl.ExactMatch("sex"),
            place,
        ],
        blocking_rules_to_generate_predictions=[
            block_on("id18"),
            block_on("name_canon", "birth_year"),
            block_on("name_abbr", "birth_year"),
            block_on("name_pinyin", "county"),
            block_on("household_id"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def run_splink(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Train, predict, cluster at 0.5: (unique_id, cluster_id) and counts/timings."""
    from splink import DuckDBAPI, Linker, block_on

    timer = StageTimer()
    lap, timings = timer.lap, timer.seconds

    db_api = DuckDBAPI()
    table = db_api.register(frame, table_name="records")
    linker = Linker(table, splink_settings(), log_level="WARNING")
    linker.training.estimate_probability_two_random_records_match([block_on("id18")], recall=0.6)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=SEED)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("id18"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name_canon", "birth_year"))
    lap("train")
    predictions = linker.inference.predict()
    pairs_scored = int(predictions.as_duckdbpyrelation().count("*").fetchall()[0][0])
    lap("predict")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, CLUSTER_THRESHOLD)
    labels = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
    lap("cluster")
    return labels, {"pairs_scored": pairs_scored, "seconds": timings}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.splink_reference", description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, required=True, help="contract input folder")
    parser.add_argument("--out", type=Path, required=True, help="clusters Parquet (source, record_id, cluster_id)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    normalized = read_normalized(args.input)
    read_seconds = time.perf_counter() - started
    labels, info = run_splink(splink_input(normalized))
    keys = labels["unique_id"].str.split(":", n=1, expand=True)
    out = pd.DataFrame({"source": keys[0], "record_id": keys[1], "cluster_id": labels["cluster_id"].astype(str)})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out.to_parquet(args.out, index=False)
    info["seconds"] = {"read_normalize": round(read_seconds, 3), **info["seconds"]}
    info["records"] = len(out)
    args.out.with_suffix(".json").write_text(json.dumps(info, indent=2))
    print(json.dumps(info))


if __name__ == "__main__":
    main()
