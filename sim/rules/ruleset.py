"""The rule set: every knob of the rules (``docs/rules.md``) as one frozen dataclass of plain data.

A rule set is data, not code. Variants are made by changing fields
(``dataclasses.replace(TAOBAO, dedup_days=0)``), never by subclassing. Durations are in days or
hours as the spec states them; ``None`` for a window means the window never closes. The scoring
core converts them to seconds through ``sim.timeutil`` only.

Each field names the rule ID it parameterises and what it means; ``docs/rules.md`` describes every
rule and tabulates these fields (regenerate its table with ``python -m sim.rules.table``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

#: LEVEL-20: credit from which each level 1..20 starts [public].
TAOBAO_LEVEL_THRESHOLDS: tuple[int, ...] = (
    4, 11, 41, 91, 151, 251, 501, 1001, 2001, 5001,
    10001, 20001, 50001, 100001, 200001, 500001, 1000001, 2000001, 5000001, 10000001,
)


def rule(default, rule_id: str, doc: str):
    """A rule-set field: its default (the ``taobao`` value), the rule ID it parameterises and what it
    means. ``docs/rules.md`` tabulates every field from these (``sim.rules.table``)."""
    return field(default=default, metadata={"rule": rule_id, "doc": doc})


#: Allowed values of the enumerated knobs.
CAP_PERIODS = ("month", "lifetime", "none")
DEDUP_SCOPES = ("item", "seller")
REVIEWER_WEIGHTS = ("none", "buyer_credit")


@dataclass(frozen=True)
class RuleSet:
    """Every parameter of the platform's rules (``docs/rules.md`` sections 0-8)."""

    name: str = rule("taobao", "", "the rule set's name, written into manifests and outputs")

    # --- 1. Transaction lifecycle and timeouts (used by the market model) ---
    unpaid_close_days: float = rule(3.0, "TX-UNPAID-CLOSE", "an unpaid order closes this long after it was "
                                    "placed, or after the seller last changed its terms")
    refund_unshipped_days: float = rule(2.0, "TX-REFUND-UNSHIPPED", "a refund asked for an order not yet shipped "
                                        "is granted by itself this long after the request")
    autoconfirm_auto_delivery_days: float = rule(1.0, "TX-AUTOCONFIRM", "an unconfirmed auto_delivery order "
                                                 "succeeds this long after shipping")
    autoconfirm_virtual_days: float = rule(3.0, "TX-AUTOCONFIRM", "the same for virtual goods")
    autoconfirm_express_days: float = rule(10.0, "TX-AUTOCONFIRM", "the same for express, ems and no_logistics")
    autoconfirm_surface_mail_days: float = rule(30.0, "TX-AUTOCONFIRM", "the same for surface_mail")
    extend_days: float = rule(10.0, "TX-EXTEND", "one extension of the auto-confirm deadline by the seller")
    max_extensions: int = rule(1, "TX-EXTEND", "extensions allowed per order [decision]")
    refund_refused_days: float = rule(7.0, "TX-REFUND-REFUSED", "after a refusal, the buyer changes the request "
                                      "or asks the platform within this long, or the request lapses")
    return_ship_days: float = rule(7.0, "TX-RETURN", "the buyer ships an agreed return within this long, or the "
                                   "request closes")
    return_confirm_express_days: float = rule(10.0, "TX-RETURN", "the seller confirms an express return within "
                                              "this long, or the buyer is refunded")
    return_confirm_surface_days: float = rule(30.0, "TX-RETURN", "the same for a return by surface mail")
    intervene_days: float = rule(3.0, "TX-INTERVENE", "the platform judges a disputed refund this long after "
                                 "it is asked to [decision]")

    # --- 2. Credit reviews ---
    review_window_days: float | None = rule(15.0, "REV-WINDOW", "each party may review within this long after "
                                            "success, edge included; none: no window")
    default_good: bool = rule(True, "REV-DEFAULT-GOOD", "a party silent when the window closes gives a default "
                              "good to a counterpart who rated good")
    delayed_effect: bool = rule(True, "REV-EFFECT", "false: every review takes effect when given")
    mutual_delay_hours: float = rule(48.0, "REV-EFFECT", "the hold of the mutual rule on neutral and bad reviews")
    modify_window_days: float | None = rule(30.0, "REV-MODIFY", "a neutral or bad review may be changed to good "
                                            "or deleted within this long after it was given [decision]")
    modifications_allowed: int = rule(1, "REV-MODIFY", "changes allowed per review: 1 (once) or 0 (none)")

    # --- 3. Scoring credit ---
    dedup_days: float = rule(14.0, "SCORE-DEDUP", "length of the dedup window; 0 switches dedup off")
    dedup_scope: str = rule("item", "SCORE-DEDUP", "dedup within one item (\"item\") or any item of the pair "
                            "(\"seller\")")
    cap_period: str = rule("month", "SCORE-CLAMP", "the running clamp per natural month (\"month\"), per pair "
                           "for all time (\"lifetime\"), or no clamp (\"none\")")
    cap_max: int | None = rule(6, "SCORE-CLAMP", "upper bound of the running sum; none: unbounded")
    cap_min: int | None = rule(-6, "SCORE-CLAMP", "lower bound of the running sum; none: unbounded (a "
                               "positive-only cap)")
    positive_rate_days: float | None = rule(180.0, "SCORE-POSITIVE-RATE", "the positive rate covers reviews "
                                            "that took effect this long before the as-of time; none: all time")

    # --- 4. Credit levels ---
    level_thresholds: tuple[int, ...] = rule(TAOBAO_LEVEL_THRESHOLDS, "LEVEL-20", "credit from which each level "
                                             "1, 2, ... starts")

    # --- 5. Shop ratings (DSR) ---
    dsr_window_days: float | None = rule(15.0, "DSR-ELIGIBLE", "the buyer gives DSRs within this long after "
                                         "success; none: no window")
    dsr_cap: int | None = rule(3, "DSR-CAP", "DSRs counted per buyer, seller and natural month; none: no cap")
    dsr_mean_days: float | None = rule(180.0, "DSR-MEAN", "DSR means cover ratings given this long before the "
                                       "as-of time; none: all time")
    tmall_buyer_credit_cap: int | None = rule(3, "DSR-TMALL-BUYER", "buyer credits from tmall DSRs counted per "
                                              "buyer, seller and natural month; none: no cap")

    # --- 6. Growth value and VIP (used by the market model) ---
    growth_min_amount: float = rule(1.0, "GROWTH-EARN", "only purchases above this amount earn growth")
    growth_per_yuan: float = rule(1.0, "GROWTH-EARN", "growth earned per yuan")
    growth_earn_delay_days: float = rule(1.0, "GROWTH-EARN", "growth is earned this long after success")
    growth_decay_per_day: float = rule(0.004, "GROWTH-DECAY", "share of the current growth lost every day")
    vip_gold: float = rule(3000.0, "GROWTH-VIP", "growth of the gold tier")
    vip_platinum: float = rule(4000.0, "GROWTH-VIP", "growth of the platinum tier")
    vip_diamond: float = rule(6000.0, "GROWTH-VIP", "growth of the diamond tier")
    vip_gold_requires_verified: bool = rule(True, "GROWTH-VIP", "gold (and above) needs a real-name-verified "
                                            "account")

    # --- 7. Violations and penalties (used by the market model) ---
    general_node_points: int = rule(12, "PEN-NODES", "a general node every this many points")
    general_node_sanction_days: float = rule(12.0, "PEN-NODES", "days of shield and no_listing per general node "
                                             "reached")
    serious_nodes: tuple[tuple[int, float], ...] = rule(((12, 7.0), (24, 14.0), (36, 21.0)), "PEN-NODES",
                                                        "serious nodes: [points, days of shield and no_listing]")
    serious_seal_points: int = rule(48, "PEN-NODES", "serious points that close the shop and seal the account")
    fake_order_points: int = rule(12, "PEN-FAKE-ORDER", "serious points per detection sweep that finds fake "
                                  "orders")
    fake_order_seal_count: int = rule(96, "PEN-FAKE-ORDER", "detected fake orders that cost "
                                      "serious_seal_points at once")
    seal_fake_buyers: bool = rule(True, "PEN-FAKE-ORDER", "accounts that posed as buyers on fake orders may be "
                                  "sealed")
    extortion_points: int = rule(12, "PEN-EXTORTION", "serious points for a buyer judged to extort")
    seal_extortioners: bool = rule(True, "PEN-EXTORTION", "a buyer judged to extort may be sealed")
    extortion_judge_accuracy: float = rule(1.0, "KNOB-JUDGE-ACCURACY", "probability that the platform upholds a "
                                           "complaint of extortion that has evidence; 1: always")

    # --- 8. Policy knobs beyond the seed preset ---
    credit_half_life_days: float | None = rule(None, "KNOB-DECAY", "each counted point weighs 0.5 ** (age / "
                                               "half-life); none: credit is a plain sum")
    min_amount: float | None = rule(None, "KNOB-MIN-AMOUNT", "reviews of orders not above this amount are "
                                    "ineligible; none: every amount")
    min_reviewer_age_days: float | None = rule(None, "KNOB-REVIEWER-AGE", "reviews by accounts younger than this "
                                               "are ineligible; none: any age")
    reviewer_weight: str = rule("none", "KNOB-REVIEWER-WEIGHT", "\"buyer_credit\" weighs each buyer->seller "
                                "point by its author's buyer credit; \"none\" does not")
    reviewer_weight_full_credit: float = rule(251.0, "KNOB-REVIEWER-WEIGHT", "buyer credit at which a review "
                                              "weighs 1")
    reviewer_weight_floor: float = rule(0.1, "KNOB-REVIEWER-WEIGHT", "the least weight of a review")

    @property
    def integral(self) -> bool:
        """True when credit is a whole number (no decay, no reviewer weighting)."""
        return self.credit_half_life_days is None and self.reviewer_weight == "none"

    def replace(self, **changes) -> "RuleSet":
        """A copy with some fields changed, validated."""
        return validate(dataclasses.replace(self, **changes))

    def to_dict(self) -> dict:
        """Plain data, for manifests and TOML round trips."""
        data = dataclasses.asdict(self)
        data["level_thresholds"] = list(self.level_thresholds)
        data["serious_nodes"] = [list(node) for node in self.serious_nodes]
        return data


