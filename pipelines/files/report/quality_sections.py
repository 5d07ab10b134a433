"""Sections about the data and the linkage: quality-suite verdicts, doubtful values, quarantine
reasons in words, the match-weight distribution, the review queue explained."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from linkage.roster.outcomes.labels import label
from pipelines.files.report.page import Page
from pipelines.files.report.svg import Series, column_chart, hbar_chart

QUARANTINE_WORDS: dict[str, str] = {
    "blank_row": "every cell of the row is blank",
    "missing_record_id": "the record id is blank",
    "duplicate_record_id": "the record id was already seen in the same source",
    "missing_required_date": "a required date is blank",
    "unreadable_required_date": "a required date cannot be read as a date",
    "malformed_row": "the file format cannot parse the row (for example more fields than the header)",
}
REVIEW_WORDS: dict[str, str] = {
    "probability_in_review_band": "the model is unsure: the pair's probability lies between the review floor and "
                                  "the match threshold, so it was not merged; confirm or reject it",
    "above_threshold_not_merged": "the pair scored at or above the match threshold, yet its records ended in "
                                  "different persons: merging would have joined records that cannot be one person "
                                  "(two different valid id numbers, or a case worker's `different` decision), so "
                                  "the clustering kept them apart; usually a namesake, check which side it belongs to",
}
DOUBTFUL_WORDS: dict[str, str] = {
    "id_bad_check": "id number whose check digit fails", "id_bad_date": "id number without a real birth date",
    "id_malformed": "id number of the wrong shape", "birth_after_event": "birth date after the event",
    "exit_before_intake": "station exit before the intake",
}


def _reason_words(reason: str) -> str:
    code, _, column = reason.partition(":")
    words = QUARANTINE_WORDS.get(code, code)
    return f"{words} ({column})" if column else words


def data_quality(page: Page, summary: dict[str, Any]) -> None:
    page.heading("Data quality", "Doubtful values are kept, flagged and used with less weight; unusable rows are "
                 "quarantined with a reason. Counts only.")
    checks = summary.get("quality_checks", {})
    page.heading("Check verdicts: the Great Expectations suite of each source and the pipeline's own checks", level=3)
    if checks:
        page.table(pd.DataFrame([(name, "passed" if c.get("passed") else "failed", c.get("expectations", ""),
                                  c.get("failed", ""), "; ".join(c.get("failed_expectations", [])))
                                 for name, c in sorted(checks.items())],
                                columns=["check", "verdict", "expectations", "failed", "failed expectations"]))
    else:
        page.note("No suite verdicts were recorded for this run.")
    counts = summary.get("data_quality", {})
    page.heading("Doubtful values per source", level=3)
    if counts:
        sources = sorted(counts)
        page.chart(hbar_chart("Doubtful values per source", [label("source", s) for s in sources],
                              [Series(words, [counts[s].get(key, 0) for s in sources])
                               for key, words in DOUBTFUL_WORDS.items()], value_label="records"))
        page.table(pd.DataFrame([(label("source", s), counts[s].get("records", 0),
                                  *[counts[s].get(k, 0) for k in DOUBTFUL_WORDS]) for s in sources],
                                columns=["source", "records", *DOUBTFUL_WORDS.values()]))
    else:
        page.note("No counts of doubtful values were recorded for this run.")
    quarantine(page, summary)


def quarantine(page: Page, summary: dict[str, Any]) -> None:
    page.heading("Quarantined rows by reason", level=3)
    reasons = pd.DataFrame(
        [(label("source", s), _reason_words(r), r, n) for s, by_reason in summary.get("quarantine_reasons", {}).items()
         for r, n in by_reason.items()], columns=["source", "reason", "reason code", "rows"])
    reasons = reasons[reasons["rows"] > 0]
    if reasons.empty:
        page.empty("quarantined rows")
        return
    words = sorted(reasons["reason"].unique())
    sources = sorted(reasons["source"].unique())
    pivot = reasons.pivot_table(index="source", columns="reason", values="rows", aggfunc="sum", fill_value=0)
    page.chart(hbar_chart("Quarantined rows by reason", sources,
                          [Series(w, pivot.reindex(sources)[w].tolist()) for w in words], stacked=True,
                          value_label="rows"))
    page.table(reasons.sort_values(["source", "reason"]))


def _prior_log2_odds(pairs: pd.DataFrame) -> float | None:
    """log2 prior odds that turns a match weight into its probability, read off the scored pairs."""
    p = pairs["match_probability"].to_numpy(dtype=float)
    inner = (p > 1e-9) & (p < 1 - 1e-9)
    if not inner.any():
        return None
    return float(np.median(np.log2(p[inner] / (1 - p[inner])) - pairs["match_weight"].to_numpy(dtype=float)[inner]))


def weight_histogram(weights: np.ndarray, bins: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Pairs per match-weight bin and the bin edges: the chart carries bins, never one point per pair."""
    finite = weights[np.isfinite(weights)]
    return np.histogram(finite, bins=bins)


def match_weights(page: Page, pairs: pd.DataFrame, thresholds: dict[str, float]) -> None:
    page.heading("Match weights of scored pairs",
                 "Pairs at or above the match threshold may join a person; pairs between the review floor "
                 "and the threshold wait for review.")
    if pairs.empty:
        page.empty("scored pairs")
        return
    counts, edges = weight_histogram(pairs["match_weight"].to_numpy(dtype=np.float64))
    prior = _prior_log2_odds(pairs)
    lines = []
    for name, key in (("match threshold", "match_threshold"), ("review floor", "review_floor")):
        probability = thresholds.get(key)
        if prior is not None and probability is not None and 0 < probability < 1:
            lines.append((float(np.log2(probability / (1 - probability)) - prior), f"{name} (p={probability:g})"))
    page.chart(column_chart("Match weight distribution", [f"{(a + b) / 2:.1f}" for a, b in zip(edges[:-1], edges[1:])],
                            [Series("pairs", counts.tolist())], x_label="match weight (log2 Bayes factor)",
                            y_label="pairs", lines=lines, x_range=(float(edges[0]), float(edges[-1]))))


def review_queue(page: Page, queue: pd.DataFrame) -> None:
    page.heading("Review queue", "Record pairs a case worker should decide (same, different, unsure) before they "
                 "are merged or kept apart; a decision binds every later run.")
    if queue.empty:
        page.empty("pairs waiting for review")
        return
    counts = queue["reason"].value_counts()
    page.table(pd.DataFrame({"reason": counts.index, "what it means": [REVIEW_WORDS.get(r, r) for r in counts.index],
                             "pairs": counts.tolist()}))
