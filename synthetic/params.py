"""Every rate and mix of the synthetic world and its record noise (documented in README.md)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

# Birth-date spellings (see synthetic.dates.format_dates): iso 1985-03-07, slash 1985/3/7,
# compact 19850307, chinese 1985年3月7日, dotted 1985.03.07, excel_serial 31113, year 1985.
# In XLSX files part of the iso cells become real Excel date cells (WriterParams).
DateMix = tuple[tuple[str, float], ...]
SexMix = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class SourceNoise:
    """Record noise of one source; every rate is a share of that source's rows."""

    id_missing: float               # id_number blank
    id_typo: float                  # one digit replaced
    id_transposition: float         # two adjacent characters swapped
    id_legacy15: float              # legacy 15-digit form (only people born before 2000)
    id_relative: float              # another household member's id by mistake
    id_lowercase_x: float           # share of X check digits written x
    id_fullwidth: float             # full-width digits (１２３)
    id_spaces: float                # spaces inside the number
    birth_missing: float
    birth_age_only: float           # birth date blank, age column filled (station, police)
    birth_error: float              # day/month/year typo
    birth_formats: DateMix
    age_error_years: int            # age-only rows: error up to +-this many years
    sex_blank: float
    sex_wrong: float
    sex_formats: SexMix             # 'zh' 男/女, 'mf' M/F, 'en' male/female, 'code' 1/2
    name_unknown: float             # 不详 / 无名氏 / blank
    name_translit: float            # Tibetan: another transliteration of one component
    name_abbrev: float              # Tibetan: 2-character abbreviation
    name_one_component: float       # Tibetan: only one component written
    name_prefix: float              # Tibetan: 大/小 prefix written (people known by one)
    name_homophone: float           # Han: one character replaced by a same-sound character
    name_shape: float               # Han: one character replaced by a same-shape character
    name_separator: float           # `·`, space, full-width separators inside the name
    address_former_name: float      # former county/prefecture name where one exists
    address_blank: float            # home_address blank (station, police)
    admin_former_name: float        # county column with a former name (village, poverty)
    event_date_formats: DateMix     # intake/exit/event dates


_ZH_FORMATS: DateMix = (("iso", 0.45), ("slash", 0.2), ("compact", 0.15), ("chinese", 0.1), ("dotted", 0.1))


def _noise(**overrides: object) -> SourceNoise:
    base = SourceNoise(
        id_missing=0.1, id_typo=0.02, id_transposition=0.01, id_legacy15=0.03, id_relative=0.01,
        id_lowercase_x=0.3, id_fullwidth=0.005, id_spaces=0.01,
        birth_missing=0.05, birth_age_only=0.0, birth_error=0.03,
        birth_formats=(("iso", 0.4), ("slash", 0.15), ("compact", 0.15), ("chinese", 0.1), ("dotted", 0.08),
                       ("excel_serial", 0.02), ("year", 0.1)),
        age_error_years=3,
        sex_blank=0.03, sex_wrong=0.005, sex_formats=(("zh", 0.8), ("mf", 0.08), ("en", 0.04), ("code", 0.08)),
        name_unknown=0.0, name_translit=0.2, name_abbrev=0.05, name_one_component=0.02, name_prefix=0.3,
        name_homophone=0.03, name_shape=0.015, name_separator=0.03,
        address_former_name=0.25, address_blank=0.05, admin_former_name=0.15,
        event_date_formats=_ZH_FORMATS,
    )
    return replace(base, **overrides)


def _default_noise() -> dict[str, SourceNoise]:
    return {
        "poverty": _noise(id_missing=0.02, id_typo=0.01, id_transposition=0.005, id_legacy15=0.01,
                          id_relative=0.005, birth_missing=0.01, birth_error=0.02, sex_blank=0.005,
                          birth_formats=(("iso", 0.6), ("compact", 0.3), ("slash", 0.1)),
                          name_translit=0.1, name_abbrev=0.01, name_one_component=0.005, name_prefix=0.05,
                          name_separator=0.01, admin_former_name=0.1),
        "village": _noise(id_missing=0.08, birth_missing=0.04, name_abbrev=0.06, name_prefix=0.2),
        "station": _noise(id_missing=0.3, id_typo=0.03, id_transposition=0.015, id_legacy15=0.04,
                          id_relative=0.015, birth_missing=0.08, birth_age_only=0.25, birth_error=0.04,
                          sex_blank=0.04, name_unknown=0.02, name_translit=0.3, name_abbrev=0.12,
                          name_one_component=0.05, name_prefix=0.4, name_homophone=0.05, name_shape=0.02,
                          name_separator=0.06),
        "police": _noise(id_missing=0.6, id_typo=0.04, id_transposition=0.02, id_legacy15=0.05,
                         id_relative=0.01, birth_missing=0.2, birth_age_only=0.4, birth_error=0.05,
                         birth_formats=(("iso", 0.3), ("slash", 0.2), ("compact", 0.1), ("chinese", 0.1),
                                        ("year", 0.3)),
                         sex_blank=0.08, sex_wrong=0.01, name_unknown=0.04, name_translit=0.35,
                         name_abbrev=0.2, name_one_component=0.08, name_prefix=0.45, name_homophone=0.07,
                         name_shape=0.03, name_separator=0.05, address_blank=0.15),
    }


