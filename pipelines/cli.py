"""`rosterlink`: run the pipeline, a demo, the synthetic generator, pair explanations, benchmarks."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow.parquet as pq

from pipelines.config import (DEFAULT_DEMO_DIR, DEFAULT_DEMO_PERSONS, DEFAULT_DEMO_SEED, ENGINES, RunConfig,
                              default_shared_dir)
from pipelines.files.ingest import RosterInputError
from pipelines.files.writers import MODEL_FILE, REPORT_FILE, RUN_SUMMARY_FILE
from schemas.contract import SOURCES

TRUTH_FILE = "truth.csv"

PROG = "rosterlink"


class CliError(Exception):
    """A failure to report as one line on stderr (the message names no personal data)."""


@contextmanager
def dagster_environment() -> Iterator[Path]:
    """Telemetry off, a throw-away DAGSTER_HOME when none is set; yields a temp dir for run artifacts.

    The CLI runs on an ephemeral instance whose artifacts live in that temp dir, removed afterwards,
    so a run leaves nothing behind but the output folder.
    """
    os.environ["DAGSTER_DISABLE_TELEMETRY"] = "1"
    with tempfile.TemporaryDirectory(prefix="rosterlink-dagster-") as scratch:
        if os.environ.get("DAGSTER_HOME"):
            yield Path(scratch)
            return
        Path(scratch, "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
        os.environ["DAGSTER_HOME"] = scratch
        try:
            yield Path(scratch)
        finally:
            os.environ.pop("DAGSTER_HOME", None)


def failure_message(result) -> str:
    """One line for a failed run: the user error's own message, else the failing step and error class."""
    for event in result.all_events:
        if not event.is_step_failure:
            continue
        error = event.step_failure_data.error
        cause = error.cause if error is not None and error.cause is not None else error
        if cause is None:
            return f"step {event.step_key} failed"
        if cause.cls_name in ("RosterInputError", "OutputSchemaError"):
            message = cause.message.strip().split(f"{cause.cls_name}: ", 1)[-1]
            return " ".join(message.split())
        return f"step {event.step_key} failed with {cause.cls_name}"
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            return f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()} failed"
    return "run failed"


def run_pipeline(config: RunConfig, verbose: bool = False, instance=None):
    """Materialize every asset and run every check in-process; intermediate values stay in memory.

    Without `instance`, the run uses an ephemeral Dagster instance in a temporary folder.
    """
    from pipelines.definitions import JOB_NAME, build_definitions

    job = build_definitions(config, io_manager=dg.mem_io_manager, in_process=True).resolve_job_def(JOB_NAME)
    log_level = "INFO" if verbose else "CRITICAL"
    with dagster_environment() as scratch, warnings.catch_warnings():
        if not verbose:
            warnings.simplefilter("ignore")
        return job.execute_in_process(
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
            instance=instance or dg.DagsterInstance.ephemeral(tempdir=str(scratch)),
            raise_on_error=False,
        )


def _output_rows(output_dir: Path, file_name: str) -> int:
    return pq.read_metadata(output_dir / file_name).num_rows


def print_summary(output_dir: Path) -> None:
    """Counts of the finished run and where its files are (no record values)."""
    counts = {name: _output_rows(output_dir, f"{name}.parquet")
              for name in ("record_links", "persons", "returns", "poverty_matches", "review_queue", "quarantine")}
    print(f"records linked: {counts['record_links']}  persons: {counts['persons']}  "
          f"returns: {counts['returns']}  poverty matches: {counts['poverty_matches']}  "
          f"pairs to review: {counts['review_queue']}  rows quarantined: {counts['quarantine']}")
    print(f"outputs: {output_dir.resolve()}")
    print(f"report: {(output_dir / REPORT_FILE).resolve()}")


