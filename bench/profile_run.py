"""Profile one `rosterlink run`: wall time, peak RSS, an RSS timeline and the step timings.

Not a test. Runs the CLI as a subprocess, samples the resident memory of its process tree every
`--interval` seconds from /proc, then reads the step seconds from the run's run_summary.json.
The timeline shows when in the run memory peaks (steps run one after another, in the order of
run_summary's timings). Optionally records a py-spy profile (`--py-spy FILE`, needs py-spy).

    python -m bench.profile_run --input /tmp/rosterlink-bench/train_300000/input \\
        --output /tmp/rosterlink-bench/profile_300000
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

PAGE_KB = 4


def tree_rss_mb(pid: int) -> float:
    """Resident memory of the process and its direct children, in MB (0 once it is gone)."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total_kb = 0
    for one in pids:
        try:
            total_kb += int(Path(f"/proc/{one}/statm").read_text().split()[1]) * PAGE_KB
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
    return total_kb / 1024


def run_sampled(command: list[str], log: Path, interval: float) -> tuple[int, float, list[tuple[float, float]]]:
    """Run command (output to log); return its exit code, wall seconds and (seconds, RSS MB) samples."""
    with log.open("w") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        samples = []
        while process.poll() is None:
            samples.append((round(time.perf_counter() - started, 2), round(tree_rss_mb(process.pid))))
            time.sleep(interval)
        return process.returncode, time.perf_counter() - started, samples


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--engine", default="pandas")
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between RSS samples")
    parser.add_argument("--py-spy", type=Path, help="also record a py-spy profile (raw format) here")
    args = parser.parse_args(argv)

    args.output.mkdir(parents=True, exist_ok=True)
    command = [str(Path(sys.executable).with_name("rosterlink")), "run", "--input", str(args.input),
               "--output", str(args.output), "--engine", args.engine]
    if args.py_spy:
        command = [str(Path(sys.executable).with_name("py-spy")), "record", "-r", "50", "-f", "raw",
                   "-o", str(args.py_spy), "--", *command]
    code, wall, samples = run_sampled(command, args.output / "profile_run.log", args.interval)
    if code != 0:
        raise SystemExit(f"rosterlink run failed (exit {code}); see {args.output / 'profile_run.log'}")
    summary = json.loads((args.output / "run_summary.json").read_text(encoding="utf-8"))
    peak = max((rss for _, rss in samples), default=0)
    print(f"wall {wall:.1f} s, peak RSS {peak:.0f} MB, rows read {summary['rows_read']}")
    print("step seconds:", json.dumps(summary["timings_seconds"]))
    every = max(1, int(round(1 / args.interval)))
    print("RSS MB by second:", " ".join(f"{t:.0f}:{rss:.0f}" for t, rss in samples[::every]))
    report = args.output / "report.html"
    print(f"report.html {report.stat().st_size / 2**20:.1f} MB")


if __name__ == "__main__":
    main()
