"""The seed's worked examples and the window edges of docs/rules.md, against both scoring twins.

Every test runs against ``sim.reputation.reference.score_reference`` and ``sim.reputation.core.score``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.reputation.log import (
    BAD, BUYER, CANCELLED, CAPPED, COUNTED, CREDIT, DEDUPLICATED, DEFAULT, DELETE, DSR,
    DSR_KIND, GIVEN, GOOD, INELIGIBLE, INVALID, MODIFY, NEUTRAL, NO_RATING, NOT_RECEIVED,
    OUTSIDE_WINDOW, PARTIAL, PENDING, RATE, REFUND_NONE, REMOVED, RETURN, SELLER, STATUS_NAMES,
    SUPERSEDED, TAOBAO as TAOBAO_PLATFORM, TMALL, Accounts, Actions, Orders, ScoreResult,
)
from sim.reputation.core import score as core_score
from sim.reputation.reference import score_reference
from sim.rules.presets import NAIVE, TAOBAO
from sim.timeutil import DAY, HOUR, NEVER, parse_timestamp

SCORERS = [
    pytest.param(score_reference, id="reference"),
    pytest.param(core_score, id="core"),
]

SEP1 = parse_timestamp("2024-09-01T10:00:00")
W = 15 * DAY
D = 48 * HOUR


class Log:
    """A small review log written by hand: orders and actions, in the order they are added."""

    def __init__(self) -> None:
        self.order_rows: list[dict] = []
        self.action_rows: list[dict] = []

    def order(self, oid, created, success=None, *, buyer=10, seller=20, item=None,
              platform=TAOBAO_PLATFORM, refund=REFUND_NONE, removed=NEVER, amount=100.0) -> int:
        self.order_rows.append(dict(
            order_id=oid, buyer_id=buyer, seller_id=seller,
            item_id=1000 + oid if item is None else item, platform=platform, amount=amount,
            created_at=created, success_at=created + DAY if success is None else success,
            refund=refund, removed_at=removed))
        return oid

    def _act(self, oid, author, action, at, rating=NO_RATING, dims=(0, 0, 0, 0)) -> int:
        self.action_rows.append(dict(order_id=oid, author=author, action=action, at=at,
                                     rating=rating, described=dims[0], service=dims[1],
                                     shipping=dims[2], logistics=dims[3]))
        return len(self.action_rows) - 1

    def rate(self, oid, at, rating, author=BUYER) -> int:
        return self._act(oid, author, RATE, at, rating)

    def modify(self, oid, at, rating=GOOD, author=BUYER) -> int:
        return self._act(oid, author, MODIFY, at, rating)

    def delete(self, oid, at, author=BUYER) -> int:
        return self._act(oid, author, DELETE, at)

    def dsr(self, oid, at, dims=(5, 5, 5, 5), author=BUYER) -> int:
        return self._act(oid, author, DSR, at, NO_RATING, dims)

    def success(self, oid) -> int:
        return next(o["success_at"] for o in self.order_rows if o["order_id"] == oid)

    def orders(self) -> Orders:
        cols = {k: [o[k] for o in self.order_rows] for k in self.order_rows[0]}
        return Orders.build(cols["order_id"], cols["buyer_id"], cols["seller_id"], cols["item_id"],
                            cols["created_at"], platform=cols["platform"], amount=cols["amount"],
                            success_at=cols["success_at"], refund=cols["refund"],
                            removed_at=cols["removed_at"])

    def actions(self) -> Actions:
        if not self.action_rows:
            return Actions.empty()
        cols = {k: [a[k] for a in self.action_rows] for k in self.action_rows[0]}
        return Actions.build(**cols)

    def score(self, scorer, rules=TAOBAO, as_of=None, accounts=None) -> ScoreResult:
        result = scorer(self.orders(), self.actions(), rules, as_of, accounts)
        _check_shape(result, len(self.action_rows))
        return result


def _check_shape(result: ScoreResult, n_actions: int) -> None:
    rows = result.reviews
    assert len(rows) >= n_actions
    assert rows.source[:n_actions].tolist() == list(range(n_actions))
    assert (rows.source[n_actions:] == -1).all()
    assert rows.effective_at.dtype == np.int64 and rows.points.dtype == np.float64
    assert result.sellers.credit.dtype == np.float64 and result.sellers.level.dtype == np.int64


def status(result: ScoreResult, row: int) -> str:
    return STATUS_NAMES[int(result.reviews.status[row])]


def statuses(result: ScoreResult, rows) -> list[str]:
    return [status(result, r) for r in rows]


def defaults(result: ScoreResult) -> list[dict]:
    rows = result.reviews
    return [{k: v[i].item() for k, v in rows.columns().items()}
            for i in range(len(rows)) if rows.origin[i] == DEFAULT]


def seller(result: ScoreResult, seller_id=20) -> dict:
    s = result.sellers
    i = s.seller_id.tolist().index(seller_id)
    return {k: v[i].item() for k, v in s.columns().items()}


def buyer(result: ScoreResult, buyer_id=10) -> dict:
    b = result.buyers
    i = b.buyer_id.tolist().index(buyer_id)
    return {k: v[i].item() for k, v in b.columns().items()}


# ---------------------------------------------------------------------------------------------
# The seed's worked examples
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scorer", SCORERS)
def test_six_goods_with_one_same_item_repeat_give_five(scorer):
    """SCORE-ORDER [seed L88 FAQ 7]: dedup before the clamp: 6 goods in September, 2 of them for
    the same item within 14 days, give 5 points."""
    log = Log()
    rows = []
    for k in range(6):
        created = SEP1 + k * 2 * DAY
        log.order(k + 1, created, item=500 if k in (0, 3) else None)  # orders 1 and 4: 6 days apart
        rows.append(log.rate(k + 1, created + 2 * DAY, GOOD))
    result = log.score(scorer)
    assert statuses(result, rows) == ["counted"] * 3 + ["deduplicated"] + ["counted"] * 2
    assert seller(result)["credit"] == 5.0
    assert seller(result)["good"] == 5
    assert result.reviews.points[rows].tolist() == [1, 1, 1, 0, 1, 1]
    # The seller's six default goods of the buyer obey the same dedup (REV-DEFAULT-GOOD).
    assert buyer(result)["credit"] == 5.0


@pytest.mark.parametrize("scorer", SCORERS)
def test_clamp_running_sum_six_bad_one_good_one_bad(scorer):
    """SCORE-CLAMP [seed L190]: 6 bad, then 1 good, then 1 bad in one month (different items)
    give -6, -5, -6: all are counted."""
    log = Log()
    bads = []
    for k in range(6):
        log.order(k + 1, SEP1 + k * HOUR, success=SEP1 + DAY)
        bads.append(log.rate(k + 1, SEP1 + DAY + HOUR, BAD))  # one-sided: effect at s + 15 d + 48 h
    bad_effect = SEP1 + DAY + W + D
    log.order(7, SEP1 + 2 * DAY, success=bad_effect + DAY)
    good = log.rate(7, bad_effect + DAY, GOOD)  # takes effect at once, after the six bads
    log.order(8, SEP1 + 3 * DAY, success=bad_effect + 2 * DAY)
    last = log.rate(8, bad_effect + 2 * DAY, BAD)
    result = log.score(scorer)
    assert statuses(result, bads + [good, last]) == ["counted"] * 8
    assert seller(result)["credit"] == -6.0
    assert (seller(result)["good"], seller(result)["bad"]) == (1, 7)
    # Running sums: after the six bads -6, after the good -5, after the last bad -6.
    at_good = log.score(scorer, as_of=bad_effect + DAY)
    assert seller(at_good)["credit"] == -5.0
    at_six = log.score(scorer, as_of=bad_effect)
    assert seller(at_six)["credit"] == -6.0


@pytest.mark.parametrize("scorer", SCORERS)
def test_clamp_caps_the_seventh_bad_and_good(scorer):
    """SCORE-CLAMP: a seventh bad would take the sum below -6: capped. The same for +6."""
    log = Log()
    rows = []
    for k in range(7):
        log.order(k + 1, SEP1 + k * HOUR, success=SEP1 + DAY)
        rows.append(log.rate(k + 1, SEP1 + DAY + k * HOUR, BAD, author=SELLER))
        log.rate(k + 1, SEP1 + DAY + k * HOUR, BAD)  # mutual: effect 48 h after both
    for k in range(7):
        log.order(k + 11, SEP1 + k * HOUR, success=SEP1 + DAY, seller=21)
        rows.append(log.rate(k + 11, SEP1 + DAY + k * HOUR, GOOD))
    result = log.score(scorer)
    assert statuses(result, rows) == ["counted"] * 6 + ["capped"] + ["counted"] * 6 + ["capped"]
    assert buyer(result)["credit"] == -6.0 + 6.0  # six bads from seller 20, six defaults of 21
    assert seller(result)["credit"] == -6.0
    assert seller(result, 21)["credit"] == 6.0


@pytest.mark.parametrize("scorer", SCORERS)
def test_clamp_month_is_the_orders_natural_month_in_utc8(scorer):
    """SCORE-CLAMP, TIME-MONTH: the month of the order's created_at in UTC+8: an order created
    at 2024-10-01T00:30+08:00 (still September in UTC) starts a new month."""
    log = Log()
    rows = []
    for k in range(7):
        log.order(k + 1, SEP1 + k * HOUR)
        rows.append(log.rate(k + 1, SEP1 + 2 * DAY, GOOD))
    log.order(8, parse_timestamp("2024-10-01T00:30:00"))
    rows.append(log.rate(8, parse_timestamp("2024-10-03T00:30:00"), GOOD))
    result = log.score(scorer)
    assert statuses(result, rows) == ["counted"] * 6 + ["capped", "counted"]
    assert seller(result)["credit"] == 7.0


@pytest.mark.parametrize("scorer", SCORERS)
def test_dsr_cap_and_means(scorer):
    """DSR-CAP: only the first 3 DSRs per (buyer, seller, month of created_at) count, in rating time,
    ties by order_id. DSR-MEAN: arithmetic mean of counted DSRs per dimension."""
    log = Log()
    for k in range(5):
        log.order(k + 1, SEP1 + k * HOUR)
    log.order(6, parse_timestamp("2024-10-02T10:00:00"))  # another month: its own cap
    d4 = log.dsr(4, SEP1 + 3 * DAY, (1, 1, 1, 1))  # latest: capped
    d1 = log.dsr(1, SEP1 + 2 * DAY, (5, 4, 3, 2))
    d3 = log.dsr(3, SEP1 + 2 * DAY + HOUR, (4, 4, 4, 4))  # tie with order 2: order 2 first
    d2 = log.dsr(2, SEP1 + 2 * DAY + HOUR, (3, 3, 3, 3))
    d6 = log.dsr(6, log.success(6) + HOUR, (2, 2, 2, 2))
    d5s = log.dsr(5, SEP1 + DAY + 5 * HOUR, (1, 1, 1, 1), author=SELLER)  # sellers do not rate
    d5 = log.dsr(5, SEP1 + DAY + 5 * HOUR, (5, 5, 5, 5))  # the first in rating time
    result = log.score(scorer)
    assert statuses(result, [d4, d1, d3, d2, d6, d5s, d5]) == [
        "capped", "counted", "capped", "counted", "counted", "invalid", "counted"]
    s = seller(result)
    assert s["dsr_described"] == pytest.approx((5 + 5 + 3 + 2) / 4)
    assert s["dsr_service"] == pytest.approx((5 + 4 + 3 + 2) / 4)
    assert s["dsr_shipping"] == pytest.approx((5 + 3 + 3 + 2) / 4)
    assert s["dsr_logistics"] == pytest.approx((5 + 2 + 3 + 2) / 4)
    # A tighter cap of 1 a month: only the first DSR of each month counts.
    one = log.score(scorer, rules=TAOBAO.replace(dsr_cap=1))
    assert statuses(one, [d4, d1, d3, d2, d6, d5]) == ["capped"] * 4 + ["counted"] * 2
    rows = result.reviews
    assert rows.kind[d1] == DSR_KIND and rows.rating[d1] == NO_RATING and rows.points[d1] == 0
    assert rows.effective_at[d1] == SEP1 + 2 * DAY
    assert math.isnan(s["positive_rate"])  # no credit reviews at all
    assert s["credit"] == 0.0


@pytest.mark.parametrize("scorer", SCORERS)
def test_dsr_window_edges_and_second_dsr(scorer):
    """DSR-ELIGIBLE: inside at exactly success + 15 d; outside at + 1 s; a second DSR is invalid."""
    log = Log()
    log.order(1, SEP1)
    log.order(2, SEP1)
    s = log.success(1)
    rows = [log.dsr(1, s + W), log.dsr(1, s + W - 1), log.dsr(2, s + W + 1), log.dsr(2, s - 1)]
    result = log.score(scorer)
    assert statuses(result, rows) == ["invalid", "counted", "outside_window", "invalid"]


@pytest.mark.parametrize("scorer", SCORERS)
def test_dsr_mean_window(scorer):
    """DSR-MEAN, SCORE-WINDOW-BOUNDS: DSRs with at in (as_of - 180 d, as_of]."""
    log = Log()
    log.order(1, SEP1)
    log.order(2, SEP1 + 40 * DAY)
    first = log.success(1) + HOUR
    log.dsr(1, first, (1, 1, 1, 1))
    log.dsr(2, log.success(2), (5, 5, 5, 5))
    assert seller(log.score(scorer, as_of=first + 180 * DAY - 1))["dsr_described"] == 3.0
    assert seller(log.score(scorer, as_of=first + 180 * DAY))["dsr_described"] == 5.0


# ---------------------------------------------------------------------------------------------
# Defaults and the 48-hour delays
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scorer", SCORERS)
def test_default_good_after_one_sided_good(scorer):
    """REV-DEFAULT-GOOD: a one-sided good gets the silent party's default good at success + 15 d."""
    log = Log()
    log.order(1, SEP1)
    s = log.success(1)
    log.rate(1, s + 3 * DAY, GOOD)
    before = log.score(scorer, as_of=s + W - 1)
    assert defaults(before) == []
    assert buyer(before)["credit"] == 0.0
    at = log.score(scorer, as_of=s + W)
    (row,) = defaults(at)
    assert row["author"] == SELLER and row["origin"] == DEFAULT and row["kind"] == CREDIT
    assert row["rating"] == GOOD and row["effective_at"] == s + W and row["order_id"] == 1
    assert STATUS_NAMES[row["status"]] == "counted" and row["points"] == 1.0
    assert buyer(at)["credit"] == 1.0 and buyer(at)["good"] == 1
    assert seller(at)["credit"] == 1.0


