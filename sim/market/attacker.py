"""What the built-in attack actors share: their ground-truth tags, their queue of orders due, and the
fake review a sealed account cannot write.

``sim.market.farm`` and ``sim.market.gang`` build on :class:`Attacker`; a researcher's actor may too
(docs/attacks.md, "The actor interface").
"""

from __future__ import annotations

import numpy as np

from sim.reputation import log as L
from sim.timeutil import local_datetime


class Attacker:
    actor_code = 0  # the order book's ``actor`` code of the family (sim.market.orders)

    def __init__(self, world, name: str) -> None:
        self.world = world
        self.code = world.attack_code(name)  # the attack's code in the ``attack`` columns
        self.tags = dict(fake=True, attack=self.code, actor=self.actor_code)
        self.month = None  # the local month of the last tick

    def new_month(self, now: int) -> bool | None:
        """None during the warm-up (``run.warmup_days``: honest history, the attack waits); else whether
        the tick ending at ``now`` is the attack's first in a natural month (its monthly planning)."""
        if now <= self.world.metric_start:
            return None
        month = local_datetime(now - 1).month
        first, self.month = self.month != month, month
        return first

    def mine(self, rows: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows (and times) of this attack's orders among a lifecycle event's rows."""
        keep = self.world.book.orders["attack"][rows] == self.code
        return rows[keep], at[keep]

    @staticmethod
    def take_due(queue: dict, now: int) -> tuple[dict, dict]:
        """Split a queue of columns sorted by ``at`` into (due by ``now``, the rest)."""
        k = int(np.searchsorted(queue["at"], now, side="right"))
        return {n: v[:k] for n, v in queue.items()}, {n: v[k:] for n, v in queue.items()}

    @staticmethod
    def merge(queue: dict, parts: list[dict]) -> dict:
        """The queue with more rows, sorted by ``at`` again (stable)."""
        queue = {n: np.concatenate([v] + [p[n] for p in parts]) for n, v in queue.items()}
        order = np.argsort(queue["at"], kind="stable")
        return {n: v[order] for n, v in queue.items()}

    def review(self, rows: np.ndarray, at: np.ndarray, rating: int, dsr: int) -> tuple[np.ndarray, np.ndarray]:
        """The buyers' credit rating and four equal DSRs on these orders, but none by a sealed account;
        returns the rows (and times) reviewed."""
        w = self.world
        book = w.book
        live = ~w.accounts.sealed(book.orders["buyer_id"][rows])
        rows, at = rows[live], at[live]
        if rows.size:
            book.rate(rows, L.BUYER, at, rating, **self.tags)
            score = np.full(rows.size, dsr, np.int8)
            book.dsr(rows, at, score, score, score, score, **self.tags)
        return rows, at
