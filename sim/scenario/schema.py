"""Scenario files: TOML (data only) -> validated, frozen dataclasses, with every default in ONE place.

This module owns the scenario format. The dataclass tree below *is* the documentation of every knob
and its default: each field is declared with :func:`knob`, which records the default, the allowed
range and a one-line meaning. ``docs/market.md`` lists the same tree; ``repsim validate`` checks a
file against it; :func:`canonical` turns a scenario back into plain data (for manifests).

Validation happens before anything runs. Every error is a :class:`sim.errors.InputError` naming the
file, the dotted key path (``buyers.archetypes.direct.share``) and what was expected:

- unknown keys (a typo is never silently ignored);
- wrong types (a string where a number belongs, a float where an integer belongs, booleans are not numbers);
- impossible values (negative rates, probabilities outside [0, 1], empty populations, zero horizon);
- cross-field constraints (archetype shares sum to 1, delivery-kind shares sum to 1, ...).

Scenario files never execute code. Object-valued fields (the rule set, extra actor kinds) are names
looked up in registries (``sim.rules.PRESETS``, ``sim.actors``).

Units: times of day are local hours (UTC+8, TIME-ZONE), durations are days or hours as each field's
name says, money is yuan. The market converts to the one time unit (seconds) through ``sim.timeutil``.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import InputError, did_you_mean
from sim.tomlfile import read_toml
from sim.vocabulary import ARCHETYPES, DELIVERY_KINDS

# ----------------------------------------------------------------------------------------------
# The knob helper: default + range + meaning, in one declaration.


def knob(default: Any, doc: str, *, lo: float | None = None, hi: float | None = None,
         lo_open: bool = False, choices: tuple | None = None, length: int | None = None,
         nonempty: bool = False) -> Any:
    """A scenario field: its default, its allowed range and what it means.

    ``lo``/``hi`` bound numbers (and every element of a tuple of numbers); ``lo_open`` makes the
    lower bound strict (``> lo``); ``choices`` restricts strings; ``length`` fixes a tuple's length.
    """
    meta = {"doc": doc, "lo": lo, "hi": hi, "lo_open": lo_open, "choices": choices, "length": length,
            "nonempty": nonempty}
    if isinstance(default, (dict, list)):
        raise TypeError("scenario defaults must be immutable")
    if dataclasses.is_dataclass(default) and isinstance(default, type):
        return field(default_factory=default, metadata=meta)
    return field(default=default, metadata=meta)


def sub(cls: type, doc: str) -> Any:
    """A nested table with its own defaults."""
    return field(default_factory=cls, metadata={"doc": doc})


PROB = {"lo": 0.0, "hi": 1.0}
NONNEG = {"lo": 0.0}
POS = {"lo": 0.0, "lo_open": True}



# ----------------------------------------------------------------------------------------------
# The tree. Defaults describe an honest taobao market of modest size.


@dataclass(frozen=True)
class Run:
    name: str = knob("baseline", "a label for outputs")
    start: str = knob("2024-03-04", "first day, an ISO date; the run starts at local midnight (UTC+8)")
    days: int = knob(60, "horizon in days", lo=1)
    warmup_days: int = knob(0, "days of simulated history before run.start: the honest market runs them first "
                            "(incumbents earn credit, entrants appear), attacks and detectors wait for run.start, "
                            "and the summary's metrics leave them out (the tables keep them)", lo=0)
    rules: str = knob("taobao", "rule preset, or a rule-set .toml path relative to the scenario file")
    deterministic_delays: bool = knob(
        False, "every random delay takes its mean exactly (closed-form tests); outcomes stay random")
    max_memory_fraction: float = knob(0.8, "refuse to run if the estimated memory exceeds this share of "
                                      "available memory", lo=0.0, hi=1.0, lo_open=True)
    low_quality_threshold: float = knob(0.6, "a seller with true quality below this is low quality (metrics)",
                                        **PROB)
    metric_horizon_days: float = knob(15.0, "feedback counts in the summary if given this many days after "
                                      "success, whatever the rule set's windows (the taobao review window)",
                                      **POS)


@dataclass(frozen=True)
class Festival:
    date: str = knob("2024-11-11", "ISO date of the festival's first day")
    days: int = knob(1, "how many days it lasts", lo=1)
    multiplier: float = knob(8.0, "visits are this many times normal", **POS)
    peak_hours: tuple = knob((0, 1), "local hours with an extra peak (enquiries peak 0:00-2:00)", lo=0, hi=23)
    peak_multiplier: float = knob(3.0, "extra factor in the peak hours", **POS)
    presale_days: int = knob(0, "days before the festival with raised visits (warm-up)", lo=0)
    presale_multiplier: float = knob(1.0, "visit factor in the warm-up days", **POS)


@dataclass(frozen=True)
class Archetype:
    share: float = knob(0.2, "share of buyers of this archetype", **PROB)
    pay_prob: float = knob(0.97, "probability of paying a placed order", **PROB)
    pay_delay_hours: float = knob(0.3, "mean delay from placing to paying", **NONNEG)
    chat_prob: float = knob(0.3, "probability of chatting with customer service before buying", **PROB)
    bargain_prob: float = knob(0.0, "probability of haggling the price before paying (restarts TX-UNPAID-CLOSE)",
                               **PROB)
    bargain_discount: float = knob(0.05, "price cut obtained by haggling", **PROB)
    expectation: float = knob(0.4, "quality the buyer expects from an honest description", **PROB)
    signal_trust: float = knob(1.0, "weight on reputation signals, relative to the search defaults", **NONNEG)
    confirm_early_prob: float = knob(0.6, "probability a satisfied buyer confirms receipt before the timer",
                                     **PROB)
    confirm_delay_days: float = knob(1.0, "mean delay from delivery to an early confirmation", **NONNEG)
    ship_patience_days: float = knob(5.0, "asks a refund if not shipped this long after paying "
                                     "(TX-REFUND-UNSHIPPED)", **NONNEG)
    after_sales_prob: float = knob(0.5, "probability a disappointed buyer asks for a return/refund", **PROB)
    partial_prob: float = knob(0.2, "probability a mildly disappointed buyer asks for a partial refund", **PROB)
    escalate_prob: float = knob(0.3, "probability of asking the platform to intervene after a refusal", **PROB)
    review_prob: float = knob(0.75, "probability of leaving a credit review after success", **PROB)
    review_delay_days: float = knob(2.0, "mean delay from success to the review", **NONNEG)
    dsr_prob: float = knob(0.9, "probability of giving the four DSRs when reviewing", **PROB)
    bad_prob: float = knob(0.5, "probability a disappointed reviewer rates bad (else neutral)", **PROB)
    disappointed_silence: float = knob(0.4, "a disappointed buyer stays silent rather than review (fear of "
                                       "retaliation, Dellarocas and Wood)", **PROB)
    mild_good_prob: float = knob(0.93, "probability a mildly disappointed reviewer still rates good", **PROB)
    change_accept_prob: float = knob(0.5, "probability of agreeing when a seller asks to change a review",
                                     **PROB)
    repeat_prob: float = knob(0.2, "probability of returning to the last satisfying seller", **PROB)
    anger_acknowledged_calm: float = knob(0.5, "a seller's acknowledgement (explanation) lowers escalation "
                                          "by this factor", **PROB)
    change_request_prob: float = knob(0.4, "a refused buyer who does not escalate changes the request to a "
                                      "partial refund (TX-REFUND-REFUSED)", **PROB)
    no_reason_prob: float = knob(0.3, "a mildly disappointed buyer of covered goods sends them back under the "
                                 "seven-day no-reason return (seed 004) rather than ask a partial refund", **PROB)


def _arch(**kw) -> typing.Callable[[], Archetype]:
    return lambda: Archetype(**kw)


@dataclass(frozen=True)
class Archetypes:
    direct: Archetype = field(default_factory=_arch(
        share=0.40, chat_prob=0.1, confirm_early_prob=0.8, review_prob=0.72, repeat_prob=0.15),
        metadata={"doc": "pays fast and rates good without contact"})
    sociable: Archetype = field(default_factory=_arch(
        share=0.25, chat_prob=0.6, review_prob=0.85, repeat_prob=0.6, change_accept_prob=0.8),
        metadata={"doc": "polite repeat buyer"})
    bargainer: Archetype = field(default_factory=_arch(
        share=0.15, chat_prob=0.9, bargain_prob=0.7, bargain_discount=0.08, review_prob=0.65),
        metadata={"doc": "haggles before paying"})
    non_payer: Archetype = field(default_factory=_arch(
        share=0.05, pay_prob=0.15, chat_prob=0.3, review_prob=0.5),
        metadata={"doc": "orders and often does not pay"})
    perfectionist: Archetype = field(default_factory=_arch(
        share=0.12, expectation=0.52, chat_prob=0.5, after_sales_prob=0.8, partial_prob=0.4,
        escalate_prob=0.5, review_prob=0.8, bad_prob=0.5, mild_good_prob=0.8, disappointed_silence=0.2, confirm_early_prob=0.3,
        change_accept_prob=0.3), metadata={"doc": "fault-finder"})
    vindictive: Archetype = field(default_factory=_arch(
        share=0.03, expectation=0.47, after_sales_prob=0.6, escalate_prob=0.7, review_prob=0.85, bad_prob=0.95,
        mild_good_prob=0.6, disappointed_silence=0.0, change_accept_prob=0.1, anger_acknowledged_calm=0.9),
        metadata={"doc": "retaliates with bad"})


@dataclass(frozen=True)
class Search:
    list_length: int = knob(20, "sellers shown per search (ranked)", lo=1)
    fresh_slots: int = knob(8, "of which this many are random non-shielded sellers (new listings)", lo=0)
    categories: int = knob(8, "product categories", lo=1)
    position_decay: float = knob(0.05, "utility lost per rank position shown", **NONNEG)
    w_level: float = knob(0.25, "utility per log(1+level) (credit badge)", **NONNEG)
    w_positive: float = knob(0.3, "utility per percentage point of the shrunk positive rate away from "
                             "positive_prior", **NONNEG)
    positive_prior: float = knob(0.97, "the positive rate a buyer assumes before reading any review", **PROB)
    positive_prior_weight: float = knob(50.0, "how many reviews the prior is worth (shrinkage strength)", **NONNEG)
    w_dsr: float = knob(1.5, "utility per DSR point (shrunk mean of four) away from dsr_reference", **NONNEG)
    dsr_reference: float = knob(4.7, "the DSR a buyer assumes before any rating (and the neutral point)",
                                lo=1.0, hi=5.0)
    dsr_prior_weight: float = knob(20.0, "how many DSR ratings the reference is worth (shrinkage strength)",
                                   **NONNEG)
    w_sales: float = knob(0.1, "utility per log(1+sales in 30 days)", **NONNEG)
    w_price: float = knob(1.0, "utility lost per log price ratio to the category mean", **NONNEG)
    trust_sd: float = knob(0.5, "log-normal spread of buyers' trust in signals", **NONNEG)
    choice_noise: float = knob(1.0, "scale of the Gumbel taste noise", **POS)


@dataclass(frozen=True)
class Buyers:
    count: int = knob(5000, "buyer accounts", lo=1)
    visits_per_day: float = knob(0.05, "mean shopping visits per buyer per day (before rhythms)", **POS)
    buy_prob: float = knob(0.6, "probability that a visit that reaches a choice places an order", **PROB)
    activity_sd: float = knob(1.0, "log-normal spread of buyers' activity", **NONNEG)
    hourly_profile: tuple = knob(
        (0.6, 0.35, 0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1.0, 1.2, 1.2, 1.1, 1.1, 1.2, 1.2, 1.1, 1.0, 1.0,
         1.2, 1.5, 1.8, 1.7, 1.2), "relative visits by local hour", length=24, lo=0.0)
    weekly_profile: tuple = knob((1.0, 0.95, 0.95, 1.0, 1.05, 1.15, 1.2),
                                 "relative visits Monday..Sunday", length=7, lo=0.0)
    festivals: tuple = knob((), "shopping festivals: [[buyers.festivals]] tables")
    account_age_days: float = knob(700.0, "mean account age at the start", **NONNEG)
    growth_mean: float = knob(800.0, "mean initial growth value (GROWTH-*)", **NONNEG)
    verified_share: float = knob(0.8, "share of real-name-verified accounts (GROWTH-VIP gold)", **PROB)
    mild_margin: float = knob(0.2, "a satisfaction gap up to this is mild disappointment", **NONNEG)
    perception_sd: float = knob(0.08, "noise in perceived quality", **NONNEG)
    damage_penalty: float = knob(0.35, "perceived quality lost to courier damage", **NONNEG)
    lateness_penalty: float = knob(0.03, "perceived quality lost per day of late delivery", **NONNEG)
    exchange_fix_prob: float = knob(0.7, "an exchange satisfies the buyer with this probability", **PROB)
    exchange_accept_prob: float = knob(0.6, "a buyer accepts an offered exchange", **PROB)
    return_ship_prob: float = knob(0.9, "the buyer ships an agreed return within TX-RETURN's window", **PROB)
    return_ship_delay_days: float = knob(1.5, "mean delay to ship an agreed return", **NONNEG)
    lost_wait_days: float = knob(3.0, "days past the expected delivery before reporting not received", **NONNEG)
    dispatch_grace_days: float = knob(2.0, "dispatch within this many days of payment is not held against the "
                                      "seller", **NONNEG)
    late_dispatch_penalty: float = knob(0.03, "perceived quality lost per day of dispatch beyond the grace",
                                        **NONNEG)
    loss_penalty: float = knob(0.15, "perceived quality lost when a reshipment replaces a lost parcel", **NONNEG)
    avoid_days: float = knob(120.0, "a disappointed buyer leaves that seller out of its choices this long",
                             **NONNEG)
    avoid_memory: int = knob(3, "how many avoided sellers a buyer remembers at once (the oldest is forgotten)",
                             lo=1, hi=16)
    haggle_delay_hours: float = knob(1.0, "mean delay from placing to the haggled price change", **NONNEG)
    request_delay_hours: float = knob(6.0, "mean delay from a disappointing delivery to the return request",
                                      **NONNEG)
    escalate_delay_days: float = knob(1.0, "mean delay from a refusal to asking the platform to intervene",
                                      **NONNEG)
    change_request_delay_days: float = knob(1.0, "mean delay from a refusal to a changed request", **NONNEG)
    archetypes: Archetypes = sub(Archetypes, "the buyer archetypes")


@dataclass(frozen=True)
class Sellers:
    count: int = knob(200, "seller accounts at the start", lo=1)
    entry_per_day: float = knob(0.0, "new sellers entering per day over the run: fresh ids after the first "
                                "sellers (buyer ids follow them), entry times spread evenly; before its entry a "
                                "seller is not in search and sells nothing", lo=0.0)
    tmall_share: float = knob(0.0, "share of tmall (B2C) sellers", **PROB)
    quality_a: float = knob(5.0, "Beta(a, b) of latent true quality", **POS)
    quality_b: float = knob(2.0, "Beta(a, b) of latent true quality", **POS)
    honesty_a: float = knob(8.0, "Beta(a, b) of description honesty", **POS)
    honesty_b: float = knob(1.5, "Beta(a, b) of description honesty", **POS)
    exaggeration: float = knob(0.25, "expectation raised by a fully dishonest description", **NONNEG)
    price_mean: float = knob(80.0, "mean item price", **POS)
    price_sd: float = knob(0.3, "log-normal spread of prices", **NONNEG)
    quality_price: float = knob(0.5, "log-price per unit of quality above the mean (good costs more)", **NONNEG)
    items_mean: float = knob(20.0, "mean catalogue size", lo=1.0)
    item_price_spread: float = knob(0.2, "an item's price is the seller's price times 1 +- this (fixed per item)",
                                    lo=0.0, hi=0.9)
    dispatch_days: float = knob(1.0, "mean dispatch delay after payment", **NONNEG)
    dispatch_sd: float = knob(0.5, "log-normal spread of dispatch delays", **NONNEG)
    dispatch_capacity: float = knob(30.0, "orders a seller packs per day before delays grow", **POS)
    capacity_per_sale: float = knob(0.05, "extra daily packing capacity per order sold in 30 days", **NONNEG)
    cs_capacity: float = knob(40.0, "chats a day the customer service answers promptly", **POS)
    cs_capacity_sd: float = knob(0.3, "log-normal spread of customer-service capacity between sellers", **NONNEG)
    cs_skill_a: float = knob(6.0, "Beta(a, b) of customer-service skill", **POS)
    cs_skill_b: float = knob(2.0, "Beta(a, b) of customer-service skill", **POS)
    temper_mean: float = knob(0.05, "mean probability of a rude reply", **PROB)
    slow_abandon: float = knob(0.3, "a slow chat reply loses the sale with this probability", **PROB)
    rude_abandon: float = knob(0.7, "a rude chat reply loses the sale with this probability", **PROB)
    unskilled_abandon: float = knob(0.3, "an unconvincing reply (1 - skill) loses the sale this often", **PROB)
    generous_share: float = knob(0.6, "share of sellers with a generous after-sales policy (else restrictive: "
                                 "exchange, no return)", **PROB)
    cashback_share: float = knob(0.1, "share of sellers paying cash back for good reviews", **PROB)
    cashback_amount: float = knob(5.0, "cash back per good review", **NONNEG)
    cashback_review_boost: float = knob(0.15, "extra review probability under cash back", **PROB)
    ask_change_share: float = knob(0.5, "share of sellers who ask neutral/bad reviewers to change", **PROB)
    answer_delay_days: float = knob(1.0, "mean delay of the seller's answer to a neutral/bad review", **NONNEG)
    rate_buyer_prob: float = knob(0.6, "a taobao seller rates its buyer (good) after success", **PROB)
    rate_buyer_delay_days: float = knob(3.0, "mean delay of the seller's rating of the buyer", **NONNEG)
    retaliate_prob: float = knob(0.3, "a bad-tempered seller rates a bad reviewer bad (if not yet rated)", **PROB)
    reship_on_loss_prob: float = knob(0.7, "the seller reships a lost parcel", **PROB)
    refund_on_loss_prob: float = knob(0.7, "a seller who does not reship refunds a lost parcel (else it refuses, "
                                      "claiming delivery, and the buyer may ask the platform to intervene)", **PROB)
    request_answer_hours: float = knob(6.0, "mean delay of the seller's answer to an after-sales request",
                                       **NONNEG)
    agree_partial_prob: float = knob(0.6, "a seller agrees to a partial refund", **PROB)
    partial_share: float = knob(0.2, "share of the amount refunded in a partial refund", **PROB)
    return_confirm_prob: float = knob(0.9, "the seller confirms a returned parcel in time (else TX-RETURN "
                                      "refunds automatically)", **PROB)
    return_confirm_delay_days: float = knob(2.0, "mean delay to confirm a returned parcel", **NONNEG)
    account_age_days: float = knob(500.0, "mean shop age at the start", **NONNEG)


@dataclass(frozen=True)
class Reviews:
    cashback_mild_good_prob: float = knob(0.95, "under cash back a mildly disappointed reviewer rates good at "
                                          "least this often", **PROB)
    dsr_base: float = knob(4.4, "a DSR score before the order's own effects (before rounding to 1-5)",
                           lo=1.0, hi=5.0)
    dsr_noise: float = knob(0.5, "spread of each DSR score around its mean (normal, before rounding)", **NONNEG)
    described_per_satisfaction: float = knob(2.0, "described score per unit of satisfaction (perceived minus "
                                             "expected quality)", **NONNEG)
    service_bonus: float = knob(0.5, "service score above dsr_base when nothing went wrong", **NONNEG)
    service_rude: float = knob(2.0, "service score lost to a rude chat reply", **NONNEG)
    service_slow: float = knob(1.0, "service score lost to a slow chat reply", **NONNEG)
    service_unconvincing: float = knob(0.5, "service score lost to an unconvincing chat reply", **NONNEG)
    service_refused: float = knob(2.0, "service score lost when after-sales was refused or went to the platform",
                                  **NONNEG)
    shipping_bonus: float = knob(0.5, "shipping score above dsr_base when dispatch was within the grace",
                                 **NONNEG)
    shipping_per_late_day: float = knob(0.7, "shipping score lost per day of dispatch beyond "
                                        "buyers.dispatch_grace_days", **NONNEG)
    logistics_bonus: float = knob(0.5, "logistics score above dsr_base for an on-time parcel", **NONNEG)
    logistics_per_late_day: float = knob(0.5, "logistics score lost per day of late delivery", **NONNEG)
    logistics_damage: float = knob(2.0, "logistics score lost to a damaged parcel", **NONNEG)
    logistics_loss: float = knob(2.0, "logistics score lost to a lost or undeliverable parcel", **NONNEG)


@dataclass(frozen=True)
class Courier:
    name: str = knob("express-co", "company name")
    share: float = knob(1.0, "share of sellers using it", **PROB)
    pickup_hours: tuple = knob((10, 17), "local hours of the daily pickup rounds", lo=0, hi=23, nonempty=True)
    capacity_per_round: float = knob(0.0, "parcels per pickup round; 0 means unlimited", **NONNEG)
    capacity_per_seller: float = knob(0.0, "added round capacity per seller using it (scales with the market)",
                                      **NONNEG)
    express_days: float = knob(2.5, "mean transit, express", **NONNEG)
    ems_days: float = knob(3.5, "mean transit, EMS", **NONNEG)
    surface_days: float = knob(12.0, "mean transit, surface mail", **NONNEG)
    transit_sd: float = knob(0.35, "log-normal spread of transit times", **NONNEG)
    delay_prob: float = knob(0.04, "probability of a delay", **PROB)
    delay_days: float = knob(3.0, "mean extra days of a delay", **NONNEG)
    loss_prob: float = knob(0.003, "probability the parcel is lost", **PROB)
    damage_prob: float = knob(0.01, "probability the parcel arrives damaged", **PROB)
    undeliverable_prob: float = knob(0.002, "probability the address is undeliverable", **PROB)


@dataclass(frozen=True)
class Delivery:
    express: float = knob(0.85, "share of items shipped express", **PROB)
    ems: float = knob(0.04, "share shipped by EMS", **PROB)
    surface_mail: float = knob(0.03, "share shipped by surface mail", **PROB)
    virtual: float = knob(0.04, "share of virtual goods", **PROB)
    auto_delivery: float = knob(0.03, "share of auto-delivered goods", **PROB)
    no_logistics: float = knob(0.01, "share needing no logistics (handed over)", **PROB)


@dataclass(frozen=True)
class Platform:
    intervene_win_loss: float = knob(0.95, "TX-INTERVENE: buyer wins when the courier lost it", **PROB)
    intervene_win_damage: float = knob(0.85, "buyer wins with a damaged parcel", **PROB)
    intervene_win_defect: float = knob(0.6, "buyer wins with a quality defect (low true quality)", **PROB)
    intervene_win_none: float = knob(0.15, "buyer wins with no evidence (taste)", **PROB)
    defect_quality: float = knob(0.5, "true quality below this is an evidenced defect", **PROB)
    no_reason_return_days: float = knob(7.0, "seven-day no-reason return (seed 004): within this many days of "
                                        "delivery a seller must accept the return of physical goods (express, "
                                        "EMS, surface mail); 0 switches it off", **NONNEG)
    return_express_days: float = knob(3.0, "mean transit of a returned parcel (express, EMS, no logistics)",
                                      **NONNEG)
    return_surface_days: float = knob(12.0, "mean transit of a returned parcel sent by surface mail", **NONNEG)
    return_transit_sd: float = knob(0.3, "log-normal spread of return transit", **NONNEG)
    points_lost_dispute: int = knob(1, "general violation points to a seller losing an intervention", lo=0)
    points_late_shipping: int = knob(0, "general points per order shipped later than late_shipping_days", lo=0)
    late_shipping_days: float = knob(3.0, "shipping later than this after payment is a violation", **NONNEG)
    scoring_interval_days: int = knob(1, "days between platform scoring runs (signals refresh)", lo=1)
    sales_window_days: int = knob(30, "the sales count shown covers this many days", lo=1)
    rank_w_level: float = knob(0.3, "search rank score per log(1+level)", **NONNEG)
    rank_w_positive: float = knob(0.3, "search rank score per point of the shrunk positive rate away from "
                                  "rank_positive_prior", **NONNEG)
    rank_w_dsr: float = knob(1.5, "search rank score per DSR point (shrunk mean of four) away from "
                             "rank_dsr_reference", **NONNEG)
    rank_positive_prior: float = knob(0.97, "the ranking's positive rate before any review", **PROB)
    rank_positive_prior_weight: float = knob(50.0, "how many reviews the ranking's prior is worth", **NONNEG)
    rank_dsr_reference: float = knob(4.7, "the ranking's DSR before any rating (and its neutral point)",
                                     lo=1.0, hi=5.0)
    rank_dsr_prior_weight: float = knob(20.0, "how many DSR ratings the ranking's reference is worth", **NONNEG)
    rank_w_sales: float = knob(0.1, "search rank score per log(1+sales)", **NONNEG)
    rank_noise: float = knob(0.5, "daily noise in the rank score (personalisation)", **NONNEG)
    postage: float = knob(8.0, "postage of a return, paid by the party at fault", **NONNEG)


@dataclass(frozen=True)
class ActorSpec:
    kind: str = knob("", "a registered actor kind (sim.actors)")
    params: tuple = knob((), "key = value parameters of that kind, validated by the kind")
    name: str = field(default="", metadata={"doc": "the actor's name (keys its random stream)", "internal": True})
    config: Any = field(default=None, metadata={"doc": "the validated config", "internal": True})


@dataclass(frozen=True)
class Scenario:
    run: Run = sub(Run, "run-wide settings")
    buyers: Buyers = sub(Buyers, "genuine buyers")
    sellers: Sellers = sub(Sellers, "sellers")
    couriers: tuple = knob((), "courier companies: [[couriers]] tables; default one 'express-co'")
    search: Search = sub(Search, "search results and how buyers choose")
    reviews: Reviews = sub(Reviews, "how genuine reviewers turn an order into a rating and DSRs")
    delivery: Delivery = sub(Delivery, "delivery kinds of the items")
    platform: Platform = sub(Platform, "platform behaviour beyond the rule set")
    actors: tuple = knob((), "extra actor families: [[actors]] tables with kind = a registered name")
    detectors: tuple = knob((), "the platform's detectors: [[detectors]] tables (docs/attacks.md, Detection)")
    source: str = field(default="<defaults>", metadata={"doc": "the file it came from (not a TOML key)",
                                                      "internal": True})

    @property
    def start_epoch(self) -> int:
        from sim.timeutil import parse_timestamp
        return parse_timestamp(self.run.start + "T00:00:00")

    @property
    def rules_path(self) -> Path | None:
        """The rule-set file named by ``run.rules``, resolved against the scenario file; None for a preset."""
        if not self.run.rules.endswith(".toml"):
            return None
        path = Path(self.run.rules)
        if not path.is_absolute() and self.source not in ("<defaults>", "<scenario>"):
            path = Path(self.source).parent / path
        return path

    @property
    def courier_list(self) -> tuple[Courier, ...]:
        return self.couriers or (Courier(),)


#: element types of the tuple-of-tables fields
TABLE_LISTS: dict[str, type] = {"festivals": Festival, "couriers": Courier}


# ----------------------------------------------------------------------------------------------
# Reading and validating.


def load(path: str | Path, overrides: dict[str, Any] | None = None, override_source: str = "--set") -> Scenario:
    """Read and validate one scenario file; raise InputError naming file, key path and expectation.

    An empty file is refused: it is almost always the wrong file or a failed write, and running it
    would silently simulate the default market. A file with only ``[run]`` asks for every default.
    ``overrides`` maps dotted key paths to values set over the file's own (:func:`with_overrides`);
    an error in an overridden value names ``override_source`` instead of the file.
    """
    data = read_toml(path, "scenario file")
    if not data:
        raise InputError(str(path), "(the whole file)",
                         "at least one table, such as [run] (write just [run] to accept every default)",
                         "an empty file")
    if not overrides:
        return from_mapping(data, str(path))
    data = with_overrides(data, overrides, override_source)
    try:
        return from_mapping(data, str(path))
    except InputError as exc:
        if any(exc.where == key or exc.where.startswith((key + ".", key + "[")) for key in overrides):
            raise InputError(override_source, exc.where, exc.expected, exc.got, exc.hint) from None
        raise


def from_mapping(data: dict, source: str = "<scenario>") -> Scenario:
    scenario = _build(Scenario, data, source, "")
    scenario = dataclasses.replace(scenario, source=source)
    _check_cross(scenario, source)
    return scenario


def with_overrides(data: dict, overrides: dict[str, Any], source: str) -> dict:
    """A copy of scenario data with each dotted key path set to its value.

    A path names a knob of the tree (``buyers.count``, ``buyers.archetypes.direct.share``), a whole
    array of tables (``actors``), or a key of an existing element (``actors[0].strategy``,
    ``couriers[1].share``). An unknown key is an ``InputError`` naming ``source`` and the path, with
    the closest key when one is near; values are checked afterwards, with the rest of the file.
    """
    import copy
    import re

    data = copy.deepcopy(data)
    for path, value in overrides.items():
        cls: Any = Scenario  # None below an actor's table: its keys belong to the actor kind
        node = data
        parts = path.split(".")
        for i, part in enumerate(parts):
            m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?", part)
            name, index = (m.group(1), m.group(2)) if m else (part, None)
            if cls is not None:
                known = [f.name for f in dataclasses.fields(cls) if not f.metadata.get("internal")]
                if m is None or name not in known:
                    prefix = ".".join(parts[:i] + [""])
                    raise InputError(source, path, "a scenario key path (docs/market.md)", None,
                                     did_you_mean(prefix + name, [prefix + k for k in known]))
            last = i == len(parts) - 1
            if index is not None:
                items = node.get(name)
                if not isinstance(items, list) or int(index) >= len(items) or not isinstance(items[int(index)], dict):
                    raise InputError(source, path, f"an existing element of {name} in the scenario file")
                if last:
                    items[int(index)] = value
                    break
                node, cls = items[int(index)], TABLE_LISTS.get(name)
                continue
            if last:
                node[name] = value
                break
            tp = typing.get_type_hints(cls)[name] if cls is not None else dict
            if cls is not None and not dataclasses.is_dataclass(tp):
                raise InputError(source, path, f"a key path that ends at {'.'.join(parts[:i + 1])}")
            child = node.setdefault(name, {})
            if not isinstance(child, dict):
                raise InputError(source, path, f"a table at {'.'.join(parts[:i + 1])} in the scenario file")
            node, cls = child, (tp if cls is not None else None)
    return data


def _type_name(tp: Any) -> str:
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false",
            tuple: "an array"}.get(tp, str(tp))


def check_number(value: Any, meta: dict, source: str, path: str, integer: bool) -> float:
    """A knob's number checked against its type and its range (``knob``'s lo, lo_open and hi)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(source, path, "an integer" if integer else "a number", value)
    if integer and not isinstance(value, int):
        raise InputError(source, path, "an integer", value)
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(source, path, "a finite number", value)
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is not None and (value < lo or (meta.get("lo_open") and value == lo)):
        what = f"a number {'>' if meta.get('lo_open') else '>='} {lo}"
        if hi is not None:
            what = f"a number in {'(' if meta.get('lo_open') else '['}{lo}, {hi}]"
        raise InputError(source, path, what, value)
    if hi is not None and value > hi:
        left = "(" if meta.get("lo_open") else "["
        raise InputError(source, path, f"a number in {left}{lo}, {hi}]" if lo is not None else f"a number <= {hi}",
                         value)
    return value