@pytest.mark.parametrize("scorer", SCORERS)
def test_default_good_for_the_seller_too(scorer):
    """REV-DEFAULT-GOOD works both ways: the seller's good gets the buyer's default good."""
    log = Log()
    log.order(1, SEP1)
    log.rate(1, log.success(1) + DAY, GOOD, author=SELLER)
    result = log.score(scorer)
    (row,) = defaults(result)
    assert row["author"] == BUYER and STATUS_NAMES[row["status"]] == "counted"
    assert seller(result)["credit"] == 1.0 and buyer(result)["credit"] == 1.0


@pytest.mark.parametrize("scorer", SCORERS)
def test_no_default_after_one_sided_bad_or_neutral_or_silence(scorer):
    """REV-DEFAULT-GOOD: a neutral or bad review gets no default; silence gives nothing."""
    log = Log()
    log.order(1, SEP1)
    log.order(2, SEP1)
    log.order(3, SEP1)
    log.rate(1, log.success(1) + DAY, BAD)
    log.rate(2, log.success(2) + DAY, NEUTRAL, author=SELLER)
    result = log.score(scorer)
    assert defaults(result) == []
    assert seller(result)["credit"] == -1.0 and buyer(result)["credit"] == 0.0
    assert buyer(result)["neutral"] == 1


