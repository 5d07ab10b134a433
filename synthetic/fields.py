"""Sex and birth date/age as written on records."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.dates import age_at, birth_typos, format_dates
from synthetic.params import SourceNoise
from synthetic.population import MALE
from synthetic.rng import choose

_SEX_SPELLINGS = {"zh": ("男", "女"), "mf": ("M", "F"), "en": ("male", "female"), "code": ("1", "2")}


@dataclass(frozen=True)
class WrittenField:
    text: np.ndarray
    kind: np.ndarray


def write_sex(sex: np.ndarray, spelling: np.ndarray, noise: SourceNoise, rng: np.random.Generator) -> WrittenField:
    """Sex in the given contract spelling per row (zh/mf/en/code); sometimes blank, occasionally wrong."""
    n = len(sex)
    u = rng.random(n)
    wrong = (u >= noise.sex_blank) & (u < noise.sex_blank + noise.sex_wrong)
    written_sex = np.where(wrong, 3 - sex, sex)
    text = np.array([_SEX_SPELLINGS[s][0 if v == MALE else 1] for s, v in zip(spelling, written_sex)], dtype=object)
    blank = u < noise.sex_blank
    text[blank] = None
    kind = np.where(blank, "blank", np.where(wrong, "wrong", None))
    return WrittenField(text=text, kind=kind)


@dataclass(frozen=True)
class WrittenBirth:
    birth: np.ndarray
    age: np.ndarray
    kind: np.ndarray


def write_births(births: np.ndarray, event_dates: np.ndarray | None, noise: SourceNoise,
                 rng: np.random.Generator, age_alongside: float) -> WrittenBirth:
    """Birth date in a format of the mix, with typos; age-only rows (error up to +-k years) where an
    event date exists; age_alongside is the share of rows with a birth date that also carry the age."""
    n = len(births)
    u = rng.random(n)
    can_age = event_dates is not None
    age_only = (u < noise.birth_age_only) if can_age else np.zeros(n, dtype=bool)
    missing = ~age_only & (u < noise.birth_age_only * can_age + noise.birth_missing)
    typo = ~age_only & ~missing & (rng.random(n) < noise.birth_error)
    written, typo_kind = birth_typos(rng, births, typo)
    written = np.where(age_only | missing, np.datetime64("NaT"), written)
    formats = choose(rng, noise.birth_formats, n)
    text = format_dates(written, formats)
    kind = np.where(age_only, "age_only", np.where(missing, "missing", typo_kind)).astype(object)
    kind = np.where((kind == None) & (formats == "year"), "year_only", kind)  # noqa: E711 - object array
    age = np.full(n, None, dtype=object)
    if can_age:
        true_age = age_at(births, event_dates)
        error = rng.integers(-noise.age_error_years, noise.age_error_years + 1, n)
        with_age = age_only | (~missing & (rng.random(n) < age_alongside))
        estimated = np.where(age_only, np.maximum(true_age + error, 0), true_age)
        age[with_age] = estimated[with_age].astype(str).astype(object)
    return WrittenBirth(birth=text, age=age, kind=kind)
