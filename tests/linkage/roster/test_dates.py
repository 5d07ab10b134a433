import datetime as dt

import numpy as np
import pandas as pd
import pytest

from linkage.roster.dates import ParsedDate, parse_date_text, parse_dates

D = dt.date(1985, 3, 7)


@pytest.mark.parametrize(
    "text",
    [
        "1985-03-07",
        "1985-3-7",
        "1985/3/7",
        "1985/03/07",
        "19850307",
        "1985年3月7日",
        "1985年03月07日",
        "1985年3月7号",
        "1985.03.07",
        "1985-03-07 00:00:00",
        "1985-03-07T08:30",
        "1985/3/7 0:00",
        "31113",
        "31113.0",
        "31113.25",
        " 1985-03-07 ",
        "１９８５－０３－０７",
        "１９８５年３月７日",
        "３１１１３",
    ],
)
def test_day_precision_formats(text):
    assert parse_date_text(text) == ParsedDate(D, "day")


@pytest.mark.parametrize("text", ["1985-03", "1985/3", "1985.03", "1985年3月", "1985年03月", "１９８５年３月"])
def test_month_precision(text):
    assert parse_date_text(text) == ParsedDate(dt.date(1985, 3, 1), "month")


@pytest.mark.parametrize("text", ["1985", "1985年", "１９８５"])
def test_year_alone(text):
    assert parse_date_text(text) == ParsedDate(dt.date(1985, 1, 1), "year")


def test_excel_serial_is_1900_system():
    # 2000-01-01 is serial 36526 in Excel's 1900 date system
    assert parse_date_text("36526") == ParsedDate(dt.date(2000, 1, 1), "day")


def test_leap_day_is_accepted():
    assert parse_date_text("2000-02-29") == ParsedDate(dt.date(2000, 2, 29), "day")


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "1985-02-30",
        "1985-13-01",
        "1985-00-10",
        "1985年2月30日",
        "19850230",
        "1899-12-31",
        "2101-01-01",
        "1899",
        "2101",
        "85-3-7",
        "1985-03/07",
        "不详",
        "abc",
        "1985-03-07x",
        "198503",
        "1234567",
        "99999",  # serial beyond 2100
        "1985-13",
        "2001-02-29",
    ],
)
def test_unreadable(text):
    assert parse_date_text(text) == ParsedDate(None, None)


def test_parse_dates_vectorised_keeps_index_and_types():
    values = pd.Series(
        ["1985-03-07", None, "1985", "1985-02-30", "1985-03-07", "1985年3月", np.nan],
        index=[10, 11, 12, 13, 14, 15, 16],
        dtype=object,
    )
    dates, precisions = parse_dates(values)
    assert dates.dtype == "datetime64[ns]"
    assert list(dates.index) == list(values.index)
    assert list(precisions.index) == list(values.index)
    expected = pd.to_datetime(["1985-03-07", None, "1985-01-01", None, "1985-03-07", "1985-03-01", None])
    assert dates.tolist() == pd.Series(expected, index=values.index).tolist()
    assert precisions.tolist() == ["day", None, "year", None, "day", "month", None]


def test_parse_dates_empty_series():
    dates, precisions = parse_dates(pd.Series([], dtype=object))
    assert len(dates) == 0 and dates.dtype == "datetime64[ns]"
    assert len(precisions) == 0


def test_parse_dates_all_missing():
    dates, precisions = parse_dates(pd.Series([None, None], dtype=object))
    assert dates.isna().all()
    assert precisions.tolist() == [None, None]