@pytest.mark.parametrize("scorer", SCORERS)
def test_default_follows_the_rating_at_window_close(scorer):
    """REV-DEFAULT-GOOD: the rating when the window closes decides, after modifications by then;
    REV-GIVEN: a deleted review counts as given, so the other party gets no default."""
    log = Log()
    log.order(1, SEP1)
    log.order(2, SEP1)
    log.order(3, SEP1 + HOUR)
    s = log.success(1)
    log.rate(1, s + DAY, BAD)
    log.modify(1, s + W, GOOD)  # changed to good exactly as the window closes: a default
    log.rate(2, s + DAY, GOOD, author=SELLER)
    log.rate(2, s + 2 * DAY, BAD)
    log.delete(2, s + 3 * DAY)  # the buyer deleted its review: no default for the seller
    log.rate(3, log.success(3) + DAY, BAD)
    log.modify(3, log.success(3) + W + 1, GOOD)  # changed after the window closed: no default
    result = log.score(scorer)
    rows = defaults(result)
    assert [(r["order_id"], r["author"]) for r in rows] == [(1, SELLER)]


@pytest.mark.parametrize("scorer", SCORERS)
def test_one_sided_bad_waits_48_hours_after_the_window(scorer):
    """REV-EFFECT: a one-sided bad takes effect at success + 15 d + 48 h; pending before."""
    log = Log()
    log.order(1, SEP1)
    s = log.success(1)
    row = log.rate(1, s + 2 * DAY, BAD)
    effect = s + W + D
    before = log.score(scorer, as_of=effect - 1)
    assert status(before, row) == "pending" and before.reviews.effective_at[row] == effect
    assert seller(before)["credit"] == 0.0 and seller(before)["bad"] == 0
    at = log.score(scorer, as_of=effect)
    assert status(at, row) == "counted" and at.reviews.effective_at[row] == effect
    assert seller(at)["credit"] == -1.0 and at.reviews.points[row] == -1.0


