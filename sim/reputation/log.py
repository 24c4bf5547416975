"""The review log as columnar arrays: orders, review actions, accounts, and the scoring result.

These are the only data structures that cross the boundary of the scoring core. Every column is a
numpy array; times are int64 seconds (``sim.timeutil``), ``NEVER`` where a time is empty. Codes:

- platform: ``TAOBAO`` 0, ``TMALL`` 1 (PLATFORM)
- refund: ``REFUND_NONE`` 0, ``NOT_RECEIVED`` 1, ``RETURN`` 2, ``PARTIAL`` 3 (REV-ELIGIBLE)
- author: ``BUYER`` 0, ``SELLER`` 1
- action: ``RATE`` 0, ``MODIFY`` 1, ``DELETE`` 2, ``DSR`` 3
- rating: ``GOOD`` +1, ``NEUTRAL`` 0, ``BAD`` -1, ``NO_RATING`` -128 (REV-VALUES: the code is the points)
- DSR dimensions: 1-5, 0 where empty
- status: the statuses of docs/rules.md section 3, numbered in SCORE-STATUS-ORDER, so the status that
  wins is the smallest code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields

import numpy as np

from sim.timeutil import NEVER

TAOBAO, TMALL = 0, 1
PLATFORM_NAMES = ("taobao", "tmall")

REFUND_NONE, NOT_RECEIVED, RETURN, PARTIAL = 0, 1, 2, 3
REFUND_NAMES = ("", "not_received", "return", "partial")

BUYER, SELLER = 0, 1
AUTHOR_NAMES = ("buyer", "seller")

RATE, MODIFY, DELETE, DSR = 0, 1, 2, 3
ACTION_NAMES = ("rate", "modify", "delete", "dsr")

GOOD, NEUTRAL, BAD, NO_RATING = 1, 0, -1, -128
RATING_NAMES = {GOOD: "good", NEUTRAL: "neutral", BAD: "bad", NO_RATING: ""}

CREDIT, DSR_KIND = 0, 1
KIND_NAMES = ("credit", "dsr")
GIVEN, DEFAULT = 0, 1
ORIGIN_NAMES = ("given", "default")

# SCORE-STATUS-ORDER: when several statuses apply, the smallest code wins.
(INVALID, CANCELLED, INELIGIBLE, OUTSIDE_WINDOW, SUPERSEDED, REMOVED, PENDING,
 DEDUPLICATED, CAPPED, COUNTED) = range(10)
STATUS_NAMES = ("invalid", "cancelled", "ineligible", "outside_window", "superseded", "removed",
                "pending", "deduplicated", "capped", "counted")

DSR_DIMENSIONS = ("described", "service", "shipping", "logistics")


class _Columns:
    """Shared behaviour of the columnar tables: length, row selection, concatenation."""

    def __len__(self) -> int:
        return len(getattr(self, fields(self)[0].name))

    def take(self, index: np.ndarray):
        return type(self)(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @classmethod
    def concat(cls, parts: list):
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)})

    def columns(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class Orders(_Columns):
    """One row per order (item line, TX-ITEM)."""

    order_id: np.ndarray  # int64, unique
    buyer_id: np.ndarray  # int64
    seller_id: np.ndarray  # int64
    item_id: np.ndarray  # int64
    platform: np.ndarray  # int8: TAOBAO or TMALL
    amount: np.ndarray  # float64, yuan
    created_at: np.ndarray  # int64
    success_at: np.ndarray  # int64, NEVER if the order never succeeded
    refund: np.ndarray  # int8 refund code
    removed_at: np.ndarray  # int64, NEVER if the platform never judged it fake

    @classmethod
    def build(cls, order_id, buyer_id, seller_id, item_id, created_at, *, platform=None, amount=None,
              success_at=None, refund=None, removed_at=None) -> "Orders":
        """Orders from array-likes, with the optional columns defaulted (taobao, 0 yuan, etc.)."""
        n = len(order_id)
        return cls(
            order_id=np.asarray(order_id, np.int64),
            buyer_id=np.asarray(buyer_id, np.int64),
            seller_id=np.asarray(seller_id, np.int64),
            item_id=np.asarray(item_id, np.int64),
            platform=np.zeros(n, np.int8) if platform is None else np.asarray(platform, np.int8),
            amount=np.zeros(n) if amount is None else np.asarray(amount, np.float64),
            created_at=np.asarray(created_at, np.int64),
            success_at=np.full(n, NEVER) if success_at is None else np.asarray(success_at, np.int64),
            refund=np.zeros(n, np.int8) if refund is None else np.asarray(refund, np.int8),
            removed_at=np.full(n, NEVER) if removed_at is None else np.asarray(removed_at, np.int64),
        )


@dataclass
class Actions(_Columns):
    """One row per review action: rate, modify, delete or dsr."""

    order_id: np.ndarray  # int64, an order of Orders
    author: np.ndarray  # int8: BUYER or SELLER
    action: np.ndarray  # int8: RATE, MODIFY, DELETE or DSR
    at: np.ndarray  # int64
    rating: np.ndarray  # int8: GOOD, NEUTRAL, BAD, or NO_RATING
    described: np.ndarray  # int8 1-5, 0 if empty
    service: np.ndarray  # int8
    shipping: np.ndarray  # int8
    logistics: np.ndarray  # int8

    @classmethod
    def build(cls, order_id, author, action, at, rating=None, described=None, service=None,
              shipping=None, logistics=None) -> "Actions":
        n = len(order_id)

        def small(values, fill):
            return np.full(n, fill, np.int8) if values is None else np.asarray(values, np.int8)

        return cls(
            order_id=np.asarray(order_id, np.int64),
            author=small(author, BUYER),
            action=small(action, RATE),
            at=np.asarray(at, np.int64),
            rating=small(rating, NO_RATING),
            described=small(described, 0),
            service=small(service, 0),
            shipping=small(shipping, 0),
            logistics=small(logistics, 0),
        )

    @classmethod
    def empty(cls) -> "Actions":
        return cls.build([], [], [], [])


@dataclass
class Accounts(_Columns):
    """Optional: when each account was opened, for the reviewer-age knob (KNOB-REVIEWER-AGE)."""

    account_id: np.ndarray  # int64
    created_at: np.ndarray  # int64


@dataclass
class ReviewRows(_Columns):
    """The scoring result per credit review and DSR: one row per action, plus system defaults.

    ``source`` is the row of the action in the input, or -1 for a system default review.
    ``points`` is the review's contribution to credit (0 unless ``counted``), after any decay and
    reviewer weighting; ``effective_at`` is when it takes or would take effect, NEVER if never.
    """

    source: np.ndarray  # int64
    order_id: np.ndarray  # int64
    author: np.ndarray  # int8
    kind: np.ndarray  # int8: CREDIT or DSR_KIND
    origin: np.ndarray  # int8: GIVEN or DEFAULT
    rating: np.ndarray  # int8
    effective_at: np.ndarray  # int64
    status: np.ndarray  # int8
    points: np.ndarray  # float64


class ReviewParts(ReviewRows):
    """Review rows kept as consecutive parts, each a ``ReviewRows`` (the input's actions, then the
    system rows).

    A column of the whole is joined from the parts when first read, so this is a ``ReviewRows`` to
    every reader; ``parts()`` lets a writer stream the parts without joining them, which at tens of
    millions of rows saves a copy of every column. A column that is the same on every row of a part
    may be a read-only broadcast array.
    """

    def __init__(self, parts: list[ReviewRows]) -> None:
        self._parts = list(parts)

    def parts(self, names: Iterable[str] | None = None) -> Iterator[dict[str, np.ndarray]]:
        """Each part's columns (only ``names``, if given), in order."""
        for part in self._parts:
            yield {name: getattr(part, name) for name in (_REVIEW_COLUMNS if names is None else names)}

    def __getattr__(self, name: str) -> np.ndarray:
        if name not in _REVIEW_COLUMNS:
            raise AttributeError(name)
        column = np.concatenate([getattr(part, name) for part in self._parts])
        setattr(self, name, column)  # joined once: __getattr__ is not called again for it
        return column

    def __len__(self) -> int:
        return sum(len(part) for part in self._parts)

    def take(self, index: np.ndarray) -> ReviewRows:
        return ReviewRows(**self.columns()).take(index)


