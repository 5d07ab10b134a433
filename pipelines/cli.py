"""`rosterlink`: run the pipeline, a demo, the synthetic generator, pair explanations, benchmarks."""
from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from pipelines.benchmarks.demo import demo_benchmark, write_synthetic_input
from pipelines.config import (DEFAULT_DEMO_DIR, DEFAULT_DEMO_PERSONS, DEFAULT_DEMO_SEED, ENGINES, RunConfig,
                              default_shared_dir)
from pipelines.files.ingest import RosterInputError
from pipelines.files.writers import REPORT_FILE
from pipelines.run import RunError, explain_records, output_counts
from schemas.contract import SOURCES

PROG = "rosterlink"


class CliError(Exception):
    """A failure to report as one line on stderr (the message names no personal data)."""


def print_summary(output_dir: Path) -> None:
    """Counts of the finished run and where its files are (no record values)."""
    counts = output_counts(output_dir)
    print(f"records linked: {counts['record_links']}  persons: {counts['persons']}  "
          f"returns: {counts['returns']}  poverty matches: {counts['poverty_matches']}  "
          f"pairs to review: {counts['review_queue']}  rows quarantined: {counts['quarantine']}")
    print(f"outputs: {output_dir.resolve()}")
    print(f"report: {(output_dir / REPORT_FILE).resolve()}")


def command_run(args: argparse.Namespace) -> int:
    from pipelines.runner import execute  # Dagster is loaded for the commands that run the pipeline only

    try:
        config = RunConfig(input_dir=args.input, output_dir=args.output, engine=args.engine,
                           match_threshold=args.match_threshold, review_floor=args.review_floor)
    except ValueError as error:
        raise CliError(str(error)) from None
    execute(config, args.verbose)
    print_summary(config.output_dir)
    return 0


def command_generate(args: argparse.Namespace) -> int:
    rows, truth = write_synthetic_input(args.out, args.persons, args.seed, _world(args), args.truth)
    print(f"roster rows: {rows}")
    print(f"rosters: {args.out.resolve()}")
    print(f"truth: {truth}")
    return 0


def command_demo(args: argparse.Namespace) -> int:
    from pipelines.runner import execute

    input_dir, output_dir = args.out / "input", args.out / "output"
    print(f"generating demo rosters: {args.persons} simulated persons, seed {args.seed}")
    if input_dir.exists():
        shutil.rmtree(input_dir)  # a fresh input; the output folder keeps its person-id map
    write_synthetic_input(input_dir, args.persons, args.seed)
    print(f"linking the rosters in {input_dir}")
    execute(RunConfig(input_dir=input_dir, output_dir=output_dir, engine=args.engine), args.verbose)
    print_summary(output_dir)
    return 0


def _outcome_line(name: str, scores: dict) -> str:
    """`<name>_f1=F` first, then every other score of the outcome as `<name>_<key>=value`."""
    ordered = {"f1": scores["f1"], **{key: value for key, value in scores.items() if key != "f1"}}
    return " ".join(f"{name}_{key}={value:.4f}" if isinstance(value, float) else f"{name}_{key}={value}"
                    for key, value in ordered.items())


def _record_ref(text: str) -> tuple[str, str]:
    source, sep, record_id = text.partition(":")
    if not sep or not record_id or source not in SOURCES:
        raise CliError(f"expected SOURCE:RECORD_ID with SOURCE one of {', '.join(SOURCES)}")
    return source, record_id


def command_explain(args: argparse.Namespace) -> int:
    refs = [_record_ref(args.left), _record_ref(args.right)]
    table = explain_records(args.output, refs)
    print(f"{'comparison':<12} {'level':>5}  {'label':<40} {'weight':>8}")
    for row in table.itertuples(index=False):
        level = "" if row.level is None or pd.isna(row.level) else str(int(row.level))
        print(f"{row.comparison:<12} {level:>5}  {row.label:<40} {row.weight:>8.3f}")
    print(f"{'total':<12} {'':>5}  {'match weight':<40} {table['weight'].sum():>8.3f}")
    return 0


