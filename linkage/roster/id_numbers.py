"""Resident id numbers (GB 11643-1999): check digit, 15 -> 18 upgrade, embedded fields, comparison.

Status of a number (`id_status`):
- `valid`: 18 characters (or a legacy 15-digit number upgraded), real birth date, check digit right;
- `bad_check`: 18 characters with a real birth date whose check digit (ISO 7064 MOD 11-2) fails;
- `bad_date`: 18 or 15 digits whose birth date segment is not a real date in 1900..2100;
- `malformed`: anything else that is not blank; `missing`: blank.

`id18` keeps the 18 characters for valid, bad_check and bad_date numbers (None otherwise).
`id_text` (an extra column) is id18, or for a malformed number of 16-19 digits (a digit dropped
or doubled) its cleaned text, so that such a number still compares by edit distance.
`id_county` is the current county code of the area code through the crosswalk (5423xx ->
540202 ...); an area code outside Tibet is kept as it is (it still compares by equality); a
Tibet code unknown to the tables gives None.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cpdist

from linkage.roster.addresses import current_county
from linkage.roster.birth import AGE_SLACK_YEARS
from linkage.engine.levels import RecordFields, Rows

ID_LEVELS: tuple[str, ...] = (
    "two different valid numbers",
    "different",
    "same birth date and county in the number",
    "one edit or adjacent transposition",
    "identical",
)
_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_CHECK_CHARS = np.array(list("10X98765432"))
MIN_YEAR, MAX_YEAR = 1900, 2100


def check_digits(first17: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check characters for an array of 17-digit strings (longer ones: first 17)."""
    if len(first17) == 0:
        return np.array([], dtype="<U1")
    digits = np.frombuffer(first17.astype("S17").tobytes(), dtype=np.uint8).reshape(-1, 17) - 48
    return _CHECK_CHARS[(digits.astype(np.int64) @ _WEIGHTS) % 11]


def has_valid_check(id18: np.ndarray) -> np.ndarray:
    """Whether each 18-character number ends with its MOD 11-2 check character."""
    last = np.array([n[17] for n in id18], dtype="<U1") if len(id18) else np.array([], dtype="<U1")
    return check_digits(id18) == last


def _id_text(value: object) -> str | None:
    return value if isinstance(value, str) else str(value) if isinstance(value, (int, np.integer)) else None


def clean_id_text(values: pd.Series) -> pd.Series:
    """NFKC, spaces and hyphens removed, `x` upper-cased; None for blanks (an int becomes its digits)."""
    text = values.map(_id_text)
    text = text.str.normalize("NFKC").str.replace(r"[\s\-]", "", regex=True).str.upper()
    return text.where(text.str.len() > 0, None)


def _birth_dates(id18: pd.Series) -> pd.Series:
    dates = pd.to_datetime(id18.str[6:14], format="%Y%m%d", errors="coerce")
    in_range = (dates.dt.year >= MIN_YEAR) & (dates.dt.year <= MAX_YEAR)
    return dates.where(in_range)


def parse_id_numbers(values: pd.Series) -> pd.DataFrame:
    """The id fields of docs/DESIGN.md (id18, id_status, id_birth_date, id_sex, id_area, id_county) + id_text,
    each distinct value parsed once."""
    value_codes, uniques = pd.factorize(values.map(_id_text))  # as text first: 1 and True factorize as one
    table = _parse_distinct(pd.Series([*uniques, None], dtype=object))  # last row: no number
    rows = np.where(value_codes < 0, len(uniques), value_codes)
    return table.iloc[rows].set_axis(values.index)


def _parse_distinct(values: pd.Series) -> pd.DataFrame:
    """`parse_id_numbers` of a column with a RangeIndex, row by row."""
    text = clean_id_text(values)
    is18 = text.str.fullmatch(r"\d{17}[\dX]", na=False).astype(bool)
    is15 = text.str.fullmatch(r"\d{15}", na=False).astype(bool)
    id18 = pd.Series([None] * len(text), index=text.index, dtype=object)
    id18[is18] = text[is18]
    legacy17 = (text[is15].str[:6] + "19" + text[is15].str[6:]).to_numpy(dtype=str)
    id18[is15] = legacy17.astype(object) + check_digits(legacy17).astype(object)

    birth = _birth_dates(id18.where(id18.notna(), ""))
    has_date = birth.notna().to_numpy()
    usable = (is18 | is15).to_numpy()
    check_ok = np.zeros(len(text), dtype=bool)
    check_ok[usable] = has_valid_check(id18[usable].to_numpy(dtype=str))

    status = np.full(len(text), "malformed", dtype=object)
    status[text.isna().to_numpy()] = "missing"
    status[usable & ~has_date] = "bad_date"
    status[usable & has_date & ~check_ok] = "bad_check"
    status[usable & has_date & check_ok] = "valid"

    sex_digit = id18.str[16]
    id_sex = np.where(sex_digit.isin(list("13579")), "M", np.where(sex_digit.isin(list("02468")), "F", None))
    area = id18.str[:6]
    area_codes, area_uniques = pd.factorize(area)
    county_of_area = np.array([_area_to_county(a) for a in area_uniques] + [None], dtype=object)
    result = pd.DataFrame({
        "id18": id18.astype(object),
        "id_status": status,
        "id_birth_date": birth.where(pd.Series(has_date)).astype("datetime64[ns]"),
        "id_sex": pd.Series(id_sex, dtype=object),
        "id_area": area.astype(object),
        "id_county": county_of_area[area_codes],
        "id_text": id18.where(id18.notna(), text.where(text.str.fullmatch(r"[\dX]{16,19}", na=False))),
    })
    return result.where(result.notna(), None).astype({"id_birth_date": "datetime64[ns]"})


