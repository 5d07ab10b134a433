"""Fellegi-Sunter model: u from random pairs, m and lambda by EM, term-frequency adjustment.

Training (as Splink does it):
- u: share of each level among ``settings.u_sample_size`` random record pairs (seeded; across
  the ``link_only_column`` values only when set); a level never seen gets half a count.
- m: EM over the distinct comparison-vector patterns with their counts, under conditional
  independence; a missing level (-1) contributes nothing. One EM session per blocking rule,
  on the pairs that rule generated; a session does not train the comparisons its rule's key
  determines (``BlockingRule.involves``, Splink's approach), nor those its split key
  determines (``split_involves``) unless enough of its pairs disagree on them; m is the median
  over the sessions that trained it (``combine_sessions``). Declared rather than inferred from
  the pairs: "almost every pair agrees" also holds for a session of almost only matches (pairs
  sharing a valid id number), the cleanest estimate of how matches compare on everything else,
  which the share test alone threw away. u stays fixed at its random-sample value during EM: random
  pairs are almost all non-matches while candidate pairs are not, and updating u would let EM
  drift into "agrees on everything" vs "disagrees on everything". m is floored at
  ``M_FLOOR`` and renormalized.
- a session that collapsed does not train: with ``settings.identifier`` (an id number), the
  share of a session's pairs agreeing on it estimates the session's match share without EM;
  at 300k rows of namesakes EM found "matches" in 80-98% of name-blocked pairs where the id
  said 3-7%, and every weight but the id's agreement shrank towards 0. Sessions whose EM
  share strays from the identifier's by more than ``identifier_max_log_odds_gap`` (log odds)
  are left out of the median; a comparison no healthy session trains keeps every session's.
- lambda, the prior that two records match: blocked non-matches are not random pairs, so the
  share of matches among candidate pairs is the wrong prior for scoring them. lambda is the
  fixed point of lambda = (sum of the candidate pairs' match probabilities) / (number of all
  possible pairs), i.e. pairs outside blocking count as non-matches; kept in (1e-15, 1 - 1e-6).
- ``fixed_m_u`` levels keep the given (m, u) and are not trained; the trained levels share
  the remaining m mass.
- Term frequencies: for a comparison with ``tf_column``, at its ``tf_levels``, u is replaced
  per pair by the frequency of the value (share of non-missing records carrying it; the larger
  of the two sides' frequencies when they differ), floored at ``tf_floor``. Sharing a very
  common value then weighs little and sharing a rare one a lot.

The model JSON holds labels, m, u, lambda and the tf tables (value -> frequency). The tf
values are data values (names...): the file belongs beside the outputs, never in a log.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from linkage.engine.blocking import CandidatePairs
from linkage.engine.levels import column_cache, comparison_levels, text_values
from linkage.engine.parallel import CHUNKS, beside, in_parallel
from linkage.engine.settings import Comparison, LinkageSettings

M_FLOOR = 1e-6
LAMBDA_BOUNDS = (1e-15, 1 - 1e-6)
DEFAULT_TF_FLOOR = 1e-5
MIN_ELSE_SHARE = 0.1
"""A session trains a comparison only when at least this share of its pairs disagree on it.
Oversize blocks are split on birth year, county or sex, so a rule fixes more than its key:
in a namesake block split on birth year almost every pair agrees on birth, and EM, taking
that agreement for evidence, calls the namesakes matches (at 300k rows every other
comparison then came out nearly weightless). 10% leaves such near-fixed comparisons out.
Applied to every comparison of a rule that does not declare ``involves``, and to the
``split_involves`` of one that does."""


@dataclass
class ComparisonModel:
    """Trained parameters of one comparison: m and u per level."""

    name: str
    levels: tuple[str, ...]
    m: np.ndarray
    u: np.ndarray
    tf_column: str | None = None
    tf_levels: tuple[int, ...] = ()
    tf_table: dict[str, float] = field(default_factory=dict)
    fixed_levels: tuple[int, ...] = ()

    def level_weights(self) -> np.ndarray:
        """log2(m/u) per level."""
        return np.log2(self.m / self.u)


@dataclass
class FSModel:
    """A trained Fellegi-Sunter model."""

    comparisons: list[ComparisonModel]
    lambda_: float
    tf_floor: float = DEFAULT_TF_FLOOR
    sessions: list[dict] = field(default_factory=list)

    @property
    def prior_weight(self) -> float:
        return float(np.log2(self.lambda_ / (1 - self.lambda_)))

    def to_json(self) -> str:
        return json.dumps({
            "lambda": self.lambda_,
            "tf_floor": self.tf_floor,
            "sessions": self.sessions,
            "comparisons": [{
                "name": c.name, "levels": list(c.levels), "m": c.m.tolist(), "u": c.u.tolist(),
                "tf_column": c.tf_column, "tf_levels": list(c.tf_levels),
                "fixed_levels": list(c.fixed_levels), "tf_table": c.tf_table,
            } for c in self.comparisons],
        }, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "FSModel":
        data = json.loads(text)
        comparisons = [ComparisonModel(
            name=c["name"], levels=tuple(c["levels"]), m=np.asarray(c["m"], dtype=np.float64),
            u=np.asarray(c["u"], dtype=np.float64), tf_column=c["tf_column"],
            tf_levels=tuple(c["tf_levels"]), tf_table=dict(c["tf_table"]),
            fixed_levels=tuple(c["fixed_levels"])) for c in data["comparisons"]]
        return cls(comparisons=comparisons, lambda_=data["lambda"], tf_floor=data["tf_floor"],
                   sessions=data["sessions"])


def random_pairs(n: int, size: int, seed: int,
                 side: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``size`` random distinct pairs (left < right), across ``side`` values when given."""
    rng = np.random.default_rng(seed)
    if side is not None:
        groups = [np.flatnonzero(side == value) for value in np.unique(side)]
        possible = (sum(len(g) for g in groups) ** 2 - sum(len(g) ** 2 for g in groups)) // 2
    else:
        possible = n * (n - 1) // 2
    size = int(min(size, possible))
    left_parts, right_parts, found = [], [], 0
    while found < size:
        draw = max(2 * (size - found), 1024)
        a, b = rng.integers(0, n, draw), rng.integers(0, n, draw)
        keep = a != b if side is None else side[a] != side[b]
        a, b = a[keep], b[keep]
        left_parts.append(np.minimum(a, b))
        right_parts.append(np.maximum(a, b))
        found += a.size
    left = np.concatenate(left_parts)[:size] if left_parts else np.zeros(0, np.int64)
    right = np.concatenate(right_parts)[:size] if right_parts else np.zeros(0, np.int64)
    return left.astype(np.int64), right.astype(np.int64)


