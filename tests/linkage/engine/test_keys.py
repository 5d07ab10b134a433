"""Blocking key builders: one code per distinct value, -1 for no key."""
import numpy as np
import pandas as pd

from linkage.engine.keys import code_key, code_pair_key, combined_codes, text_key


def test_text_key_missing_parts():
    df = pd.DataFrame({"a": ["x", "x", None], "b": ["1", "2", "1"]})
    key = text_key("a", "b")(df)
    assert key[2] == -1 and key[0] != key[1] and min(key[:2]) >= 0


def test_combined_codes():
    keys = combined_codes(np.array([0, 1, -1, 1]), np.array([2, 2, 0, -1]))
    assert keys[0] != keys[1] and keys[2] == -1 and keys[3] == -1


def test_code_keys_read_code_columns_alone_and_in_pairs():
    df = pd.DataFrame({"a": [3, 3, -1, 4], "b": [0, 1, 1, -1]})
    assert code_key("a")(df).tolist() == [3, 3, -1, 4] and code_key("a").__name__ == "a_key"
    pair = code_pair_key("a", "b")(df)
    assert pair[0] != pair[1] and pair[2] == pair[3] == -1 and pair.dtype == np.int64