@pytest.mark.parametrize("scorer", SCORERS)
def test_mutual_bad_takes_effect_48_hours_after_the_later_review(scorer):
    """REV-EFFECT: both reviewed and one is bad: every review not yet in effect takes effect 48 h
    after the later of the two."""
    log = Log()
    log.order(1, SEP1)
    s = log.success(1)
    b = log.rate(1, s + DAY, BAD)
    n = log.rate(1, s + 3 * DAY, NEUTRAL, author=SELLER)
    effect = s + 3 * DAY + D
    before = log.score(scorer, as_of=effect - 1)
    assert statuses(before, [b, n]) == ["pending", "pending"]
    assert before.reviews.effective_at[[b, n]].tolist() == [effect, effect]
    at = log.score(scorer, as_of=effect)
    assert statuses(at, [b, n]) == ["counted", "counted"]
    assert seller(at)["bad"] == 1 and buyer(at)["neutral"] == 1


@pytest.mark.parametrize("scorer", SCORERS)
def test_good_after_counterparts_bad_is_held(scorer):
    """REV-EFFECT, REV-HOLD: a good given after (or at the same instant as) the counterpart's bad
    is held 48 h; the hold stands when the bad is later changed to good."""
    log = Log()
    log.order(1, SEP1)
    log.order(2, SEP1)
    log.order(3, SEP1)
    s = log.success(1)
    bad1 = log.rate(1, s + DAY, BAD, author=SELLER)
    good1 = log.rate(1, s + 2 * DAY, GOOD)
    bad2 = log.rate(2, s + DAY, BAD, author=SELLER)
    good2 = log.rate(2, s + DAY, GOOD)  # the same instant counts as already given
    bad3 = log.rate(3, s + DAY, BAD, author=SELLER)
    good3 = log.rate(3, s + 2 * DAY, GOOD)
    mod3 = log.modify(3, s + 2 * DAY + 12 * HOUR, GOOD, author=SELLER)  # before the hold ends
    held1, held2, held3 = s + 2 * DAY + D, s + DAY + D, s + 2 * DAY + D
    result = log.score(scorer, as_of=held2 - 1)
    assert statuses(result, [bad1, good1, bad2, good2, bad3, good3, mod3]) == [
        "pending", "pending", "pending", "pending", "superseded", "pending", "counted"]
    eff = result.reviews.effective_at
    assert eff[[bad1, good1, bad2, good2, good3, mod3]].tolist() == [
        held1, held1, held2, held2, held3, s + 2 * DAY + 12 * HOUR]
    assert eff[bad3] == NEVER  # a superseded original carries no effect time
    result = log.score(scorer, as_of=held1 - 1)
    assert statuses(result, [bad1, good1, bad2, good2, good3]) == [
        "pending", "pending", "counted", "counted", "pending"]
    result = log.score(scorer, as_of=held1)
    assert statuses(result, [bad1, good1, good3]) == ["counted"] * 3