def level_shares(levels: np.ndarray, n_levels: int, weights: np.ndarray | None = None,
                 pseudo_count: float = 0.5) -> np.ndarray:
    """Share of each level among the non-missing entries, each level given a pseudo count."""
    present = levels >= 0
    counts = np.bincount(levels[present].astype(np.int64), minlength=n_levels,
                         weights=None if weights is None else weights[present])[:n_levels]
    counts = counts.astype(np.float64) + pseudo_count
    return counts / counts.sum()


def estimate_u(df: pd.DataFrame, comparisons: list[Comparison], sample_size: int, seed: int,
               link_only_column: str | None = None) -> list[np.ndarray]:
    """u per level of each comparison from random pairs."""
    side = pd.factorize(df[link_only_column])[0] if link_only_column else None
    left, right = random_pairs(len(df), sample_size, seed, side)
    levels = comparison_levels(df, left, right, comparisons)
    return [level_shares(levels[:, k], len(c.levels)) for k, c in enumerate(comparisons)]


def settings_u(df: pd.DataFrame, settings: LinkageSettings) -> list[np.ndarray]:
    """``estimate_u`` with the sample size, seed and link-only column of ``settings``; the text
    of the term-frequency columns is prepared too (kept in an open ``column_cache`` for the tf
    tables)."""
    u = estimate_u(df, settings.comparisons, settings.u_sample_size, settings.seed,
                   settings.link_only_column)
    for comparison in settings.comparisons:
        if comparison.tf_column:
            text_values(df, comparison.tf_column)
    return u


