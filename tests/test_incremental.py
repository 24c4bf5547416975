"""The incremental scorer's running account sums against one-shot scoring.

``tests/test_core_properties.py`` holds the incremental scorer's full result (which sums the whole
ledger) to ``core.score``. Here the account scores a market reads every day, ``scores()``, which the
scorer keeps as running sums, must equal the one-shot account scores exactly after every advance:
on generated logs (with short positive-rate and DSR-mean windows, so reviews and DSRs leave them
between advances), and on a market run of a few weeks. The slot table behind pairs and accounts
hands out one slot per key, in its direct mode, its sorted mode and across the switch.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sim.reputation.core import score
from sim.reputation.ids import Slots
from sim.reputation.incremental import IncrementalScorer
from sim.reputation.log import default_as_of
from sim.timeutil import DAY, HOUR

from helpers import examples
from helpers.cases import cases, log_known_at


def assert_scores_equal(got, want) -> None:
    """Every column equal, floats bit for bit (NaN where NaN); the dtypes of empty columns may differ."""
    for column, left in got.columns().items():
        right = getattr(want, column)
        assert left.dtype == right.dtype or len(left) == len(right) == 0, column
        assert np.array_equal(left, right, equal_nan=left.dtype.kind == "f"), (column, left, right)


@pytest.mark.slow
@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(max_orders=15, max_actions=40), step=st.sampled_from([DAY, 7 * HOUR, 3 * DAY]),
       windows=st.sampled_from([None, (1.0, 2.0), (3.0, 0.5), (5.0, 5.0)]))
def test_running_sums_equal_one_shot(case, step, windows):
    if windows is not None:
        case.rules = case.rules.replace(positive_rate_days=windows[0], dsr_mean_days=windows[1])
    # An append-only log: orders in order of creation, actions in time order.
    case.orders.sort(key=lambda o: (o[6], o[0]))
    created = {o[0]: o[6] for o in case.orders}
    case.actions = sorted((a for a in case.actions if a[3] >= created[a[0]]), key=lambda a: a[3])
    orders, actions, accounts = case.build()
    end = default_as_of(orders, actions) + 10 * DAY  # past the end: windows keep closing
    t = min([o[6] for o in case.orders] + [a[3] for a in case.actions]) - step
    scorer = IncrementalScorer(case.rules, accounts)
    previous: dict[int, tuple] = {}
    while True:
        t_orders, t_actions, changed = log_known_at(case, t, previous)
        scorer.advance(t_orders, t_actions, t, changed)
        want = score(t_orders, t_actions, case.rules, t, accounts)
        sellers, buyers = scorer.scores()
        assert_scores_equal(sellers, want.sellers)
        assert_scores_equal(buyers, want.buyers)
        assert_scores_equal(scorer.sellers(), want.sellers)
        if t >= end:
            break
        t = min(t + step, end)


@pytest.mark.slow
@pytest.mark.parametrize("windows", [None, (4.0, 3.0)])
def test_market_scores_equal_one_shot(windows):
    """Each day of a small market run, the platform's view equals one-shot scoring of the log."""
    from sim.commands.common import resolve_rules
    from sim.market.world import World
    from sim.scenario.schema import load

    sc = load("scenarios/baseline.toml")
    rules = resolve_rules(sc, None)
    if windows is not None:
        rules = rules.replace(positive_rate_days=windows[0], dsr_mean_days=windows[1])
    checked = []

    def check(day: int) -> None:
        if day % 5:
            return
        book, scorer = world.book, world.platform.scorer
        want = score(book.scoring_orders(), book.scoring_actions(), rules, scorer.as_of)
        sellers, buyers = scorer.scores()
        assert_scores_equal(sellers, want.sellers)
        assert_scores_equal(buyers, want.buyers)
        checked.append(day)

    world = World(sc, rules, seed=3, days=21, on_day=check)
    world.run()
    assert len(checked) == 5


@settings(max_examples=examples(50), deadline=None)
@given(batches=st.lists(st.lists(st.one_of(st.integers(0, 3000), st.integers(0, 1 << 40)), max_size=40),
                        max_size=12))
def test_slots_one_per_key(batches):
    slots, seen = Slots(), {}
    for batch in batches:
        got = slots(np.array(batch, np.int64))
        for key, slot in zip(batch, got.tolist()):
            assert seen.setdefault(key, slot) == slot
    assert sorted(seen.values()) == list(range(len(seen))) and slots.n == len(seen)
    keys, their = slots.sorted()
    assert keys.tolist() == sorted(seen) and their.tolist() == [seen[k] for k in sorted(seen)]
