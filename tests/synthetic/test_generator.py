"""Synthetic roster generator: determinism, truth coverage, noise kinds and rates, files written."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from schemas.contract import EXIT_TYPES, REQUIRED_COLUMNS, SOURCE_COLUMNS, SOURCES, header_lookup
from synthetic.__main__ import main as cli_main
from synthetic.generator import SyntheticRosters, generate
from synthetic.params import GeneratorParams
from synthetic.writer import write_contract_folder

N_PERSONS = 6000
SEED = 11
_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def _check_character(body: str) -> str:
    """Reference GB 11643 check character, written independently of the generator."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS)) % 11]


@pytest.fixture(scope="module")
def data() -> SyntheticRosters:
    return generate(N_PERSONS, SEED)


@pytest.fixture(scope="module")
def folder(data: SyntheticRosters, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "input"
    write_contract_folder(data, out, SEED)
    return out


def _read_any(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path).astype(object)
    if path.suffix == ".xlsx":
        return pd.read_excel(path, dtype=str, keep_default_na=False)
    raw = path.read_bytes()
    try:
        raw.decode("utf-8")
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "gb18030"
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)


def test_same_seed_same_frames_and_other_seed_differs(data: SyntheticRosters) -> None:
    again = generate(N_PERSONS, SEED)
    for source in SOURCES:
        pd.testing.assert_frame_equal(data.rosters[source], again.rosters[source])
    pd.testing.assert_frame_equal(data.truth, again.truth)
    pd.testing.assert_frame_equal(data.returns, again.returns)
    other = generate(N_PERSONS, SEED + 1)
    assert not data.rosters["station"].equals(other.rosters["station"])


def test_rosters_have_contract_columns_all_text(data: SyntheticRosters) -> None:
    for source in SOURCES:
        frame = data.rosters[source]
        assert tuple(frame.columns) == SOURCE_COLUMNS[source]
        values = frame.to_numpy().ravel()
        assert all(v is None or isinstance(v, str) for v in values), source


def test_rows_about_half_the_persons_in_every_source(data: SyntheticRosters) -> None:
    rows = {source: len(frame) for source, frame in data.rosters.items()}
    assert 0.35 * N_PERSONS < sum(rows.values()) < 0.65 * N_PERSONS
    assert all(count > 0.05 * N_PERSONS for count in rows.values()), rows


def test_truth_covers_every_row_and_explains_each_quarantine(data: SyntheticRosters) -> None:
    for source in SOURCES:
        frame = data.rosters[source]
        truth = data.truth[data.truth["source"] == source].reset_index(drop=True)
        assert len(truth) == len(frame)
        assert truth["record_id"].tolist() == frame["record_id"].tolist()
        assert truth["person_key"].notna().all()
        record_id = frame["record_id"].map(lambda v: (v or "").strip())
        blank = record_id == ""
        # read order = file parts in name order, rows in order inside a part
        read_order = truth.sort_values(["file_stem", "row_number"]).index
        seen: set[str] = set()
        duplicate = pd.Series(False, index=frame.index)
        for i in read_order:
            if record_id[i] and record_id[i] in seen:
                duplicate[i] = True
            seen.add(record_id[i])
        bad_date = pd.Series(False, index=frame.index)
        for column in REQUIRED_COLUMNS[source][1:]:
            parsed = frame[column].map(_parse_contract_date)
            bad_date |= parsed.isna()
        explained = blank | duplicate | bad_date
        assert (explained == truth["expect_quarantine"]).all(), source
        if source in ("station", "police"):
            assert duplicate.sum() > 0 and blank.sum() > 0 and bad_date.sum() > 0


