"""The rule set: every knob of RULES.md as one frozen dataclass of plain data.

A rule set is data, not code. Variants are made by changing fields
(``dataclasses.replace(TAOBAO, dedup_days=0)``), never by subclassing. Durations are in days or
hours as the spec states them; ``None`` for a window means the window never closes. The scoring
core converts them to seconds through ``sim.timeutil`` only.

Each field cites the RULES.md ID that it parameterises.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

#: LEVEL-20: credit from which each level 1..20 starts [public].
TAOBAO_LEVEL_THRESHOLDS: tuple[int, ...] = (
    4, 11, 41, 91, 151, 251, 501, 1001, 2001, 5001,
    10001, 20001, 50001, 100001, 200001, 500001, 1000001, 2000001, 5000001, 10000001,
)

#: Allowed values of the enumerated knobs.
CAP_PERIODS = ("month", "lifetime", "none")
DEDUP_SCOPES = ("item", "seller")
REVIEWER_WEIGHTS = ("none", "buyer_credit")


@dataclass(frozen=True)
class RuleSet:
    """Every parameter of the platform's rules (RULES.md sections 0-8)."""

    name: str = "taobao"

    # --- 1. Transaction lifecycle and timeouts (used by the market model) ---
    unpaid_close_days: float = 3.0  # TX-UNPAID-CLOSE
    refund_unshipped_days: float = 2.0  # TX-REFUND-UNSHIPPED
    autoconfirm_auto_delivery_days: float = 1.0  # TX-AUTOCONFIRM
    autoconfirm_virtual_days: float = 3.0  # TX-AUTOCONFIRM
    autoconfirm_express_days: float = 10.0  # TX-AUTOCONFIRM (express, ems, no_logistics)
    autoconfirm_surface_mail_days: float = 30.0  # TX-AUTOCONFIRM
    extend_days: float = 10.0  # TX-EXTEND
    max_extensions: int = 1  # TX-EXTEND [decision]
    refund_refused_days: float = 7.0  # TX-REFUND-REFUSED
    return_ship_days: float = 7.0  # TX-RETURN: buyer ships the return
    return_confirm_express_days: float = 10.0  # TX-RETURN: seller confirms receipt
    return_confirm_surface_days: float = 30.0  # TX-RETURN
    intervene_days: float = 3.0  # TX-INTERVENE: delay of the platform's judgement [decision]

    # --- 2. Credit reviews ---
    review_window_days: float | None = 15.0  # REV-WINDOW (inclusive edge)
    default_good: bool = True  # REV-DEFAULT-GOOD
    delayed_effect: bool = True  # REV-EFFECT: False makes every review take effect when given
    mutual_delay_hours: float = 48.0  # REV-EFFECT: the 48-hour delays
    modify_window_days: float | None = 30.0  # REV-MODIFY [decision]
    modifications_allowed: int = 1  # REV-MODIFY: "once"; 0 forbids changes and deletions

    # --- 3. Scoring credit ---
    dedup_days: float = 14.0  # SCORE-DEDUP; 0 switches dedup off
    dedup_scope: str = "item"  # SCORE-DEDUP: "item" (same item) or "seller" (any item of the pair)
    cap_period: str = "month"  # SCORE-CLAMP: "month", "lifetime" (per pair) or "none"
    cap_max: int | None = 6  # SCORE-CLAMP upper bound; None: unbounded
    cap_min: int | None = -6  # SCORE-CLAMP lower bound; None: unbounded (a positive-only cap)
    positive_rate_days: float | None = 180.0  # SCORE-POSITIVE-RATE; None: all time

    # --- 4. Credit levels ---
    level_thresholds: tuple[int, ...] = TAOBAO_LEVEL_THRESHOLDS  # LEVEL-20

    # --- 5. Shop ratings (DSR) ---
    dsr_window_days: float | None = 15.0  # DSR-ELIGIBLE
    dsr_cap: int | None = 3  # DSR-CAP per (buyer, seller, natural month); None: no cap
    dsr_mean_days: float | None = 180.0  # DSR-MEAN; None: all time
    tmall_buyer_credit_cap: int | None = 3  # DSR-TMALL-BUYER per (buyer, seller, natural month)

    # --- 6. Growth value and VIP (used by the market model) ---
    growth_min_amount: float = 1.0  # GROWTH-EARN: only purchases above this earn
    growth_per_yuan: float = 1.0  # GROWTH-EARN
    growth_earn_delay_days: float = 1.0  # GROWTH-EARN: earned on the day after success
    growth_decay_per_day: float = 0.004  # GROWTH-DECAY
    vip_gold: float = 3000.0  # GROWTH-VIP
    vip_platinum: float = 4000.0  # GROWTH-VIP
    vip_diamond: float = 6000.0  # GROWTH-VIP
    vip_gold_requires_verified: bool = True  # GROWTH-VIP

    # --- 7. Violations and penalties (used by the market model) ---
    general_node_points: int = 12  # PEN-NODES: a general node every N points
    general_node_sanction_days: float = 12.0  # PEN-NODES: shield + no_listing per node reached
    serious_nodes: tuple[tuple[int, float], ...] = ((12, 7.0), (24, 14.0), (36, 21.0))  # PEN-NODES
    serious_seal_points: int = 48  # PEN-NODES: close_shop + seal_account
    fake_order_points: int = 12  # PEN-FAKE-ORDER: serious points per sweep that finds fakes
    fake_order_seal_count: int = 96  # PEN-FAKE-ORDER: detected fakes that cost serious_seal_points
    seal_fake_buyers: bool = True  # PEN-FAKE-ORDER: accounts posing as buyers may be sealed
    extortion_points: int = 12  # PEN-EXTORTION
    seal_extortioners: bool = True  # PEN-EXTORTION

    # --- 8. Policy knobs beyond the seed preset ---
    credit_half_life_days: float | None = None  # credit decay; None: a plain sum
    min_amount: float | None = None  # credit only for orders with amount above this
    min_reviewer_age_days: float | None = None  # reviews by younger accounts are `ineligible`
    reviewer_weight: str = "none"  # "none" or "buyer_credit"
    reviewer_weight_full_credit: float = 251.0  # buyer credit at which a review weighs 1
    reviewer_weight_floor: float = 0.1  # the least weight of a review

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