@pytest.mark.parametrize("scorer", SCORERS)
def test_good_before_counterparts_bad_takes_effect_at_once(scorer):
    """REV-EFFECT: a good given before the counterpart's bad takes effect at once."""
    log = Log()
    log.order(1, SEP1)
    s = log.success(1)
    good = log.rate(1, s + DAY, GOOD)
    bad = log.rate(1, s + 2 * DAY, BAD, author=SELLER)
    result = log.score(scorer, as_of=s + 2 * DAY)
    assert statuses(result, [good, bad]) == ["counted", "pending"]
    assert result.reviews.effective_at[[good, bad]].tolist() == [s + DAY, s + 2 * DAY + D]


# ---------------------------------------------------------------------------------------------
# Modifications (REV-MODIFY, REV-ACTIONS, SCORE-FINAL-RATING)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scorer", SCORERS)
def test_bad_changes_to_good_once(scorer):
    """REV-MODIFY: bad -> good once; a second change is invalid; the review scores good and takes
    effect at the change (it had not taken effect yet)."""
    log = Log()
    log.order(1, SEP1)
    s = log.success(1)
    rate = log.rate(1, s + DAY, BAD)
    first = log.modify(1, s + 2 * DAY)
    second = log.modify(1, s + 3 * DAY)
    delete = log.delete(1, s + 4 * DAY)
    result = log.score(scorer)
    assert statuses(result, [rate, first, second, delete]) == [
        "superseded", "counted", "invalid", "invalid"]
    assert result.reviews.effective_at[first] == s + 2 * DAY
    assert result.reviews.points[first] == 1.0 and result.reviews.points[rate] == 0.0
    assert seller(result)["credit"] == 1.0 and seller(result)["good"] == 1
    assert seller(result)["bad"] == 0


@pytest.mark.parametrize("scorer", SCORERS)
def test_modified_review_keeps_its_effect_time(scorer):
    """SCORE-FINAL-RATING: a review already in effect keeps its effect time when modified."""
    log = Log()
    log.order(1, SEP1)
    s = log.success(1)
    rate = log.rate(1, s + DAY, BAD)
    log.rate(1, s + DAY, GOOD, author=SELLER)
    mod = log.modify(1, s + 10 * DAY)
    result = log.score(scorer)
    assert result.reviews.effective_at[mod] == s + DAY + D
    assert statuses(result, [rate, mod]) == ["superseded", "counted"]


@pytest.mark.parametrize("scorer", SCORERS)
def test_forbidden_changes_are_invalid(scorer):
    """REV-MODIFY: good never gets worse, bad never becomes neutral; an invalid attempt does not
    use up the one change; a modify before any review is invalid."""
    log = Log()
    log.order(1, SEP1)
    log.order(2, SEP1)
    log.order(3, SEP1)
    s = log.success(1)
    good = log.rate(1, s + DAY, GOOD)
    worse = log.modify(1, s + 2 * DAY, BAD)
    same = log.modify(1, s + 2 * DAY, GOOD)
    gone = log.delete(1, s + 3 * DAY)
    early = log.modify(2, s + HOUR, GOOD)
    bad = log.rate(2, s + DAY, BAD)
    neutral = log.modify(2, s + 2 * DAY, NEUTRAL)
    better = log.modify(2, s + 3 * DAY, GOOD)
    neutral3 = log.rate(3, s + DAY, NEUTRAL)
    to_good = log.modify(3, s + 2 * DAY, GOOD)
    result = log.score(scorer)
    assert statuses(result, [good, worse, same, gone]) == ["counted", "invalid", "invalid", "invalid"]
    assert statuses(result, [early, bad, neutral, better]) == [
        "invalid", "superseded", "invalid", "counted"]
    assert statuses(result, [neutral3, to_good]) == ["superseded", "counted"]
    assert seller(result)["credit"] == 3.0


@pytest.mark.parametrize("scorer", SCORERS)
def test_modification_window_edges(scorer):
    """REV-MODIFY: within 30 days of the review, inclusive; after, outside_window (which does not
    use up the change, but any later attempt is also late)."""
    log = Log()
    log.order(1, SEP1)
    log.order(2, SEP1)
    s = log.success(1)
    r1 = log.rate(1, s + DAY, BAD)
    m1 = log.modify(1, s + DAY + 30 * DAY)
    r2 = log.rate(2, s + DAY, BAD)
    m2 = log.modify(2, s + DAY + 30 * DAY + 1)
    d2 = log.delete(2, s + DAY + 31 * DAY)
    result = log.score(scorer)
    assert statuses(result, [r1, m1, r2, m2, d2]) == [
        "superseded", "counted", "counted", "outside_window", "outside_window"]
    assert result.reviews.effective_at[m2] == NEVER
    assert seller(result)["credit"] == 0.0  # +1 and -1


@pytest.mark.parametrize("scorer", SCORERS)
def test_deletion(scorer):
    """REV-MODIFY: a neutral or bad review may be deleted once: both rows are superseded and the
    review scores nothing."""
    log = Log()
    log.order(1, SEP1)
    s = log.success(1)
    rate = log.rate(1, s + DAY, BAD)
    delete = log.delete(1, s + 2 * DAY)
    again = log.delete(1, s + 3 * DAY)
    result = log.score(scorer)
    assert statuses(result, [rate, delete, again]) == ["superseded", "superseded", "invalid"]
    assert seller(result)["credit"] == 0.0 and seller(result)["bad"] == 0
    assert math.isnan(seller(result)["positive_rate"])


