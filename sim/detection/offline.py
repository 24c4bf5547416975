"""Detection and PEN-FAKE-ORDER over a finished log: the platform's sweep loop without the market.

:func:`run` replays what a platform does on its detectors' schedules: at each sweep it builds the
view of the log at that instant (with the removals made so far), runs the detector, removes every
flagged order not yet removed (``removed_at`` = the sweep), adds the sellers' serious points and
seals the posing accounts (``sim.detection.penalties``), and settles the node sanctions. Sweeps at
the same instant run in the order the detectors are given. Each detector draws from its own stream,
keyed by its name (``sim.attacks.streams``).

This is the twin of the market integration's daily work for tests, benchmarks and re-analysis of a
log; in a market run the sanctions also act back on the market (a removed order leaves the shown
sales, a sealed account stops acting), which a finished log cannot show.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.attacks.streams import named_stream
from sim.detection import DetectorSpec, sweep
from sim.detection.penalties import PenaltyState, judge_fake_orders, settle
from sim.detection.view import Detections, PlatformView
from sim.reputation import log as L
from sim.timeutil import DAY, NEVER


@dataclass
class OfflineRun:
    detections: Detections
    removed_at: np.ndarray  # int64 per order of the input (NEVER if never removed)
    seller_ids: np.ndarray  # the penalty state's seller index -> account id
    penalties: PenaltyState
    sealed_accounts: np.ndarray  # int64 buyer accounts sealed
    sealed_at: np.ndarray  # int64


def sweep_times(specs: list[DetectorSpec], start: int, end: int) -> list[tuple[int, int]]:
    """(time, detector index) of every sweep in ``(start, end]``, by time then detector order."""
    out = []
    for i, spec in enumerate(specs):
        step = int(round(spec.every_days * DAY))
        out += [(t, i) for t in range(start + step, end + 1, step)]
    return sorted(out)


def run(specs: list[DetectorSpec], orders: L.Orders, actions: L.Actions, *, delivered_at: np.ndarray,
        kind: np.ndarray, empty: np.ndarray, chat: np.ndarray, fake: np.ndarray, rules, start: int, end: int,
        seed: int, account_id=None, account_created_at=None, account_credit=None, act: bool = True) -> OfflineRun:
    """Every sweep of ``specs`` over the log between ``start`` and ``end`` (see the module docstring).
    ``fake`` is handed only to detectors whose kind needs the truth. With ``act`` false, nothing is
    removed or penalised (each detector sees the untouched log)."""
    detectors = [s.make() for s in specs]
    rngs = [named_stream(seed, "detector:" + s.name) for s in specs]
    since = [start] * len(specs)
    removed = orders.removed_at.copy()
    order_pos = np.argsort(orders.order_id, kind="stable")
    seller_ids, seller_index = np.unique(orders.seller_id, return_inverse=True)
    state = PenaltyState.new(len(seller_ids), start)
    sealed, sealed_at = [], []
    found = []
    for t, i in sweep_times(specs, start, end):
        current = L.Orders(**{**orders.columns(), "removed_at": removed})
        view = PlatformView.build(t, current, actions, delivered_at=delivered_at, kind=kind, empty=empty,
                                  chat=chat, account_id=account_id, account_created_at=account_created_at,
                                  account_credit=account_credit)
        truth = np.asarray(fake, bool)[orders.created_at <= t] if specs[i].needs_truth else None
        d = sweep(specs[i], detectors[i], view, since[i], rngs[i], truth)
        since[i] = t
        found.append(d)
        if act:
            ids = d.flagged_orders()
            rows = order_pos[np.searchsorted(orders.order_id, ids, sorter=order_pos)]
            rows = np.unique(rows[removed[rows] == NEVER])
            removed[rows] = t
            judged = judge_fake_orders(rules, state, orders.order_id[rows], seller_index[rows], orders.buyer_id[rows])
            sealed.append(judged.sealed_accounts)
            sealed_at.append(np.full(len(judged.sealed_accounts), t, np.int64))
        settle(rules, state, t)
    accounts = np.concatenate(sealed) if sealed else np.zeros(0, np.int64)
    when = np.concatenate(sealed_at) if sealed_at else np.zeros(0, np.int64)
    first, keep = np.unique(accounts, return_index=True)  # sealed once, at the first time
    return OfflineRun(Detections.concat(found), removed, seller_ids, state, first, when[keep])
