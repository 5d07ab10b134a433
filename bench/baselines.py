"""Rule baselines of issues 3 and 4 on generated rosters: no linkage engine involved.

    python -m bench.baselines --persons 20000 --seed 5 --world reference
    python -m bench.baselines --persons 600000 --seed 5 --world reference   # ~300k rows

The rosters go through the pipeline's own ingest -> quarantine -> normalize (from a folder
cached under bench/work/ by ``bench.linkage_quality.cached_input``), then every accepted row
gets a baseline person label and is scored against the generator's truth:

- **same valid id number**: two rows are one person when their id numbers normalize
  (``linkage.roster.normalize``: full-width digits, spaces, lowercase x cleaned; a legacy 15-digit
  number widened to 18 digits) to the same 18-character number whose status is ``valid``
  (check digit right, embedded date a real date). Rows without such a number are persons of
  their own.
- **same written name and birth year**: two rows are one person when the name *as written*
  (the raw cell with white space trimmed at both ends, nothing else changed: no separator,
  full-width or transliteration clean-up) is the same and not blank / 不详 / 无名氏, and their
  birth year is the same. The birth year is ``birth_lo`` of ``linkage.roster.birth.effective_birth``:
  the year of the written birth date (any precision, a year alone included); else, for a row
  with an age only, event year - age - 1; else the year embedded in a usable id number. Rows
  without a name or a birth year are persons of their own.

Pairwise precision / recall / F1 (``linkage.engine.evaluate.pairwise_scores``) count the record pairs
put together. The outcome baselines of issue 4 apply the same-id labels to the case outcomes:
``return_scores`` ("this escort was followed by a return", over escort rows) and
``poverty_list_scores`` ("this person met in the city is on the poverty list", over station
and police rows), exactly as ``rosterlink benchmark demo`` scores a run. Prints counts and
scores only, never a name, id or date.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from bench.linkage_quality import WORK_DIR, WORLDS, cached_input, true_labels
from linkage.engine.evaluate import pairwise_scores
from linkage.roster.evaluate import poverty_list_scores, return_scores
from linkage.roster.normalize import normalize_records
from pipelines.run import read_raw
from quality.quarantine import split_quarantine
from schemas.contract import UNKNOWN_NAME_MARKERS


def keyed_labels(keys: np.ndarray, has_key: np.ndarray) -> np.ndarray:
    """One label per row: its key where it has one, else a label of its own (the row number)."""
    labels = np.array([f"r{i}" for i in range(len(keys))], dtype=object)
    labels[has_key] = ["k" + str(k) for k in keys[has_key]]
    return labels


def same_id_labels(normalized: pd.DataFrame) -> np.ndarray:
    """Rows sharing a valid normalized 18-character id number share a label."""
    ids = normalized["id18"].to_numpy(dtype=object)
    valid = (normalized["id_status"].to_numpy(dtype=object) == "valid") & pd.notna(ids)
    return keyed_labels(ids, valid)


def name_birth_labels(records: pd.DataFrame, normalized: pd.DataFrame) -> np.ndarray:
    """Rows sharing the trimmed written name (not blank or unknown) and the birth year share a label."""
    written = records["name"].fillna("").astype(str).str.strip().to_numpy(dtype=object)
    year = normalized["birth_lo"].to_numpy(dtype=np.int64)
    known = (written != "") & ~np.isin(written, UNKNOWN_NAME_MARKERS) & (year >= 0)
    keys = np.array([f"{name}|{y}" for name, y in zip(written, year)], dtype=object)
    return keyed_labels(keys, known)


def baseline_scores(folder: Path) -> dict[str, dict]:
    """Pairwise scores of both rules and the outcome scores of the same-id rule on a cached folder."""
    raw, _ = read_raw(folder / "input")
    records, quarantine = split_quarantine(raw)
    normalized = normalize_records(records)
    truth = true_labels(records, pd.read_parquet(folder / "truth.parquet"))["person_key"].to_numpy()
    by_id = same_id_labels(normalized)
    by_name_birth = name_birth_labels(records, normalized)
    return {
        "rows": {"records": len(normalized), "quarantined": len(quarantine),
                 "persons": int(pd.Series(truth).nunique())},
        "same_id": pairwise_scores(by_id, truth),
        "name_birth": pairwise_scores(by_name_birth, truth),
        "returns_same_id": return_scores(normalized, by_id, truth),
        "poverty_same_id": poverty_list_scores(normalized, by_id, truth),
    }


def report_lines(scores: dict[str, dict]) -> list[str]:
    """The baselines in the issues' terms (F1 first, then precision, recall and counts)."""
    rows = scores["rows"]
    lines = [f"records={rows['records']} quarantined={rows['quarantined']} true persons={rows['persons']}"]
    for key, title in (("same_id", "same valid id number"), ("name_birth", "same written name and birth year")):
        s = scores[key]
        lines.append(f"{title:<34} f1={s['f1']:.3f} precision={s['precision']:.3f} recall={s['recall']:.3f} "
                     f"(true pairs {s['true_pairs']}, predicted {s['predicted_pairs']}, "
                     f"both {s['true_positive_pairs']})")
    r, p = scores["returns_same_id"], scores["poverty_same_id"]
    lines.append(f"{'returns, same-id rule':<34} f1={r['f1']:.3f} precision={r['precision']:.3f} "
                 f"recall={r['recall']:.3f} (escorts {r['n_escorts']}, followed {r['n_true']}, "
                 f"predicted {r['n_pred']})")
    lines.append(f"{'poverty list, same-id rule':<34} f1={p['f1']:.3f} precision={p['precision']:.3f} "
                 f"recall={p['recall']:.3f} (city records {p['n_city_records']}, on the list {p['n_true']}, "
                 f"predicted {p['n_pred']})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--world", choices=WORLDS, default="train")
    parser.add_argument("--work-dir", type=Path, default=WORK_DIR)
    args = parser.parse_args()
    folder = cached_input(args.persons, args.seed, args.world, args.work_dir)
    print(f"world={args.world} persons={args.persons} seed={args.seed}")
    print("\n".join(report_lines(baseline_scores(folder))))


if __name__ == "__main__":
    main()