def _radices(columns: list[np.ndarray]) -> list[int]:
    """Radix of each integer column (values >= -1) in a mixed-radix row code."""
    return [int(column.max()) + 2 if column.size else 1 for column in columns]


def _row_codes(columns: list[np.ndarray], radices: list[int]) -> np.ndarray | None:
    """Mixed-radix int64 code of each row of integer columns (digit = value + 1, first column
    most significant, so codes order rows lexicographically), built a column at a time so no
    (rows x columns) int64 matrix is made; None when the code would not fit."""
    if np.sum(np.log2(np.asarray(radices, dtype=np.float64))) >= 62:
        return None
    code = np.zeros(len(columns[0]), dtype=np.int64)
    for column, radix in zip(columns, radices):
        code *= radix
        code += column
        code += 1
    return code


def _decoded(codes: np.ndarray, radices: list[int]) -> list[np.ndarray]:
    """The columns whose ``_row_codes`` are ``codes``."""
    columns = []
    for radix in reversed(radices):
        columns.append(codes % radix - 1)
        codes = codes // radix
    return columns[::-1]


DENSE_PATTERN_CODES = 1 << 22
"""Largest level-pattern code space indexed through dense tables (16 MB of int32 rows)."""
DENSE_MASKED_COUNTS = 1 << 25
"""Largest (rule mask, pattern) space counted in a dense table (256 MB of int64 counts)."""


@dataclass
class PatternIndex:
    """The distinct level patterns of some pairs (lexicographic order) and each pair's row
    among them (int16 when there are at most 2^15 patterns)."""

    patterns: np.ndarray
    pair_pattern: np.ndarray


def pattern_index(levels: np.ndarray) -> PatternIndex | None:
    """``PatternIndex`` of a level matrix through a mixed-radix code of each row (digit = level
    + 1, first column most significant, so codes order rows lexicographically); None when the
    code space exceeds ``DENSE_PATTERN_CODES`` or there are no columns. The pair-sized passes
    run on one thread per CPU."""
    radices = _radices([levels[:, k] for k in range(levels.shape[1])])
    if not radices or np.sum(np.log2(np.asarray(radices, dtype=np.float64))) > np.log2(DENSE_PATTERN_CODES):
        return None
    space = int(np.prod(radices))
    codes = np.empty(levels.shape[0], dtype=np.int32)

    def code_rows(begin: int, end: int) -> None:
        for start in range(begin, end, CHUNKS.pattern_code):
            stop = min(start + CHUNKS.pattern_code, end)
            part, code = levels[start:stop], codes[start:stop]
            code.fill(0)
            for k, radix in enumerate(radices):
                code *= radix
                code += part[:, k]
                code += 1

    in_parallel(code_rows, codes.size)
    distinct, rows = _dense_rows(codes, space)
    pair_pattern = np.empty(codes.size, dtype=np.int16 if distinct.size <= 1 << 15 else np.int32)

    def number_rows(begin: int, end: int) -> None:
        for start in range(begin, end, CHUNKS.pairs):
            stop = min(start + CHUNKS.pairs, end)
            pair_pattern[start:stop] = rows[codes[start:stop]]

    in_parallel(number_rows, codes.size)
    del codes
    patterns = np.column_stack(_decoded(distinct, radices)).astype(np.int8).reshape(-1, levels.shape[1])
    return PatternIndex(patterns=patterns, pair_pattern=pair_pattern)


