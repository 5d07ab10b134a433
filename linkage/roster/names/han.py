"""Han names: surname (single or compound) and given name, with the surname's pinyin reading."""
from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def surname_readings() -> dict[str, str]:
    """Surname -> toneless pinyin of its surname reading, no spaces (曾 -> zeng, 覃 -> qin)."""
    readings: dict[str, str] = {}
    path = resources.files("linkage.roster.names").joinpath("data/han_surnames.csv")
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            readings[row["surname"].strip()] = row["pinyin_surname"].replace(" ", "").strip()
    return readings


def split_han_name(text: str) -> tuple[str, str] | None:
    """(surname, given name) of a cleaned name starting with a known surname, compound first."""
    readings = surname_readings()
    for size in (2, 1):
        if len(text) > size and text[:size] in readings:
            return text[:size], text[size:]
    return None
