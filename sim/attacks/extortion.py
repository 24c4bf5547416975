"""Extortion and sabotage by malicious negative reviewers (差评师), planned as columns.

docs/attacks.md "Malicious negative reviewers": a gang targets small or new sellers, buys cheap items,
rates ``bad`` with low DSRs, and demands payment to change the rating to ``good`` (REV-MODIFY's one
change is its lever). The seller pays, or refuses and complains; the platform judges the complaint
under PEN-EXTORTION (``sim.detection.penalties.judge_extortion``). A competitor can hire a gang to
leave bad reviews with no demand (sabotage), paying a fee per review.

:func:`plan_gang` draws a gang's attacks over a period from a ``numpy`` generator: how many
(Poisson, ``attacks_per_month``), when (uniform), which targets (uniform among the eligible: credit
below ``target_max_credit``, younger than ``target_max_age_days``, an item at most
``max_item_price``), which accounts (``reviews_per_target`` distinct ones), and, for extortion, each
target's answer under its :class:`~sim.attacks.strategy.ResponsePolicy` (pay with
``pay_probability`` of its credit and the harm; else complain, with or without evidence).
:func:`gang_log` turns the plan into the scoring core's orders and actions, with the nominal
lifecycle of ``sim.attacks.planner.Lifecycle``, and the payments between accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.attacks.planner import Lifecycle
from sim.attacks.strategy import GangConfig, ResponsePolicy, harm_points, pay_probability
from sim.reputation import log as L
from sim.timeutil import DAY, HOUR


@dataclass
class Targets:
    """What a gang sees of the sellers it could attack: one cheap item each, and counted reviews."""

    seller_id: np.ndarray
    created_at: np.ndarray
    credit: np.ndarray
    good: np.ndarray
    neutral: np.ndarray
    bad: np.ndarray
    item_id: np.ndarray
    price: np.ndarray


@dataclass
class GangPlan:
    """One row per attack (a target) and one per bad review (``review_*``, ``attack_of_review``)."""

    at: np.ndarray  # int64 when the attack's orders are placed
    seller_id: np.ndarray  # int64 the target
    item_id: np.ndarray
    amount: np.ndarray  # float64 the item's price
    demand: np.ndarray  # float64 yuan, 0 in sabotage
    pays: np.ndarray  # bool: the target pays
    complains: np.ndarray  # bool: the target refuses and complains
    evidence: np.ndarray  # bool: the complaint carries the chat records of the demand
    wait: np.ndarray  # int64 s from the demand to payment (if paid)
    review_buyer: np.ndarray  # int64 the gang account of each bad review
    attack_of_review: np.ndarray  # int64 row of its attack


def plan_gang(config: GangConfig, targets: Targets, accounts: np.ndarray, start: int, days: float,
              policy: ResponsePolicy, rng: np.random.Generator) -> GangPlan:
    """A gang's attacks over ``days`` from ``start`` (see the module docstring)."""
    eligible = np.flatnonzero((targets.credit < config.target_max_credit)
                              & (start - targets.created_at < config.target_max_age_days * DAY)
                              & (targets.price <= config.max_item_price)
                              & (targets.seller_id != config.client_seller))
    n = int(rng.poisson(config.attacks_per_month * days / 30.0))
    r = config.reviews_per_target
    if len(eligible) == 0 or len(accounts) < r:
        n = 0
    at = np.sort(start + rng.integers(0, int(days * DAY), n))
    target = eligible[rng.integers(0, max(len(eligible), 1), n)] if n else np.zeros(0, np.int64)
    first = rng.integers(0, max(len(accounts), 1), n)
    buyers = np.asarray(accounts, np.int64)[(first[:, None] + np.arange(r)) % max(len(accounts), 1)]
    extortion = config.mode == "extortion"
    demand = config.demand_yuan * np.exp(0.3 * rng.standard_normal(n) - 0.045) if extortion else np.zeros(n)
    harm = harm_points(targets.good[target], targets.neutral[target], targets.bad[target], np.full(n, r))
    u = rng.random((3, n))
    pays = extortion & (u[0] < pay_probability(policy, targets.credit[target], harm))
    complains = extortion & ~pays & (u[1] < policy.complain_prob)
    evidence = complains & (u[2] < policy.evidence_prob)
    wait = (rng.random(n) * config.pay_wait_days * DAY).astype(np.int64)
    return GangPlan(at=at, seller_id=targets.seller_id[target].astype(np.int64),
                    item_id=targets.item_id[target].astype(np.int64), amount=targets.price[target].astype(float),
                    demand=demand, pays=pays, complains=complains, evidence=evidence, wait=wait,
                    review_buyer=buyers.ravel(), attack_of_review=np.repeat(np.arange(n), r))