def field_names() -> list[str]:
    return [f.name for f in dataclasses.fields(RuleSet)]


def validate(rules: RuleSet, source: str = "rule set") -> RuleSet:
    """Check every field's range; raise ``InputError`` naming the key and what was expected."""
    from sim.errors import InputError

    def need(ok: bool, key: str, expected: str) -> None:
        if not ok:
            raise InputError(source, key, expected, getattr(rules, key))

    for f in dataclasses.fields(RuleSet):
        value = getattr(rules, f.name)
        if f.name.endswith("_days") or f.name.endswith("_hours"):
            if value is None:
                need(f.default is None or f.name in _WINDOWS, f.name, "a number of days, not empty")
            else:
                need(isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0,
                     f.name, "a non-negative number")
    need(rules.cap_period in CAP_PERIODS, "cap_period", f"one of {', '.join(CAP_PERIODS)}")
    need(rules.dedup_scope in DEDUP_SCOPES, "dedup_scope", f"one of {', '.join(DEDUP_SCOPES)}")
    need(rules.reviewer_weight in REVIEWER_WEIGHTS, "reviewer_weight",
         f"one of {', '.join(REVIEWER_WEIGHTS)}")
    need(rules.cap_max is None or (isinstance(rules.cap_max, int) and rules.cap_max >= 0),
         "cap_max", "a non-negative integer or none")
    need(rules.cap_min is None or (isinstance(rules.cap_min, int) and rules.cap_min <= 0),
         "cap_min", "a non-positive integer or none")
    for key in ("dsr_cap", "tmall_buyer_credit_cap"):
        value = getattr(rules, key)
        need(value is None or (isinstance(value, int) and value >= 0), key, "a non-negative integer or none")
    need(isinstance(rules.modifications_allowed, int) and rules.modifications_allowed in (0, 1),
         "modifications_allowed", "0 or 1")
    need(isinstance(rules.max_extensions, int) and rules.max_extensions >= 0, "max_extensions",
         "a non-negative integer")
    thresholds = rules.level_thresholds
    need(len(thresholds) >= 1 and all(isinstance(t, int) for t in thresholds)
         and all(a < b for a, b in zip(thresholds, thresholds[1:])),
         "level_thresholds", "a strictly increasing list of integers")
    need(0 <= rules.growth_decay_per_day < 1, "growth_decay_per_day", "a fraction in [0, 1)")
    need(rules.vip_gold <= rules.vip_platinum <= rules.vip_diamond, "vip_gold",
         "vip_gold <= vip_platinum <= vip_diamond")
    need(0 < rules.reviewer_weight_floor <= 1, "reviewer_weight_floor", "a weight in (0, 1]")
    need(rules.reviewer_weight_full_credit > 0, "reviewer_weight_full_credit", "a positive number")
    need(0 <= rules.extortion_judge_accuracy <= 1, "extortion_judge_accuracy", "a probability in [0, 1]")
    need(rules.min_amount is None or rules.min_amount >= 0, "min_amount", "a non-negative amount or none")
    need(all(len(n) == 2 and n[0] > 0 and n[1] >= 0 for n in rules.serious_nodes)
         and all(a[0] < b[0] for a, b in zip(rules.serious_nodes, rules.serious_nodes[1:])),
         "serious_nodes", "a list of [points, days] pairs with increasing points")
    return rules


#: Windows that may be switched off (``None``: the window never closes).
_WINDOWS = {
    "review_window_days", "modify_window_days", "positive_rate_days", "dsr_window_days",
    "dsr_mean_days", "credit_half_life_days", "min_reviewer_age_days",
}
