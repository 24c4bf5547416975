"""Penalty arithmetic as pure functions over the rule set: PEN-FAKE-ORDER, PEN-EXTORTION, PEN-NODES,
PEN-POINTS.

The state is per seller (index ``0..S-1``) in :class:`PenaltyState`, whose fields carry the same
names as the market platform's penalty attributes, so that the platform can hold one and call
:func:`settle` for its daily work (``sim.market.platform.Platform._penalties`` does the same
arithmetic inline today; ``tests/test_penalties.py`` checks the two agree).

- PEN-POINTS: points accumulate on two tracks, ``general`` and ``serious``; general points (and the
  general nodes reached) reset when the local calendar year changes (1 January).
- PEN-NODES: general: each ``general_node_points`` points reached gives ``shield`` and ``no_listing``
  for ``general_node_sanction_days`` times the node's number (12 points: 12 days; 24: 24 days).
  Serious: each ``(points, days)`` of ``serious_nodes`` reached gives ``shield`` and ``no_listing``
  for its days; ``serious_seal_points`` closes the shop and seals the account.
- PEN-FAKE-ORDER: a sweep that finds a seller's fake orders adds ``fake_order_points`` serious
  points; the sweep at which the seller's detected fake orders reach ``fake_order_seal_count`` adds
  ``serious_seal_points`` instead (*decision*: instead of, not as well as, the 12; later sweeps add 12
  again). The detected orders are removed from every score (their ``removed_at`` is the sweep), and
  with ``seal_fake_buyers`` the accounts that posed as their buyers are sealed.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import numpy as np

from sim.timeutil import PLATFORM_TZ, days as to_seconds

GENERAL, SERIOUS = 0, 1


@dataclass
class PenaltyState:
    points: np.ndarray  # int64 (2, S): general, serious
    nodes_reached: np.ndarray  # int64 (2, S)
    shield_until: np.ndarray  # int64 (S,)
    no_listing_until: np.ndarray  # int64 (S,)
    sealed: np.ndarray  # bool (S,)
    shielded: np.ndarray  # bool (S,)
    fakes_detected: np.ndarray  # int64 (S,): fake orders found so far (PEN-FAKE-ORDER)
    last_year: int  # the local year of the last settlement
    penalty_events: int = 0  # node sanctions applied so far

    @classmethod
    def new(cls, sellers: int, start: int) -> "PenaltyState":
        return cls(points=np.zeros((2, sellers), np.int64), nodes_reached=np.zeros((2, sellers), np.int64),
                   shield_until=np.zeros(sellers, np.int64), no_listing_until=np.zeros(sellers, np.int64),
                   sealed=np.zeros(sellers, bool), shielded=np.zeros(sellers, bool),
                   fakes_detected=np.zeros(sellers, np.int64), last_year=local_year(start))


def local_year(t: int) -> int:
    return _dt.datetime.fromtimestamp(int(t), PLATFORM_TZ).year


def add_points(state: PenaltyState, seller: np.ndarray, track: int, points) -> None:
    """PEN-POINTS: violation points to sellers (repeated sellers add up)."""
    np.add.at(state.points[track], np.asarray(seller, np.int64), points)


def yearly_reset(state: PenaltyState, now: int) -> bool:
    """PEN-POINTS: general points and nodes reset when the local year of the instant just before
    ``now`` differs from the last settlement's. Returns whether they were reset."""
    year = local_year(now - 1)
    if year == state.last_year:
        return False
    state.points[GENERAL] = 0
    state.nodes_reached[GENERAL] = 0
    state.last_year = year
    return True


def apply_nodes(rules, state: PenaltyState, now: int) -> int:
    """PEN-NODES: every node a track's points have crossed since the last call applies its sanction
    from ``now``. Returns the number of sanctions applied."""
    events = 0
    step = rules.general_node_points
    if step > 0:
        nodes = state.points[GENERAL] // step
        new = nodes > state.nodes_reached[GENERAL]
        if new.any():
            length = to_seconds(rules.general_node_sanction_days) * nodes[new]
            state.shield_until[new] = np.maximum(state.shield_until[new], now + length)
            state.no_listing_until[new] = np.maximum(state.no_listing_until[new], now + length)
            state.nodes_reached[GENERAL][new] = nodes[new]
            events += int(new.sum())
    serious = state.points[SERIOUS]
    for k, (points, days_) in enumerate(rules.serious_nodes, start=1):
        new = (serious >= points) & (state.nodes_reached[SERIOUS] < k)
        if new.any():
            state.shield_until[new] = np.maximum(state.shield_until[new], now + to_seconds(days_))
            state.no_listing_until[new] = np.maximum(state.no_listing_until[new], now + to_seconds(days_))
            state.nodes_reached[SERIOUS][new] = k
            events += int(new.sum())
    state.sealed |= serious >= rules.serious_seal_points
    state.shielded = (state.shield_until > now) | state.sealed
    state.penalty_events += events
    return events


