"""Linkage quality on generated rosters: P/R/F1, candidate recall, stage times, error breakdown.

    python -m bench.linkage_quality --persons 20000 --seed 1
    python -m bench.linkage_quality --persons 600000 --seed 1 --no-breakdown
    python -m bench.linkage_quality --persons 20000 --seed 4242 --world heldout   # or --heldout
    python -m bench.linkage_quality --persons 20000 --seed 7 --no-breakdown --json out.json

Besides the pair P/R/F1 it prints recall/precision/F1 by source pair (station-police, ...), by
name kind (Tibetan components, short/abbreviated, Han, unknown) and by id presence (both,
one, none), returns F1 and poverty-list F1 (linkage.roster.evaluate), and the number of
predicted persons holding two different valid ids; ``--json PATH`` writes these figures.

Generated input folders (contract files + truth with noise labels) are cached under
bench/work/ (gitignored) and reused. The run goes ingest -> quarantine -> normalize ->
``linkage.engine.link.link`` exactly as the pipeline does. Only synthetic data; the breakdown
prints level patterns and noise kinds, never names, ids or dates.
"""
from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from linkage.engine.levels import comparison_levels
from linkage.engine.link import link
from linkage.engine.evaluate import pairwise_scores
from linkage.engine.fs import score
from linkage.engine.fs.training import candidate_groups
from linkage.roster.evaluate import poverty_list_scores, return_scores
from linkage.roster.normalize import normalize_records
from linkage.roster.settings import roster_settings
from pipelines.run import read_raw
from quality.quarantine import split_quarantine
from synthetic.params import WORLDS, world_params

WORK_DIR = Path(__file__).resolve().parent / "work"
NOISE_FIELDS = ("name", "sex", "id_number", "birth_date", "home_address", "county")
MAX_CLUSTER_FOR_PAIRS = 400
def cached_input(persons: int, seed: int, world: str, work_dir: Path) -> Path:
    """Folder <world>_<persons>_<seed> with input/ and truth.parquet (truth + noise labels), generated once."""
    from synthetic.generator import generate
    from synthetic.writer import write_contract_folder

    folder = work_dir / f"{world}_{persons}_{seed}"
    if (folder / "truth.parquet").exists():
        return folder
    params = world_params(world)
    data = generate(persons, seed, params)
    write_contract_folder(data, folder / "input", seed, params.writer)
    noise = data.noise.drop(columns=["source", "record_id"]).add_prefix("noise_")
    truth = pd.concat([data.truth.reset_index(drop=True), noise.reset_index(drop=True)], axis=1)
    truth.astype({c: str for c in ("record_id",)}).to_parquet(folder / "truth.parquet")
    return folder


