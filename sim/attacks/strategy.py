"""Attackers as data: brushing-farm evasion strategies and costs, extortion and sabotage gangs, and
the sellers' response to a demand.

docs/attacks.md "Brushing farms": a farm is a strategy against the rules, and each evasion exists to
beat one rule. Every field of :class:`Strategy` says which rule (docs/rules.md ID) or which detection
signal (docs/attacks.md "Detection") it beats; a scenario sets them, starting from a named preset
(:data:`PRESETS`). docs/attacks.md "Malicious negative reviewers" is :class:`GangConfig` and
:class:`ResponsePolicy`.

Configs are read with :func:`read_strategy`, :func:`read_gang` etc., which validate like the rest of
a scenario (``sim.attacks.config``): unknown keys (with "did you mean"), wrong types and out-of-range
values raise ``InputError`` naming the key path.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from sim.attacks.config import build, build_with_preset
from sim.errors import InputError
from sim.scenario.schema import knob, sub

PROB = {"lo": 0.0, "hi": 1.0}
NONNEG = {"lo": 0.0}

#: How a fake order's goods travel. ``virtual``: a virtual item, no logistics record; ``empty_parcel``:
#: an express waybill with nothing inside (the logistics record shows it, e.g. by weight);
#: ``real_parcel``: a cheap real item shipped express, indistinguishable in the logistics records.
DELIVERIES = ("virtual", "empty_parcel", "real_parcel")


@dataclass(frozen=True)
class Strategy:
    """A brushing farm's evasion strategy. Each parameter beats one rule or signal, named below."""

    name: str = knob("naive", "a label")
    orders_per_pair_month: int = knob(
        0, "fake orders one account places with one seller in a natural month; the farm uses "
        "ceil(orders that month / this) accounts per seller per month. 6 or fewer beats SCORE-CLAMP's "
        "+6 monthly pair clamp; 0: no limit (one account carries the whole month)", lo=0)
    fresh_pairs: bool = knob(
        False, "an account serves a seller in one natural month only, never again (beats the lifetime "
        "pair cap, cap_period = lifetime, and the repeated-pair signal)")
    rotate_items: bool = knob(
        False, "each account's successive orders with a seller go to successive items of the campaign "
        "(beats SCORE-DEDUP's same-item window); false: every order is for the campaign's first item")
    spread_days: int = knob(
        1, "the orders are spread evenly over this many days from the start (beats SCORE-CLAMP's "
        "natural-month clamp when accounts are few, and the burst signal)", lo=1)
    max_orders_per_day: int = knob(
        0, "at most this many fake orders a day for one seller, lengthening the spread if needed "
        "(beats the burst signal); 0: no limit", lo=0)
    hours: tuple = knob((9, 22), "local hours [from, to) in which workers place orders", lo=0, hi=24,
                        length=2)
    amount_yuan: float = knob(
        1.0, "the order amount, refunded to the worker (an amount above the rule set's min_amount "
        "beats the minimum-amount rule, docs/rules.md section 8)", lo=0.0)
    min_account_age_days: float = knob(
        0.0, "only accounts at least this old place orders; the farm creates and ages new ones if its "
        "pool is short (beats min_reviewer_age_days, docs/rules.md section 8)", **NONNEG)
    min_buyer_credit: int = knob(
        0, "accounts below this buyer credit are first warmed up with seller-rated orders at nursery "
        "shops (beats reviewer_weight = buyer_credit, docs/rules.md section 8)", lo=0)
    delivery: str = knob("virtual", "virtual, empty_parcel or real_parcel (beats logistics-record signals)",
                         choices=DELIVERIES)
    confirm_delay_hours: float = knob(
        0.5, "mean delay from delivery to the worker's confirmation (beats the confirm-speed signal)",
        **NONNEG)
    review_delay_hours: float = knob(0.5, "mean delay from success to the good review and DSR 5/5/5/5",
                                     **NONNEG)
    chat_prob: float = knob(0.0, "probability the worker chats with customer service first (beats the "
                            "no-chat signal)", **PROB)

    def check(self, source: str, path: str) -> None:
        lo, hi = self.hours
        if not (isinstance(lo, int) and isinstance(hi, int) and 0 <= lo < hi <= 24):
            raise InputError(source, f"{path}.hours" if path else "hours",
                             "two whole local hours [from, to) with 0 <= from < to <= 24", list(self.hours))