def command_benchmark(args: argparse.Namespace) -> int:
    if args.name == "demo":
        scores = demo_benchmark(args.persons, args.seed, _world(args))
        print(f"records={scores['records']} pairwise_precision={scores['precision']:.4f} "
              f"pairwise_recall={scores['recall']:.4f} pairwise_f1={scores['f1']:.4f}")
        print(_outcome_line("returns", scores["returns"]))
        print(_outcome_line("poverty", scores["poverty"]))
    else:
        from pipelines.benchmarks.loaders import run_benchmark

        scores = run_benchmark(args.name, args.shared)
    print(f"precision={scores['precision']:.4f} recall={scores['recall']:.4f} "
          f"f1={scores['f1']:.4f} seconds={scores['seconds']:.1f}")
    return 0


def _probability(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="link the rosters of an input folder into an output folder")
    run.add_argument("--input", required=True, type=Path, help="input folder (station/, police/, village/, poverty/)")
    run.add_argument("--output", required=True, type=Path, help="output folder (created if missing)")
    run.add_argument("--engine", choices=ENGINES, default="pandas")
    run.add_argument("--match-threshold", type=_probability, default=None)
    run.add_argument("--review-floor", type=_probability, default=None)
    run.add_argument("--verbose", action="store_true", help="show Dagster's event log on stderr")

    demo = commands.add_parser("demo", help="generate demo rosters, link them and write a report")
    demo.add_argument("--persons", type=_positive, default=DEFAULT_DEMO_PERSONS)
    demo.add_argument("--seed", type=int, default=DEFAULT_DEMO_SEED)
    demo.add_argument("--out", type=Path, default=DEFAULT_DEMO_DIR, help="demo folder (input/ and output/ inside)")
    demo.add_argument("--engine", choices=ENGINES, default="pandas")
    demo.add_argument("--verbose", action="store_true")

    generate = commands.add_parser("generate", help="write synthetic rosters (a contract input folder) and truth")
    generate.add_argument("--out", type=Path, required=True)
    generate.add_argument("--persons", type=_positive, required=True)
    generate.add_argument("--seed", type=int, required=True)
    _add_world_arguments(generate)
    generate.add_argument("--truth", type=Path, default=None, help="truth CSV path (default: <out>/../truth.csv)")

    explain = commands.add_parser("explain", help="the weight each comparison gives a pair of records")
    explain.add_argument("--output", type=Path, required=True, help="output folder of a finished run")
    explain.add_argument("left", metavar="SOURCE:RECORD_ID")
    explain.add_argument("right", metavar="SOURCE:RECORD_ID")

    benchmark = commands.add_parser("benchmark", help="precision, recall, F1 and seconds on a benchmark")
    benchmark.add_argument("name", choices=("febrl3", "febrl4", "historical50k", "demo"))
    benchmark.add_argument("--shared", type=Path, default=default_shared_dir(),
                           help="folder holding benchmarks/ (default: $ROSTERLINK_SHARED, else shared/ beside the checkout)")
    benchmark.add_argument("--persons", type=_positive, default=DEFAULT_DEMO_PERSONS,
                           help="demo only: simulated persons (rows are about half as many)")
    benchmark.add_argument("--seed", type=int, default=DEFAULT_DEMO_SEED, help="demo only: generator seed")
    _add_world_arguments(benchmark, "demo only: ")
    return parser


def _add_world_arguments(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    from synthetic.params import WORLDS

    worlds = parser.add_mutually_exclusive_group()
    worlds.add_argument("--world", choices=tuple(WORLDS), default="train",
                        help=f"{prefix}generator world (train tunes the engine; heldout and reference only evaluate it)")
    worlds.add_argument("--heldout", action="store_true", help=f"{prefix}same as --world heldout")


def _world(args: argparse.Namespace) -> str:
    return "heldout" if args.heldout else args.world


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {
        "run": command_run, "demo": command_demo, "generate": command_generate,
        "explain": command_explain, "benchmark": command_benchmark,
    }[args.command]
    try:
        return handler(args)
    except (CliError, RunError, RosterInputError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
