"""20,000 records sharing one name must not produce a quadratic number of candidate pairs."""
import numpy as np
import pandas as pd

from linkage.engine.blocking import candidate_pairs
from linkage.roster.normalize import normalize_records
from linkage.roster.settings import roster_settings

N = 20_000


def _namesakes() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    years = rng.integers(1950, 2005, N)
    counties = rng.choice(["桑珠孜区", "城关区", "巴宜区", "卡若区", "乃东区"], N)
    return normalize_records(pd.DataFrame({
        "source": "police",
        "record_id": [f"R{i}" for i in range(N)],
        "file": "p.csv",
        "row_number": np.arange(1, N + 1),
        "name": "扎西次仁",
        "sex": "男",
        "birth_date": years.astype(str),
        "home_address": counties,
        "event_date": "2023-05-01",
    }))


def test_twenty_thousand_namesakes_give_a_bounded_candidate_set():
    settings = roster_settings()
    df = _namesakes()
    pairs = candidate_pairs(df, settings.blocking_rules, settings.block_cap)
    all_pairs = N * (N - 1) // 2
    # every rule is capped (cap-sized blocks or windows), so each grows linearly in N
    assert all(rule.pairs <= N * settings.block_cap for rule in pairs.stats)
    assert len(pairs) < all_pairs // 50
    assert max(rule.largest_block for rule in pairs.stats) == N
    assert sum(rule.blocks_split for rule in pairs.stats) >= 1
    # namesakes born in the same year in the same county remain candidates of each other
    same = np.flatnonzero((df["birth_year_lo"] == df["birth_year_lo"].iloc[0]).to_numpy()
                          & (df["county_code"] == df["county_code"].iloc[0]).to_numpy())
    found = set(zip(pairs.left.tolist(), pairs.right.tolist()))
    assert all((0, j) in found for j in same[1:])


def test_namesakes_of_a_common_name_one_birth_year_apart_are_candidates():
    """An oversize canonical-name block is split on overlapping two-year birth buckets: a
    record whose birth year is one off (an age-derived or mistyped year) still pairs with its
    person's other record, whatever the parity of the years, with no shared county or id."""
    settings = roster_settings()
    rng = np.random.default_rng(5)
    n = 3000
    years = rng.integers(1950, 2005, n)
    years[:4] = [1970, 1971, 1985, 1986]
    df = normalize_records(pd.DataFrame({
        "source": "police",
        "record_id": [f"R{i}" for i in range(n)],
        "file": "p.csv",
        "row_number": np.arange(1, n + 1),
        "name": "扎西次仁",
        "sex": "男",
        "birth_date": years.astype(str),
        "event_date": "2023-05-01",
    }))
    pairs = candidate_pairs(df, settings.blocking_rules, settings.block_cap)
    found = set(zip(pairs.left.tolist(), pairs.right.tolist()))
    assert (0, 1) in found and (2, 3) in found