# ---------------------------------------------------------------------------------------------
# Windows, dedup edges, eligibility
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scorer", SCORERS)
def test_review_window_edges(scorer):
    """REV-WINDOW: a review at exactly success + 15 d is inside; + 1 s is outside_window; before
    success it is invalid; a second rate is invalid."""
    log = Log()
    log.order(1, SEP1)
    log.order(2, SEP1 + HOUR)
    log.order(3, SEP1 + 2 * HOUR, success=NEVER)
    s1, s2 = log.success(1), log.success(2)
    inside = log.rate(1, s1 + W, GOOD)
    second = log.rate(1, s1 + W, BAD)  # same instant: bad sorts first, so the good is the second
    early = log.rate(2, s2 - 1, GOOD)
    outside = log.rate(2, s2 + W + 1, GOOD)
    never = log.rate(3, SEP1 + DAY, GOOD)
    result = log.score(scorer)
    assert statuses(result, [inside, second, early, outside, never]) == [
        "invalid", "counted", "invalid", "outside_window", "invalid"]
    assert seller(result)["credit"] == -1.0


@pytest.mark.parametrize("scorer", SCORERS)
def test_dedup_edge_at_exactly_14_days(scorer):
    """SCORE-DEDUP: an order created exactly 14 days after the anchor opens a new window; one
    created 14 days - 1 s after it is deduplicated; the window does not slide."""
    log = Log()
    t = [SEP1, SEP1 + 14 * DAY, SEP1 + 14 * DAY + 14 * DAY - 1]  # same item, same month? no
    for k, created in enumerate(t):
        log.order(k + 1, created, item=7)
    log.order(4, SEP1 + 14 * DAY - 1, item=8)
    log.order(5, SEP1, item=8)
    rows = [log.rate(k, log.success(k) + HOUR, GOOD) for k in (1, 2, 3, 4, 5)]
    result = log.score(scorer)
    assert statuses(result, rows) == ["counted", "counted", "deduplicated", "deduplicated", "counted"]
    off = log.score(scorer, rules=TAOBAO.replace(dedup_days=0))
    assert statuses(off, rows) == ["counted"] * 5


@pytest.mark.parametrize("scorer", SCORERS)
def test_dedup_bad_and_good_in_separate_windows_and_neutral_never(scorer):
    """SCORE-DEDUP: good and bad reviews of one item are deduplicated in their own windows;
    neutral reviews never are."""
    log = Log()
    ratings = [GOOD, BAD, NEUTRAL, GOOD, BAD, NEUTRAL]
    rows = []
    for k, rating in enumerate(ratings):
        log.order(k + 1, SEP1 + k * HOUR, item=9)
        rows.append(log.rate(k + 1, log.success(k + 1), rating))
    result = log.score(scorer)
    assert statuses(result, rows) == ["counted", "counted", "counted", "deduplicated",
                                      "deduplicated", "counted"]
    assert seller(result)["credit"] == 0.0
    assert seller(result)["positive_rate"] == pytest.approx(1 / 4)


@pytest.mark.parametrize("scorer", SCORERS)
def test_dedup_scope_seller(scorer):
    """SCORE-DEDUP with dedup_scope = "seller": any item of the pair."""
    log = Log()
    log.order(1, SEP1, item=1)
    log.order(2, SEP1 + DAY, item=2)
    rows = [log.rate(k, log.success(k), GOOD) for k in (1, 2)]
    assert statuses(log.score(scorer), rows) == ["counted", "counted"]
    rules = TAOBAO.replace(dedup_scope="seller")
    assert statuses(log.score(scorer, rules=rules), rows) == ["counted", "deduplicated"]


@pytest.mark.parametrize("scorer", SCORERS)
def test_tmall_orders(scorer):
    """REV-TMALL: credit reviews on tmall orders are invalid; DSRs count; DSR-TMALL-BUYER: each
    counted DSR gives the buyer +1, at most 3 a month; the tmall seller has credit 0, level 0."""
    log = Log()
    for k in range(5):
        log.order(k + 1, SEP1 + k * HOUR, platform=TMALL, seller=30)
    rate = log.rate(1, log.success(1) + HOUR, GOOD)
    seller_rate = log.rate(1, log.success(1) + HOUR, GOOD, author=SELLER)
    dsrs = [log.dsr(k, log.success(k) + k * HOUR, (4, 4, 4, 4)) for k in (1, 2, 3, 4)]
    result = log.score(scorer)
    assert statuses(result, [rate, seller_rate]) == ["invalid", "invalid"]
    assert statuses(result, dsrs) == ["counted", "counted", "counted", "capped"]
    credits = defaults(result)
    assert [(r["order_id"], r["author"], STATUS_NAMES[r["status"]]) for r in credits] == [
        (1, SELLER, "counted"), (2, SELLER, "counted"), (3, SELLER, "counted")]
    assert [r["effective_at"] for r in credits] == [log.success(k) + k * HOUR for k in (1, 2, 3)]
    assert buyer(result)["credit"] == 3.0 and buyer(result)["good"] == 3
    s = seller(result, 30)
    assert (s["credit"], s["level"], s["good"]) == (0.0, 0, 0)
    assert s["dsr_described"] == 4.0
    # With no DSR cap, the buyer credit still obeys its own cap of 3 a month.
    uncapped = log.score(scorer, rules=TAOBAO.replace(dsr_cap=None))
    assert statuses(uncapped, dsrs) == ["counted"] * 4
    assert [STATUS_NAMES[r["status"]] for r in defaults(uncapped)] == ["counted"] * 3 + ["capped"]
    assert buyer(uncapped)["credit"] == 3.0


