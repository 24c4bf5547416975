"""Credit points: what each counted review and tmall buyer credit is worth (SCORE-CREDIT), with the
optional reviewer weighting and decay (KNOB-REVIEWER-WEIGHT, KNOB-DECAY in docs/rules.md).

``plain_points`` are the points before weighting and decay (the rating of a counted review, one per
counted tmall credit); ``points`` applies the weight of each review's author and the decay.
``reviewer_weight`` turns each buyer's plain credit into the weight of its reviews.
"""

from __future__ import annotations

import numpy as np

from sim.reputation.ledger import Ledger, counted_reviews, counted_tmall_credit
from sim.rules.ruleset import RuleSet
from sim.timeutil import days


def plain_points(ledger: Ledger) -> tuple[np.ndarray, np.ndarray]:
    """Points per unit (2, n) and per tmall credit (n,) before decay and weighting."""
    u = ledger.units
    points = np.where(counted_reviews(u), u.rating, 0).astype(np.float64)
    credit_points = counted_tmall_credit(ledger.dsr).astype(np.float64)
    return points, credit_points


def points(ledger: Ledger, rules: RuleSet, as_of: np.int64, buyer_rank: np.ndarray,
           weight: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Points per unit (2, n) and per tmall credit (n,), with reviewer weighting (``weight``, per
    buyer rank; ``buyer_rank`` per order) and decay."""
    u, dsr = ledger.units, ledger.dsr
    unit_points, credit_points = plain_points(ledger)
    if weight is not None:
        unit_points[0] *= weight[buyer_rank]
    if rules.credit_half_life_days is not None:
        half_life = float(days(rules.credit_half_life_days))
        unit_points *= np.exp2(-(as_of - np.minimum(u.effective_at, as_of)) / half_life)
        credit_points *= np.exp2(-(as_of - np.minimum(dsr.at, as_of)) / half_life)
    return unit_points, credit_points


def reviewer_weight(buyer_credit: np.ndarray, rules: RuleSet) -> np.ndarray:
    """Per buyer: the weight of the buyer's reviews, from its plain buyer credit (counted points,
    before any decay)."""
    return np.clip(buyer_credit / rules.reviewer_weight_full_credit, rules.reviewer_weight_floor, 1.0)
