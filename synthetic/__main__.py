"""python -m synthetic --out DIR --persons N --seed S [--world train|heldout|reference] [--truth PATH]"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from synthetic.generator import generate
from synthetic.params import WORLDS, world_params
from synthetic.writer import write_contract_folder, write_truth


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m synthetic", description="Write synthetic rosters with truth labels.")
    parser.add_argument("--out", type=Path, required=True, help="input folder to write (<out>/<source>/...)")
    parser.add_argument("--persons", type=int, default=20_000, help="size of the simulated population")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--world", choices=sorted(WORLDS), default="train",
                        help="generator world: train tunes the engine, heldout and reference only evaluate it")
    parser.add_argument("--heldout", action="store_true", help="same as --world heldout")
    parser.add_argument("--truth", type=Path, default=None, help="truth CSV path (default: <out>/../truth.csv)")
    args = parser.parse_args(argv)

    params = world_params("heldout" if args.heldout else args.world)
    started = time.perf_counter()
    data = generate(args.persons, args.seed, params)
    generated = time.perf_counter()
    write_contract_folder(data, args.out, args.seed, params.writer)
    truth_path = args.truth or args.out.resolve().parent / "truth.csv"
    write_truth(data, truth_path)
    written = time.perf_counter()
    rows = {source: len(frame) for source, frame in data.rosters.items()}
    print(f"rows {rows} total {sum(rows.values())}; generate {generated - started:.1f}s, write {written - generated:.1f}s")
    print(f"rosters in {args.out}, truth in {truth_path}")


if __name__ == "__main__":
    main()
