"""Names of home areas on the page: the gazetteer's current names, `unknown` last."""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from linkage.roster.addresses import division_names

UNKNOWN_AREA = "unknown"


@lru_cache(maxsize=1)
def prefecture_names() -> dict[str, str]:
    """Prefecture code -> name (current names win over former ones)."""
    return division_names("prefecture")


def area_names(codes: pd.Series, level: str) -> pd.Series:
    """The name of each prefecture or county code, the code itself when not in the gazetteer, `unknown` when empty."""
    names = division_names(level)
    return codes.map(lambda code: names.get(code, code) if isinstance(code, str) and code else UNKNOWN_AREA)


def unknown_last(index: list[str]) -> list[str]:
    """The index in its order, `unknown` moved to the end."""
    return [a for a in index if a != UNKNOWN_AREA] + [a for a in index if a == UNKNOWN_AREA]
