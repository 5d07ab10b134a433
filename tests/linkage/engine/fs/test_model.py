"""FSModel: the JSON round trip scores identically."""
import numpy as np

from linkage.engine.fs.model import FSModel
from linkage.engine.fs.scoring import score


def test_json_round_trip_scores_identically(people, settings_for_people, trained):
    df = people(150, seed=5)
    pairs, levels, model = trained(df, settings_for_people())
    again = FSModel.from_json(model.to_json())
    assert again.lambda_ == model.lambda_
    assert np.array_equal(score(model, df, pairs.left, pairs.right, levels)[0],
                          score(again, df, pairs.left, pairs.right, levels)[0])
