"""The platform's detectors in a run: their sweeps, PEN-FAKE-ORDER, and the detections table.

The scenario's ``[[detectors]]`` (``sim.detection.read_detector``) each sweep on their own schedule:
at the platform's daily work (rank 8, local midnight) a detector whose ``every_days`` have passed since
its last sweep sweeps once, in scenario order. It sees only a :class:`~sim.detection.view.PlatformView`
built from the order book at that instant (orders, review actions, the logistics record, chats, the
accounts' opening times and displayed buyer credit); only a kind registered with ``needs_truth``
(``hazard``) is handed the ``fake`` column. Each detector draws from its own stream, keyed by its name
(``"detector:" + name``).

The platform acts on every flagged order not yet removed, under PEN-FAKE-ORDER
(``sim.detection.penalties.judge_fake_orders``): the order is removed from every score and from the
shown 30-day sales (``book.remove``), its seller gets serious points (12, or 48 at 96 detected
orders), and with ``seal_fake_buyers`` the posing accounts, and the accounts a detector flags, are
sealed. The node sanctions follow at the same daily work (PEN-NODES, ``settle``). A row is ``acted``
when the platform acted on it (an order it removed, an account it sealed).
"""

from __future__ import annotations

import numpy as np

from sim.attacks.streams import named_stream
from sim.detection import sweep
from sim.detection.penalties import judge_fake_orders
from sim.detection.view import ACCOUNT, ENTITY_NAMES, ORDER, Detections, PlatformView
from sim.timeutil import DAY, NEVER


class Detection:
    def __init__(self, world) -> None:
        self.world = world
        self.specs = list(world.scenario.detectors)
        self.detectors = [s.make() for s in self.specs]
        self.rngs = [named_stream(world.seed, "detector:" + s.name) for s in self.specs]
        self.steps = [max(int(round(s.every_days * DAY)), 1) for s in self.specs]
        self.next = [world.metric_start + step for step in self.steps]  # no sweep in the warm-up
        self.since = [world.metric_start] * len(self.specs)
        self.found: list[Detections] = []
        self.acted: list[np.ndarray] = []

    def view(self, now: int, lookback_days: float | None = None) -> PlatformView:
        """What the platform sees at ``now``. With ``lookback_days`` (a detector that reads only the orders
        created in its window: ``signals``, ``graph``), only those orders and the actions since the window
        began: the same findings, without copying the whole log at every sweep (at 1.5M orders that copy
        cost about as much as the graph sweep itself)."""
        w = self.world
        orders, actions = w.book.scoring_orders(), w.book.scoring_actions()
        o = w.book.orders
        cols = {"delivered_at": o["delivered_at"], "kind": o["kind"], "empty": o["empty"], "chat": o["chat"] > 0}
        if lookback_days is not None:
            cut = now - int(lookback_days * DAY)
            rows = np.flatnonzero(orders.created_at > cut)
            orders = orders.take(rows)
            actions = actions.take(np.flatnonzero(actions.at > cut))
            cols = {k: v[rows] for k, v in cols.items()}
        credit = None
        scorer = w.platform.scorer
        ids = np.arange(1, len(w.accounts) + 1, dtype=np.int64)
        if getattr(scorer, "buyers", None) is not None and w.platform.incremental:
            b = scorer.buyers()  # the displayed buyer credit, as of the last scoring
            credit = np.zeros(ids.size)
            inside = (b.buyer_id >= 1) & (b.buyer_id <= ids.size)
            credit[b.buyer_id[inside] - 1] = b.credit[inside]
        return PlatformView.build(now, orders, actions, **cols, account_id=ids,
                                  account_created_at=w.accounts.table["created_at"], account_credit=credit)

    def daily(self, now: int) -> None:
        """The sweeps due at this daily work, and the platform's action on what they flag."""
        w = self.world
        for i, spec in enumerate(self.specs):
            if self.next[i] > now:
                continue
            while self.next[i] <= now:
                self.next[i] += self.steps[i]
            view = self.view(now, None if spec.needs_truth else getattr(spec.config, "lookback_days", None))
            o = w.book.orders
            truth = o["fake"][o["created_at"] <= now] if spec.needs_truth else None
            found = sweep(spec, self.detectors[i], view, self.since[i], self.rngs[i], truth)
            self.since[i] = now
            self.found.append(found)
            self.acted.append(self._act(found, now))

    def _act(self, found: Detections, now: int) -> np.ndarray:
        """PEN-FAKE-ORDER on a sweep's findings; returns which rows were acted on."""
        w = self.world
        book = w.book
        o = book.orders
        acted = np.zeros(len(found), bool)
        is_order = found.flagged & (found.entity == ORDER)
        ids = found.id[is_order]
        fresh = o["removed_at"][ids] == NEVER
        rows = book.remove(ids[fresh], now)
        acted[np.flatnonzero(is_order)[fresh]] = True
        rules = w.rules
        if rows.size:
            judged = judge_fake_orders(rules, w.platform.pen, rows, o["seller_id"][rows] - 1, o["buyer_id"][rows])
            w.accounts.seal(judged.sealed_accounts, now)
        is_account = found.flagged & (found.entity == ACCOUNT)
        if rules.seal_fake_buyers and is_account.any():
            ids = found.id[is_account]
            w.accounts.seal(ids, now)
            acted[np.flatnonzero(is_account)] = w.accounts.table["sealed_at"][ids - 1] == now  # sealed by this sweep
        return acted

    def table(self) -> dict:
        """``detections.parquet``'s columns: at, detector, entity, id, score, flagged, acted."""
        d = Detections.concat(self.found)
        acted = np.concatenate(self.acted) if self.acted else np.zeros(0, bool)
        return {"at": d.at, "detector": d.detector.astype(object), "entity": np.array(ENTITY_NAMES, object)[d.entity],
                "id": d.id, "score": d.score, "flagged": d.flagged, "acted": acted[: len(d)]}

    def detections(self) -> Detections:
        return Detections.concat(self.found)
