"""The ledger: everything scoring decides per order and per action before account scores are summed,
and what each order adds to its accounts' sums.

- ``Accepted`` (stage 1, ``sim.reputation.accept``): each action's own status, the accepted review
  and change of each (order, author), the accepted DSR of each order.
- ``Units`` (stages 2-3, ``sim.reputation.units`` and ``sim.reputation.dedup``): one credit review
  per (order, direction), given or default, with its rating, effect time and status.
- ``Dsr`` (stage 4, ``sim.reputation.dsr``): each order's accepted DSR and tmall buyer credit.

Every field is declared once, here, with its dtype, its fill (the value of an order or action not
scored yet) and its shape; the incremental scorer builds its buffers from these declarations.

``shares`` is the one definition of what a ledger's orders add to account sums: counted reviews
(SCORE-CREDIT), the positive-rate window (SCORE-POSITIVE-RATE), the DSR-mean window (DSR-MEAN) and
the tmall buyer credit (DSR-TMALL-BUYER). One-shot scoring (``sim.reputation.totals``) and the
incremental scorer both sum these.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from sim.reputation import log as L
from sim.reputation.ids import pick
from sim.rules.ruleset import RuleSet
from sim.timeutil import NEVER, days


def _column(dtype: type, fill, per_action: bool = False, by_author: bool = False):
    """A ledger field: numpy ``dtype``, ``fill`` of an unscored row, one entry per action or per
    order, and for per-order fields optionally one row per author (shape (2, n))."""
    return field(metadata={"dtype": dtype, "fill": fill, "per_action": per_action, "by_author": by_author})


@dataclass
class Accepted:
    """Per action row: its status where the action itself decides it (else -1), and per order and
    author the accepted review; per order the accepted DSR."""

    row_status: np.ndarray = _column(np.int8, -1, per_action=True)  # -1 where the review's status applies
    rate_row: np.ndarray = _column(np.int64, -1, by_author=True)  # action row of the accepted rate, -1 if none
    change_row: np.ndarray = _column(np.int64, -1, by_author=True)  # ... of the accepted modify/delete
    dsr_row: np.ndarray = _column(np.int64, -1)  # action row of the accepted DSR, -1 if none


@dataclass
class Units:
    """Arrays of shape (2, n): index 0 is the buyer's review of the seller, 1 the seller's of the buyer."""

    exists: np.ndarray = _column(bool, False, by_author=True)
    default: np.ndarray = _column(bool, False, by_author=True)  # a system default review (REV-DEFAULT-GOOD)
    given_at: np.ndarray = _column(np.int64, NEVER, by_author=True)
    rating: np.ndarray = _column(np.int8, 0, by_author=True)  # the final rating (SCORE-FINAL-RATING)
    effective_at: np.ndarray = _column(np.int64, NEVER, by_author=True)
    status: np.ndarray = _column(np.int8, 0, by_author=True)


@dataclass
class Dsr:
    """Per order: the accepted DSR's status, and the tmall buyer credit it gives (DSR-TMALL-BUYER)."""

    exists: np.ndarray = _column(bool, False)
    at: np.ndarray = _column(np.int64, NEVER)
    status: np.ndarray = _column(np.int8, 0)
    credit_exists: np.ndarray = _column(bool, False)  # a tmall buyer-credit row
    credit_status: np.ndarray = _column(np.int8, 0)


@dataclass
class Ledger:
    """Everything scoring decides, per order and per action, before account scores are summed.

    The incremental scorer keeps one Ledger for the whole log and refreshes it pair by pair.
    """

    accepted: Accepted
    units: Units
    dsr: Dsr


@dataclass(frozen=True)
class LedgerField:
    part: str  # "accepted", "units" or "dsr"
    name: str
    dtype: type
    fill: object
    per_action: bool
    by_author: bool


_PARTS = {"accepted": Accepted, "units": Units, "dsr": Dsr}
#: Every field of a ledger, in declaration order.
LEDGER_FIELDS = tuple(LedgerField(part, f.name, **f.metadata) for part, cls in _PARTS.items() for f in fields(cls))