def _build(cls: type, data: Any, source: str, prefix: str) -> Any:
    if not isinstance(data, dict):
        raise InputError(source, prefix or "(top level)", "a table", data)
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    for key in data:
        if key not in known:
            path = f"{prefix}.{key}" if prefix else key
            hint = did_you_mean(key, known)
            expected = "a known key" if hint else f"one of the keys {', '.join(sorted(known))} (unknown key)"
            raise InputError(source, path, expected, key, hint)
    values = {}
    for name, f in known.items():
        if name not in data:
            continue
        path = f"{prefix}.{name}" if prefix else name
        value = data[name]
        tp = hints[name]
        meta = f.metadata
        if dataclasses.is_dataclass(tp):
            values[name] = _build(tp, value, source, path)
        elif name in TABLE_LISTS or (cls is Scenario and name in ("actors", "detectors")):
            if not isinstance(value, list):
                raise InputError(source, path, "an array of tables ([[" + path + "]])", value)
            if cls is Scenario and name in ("actors", "detectors"):
                from sim.scenario.extras import read_extras
                values[name] = read_extras(name, value, source, path)
            else:
                values[name] = tuple(_build(TABLE_LISTS[name], v, source, f"{path}[{i}]")
                                     for i, v in enumerate(value))
        elif tp is bool:
            if not isinstance(value, bool):
                raise InputError(source, path, "true or false", value)
            values[name] = value
        elif tp is int or tp is float:
            values[name] = check_number(value, meta, source, path, tp is int)
            if tp is float:
                values[name] = float(values[name])
        elif tp is str:
            if not isinstance(value, str):
                raise InputError(source, path, "a string", value)
            if meta.get("choices") and value not in meta["choices"]:
                raise InputError(source, path, f"one of {', '.join(meta['choices'])}", value,
                                 did_you_mean(value, meta["choices"]))
            values[name] = value
        elif tp is tuple:
            if not isinstance(value, list):
                raise InputError(source, path, "an array", value)
            if meta.get("length") is not None and len(value) != meta["length"]:
                raise InputError(source, path, f"an array of {meta['length']} numbers", value)
            if meta.get("nonempty") and not value:
                raise InputError(source, path, "a non-empty array", value)
            integer = isinstance(f.default, tuple) and f.default and isinstance(f.default[0], int)
            values[name] = tuple(check_number(v, meta, source, f"{path}[{i}]", integer)
                                 for i, v in enumerate(value))
        else:  # pragma: no cover - schema definition error
            raise TypeError(f"unsupported scenario field type {tp}")
    return cls(**values)


