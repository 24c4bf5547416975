"""What the platform sees at a sweep, and the detections table a sweep produces.

A :class:`PlatformView` holds only what a real platform has at time ``as_of``: its orders and review
actions up to that instant (later successes, deliveries, removals and actions are not yet known),
the logistics record of each order (delivery kind, and whether the parcel was empty, as the waybill
weight shows), whether the buyer chatted first, and each account's opening time and displayed buyer
credit. It has no ground-truth column and :meth:`PlatformView.build` takes none, so a detector that
reads only its view cannot cheat. (The ``hazard`` detector alone is handed the truth, by design:
see ``sim.detection.hazard``.)
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.reputation import log as L
from sim.timeutil import NEVER

ORDER, ACCOUNT = 0, 1
ENTITY_NAMES = ("order", "account")


@dataclass
class PlatformView:
    as_of: int
    orders: L.Orders  # orders created by as_of; success_at / removed_at NEVER if later
    delivered_at: np.ndarray  # int64 per order, NEVER if not yet delivered (virtual goods: when sent)
    kind: np.ndarray  # int8 delivery kind per order (sim.market.orders codes)
    empty: np.ndarray  # bool per order: the logistics record shows an empty parcel
    chat: np.ndarray  # bool per order: the buyer chatted with customer service first
    actions: L.Actions  # actions with at <= as_of
    account_id: np.ndarray  # int64, sorted
    account_created_at: np.ndarray  # int64
    account_credit: np.ndarray  # float64 displayed buyer credit

    @classmethod
    def build(cls, as_of: int, orders: L.Orders, actions: L.Actions, *, delivered_at: np.ndarray,
              kind: np.ndarray, empty: np.ndarray, chat: np.ndarray, account_id: np.ndarray | None = None,
              account_created_at: np.ndarray | None = None, account_credit: np.ndarray | None = None
              ) -> "PlatformView":
        """The view at ``as_of`` of a whole log: everything after ``as_of`` is cut or hidden."""
        keep = orders.created_at <= as_of
        o = orders.take(np.flatnonzero(keep))
        o.success_at = np.where(o.success_at <= as_of, o.success_at, NEVER)
        o.removed_at = np.where(o.removed_at <= as_of, o.removed_at, NEVER)
        delivered = np.asarray(delivered_at, np.int64)[keep]
        a = actions.take(np.flatnonzero(actions.at <= as_of))
        if account_id is None:
            account_id = np.zeros(0, np.int64)
            account_created_at = np.zeros(0, np.int64)
        ids = np.asarray(account_id, np.int64)
        order = np.argsort(ids, kind="stable")
        # An account whose credit the caller does not give never looks low on credit.
        credit = np.full(len(ids), np.inf) if account_credit is None else np.asarray(account_credit, float)
        return cls(as_of=int(as_of), orders=o, delivered_at=np.where(delivered <= as_of, delivered, NEVER),
                   kind=np.asarray(kind, np.int8)[keep], empty=np.asarray(empty, bool)[keep],
                   chat=np.asarray(chat, bool)[keep], actions=a, account_id=ids[order],
                   account_created_at=np.asarray(account_created_at, np.int64)[order], account_credit=credit[order])

    def account_facts(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Opening time and displayed buyer credit of each account id, and whether the platform's
        account table has it (where not: opened long ago, unbounded credit)."""
        ids = np.asarray(ids, np.int64)
        if len(self.account_id) == 0:
            return np.full(len(ids), -NEVER), np.full(len(ids), np.inf), np.zeros(len(ids), bool)
        pos = np.minimum(np.searchsorted(self.account_id, ids), len(self.account_id) - 1)
        found = self.account_id[pos] == ids
        return (np.where(found, self.account_created_at[pos], -NEVER),
                np.where(found, self.account_credit[pos], np.inf), found)

    def live(self) -> np.ndarray:
        """Orders not removed by the platform."""
        return self.orders.removed_at == NEVER


@dataclass
class Detections:
    """One row per entity a sweep reports: when, by which detector, what, its score and the verdict.

    ``flagged`` is the detector's verdict; the platform decides what to do with it (``acted`` in a
    run's ``detections.parquet`` is the platform's, added at the integration)."""

    at: np.ndarray  # int64
    detector: np.ndarray  # object: the detector's name
    entity: np.ndarray  # int8 ORDER or ACCOUNT
    id: np.ndarray  # int64 order id or account id
    score: np.ndarray  # float64
    flagged: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.at)

    @classmethod
    def make(cls, at: int, detector: str, entity: int, ids, score, flagged) -> "Detections":
        n = len(ids)
        return cls(at=np.full(n, at, np.int64), detector=np.full(n, detector, object),
                   entity=np.full(n, entity, np.int8), id=np.asarray(ids, np.int64),
                   score=np.broadcast_to(np.asarray(score, float), (n,)).copy(),
                   flagged=np.broadcast_to(np.asarray(flagged, bool), (n,)).copy())

    @classmethod
    def empty(cls) -> "Detections":
        return cls.make(0, "", ORDER, [], [], [])

    @classmethod
    def concat(cls, parts: list["Detections"]) -> "Detections":
        parts = [p for p in parts if len(p)] or [cls.empty()]
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)})

    def take(self, rows: np.ndarray) -> "Detections":
        return Detections(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})

    def flagged_orders(self) -> np.ndarray:
        return self.id[self.flagged & (self.entity == ORDER)]

    def flagged_accounts(self) -> np.ndarray:
        return self.id[self.flagged & (self.entity == ACCOUNT)]