@pytest.mark.parametrize("scorer", SCORERS)
def test_refunds(scorer):
    """REV-ELIGIBLE: a refund for not_received or return cancels the order's reviews and DSRs
    (and its default); a partial refund does not."""
    log = Log()
    for k, refund in enumerate([NOT_RECEIVED, RETURN, PARTIAL]):
        log.order(k + 1, SEP1 + k * HOUR, refund=refund)
    rates = [log.rate(k, log.success(k) + HOUR, GOOD) for k in (1, 2, 3)]
    dsrs = [log.dsr(k, log.success(k) + HOUR) for k in (1, 2, 3)]
    result = log.score(scorer)
    assert statuses(result, rates) == ["cancelled", "cancelled", "counted"]
    assert statuses(result, dsrs) == ["cancelled", "cancelled", "counted"]
    assert result.reviews.effective_at[rates[0]] == NEVER
    assert [r["order_id"] for r in defaults(result)] == [3]
    assert seller(result)["credit"] == 1.0 and buyer(result)["credit"] == 1.0


@pytest.mark.parametrize("scorer", SCORERS)
def test_platform_removal(scorer):
    """SCORE-REMOVED, REV-DELETE-PLATFORM: an order judged fake loses its reviews, defaults and DSRs
    from removed_at on (removed_at <= as_of), and they leave the clamp."""
    log = Log()
    for k in range(7):
        log.order(k + 1, SEP1 + k * HOUR)
    judged = SEP1 + 10 * DAY
    log.order_rows[0]["removed_at"] = judged
    rows = [log.rate(k, log.success(k) + HOUR, GOOD) for k in range(1, 8)]
    dsr = log.dsr(1, log.success(1) + HOUR)
    before = log.score(scorer, as_of=judged - 1)
    assert statuses(before, rows) == ["counted"] * 6 + ["capped"]
    assert status(before, dsr) == "counted"
    at = log.score(scorer, as_of=judged)
    assert statuses(at, rows) == ["removed"] + ["counted"] * 6
    assert status(at, dsr) == "removed"
    assert at.reviews.effective_at[rows[0]] == log.success(1) + HOUR
    assert seller(at)["credit"] == 6.0 and math.isnan(seller(at)["dsr_described"])
    final = log.score(scorer)
    assert [STATUS_NAMES[r["status"]] for r in defaults(final) if r["order_id"] == 1] == ["removed"]
    assert buyer(final)["credit"] == 6.0


@pytest.mark.parametrize("scorer", SCORERS)
def test_actions_after_as_of_are_pending(scorer):
    """REV-ACTIONS, docs/scoring.md section 0: actions after as_of are pending, with no effect time."""
    log = Log()
    log.order(1, SEP1, platform=TMALL)
    s = log.success(1)
    later = log.rate(1, s + 2 * DAY, GOOD)  # would be invalid, but it is not known yet
    dsr = log.dsr(1, s + 2 * DAY)
    result = log.score(scorer, as_of=s + DAY)
    assert statuses(result, [later, dsr]) == ["pending", "pending"]
    assert result.reviews.effective_at[[later, dsr]].tolist() == [NEVER, NEVER]
    assert statuses(log.score(scorer), [later, dsr]) == ["invalid", "counted"]


@pytest.mark.parametrize("scorer", SCORERS)
def test_naive_counts_everything(scorer):
    """Preset naive: no cap, no dedup, no delay, no default, no windows; eligibility holds."""
    log = Log()
    rows = []
    for k in range(8):
        log.order(k + 1, SEP1 + k * HOUR, item=5)
        rows.append(log.rate(k + 1, log.success(k + 1) + 40 * DAY, GOOD))  # late: still inside
    log.order(9, SEP1)
    s9 = log.success(9)
    bad = log.rate(9, s9 + DAY, BAD)  # one-sided bad: at once
    mod = log.modify(9, s9 + 100 * DAY, GOOD)  # no modification window either
    log.order(10, SEP1, refund=RETURN)
    cancelled = log.rate(10, log.success(10) + DAY, GOOD)
    dsrs = [log.dsr(k, log.success(k) + 50 * DAY, (3, 3, 3, 3)) for k in (1, 2, 3, 4, 5)]
    at_bad = log.score(scorer, rules=NAIVE, as_of=s9 + DAY)
    assert status(at_bad, bad) == "counted" and at_bad.reviews.effective_at[bad] == s9 + DAY
    result = log.score(scorer, rules=NAIVE)
    assert statuses(result, rows) == ["counted"] * 8
    assert statuses(result, [bad, mod, cancelled]) == ["superseded", "counted", "cancelled"]
    assert statuses(result, dsrs) == ["counted"] * 5
    assert defaults(result) == []
    assert seller(result)["credit"] == 9.0 and buyer(result)["credit"] == 0.0
    assert seller(result)["dsr_service"] == 3.0
    # The same log under taobao: late reviews are outside the window.
    assert statuses(log.score(scorer), rows) == ["outside_window"] * 8


