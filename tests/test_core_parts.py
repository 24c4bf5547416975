"""The parts of the split scoring core held to obvious twins: the group sort of dedup and the clamp,
the id index's fast paths, the ledger's declared schema, and results that are finished values."""

from __future__ import annotations

import threading
from dataclasses import fields

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.reputation import ids
from sim.reputation.core import evaluate, score
from sim.reputation.dedup import sorted_segments
from sim.reputation.ledger import LEDGER_FIELDS
from sim.reputation.log import Actions, Orders, ReviewRows
from sim.rules.presets import TAOBAO


@st.composite
def unit_candidates(draw):
    """A chunk's units as ``credit_statuses`` sees them: flat index ``direction * n + order``, with
    each order's id and created time repeated for both directions, a group key that includes the
    direction, and candidates from one direction or both."""
    n = draw(st.integers(1, 30))
    increasing = draw(st.booleans())  # order ids that increase with the row take the fast path
    order_id = np.array(sorted(draw(st.sets(st.integers(0, 10**6), min_size=n, max_size=n))), np.int64)
    if not increasing:
        order_id = order_id[np.asarray(draw(st.permutations(range(n))), np.int64)]
    coarse = draw(st.sampled_from([1, 1000, 10**9]))  # small ranges make time ties frequent
    created = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), np.int64) * coarse
    pair = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), np.int64)
    directions = draw(st.sampled_from([(0,), (1,), (0, 1)]))
    flat = np.concatenate([d * n + np.arange(n) for d in directions])
    cand = np.sort(flat[np.asarray(draw(st.lists(st.booleans(), min_size=len(flat), max_size=len(flat))), bool)])
    order_of = np.tile(np.arange(n), 2)
    key = np.full(2 * n, -1, np.int64)
    key[cand] = pair[order_of[cand]] * 2 + cand // n
    return cand, key, created[order_of], order_id[order_of]


@settings(max_examples=300, deadline=None)
@given(unit_candidates())
def test_sorted_segments_equals_a_plain_sort(case):
    cand, key, time, oid = case
    rows, start = sorted_segments(cand, key, time, oid)
    want = sorted(cand.tolist(), key=lambda r: (key[r], time[r], oid[r]))
    assert rows.tolist() == want
    assert start.tolist() == [i == 0 or key[want[i]] != key[want[i - 1]] for i in range(len(want))]


@settings(max_examples=200, deadline=None)
@given(keys=st.sets(st.one_of(st.integers(0, 300), st.integers(-(1 << 40), 1 << 40)), max_size=40),
       extra=st.lists(st.integers(-5, 310), max_size=20), sort_keys=st.booleans(), contiguous=st.booleans())
def test_id_index_paths_equal_their_twins(keys, extra, sort_keys, contiguous):
    keys = np.array(sorted(keys) if sort_keys else list(keys), np.int64)
    if contiguous and len(keys):
        keys = np.arange(len(keys), dtype=np.int64) + 7
    wanted = np.array(list(keys) + extra, np.int64)
    where = {int(k): r for r, k in enumerate(keys.tolist())}
    layouts = [None] + ([ids.INCREASING] if sort_keys or contiguous else []) + ([ids.CONTIGUOUS] if contiguous else [])
    for layout in layouts:
        assert ids.rows_of(keys, wanted, layout=layout).tolist() == [where.get(int(w), -1) for w in wanted]
    assert ids.is_member(wanted, keys).tolist() == [int(w) in where for w in wanted]
    rank, distinct = ids.dense_rank(wanted)
    assert distinct.tolist() == sorted(set(wanted.tolist()))
    assert rank.tolist() == [distinct.tolist().index(int(w)) for w in wanted]
    repeat = ids.first_repeat(wanted)
    seen: dict[int, int] = {}
    twin = next(((r, seen[w]) for r, w in enumerate(wanted.tolist()) if seen.setdefault(w, r) != r), None)
    assert repeat == twin


def _small_log() -> tuple[Orders, Actions]:
    day = 86_400
    orders = Orders.build(order_id=[1, 2, 3], buyer_id=[10, 10, 11], seller_id=[5, 5, 6], item_id=[1, 2, 3],
                          created_at=[0, day, 2 * day], success_at=[day, 2 * day, 3 * day], platform=[0, 0, 1])
    actions = Actions.build(order_id=[1, 2, 3, 1], author=[0, 0, 0, 1], action=[0, 0, 3, 0],
                            at=[2 * day, 3 * day, 4 * day, 2 * day], rating=[1, -1, -128, 1],
                            described=[0, 0, 5, 0], service=[0, 0, 4, 0], shipping=[0, 0, 5, 0],
                            logistics=[0, 0, 3, 0])
    return orders, actions


def test_the_ledger_has_its_declared_dtypes_and_shapes():
    orders, actions = _small_log()
    ledger = evaluate(orders, actions, TAOBAO, as_of=100 * 86_400)
    for f in LEDGER_FIELDS:
        column = getattr(getattr(ledger, f.part), f.name)
        assert column.dtype == np.dtype(f.dtype), (f.part, f.name)
        length = len(actions) if f.per_action else len(orders)
        assert column.shape == ((2, length) if f.by_author else (length,)), (f.part, f.name)


def test_score_returns_finished_values_and_leaves_no_thread():
    orders, actions = _small_log()
    before = set(threading.enumerate())
    result = score(orders, actions, TAOBAO, workers=2, chunk_orders=1)
    assert set(threading.enumerate()) <= before
    for f in fields(result):
        value = getattr(result, f.name)
        assert isinstance(value, (int, ReviewRows)) or all(
            isinstance(getattr(value, g.name), np.ndarray) for g in fields(value)), f.name
    for part in result.reviews.parts():
        assert all(isinstance(column, np.ndarray) for column in part.values())
