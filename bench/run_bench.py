"""Benchmark: rosterlink's whole pipeline vs a Splink 5 (DuckDB) reference on synthetic rosters.

For each size (input rows; the generator writes about 0.5 rows per simulated person):
generate the contract folder and its truth, run ``rosterlink run`` and the Splink reference
each as a subprocess under ``/usr/bin/time -v`` (wall, CPU, peak RSS), score both clusterings
against the truth with ``linkage.engine.evaluate.pairwise_scores``, print the comparison and append
it to bench/RESULTS.md with the exact command and the machine.

    python -m bench.run_bench --sizes 10k,100k [--skip-splink] [--world train|heldout|reference] [--engine pandas|spark]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from linkage.engine.evaluate import pairwise_scores

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "RESULTS.md"
ROWS_PER_PERSON = 0.5
SEED = 20260101
TIME = "/usr/bin/time"


@dataclass
class Measured:
    """What /usr/bin/time -v reported for one subprocess."""

    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    extra: dict = field(default_factory=dict)


def parse_size(text: str) -> int:
    """'10k' -> 10000, '1M' -> 1000000, '2500' -> 2500."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]?)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * scale)


def _wall_seconds(text: str) -> float:
    parts = [float(p) for p in text.split(":")]
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds


TIME_FIELDS = {
    "user": "User time (seconds)",
    "system": "System time (seconds)",
    "wall": "Elapsed (wall clock) time (h:mm:ss or m:ss)",
    "rss_kb": "Maximum resident set size (kbytes)",
}


