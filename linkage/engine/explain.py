"""Why a pair scored what it did: the weight each comparison added, and the prior."""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.engine.levels import comparison_levels
from linkage.engine.fs import FSModel, contributions
from linkage.engine.fs.training import candidate_groups
from linkage.engine.settings import LinkageSettings


def explain_pair(model: FSModel, df: pd.DataFrame, i: int, j: int,
                 settings: LinkageSettings) -> pd.DataFrame:
    """One row for the prior, then one per comparison: level, label, m, u, weight.

    ``weight`` includes the term-frequency adjustment (``tf_adjustment`` is its part);
    the column sums to the pair's match weight.
    """
    left, right = np.array([min(i, j)]), np.array([max(i, j)])
    levels = comparison_levels(df, left, right, settings.comparisons)
    weights = contributions(model, df, left, right, levels)[0]
    prior = model.prior_weight
    group_weights = model.group_prior_weights()
    groups = candidate_groups(df, left, right, settings)
    if group_weights is not None and groups is not None:
        prior = float(group_weights[groups[0]])  # the pair's group prior (settings.prior_groups)
    rows = [{"comparison": "prior", "level": None, "label": "prior (lambda)", "m": None,
             "u": None, "weight": prior, "tf_adjustment": 0.0}]
    for k, comparison in enumerate(model.comparisons):
        level = int(levels[0, k])
        present = level >= 0
        base = float(comparison.level_weights()[level]) if present else 0.0
        rows.append({
            "comparison": comparison.name,
            "level": level,
            "label": comparison.levels[level] if present else "missing",
            "m": float(comparison.m[level]) if present else None,
            "u": float(comparison.u[level]) if present else None,
            "weight": float(weights[k]),
            "tf_adjustment": float(weights[k]) - base,
        })
    return pd.DataFrame(rows)
