"""The account table of a run: every seller and buyer account, those created during the run, and sealing.

Account ids are dense from 1: the scenario's sellers, then its genuine buyers, then every account
created during the run (a farm's or a gang's accounts) in creation order, so ids are fresh and the
escrow's balances and the scorer's reviewer-age lookups cover them. Each account has a ``kind``
(buyer or seller), a ``role`` (honest, farm, gang, or a researcher's role name), an ``owner`` (the
attack's name, empty for honest accounts), ``created_at``, ``sealed_at`` (NEVER until the
platform seals it: a sealed account places no orders and writes no reviews, and a sealed seller's
shop is closed), and ``cost`` (what opening and aging an attacker's account cost, yuan). A run writes the table as ``accounts.parquet``; ``repsim score --accounts`` reads
its ``account_id`` and ``created_at``.
"""

from __future__ import annotations

import numpy as np

from sim.market.orders import Table
from sim.reputation import log as L
from sim.timeutil import NEVER

BUYER, SELLER = 0, 1
KIND_NAMES = ("buyer", "seller")

COLUMNS = {"kind": (np.int8, BUYER), "role": (np.int16, 0), "owner": (np.int16, 0),
           "created_at": (np.int64, 0), "sealed_at": (np.int64, NEVER), "cost": (np.float64, 0.0)}


class Accounts:
    def __init__(self, seller_created: np.ndarray, buyer_created: np.ndarray, escrow) -> None:
        S, B = len(seller_created), len(buyer_created)
        self.table = Table(COLUMNS, S + B + 16)
        self.roles = ["honest"]
        self.owners = [""]
        self.escrow = escrow
        self.table.append(S, kind=SELLER, created_at=seller_created)
        self.table.append(B, kind=BUYER, created_at=buyer_created)
        self.any_sealed = False

    def __len__(self) -> int:
        return self.table.n

    @staticmethod
    def _code(names: list, name: str) -> int:
        if name not in names:
            names.append(name)
        return names.index(name)

    def create(self, n: int, kind: int, role: str, owner: str, created_at, cost=0.0) -> np.ndarray:
        """``n`` new accounts (``cost``: what creating and aging each cost its owner, yuan); returns their
        ids (fresh: after every existing account)."""
        rows = self.table.append(int(n), kind=kind, role=self._code(self.roles, role),
                                 owner=self._code(self.owners, owner), created_at=created_at, cost=cost)
        self.escrow.ensure(self.table.n)
        return rows + 1

    def created_at(self, ids: np.ndarray) -> np.ndarray:
        return self.table["created_at"][np.asarray(ids, np.int64) - 1]

    def seal(self, ids: np.ndarray, at: int) -> np.ndarray:
        """Seal accounts (the first sealing stands); returns the ids newly sealed."""
        ids = np.unique(np.asarray(ids, np.int64))
        ids = ids[(ids >= 1) & (ids <= self.table.n)]
        sealed_at = self.table["sealed_at"]
        new = ids[sealed_at[ids - 1] == NEVER]
        sealed_at[new - 1] = at
        self.any_sealed |= bool(new.size)
        return new

    def sealed(self, ids: np.ndarray) -> np.ndarray:
        """Whether each account is sealed (a cheap all-false before any sealing)."""
        ids = np.asarray(ids, np.int64)
        if not self.any_sealed:
            return np.zeros(ids.shape, bool)
        return self.table["sealed_at"][ids - 1] < NEVER

    def scoring(self) -> L.Accounts:
        """The scorer's account table (opening times, for the reviewer-age knob)."""
        t = self.table
        return L.Accounts(account_id=np.arange(1, t.n + 1, dtype=np.int64), created_at=t["created_at"])

    def columns(self) -> dict:
        """The table as plain columns (``accounts.parquet``; ``sim.attacks.metrics``)."""
        t = self.table
        return {"account_id": np.arange(1, t.n + 1, dtype=np.int64),
                "kind": np.array(KIND_NAMES, object)[t["kind"]],
                "role": np.array(self.roles, object)[t["role"]],
                "owner": np.array(self.owners, object)[t["owner"]],
                "created_at": t["created_at"].copy(), "sealed_at": t["sealed_at"].copy(), "cost": t["cost"].copy()}