@dataclass(frozen=True)
class WriterParams:
    """How write_contract_folder spreads rows over files, formats, encodings and headers."""

    format_mix: tuple[tuple[str, float], ...] = (
        ("csv_utf8", 0.3), ("csv_utf8_bom", 0.15), ("csv_gb18030", 0.2), ("xlsx", 0.2), ("parquet", 0.15))
    xlsx_row_budget: int = 60_000        # XLSX rows per source at most; further XLSX picks fall back to CSV
    xlsx_date_cell_share: float = 0.7    # ISO dates written as real Excel date cells in XLSX
    header_styles: tuple[tuple[str, float], ...] = (("canonical", 0.35), ("alias", 0.45), ("mixed", 0.2))
    header_case_noise: float = 0.3       # headers with changed case or padding white space
    extra_column_share: float = 0.3      # files with an unknown column (序号 / 备注)


@dataclass(frozen=True)
class GeneratorParams:
    """The simulated world (population, who appears where, when) and the record noise per source."""

    start_date: str = "2019-01-01"
    end_date: str = "2024-12-31"
    # population
    household_size_weights: tuple[float, ...] = (0.12, 0.16, 0.2, 0.2, 0.16, 0.1, 0.06)  # sizes 1..7
    tibetan_share: float = 0.8             # households with Tibetan names; the rest Han
    tibetan_component_zipf: float = 1.05   # frequency of component k ~ (k+1)^-s over the table order
    tibetan_component_order_seed: int = 0  # 0: table order; else a seeded shuffle of the order
    tibetan_one_component_share: float = 0.06  # people whose name is a single component
    tibetan_prefix_share: float = 0.06     # people commonly called with 大/小 before their name
    tibetan_own_variant_share: float = 0.25  # people whose registered spelling is a non-canonical variant
    han_surname_zipf: float = 0.9          # weight of surname rank r ~ r^-s
    han_compound_surname_share: float = 0.005
    han_single_given_share: float = 0.3    # Han given names of one character
    county_zipf: float = 0.7               # county weight ~ rank^-s over a seeded order of counties
    county_order_seed: int = 1
    villages_per_township: tuple[int, int] = (3, 12)
    moved_registration_share: float = 0.03  # id area code of another county (registered elsewhere)
    # who is mobile (comes to the city in the period)
    mobile_share: float = 0.11
    mobile_weight_poor: float = 2.5        # odds multiplier for members of poverty-registered households
    mobile_weight_male: float = 1.6
    mobile_age_range: tuple[int, int] = (16, 72)
    # poverty registry
    poverty_household_share: float = 0.12
    poverty_status_mix: tuple[tuple[str, float], ...] = (("已脱贫", 0.72), ("未脱贫", 0.1), ("监测户", 0.18))
    # village rosters
    reporting_village_share: float = 0.5
    roster_dates_per_village: tuple[int, int] = (1, 4)
    migrant_worker_share: float = 0.04    # adults of a village away for work (not mobile in the city)
    roster_listing_probability: float = 0.65  # an away resident is on a given roster
    village_household_id_blank: float = 0.15
    # station and police episodes of mobile people
    stay_median_days: float = 9.0
    stay_sigma: float = 0.9
    exit_type_mix: tuple[tuple[str, float], ...] = (
        ("escorted_home", 0.42), ("handed_over", 0.16), ("left", 0.26), ("medical", 0.09), ("other", 0.07))
    exit_type_english_share: float = 0.1   # exit_type written in English
    return_probability: float = 0.3        # after an escort/hand-over, the person comes back
    return_delay_median_days: float = 160.0
    return_delay_sigma: float = 1.1
    return_delay_min_days: int = 10
    continue_probability: float = 0.55     # after another exit or a police encounter, seen again
    continue_delay_median_days: float = 40.0
    next_is_station: float = 0.6           # a later sighting is a station intake (else police)
    police_referral_probability: float = 0.45  # a police encounter leads to a station intake 0-2 days later
    police_extra_share: float = 0.03      # non-mobile people met once by the police
    # rows that must be quarantined
    duplicate_record_id: float = 0.004
    blank_record_id: float = 0.002
    bad_required_date: float = 0.004       # missing/unreadable intake_date (station) / event_date (police)
    unknown_name_markers: tuple[str, ...] = ("不详", "无名氏", "")
    # share of a file's rows that use the file's dominant spelling of event dates, sex, exit type
    file_spelling_consistency: float = 0.85
    noise: dict[str, SourceNoise] = field(default_factory=_default_noise)
    writer: WriterParams = field(default_factory=WriterParams)

    @classmethod
    def heldout(cls) -> GeneratorParams:
        """A deliberately different world for evaluation only: never tune the engine on it."""
        noise = {
            source: replace(
                rates,
                id_missing=min(0.85, rates.id_missing * 1.3),
                id_typo=rates.id_typo * 1.5,
                id_transposition=rates.id_transposition * 1.5,
                id_legacy15=rates.id_legacy15 * 1.6,
                id_relative=rates.id_relative * 1.5,
                birth_error=rates.birth_error * 1.4,
                birth_formats=(("slash", 0.3), ("iso", 0.2), ("chinese", 0.2), ("dotted", 0.1),
                               ("compact", 0.05), ("excel_serial", 0.05), ("year", 0.1)),
                sex_formats=(("zh", 0.55), ("code", 0.25), ("mf", 0.1), ("en", 0.1)),
                name_translit=min(0.6, rates.name_translit * 1.5),
                name_abbrev=min(0.4, rates.name_abbrev * 1.5),
                name_homophone=rates.name_homophone * 1.5,
                name_shape=rates.name_shape * 1.5,
                name_separator=rates.name_separator * 2,
                address_former_name=0.4,
                admin_former_name=0.25,
                event_date_formats=(("slash", 0.3), ("chinese", 0.25), ("iso", 0.2), ("dotted", 0.15),
                                    ("compact", 0.1)),
            )
            for source, rates in _default_noise().items()
        }
        return cls(
            start_date="2017-07-01",
            end_date="2025-06-30",
            household_size_weights=(0.08, 0.12, 0.18, 0.22, 0.2, 0.12, 0.08),
            tibetan_share=0.86,
            tibetan_component_zipf=1.25,
            tibetan_component_order_seed=97,
            tibetan_one_component_share=0.1,
            tibetan_own_variant_share=0.35,
            han_surname_zipf=1.1,
            county_zipf=1.0,
            county_order_seed=31,
            moved_registration_share=0.05,
            mobile_share=0.12,
            poverty_household_share=0.1,
            poverty_status_mix=(("已脱贫", 0.6), ("未脱贫", 0.15), ("监测户", 0.25)),
            reporting_village_share=0.4,
            exit_type_mix=(("escorted_home", 0.35), ("handed_over", 0.22), ("left", 0.28), ("medical", 0.08),
                           ("other", 0.07)),
            exit_type_english_share=0.25,
            return_probability=0.38,
            return_delay_median_days=110.0,
            return_delay_sigma=1.3,
            continue_probability=0.5,
            police_referral_probability=0.35,
            file_spelling_consistency=0.7,
            duplicate_record_id=0.006,
            blank_record_id=0.003,
            bad_required_date=0.006,
            noise=noise,
            writer=WriterParams(
                format_mix=(("csv_gb18030", 0.3), ("xlsx", 0.3), ("csv_utf8_bom", 0.15), ("csv_utf8", 0.15),
                            ("parquet", 0.1)),
                xlsx_date_cell_share=0.85,
                header_styles=(("alias", 0.6), ("mixed", 0.25), ("canonical", 0.15)),
                header_case_noise=0.45,
                extra_column_share=0.5,
            ),
        )

    @classmethod
    def reference_heldout(cls) -> GeneratorParams:
        """A third world, calibrated only on the rule baselines published in issues 3 and 4 (never on
        the engine's score): evaluation only, like heldout()."""
        return cls(
            start_date="2018-04-01",
            end_date="2024-09-30",
            household_size_weights=(0.1, 0.15, 0.19, 0.21, 0.17, 0.11, 0.07),
            tibetan_share=0.83,
            tibetan_component_zipf=1.25,
            tibetan_component_order_seed=211,
            tibetan_one_component_share=0.05,
            tibetan_prefix_share=0.05,
            tibetan_own_variant_share=0.2,
            han_surname_zipf=1.0,
            county_zipf=0.85,
            county_order_seed=53,
            moved_registration_share=0.04,
            mobile_share=0.115,
            mobile_weight_poor=2.2,
            mobile_weight_male=1.8,
            poverty_household_share=0.14,
            poverty_status_mix=(("已脱贫", 0.68), ("未脱贫", 0.08), ("监测户", 0.24)),
            reporting_village_share=0.5,
            roster_listing_probability=0.6,
            village_household_id_blank=0.2,
            stay_median_days=7.0,
            exit_type_mix=(("escorted_home", 0.38), ("handed_over", 0.2), ("left", 0.27), ("medical", 0.1),
                           ("other", 0.05)),
            exit_type_english_share=0.15,
            return_probability=0.33,
            return_delay_median_days=130.0,
            return_delay_sigma=1.2,
            continue_probability=0.5,
            next_is_station=0.55,
            police_referral_probability=0.4,
            file_spelling_consistency=0.8,
            duplicate_record_id=0.005,
            blank_record_id=0.002,
            bad_required_date=0.005,
            noise=_reference_noise(),
            writer=WriterParams(
                format_mix=(("csv_utf8", 0.25), ("xlsx", 0.25), ("csv_gb18030", 0.25), ("parquet", 0.15),
                            ("csv_utf8_bom", 0.1)),
                xlsx_date_cell_share=0.6,
                header_styles=(("alias", 0.5), ("canonical", 0.3), ("mixed", 0.2)),
                header_case_noise=0.35,
                extra_column_share=0.4,
            ),
        )