def _parse_contract_date(value: str | None) -> pd.Timestamp | None:
    """Parse the event-date spellings the generator uses (not the pipeline's parser)."""
    if not value:
        return None
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", value) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", value)
    if not match:
        return None
    try:
        return pd.Timestamp(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def test_clean_ids_are_valid_and_match_the_person(data: SyntheticRosters) -> None:
    persons = data.persons.set_index("person_key")
    merged = data.truth.assign(id_written=pd.concat([data.rosters[s]["id_number"] for s in SOURCES],
                                                    ignore_index=True), kind=data.noise["id_number"])
    clean = merged[merged["kind"].isna() & merged["id_written"].notna()]
    assert len(clean) > 0.5 * len(merged)
    for id_number, key in zip(clean["id_written"], clean["person_key"]):
        assert len(id_number) == 18 and id_number[-1] == _check_character(id_number[:17])
        person = persons.loc[key]
        assert id_number == person["id_number"]
        assert id_number[6:14] == pd.Timestamp(person["birth_date"]).strftime("%Y%m%d")
        assert int(id_number[16]) % 2 == (1 if person["sex"] == "M" else 0)


def test_id_noise_kinds_at_plausible_rates(data: SyntheticRosters) -> None:
    ids = pd.concat([data.rosters[s]["id_number"] for s in SOURCES], ignore_index=True).dropna()
    legacy = ids[ids.str.fullmatch(r"\d{15}")]
    assert 0.002 < len(legacy) / len(ids) < 0.08
    assert (ids.str.endswith("x")).sum() > 0
    checked = ids[ids.str.fullmatch(r"\d{17}[\dX]")]
    bad_check = [v for v in checked if v[-1] != _check_character(v[:17])]
    assert 0.005 < len(bad_check) / len(checked) < 0.08
    former_area = ids.str[:4].isin(["5421", "5422", "5423", "5424", "5426"]) | ids.str[:6].isin(["540125", "540126"])
    assert former_area.mean() > 0.2
    police = data.rosters["police"]["id_number"]
    assert 0.45 < police.isna().mean() < 0.75
    poverty = data.rosters["poverty"]["id_number"]
    assert poverty.isna().mean() < 0.06
    relatives = data.noise["id_number"].fillna("").str.startswith("relative").sum()
    assert relatives > 0


def test_name_noise_and_namesakes(data: SyntheticRosters) -> None:
    kinds = data.noise["name"].fillna("")
    for kind in ("abbreviation", "translit", "one_component", "prefix", "separator", "homophone", "unknown"):
        assert kinds.str.contains(kind).sum() > 0, kind
    names = pd.concat([data.rosters[s]["name"] for s in SOURCES], ignore_index=True)
    assert names.isin(["不详", "无名氏"]).sum() > 0
    assert 0.7 < (data.persons["name_kind"] == "tibetan").mean() < 0.9
    assert data.persons["name"].value_counts().iloc[0] > 0.01 * N_PERSONS


def test_dates_sex_and_places_vary(data: SyntheticRosters) -> None:
    births = pd.concat([data.rosters[s]["birth_date"] for s in SOURCES], ignore_index=True).dropna()
    patterns = {r"\d{4}-\d{2}-\d{2}", r"\d{4}/\d{1,2}/\d{1,2}", r"\d{8}", r"\d{4}年\d{1,2}月\d{1,2}日",
                r"\d{4}\.\d{2}\.\d{2}", r"\d{4}", r"\d{5}"}
    for pattern in patterns:
        assert births.str.fullmatch(pattern).sum() > 0, pattern
    station = data.rosters["station"]
    age_only = station["birth_date"].isna() & station["age"].notna()
    assert 0.1 < age_only.mean() < 0.4
    sexes = set(pd.concat([data.rosters[s]["sex"] for s in SOURCES]).dropna())
    assert {"男", "女", "M", "F", "male", "female", "1", "2"} <= sexes
    addresses = pd.concat([station["home_address"], data.rosters["police"]["home_address"]]).dropna()
    assert addresses.str.contains("地区|林芝县|堆龙德庆县|那曲县|昌都县|乃东县").sum() > 0
    assert addresses.str.startswith("西藏自治区").sum() > 0
    assert set(station["exit_type"].dropna()) <= set(EXIT_TYPES)
    assert station["exit_date"].isna().sum() > 0


def test_each_file_mostly_keeps_one_spelling_of_event_dates(data: SyntheticRosters) -> None:
    truth = data.truth[data.truth["source"] == "police"]
    shapes = data.rosters["police"]["event_date"].fillna("").str.replace(r"\d", "9", regex=True)
    dominant_share = shapes.groupby(truth["file_stem"].to_numpy()).agg(lambda s: s.value_counts(normalize=True).iloc[0])
    assert dominant_share.median() > 0.6
    assert shapes.nunique() >= 4


def test_returns_are_later_city_records_of_the_same_person(data: SyntheticRosters) -> None:
    returns = data.returns
    assert len(returns) > 0
    assert (returns["days_to_return"] > 0).all()
    assert returns["days_to_return"].max() > 365 and returns["days_to_return"].min() < 60
    truth = data.truth[~data.truth["expect_quarantine"]].set_index(["source", "record_id"]).sort_index()
    for row in returns.head(50).itertuples():
        assert truth.loc[("station", row.escort_record_id), "person_key"] == row.person_key
        assert truth.loc[(row.return_source, row.return_record_id), "person_key"] == row.person_key


def test_heldout_params_differ(data: SyntheticRosters) -> None:
    default, heldout = GeneratorParams(), GeneratorParams.heldout()
    assert heldout != default
    assert heldout.noise["police"] != default.noise["police"]
    assert heldout.writer.format_mix != default.writer.format_mix
    other = generate(N_PERSONS, SEED, heldout)
    assert not other.rosters["police"].equals(data.rosters["police"])
    assert other.persons["name"].value_counts().index[0] != data.persons["name"].value_counts().index[0]


def test_files_in_every_format_read_back_as_the_rosters(data: SyntheticRosters, folder: Path) -> None:
    lookup = header_lookup()
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    assert {p.parent.name for p in files} == set(SOURCES)
    raw_starts = [p.read_bytes()[:3] for p in files if p.suffix == ".csv"]
    assert any(start == b"\xef\xbb\xbf" for start in raw_starts)
    assert any(p.suffix == ".csv" and _is_gb18030(p) for p in files)
    assert {".csv", ".xlsx", ".parquet"} <= {p.suffix for p in files}
    for source in SOURCES:
        parts = [p for p in files if p.parent.name == source]
        frames = []
        for path in parts:
            table = _read_any(path)
            known = [c for c in table.columns if str(c).strip().lower() in lookup]
            table = table[known].rename(columns=lambda c: lookup[str(c).strip().lower()])
            assert set(table.columns) == set(SOURCE_COLUMNS[source]), path.name
            frames.append(table.assign(_stem=path.stem))
        read = pd.concat(frames, ignore_index=True)
        assert len(read) == len(data.rosters[source])
        assert sorted(read["record_id"].map(lambda v: (v or "").strip()).tolist()) == sorted(
            data.rosters[source]["record_id"].map(lambda v: (v or "").strip()).tolist())


def _is_gb18030(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


def test_csv_and_parquet_values_match_exactly(data: SyntheticRosters, folder: Path) -> None:
    lookup = header_lookup()
    for source in SOURCES:
        truth = data.truth[data.truth["source"] == source].reset_index(drop=True)
        frame = data.rosters[source]
        for path in (p for p in (folder / source).iterdir() if p.suffix in (".csv", ".parquet")):
            table = _read_any(path)
            table = table[[c for c in table.columns if str(c).strip().lower() in lookup]]
            table.columns = [lookup[str(c).strip().lower()] for c in table.columns]
            expected = frame[(truth["file_stem"] == path.stem).to_numpy()].reset_index(drop=True)
            expected = expected.astype(object).where(expected.notna(), None)
            if path.suffix == ".csv":
                expected = expected.fillna("")
            got = table[list(frame.columns)].astype(object).where(table[list(frame.columns)].notna(), None)
            assert got.values.tolist() == expected.values.tolist(), path.name


def test_xlsx_cells_typed_as_an_office_types_them(folder: Path) -> None:
    numeric_ids, text_ids, date_cells = 0, 0, 0
    lookup = header_lookup()
    for path in folder.rglob("*.xlsx"):
        sheet = openpyxl.load_workbook(path, read_only=True).active
        rows = sheet.iter_rows(values_only=True)
        header = [lookup.get(str(h).strip().lower()) for h in next(rows)]
        for row in rows:
            for column, value in zip(header, row):
                if column == "id_number" and isinstance(value, int):
                    numeric_ids += 1
                    assert len(str(value)) <= 15
                elif column == "id_number" and isinstance(value, str) and len(value) == 18:
                    text_ids += 1
                elif column in ("birth_date", "intake_date", "exit_date", "event_date") and hasattr(value, "year"):
                    date_cells += 1
    assert numeric_ids > 0 and text_ids > 0 and date_cells > 0


def test_output_is_byte_identical(data: SyntheticRosters, folder: Path, tmp_path: Path) -> None:
    write_contract_folder(data, tmp_path / "again", SEED)
    first = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    second = {p.relative_to(tmp_path / "again"): p.read_bytes() for p in (tmp_path / "again").rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert all(first[k] == second[k] for k in first)


def test_cli_writes_rosters_and_truth_outside_the_input(tmp_path: Path) -> None:
    out = tmp_path / "input"
    cli_main(["--out", str(out), "--persons", "1500", "--seed", "3"])
    assert {p.name for p in out.iterdir()} <= set(SOURCES)
    truth = pd.read_csv(tmp_path / "truth.csv", dtype=str, keep_default_na=False)
    assert {"source", "record_id", "person_key", "expect_quarantine"} <= set(truth.columns)
    assert (tmp_path / "truth_returns.csv").exists()
    assert np.isin(truth["source"].unique(), SOURCES).all()


def test_cli_world_option_writes_that_worlds_rosters(tmp_path):
    """--world picks the generator world (bench.run_bench passes it); worlds give different rosters."""
    written = {}
    for world in ("train", "reference"):
        out = tmp_path / world / "input"
        cli_main(["--out", str(out), "--persons", "400", "--seed", "3", "--world", world])
        written[world] = pd.read_csv(tmp_path / world / "truth.csv", dtype=str, keep_default_na=False)
    assert not written["train"].equals(written["reference"])
