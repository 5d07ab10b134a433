"""Cleaning of written names, kind detection, and the per-name normalized fields."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from linkage.roster.names.han import split_han_name, surname_readings
from linkage.roster.names.pinyin import pinyin_key
from linkage.roster.names.tibetan import parse_tibetan
from schemas.contract import UNKNOWN_NAME_MARKERS

_SEPARATORS = re.compile(r"[\s·•・‧∙⋅.．。,，、\-_'\"“”‘’()（）]+")
_CJK = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]+$")
_UNKNOWN = frozenset(UNKNOWN_NAME_MARKERS) | {"未知", "无名", "不明", "无", "?", "？"}

NAME_FIELDS: tuple[str, ...] = (
    "name_norm", "name_form", "name_canon", "name_comp1", "name_comp2", "name_abbr",
    "name_pinyin", "name_affix", "surname", "given_name",
)


@dataclass(frozen=True)
class NormalizedName:
    """The normalized fields of one written name (see docs/DESIGN.md, normalized)."""

    name_norm: str | None = None
    name_form: str | None = None
    """How the name is built ("components", "surname_given", "other"): a parsing aid, not a
    statement about the person, and never written to an output."""
    name_canon: str | None = None
    name_comp1: str | None = None
    name_comp2: str | None = None
    name_abbr: str | None = None
    name_pinyin: str | None = None
    name_affix: str | None = None
    surname: str | None = None
    given_name: str | None = None


def clean_name(raw: object) -> str | None:
    """NFKC, separators (`·` `.` spaces, full-width forms) removed; None for blank or unknown markers."""
    if not isinstance(raw, str):
        return None
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    if not text or text in _UNKNOWN:
        return None
    return text.lower() if text.isascii() else text


def normalize_name(raw: object) -> NormalizedName:
    """All normalized fields of one raw name value."""
    norm = clean_name(raw)
    if norm is None:
        return NormalizedName()
    if not _CJK.match(norm):
        return NormalizedName(norm, "other", norm, name_pinyin=pinyin_key(norm))
    han = split_han_name(norm)
    tibetan = parse_tibetan(norm)
    if han is None and tibetan is None and len(norm) in (2, 3):
        han = norm[0], norm[1:]  # a rarer single-character surname than the table holds
    if tibetan is not None and (tibetan.components or han is None):
        comps = tibetan.components
        return NormalizedName(
            name_norm=norm,
            name_form="components",
            name_canon=tibetan.canon,
            name_comp1=comps[0] if comps else None,
            name_comp2=comps[1] if len(comps) > 1 else None,
            name_abbr=tibetan.abbr,
            name_pinyin=pinyin_key(tibetan.canon),
            name_affix=tibetan.affix,
        )
    if han is not None:
        surname, given = han
        return NormalizedName(
            name_norm=norm,
            name_form="surname_given",
            name_canon=norm,
            name_abbr=(tibetan.abbr if tibetan is not None else norm) if len(norm) == 2 else None,
            name_pinyin=pinyin_key(norm, surname),
            surname=surname,
            given_name=given,
        )
    return NormalizedName(
        norm, "other", norm, name_abbr=norm if len(norm) == 2 else None, name_pinyin=pinyin_key(norm)
    )


def normalize_names(names: pd.Series) -> pd.DataFrame:
    """Normalized name fields for a column of raw names, computed once per distinct value."""
    codes, uniques = pd.factorize(names, use_na_sentinel=True)
    surname_readings()  # load the table once before the loop
    table = pd.DataFrame(
        [normalize_name(value).__dict__ for value in uniques] + [NormalizedName().__dict__],
        columns=list(NAME_FIELDS),
    ).astype(object)
    table = table.where(table.notna(), None)
    rows = table.iloc[codes].reset_index(drop=True)  # code -1 picks the trailing empty row
    rows.index = names.index
    return rows
