"""Training: one EM session per blocking rule on the pattern counts of its pairs, then lambda.

- m: EM (``linkage.engine.fs.em``) over the distinct comparison-vector patterns with their
  counts. One EM session per blocking rule, on the pairs that rule generated; a session does
  not train the comparisons its rule's key determines (``BlockingRule.involves``, Splink's
  approach), nor those its split key determines (``split_involves``) unless enough of its
  pairs disagree on them; m is the median over the sessions that trained it
  (``combine_sessions``). Declared rather than inferred from the pairs: "almost every pair
  agrees" also holds for a session of almost only matches (pairs sharing a valid id number),
  the cleanest estimate of how matches compare on everything else, which the share test
  alone threw away.
- a session that collapsed does not train: with ``settings.identifier`` (an id number), the
  share of a session's pairs agreeing on it estimates the session's match share without EM.
  Sessions whose EM share strays from the identifier's by more than
  ``identifier_max_log_odds_gap`` (log odds) are left out of the median; a comparison no
  healthy session trains keeps every session's.
- ``fixed_m_u`` levels keep the given (m, u) and are not trained; the trained levels share
  the remaining m mass.
- u from random pairs (``linkage.engine.fs.u``), lambda from the candidates' evidence
  (``linkage.engine.fs.prior``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from linkage.engine.blocking import CandidatePairs
from linkage.engine.fs.em import _initial_m, _with_fixed, expectation_maximisation
from linkage.engine.fs.model import DEFAULT_TF_FLOOR, LAMBDA_BOUNDS, ComparisonModel, FSModel
from linkage.engine.fs.patterns import masked_pattern_counts, merged_patterns, pattern_index
from linkage.engine.fs.prior import (group_possible_pairs, group_priors, pair_groups, possible_pairs,
                                     prior_from_candidates, record_categories)
from linkage.engine.fs.scoring import evidence, term_frequencies
from linkage.engine.fs.u import settings_u
from linkage.engine.levels import column_cache
from linkage.engine.parallel import beside
from linkage.engine.settings import LinkageSettings

MIN_ELSE_SHARE = 0.1
"""A session trains a comparison only when at least this share of its pairs disagree on it.
Oversize blocks are split on birth year, county or sex, so a rule fixes more than its key:
in a namesake block split on birth year almost every pair agrees on birth, and EM, taking
that agreement for evidence, calls the namesakes matches. 10% leaves such near-fixed
comparisons out.
Applied to every comparison of a rule that does not declare ``involves``, and to the
``split_involves`` of one that does."""


def free_comparisons(levels: np.ndarray, min_else_share: float,
                     counts: np.ndarray | None = None) -> np.ndarray:
    """Comparisons a session can train: at least ``min_else_share`` of the non-missing pairs
    are at the else level 0 (a comparison its blocking rule forces to agree is not).
    ``counts``: how many pairs each row of ``levels`` stands for (default one each)."""
    weight = np.ones(levels.shape[0]) if counts is None else counts.astype(np.float64)
    present = ((levels >= 0) * weight[:, None]).sum(axis=0)
    at_else = ((levels == 0) * weight[:, None]).sum(axis=0)
    return at_else >= min_else_share * np.maximum(present, 1)


def combine_sessions(estimates: list[np.ndarray], fixed: dict[int, float]) -> np.ndarray:
    """m of one comparison from its sessions' estimates: the median per level, renormalized.

    A session's EM can latch onto a structure other than the person: on pairs blocked by a
    name component most pairs share a place, and EM then models "same household/village"
    (birth conflicts and different ids come out as weak evidence). Such sessions are a
    minority; the median keeps them from dragging every level's m, where a mean would not.
    """
    if len(estimates) <= 2:
        return _with_fixed(np.mean(estimates, axis=0), fixed)
    return _with_fixed(np.median(estimates, axis=0), fixed)


def _log_odds(share: float) -> float:
    share = min(max(share, 1e-4), 1 - 1e-4)
    return float(np.log(share / (1 - share)))


def identifier_share(patterns: np.ndarray, counts: np.ndarray, settings: LinkageSettings) -> float | None:
    """Share of pairs agreeing on ``settings.identifier`` among those where it is present (an
    estimate of the match share free of EM), or None without an identifier or with fewer
    than ``settings.identifier_min_pairs`` such pairs."""
    if settings.identifier is None:
        return None
    name, agree_levels = settings.identifier
    column = [c.name for c in settings.comparisons].index(name)
    levels = patterns[:, column]
    present = counts[levels >= 0].sum()
    if present < settings.identifier_min_pairs:
        return None
    return float(counts[np.isin(levels, agree_levels)].sum() / present)


@dataclass
class RuleSession:
    """One blocking rule's EM input: its pairs' distinct patterns (the comparisons it does not
    train set missing) with their counts, which comparisons it trains, its identifier share."""

    patterns: np.ndarray
    counts: np.ndarray
    free: np.ndarray
    identifier: float | None
    pairs: int


def rule_sessions(masks: np.ndarray, patterns: np.ndarray, counts: np.ndarray,
                  settings: LinkageSettings, min_else_share: float = MIN_ELSE_SHARE) -> list[RuleSession]:
    """The EM session of each rule whose bit is set in some mask (see ``train_from_patterns``)."""
    comparisons = settings.comparisons
    sessions = []
    for bit in range(int(masks.max(initial=0)).bit_length()):
        rows = np.flatnonzero(masks & (np.int64(1) << bit))
        if not rows.size:
            continue
        session_levels, session_counts = patterns[rows].copy(), counts[rows]
        free = free_comparisons(session_levels, min_else_share, session_counts)
        rule = settings.blocking_rules[bit]
        if rule.involves is not None:
            free |= np.array([c.name not in rule.split_involves for c in comparisons])
            free &= np.array([c.name not in rule.involves for c in comparisons])
        identifier = identifier_share(patterns[rows], session_counts, settings)
        session_levels[:, ~free] = -1
        merged, merged_counts = merged_patterns(session_levels, session_counts)
        sessions.append(RuleSession(patterns=merged, counts=merged_counts, free=free,
                                    identifier=identifier, pairs=int(session_counts.sum())))
    return sessions


def train_from_patterns(df: pd.DataFrame, masks: np.ndarray, patterns: np.ndarray, counts: np.ndarray,
                        settings: LinkageSettings, min_else_share: float = MIN_ELSE_SHARE,
                        u: Callable[[], list[np.ndarray]] | None = None) -> FSModel:
    """u from random pairs and m by EM per session, from (rule mask, level pattern, count) rows.

    Both engines train through this function: the pandas engine counts the patterns of its
    candidate pairs (``masked_pattern_counts``), the Spark engine gathers the same counts on the
    cluster. Bit r of a mask says blocking rule r generated the pairs. One EM session per rule
    whose bit is set somewhere (``rule_sessions``); the comparisons the rule involves (see the
    module docstring) are left out of that session, and each comparison's m combines the
    sessions that trained it (``combine_sessions``); a comparison no session can train is
    estimated from all patterns. ``u``: gives the ``settings_u`` of these settings (e.g. a
    thread's result), called once the sessions and term frequencies are ready. Returns the model
    with lambda 0.5: the caller sets lambda from the candidates' evidence.
    """
    comparisons = settings.comparisons
    prepared = rule_sessions(masks, patterns, counts, settings, min_else_share)
    tf_tables = [term_frequencies(df, c.tf_column) if c.tf_column else {} for c in comparisons]
    u_levels = settings_u(df, settings) if u is None else u()
    fixed_m = [{level: mu[0] for level, mu in c.fixed_m_u.items()} for c in comparisons]
    for k, comparison in enumerate(comparisons):
        for level, (_, fixed_u) in comparison.fixed_m_u.items():
            u_levels[k][level] = fixed_u
    m0 = [_with_fixed(_initial_m(len(c.levels)), fixed_m[k]) for k, c in enumerate(comparisons)]
    estimates: list[list[np.ndarray]] = [[] for _ in comparisons]
    healthy: list[list[np.ndarray]] = [[] for _ in comparisons]
    sessions: list[dict] = []
    for session in prepared:
        m, session_lambda, iterations, converged = expectation_maximisation(
            session.patterns, session.counts, m0, u_levels, fixed_m, 0.5, settings.max_em_iterations)
        gap = None if session.identifier is None else \
            abs(_log_odds(session_lambda) - _log_odds(session.identifier))
        collapsed = gap is not None and gap > settings.identifier_max_log_odds_gap
        for k in np.flatnonzero(session.free):
            estimates[k].append(m[k])
            if not collapsed:
                healthy[k].append(m[k])
        sessions.append({"pairs": session.pairs, "iterations": iterations,
                         "converged": converged, "lambda": session_lambda,
                         "identifier_share": session.identifier, "collapsed": collapsed,
                         "trained": [comparisons[k].name for k in np.flatnonzero(session.free)]})
    estimates = [kept if kept else found for kept, found in zip(healthy, estimates)]
    if any(not found for found in estimates):
        merged, merged_counts = merged_patterns(patterns, counts)
        m, session_lambda, iterations, converged = expectation_maximisation(
            merged, merged_counts, m0, u_levels, fixed_m, 0.5, settings.max_em_iterations)
        untrained = [k for k, found in enumerate(estimates) if not found]
        for k in untrained:
            estimates[k].append(m[k])
        sessions.append({"pairs": int(counts.sum()), "iterations": iterations,
                         "converged": converged, "lambda": session_lambda,
                         "trained": [comparisons[k].name for k in untrained]})
    models = [ComparisonModel(
        name=c.name, levels=c.levels, m=combine_sessions(estimates[k], fixed_m[k]), u=u_levels[k],
        tf_column=c.tf_column, tf_levels=tuple(c.tf_levels),
        fixed_levels=tuple(sorted(c.fixed_m_u)), tf_table=tf_tables[k])
        for k, c in enumerate(comparisons)]
    return FSModel(comparisons=models, lambda_=0.5, tf_floor=DEFAULT_TF_FLOOR, sessions=sessions)


def fit(df: pd.DataFrame, pairs: CandidatePairs, levels: np.ndarray, settings: LinkageSettings,
        tf_floor: float = DEFAULT_TF_FLOOR, min_else_share: float = MIN_ELSE_SHARE
        ) -> tuple[FSModel, np.ndarray]:
    """``train_from_patterns`` on the candidate pairs' pattern counts, then lambda over all pairs;
    returns the model and each candidate pair's evidence (``evidence``), which lambda needs and
    scoring reuses (``weights_from_evidence``) instead of summing it a second time.

    ``pairs`` is the CandidatePairs (left, right, rule_mask) whose level matrix is ``levels``
    (no rule mask: the all-pairs session alone). lambda, the prior that two records match: the
    fixed point of lambda = sum of the candidate pairs' match probabilities / all possible
    pairs (pairs outside blocking taken as non-matches).

    u is estimated on a second thread while the candidates' patterns are counted and the EM
    sessions prepared (numpy and rapidfuzz work, mostly outside the GIL); both threads share the
    prepared column arrays.
    """
    rule_mask = pairs.rule_mask if pairs.rule_mask is not None else np.zeros(levels.shape[0], np.int64)
    with column_cache(), beside(settings_u, df, settings) as u:
        index = pattern_index(levels) if levels.shape[0] else None
        masks, patterns, counts = masked_pattern_counts(rule_mask, levels, index)
        model = train_from_patterns(df, masks, patterns, counts, settings, min_else_share, u.result)
        model.tf_floor = tf_floor
        pair_evidence = evidence(model, df, pairs.left, pairs.right, levels, index=index)
    del index
    if settings.prior_groups is not None:
        set_group_priors(model, df, pairs.left, pairs.right, pair_evidence, settings)
    else:
        model.lambda_ = prior_from_candidates(pair_evidence, possible_pairs(df, settings.link_only_column))
    return model, pair_evidence


def candidate_groups(df: pd.DataFrame, left: np.ndarray, right: np.ndarray,
                     settings: LinkageSettings) -> np.ndarray | None:
    """Each pair's prior group under ``settings.prior_groups`` (None without)."""
    if settings.prior_groups is None:
        return None
    categories, k = record_categories(df, settings.prior_groups)
    return pair_groups(categories, k, left, right)


def set_group_priors(model: FSModel, df: pd.DataFrame, left: np.ndarray, right: np.ndarray,
                     pair_evidence: np.ndarray, settings: LinkageSettings) -> None:
    """``model.group_lambdas`` from the candidates' evidence, one fixed point per group of
    ``settings.prior_groups``, and ``model.lambda_`` their expected matches over all possible
    pairs (the one lambda of the same fixed points). Groups without candidates take the
    share of candidates among all possible pairs as their prior (only pairs outside blocking
    fall in them, and none is scored)."""
    categories, k = record_categories(df, settings.prior_groups)
    groups = pair_groups(categories, k, left, right)
    possible = group_possible_pairs(categories, k, df, settings.link_only_column)
    all_pairs = max(float(np.triu(possible).sum()), 1.0)
    fallback = float(np.clip(max(pair_evidence.size, 1) / all_pairs, *LAMBDA_BOUNDS))
    model.group_lambdas = group_priors(pair_evidence, groups, possible, fallback)
    upper = np.triu(np.ones((k, k), dtype=bool))
    expected = float((model.group_lambdas[upper] * possible[upper]).sum())
    model.lambda_ = float(np.clip(expected / all_pairs, *LAMBDA_BOUNDS))


def train(df: pd.DataFrame, pairs: CandidatePairs, levels: np.ndarray, settings: LinkageSettings,
          tf_floor: float = DEFAULT_TF_FLOOR, min_else_share: float = MIN_ELSE_SHARE) -> FSModel:
    """The model of ``fit``."""
    return fit(df, pairs, levels, settings, tf_floor, min_else_share)[0]
