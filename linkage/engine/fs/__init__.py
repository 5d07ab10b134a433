"""Fellegi-Sunter model: u from random pairs, m and lambda by EM, term-frequency adjustment.

One module per concept: ``model`` (FSModel and its JSON), ``u`` (u from random pairs),
``patterns`` (comparison-vector pattern coding and counts), ``em`` (EM on pattern counts),
``training`` (one EM session per blocking rule; ``train_from_patterns``, ``fit``), ``prior``
(lambda from the candidates' evidence), ``scoring`` (term frequencies, contributions,
evidence, match weights), ``supervised`` (the recordlinkage adapter). Threads and chunk sizes
come from ``linkage.engine.parallel``.
"""
from linkage.engine.fs.em import expectation_maximisation
from linkage.engine.fs.model import DEFAULT_TF_FLOOR, LAMBDA_BOUNDS, ComparisonModel, FSModel
from linkage.engine.fs.patterns import (PatternIndex, masked_pattern_counts, merged_patterns, pattern_counts,
                                        pattern_index)
from linkage.engine.fs.prior import possible_pairs, prior_from_candidates
from linkage.engine.fs.scoring import contributions, evidence, score, term_frequencies, weights_from_evidence
from linkage.engine.fs.supervised import one_hot_levels, train_supervised
from linkage.engine.fs.training import (MIN_ELSE_SHARE, fit, free_comparisons, rule_sessions, train,
                                        train_from_patterns)
from linkage.engine.fs.u import estimate_u, random_pairs, settings_u

__all__ = [
    "DEFAULT_TF_FLOOR", "LAMBDA_BOUNDS", "MIN_ELSE_SHARE", "ComparisonModel", "FSModel", "PatternIndex",
    "contributions", "estimate_u", "evidence", "expectation_maximisation", "fit", "free_comparisons",
    "masked_pattern_counts", "merged_patterns", "one_hot_levels", "pattern_counts", "pattern_index",
    "possible_pairs", "prior_from_candidates", "random_pairs", "rule_sessions", "score", "settings_u",
    "term_frequencies", "train", "train_from_patterns", "train_supervised", "weights_from_evidence",
]