NAIVE = Strategy()
PRESETS: dict[str, Strategy] = {
    "naive": NAIVE,
    # One evasion each, so that each preset beats its rule and only its rule.
    "rotate_accounts": dataclasses.replace(NAIVE, name="rotate_accounts", orders_per_pair_month=6),
    "rotate_items": dataclasses.replace(NAIVE, name="rotate_items", rotate_items=True),
    "spread": dataclasses.replace(NAIVE, name="spread", spread_days=90, max_orders_per_day=5),
    # Every evasion at once: below the clamp, rotated, spread, priced, aged, credited, shipped, slow.
    "stealth": Strategy(
        name="stealth", orders_per_pair_month=3, fresh_pairs=False, rotate_items=True, spread_days=90,
        max_orders_per_day=3, hours=(9, 23), amount_yuan=120.0, min_account_age_days=180.0,
        min_buyer_credit=50, delivery="real_parcel", confirm_delay_hours=72.0, review_delay_hours=48.0,
        chat_prob=0.8),
    # The one-day boost service: as many fresh pairs as needed, six orders each, in a single day.
    "one_day_boost": Strategy(
        name="one_day_boost", orders_per_pair_month=6, fresh_pairs=True, rotate_items=True, spread_days=1,
        hours=(8, 16), amount_yuan=1.0, delivery="virtual", confirm_delay_hours=0.25,
        review_delay_hours=0.25),
}


@dataclass(frozen=True)
class FarmCosts:
    """What a fake order and an account cost the farm's client (docs/attacks.md "Sources and calibration inputs"; Xu et al.
    2015: about 1.5 yuan fee and 110 yuan merchandise per task, the merchandise refunded)."""

    fee_per_order: float = knob(1.5, "the worker's fee per fake order, yuan", **NONNEG)
    empty_parcel_cost: float = knob(1.5, "an empty-parcel waybill, yuan", **NONNEG)
    real_parcel_cost: float = knob(12.0, "a cheap real item plus postage, yuan", **NONNEG)
    commission_rate: float = knob(0.0, "share of the order amount lost to the platform's commission",
                                  **PROB)
    account_cost: float = knob(5.0, "creating one account, yuan", **NONNEG)
    aging_cost_per_day: float = knob(0.05, "keeping a new account alive until it is old enough, per day",
                                     **NONNEG)
    warmup_fee: float = knob(1.5, "one warm-up order at a nursery shop (one point of buyer credit)",
                             **NONNEG)


@dataclass(frozen=True)
class HirePolicy:
    """When a seller hires a farm (docs/attacks.md "Sources and calibration inputs": brushers are mostly young sellers with weak reputations,
    Xu et al. 2015; fraud is likelier with few or recently bad reviews, Luca and Zervas 2016)."""

    max_seller_age_days: float = knob(540.0, "only sellers younger than this hire (18 months)", **NONNEG)
    max_credit: float = knob(250.0, "only sellers below this credit hire", **NONNEG)
    monthly_prob: float = knob(0.05, "probability an eligible seller starts a campaign in a month", **PROB)
    target_credit: int = knob(60, "credit the campaign aims to add", lo=1)
    budget_yuan: float = knob(500.0, "the campaign's budget", **NONNEG)
    max_sales30: float = knob(0.0, "only sellers with at most this many paid orders in the shown 30-day sales "
                              "hire; 0: no limit", **NONNEG)


@dataclass(frozen=True)
class FarmConfig:
    """A brushing farm: its strategy, costs, account pool and clients' hiring policy."""

    name: str = knob("farm", "the attack's name (ground truth `attack`, random stream key)")
    accounts: int = knob(200, "accounts the farm owns at the start", lo=0)
    account_age_days: float = knob(365.0, "mean age of the owned accounts at the start", **NONNEG)
    max_new_accounts: int = knob(1000, "accounts the farm may create during the run", lo=0)
    strategy: Strategy = sub(Strategy, "the evasion strategy (a preset plus overrides)")
    costs: FarmCosts = sub(FarmCosts, "costs")
    hire: HirePolicy = sub(HirePolicy, "which sellers hire it")