def _iso_date(value: str, source: str, path: str) -> _dt.date:
    from sim.timeutil import parse_date

    try:
        return parse_date(value)
    except ValueError:
        raise InputError(source, path, "an ISO date such as 2024-03-04", value) from None


def _check_cross(s: Scenario, source: str) -> None:
    """Constraints that involve more than one field."""
    start = _iso_date(s.run.start, source, "run.start")
    shares = [getattr(s.buyers.archetypes, a).share for a in ARCHETYPES]
    if abs(sum(shares) - 1.0) > 1e-6:
        raise InputError(source, "buyers.archetypes.*.share", "shares that sum to 1", round(sum(shares), 6))
    kinds = [getattr(s.delivery, k) for k in DELIVERY_KINDS]
    if abs(sum(kinds) - 1.0) > 1e-6:
        raise InputError(source, "delivery.*", "delivery-kind shares that sum to 1", round(sum(kinds), 6))
    couriers = s.courier_list
    if abs(sum(c.share for c in couriers) - 1.0) > 1e-6:
        raise InputError(source, "couriers[*].share", "courier shares that sum to 1",
                         round(sum(c.share for c in couriers), 6))
    names = [c.name for c in couriers]
    if len(set(names)) != len(names):
        raise InputError(source, "couriers[*].name", "distinct courier names", names)
    for i, c in enumerate(couriers):
        if c.loss_prob + c.damage_prob + c.undeliverable_prob + c.delay_prob > 1:
            raise InputError(source, f"couriers[{i}]", "failure probabilities that sum to at most 1",
                             c.loss_prob + c.damage_prob + c.undeliverable_prob + c.delay_prob)
    if s.run.days < 1:
        raise InputError(source, "run.days", "a horizon of at least 1 day", s.run.days)
    for i, fest in enumerate(s.buyers.festivals):
        _iso_date(fest.date, source, f"buyers.festivals[{i}].date")
    del start
    if s.rules_path is None:
        from sim.rules import PRESETS
        if s.run.rules not in PRESETS:
            raise InputError(source, "run.rules", f"a preset ({', '.join(PRESETS)}) or a .toml file", s.run.rules,
                             did_you_mean(s.run.rules, PRESETS))




