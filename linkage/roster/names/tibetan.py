"""Tibetan names in Chinese characters: components, transliteration variants, abbreviations, affixes."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

AFFIXES: tuple[str, ...] = ("大", "小", "老")
"""Prefixes that tell namesakes apart (大次仁 / 小次仁); stripped before splitting into components."""


@dataclass(frozen=True)
class TibetanName:
    """A Tibetan name split into canonical components."""

    canon: str                 # canonical components concatenated (才仁多吉 -> 次仁多吉)
    components: tuple[str, ...]  # canonical components, in order (unknown parts kept as written)
    affix: str | None          # stripped 大/小/老 prefix
    abbr: str                  # 2-character abbreviation key
    is_abbreviation: bool      # a 2-character name that is not itself a component (扎次, 小次朵)


@lru_cache(maxsize=1)
def variant_table() -> dict[str, str]:
    """Every written variant (canonical forms included) -> its canonical component."""
    table: dict[str, str] = {}
    path = resources.files("linkage.roster.names").joinpath("data/tibetan_name_components.csv")
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            canonical = row["canonical"].strip()
            for variant in (canonical, *row["variants"].split("|")):
                table.setdefault(variant.strip(), canonical)
    return table


@lru_cache(maxsize=1)
def initial_table() -> dict[str, str]:
    """First character of a variant -> first character of its canonical form, where unambiguous.

    Used to normalize a written 2-character abbreviation (才多 -> 次多). A character that is
    itself the first character of some canonical component always maps to itself.
    """
    table = variant_table()
    canonical_initials = {canon[0] for canon in table.values()}
    targets: dict[str, set[str]] = {}
    for variant, canon in table.items():
        targets.setdefault(variant[0], set()).add(canon[0])
    return {
        char: (char if char in canonical_initials else next(iter(canons)))
        for char, canons in targets.items()
        if char in canonical_initials or len(canons) == 1
    }


def canonical_initial(char: str) -> str:
    """The canonical first character for an abbreviation character (unknown ones unchanged)."""
    return initial_table().get(char, char)


def _split(text: str) -> tuple[str, ...] | None:
    """Split text into known components (2 or 3 characters each), or None when impossible.

    At each place the 2-character component is tried before the 3-character one, and a choice
    is kept only when the rest splits too: the first split of a depth-first search, found in
    one pass from the end (``splits[i]``: text[i:] splits) and one greedy pass from the start,
    in time and memory linear in the length and without recursion.
    """
    table = variant_table()
    n = len(text)
    splits = [False] * (n + 1)
    splits[n] = True
    for i in range(n - 2, -1, -1):
        splits[i] = any(i + size <= n and splits[i + size] and text[i:i + size] in table for size in (2, 3))
    if not splits[0]:
        return None
    components: list[str] = []
    i = 0
    while i < n:
        size = next(size for size in (2, 3) if i + size <= n and splits[i + size] and text[i:i + size] in table)
        components.append(table[text[i:i + size]])
        i += size
    return tuple(components)


def split_components(text: str) -> tuple[tuple[str, ...], str | None] | None:
    """Canonical components and stripped affix of a cleaned name, or None if not a Tibetan name.

    A name is recognized when it splits fully into known components (after stripping one
    affix if needed), or when it is a 4-character name whose halves include one known
    component (the other half is kept as written).
    """
    whole = _split(text)
    if whole:
        return whole, None
    if len(text) >= 3 and text[0] in AFFIXES:
        rest = _split(text[1:])
        if rest:
            return rest, text[0]
    if len(text) == 4:
        table = variant_table()
        first, second = text[:2], text[2:]
        if first in table or second in table:
            return (table.get(first, first), table.get(second, second)), None
    return None


def is_abbreviation_shape(text: str) -> bool:
    """A 2-character name whose two characters both begin known components (扎次, 罗次)."""
    initials = initial_table()
    return len(text) == 2 and text[0] in initials and text[1] in initials


def abbreviation_key(components: tuple[str, ...]) -> str:
    """1st character of the first component + 1st character of the second (扎西次仁 -> 扎次)."""
    return components[0][0] + components[1][0]


def parse_tibetan(text: str) -> TibetanName | None:
    """Parse a cleaned name as a Tibetan name, or None when it is not recognizably Tibetan."""
    split = split_components(text)
    if split is not None:
        components, affix = split
        written = text[1:] if affix else text
        return TibetanName(
            canon="".join(components),
            components=components,
            affix=affix,
            abbr=written_abbreviation_key(written) if len(components) == 1 else abbreviation_key(components),
            is_abbreviation=False,
        )
    affix = text[0] if len(text) == 3 and text[0] in AFFIXES else None
    short = text[1:] if affix else text
    if is_abbreviation_shape(short):
        key = written_abbreviation_key(short)
        return TibetanName(canon=key, components=(), affix=affix, abbr=key, is_abbreviation=True)
    return None


def written_abbreviation_key(written: str) -> str:
    """Abbreviation key of a written 2-character name: each character's canonical initial.

    A one-component name is also read as a possible abbreviation (次丹 is the component 次旦,
    or 次仁丹巴 abbreviated); other lengths are their own key.
    """
    if len(written) != 2:
        return variant_table().get(written, written)
    return canonical_initial(written[0]) + canonical_initial(written[1])