def gang_log(config: GangConfig, plan: GangPlan, first_order_id: int, lifecycle: Lifecycle = Lifecycle()) -> dict:
    """The plan as scoring input and money:

    - ``orders``, ``actions``: each gang account orders the target's item, confirms a day after
      delivery and rates ``bad`` with DSRs of ``dsr_low`` an hour later; the demand follows an hour
      after that; a target that pays does so ``wait`` later and, with ``modify_on_pay``, the rating
      is changed to ``good`` an hour after payment (one per attack's reviews);
    - ``payments`` (``at``, ``payer``, ``payee``, ``amount``): demands paid (to the attack's first
      account) and, in sabotage, the client's fee per review;
    - ``complaints`` (``order_id``, ``at``, ``evidence``, ``buyer_id``): the refusing targets'
      complaints, ``pay_wait_days`` after the demand, for ``judge_extortion``.
    """
    k = plan.attack_of_review
    n = len(k)
    order_id = first_order_id + np.arange(n, dtype=np.int64)
    created = plan.at[k]
    shipped = created + int(lifecycle.ship_hours * HOUR)
    success = shipped + int(lifecycle.transit_days * DAY) + DAY
    review_at = success + HOUR
    orders = L.Orders.build(order_id, plan.review_buyer, plan.seller_id[k], plan.item_id[k], created,
                            amount=plan.amount[k], success_at=success)
    low = np.full(n, config.dsr_low)
    parts = [L.Actions.build(order_id, None, None, review_at, np.full(n, L.BAD)),
             L.Actions.build(order_id, None, np.full(n, L.DSR), review_at, None, low, low, low, low)]
    demand_at = review_at + HOUR
    paid = plan.pays[k]
    paid_at = demand_at + plan.wait[k]
    if config.modify_on_pay and paid.any():
        parts.append(L.Actions.build(order_id[paid], None, np.full(paid.sum(), L.MODIFY), paid_at[paid] + HOUR,
                                     np.full(paid.sum(), L.GOOD)))
    first_review = np.r_[True, k[1:] != k[:-1]] if n else np.zeros(0, bool)
    payer, payee, amount, at = [], [], [], []
    lead = first_review & paid  # one payment per paying attack, to its first account
    payer.append(plan.seller_id[k][lead]), payee.append(plan.review_buyer[lead])
    amount.append(plan.demand[k][lead]), at.append(paid_at[lead])
    if config.mode == "sabotage":
        payer.append(np.full(n, config.client_seller, np.int64)), payee.append(plan.review_buyer)
        amount.append(np.full(n, config.fee_per_review)), at.append(review_at)
    complaint = plan.complains[k]
    return {
        "orders": orders, "actions": L.Actions.concat(parts),
        "payments": {"at": np.concatenate(at), "payer": np.concatenate(payer), "payee": np.concatenate(payee),
                     "amount": np.concatenate(amount).astype(float)},
        "complaints": {"order_id": order_id[complaint], "buyer_id": plan.review_buyer[complaint],
                       "at": demand_at[complaint] + int(config.pay_wait_days * DAY),
                       "evidence": plan.evidence[k][complaint]},
    }
