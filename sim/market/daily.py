"""The market over time: one row per day of market-wide counts, for ``market_daily.parquet``.

Per day (the local day that ends at the platform's daily tick): orders placed, paid, shipped (first
shipments), refunded and succeeded; the sellers' packing backlog (paid orders not yet shipped) and each
courier company's backlog (parcels waiting after its last pickup round of the day), both at the day's
end; and the reviews given that day: buyers' credit ratings by value, changes to good (REV-MODIFY),
and the number and mean of the DSR scores given, per dimension. So a festival's effect on couriers and
DSRs can be read day by day.
"""

from __future__ import annotations

import numpy as np

from sim.reputation import log as L

COUNTS = ("placed", "paid", "shipped", "refunded", "success")


class MarketDaily:
    def __init__(self, world) -> None:
        self.world = world
        D = world.days
        self.rec: dict[str, np.ndarray] = {f"orders_{k}": np.zeros(D, np.int64) for k in COUNTS}
        self.rec["packing_backlog"] = np.zeros(D, np.int64)
        self.courier_backlog = np.zeros((D, len(world.scenario.courier_list)), np.int64)
        for name in ("ratings_good", "ratings_neutral", "ratings_bad", "modified_to_good", "dsr_given"):
            self.rec[name] = np.zeros(D, np.int64)
        for dim in L.DSR_DIMENSIONS:
            self.rec[f"dsr_{dim}_mean"] = np.full(D, np.nan)
        self.today = dict.fromkeys(COUNTS, 0)
        self._actions_seen = 0
        book = world.book
        for event in ("placed", "paid", "refunded", "success"):
            book.on(event, self._counter(event))
        book.on("shipped", self._on_shipped)

    def _counter(self, event: str):
        def count(rows: np.ndarray, at: np.ndarray) -> None:
            self.today[event] += int(rows.size)
        return count

    def _on_shipped(self, rows: np.ndarray, at: np.ndarray) -> None:
        self.today["shipped"] += int((self.world.book.orders["shipments"][rows] == 1).sum())

    def record(self, d: int) -> None:
        """Close day ``d``: its counts, the backlogs now, and the review actions recorded since yesterday."""
        w = self.world
        rec = self.rec
        for k in COUNTS:
            rec[f"orders_{k}"][d] = self.today[k]
            self.today[k] = 0
        rec["packing_backlog"][d] = int(w.sellers.backlog.sum())
        self.courier_backlog[d] = w.couriers.backlog
        a = w.book.actions
        new = slice(self._actions_seen, a.n)
        self._actions_seen = a.n
        buyer = a["author"][new] == L.BUYER
        action = a["action"][new]
        rating = a["rating"][new][buyer & (action == L.RATE)]
        rec["ratings_good"][d] = int((rating == L.GOOD).sum())
        rec["ratings_neutral"][d] = int((rating == L.NEUTRAL).sum())
        rec["ratings_bad"][d] = int((rating == L.BAD).sum())
        rec["modified_to_good"][d] = int((buyer & (action == L.MODIFY)).sum())
        dsr = action == L.DSR
        rec["dsr_given"][d] = int(dsr.sum())
        if dsr.any():
            for dim in L.DSR_DIMENSIONS:
                rec[f"dsr_{dim}_mean"][d] = float(a[dim][new][dsr].mean())