def settle(rules, state: PenaltyState, now: int) -> int:
    """The daily penalty work: the yearly reset, then the node sanctions."""
    yearly_reset(state, now)
    return apply_nodes(rules, state, now)


def fake_order_points(rules, detected_before: np.ndarray, found_now: np.ndarray) -> np.ndarray:
    """PEN-FAKE-ORDER: serious points per seller for one sweep that found ``found_now`` of its fake
    orders after ``detected_before`` earlier ones."""
    before = np.asarray(detected_before, np.int64)
    found = np.asarray(found_now, np.int64)
    seal = rules.fake_order_seal_count
    reach = (found > 0) & (before < seal) & (before + found >= seal)
    return np.where(reach, rules.serious_seal_points, np.where(found > 0, rules.fake_order_points, 0))


@dataclass
class FakeOrderJudgement:
    removed_orders: np.ndarray  # order ids whose removed_at becomes the sweep's time
    points: np.ndarray  # serious points added, per seller index
    sealed_accounts: np.ndarray  # buyer account ids sealed


def judge_fake_orders(rules, state: PenaltyState, order_ids: np.ndarray, seller_index: np.ndarray,
                      buyer_ids: np.ndarray) -> FakeOrderJudgement:
    """PEN-FAKE-ORDER for one sweep's findings (each order once: ids already removed must not be
    passed): removal, serious points, sealing of the posing accounts. Updates ``state``; the node
    sanctions follow at the next :func:`settle`."""
    found = np.bincount(np.asarray(seller_index, np.int64), minlength=state.points.shape[1])
    points = fake_order_points(rules, state.fakes_detected, found)
    state.points[SERIOUS] += points
    state.fakes_detected += found
    sealed = np.unique(buyer_ids) if rules.seal_fake_buyers else np.zeros(0, np.int64)
    return FakeOrderJudgement(np.asarray(order_ids, np.int64), points, sealed)


@dataclass
class ExtortionJudgement:
    removed_orders: np.ndarray  # order ids of the upheld complaints
    removed_at: np.ndarray  # when each is removed (the judgement)
    accounts: np.ndarray  # the accounts judged to extort, once each
    points: np.ndarray  # serious points each of them gets
    sealed_accounts: np.ndarray


def judge_extortion(rules, order_ids: np.ndarray, buyer_ids: np.ndarray, complained_at: np.ndarray,
                    evidence: np.ndarray, rng: np.random.Generator | None = None) -> ExtortionJudgement:
    """PEN-EXTORTION: a seller's complaint about a bad review is judged ``intervene_days`` after it
    (TX-INTERVENE's delay). With evidence of the demand (*decision*: the chat records; without them
    the complaint is rejected) the review's order is removed (SCORE-REMOVED: its review and DSRs
    leave every score), its author gets ``extortion_points`` serious points per upheld complaint, and
    with ``seal_extortioners`` the author is sealed. Below ``extortion_judge_accuracy`` 1
    (KNOB-JUDGE-ACCURACY) each complaint with evidence is upheld with that probability, drawn from
    ``rng`` (one uniform per complaint; none drawn at accuracy 1)."""
    upheld = np.asarray(evidence, bool).copy()
    if rules.extortion_judge_accuracy < 1:
        upheld &= rng.random(len(upheld)) < rules.extortion_judge_accuracy
    when = np.asarray(complained_at, np.int64)[upheld] + to_seconds(rules.intervene_days)
    accounts, count = np.unique(np.asarray(buyer_ids, np.int64)[upheld], return_counts=True)
    sealed = accounts if rules.seal_extortioners else np.zeros(0, np.int64)
    return ExtortionJudgement(np.asarray(order_ids, np.int64)[upheld], when, accounts,
                              count * rules.extortion_points, sealed)