@dataclass(frozen=True)
class GangConfig:
    """A malicious negative reviewer gang (差评师): extortion, or sabotage hired by a competitor."""

    name: str = knob("gang", "the attack's name")
    mode: str = knob("extortion", "extortion (demand money) or sabotage (no demand, paid by a rival)",
                     choices=("extortion", "sabotage"))
    accounts: int = knob(50, "accounts the gang owns", lo=0)
    attacks_per_month: float = knob(10.0, "targets attacked per month", **NONNEG)
    target_max_credit: float = knob(90.0, "targets are sellers below this credit (small sellers)", **NONNEG)
    target_max_age_days: float = knob(365.0, "targets are sellers younger than this (new sellers)", **NONNEG)
    max_item_price: float = knob(30.0, "the gang buys the target's items up to this price", **NONNEG)
    reviews_per_target: int = knob(1, "bad reviews per target (from distinct accounts)", lo=1)
    dsr_low: int = knob(1, "the DSR scores the gang gives", lo=1, hi=5)
    demand_yuan: float = knob(300.0, "the mean demand (a few hundred yuan; press reports: at most ~1000)",
                              **NONNEG)
    pay_wait_days: float = knob(3.0, "days the gang waits for payment before giving up", **NONNEG)
    modify_on_pay: bool = knob(True, "once paid, the gang changes the rating to good (REV-MODIFY, once)")
    fee_per_review: float = knob(30.0, "sabotage: what the rival pays per bad review", **NONNEG)
    client_seller: int = knob(0, "sabotage: the rival seller's account id that hires the gang (0: any)",
                              lo=0)


@dataclass(frozen=True)
class ResponsePolicy:
    """How a targeted seller answers a demand: pays with probability
    ``sigmoid(intercept + harm_coef * harm - credit_coef * log1p(credit))``, where ``harm`` is the fall
    in positive rate the bad reviews cause, in percentage points; otherwise it refuses and complains
    with probability ``complain_prob`` (the platform judges under PEN-EXTORTION)."""

    intercept: float = knob(-1.0, "log-odds of paying at zero harm and zero credit")
    harm_coef: float = knob(0.5, "log-odds per percentage point of positive rate lost", **NONNEG)
    credit_coef: float = knob(0.4, "log-odds lost per log(1 + credit): established sellers pay less",
                              **NONNEG)
    complain_prob: float = knob(0.7, "a seller who refuses complains with its evidence", **PROB)
    evidence_prob: float = knob(0.8, "a complaint carries the chat records of the demand", **PROB)


def pay_probability(policy: ResponsePolicy, credit: np.ndarray, harm: np.ndarray) -> np.ndarray:
    """The probability each seller pays a demand, given its credit and the harm (percentage points)."""
    z = policy.intercept + policy.harm_coef * np.asarray(harm, float) \
        - policy.credit_coef * np.log1p(np.maximum(np.asarray(credit, float), 0.0))
    return 1.0 / (1.0 + np.exp(-z))


def harm_points(good: np.ndarray, neutral: np.ndarray, bad: np.ndarray, new_bad: np.ndarray) -> np.ndarray:
    """The fall in positive rate (SCORE-POSITIVE-RATE, percentage points) that ``new_bad`` more counted
    bad reviews cause to a seller with these counted reviews (a seller with none loses 100)."""
    good, neutral, bad, new_bad = (np.asarray(x, float) for x in (good, neutral, bad, new_bad))
    total = good + neutral + bad
    with np.errstate(invalid="ignore", divide="ignore"):
        before = np.where(total > 0, good / total, 1.0)
    after = good / (total + new_bad)
    return 100.0 * (before - np.nan_to_num(after, nan=0.0))


# --- reading -----------------------------------------------------------------------------------

def read_strategy(data: Mapping | str, source: str = "<scenario>", path: str = "strategy") -> Strategy:
    """A strategy from a preset name, or a table with an optional ``preset`` and overrides."""
    if isinstance(data, str):
        data = {"preset": data}
    strategy = build_with_preset(Strategy, data, PRESETS, source, path, "naive")
    if "name" not in data and "preset" in data and data["preset"] != strategy.name:
        strategy = dataclasses.replace(strategy, name=data["preset"])
    return strategy


def read_farm(data: Mapping, source: str = "<scenario>", path: str = "farm") -> FarmConfig:
    data = dict(data)
    strategy = data.pop("strategy", "naive")
    farm = build(FarmConfig, data, source, path)
    return dataclasses.replace(farm, strategy=read_strategy(strategy, source, f"{path}.strategy"))


def read_gang(data: Mapping, source: str = "<scenario>", path: str = "gang") -> GangConfig:
    return build(GangConfig, data, source, path)


def read_response(data: Mapping, source: str = "<scenario>", path: str = "response") -> ResponsePolicy:
    return build(ResponsePolicy, data, source, path)
