"""Stable person ids: new, kept, split, merged, deterministic."""
import numpy as np
import pandas as pd

from linkage.roster.person_ids import assign_person_ids, factorize_sorted, new_person_id, new_person_ids

SECRET = b"k" * 32
KEYS = pd.Series([f"station:R{i:03d}" for i in range(6)])


def _previous(mapping: pd.DataFrame, keep: slice = slice(None)) -> pd.DataFrame:
    return mapping.iloc[keep].reset_index(drop=True)


def test_first_run_ids_are_opaque_deterministic_and_per_cluster():
    ids, mapping = assign_person_ids(KEYS, np.array([0, 0, 1, 1, 2, 2]), secret=SECRET)
    again, _ = assign_person_ids(KEYS, np.array([0, 0, 1, 1, 2, 2]), secret=SECRET)
    assert ids.tolist() == again.tolist()
    assert ids.nunique() == 3 and ids[0] == ids[1] != ids[2]
    assert all(len(i) == 11 and i.startswith("P") for i in ids)
    assert list(mapping.columns) == ["record_key", "person_id"]
    assert ids[0] == new_person_id("station:R000", set(), SECRET)


def test_unchanged_clusters_keep_their_ids_with_new_records():
    _, first = assign_person_ids(KEYS[:4], np.array([0, 0, 1, 1]), secret=SECRET)
    ids, _ = assign_person_ids(KEYS, np.array([0, 0, 1, 1, 1, 2]), previous=first, secret=SECRET)
    assert ids[:4].tolist() == first["person_id"].tolist()
    assert ids[4] == ids[2] and ids[5] not in set(first["person_id"])


def test_split_keeps_the_id_on_the_part_with_most_earlier_records():
    ids_before, first = assign_person_ids(KEYS[:3], np.array([0, 0, 0]), secret=SECRET)
    ids, _ = assign_person_ids(KEYS[:3], np.array([0, 1, 1]), previous=first, secret=SECRET)
    assert ids[1] == ids[2] == ids_before[0]
    assert ids[0] != ids_before[0]


def test_merge_keeps_the_smallest_id_and_retires_the_other():
    ids_before, first = assign_person_ids(KEYS[:4], np.array([0, 0, 1, 1]), secret=SECRET)
    oldest = min(ids_before[0], ids_before[2])
    ids, _ = assign_person_ids(KEYS[:4], np.array([0, 0, 0, 0]), previous=first, secret=SECRET)
    assert set(ids) == {oldest}
    retired = ({ids_before[0], ids_before[2]} - {oldest}).pop()
    ids_split, _ = assign_person_ids(KEYS[:4], np.array([0, 0, 0, 1]),
                                     previous=pd.DataFrame({"record_key": KEYS[:4],
                                                            "person_id": ids}), secret=SECRET)
    assert retired not in set(ids_split)


def test_new_id_skips_ids_already_taken():
    first = new_person_id("station:R000", set(), SECRET)
    assert new_person_id("station:R000", {first}, SECRET) != first


def test_new_ids_in_one_pass_match_one_by_one_also_when_they_collide():
    keys = ["station:R001", "station:R002", "station:R001"]
    taken = pd.Index([new_person_id("station:R002", set(), SECRET)])
    one_by_one: set[str] = set(taken)
    expected = []
    for key in keys:
        expected.append(new_person_id(key, one_by_one, SECRET))
        one_by_one.add(expected[-1])
    assert new_person_ids(keys, taken, SECRET) == expected
    assert new_person_ids(keys[:2], pd.Index([], dtype=object), SECRET) == [new_person_id(k, set(), SECRET) for k in keys[:2]]


def test_factorize_sorted_orders_text_as_python_does():
    values = pd.Series(["扎西", "b", None, "B", "次仁", "a\u00e9", "b", "Z", "\U0001f600"], dtype=object)
    codes, uniques = factorize_sorted(values)
    expected_codes, expected_uniques = pd.factorize(values, sort=True)
    assert codes.tolist() == expected_codes.tolist()
    assert uniques.tolist() == list(expected_uniques) == sorted(v for v in set(values) if v is not None)


def test_ids_are_keyed_with_the_secret_not_a_bare_hash_of_the_record():
    import hashlib

    ids, _ = assign_person_ids(KEYS[:1], np.array([0]), secret=SECRET)
    assert ids[0] != "P" + hashlib.sha256(KEYS[0].encode("utf-8")).hexdigest()[:10]
    other, _ = assign_person_ids(KEYS[:1], np.array([0]), secret=b"x" * 32)
    assert other[0] != ids[0]
