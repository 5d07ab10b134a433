"""Settings for the public benchmarks (FEBRL3, FEBRL4, historical_figures_with_errors_50k),
built only from the generic comparators, plus the column preparation each needs."""
from __future__ import annotations

import pandas as pd

from linkage.engine.comparisons import (agreement, date_difference, edit_distance, exact_match,
                                        first_agreement, string_similarity)
from linkage.engine.keys import text_key
from linkage.engine.settings import BlockingRule, Comparison, LinkageSettings

NAME_LEVELS = ("else", "jw>=0.70", "jw>=0.88", "jw>=0.92", "exact")
NAME_BANDS = (0.92, 0.88, 0.70)
ISO_DATE = "%Y-%m-%d"


def _name(column: str, tf: bool = True) -> Comparison:
    return Comparison(name=column, levels=NAME_LEVELS,
                      fn=string_similarity(column, NAME_BANDS, "jaro_winkler"),
                      tf_column=column if tf else None, tf_levels=(4,) if tf else ())


def _typo(column: str, tf: bool = False) -> Comparison:
    return Comparison(name=column, levels=("else", "lev<=2", "lev<=1", "exact"),
                      fn=edit_distance(column, (1, 2), "damerau_levenshtein"),
                      tf_column=column if tf else None, tf_levels=(3,) if tf else ())


def _exact(column: str, tf: bool = False) -> Comparison:
    return Comparison(name=column, levels=("else", "exact"), fn=exact_match(column),
                      tf_column=column if tf else None, tf_levels=(1,) if tf else ())


def prepare_febrl(df: pd.DataFrame) -> pd.DataFrame:
    """FEBRL columns as text with blanks as None."""
    out = df.copy()
    for column in out.columns:
        text = out[column].astype("string").str.strip()
        out[column] = text.where(text != "").astype(object).where(text.notna() & (text != ""), None)
    return out


def _febrl_comparisons() -> list[Comparison]:
    return [
        _name("given_name"),
        _name("surname"),
        _typo("date_of_birth"),
        _typo("soc_sec_id"),
        _exact("street_number"),
        Comparison(name="address_1", levels=("else", "jw>=0.80", "jw>=0.90", "exact"),
                   fn=string_similarity("address_1", (0.9, 0.8))),
        Comparison(name="suburb", levels=("else", "jw>=0.80", "jw>=0.90", "exact"),
                   fn=string_similarity("suburb", (0.9, 0.8)), tf_column="suburb",
                   tf_levels=(3,)),
        _typo("postcode"),
        _exact("state"),
    ]


def _febrl_blocking() -> list[BlockingRule]:
    return [
        BlockingRule("given_name", text_key("given_name"), text_key("date_of_birth")),
        BlockingRule("surname", text_key("surname"), text_key("date_of_birth")),
        BlockingRule("date_of_birth", text_key("date_of_birth")),
        BlockingRule("soc_sec_id", text_key("soc_sec_id")),
        BlockingRule("postcode_street", text_key("postcode", "street_number")),
        BlockingRule("suburb_address", text_key("suburb", "address_1")),
    ]


def febrl3_settings() -> LinkageSettings:
    """Dedupe of FEBRL3 (5,000 records)."""
    return LinkageSettings(comparisons=_febrl_comparisons(), blocking_rules=_febrl_blocking(),
                           match_threshold=0.5, u_sample_size=200_000)


def febrl4_settings() -> LinkageSettings:
    """Link-only FEBRL4 (5,000 x 5,000); the frame carries a ``source_dataset`` column."""
    return LinkageSettings(comparisons=_febrl_comparisons(), blocking_rules=_febrl_blocking(),
                           link_only_column="source_dataset", match_threshold=0.5,
                           u_sample_size=200_000)


def prepare_historical(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns with None for missing, plus postcode sector/district/area prefixes."""
    out = prepare_febrl(df)
    postcode = out["postcode_fake"].astype("string")
    out["postcode_sector"] = postcode.str[:-2].str.strip().astype(object).where(postcode.notna(), None)
    out["postcode_district"] = postcode.str.split(" ").str[0].astype(object).where(postcode.notna(), None)
    out["postcode_area"] = (postcode.str.extract(r"^([a-z]+)", expand=False)
                            .astype(object).where(postcode.notna(), None))
    out["dob_year"] = out["dob"].astype("string").str[:4].astype(object).where(out["dob"].notna(), None)
    return out


def historical_settings() -> LinkageSettings:
    """Dedupe of historical_figures_with_errors_50k."""
    comparisons = [
        _name("first_name"),
        _name("surname"),
        Comparison(name="dob", levels=("else", "<=10y", "<=1y", "<=1m", "dl<=1", "exact"),
                   fn=first_agreement(exact_match("dob"),
                                      agreement(edit_distance("dob", (1,), "damerau_levenshtein"), 1),
                                      agreement(date_difference("dob", (31,), date_format=ISO_DATE), 1),
                                      agreement(date_difference("dob", (366,), date_format=ISO_DATE), 1),
                                      agreement(date_difference("dob", (3653,), date_format=ISO_DATE), 1))),
        Comparison(name="postcode", levels=("else", "area", "district", "sector", "exact"),
                   fn=first_agreement(exact_match("postcode_fake"), exact_match("postcode_sector"),
                                      exact_match("postcode_district"), exact_match("postcode_area")),
                   tf_column="postcode_fake", tf_levels=(4,)),
        _exact("birth_place", tf=True),
        _exact("gender"),
        _exact("occupation", tf=True),
    ]
    blocking = [
        BlockingRule("first_surname", text_key("first_name", "surname")),
        BlockingRule("surname_dob", text_key("surname", "dob")),
        BlockingRule("first_dob", text_key("first_name", "dob")),
        BlockingRule("postcode_first", text_key("postcode_fake", "first_name")),
        BlockingRule("postcode_surname", text_key("postcode_fake", "surname")),
        BlockingRule("birthplace_year", text_key("birth_place", "dob_year")),
    ]
    return LinkageSettings(comparisons=comparisons, blocking_rules=blocking,
                           match_threshold=0.5, u_sample_size=500_000)

