"""A pair's explanation as a waterfall: each weight a bar from the running total before it (pure).

The bars go prior first, then each comparison in the model's order, then the total from 0; x is
in SVG units on a scale that holds 0, every running total and the threshold weight.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

WIDTH = 360.0
MARGIN = 6.0


@dataclass(frozen=True)
class Bar:
    """One row of the waterfall: the comparison, its agreement, weight and where its bar lies."""

    comparison: str
    label: str
    weight: float
    x: float
    width: float
    positive: bool
    total: bool = False


@dataclass(frozen=True)
class Waterfall:
    """The bars, the x of weight 0 and of the threshold weight."""

    bars: tuple[Bar, ...]
    zero_x: float
    threshold_x: float
    width: float = WIDTH


def waterfall(explanation: pd.DataFrame, threshold_weight: float) -> Waterfall:
    """The waterfall of an explanation frame (``linkage.engine.explain.explain_pair``'s columns)."""
    steps = [(str(row.comparison), str(row.label), float(row.weight)) for row in explanation.itertuples(index=False)]
    totals, running = [0.0], 0.0
    for _, _, weight in steps:
        running += weight
        totals.append(running)
    low, high = min(*totals, threshold_weight), max(*totals, threshold_weight)
    span = (high - low) or 1.0

    def at(value: float) -> float:
        return MARGIN + (value - low) / span * (WIDTH - 2 * MARGIN)

    bars = []
    for (comparison, label, weight), before in zip(steps, totals):
        start, end = sorted((at(before), at(before + weight)))
        bars.append(Bar(comparison, label, weight, start, max(end - start, 1.0), weight >= 0))
    start, end = sorted((at(0.0), at(running)))
    bars.append(Bar("total", "match weight", running, start, max(end - start, 1.0), running >= threshold_weight,
                    total=True))
    return Waterfall(tuple(bars), at(0.0), at(threshold_weight))