def empty_ledger() -> Ledger:
    """A ledger of no order and no action, every field of its declared dtype and shape."""
    columns: dict[str, dict] = {part: {} for part in _PARTS}
    for f in LEDGER_FIELDS:
        columns[f.part][f.name] = np.full((2, 0) if f.by_author else (0,), f.fill, f.dtype)
    return Ledger(**{part: cls(**columns[part]) for part, cls in _PARTS.items()})


# --- what counts ------------------------------------------------------------------------------

def counted_reviews(units: Units, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    """(2, orders): which units of the orders ``rows`` count (SCORE-STATUS-ORDER ends at ``counted``)."""
    return units.exists[:, rows] & (units.status[:, rows] == L.COUNTED)


def counted_tmall_credit(dsr: Dsr, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    """Per order of ``rows``: a tmall buyer credit that counts (DSR-TMALL-BUYER)."""
    return dsr.credit_exists[rows] & (dsr.credit_status[rows] == L.COUNTED)


def counted_dsr(dsr: Dsr, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    """Per order of ``rows``: an accepted DSR that counts."""
    return dsr.exists[rows] & (dsr.status[rows] == L.COUNTED)


def review_window_exit(effective_at: np.ndarray, rules: RuleSet) -> np.ndarray:
    """When a review that took effect at ``effective_at`` leaves the positive-rate window: it is
    inside while this is after the as-of time (SCORE-POSITIVE-RATE, SCORE-WINDOW-BOUNDS). Times
    are at most ``NEVER`` = 2^62, so the sum cannot overflow."""
    return effective_at + days(rules.positive_rate_days)


def dsr_window_exit(at: np.ndarray, rules: RuleSet) -> np.ndarray:
    """When a DSR given at ``at`` leaves the DSR-mean window: inside while this is after the as-of
    time (DSR-MEAN)."""
    return at + days(rules.dsr_mean_days)


@dataclass
class Shares:
    """What some orders add to their accounts' sums, one entry per order.

    Seller side (the buyer's review of the seller, and the order's DSR):
    ``seller_rating`` is the rating of the counted review (its credit under whole-number points),
    ``NO_RATING`` if none counts; ``recent`` whether that review is inside the positive-rate window;
    ``dsr_row`` the action row of the counted DSR inside the DSR-mean window, -1 if none (a
    dimension left empty, 0, is not rated and stays out of its mean).
    Buyer side: ``buyer_rating`` likewise for the seller's review of the buyer; ``tmall`` whether a
    tmall buyer credit counts (a good for the buyer, DSR-TMALL-BUYER).
    """

    seller_rating: np.ndarray  # int8
    recent: np.ndarray  # bool
    dsr_row: np.ndarray  # int64
    buyer_rating: np.ndarray  # int8
    tmall: np.ndarray  # bool


def shares(ledger: Ledger, rules: RuleSet, as_of, rows: np.ndarray | slice = slice(None)) -> Shares:
    """What the ledger's orders ``rows`` add to their seller's and buyer's sums as of ``as_of``."""
    u, dsr = ledger.units, ledger.dsr
    counted = counted_reviews(u, rows)
    rating = u.rating[:, rows]
    seller_rating = np.where(counted[L.BUYER], rating[L.BUYER], np.int8(L.NO_RATING))
    buyer_rating = np.where(counted[L.SELLER], rating[L.SELLER], np.int8(L.NO_RATING))
    recent = counted[L.BUYER] & (review_window_exit(u.effective_at[L.BUYER, rows], rules) > as_of)
    in_window = counted_dsr(dsr, rows) & (dsr_window_exit(dsr.at[rows], rules) > as_of)
    dsr_row = np.where(in_window, ledger.accepted.dsr_row[rows], -1)
    return Shares(seller_rating, recent, dsr_row, buyer_rating, counted_tmall_credit(dsr, rows))


def dsr_values(actions: L.Actions, dsr_row: np.ndarray) -> dict[str, np.ndarray]:
    """Per DSR dimension, the score of each ``dsr_row`` (0 where the row is -1)."""
    return {dim: pick(getattr(actions, dim), dsr_row, 0) for dim in L.DSR_DIMENSIONS}
