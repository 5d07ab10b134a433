"""Toneless pinyin keys of names, one pypinyin call per distinct character."""
from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from linkage.roster.names.han import surname_readings


@lru_cache(maxsize=None)
def char_pinyin(char: str) -> str:
    """Toneless pinyin of one character (its most common reading); other characters lower-cased."""
    return lazy_pinyin(char, style=Style.NORMAL, errors=lambda text: text.lower())[0]


def pinyin_key(text: str, surname: str | None = None) -> str:
    """Toneless pinyin of a name without spaces; a Han surname is read with its surname reading."""
    if surname and text.startswith(surname):
        head = surname_readings().get(surname) or "".join(char_pinyin(c) for c in surname)
        return head + "".join(char_pinyin(c) for c in text[len(surname):])
    return "".join(char_pinyin(c) for c in text)
