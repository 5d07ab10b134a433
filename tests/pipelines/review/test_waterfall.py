"""pipelines.review.waterfall: each bar starts where the running total stood, the total bar sums them."""
import math

import pandas as pd

from pipelines.review.waterfall import MARGIN, WIDTH, waterfall


def test_bars_follow_the_running_total_and_the_total_is_the_sum():
    explanation = pd.DataFrame({"comparison": ["prior", "name", "birth"], "label": ["prior", "exact", "differ"],
                                "weight": [-4.0, 6.0, -1.0]})
    chart = waterfall(explanation, threshold_weight=2.0)
    prior, name, birth, total = chart.bars
    scale = (WIDTH - 2 * MARGIN) / 6.0  # the running totals 0, -4, 2, 1 and the threshold 2 span -4 .. 2
    assert math.isclose(chart.zero_x, MARGIN + 4.0 * scale)
    assert math.isclose(prior.x, MARGIN) and not prior.positive              # 0 -> -4
    assert math.isclose(name.x, MARGIN) and math.isclose(name.width, 6.0 * scale) and name.positive  # -4 -> 2
    assert math.isclose(birth.x, MARGIN + 5.0 * scale) and not birth.positive  # 2 -> 1
    assert total.total and total.weight == 1.0 and not total.positive        # 1 is below the threshold 2
    assert math.isclose(chart.threshold_x, MARGIN + 6.0 * scale)
