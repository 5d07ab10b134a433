"""Input side of ../shared/CONTRACT.md: sources, canonical columns, aliases, required fields."""
from __future__ import annotations

from dataclasses import dataclass

CONTRACT_VERSION = "1.1"
PARQUET_VERSION_KEY = b"rosterlink.contract_version"
PARQUET_RUN_ID_KEY = b"rosterlink.run_id"
"""Key of the run id in every output Parquet file's key-value metadata (contract 1.1)."""

SOURCES: tuple[str, ...] = ("station", "police", "village", "poverty")
INPUT_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".parquet")

# canonical name -> header aliases (matched after strip(), case-insensitively, as is the canonical name)
ALIASES: dict[str, tuple[str, ...]] = {
    "record_id": ("记录编号", "编号"),
    "name": ("姓名",),
    "sex": ("性别",),
    "id_number": ("身份证号", "身份证号码", "公民身份号码"),
    "birth_date": ("出生日期",),
    "age": ("年龄",),
    "home_address": ("户籍地址", "户籍地", "家庭住址"),
    "county": ("县区", "县(区)", "县"),
    "township": ("乡镇", "乡(镇)"),
    "village": ("村居", "村(居)", "村"),
    "household_id": ("户编号", "户号"),
    "relation": ("与户主关系",),
    "poverty_status": ("脱贫状态", "贫困户状态"),
    "event_date": ("登记日期", "发现日期"),
    "place": ("发现地点", "地点"),
    "intake_date": ("入站日期",),
    "exit_date": ("离站日期",),
    "exit_type": ("离站方式",),
    "destination": ("去向",),
}
CANONICAL_COLUMNS: tuple[str, ...] = tuple(ALIASES)

_COMMON = ("record_id", "name", "sex", "id_number", "birth_date")
SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "station": _COMMON + ("age", "home_address", "intake_date", "exit_date", "exit_type", "destination"),
    "police": _COMMON + ("age", "home_address", "event_date", "place"),
    "village": _COMMON + ("county", "township", "village", "household_id", "event_date"),
    "poverty": _COMMON + ("county", "township", "village", "household_id", "relation", "poverty_status"),
}

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "station": ("record_id", "intake_date"),
    "police": ("record_id", "event_date"),
    "village": ("record_id",),
    "poverty": ("record_id",),
}

UNKNOWN_NAME_MARKERS: tuple[str, ...] = ("不详", "无名氏")

EXIT_TYPES: dict[str, str] = {
    "护送返乡": "escorted_home",
    "移交": "handed_over",
    "自行离站": "left",
    "送医": "medical",
    "其他": "other",
    "escorted_home": "escorted_home",
    "handed_over": "handed_over",
    "left": "left",
    "medical": "medical",
    "other": "other",
}
ESCORT_EXIT_TYPES: frozenset[str] = frozenset({"escorted_home", "handed_over"})


@dataclass(frozen=True)
class SourceRole:
    """What a source's rows mean; code reads these flags, never a source's name."""

    event_date: str | None
    """the column that places a row in time (first_seen / last_seen, returns); None: no date"""
    in_city: bool
    """a row means the person was met in the city (a return, people seen in the city)"""
    escorts: bool
    """its rows record exits, among them escorts and hand-overs home (``exit_type``)"""
    registry: bool
    """a home area's roster of its households (one row a person, rarely a repeat of one person)"""
    poverty_list: bool
    """the poverty registration list (建档立卡)"""


SOURCE_ROLES: dict[str, SourceRole] = {
    "station": SourceRole("intake_date", in_city=True, escorts=True, registry=False, poverty_list=False),
    "police": SourceRole("event_date", in_city=True, escorts=False, registry=False, poverty_list=False),
    "village": SourceRole("event_date", in_city=False, escorts=False, registry=True, poverty_list=False),
    "poverty": SourceRole(None, in_city=False, escorts=False, registry=True, poverty_list=True),
}
EVENT_DATE_COLUMN: dict[str, str | None] = {source: role.event_date for source, role in SOURCE_ROLES.items()}
CITY_SOURCES: frozenset[str] = frozenset(s for s, role in SOURCE_ROLES.items() if role.in_city)
REGISTRY_SOURCES: frozenset[str] = frozenset(s for s, role in SOURCE_ROLES.items() if role.registry)
(ESCORT_SOURCE,) = (s for s, role in SOURCE_ROLES.items() if role.escorts)
(POVERTY_SOURCE,) = (s for s, role in SOURCE_ROLES.items() if role.poverty_list)


def header_lookup() -> dict[str, str]:
    """Map every accepted header spelling (lower-cased) to its canonical column."""
    lookup: dict[str, str] = {}
    for canonical, aliases in ALIASES.items():
        for spelling in (canonical, *aliases):
            lookup[spelling.strip().lower()] = canonical
    return lookup
