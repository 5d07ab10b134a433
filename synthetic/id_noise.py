"""Id numbers as written on records: missing, typos, transpositions, legacy form, a relative's number."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.params import SourceNoise
from synthetic.population import Population

_FULLWIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


@dataclass(frozen=True)
class WrittenIds:
    text: np.ndarray
    kind: np.ndarray   # missing / relative / legacy15 / typo / transposition / lowercase_x / ... or None


def _relative_of(rng: np.random.Generator, population: Population, persons: np.ndarray) -> np.ndarray:
    """Another member of the same household (-1 for people living alone)."""
    household = population.household[persons]
    size = population.household_size[household]
    offset = 1 + rng.integers(0, 1 << 30, len(persons)) % np.maximum(size - 1, 1)
    position = persons - population.household_start[household]
    other = population.household_start[household] + (position + offset) % size
    return np.where(size > 1, other, -1)


def write_ids(population: Population, persons: np.ndarray, noise: SourceNoise, rng: np.random.Generator) -> WrittenIds:
    """Render the id numbers of the given persons for one source's records."""
    n = len(persons)
    birth_year = population.birth[persons].astype("datetime64[Y]").astype(np.int64) + 1970
    u = rng.random(n)
    edges = np.cumsum([noise.id_missing, noise.id_relative, noise.id_legacy15, noise.id_typo, noise.id_transposition])
    labels = np.array(["missing", "relative", "legacy15", "typo", "transposition"], dtype=object)
    slot = np.searchsorted(edges, u, side="right")
    kind = np.where(slot < len(labels), labels[np.minimum(slot, len(labels) - 1)], None)
    relative = _relative_of(rng, population, persons)
    kind[(kind == "relative") & (relative < 0)] = None
    kind[(kind == "legacy15") & (birth_year >= 2000)] = None

    text = population.id18[persons].copy()
    text[kind == "missing"] = None
    text[kind == "relative"] = population.id18[relative[kind == "relative"]]
    text[kind == "legacy15"] = population.id15[persons[kind == "legacy15"]]
    positions = rng.integers(0, 1 << 30, n)
    shifts = rng.integers(1, 10, n)
    for i in np.flatnonzero(kind == "typo"):
        digits = list(text[i])
        at = positions[i] % 17
        digits[at] = str((int(digits[at]) + shifts[i]) % 10)
        text[i] = "".join(digits)
    for i in np.flatnonzero(kind == "transposition"):
        value = text[i]
        starts = [j for j in range(len(value) - 1) if value[j] != value[j + 1]]
        at = starts[positions[i] % len(starts)]
        text[i] = value[:at] + value[at + 1] + value[at] + value[at + 2:]

    style = rng.random((n, 3))
    for i in np.flatnonzero(text != None):  # noqa: E711 - element-wise test on an object array
        value = text[i]
        extra: list[str] = []
        if value.endswith("X") and style[i, 0] < noise.id_lowercase_x:
            value = value[:-1] + "x"
            extra.append("lowercase_x")
        if style[i, 1] < noise.id_fullwidth:
            value = value.translate(_FULLWIDTH)
            extra.append("fullwidth")
        elif style[i, 2] < noise.id_spaces:
            value = f"{value[:6]} {value[6:14]} {value[14:]}"
            extra.append("spaces")
        text[i] = value
        if extra:
            kind[i] = "|".join([kind[i]] + extra) if kind[i] else "|".join(extra)
    return WrittenIds(text=text, kind=kind)