def execute(config: RunConfig, verbose: bool) -> None:
    """Run the pipeline for this configuration; a failure becomes one CliError line."""
    if not config.input_dir.is_dir():
        raise CliError(f"input folder {config.input_dir} does not exist or is not a folder")
    if config.output_dir.exists() and not config.output_dir.is_dir():
        raise CliError(f"output path {config.output_dir} exists and is not a folder")
    result = run_pipeline(config, verbose=verbose)
    if not result.success:
        raise CliError(failure_message(result))
    failed = [e for e in result.get_asset_check_evaluations()
              if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    if failed:
        names = ", ".join(sorted(e.check_name for e in failed))
        raise CliError(f"outputs written to {config.output_dir} but these checks failed: {names}")


def command_run(args: argparse.Namespace) -> int:
    try:
        config = RunConfig(input_dir=args.input, output_dir=args.output, engine=args.engine,
                           match_threshold=args.match_threshold, review_floor=args.review_floor)
    except ValueError as error:
        raise CliError(str(error)) from None
    execute(config, args.verbose)
    print_summary(config.output_dir)
    return 0


def write_synthetic_input(input_dir: Path, persons: int, seed: int, world: str = "train",
                          truth: Path | None = None) -> tuple[int, Path]:
    """Synthetic rosters of a generator world (synthetic.params.WORLDS) as a contract input
    folder, and truth.csv (default beside the folder).

    Returns the number of roster rows and the truth path.
    """
    from synthetic.generator import generate
    from synthetic.params import world_params
    from synthetic.writer import write_contract_folder, write_truth

    params = world_params(world)
    data = generate(persons, seed, params)
    write_contract_folder(data, input_dir, seed, params.writer)
    truth = truth or input_dir.resolve().parent / TRUTH_FILE
    write_truth(data, truth)
    return sum(len(frame) for frame in data.rosters.values()), truth


def command_generate(args: argparse.Namespace) -> int:
    rows, truth = write_synthetic_input(args.out, args.persons, args.seed, _world(args), args.truth)
    print(f"roster rows: {rows}")
    print(f"rosters: {args.out.resolve()}")
    print(f"truth: {truth}")
    return 0


def command_demo(args: argparse.Namespace) -> int:
    input_dir, output_dir = args.out / "input", args.out / "output"
    print(f"generating demo rosters: {args.persons} simulated persons, seed {args.seed}")
    if input_dir.exists():
        shutil.rmtree(input_dir)  # a fresh input; the output folder keeps its person-id map
    write_synthetic_input(input_dir, args.persons, args.seed)
    print(f"linking the rosters in {input_dir}")
    execute(RunConfig(input_dir=input_dir, output_dir=output_dir, engine=args.engine), args.verbose)
    print_summary(output_dir)
    return 0


def demo_benchmark(persons: int, seed: int, world: str = "train") -> dict:
    """The whole pipeline on synthetic rosters, scored against their truth (pipelines.benchmarks.loaders.score_demo)."""
    from pipelines.run import normalized_from_input
    from pipelines.benchmarks.loaders import score_demo

    with tempfile.TemporaryDirectory(prefix="rosterlink-benchmark-") as scratch:
        input_dir, output_dir = Path(scratch) / "input", Path(scratch) / "output"
        truth = pd.read_csv(write_synthetic_input(input_dir, persons, seed, world)[1], dtype=str,
                            keep_default_na=False)
        started = time.perf_counter()
        execute(RunConfig(input_dir=input_dir, output_dir=output_dir), verbose=False)
        seconds = time.perf_counter() - started
        links = pd.read_parquet(output_dir / "record_links.parquet",
                                columns=["source", "record_id", "person_id", "match_probability"])
        normalized = normalized_from_input(input_dir)
    try:
        scores = score_demo(normalized, links, truth)
    except ValueError as error:
        raise CliError(str(error)) from None
    return {**scores, "seconds": seconds}


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
    from linkage.engine.explain import explain_pair
    from linkage.engine.fellegi_sunter import FSModel
    from linkage.roster.settings import roster_settings
    from pipelines.run import normalized_from_input

    refs = [_record_ref(args.left), _record_ref(args.right)]
    summary_path, model_path = args.output / RUN_SUMMARY_FILE, args.output / MODEL_FILE
    if not summary_path.exists() or not model_path.exists():
        raise CliError(f"{args.output} holds no finished run ({RUN_SUMMARY_FILE} and {MODEL_FILE} needed)")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    input_dir = Path(summary["input_folder"])
    normalized = normalized_from_input(input_dir)
    positions = []
    for source, record_id in refs:
        found = normalized.index[(normalized["source"] == source) & (normalized["record_id"] == record_id)]
        if len(found) != 1:
            raise CliError(f"record {source}:{record_id} is not an accepted record of {input_dir}")
        positions.append(int(found[0]))
    model = FSModel.from_json(model_path.read_text(encoding="utf-8"))
    table = explain_pair(model, normalized, positions[0], positions[1], roster_settings())
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
    except (CliError, RosterInputError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