_REVIEW_COLUMNS = tuple(f.name for f in fields(ReviewRows))


@dataclass
class SellerScores(_Columns):
    """Per seller in the orders, sorted by seller_id. NaN where undefined."""

    seller_id: np.ndarray
    credit: np.ndarray  # float64 (whole numbers unless decay or weighting is on)
    level: np.ndarray  # int64, LEVEL-20
    good: np.ndarray  # int64, counted reviews
    neutral: np.ndarray
    bad: np.ndarray
    positive_rate: np.ndarray  # float64, SCORE-POSITIVE-RATE
    dsr_described: np.ndarray  # float64, DSR-MEAN
    dsr_service: np.ndarray
    dsr_shipping: np.ndarray
    dsr_logistics: np.ndarray


@dataclass
class BuyerScores(_Columns):
    """Per buyer in the orders, sorted by buyer_id."""

    buyer_id: np.ndarray
    credit: np.ndarray
    level: np.ndarray
    good: np.ndarray
    neutral: np.ndarray
    bad: np.ndarray


@dataclass
class ScoreResult:
    """Everything scoring produces for one as-of time."""

    as_of: int
    reviews: ReviewRows
    sellers: SellerScores
    buyers: BuyerScores


def default_as_of(orders: Orders, actions: Actions) -> int:
    """SCORE-DEFAULT-AS-OF: the latest of every success + 17 days, every action + 30 days and every
    removal, so that every window has closed (0 for an empty log)."""
    from sim.timeutil import DAY

    candidates = [0]
    done = orders.success_at[orders.success_at < NEVER]
    if len(done):
        candidates.append(int(done.max()) + 17 * DAY)
    if len(actions):
        candidates.append(int(actions.at.max()) + 30 * DAY)
    removed = orders.removed_at[orders.removed_at < NEVER]
    if len(removed):
        candidates.append(int(removed.max()))
    return max(candidates)