def timed(command: list[str], log: Path) -> Measured:
    """Run command under /usr/bin/time -v; stdout+stderr to log; raise on failure."""
    with log.open("w") as out:
        completed = subprocess.run([TIME, "-v", *command], stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    if completed.returncode != 0:
        raise RuntimeError(f"command failed ({completed.returncode}), see {log}")
    found: dict[str, str] = {}
    for line in log.read_text(errors="replace").splitlines():
        stripped = line.strip()
        for key, label in TIME_FIELDS.items():
            if stripped.startswith(label + ":"):
                found[key] = stripped[len(label) + 1:].strip()
    return Measured(wall_seconds=_wall_seconds(found["wall"]),
                    cpu_seconds=float(found["user"]) + float(found["system"]),
                    peak_rss_mb=int(found["rss_kb"]) / 1024)


def generate(persons: int, folder: Path, world: str) -> tuple[Path, Path]:
    """Contract folder and truth.csv for `persons` simulated persons."""
    input_dir, truth = folder / "input", folder / "truth.csv"
    if not truth.exists():
        command = [sys.executable, "-m", "synthetic", "--out", str(input_dir), "--persons", str(persons),
                   "--seed", str(SEED), "--truth", str(truth), "--world", world]
        subprocess.run(command, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    return input_dir, truth


def true_labels(truth_csv: Path) -> pd.DataFrame:
    """(source, record_id, person_key) of the rows that should be linked (not quarantined)."""
    truth = pd.read_csv(truth_csv, dtype=str, keep_default_na=False)
    kept = truth[truth["expect_quarantine"].str.lower() != "true"]
    return kept.drop_duplicates(["source", "record_id"])[["source", "record_id", "person_key"]]


def score_against_truth(predicted: pd.DataFrame, label_column: str, truth: pd.DataFrame) -> dict:
    """Pairwise precision/recall/F1 over the records present in both (and how many are)."""
    joined = truth.merge(predicted[["source", "record_id", label_column]], on=["source", "record_id"], how="inner")
    scores = pairwise_scores(joined[label_column].astype(str).to_numpy(), joined["person_key"].to_numpy())
    scores["records_scored"] = len(joined)
    scores["truth_records"] = len(truth)
    return scores


ASSET_STEPS = ("raw_rosters", "quarantine_split", "normalized_records", "linkage_result", "record_links",
               "match_pairs", "review_queue", "returns", "poverty_matches", "persons")
"""The steps whose seconds a run reports (run_summary and report finish after run_summary.json's timings)."""


def run_rosterlink(input_dir: Path, output_dir: Path, engine: str, log: Path) -> tuple[Measured, list[str]]:
    command = [str(Path(sys.executable).with_name("rosterlink")), "run", "--input", str(input_dir),
               "--output", str(output_dir), "--engine", engine]
    measured = timed(command, log)
    summary = json.loads((output_dir / "run_summary.json").read_text())
    measured.extra["pairs_scored"] = sum(int(rule.get("new_pairs", 0)) for rule in summary.get("blocking", {}).values())
    measured.extra["persons"] = summary.get("persons")
    steps = summary.get("timings_seconds", {})
    measured.extra["seconds"] = {step: steps[step] for step in ASSET_STEPS if step in steps}
    measured.extra["seconds"]["asset_checks"] = round(sum(s for step, s in steps.items() if step not in ASSET_STEPS), 3)
    return measured, command


def run_splink(input_dir: Path, out: Path, log: Path) -> tuple[Measured, list[str]]:
    command = [sys.executable, "-m", "bench.splink_reference", "--input", str(input_dir), "--out", str(out)]
    measured = timed(command, log)
    info = json.loads(out.with_suffix(".json").read_text())
    measured.extra.update(pairs_scored=info["pairs_scored"], seconds=info["seconds"])
    return measured, command


def machine() -> str:
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                     if line.startswith("MemTotal"))
    return (f"{platform.platform()}, nproc {os.cpu_count()}, memory {memory_kb / 1024 / 1024:.1f} GiB, "
            f"Python {platform.python_version()}")


def code_version() -> str:
    """The commit benchmarked, marked dirty when tracked files other than RESULTS.md differ from it."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                            f":!{RESULTS.relative_to(REPO)}"], capture_output=True, text=True, cwd=REPO).stdout.strip()
    return f"{commit}{' (uncommitted changes in the tree)' if dirty else ''}"


def bench_size(rows: int, work: Path, args: argparse.Namespace) -> dict:
    persons = int(round(rows / ROWS_PER_PERSON))
    folder = work / f"{args.world}_{rows}"
    input_dir, truth_csv = generate(persons, folder, args.world)
    truth = true_labels(truth_csv)
    result: dict = {"rows_target": rows, "persons": persons, "truth_records": len(truth)}

    ours, our_command = run_rosterlink(input_dir, folder / f"output_{args.engine}", args.engine,
                                       folder / f"rosterlink_{args.engine}.log")
    links = pd.read_parquet(folder / f"output_{args.engine}" / "record_links.parquet")
    result["rosterlink"] = {**vars(ours), "command": shlex.join(our_command),
                            "scores": score_against_truth(links, "person_id", truth)}
    if not args.skip_splink:
        theirs, their_command = run_splink(input_dir, folder / "splink_clusters.parquet", folder / "splink.log")
        clusters = pd.read_parquet(folder / "splink_clusters.parquet")
        result["splink"] = {**vars(theirs), "command": shlex.join(their_command),
                            "scores": score_against_truth(clusters, "cluster_id", truth)}
    return result


def _line(name: str, run: dict) -> str:
    s = run["scores"]
    return (f"| {name} | {run['wall_seconds']:.1f} | {run['cpu_seconds']:.1f} | {run['peak_rss_mb']:.0f} | "
            f"{run['extra'].get('pairs_scored', '')} | {s['precision']:.4f} | {s['recall']:.4f} | {s['f1']:.4f} |")


def markdown(results: list[dict], command: str, args: argparse.Namespace) -> str:
    lines = [f"## {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
             f"{args.world} generator world, engine {args.engine}",
             "", f"Command: `{command}`", "", f"Machine: {machine()}", "", f"Code: {code_version()}", ""]
    for result in results:
        lines += [f"### {result['rows_target']:,} rows target ({result['persons']:,} persons, "
                  f"{result['truth_records']:,} records to link)", "",
                  "| pipeline | wall s | CPU s | peak RSS MB | pairs scored | precision | recall | pairwise F1 |",
                  "|---|---|---|---|---|---|---|---|",
                  _line(f"rosterlink run --engine {args.engine} (whole pipeline)", result["rosterlink"])]
        if "splink" in result:
            lines.append(_line("Splink 5 DuckDB (project ingest+normalize, train, predict, cluster 0.5)",
                               result["splink"]))
            ratio = result["splink"]["wall_seconds"] / max(result["rosterlink"]["wall_seconds"], 1e-9)
            lines += ["", f"Wall time Splink / rosterlink: {ratio:.2f}. Splink stage seconds: "
                      f"{result['splink']['extra'].get('seconds')}"]
        lines += ["", f"rosterlink step seconds (run_summary.json): {result['rosterlink']['extra'].get('seconds')}"]
        lines.append("")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated row counts: 10k,100k,300k,1M")
    parser.add_argument("--skip-splink", action="store_true")
    parser.add_argument("--world", choices=("train", "heldout", "reference"), default="train",
                        help="generator world (synthetic.params.WORLDS)")
    parser.add_argument("--engine", choices=("pandas", "spark"), default="pandas")
    parser.add_argument("--work", type=Path, default=Path("/tmp/rosterlink-bench"), help="data and outputs (not committed)")
    parser.add_argument("--no-append", action="store_true", help="print only, leave RESULTS.md alone")
    args = parser.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    command = shlex.join(["python", "-m", "bench.run_bench", *(argv if argv is not None else sys.argv[1:])])

    results = []
    for rows in sizes:
        result = bench_size(rows, args.work, args)
        results.append(result)
        ours = result["rosterlink"]
        print(f"{rows} rows: rosterlink {ours['wall_seconds']:.1f}s F1 {ours['scores']['f1']:.4f}", end="")
        if "splink" in result:
            theirs = result["splink"]
            print(f"; splink {theirs['wall_seconds']:.1f}s F1 {theirs['scores']['f1']:.4f}; "
                  f"time ratio splink/rosterlink {theirs['wall_seconds'] / ours['wall_seconds']:.2f}", end="")
        print(flush=True)
    text = markdown(results, command, args)
    print(text)
    if not args.no_append:
        with RESULTS.open("a") as out:
            out.write(text)


if __name__ == "__main__":
    main()