def _area_to_county(area: str) -> str | None:
    if not area.startswith("54"):
        return area
    return current_county(area)


def _digit_matrix(df: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    numbers = df["id18"].to_numpy(dtype=object)[rows]
    numbers[pd.isna(numbers)] = ""
    return np.frombuffer(numbers.astype("S18").tobytes(), dtype=np.uint8).reshape(-1, 18)


def one_edit_apart(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Two 18-character numbers differing in one character or by one adjacent transposition."""
    a, b = _digit_matrix(df, left), _digit_matrix(df, right)
    differs = a != b
    n_diff = differs.sum(axis=1)
    first = differs.argmax(axis=1)
    second = np.minimum(first + 1, 17)
    rows = np.arange(len(a))
    swapped = (
        (n_diff == 2)
        & differs[rows, second]
        & (a[rows, first] == b[rows, second])
        & (a[rows, second] == b[rows, first])
    )
    return (n_diff == 1) | swapped


def _near_length_close(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """At most one insertion, deletion or substitution between the two id texts."""
    text = df["id_text"].to_numpy(dtype=object)
    distance = cpdist(list(text[left]), list(text[right]), scorer=Levenshtein.distance, dtype=np.int64)
    return distance <= 1


ID_BIRTH_MARGIN_YEARS = 2
"""A written birth year (or the interval of an estimated age) this many years away from the
year embedded in the record's own id number makes that number doubtful (see id_contradicts_record)."""


def id_contradicts_record(df: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Per record of ``rows``: its id number embeds a birth year more than
    ID_BIRTH_MARGIN_YEARS (plus the age slack for an estimated age) away from the record's own
    written birth date or age, or a sex other than the record's written sex.

    The usual cause is a relative's number written by mistake (parent, child, spouse: years
    apart). Such a number is kept and still counts as a valid number for the cannot-link
    rule; see linkage.roster.settings.roster_cannot_link for what sharing it proves.
    Works on the given rows only (called for few pairs, many times, during clustering).
    """
    id_date = df["id_birth_date"].to_numpy(dtype="datetime64[ns]")[rows]
    id_year = np.where(np.isnat(id_date), np.nan,
                       id_date.astype("datetime64[Y]").astype(np.int64) + 1970).astype(np.float64)
    lo = df["birth_year_lo"].array[rows].to_numpy(dtype=np.float64, na_value=np.nan)
    hi = df["birth_year_hi"].array[rows].to_numpy(dtype=np.float64, na_value=np.nan)
    margin = ID_BIRTH_MARGIN_YEARS + np.where(
        df["birth_precision"].to_numpy(dtype=object)[rows] == "age", AGE_SLACK_YEARS, 0)
    sex, id_sex = df["sex"].to_numpy(dtype=object)[rows], df["id_sex"].to_numpy(dtype=object)[rows]
    sex_differs = pd.notna(sex) & pd.notna(id_sex) & (sex != id_sex)
    with np.errstate(invalid="ignore"):
        return (id_year < lo - margin) | (id_year > hi + margin) | sex_differs


def _id_fields(df: pd.DataFrame, rows: Rows) -> np.ndarray:
    """(rows, 5) int32: id18_code, id_valid, id_birth_code, id_county_code, id_text present."""
    columns = [df[column].to_numpy(dtype=np.int64)[rows]
               for column in ("id18_code", "id_valid", "id_birth_code", "id_county_code")]
    return np.stack([*columns, df["id_text"].notna().to_numpy()[rows]], axis=1).astype(np.int32)


ID_FIELDS = RecordFields("id_number", _id_fields)


def id_levels(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Level of the `id_number` comparison (labels in ID_LEVELS); -1 when a side has no number.

    A malformed number of 16-19 digits is compared by edit distance only (level 3 or 1).
    Uses the columns `id18_code`, `id_valid`, `id_birth_code`, `id_county_code`, `id_text`
    written by `linkage.roster.normalize.normalize_records`.
    """
    fields_l, fields_r = ID_FIELDS.take(df, left), ID_FIELDS.take(df, right)
    code_l, valid_l, birth_l, county_l, text_l = (fields_l[:, k] for k in range(5))
    code_r, valid_r, birth_r, county_r, text_r = (fields_r[:, k] for k in range(5))
    levels = np.ones(len(left), dtype=np.int8)
    same_birth_county = (birth_l >= 0) & (birth_l == birth_r) & (county_l >= 0) & (county_l == county_r)
    levels[same_birth_county] = 2
    present = (code_l >= 0) & (code_r >= 0)
    both_valid = (valid_l > 0) & (valid_r > 0)
    has_text = (text_l > 0) & (text_r > 0)
    candidates = np.flatnonzero(present & (code_l != code_r) & ~both_valid)
    if len(candidates):
        close = one_edit_apart(df, left[candidates], right[candidates])
        levels[candidates[close]] = 3
    malformed = np.flatnonzero(~present & has_text)
    if len(malformed):
        levels[malformed[_near_length_close(df, left[malformed], right[malformed])]] = 3
    levels[both_valid] = 0
    levels[code_l == code_r] = 4
    levels[~present & ~has_text] = -1
    return levels


def different_valid_ids(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Both numbers valid and different: a hard conflict."""
    valid = df["id_valid"].to_numpy(dtype=bool)
    codes = df["id18_code"].to_numpy(dtype=np.int64)
    return valid[left] & valid[right] & (codes[left] != codes[right])