def _reference_noise() -> dict[str, SourceNoise]:
    """Record noise of reference_heldout(): ids missing more often than in the tuning world, names
    written more consistently, fewer ages without a birth date."""
    zh_slash_first: DateMix = (("slash", 0.35), ("iso", 0.3), ("compact", 0.15), ("chinese", 0.1), ("dotted", 0.1))
    return {
        "poverty": _noise(id_missing=0.01, id_typo=0.005, id_transposition=0.003, id_legacy15=0.01,
                          id_relative=0.004, birth_missing=0.01, birth_error=0.015, sex_blank=0.005,
                          birth_formats=(("iso", 0.5), ("compact", 0.35), ("chinese", 0.15)),
                          name_translit=0.05, name_abbrev=0.005, name_one_component=0.005, name_prefix=0.03,
                          name_separator=0.01, admin_former_name=0.12, event_date_formats=zh_slash_first),
        "village": _noise(id_missing=0.2, birth_missing=0.05, name_translit=0.08, name_abbrev=0.04,
                          name_prefix=0.15, event_date_formats=zh_slash_first),
        "station": _noise(id_missing=0.43, id_typo=0.03, id_transposition=0.015, id_legacy15=0.04,
                          id_relative=0.015, birth_missing=0.04, birth_age_only=0.1, birth_error=0.035,
                          sex_blank=0.04, name_unknown=0.02, name_translit=0.09, name_abbrev=0.04,
                          name_one_component=0.03, name_prefix=0.15, name_homophone=0.04, name_shape=0.02,
                          name_separator=0.04, event_date_formats=zh_slash_first),
        "police": _noise(id_missing=0.4, id_typo=0.04, id_transposition=0.02, id_legacy15=0.05,
                         id_relative=0.01, birth_missing=0.08, birth_age_only=0.17, birth_error=0.045,
                         birth_formats=(("iso", 0.3), ("slash", 0.25), ("compact", 0.1), ("chinese", 0.1),
                                        ("year", 0.25)),
                         sex_blank=0.07, sex_wrong=0.01, name_unknown=0.03, name_translit=0.1,
                         name_abbrev=0.06, name_one_component=0.04, name_prefix=0.2, name_homophone=0.05,
                         name_shape=0.025, name_separator=0.04, address_blank=0.12,
                         event_date_formats=zh_slash_first),
    }


WORLDS: dict[str, Callable[[], GeneratorParams]] = {
    "train": GeneratorParams,
    "heldout": GeneratorParams.heldout,
    "reference": GeneratorParams.reference_heldout,
}
"""The generator worlds by name: ``train`` tunes the engine; ``heldout`` (held-out v1, harsher
than the issues' sets) and ``reference`` (calibrated on the issues' rule baselines) only evaluate it."""


def world_params(world: str) -> GeneratorParams:
    """The GeneratorParams of a world named in WORLDS."""
    if world not in WORLDS:
        raise ValueError(f"unknown world {world!r}; known: {', '.join(WORLDS)}")
    return WORLDS[world]()
