"""The graph detector's sweep time on a synthetic market of a million orders with a planted farm.

    .venv/bin/python benchmarks/bench_detect.py [--orders 1000000] [--repeat 3]

The market is ``sim.attacks.synthetic.genuine_market`` (1M orders by 300k buyers at 30k sellers over
90 days) plus a brushing farm of 30 accounts serving 20 client sellers under the
``rotate_accounts`` strategy (the planted dense block). Prints the time of one sweep (best and median
of ``--repeat``), the size of the graph, and what the sweep flagged against the ground truth; then
one ``signals`` and one ``hazard`` sweep of the same view, for comparison.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from sim.attacks import planner as P
from sim.attacks import synthetic
from sim.attacks.strategy import PRESETS, FarmCosts
from sim.detection.graph import GraphConfig, GraphDetector
from sim.detection.hazard import HazardConfig, HazardDetector
from sim.detection.signals import SignalsConfig, SignalsDetector
from sim.detection.view import PlatformView
from sim.reputation import log as L
from sim.timeutil import DAY, parse_timestamp


def market(orders: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    start = parse_timestamp("2024-03-01T00:00:00")
    m = synthetic.genuine_market(rng, orders=orders, buyers=max(orders * 3 // 10, 10),
                                 sellers=max(orders * 3 // 100, 10), start=start, days=90)
    pool = P.Pool(account_id=np.arange(50_000_000, 50_000_030), created_at=np.full(30, start - 60 * DAY),
                  buyer_credit=np.zeros(30, np.int64))
    sellers = m.orders.seller_id.max() - np.arange(20)  # tail sellers: young shops hire farms
    parts, next_id = [], int(m.orders.order_id.max()) + 1
    for seller in sellers:
        campaign = P.Campaign(seller=int(seller), items=tuple(int(seller) * 100 + np.arange(20)),
                              start=start + 10 * DAY, target_orders=60)
        log = P.to_log(P.plan(campaign, pool, PRESETS["rotate_accounts"], FarmCosts(), rng), next_id)
        next_id += len(log["orders"])
        parts.append(log)
    orders_ = L.Orders.concat([m.orders] + [p["orders"] for p in parts])
    actions = L.Actions.concat([m.actions] + [p["actions"] for p in parts])
    extras = m.extras()
    for key in ("delivered_at", "kind", "empty", "chat"):
        extras[key] = np.concatenate([extras[key]] + [p[key] for p in parts])
    fake = np.r_[m.fake, np.ones(len(orders_) - len(m.orders), bool)]
    return PlatformView.build(start + 90 * DAY, orders_, actions, **extras), fake


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    view, fake = market(args.orders)
    detector = GraphDetector(GraphConfig())
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        found = detector.sweep(view, view.as_of - 7 * DAY, np.random.default_rng(0))
        times.append(time.perf_counter() - t0)
    flagged = found.flagged_orders()
    fake_ids = view.orders.order_id[fake[: len(view.orders)]]
    hit = np.isin(flagged, fake_ids)
    print(f"graph sweep over {len(view.orders):,} orders "
          f"({len(np.unique(view.orders.buyer_id)):,} buyers, {len(np.unique(view.orders.seller_id)):,} sellers)")
    print(f"  time: best {min(times):.2f} s, median {statistics.median(times):.2f} s of {args.repeat}")
    print(f"  flagged orders: {len(flagged):,} ({int(hit.sum()):,} fake of {len(fake_ids):,} planted; "
          f"precision {hit.mean() if len(hit) else float('nan'):.3f}, recall {hit.sum() / len(fake_ids):.3f})")
    print(f"  flagged accounts: {len(found.flagged_accounts()):,}")
    # The other detectors' sweeps over the same view, for comparison.
    for name, sweep in (("signals", lambda: SignalsDetector(SignalsConfig()).sweep(view, view.as_of - 7 * DAY, None)),
                        ("hazard", lambda: HazardDetector(HazardConfig()).sweep(
                            view, view.as_of - 7 * DAY, np.random.default_rng(0), fake))):
        t0 = time.perf_counter()
        sweep()
        print(f"{name} sweep: {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