@pytest.mark.parametrize("scorer", SCORERS)
def test_level_thresholds(scorer):
    """LEVEL-20: credit 3 -> level 0, 4 -> 1, 10 -> 1, 11 -> 2, 251 -> 6; negative credit -> 0."""
    log = Log()
    oid = 0
    targets = {41: 3, 42: 4, 43: 10, 44: 11, 45: 251}
    for seller_id, count in targets.items():
        for _ in range(count):
            oid += 1
            log.order(oid, SEP1 + oid, seller=seller_id)
            log.rate(oid, log.success(oid), GOOD)
    oid += 1
    log.order(oid, SEP1, seller=46)
    log.rate(oid, log.success(oid), BAD)
    result = log.score(scorer, rules=NAIVE)
    levels = {sid: seller(result, sid)["level"] for sid in targets}
    assert levels == {41: 0, 42: 1, 43: 1, 44: 2, 45: 6}
    assert seller(result, 45)["credit"] == 251.0
    assert (seller(result, 46)["credit"], seller(result, 46)["level"]) == (-1.0, 0)


@pytest.mark.parametrize("scorer", SCORERS)
def test_positive_rate_window(scorer):
    """SCORE-POSITIVE-RATE, SCORE-WINDOW-BOUNDS: counted reviews with effect time in
    (as_of - 180 d, as_of]."""
    log = Log()
    log.order(1, SEP1)
    log.order(2, SEP1 + 60 * DAY)
    good = log.success(1) + HOUR
    log.rate(1, good, GOOD)
    log.rate(2, log.success(2), NEUTRAL, author=SELLER)
    log.rate(2, log.success(2) + HOUR, BAD)
    bad_effect = log.success(2) + HOUR + D
    assert seller(log.score(scorer, as_of=good + 180 * DAY - 1))["positive_rate"] == 0.5
    assert seller(log.score(scorer, as_of=good + 180 * DAY))["positive_rate"] == 0.0
    assert math.isnan(seller(log.score(scorer, as_of=bad_effect + 180 * DAY))["positive_rate"])


@pytest.mark.parametrize("scorer", SCORERS)
def test_min_amount_and_reviewer_age(scorer):
    """Section 8 knobs: orders not above min_amount and reviews by accounts younger than the
    minimum age are ineligible; an account missing from the table counts as old enough."""
    log = Log()
    log.order(1, SEP1, amount=50.0)
    log.order(2, SEP1, amount=50.01)
    log.order(3, SEP1, buyer=11)
    log.order(4, SEP1, buyer=12)
    rows = [log.rate(k, log.success(k) + HOUR, GOOD) for k in (1, 2, 3, 4)]
    dsr = log.dsr(3, log.success(3) + HOUR)
    given = log.success(3) + HOUR
    accounts = Accounts(account_id=np.array([11, 12, 20], np.int64),
                        created_at=np.array([given - 30 * DAY + 1, given - 30 * DAY, SEP1 - 400 * DAY]))
    rules = TAOBAO.replace(min_amount=50.0, min_reviewer_age_days=30.0)
    result = log.score(scorer, rules=rules, accounts=accounts)
    assert statuses(result, rows) == ["ineligible", "counted", "ineligible", "counted"]
    assert status(result, dsr) == "ineligible"
    assert result.reviews.effective_at[rows[0]] == NEVER
    assert seller(result)["credit"] == 2.0
    # Without an accounts table everyone is old enough.
    no_table = log.score(scorer, rules=rules)
    assert statuses(no_table, rows) == ["ineligible", "counted", "counted", "counted"]


@pytest.mark.parametrize("scorer", SCORERS)
def test_credit_decay(scorer):
    """Section 8 credit decay: each counted point weighted by 0.5 ** (age / half-life)."""
    log = Log()
    log.order(1, SEP1)
    row = log.rate(1, log.success(1), GOOD)
    rules = TAOBAO.replace(credit_half_life_days=180.0, default_good=False)
    result = log.score(scorer, rules=rules, as_of=log.success(1) + 180 * DAY)
    assert result.reviews.points[row] == pytest.approx(0.5, rel=1e-12)
    assert seller(result)["credit"] == pytest.approx(0.5, rel=1e-12)
    assert seller(result)["level"] == 0


@pytest.mark.parametrize("scorer", SCORERS)
def test_reviewer_weight_by_buyer_credit(scorer):
    """Section 8 reviewer weight: clip(buyer credit / full credit, floor, 1) on buyer -> seller points."""
    log = Log()
    log.order(1, SEP1, buyer=10)
    log.order(2, SEP1, buyer=11, seller=21)
    for k in range(3):  # buyer 11 earns 3 buyer credit from seller 22
        log.order(10 + k, SEP1 + k * HOUR, buyer=11, seller=22)
        log.rate(10 + k, log.success(10 + k), GOOD, author=SELLER)
    r1 = log.rate(1, log.success(1), GOOD)
    r2 = log.rate(2, log.success(2), GOOD)
    rules = TAOBAO.replace(reviewer_weight="buyer_credit", reviewer_weight_full_credit=10.0,
                           reviewer_weight_floor=0.1, default_good=False)
    result = log.score(scorer, rules=rules)
    assert result.reviews.points[[r1, r2]].tolist() == pytest.approx([0.1, 0.3])
    assert seller(result, 21)["credit"] == pytest.approx(0.3)
    assert buyer(result, 11)["credit"] == 3.0