def true_labels(records: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Truth row (person_key and noise labels) of each accepted record, in record order."""
    accepted = truth[~truth["expect_quarantine"].astype(bool)].copy()
    accepted["record_id"] = accepted["record_id"].astype(str).str.strip()
    keys = records[["source", "record_id"]].reset_index(drop=True)
    labelled = keys.merge(accepted, on=["source", "record_id"], how="left", validate="one_to_one")
    if labelled["person_key"].isna().any():
        raise SystemExit(f"{int(labelled['person_key'].isna().sum())} records have no truth row")
    return labelled


def group_pairs(labels: np.ndarray, max_size: int) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (lo < hi) of records sharing a label, groups larger than max_size skipped."""
    codes = pd.factorize(pd.Series(labels))[0]
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    sizes = np.diff(np.r_[starts, codes.size])
    lefts, rights = [], []
    for size in np.unique(sizes):
        if size < 2 or size > max_size:
            continue
        group_starts = starts[sizes == size]
        a, b = np.triu_indices(size, k=1)
        lefts.append(order[(group_starts[:, None] + a[None, :]).ravel()])
        rights.append(order[(group_starts[:, None] + b[None, :]).ravel()])
    if not lefts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    left, right = np.concatenate(lefts), np.concatenate(rights)
    return np.minimum(left, right), np.maximum(left, right)


def record_kinds(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per record: its source, its name kind and whether it carries an id number."""
    form = df["name_form"].to_numpy(dtype=object)
    short = df["name_short"].to_numpy(dtype=bool)
    kind = np.full(len(df), "unparsed", dtype=object)
    kind[form == "components"] = "tibetan"
    kind[(form == "components") & short] = "short/abbr"
    kind[form == "surname_given"] = "han"
    kind[pd.isna(form)] = "unknown"
    has_id = df["id18_code"].to_numpy(dtype=np.int64) >= 0
    return {"source": df["source"].to_numpy(dtype=object), "name": kind,
            "id": np.where(has_id, "id", "no id").astype(object)}


NAME_KIND_ORDER = ("unknown", "unparsed", "short/abbr", "han", "tibetan")


def pair_groups(kinds: dict[str, np.ndarray], left: np.ndarray, right: np.ndarray) -> dict[str, np.ndarray]:
    """Group label of each pair: source pair (sorted), name kind (the weaker side's), id presence."""
    a, b = kinds["source"][left], kinds["source"][right]
    source = np.where(a <= b, a + "-" + b, b + "-" + a)
    rank = {k: i for i, k in enumerate(NAME_KIND_ORDER)}
    to_rank = np.vectorize(rank.get, otypes=[np.int64])
    na, nb = kinds["name"][left], kinds["name"][right]
    name = np.where(to_rank(na) <= to_rank(nb), na, nb) if left.size else na
    ids = (kinds["id"][left] == "id").astype(int) + (kinds["id"][right] == "id").astype(int)
    id_label = np.array(["ids: none", "ids: one side", "ids: both"], dtype=object)[ids]
    return {"source_pair": source, "name_kind": name, "id_presence": id_label}


def grouped_scores(kinds: dict[str, np.ndarray], true_left, true_right, found_true: np.ndarray,
                   pred_left, pred_right, correct_pred: np.ndarray) -> dict[str, dict[str, dict]]:
    """Recall over the true pairs and precision over the predicted pairs (clusters of at most
    MAX_CLUSTER_FOR_PAIRS records) per group of each grouping."""
    true_groups = pair_groups(kinds, true_left, true_right)
    pred_groups = pair_groups(kinds, pred_left, pred_right)
    out: dict[str, dict[str, dict]] = {}
    for grouping in true_groups:
        t = pd.DataFrame({"g": true_groups[grouping], "hit": found_true})
        p = pd.DataFrame({"g": pred_groups[grouping], "hit": correct_pred})
        t_agg = t.groupby("g")["hit"].agg(["size", "sum"])
        p_agg = p.groupby("g")["hit"].agg(["size", "sum"])
        table = {}
        for g in sorted(set(t_agg.index) | set(p_agg.index)):
            n_true = int(t_agg["size"].get(g, 0))
            recall = float(t_agg["sum"].get(g, 0) / n_true) if n_true else 1.0
            n_pred = int(p_agg["size"].get(g, 0))
            precision = float(p_agg["sum"].get(g, 0) / n_pred) if n_pred else 1.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            table[str(g)] = {"true_pairs": n_true, "predicted_pairs": n_pred, "precision": precision,
                             "recall": recall, "f1": f1}
        out[grouping] = table
    return out


def persons_with_two_ids(df: pd.DataFrame, labels: np.ndarray) -> int:
    """Predicted persons holding two or more different valid id numbers."""
    valid = df["id_valid"].to_numpy(dtype=bool)
    frame = pd.DataFrame({"p": labels[valid], "id": df["id18_code"].to_numpy(dtype=np.int64)[valid]})
    return int((frame.groupby("p")["id"].nunique() > 1).sum())


def pattern_text(levels: np.ndarray, names: list[str]) -> list[str]:
    return [" ".join(f"{n[:4]}{'.' if v < 0 else v}" for n, v in zip(names, row)) for row in levels]


def noise_tokens(labelled: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> Counter:
    """How many pairs carry each field:noise kind on either side."""
    counter: Counter = Counter()
    for field in NOISE_FIELDS:
        values = labelled[f"noise_{field}"].to_numpy(dtype=object)
        kinds = pd.Series([f"{a}|{b}" for a, b in zip(values[left], values[right])])
        for combined, count in kinds.value_counts().items():
            for kind in {k for k in combined.split("|") if k not in ("None", "")}:
                counter[f"{field}:{kind}"] += int(count)
    return counter


def breakdown(title: str, df: pd.DataFrame, result, settings, labelled: pd.DataFrame,
              left: np.ndarray, right: np.ndarray, all_left: np.ndarray, all_right: np.ndarray,
              candidate_codes: np.ndarray, top: int) -> None:
    """Error pairs by level pattern (with their probability) and by noise kind."""
    n = len(df)
    names = [c.name for c in settings.comparisons]
    if left.size == 0:
        print(f"\n{title}: none")
        return
    levels = comparison_levels(df, left, right, settings.comparisons)
    _, probability = score(result.model, df, left, right, levels,
                           candidate_groups(df, left, right, settings))
    codes = left * n + right
    is_candidate = np.isin(codes, candidate_codes)
    print(f"\n{title}: {left.size} pairs, {int(is_candidate.sum())} candidates, "
          f"{int((probability >= settings.match_threshold).sum())} scored >= threshold")
    frame = pd.DataFrame({"pattern": pattern_text(levels, names), "candidate": is_candidate,
                          "probability": probability})
    table = frame.groupby("pattern").agg(pairs=("candidate", "size"), candidates=("candidate", "sum"),
                                         median_p=("probability", "median"))
    print(table.sort_values("pairs", ascending=False).head(top).to_string())
    errors, everyone = noise_tokens(labelled, left, right), noise_tokens(labelled, all_left, all_right)
    rows = sorted(errors.items(), key=lambda kv: -kv[1])[:top]
    print("noise kind (either side): error pairs / pairs of the kind")
    for token, count in rows:
        print(f"  {token:<28} {count:>7} / {everyone.get(token, 0):>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    world_choice = parser.add_mutually_exclusive_group()
    world_choice.add_argument("--world", choices=WORLDS, default="train")
    world_choice.add_argument("--heldout", action="store_true", help="same as --world heldout")
    parser.add_argument("--work-dir", type=Path, default=WORK_DIR)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--no-breakdown", action="store_true")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--json", type=Path, default=None, help="write the figures to this file")
    args = parser.parse_args()
    world = "heldout" if args.heldout else args.world

    times: dict[str, float] = {}
    clock = time.perf_counter()
    folder = cached_input(args.persons, args.seed, world, args.work_dir)
    times["generate_or_cache"] = time.perf_counter() - clock
    clock = time.perf_counter()
    raw, _ = read_raw(folder / "input")
    times["ingest"] = time.perf_counter() - clock
    clock = time.perf_counter()
    records, quarantine = split_quarantine(raw)
    times["quarantine"] = time.perf_counter() - clock
    clock = time.perf_counter()
    df = normalize_records(records)
    times["normalize"] = time.perf_counter() - clock
    settings = roster_settings()
    if args.threshold is not None:
        settings.match_threshold = args.threshold
    clock = time.perf_counter()
    result = link(df, settings)
    times["link"] = time.perf_counter() - clock

    labelled = true_labels(records, pd.read_parquet(folder / "truth.parquet"))
    truth = labelled["person_key"].to_numpy()
    scores = pairwise_scores(result.labels, truth)
    n = len(df)
    true_left, true_right = group_pairs(truth, 10**9)
    candidates = result.stats.candidate_pairs
    # candidate codes are recomputed from the blocking to count true pairs among them
    from linkage.engine.blocking import candidate_pairs
    blocked = candidate_pairs(df, settings.blocking_rules, settings.block_cap,
                              link_only=settings.link_only_column)
    candidate_codes = blocked.left.astype(np.int64) * n + blocked.right.astype(np.int64)
    true_codes = true_left * n + true_right
    in_candidates = np.isin(true_codes, candidate_codes)
    print(f"{world} persons={args.persons} seed={args.seed} "
          f"records={n} quarantined={len(quarantine)} threshold={settings.match_threshold}")
    print(f"pairwise precision={scores['precision']:.4f} recall={scores['recall']:.4f} "
          f"f1={scores['f1']:.4f} (true pairs {scores['true_pairs']}, predicted "
          f"{scores['predicted_pairs']}, both {scores['true_positive_pairs']})")
    print(f"candidate pairs={candidates} true pairs among them={int(in_candidates.sum())} "
          f"candidate recall={in_candidates.mean() if in_candidates.size else 1.0:.4f} "
          f"pairs kept={result.stats.pairs_kept} at threshold={result.stats.pairs_at_threshold}")
    print("seconds: " + " ".join(f"{k}={v:.1f}" for k, v in times.items())
          + " | link: " + " ".join(f"{k}={v}" for k, v in result.stats.seconds.items()))
    print(f"lambda={result.model.lambda_:.3g} clustering={result.stats.to_dict()['clustering']}")
    if result.model.group_lambdas is not None and getattr(settings.prior_groups, "__name__", "") == "source_category":
        from schemas.contract import SOURCES
        table, labels = result.model.group_lambdas, ("other",) + tuple(SOURCES)
        print("group priors (log2 odds): " + " ".join(
            f"{labels[a]}-{labels[b]}:{np.log2(table[a, b] / (1 - table[a, b])):+.1f}"
            for a in range(1, table.shape[0]) for b in range(a, table.shape[0])))
    for c in result.model.comparisons:
        print(f"  {c.name:<10} " + " ".join(f"{lvl[:14]}:{w:+.1f}" for lvl, w in zip(c.levels, c.level_weights())))
    pred = result.labels
    returns = return_scores(df, pred, truth)
    poverty = poverty_list_scores(df, pred, truth)
    two_ids = persons_with_two_ids(df, pred)
    print(f"returns precision={returns['precision']:.4f} recall={returns['recall']:.4f} "
          f"f1={returns['f1']:.4f} | poverty-list precision={poverty['precision']:.4f} "
          f"recall={poverty['recall']:.4f} f1={poverty['f1']:.4f} | persons with two valid ids={two_ids}")
    missed = pred[true_left] != pred[true_right]
    pred_left, pred_right = group_pairs(pred, MAX_CLUSTER_FOR_PAIRS)
    wrong = truth[pred_left] != truth[pred_right]
    groups = grouped_scores(record_kinds(df), true_left, true_right, ~missed, pred_left, pred_right, ~wrong)
    for grouping, table in groups.items():
        print(f"by {grouping}:")
        for g, row in table.items():
            print(f"  {g:<18} true={row['true_pairs']:>8} pred={row['predicted_pairs']:>8} "
                  f"P={row['precision']:.4f} R={row['recall']:.4f} F1={row['f1']:.4f}")
    if args.json is not None:
        figures = {"world": world, "persons": args.persons, "seed": args.seed, "records": n,
                   "threshold": settings.match_threshold, "pairs": scores, "returns": returns,
                   "poverty_list": poverty, "persons_with_two_valid_ids": two_ids, "groups": groups,
                   "candidate_recall": float(in_candidates.mean()) if in_candidates.size else 1.0,
                   "lambda": result.model.lambda_, "seconds": {**times, **result.stats.seconds}}
        args.json.write_text(json.dumps(figures, indent=1, default=float))
    if args.no_breakdown:
        return
    breakdown("false negatives", df, result, settings, labelled, true_left[missed], true_right[missed],
              true_left, true_right, candidate_codes, args.top)
    breakdown("false positives", df, result, settings, labelled, pred_left[wrong], pred_right[wrong],
              true_left, true_right, candidate_codes, args.top)
    true_set = np.isin(candidate_codes, true_codes)
    _, candidate_probability = score(result.model, df, blocked.left, blocked.right,
                                     comparison_levels(df, blocked.left, blocked.right, settings.comparisons),
                                     candidate_groups(df, blocked.left, blocked.right, settings))
    bins = [0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 0.95, 0.99, 0.999, 1.0001]
    print("\ncandidate probability: true pairs / false pairs per band")
    true_hist = np.histogram(candidate_probability[true_set], bins)[0]
    false_hist = np.histogram(candidate_probability[~true_set], bins)[0]
    for lo, hi, t, f in zip(bins[:-1], bins[1:], true_hist, false_hist):
        print(f"  [{lo:.3f}, {min(hi, 1):.3f}) {t:>8} {f:>10}")


if __name__ == "__main__":
    main()
