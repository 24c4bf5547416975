"""Property tests of the scoring twins: the vectorised core against the slow reference.

Hypothesis generates small review logs that are dense in collisions: few buyers, sellers and items
(so pairs and items repeat), many actions per order, times on a coarse grid of 12 hours plus the
exact edges of the rules (14 days, 15 days, 48 hours, 17 days, 30 days, each +-1 s), ties, month
boundaries (the logs start a week before 2024-09-01 UTC+8), modifications, deletions, second rates,
invalid actions, tmall orders, refunds, removals and DSRs, scored under TAOBAO, NAIVE and random
variants, at random as-of times.

Properties:
- the core agrees with ``score_reference`` on every row and every account column;
- permuting the rows of orders and of actions changes nothing (SCORE-FINAL-RATING);
- invariants: valid codes, the clamp bound of every (direction, pair, month) walk, dedup leaves no
  two survivors inside one window (idempotence), effect times consistent with statuses;
- prefix closure: the part of the log known at t scores the same at t (docs/scoring.md section 0);
- ``IncrementalScorer`` fed day by day equals one-shot scoring.

The generated logs are ``tests/helpers/cases.py``.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.reputation.log import (
    BUYER, CANCELLED, CAPPED, COUNTED, CREDIT, DEDUPLICATED, DEFAULT, DSR, DSR_KIND, GIVEN, GOOD,
    INELIGIBLE, INVALID, NEUTRAL, OUTSIDE_WINDOW, PENDING, REMOVED, SELLER, STATUS_NAMES, SUPERSEDED,
    TMALL, Actions, ReviewRows, ScoreResult, default_as_of,
)
from sim.reputation.core import score as core_score
from sim.reputation.incremental import IncrementalScorer
from sim.reputation.reference import score_reference
from sim.rules.ruleset import RuleSet
from sim.timeutil import DAY, HOUR, NEVER, days, month_index

from helpers import examples
from helpers.cases import ACTION_COLUMNS, BASE, EDGES, GRID, Case, build_log, cases, log_known_at

SCORERS = [
    pytest.param(score_reference, id="reference"),
    pytest.param(core_score, id="core"),
]

# ---------------------------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------------------------

FLOAT_SCORES = {"credit", "positive_rate", "dsr_described", "dsr_service", "dsr_shipping",
                "dsr_logistics"}


def assert_tables_equal(name: str, a, b, rules: RuleSet) -> None:
    # The core returns its review rows as ReviewParts, a ReviewRows read column by column.
    assert type(a) is type(b) or (isinstance(a, ReviewRows) and isinstance(b, ReviewRows))
    for column, left in a.columns().items():
        right = getattr(b, column)
        assert left.shape == right.shape, f"{name}.{column}: shape {left.shape} != {right.shape}"
        if column == "points" or column in FLOAT_SCORES:
            exact = rules.integral and column in ("points", "credit")
            if exact:
                same = np.array_equal(left, right, equal_nan=True)
            else:
                same = left.shape == right.shape and np.allclose(left, right, rtol=1e-9, atol=1e-12,
                                                                 equal_nan=True)
        else:
            same = np.array_equal(left, right)
        if not same:
            bad = np.flatnonzero(~np.isclose(left, right, equal_nan=True)) if left.dtype.kind == "f" \
                else np.flatnonzero(left != right)
            detail = []
            for i in bad[:8]:
                row = {c: getattr(a, c)[i].item() for c in a.columns()}
                if "status" in row:
                    row["status"] = STATUS_NAMES[row["status"]]
                detail.append(f"  row {i}: {column} {left[i]!r} != {right[i]!r}; first: {row}")
            raise AssertionError(f"{name}.{column} differs\n" + "\n".join(detail))


def assert_results_equal(a: ScoreResult, b: ScoreResult, rules: RuleSet) -> None:
    assert int(a.as_of) == int(b.as_of)
    assert_tables_equal("reviews", a.reviews, b.reviews, rules)
    assert_tables_equal("sellers", a.sellers, b.sellers, rules)
    assert_tables_equal("buyers", a.buyers, b.buyers, rules)


def score_case(scorer, case: Case) -> ScoreResult:
    orders, actions, accounts = case.build()
    return scorer(orders, actions, case.rules, case.as_of, accounts)


# ---------------------------------------------------------------------------------------------
# The strategy itself is exercised by the reference, which must never crash
# ---------------------------------------------------------------------------------------------

@settings(max_examples=examples(150), deadline=None)
@given(cases())
def test_reference_runs_on_generated_logs(case):
    orders, actions, accounts = case.build()
    result = score_reference(orders, actions, case.rules, case.as_of, accounts)
    expected_as_of = default_as_of(orders, actions) if case.as_of is None else case.as_of
    assert result.as_of == expected_as_of
    assert_invariants(case, result)


# ---------------------------------------------------------------------------------------------
# Core == reference
# ---------------------------------------------------------------------------------------------

@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_core_agrees_with_reference(case):
    expected = score_case(score_reference, case)
    actual = score_case(core_score, case)
    assert_results_equal(actual, expected, case.rules)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), chunk_orders=st.integers(1, 12), workers=st.integers(1, 3))
def test_chunking_never_changes_the_result(case, chunk_orders, workers):
    # Chunks of whole sellers (sim.reputation.chunking), scored by any number of threads, give the
    # one-piece result exactly: same rows in the same order, same scores.
    orders, actions, accounts = case.build()
    whole = core_score(orders, actions, case.rules, case.as_of, accounts, workers=1, chunk_orders=len(orders) + 1)
    chunked = core_score(orders, actions, case.rules, case.as_of, accounts, workers=workers,
                         chunk_orders=chunk_orders)
    for table in ("reviews", "sellers", "buyers"):
        for column, values in getattr(whole, table).columns().items():
            assert np.array_equal(values, getattr(getattr(chunked, table), column), equal_nan=True), (table, column)


# ---------------------------------------------------------------------------------------------
# Row order never matters (SCORE-FINAL-RATING)
# ---------------------------------------------------------------------------------------------

def _action_row_keys(actions: Actions, result: ScoreResult, n: int) -> list[tuple]:
    """Each action row with its result, as a sortable tuple (source left out: identical actions
    are interchangeable)."""
    rows = result.reviews
    out = []
    for i in range(n):
        action = tuple(int(getattr(actions, c)[i]) for c in ACTION_COLUMNS)
        outcome = (int(rows.order_id[i]), int(rows.author[i]), int(rows.kind[i]), int(rows.origin[i]),
                   int(rows.rating[i]), int(rows.effective_at[i]), int(rows.status[i]))
        out.append((action, outcome, float(rows.points[i])))
    return sorted(out)


@pytest.mark.parametrize("scorer", SCORERS)
@settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), data=st.data())
def test_row_order_never_matters(scorer, case, data):
    orders, actions, accounts = case.build()
    o_perm = np.array(data.draw(st.permutations(range(len(orders)))), np.int64)
    a_perm = np.array(data.draw(st.permutations(range(len(actions)))), np.int64)
    one = scorer(orders, actions, case.rules, case.as_of, accounts)
    two = scorer(orders.take(o_perm), actions.take(a_perm), case.rules, case.as_of, accounts)
    n = len(actions)
    # The action rows come in input order; map them back through the permutation.
    assert two.reviews.source[:n].tolist() == list(range(n))
    left = _action_row_keys(actions, one, n)
    right = _action_row_keys(actions.take(a_perm), two, n)
    assert [k[:2] for k in left] == [k[:2] for k in right]
    assert np.allclose([k[2] for k in left], [k[2] for k in right], rtol=1e-12, atol=0)
    tail = np.arange(n, len(one.reviews))
    assert_tables_equal("default rows", one.reviews.take(tail),
                        two.reviews.take(np.arange(n, len(two.reviews))), case.rules)
    assert_tables_equal("sellers", one.sellers, two.sellers, case.rules.replace(credit_half_life_days=1.0))
    assert_tables_equal("buyers", one.buyers, two.buyers, case.rules.replace(credit_half_life_days=1.0))


# ---------------------------------------------------------------------------------------------
# Invariants
# ---------------------------------------------------------------------------------------------

def assert_invariants(case: Case, result: ScoreResult) -> None:
    orders, actions, _ = case.build()
    rules, as_of = case.rules, int(result.as_of)
    rows = result.reviews
    n = len(actions)
    order_index = {int(o): k for k, o in enumerate(orders.order_id)}
    months = month_index(orders.created_at)

    # Codes are valid.
    assert set(rows.status.tolist()) <= set(range(len(STATUS_NAMES)))
    assert set(rows.kind.tolist()) <= {CREDIT, DSR_KIND}
    assert set(rows.origin.tolist()) <= {GIVEN, DEFAULT}
    assert set(rows.author.tolist()) <= {BUYER, SELLER}
    assert (rows.source[:n] == np.arange(n)).all() and (rows.source[n:] == -1).all()
    assert (rows.origin[:n] == GIVEN).all() and (rows.origin[n:] == DEFAULT).all()
    assert (rows.kind[n:] == CREDIT).all() and (rows.rating[n:] == GOOD).all()
    assert (rows.order_id[:n] == actions.order_id).all()
    assert (rows.kind[:n] == np.where(actions.action == DSR, DSR_KIND, CREDIT)).all()

    # Actions after as_of are pending and carry no effect time (REV-ACTIONS).
    later = actions.at > as_of
    assert (rows.status[:n][later] == PENDING).all()
    assert (rows.effective_at[:n][later] == NEVER).all()

    # Points only on counted rows; effect times consistent with statuses.
    status = rows.status
    assert (rows.points[status != COUNTED] == 0).all()
    if rules.integral:
        credit_counted = (status == COUNTED) & (rows.kind == CREDIT)
        assert (rows.points[credit_counted] == rows.rating[credit_counted]).all()
    no_effect = np.isin(status, [INVALID, CANCELLED, INELIGIBLE, OUTSIDE_WINDOW, SUPERSEDED])
    assert (rows.effective_at[no_effect] == NEVER).all()
    in_effect = np.isin(status, [DEDUPLICATED, CAPPED, COUNTED])
    assert (rows.effective_at[in_effect] <= as_of).all()
    pending_reviews = (status == PENDING) & (rows.source == -1)
    assert not pending_reviews.any()  # defaults take effect when given, at or before as_of
    known_pending = np.zeros(len(rows), bool)
    known_pending[:n] = (status[:n] == PENDING) & ~later
    assert (rows.effective_at[known_pending] > as_of).all()
    assert (rows.kind[known_pending] == CREDIT).all()  # DSRs are never held

    # At most one live review per (order, author) (REV-ACTIONS: one accepted rate, one change).
    later_rows = np.zeros(len(rows), bool)
    later_rows[:n] = later
    live = np.isin(status, [REMOVED, PENDING, DEDUPLICATED, CAPPED, COUNTED]) & ~later_rows
    seen = set()
    for i in np.flatnonzero(live & (rows.kind == CREDIT)):
        key = (int(rows.order_id[i]), int(rows.author[i]))
        assert key not in seen, f"two live credit reviews for {key}"
        seen.add(key)

    # Credit reviews of tmall orders are only the buyer credits of DSR-TMALL-BUYER.
    tmall_credit = np.zeros(len(rows), bool)
    for i in range(len(rows)):
        k = order_index.get(int(rows.order_id[i]))
        if k is not None and orders.platform[k] == TMALL and rows.kind[i] == CREDIT:
            tmall_credit[i] = True
            if i < n:
                assert status[i] in (INVALID, PENDING)

    # SCORE-CLAMP: every walk of counted points stays within [cap_min, cap_max].
    def order_of(i):
        return order_index[int(rows.order_id[i])]

    if rules.cap_period != "none":
        walks = defaultdict(list)
        for i in np.flatnonzero((status == COUNTED) & (rows.kind == CREDIT) & ~tmall_credit):
            k = order_of(i)
            key = (int(rows.author[i]), int(orders.buyer_id[k]), int(orders.seller_id[k]))
            if rules.cap_period == "month":
                key += (int(months[k]),)
            walks[key].append((int(rows.effective_at[i]), int(rows.order_id[i]), int(rows.rating[i])))
        for key, walk in walks.items():
            running = 0
            for _, _, points in sorted(walk):
                running += points
                assert rules.cap_min is None or running >= rules.cap_min, (key, walk)
                assert rules.cap_max is None or running <= rules.cap_max, (key, walk)

    # SCORE-DEDUP is idempotent: no two survivors of one sign share a window, and every
    # deduplicated review lies inside the window of a survivor before it.
    window = int(days(rules.dedup_days))
    survivors = defaultdict(list)
    dropped = []
    for i in np.flatnonzero(np.isin(status, [CAPPED, COUNTED, DEDUPLICATED]) & (rows.kind == CREDIT)
                            & ~tmall_credit):
        if rows.rating[i] == NEUTRAL and status[i] != DEDUPLICATED:
            continue
        k = order_of(i)
        scope = int(orders.item_id[k]) if rules.dedup_scope == "item" else None
        rating = int(rows.rating[i])
        key = (int(rows.author[i]), int(orders.buyer_id[k]), int(orders.seller_id[k]), scope, rating)
        entry = (int(orders.created_at[k]), int(rows.order_id[i]))
        if status[i] == DEDUPLICATED:
            assert window > 0 and rating != NEUTRAL
            dropped.append((key, entry))
        else:
            survivors[key].append(entry)
    if window > 0:
        for key, entries in survivors.items():
            entries.sort()
            for (c1, _), (c2, _) in zip(entries, entries[1:]):
                assert c2 - c1 >= window, (key, entries)
    for key, (created, oid) in dropped:
        assert any(c <= created < c + window and (c, o) < (created, oid) for c, o in survivors[key]), \
            (key, created, survivors[key])

    # DSR-CAP: counted DSRs per (buyer, seller, month) within the cap.
    if rules.dsr_cap is not None:
        per_group = defaultdict(int)
        for i in np.flatnonzero((status == COUNTED) & (rows.kind == DSR_KIND)):
            k = order_of(i)
            per_group[(int(orders.buyer_id[k]), int(orders.seller_id[k]), int(months[k]))] += 1
        assert all(c <= rules.dsr_cap for c in per_group.values())

    # SCORE-CREDIT: account credit is the sum of the row points.
    counted = (status == COUNTED) & (rows.kind == CREDIT)
    seller_credit, buyer_credit = defaultdict(float), defaultdict(float)
    for i in np.flatnonzero(counted):
        k = order_of(i)
        if rows.author[i] == BUYER:
            seller_credit[int(orders.seller_id[k])] += float(rows.points[i])
        else:
            buyer_credit[int(orders.buyer_id[k])] += float(rows.points[i])
    for sid, credit in zip(result.sellers.seller_id.tolist(), result.sellers.credit.tolist()):
        assert credit == pytest.approx(seller_credit[sid], rel=1e-9, abs=1e-9)
    for bid, credit in zip(result.buyers.buyer_id.tolist(), result.buyers.credit.tolist()):
        assert credit == pytest.approx(buyer_credit[bid], rel=1e-9, abs=1e-9)
    assert result.sellers.seller_id.tolist() == sorted(set(orders.seller_id.tolist()))
    assert result.buyers.buyer_id.tolist() == sorted(set(orders.buyer_id.tolist()))


@pytest.mark.parametrize("scorer", SCORERS)
@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_invariants(scorer, case):
    assert_invariants(case, score_case(scorer, case))


# ---------------------------------------------------------------------------------------------
# Prefix closure: scoring at t sees only what is known at t (docs/scoring.md section 0)
# ---------------------------------------------------------------------------------------------

def known_at(case: Case, t: int):
    """The part of the log known at ``t``: actions at or before t, orders created by then (or
    named by such an action), success and removal only once they happened. Rows keep their order.
    Returns the orders, the actions and the indices of the kept actions."""
    kept_actions = [i for i, a in enumerate(case.actions) if a[3] <= t]
    named = {case.actions[i][0] for i in kept_actions}
    order_rows = []
    for o in case.orders:
        if o[6] <= t or o[0] in named:
            o = list(o)
            o[7] = o[7] if o[7] <= t else int(NEVER)
            o[9] = o[9] if o[9] <= t else int(NEVER)
            order_rows.append(tuple(o))
    return order_rows, [case.actions[i] for i in kept_actions], kept_actions


def _account_rows(table, key):
    ids = getattr(table, key).tolist()
    return {i: {c: getattr(table, c)[k].item() for c in table.columns()} for k, i in enumerate(ids)}


def assert_prefix_closed(scorer, case: Case, t: int) -> None:
    orders, actions, accounts = case.build()
    full = scorer(orders, actions, case.rules, t, accounts)
    order_rows, action_rows, kept = known_at(case, t)
    p_orders, p_actions, _ = build_log(order_rows, action_rows)
    part = scorer(p_orders, p_actions, case.rules, t, accounts)
    # The known actions: same rows.
    full_rows = full.reviews.take(np.array(kept, np.int64))
    part_rows = part.reviews.take(np.arange(len(kept)))
    for column in ("order_id", "author", "kind", "origin", "rating", "effective_at", "status"):
        assert np.array_equal(getattr(full_rows, column), getattr(part_rows, column)), column
    assert np.allclose(full_rows.points, part_rows.points, rtol=1e-9, atol=1e-12)
    # Unknown actions are pending.
    unknown = np.setdiff1d(np.arange(len(actions)), np.array(kept, np.int64))
    assert (full.reviews.status[unknown] == PENDING).all()
    # The same defaults.
    assert_tables_equal("default rows", full.reviews.take(np.arange(len(actions), len(full.reviews))),
                        part.reviews.take(np.arange(len(kept), len(part.reviews))), case.rules)
    # The same account scores; accounts not yet known have empty scores.
    for table, key in (("sellers", "seller_id"), ("buyers", "buyer_id")):
        whole = _account_rows(getattr(full, table), key)
        known = _account_rows(getattr(part, table), key)
        for account, row in whole.items():
            if account in known:
                other = known[account]
            else:
                other = {c: (np.nan if isinstance(v, float) and c != "credit" else 0)
                         for c, v in row.items()}
                other[key] = account
            for c, v in row.items():
                w = other[c]
                assert (np.isnan(v) and np.isnan(w)) or v == pytest.approx(w, rel=1e-9, abs=1e-12), \
                    (table, account, c, v, w)


@pytest.mark.parametrize("scorer", SCORERS)
@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), data=st.data())
def test_prefix_closure(scorer, case, data):
    orders, actions, _ = case.build()
    end = default_as_of(orders, actions)
    times = sorted(data.draw(st.lists(st.one_of(
        st.integers(0, 120).map(lambda k: BASE + k * GRID),
        st.tuples(st.sampled_from([a[3] for a in case.actions] or [BASE]), st.sampled_from(EDGES)).map(sum),
    ), min_size=1, max_size=3)) + [end])
    for t in times:
        assert_prefix_closed(scorer, case, t)


# ---------------------------------------------------------------------------------------------
# Incremental == one-shot
# ---------------------------------------------------------------------------------------------

@pytest.mark.slow
@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(max_orders=15, max_actions=40), step=st.sampled_from([DAY, DAY, 7 * HOUR]))
def test_incremental_equals_one_shot(case, step):
    # An append-only log: orders in order of creation, actions in time order.
    case.orders.sort(key=lambda o: (o[6], o[0]))
    created = {o[0]: o[6] for o in case.orders}
    case.actions = sorted((a for a in case.actions if a[3] >= created[a[0]]), key=lambda a: a[3])
    orders, actions, accounts = case.build()
    end = default_as_of(orders, actions)
    start = min([o[6] for o in case.orders] + [a[3] for a in case.actions]) - step
    scorer = IncrementalScorer(case.rules, accounts)
    previous: dict[int, tuple] = {}
    steps = 0
    t = start
    while True:
        t_orders, t_actions, changed = log_known_at(case, t, previous)
        scorer.advance(t_orders, t_actions, t, changed)
        assert_results_equal(scorer.result(), core_score(t_orders, t_actions, case.rules, t, accounts),
                             case.rules)
        steps += 1
        if t >= end:
            break
        t = min(t + step, end)
    assert steps >= 2