def pattern_counts(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of the level matrix and how often each occurs."""
    _, patterns, counts = masked_pattern_counts(np.zeros(levels.shape[0], dtype=np.uint8), levels)
    return patterns, counts


def _initial_m(n_levels: int) -> np.ndarray:
    weights = 4.0 ** np.arange(n_levels)
    return weights / weights.sum()


def _log_ratio(patterns: np.ndarray, m: list[np.ndarray], u: list[np.ndarray]) -> np.ndarray:
    total = np.zeros(patterns.shape[0])
    for k in range(patterns.shape[1]):
        column = patterns[:, k]
        present = column >= 0
        weights = np.log(m[k] / u[k])
        total[present] += weights[column[present]]
    return total


def expectation_maximisation(patterns: np.ndarray, counts: np.ndarray, m: list[np.ndarray],
                             u: list[np.ndarray], fixed: list[dict[int, float]], lambda_: float,
                             max_iterations: int, tolerance: float = 1e-6
                             ) -> tuple[list[np.ndarray], float, int, bool]:
    """EM for m and lambda with u fixed. ``fixed[k]`` maps level -> m kept as given."""
    counts = counts.astype(np.float64)
    m = [mk.copy() for mk in m]
    if counts.sum() == 0:
        return m, lambda_, 0, True
    for iteration in range(1, max_iterations + 1):
        logit = np.log(lambda_ / (1 - lambda_)) + _log_ratio(patterns, m, u)
        posterior = 1.0 / (1.0 + np.exp(-np.clip(logit, -700, 700)))
        weighted = counts * posterior
        new_lambda = float(np.clip(weighted.sum() / counts.sum(), *LAMBDA_BOUNDS))
        change = abs(new_lambda - lambda_)
        for k in range(patterns.shape[1]):
            if not np.any(patterns[:, k] >= 0):
                continue
            shares = level_shares(patterns[:, k], m[k].size, weighted, pseudo_count=0.0)
            new_m = _with_fixed(shares, fixed[k])
            change = max(change, float(np.max(np.abs(new_m - m[k]))))
            m[k] = new_m
        lambda_ = new_lambda
        if change < tolerance:
            return m, lambda_, iteration, True
    return m, lambda_, max_iterations, False


def _with_fixed(shares: np.ndarray, fixed: dict[int, float]) -> np.ndarray:
    """Floor the trained shares, give them the mass the fixed levels leave, set fixed levels."""
    trained = np.array([level not in fixed for level in range(shares.size)])
    result = np.zeros(shares.size)
    free_mass = 1.0 - sum(fixed.values())
    trained_shares = np.maximum(shares[trained], M_FLOOR)
    result[trained] = free_mass * trained_shares / trained_shares.sum()
    for level, value in fixed.items():
        result[level] = value
    return result


def term_frequencies(df: pd.DataFrame, column: str) -> dict[str, float]:
    """Share of non-missing records carrying each value of ``column``."""
    values = pd.Series(text_values(df, column)).dropna()
    return values.value_counts(normalize=True).astype(float).to_dict()


def possible_pairs(df: pd.DataFrame, link_only_column: str | None) -> int:
    """Number of record pairs the linkage could consider (across sides when link-only)."""
    n = len(df)
    if not link_only_column:
        return n * (n - 1) // 2
    sizes = pd.Series(df[link_only_column]).value_counts().to_numpy(dtype=np.int64)
    return int((sizes.sum() ** 2 - (sizes ** 2).sum()) // 2)


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


def merged_patterns(levels: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows (lexicographic, as ``pattern_counts`` orders them) and their summed counts."""
    if levels.shape[0] == 0:
        return levels, np.zeros(0, np.int64)
    columns = [levels[:, k] for k in range(levels.shape[1])]
    radices = _radices(columns)
    codes = _row_codes(columns, radices)
    if codes is None:
        patterns, inverse = np.unique(levels, axis=0, return_inverse=True)
    else:
        distinct, inverse = np.unique(codes, return_inverse=True)
        patterns = np.column_stack(_decoded(distinct, radices)).astype(levels.dtype)
    summed = np.bincount(inverse.ravel(), weights=counts, minlength=patterns.shape[0])
    return patterns, summed.astype(np.int64)


def masked_pattern_counts(masks: np.ndarray, levels: np.ndarray, index: PatternIndex | None = None
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (rule mask, level pattern) rows of the candidate pairs, in lexicographic order,
    and their counts. ``index``: the ``pattern_index`` of ``levels`` when the caller has it."""
    if levels.shape[0] == 0:
        return np.zeros(0, np.int64), levels.reshape(0, levels.shape[1]), np.zeros(0, np.int64)
    index = index if index is not None else pattern_index(levels)
    if index is not None:
        counted = _dense_masked_counts(masks, index)
        if counted is not None:
            return counted
    return _sorted_masked_counts(masks, levels)


def _dense_masked_counts(masks: np.ndarray, index: PatternIndex
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``masked_pattern_counts`` by counting (mask row, pattern row) keys in a dense table,
    ordered as mask row, then pattern row; None when the table would exceed
    ``DENSE_MASKED_COUNTS`` entries or a mask is negative or too large to index."""
    if masks.min() < 0 or masks.max() >= DENSE_PATTERN_CODES:
        return None
    mask_values, mask_rows = _dense_rows(masks, int(masks.max()) + 1)
    n_patterns = index.patterns.shape[0]
    space = mask_values.size * n_patterns
    if space > DENSE_MASKED_COUNTS:
        return None
    counts = np.zeros(space, np.int64)
    for start in range(0, masks.size, CHUNKS.pairs):
        part = slice(start, start + CHUNKS.pairs)
        key = mask_rows[masks[part]]  # int32: the space is below 2^31
        key *= n_patterns
        key += index.pair_pattern[part]
        np.add.at(counts, key, 1)
    found = np.flatnonzero(counts)
    return (mask_values[found // n_patterns].astype(np.int64), index.patterns[found % n_patterns],
            counts[found])


def _dense_rows(values: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values (sorted) of non-negative ints below ``space``, and a table mapping
    each of them to its row among them."""
    seen = np.zeros(space, dtype=bool)
    for start in range(0, values.size, CHUNKS.pairs):
        seen[values[start:start + CHUNKS.pairs]] = True
    distinct = np.flatnonzero(seen)
    rows = np.zeros(space, dtype=np.int32)
    rows[distinct] = np.arange(distinct.size, dtype=np.int32)
    return distinct, rows


def _sorted_masked_counts(masks: np.ndarray, levels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``masked_pattern_counts`` by sorting an int64 code of each pair (any sizes)."""
    columns = [masks, *(levels[:, k] for k in range(levels.shape[1]))]
    radices = _radices(columns)
    codes = _row_codes(columns, radices)
    if codes is None:
        rows, counts = np.unique(np.column_stack([masks.astype(np.int64), levels.astype(np.int64)]),
                                 axis=0, return_counts=True)
        return rows[:, 0], rows[:, 1:].astype(np.int8), counts
    codes.sort()
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    counts = np.diff(np.append(starts, codes.size))
    distinct = codes[starts]
    del codes
    decoded = _decoded(distinct, radices)
    return decoded[0].astype(np.int64), np.column_stack(decoded[1:]).astype(np.int8), counts


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
    model.lambda_ = prior_from_candidates(pair_evidence, possible_pairs(df, settings.link_only_column))
    return model, pair_evidence


def train(df: pd.DataFrame, pairs: CandidatePairs, levels: np.ndarray, settings: LinkageSettings,
          tf_floor: float = DEFAULT_TF_FLOOR, min_else_share: float = MIN_ELSE_SHARE) -> FSModel:
    """The model of ``fit``."""
    return fit(df, pairs, levels, settings, tf_floor, min_else_share)[0]


def prior_from_candidates(evidence: np.ndarray, all_pairs: int, iterations: int = 200,
                          tolerance: float = 1e-9) -> float:
    """lambda with lambda = sum over candidates of P(match | evidence, lambda) / all_pairs.

    Each iteration fills the probabilities block by block on one thread per CPU, then sums
    them in one ``sum`` (the same numbers as a single pass over all pairs)."""
    all_pairs = max(all_pairs, 1)
    lambda_ = float(np.clip(max((evidence > 0).sum(), 1) / all_pairs, *LAMBDA_BOUNDS))
    probability = np.empty_like(evidence)
    for _ in range(iterations):
        log_odds = np.log2(lambda_ / (1 - lambda_))

        def fill(begin: int, end: int) -> None:
            for start in range(begin, end, CHUNKS.prior_block):
                part = probability[start:min(start + CHUNKS.prior_block, end)]
                np.add(evidence[start:start + part.size], log_odds, out=part)
                np.clip(part, -1000, 1000, out=part)
                np.negative(part, out=part)
                np.exp2(part, out=part)
                part += 1.0
                np.divide(1.0, part, out=part)

        in_parallel(fill, evidence.size)
        expected = float(probability.sum())
        new_lambda = float(np.clip(expected / all_pairs, *LAMBDA_BOUNDS))
        if abs(new_lambda - lambda_) <= tolerance * lambda_:
            return new_lambda
        lambda_ = new_lambda
    return lambda_


def _tf_frequencies(model: FSModel, df: pd.DataFrame) -> dict[int, np.ndarray]:
    """Per comparison with a term-frequency adjustment: the value frequency of each record."""
    return {k: _row_frequencies(df, comparison, model.tf_floor)
            for k, comparison in enumerate(model.comparisons)
            if comparison.tf_column and comparison.tf_levels}


def _level_table(comparison: ComparisonModel) -> np.ndarray:
    """Weight of each level, then 0 for a missing level: indexing it with -1 takes the 0."""
    return np.append(comparison.level_weights(), 0.0)


def _tf_weights(comparison: ComparisonModel, frequency: np.ndarray, left: np.ndarray,
                right: np.ndarray, column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs at a term-frequency level (boolean) and their weights, log2(m / the larger
    of the two records' value frequencies)."""
    at_tf = np.isin(column, comparison.tf_levels)
    pair_u = np.maximum(frequency[left[at_tf]], frequency[right[at_tf]])
    return at_tf, np.log2(comparison.m[column[at_tf]] / pair_u)


def _contributions(model: FSModel, frequencies: dict[int, np.ndarray], left: np.ndarray,
                   right: np.ndarray, levels: np.ndarray) -> np.ndarray:
    out = np.empty(levels.shape, dtype=np.float64)
    for k, comparison in enumerate(model.comparisons):
        out[:, k] = _level_table(comparison)[levels[:, k]]
        if k in frequencies:
            at_tf, weights = _tf_weights(comparison, frequencies[k], left, right, levels[:, k])
            out[at_tf, k] = weights
    return out


def contributions(model: FSModel, df: pd.DataFrame, left: np.ndarray, right: np.ndarray,
                  levels: np.ndarray) -> np.ndarray:
    """Weight (log2 Bayes factor) each comparison adds to each pair, tf included; 0 if missing."""
    return _contributions(model, _tf_frequencies(model, df), left, right, levels)


def evidence(model: FSModel, df: pd.DataFrame, left: np.ndarray, right: np.ndarray,
             levels: np.ndarray, chunk: int = CHUNKS.evidence, index: PatternIndex | None = None
             ) -> np.ndarray:
    """Sum of the contributions of each pair, a chunk of pairs at a time (bounded memory).

    With the ``pattern_index`` of ``levels``, a pair at no term-frequency level takes its
    pattern's sum, and only the pairs at one have their (pattern row, tf weights) summed: the
    same rows summed the same way, so the same numbers; the chunks run on one thread per CPU.
    """
    frequencies = _tf_frequencies(model, df)
    total = np.empty(levels.shape[0], dtype=np.float64)
    if index is None:
        for start in range(0, levels.shape[0], chunk):
            part = slice(start, start + chunk)
            total[part] = _contributions(model, frequencies, left[part], right[part],
                                         levels[part]).sum(axis=1)
        return total
    table = np.empty(index.patterns.shape, dtype=np.float64)
    for k, comparison in enumerate(model.comparisons):
        table[:, k] = _level_table(comparison)[index.patterns[:, k]]
    sums = table.sum(axis=1)

    def fill(begin: int, end: int) -> None:
        rows = index.pair_pattern[begin:end]
        np.take(sums, rows, out=total[begin:end])
        if frequencies:
            _tf_evidence(model, frequencies, table, total[begin:end], rows, left[begin:end],
                         right[begin:end], levels[begin:end])

    in_parallel(fill, levels.shape[0], chunk)
    return total


def _tf_evidence(model: FSModel, frequencies: dict[int, np.ndarray], table: np.ndarray,
                 total: np.ndarray, rows: np.ndarray, left: np.ndarray, right: np.ndarray,
                 levels: np.ndarray) -> None:
    """Re-sum in ``total`` the pairs at a term-frequency level from their pattern's
    contributions (``table`` row) with the tf weights put in."""
    at_any = np.zeros(levels.shape[0], dtype=bool)
    for k in frequencies:
        at_any |= np.isin(levels[:, k], model.comparisons[k].tf_levels)
    chosen = np.flatnonzero(at_any)
    block = table[rows[chosen]]
    for k, frequency in frequencies.items():
        at_tf, weights = _tf_weights(model.comparisons[k], frequency, left[chosen], right[chosen],
                                     levels[chosen, k])
        block[at_tf, k] = weights
    total[chosen] = block.sum(axis=1)


def _row_frequencies(df: pd.DataFrame, comparison: ComparisonModel, floor: float) -> np.ndarray:
    values = pd.Series(text_values(df, comparison.tf_column))
    frequency = values.map(comparison.tf_table).to_numpy(dtype=np.float64, na_value=np.nan)
    return np.maximum(np.nan_to_num(frequency, nan=floor), floor)


def score(model: FSModel, df: pd.DataFrame, left: np.ndarray, right: np.ndarray,
          levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Match weight (log2 odds) and match probability of each pair."""
    return weights_from_evidence(model, evidence(model, df, left, right, levels))


def weights_from_evidence(model: FSModel, pair_evidence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Match weight (prior + evidence, log2 odds) and match probability of each pair."""
    weight = model.prior_weight + pair_evidence
    probability = 1.0 / (1.0 + np.exp2(-np.clip(weight, -1000, 1000)))
    return weight, probability


def one_hot_levels(levels: np.ndarray, comparisons: list[Comparison]) -> pd.DataFrame:
    """One indicator column per comparison level (missing = all zero), for sklearn or
    recordlinkage classifiers."""
    columns = {}
    for k, comparison in enumerate(comparisons):
        for level, label in enumerate(comparison.levels):
            columns[f"{comparison.name}={label}"] = (levels[:, k] == level).astype(np.int8)
    return pd.DataFrame(columns)


def train_supervised(levels: np.ndarray, labels: np.ndarray, comparisons: list[Comparison]):
    """Fit recordlinkage's LogisticRegressionClassifier on labelled pairs' levels.

    Returns the fitted classifier; ``classifier.prob(one_hot_levels(...))`` gives match
    probabilities of new pairs (the index of the frame is the pair number).
    """
    from recordlinkage import LogisticRegressionClassifier

    features = one_hot_levels(levels, comparisons)
    classifier = LogisticRegressionClassifier()
    classifier.fit(features, features.index[np.asarray(labels, dtype=bool)])
    return classifier