def canonical(s: Scenario) -> dict:
    """Plain data of the whole scenario with every default filled in (for manifests)."""
    def conv(obj: Any) -> Any:
        if dataclasses.is_dataclass(obj):
            return {f.name: conv(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                    if not f.metadata.get("internal")}
        if isinstance(obj, tuple):
            return [conv(v) for v in obj]
        return obj

    data = conv(s)
    data["couriers"] = [conv(c) for c in s.courier_list]
    data["actors"] = [{"kind": a.kind, **dict(a.params)} for a in s.actors]
    from sim.scenario.extras import plain_data
    data["detectors"] = [{"kind": d.kind, "name": d.name, "every_days": d.every_days, **plain_data(d.config)}
                         for d in s.detectors]
    return data


def describe(obj: Any = None, prefix: str = "") -> list[tuple[str, str, str]]:
    """(key path, default, meaning) of every knob: the table in docs/market.md is made from this."""
    obj = Scenario() if obj is None else obj
    rows = []
    for f in dataclasses.fields(obj):
        if f.metadata.get("internal"):
            continue
        path = f"{prefix}.{f.name}" if prefix else f.name
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            rows.extend(describe(value, path))
        elif f.name in TABLE_LISTS:
            rows.extend(describe(TABLE_LISTS[f.name](), f"{path}[]"))
        else:
            rows.append((path, repr(value), f.metadata.get("doc", "")))
    return rows
