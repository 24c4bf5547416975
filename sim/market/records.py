"""What a run leaves behind: the logs in the input schema of ``repsim score``, the daily seller panel,
and the market metrics (``docs/market.md``, outputs).

- ``orders_table``: the columns of the orders log (``sim.io.schema.ORDER_COLUMNS``: platform and refund
  as strings, refund null for none, times as ``timestamp[s, tz=+08:00]`` with nulls for empty), then
  simulation-only columns (state, archetype, true quality, courier outcome, delivery kind, ...).
- ``reviews_table``: the columns of the review actions log (``sim.io.schema.ACTION_COLUMNS``: rating null
  on DSR rows, the four scores null on credit rows), then ``actor``, ``seller_answer`` and ``cashback``.
- ``sellers_daily_table``: one row per seller per day, the scorer's view at the day's end.
- ``market_daily_table``: one row per day of market-wide counts (``sim.market.daily``).
- ``summary``: the market metrics (no attackers needed).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sim.io.schema import ACTION_COLUMNS, ORDER_COLUMNS, TIME_TYPE, arrow_columns
from sim.market import orders as O
from sim.market.buyers import CHAT_NAMES
from sim.reputation import log as L
from sim.timeutil import DAY, NEVER, days as to_seconds
from sim.vocabulary import ARCHETYPES

def _ts(values: np.ndarray) -> pa.Array:
    values = np.asarray(values, np.int64)
    return pa.array(values, type=pa.int64(), mask=values >= NEVER).cast(TIME_TYPE)


def _names(codes: np.ndarray, names: tuple | list, null_code: int | None = None) -> pa.Array:
    codes = np.asarray(codes, np.int64)
    table = np.array(list(names), dtype=object)
    out = table[np.clip(codes, 0, len(names) - 1)]
    mask = None if null_code is None else codes == null_code
    return pa.array(out, type=pa.string(), mask=mask)


def orders_table(world) -> pa.Table:
    o = world.book.orders
    n = o.n
    courier_names = [c.name for c in world.scenario.courier_list]
    courier = o["courier"]
    arch = o["archetype"].astype(np.int64)
    sat = o["satisfaction"].astype(np.float64)
    logged = {c.name: o[c.name] for c in ORDER_COLUMNS if c.name != "order_id"}
    return pa.table({
        **arrow_columns(ORDER_COLUMNS, {"order_id": np.arange(n, dtype=np.int64), **logged}),
        # simulation-only
        "fake": pa.array(o["fake"]),
        "attack": _names(o["attack"], world.attack_names),
        "empty_parcel": pa.array(o["empty"]),
        "attack_cost": pa.array(o["cost"]),
        "state": _names(o["state"], O.STATE_NAMES),
        "actor": pa.array(o["actor"]),
        "archetype": pa.array(np.array(list(ARCHETYPES), dtype=object)[np.clip(arch, 0, None)], type=pa.string(),
                              mask=arch < 0),
        "true_quality": pa.array(o["quality"].astype(np.float64), mask=np.isnan(o["quality"])),
        "expectation": pa.array(o["expectation"].astype(np.float64), mask=np.isnan(o["expectation"])),
        "satisfaction": pa.array(sat, mask=np.isnan(sat)),
        "category": pa.array(o["category"]),
        "delivery_kind": _names(o["kind"], O.KIND_NAMES),
        "courier": pa.array(np.array(courier_names + [None], dtype=object)[np.where(courier < 0, -1, courier)],
                            type=pa.string()),
        "courier_outcome": _names(o["courier_outcome"], O.COURIER_OUTCOMES, null_code=O.C_NONE),
        "chat": _names(o["chat"], CHAT_NAMES, null_code=0),
        "list_price": pa.array(o["list_price"]),
        "refunded_amount": pa.array(o["refunded_amount"]),
        "paid_at": _ts(o["paid_at"]),
        "shipped_at": _ts(o["shipped_at"]),
        "delivered_at": _ts(o["delivered_at"]),
        "closed_at": _ts(o["closed_at"]),
        "refund_at": _ts(o["refund_at"]),
        "autoconfirm_at": _ts(o["autoconfirm_at"]),
        "confirmed_by": _names(o["how"], O.HOW_NAMES, null_code=O.HOW_NONE),
        "after_sales": _names(o["after_sales"], O.AFTER_SALES_NAMES, null_code=O.AS_NONE),
        "extensions": pa.array(o["extensions"]),
        "shipments": pa.array(o["shipments"]),
        "cashback_seller": pa.array(o["cashback"]),
    })


def reviews_table(world) -> pa.Table:
    a = world.book.actions
    cols = arrow_columns(ACTION_COLUMNS, {c.name: a[c.name] for c in ACTION_COLUMNS})
    cols["actor"] = pa.array(a["actor"])
    cols["seller_answer"] = _names(a["answer"], O.ANSWER_NAMES, null_code=O.ANSWER_NONE)
    cols["cashback"] = pa.array(a["cashback"])
    cols["fake"] = pa.array(a["fake"])
    cols["attack"] = _names(a["attack"], world.attack_names)
    return pa.table(cols)


def sellers_daily_table(world) -> pa.Table:
    p = world.platform
    D, S = p.rec["credit"].shape
    day = np.repeat(np.arange(D, dtype=np.int64), S)
    start_day = np.datetime64(world.first_date, "D")
    cols = {
        "date": pa.array((start_day + day.astype("timedelta64[D]")).astype("datetime64[D]")),
        "seller_id": pa.array(np.tile(world.seller_ids, D)),
        "platform": _names(np.tile(world.sellers.platform, D), L.PLATFORM_NAMES),
        "true_quality": pa.array(np.tile(world.sellers.quality, D)),
    }
    for name, values in p.rec.items():
        flat = values.reshape(-1)
        mask = np.isnan(flat) if flat.dtype.kind == "f" else None
        cols[name] = pa.array(flat, mask=mask)
    return pa.table(cols)


def accounts_table(world) -> pa.Table:
    """``accounts.parquet``: every account of the run (sim.market.accounts)."""
    c = world.accounts.columns()
    return pa.table({"account_id": pa.array(c["account_id"]), "kind": pa.array(c["kind"], pa.string()),
                     "role": pa.array(c["role"], pa.string()), "owner": pa.array(c["owner"], pa.string()),
                     "created_at": _ts(c["created_at"]), "sealed_at": _ts(c["sealed_at"]),
                     "cost": pa.array(c["cost"])})


def detections_table(world) -> pa.Table:
    """``detections.parquet``: every sweep's findings and whether the platform acted (sim.market.detect)."""
    if world.detection is None:
        c = {"at": np.zeros(0, np.int64), "detector": np.zeros(0, object), "entity": np.zeros(0, object),
             "id": np.zeros(0, np.int64), "score": np.zeros(0), "flagged": np.zeros(0, bool), "acted": np.zeros(0, bool)}
    else:
        c = world.detection.table()
    return pa.table({"at": _ts(c["at"]), "detector": pa.array(c["detector"], pa.string()),
                     "entity": pa.array(c["entity"], pa.string()), "id": pa.array(c["id"], pa.int64()),
                     "score": pa.array(c["score"], pa.float64()), "flagged": pa.array(c["flagged"], pa.bool_()),
                     "acted": pa.array(c["acted"], pa.bool_())})


def attacks_summary(world) -> dict:
    """``summary.json``'s ``attacks``: ``sim.attacks.metrics.attack_metrics`` over the run's own tables
    (the final scoring of the whole log as of the run's end gives each fake review's final status)."""
    from sim.attacks.metrics import attack_metrics
    from sim.reputation import core

    book = world.book
    o = book.orders
    p = world.platform
    if p.incremental and p.scorer.as_of == world.end and p.scorer.ledger is not None:
        result = p.scorer.result()  # the run's last scoring, as of its end: equal to core.score (and cheaper)
    else:
        result = core.score(book.scoring_orders(), book.scoring_actions(), world.rules, as_of=world.end,
                            accounts=world.accounts.scoring())
    r = result.reviews
    orders = {"order_id": np.arange(o.n, dtype=np.int64), "buyer_id": o["buyer_id"], "seller_id": o["seller_id"],
              "created_at": o["created_at"], "fake": o["fake"],
              "attack": np.array(world.attack_names, object)[o["attack"]], "cost": o["cost"]}
    reviews = {"order_id": r.order_id, "author": r.author, "kind": r.kind, "rating": r.rating, "status": r.status}
    detections = None
    if world.detection is not None:
        c = world.detection.table()
        d = world.detection.detections()
        detections = {"at": d.at, "detector": d.detector, "entity": d.entity, "id": d.id, "score": d.score,
                      "flagged": d.flagged, "acted": c["acted"]}
    D = p.rec["credit"].shape[0]
    daily = {"seller_id": np.tile(world.seller_ids, D),
             "at": np.repeat(world.start + DAY * np.arange(1, D + 1, dtype=np.int64), world.n_sellers),
             "credit": p.rec["credit"].reshape(-1)}
    pay = world.payments
    payments = {k: np.concatenate([x[k] for x in pay]) if pay else np.zeros(0) for k in ("payee", "amount")}
    if pay:
        payments["payee"] = payments["payee"].astype(np.int64)
    return attack_metrics(orders, reviews, detections, accounts=world.accounts.columns(), payments=payments,
                          sellers_daily=daily)


def market_daily_table(world) -> pa.Table:
    m = world.daily
    D = world.days
    start_day = np.datetime64(world.first_date, "D")
    cols = {"date": pa.array(start_day + np.arange(D).astype("timedelta64[D]"))}
    for name, values in m.rec.items():
        if name == "packing_backlog":
            for i, c in enumerate(world.scenario.courier_list):
                cols[f"courier_backlog_{c.name}"] = pa.array(m.courier_backlog[:, i])
        cols[name] = pa.array(values, mask=np.isnan(values) if values.dtype.kind == "f" else None)
    return pa.table(cols)


def _share(num: float, den: float) -> float | None:
    return None if den == 0 else float(num) / float(den)


def first_bad_effect(world) -> dict:
    """Cabral-Hortacsu: aggregate weekly sales growth before and after a seller's first visible bad
    review (the first day the scorer shows ``bad > 0``). Before: (W[-1] / W[-3]) ** 0.5 - 1 over the
    weeks ending at that day; after: (W[+2] / W[-1]) ** 0.5 - 1, where W[+2] is the second week after.
    Only sellers whose first bad falls at least 21 days after the start and 14 days before the end."""
    p = world.platform
    skip = world.warmup_days  # the warm-up's days are left out
    bad = p.rec["bad"][skip:]
    paid = p.rec["paid"][skip:]
    D = bad.shape[0]
    has = bad > 0
    first = np.where(has.any(axis=0), has.argmax(axis=0), -1)
    sellers = np.flatnonzero((first >= 21) & (first + 14 < D))
    w3 = w1 = a2 = 0
    for s in sellers.tolist():
        f = int(first[s])
        w3 += int(paid[f - 20: f - 13, s].sum())
        w1 += int(paid[f - 6: f + 1, s].sum())
        a2 += int(paid[f + 8: f + 15, s].sum())
    out = {"sellers": int(sellers.size), "week_minus3": w3, "week_minus1": w1, "week_plus2": a2,
           "weekly_growth_before": None, "weekly_growth_after": None}
    if w3 > 0 and w1 > 0:
        out["weekly_growth_before"] = (w1 / w3) ** 0.5 - 1
        out["weekly_growth_after"] = (a2 / w1) ** 0.5 - 1
    return out


def negative_gaps(world) -> dict:
    """Cabral-Hortacsu's "later negatives arrive faster": per seller, days from its first sale to its first
    visible bad review, and from the first to the second; means over sellers with two bad reviews."""
    p = world.platform
    bad, paid = p.rec["bad"][world.warmup_days:], p.rec["paid"][world.warmup_days:]
    has1, has2, sold = bad > 0, bad > 1, paid > 0
    both = has2.any(axis=0) & sold.any(axis=0)
    f0, f1, f2 = sold.argmax(axis=0)[both], has1.argmax(axis=0)[both], has2.argmax(axis=0)[both]
    return {"sellers": int(both.sum()),
            "days_to_first": float((f1 - f0).mean()) if both.any() else None,
            "days_first_to_second": float((f2 - f1).mean()) if both.any() else None}


def revenue_per_star(world, min_ratings: int = 20) -> float | None:
    """Luca's "one more star", with the DSR standing in for the stars: exp(b sd) - 1, where b is the OLS
    slope of log revenue over the run on the shown mean DSR at the end, and sd the spread (standard
    deviation) of that DSR across the same sellers, those with revenue and at least ``min_ratings`` DSR
    ratings. One star is about one cross-business standard deviation of Yelp ratings, so this is the
    proportional change in revenue for the DSR equivalent of one more star."""
    p = world.platform
    revenue = p.rec["revenue"][world.warmup_days:].sum(axis=0)
    known = ~np.isnan(p.dsr)
    with np.errstate(invalid="ignore", divide="ignore"):
        dsr = np.where(known, p.dsr, 0.0).sum(axis=0) / known.sum(axis=0)
    ok = (revenue > 0) & ~np.isnan(dsr) & (p.dsr_given >= min_ratings)
    if ok.sum() < 3 or np.ptp(dsr[ok]) == 0:
        return None
    slope = np.polyfit(dsr[ok], np.log(revenue[ok]), 1)[0]
    return float(np.expm1(slope * dsr[ok].std()))


def summary(world) -> dict:
    from scipy.stats import kendalltau

    sc = world.scenario
    o = world.book.orders
    a = world.book.actions
    p = world.platform
    end = world.end
    since = world.metric_start  # the warm-up's days (run.warmup_days) are left out of the metrics
    measured = o["created_at"] >= since
    genuine = (o["actor"] == O.ACTOR_GENUINE) & measured
    state = np.where(measured, o["state"], -1)
    paid = (o["paid_at"] < NEVER) & measured
    success = state == O.SUCCESS
    # feedback within a fixed horizon after success, whatever the rule set's windows (naive has none)
    horizon = to_seconds(sc.run.metric_horizon_days)
    fb_base = success & (o["success_at"] + horizon <= end) & genuine
    taobao = o["platform"] == L.TAOBAO
    buyer_rates = (a["author"] == L.BUYER) & (a["action"] == L.RATE) & (a["at"] >= since)
    in_time = (a["author"] == L.BUYER) & (a["at"] <= o["success_at"][a["order_id"]] + horizon)
    rated_orders = np.zeros(o.n, bool)
    rated_orders[a["order_id"][buyer_rates & in_time]] = True
    any_feedback = np.zeros(o.n, bool)
    any_feedback[a["order_id"][in_time & ((a["action"] == L.RATE) | (a["action"] == L.DSR))]] = True
    credit_base = fb_base & taobao
    feedback_rate = _share((any_feedback & fb_base).sum(), fb_base.sum())
    given = a["rating"][buyer_rates]
    positive_share = _share((given == L.GOOD).sum(), given.size)
    modified = (a["author"] == L.BUYER) & (a["action"] == L.MODIFY) & (a["at"] >= since)
    counted = p.counts.sum(axis=1)
    delivered = (o["delivered_at"] < NEVER) & genuine & ~np.isnan(o["satisfaction"])
    sat = o["satisfaction"][delivered]
    low = world.sellers.quality < sc.run.low_quality_threshold
    to_low = low[o["seller_id"][paid & genuine] - 1]

    def tau(x: np.ndarray, y: np.ndarray) -> float | None:
        ok = ~np.isnan(x) & ~np.isnan(y)
        if ok.sum() < 3:
            return None
        value = kendalltau(x[ok], y[ok]).statistic
        return None if np.isnan(value) else float(value)

    q = world.sellers.quality
    reviewed = (p.counts.sum(axis=0) >= 5) & ~world.sellers.tmall
    pos = np.where(reviewed, p.positive_rate, np.nan)
    known = ~np.isnan(p.dsr)
    with np.errstate(invalid="ignore", divide="ignore"):
        dsr_mean = np.where(known, p.dsr, 0).sum(axis=0) / known.sum(axis=0)
    fake = (a["actor"] != O.ACTOR_GENUINE) & buyer_rates
    o_paid = paid & genuine
    ships = (o["shipped_at"] < NEVER) & paid
    dispatch = (o["shipped_at"][ships] - o["paid_at"][ships]) / DAY
    late = dispatch > sc.platform.late_shipping_days
    return {
        "orders": {
            "placed": int(measured.sum()), "paid": int(paid.sum()), "success": int(success.sum()),
            "closed_unpaid": int((state == O.CLOSED).sum()), "refunded": int((state == O.REFUNDED).sum()),
            "refund_codes": {L.REFUND_NAMES[k] or "none": int(((o["refund"] == k) & measured).sum()) for k in range(4)},
            "open_at_end": int(np.isin(state, (O.PLACED, O.PAID, O.SHIPPED)).sum()),
            "confirmed_by_buyer": int(((o["how"] == O.HOW_BUYER) & measured).sum()),
            "auto_confirmed": int(((o["how"] == O.HOW_AUTO) & measured).sum()),
        },
        "kendall_tau_quality_positive_rate": tau(q, pos),
        "kendall_tau_quality_dsr": tau(q, dsr_mean),
        "kendall_tau_quality_rank_score": tau(q, p.rank_score()),
        "low_quality_purchase_share": _share(to_low.sum(), to_low.size),
        "low_quality_seller_share": float(low.mean()),
        "buyer_disappointment": _share((sat < 0).sum(), sat.size),
        "buyer_serious_disappointment": _share((sat < -sc.buyers.mild_margin).sum(), sat.size),
        "feedback_rate": feedback_rate,
        "feedback_rate_base_orders": int(fb_base.sum()),
        "credit_feedback_rate": _share((rated_orders & credit_base).sum(), credit_base.sum()),
        "postage_paid": {k: float(v) for k, v in p.postage.items()},
        "positive_share_given": positive_share,
        "positive_share_counted": _share(counted[0], counted.sum()),
        "reviews_modified_to_good": int(modified.sum()),
        "fake_review_share": _share(fake.sum(), buyer_rates.sum()),
        "dsr_means": {name: (None if np.isnan(v) else float(v)) for name, v in zip(
            L.DSR_DIMENSIONS, [np.nanmean(p.dsr[k]) if known[k].any() else np.nan for k in range(4)])},
        "first_bad_review": first_bad_effect(world),
        "negative_gaps": negative_gaps(world),
        "revenue_per_star_equivalent": revenue_per_star(world),
        "late_shipping_share": _share(late.sum(), late.size),
        "mean_dispatch_days": None if dispatch.size == 0 else float(dispatch.mean()),
        "timers": dict(p.counts_timer),
        "escrow": {"held_at_end": float(world.book.escrow.held),
                   "released_to_sellers": float(p.rec["revenue"].sum()),
                   "cashback_paid": float(world.reviewers.cashback_paid),
                   "balanced": bool(abs(world.book.escrow.balance.sum() + world.book.escrow.held) < 1e-6 * max(
                       1.0, float(o["amount"][o_paid].sum())))},
        "growth": {"mean_at_end": float(p.growth.mean()), "earned": float(p.growth_earned.sum()),
                   "vip_share_at_end": [float((p.vip_tier() == k).mean()) for k in (1, 2, 3)]},
        "penalties": {"node_sanctions": int(p.penalty_events),
                      "seller_days_shielded": int(p.rec["shielded"].sum())},
        "couriers": {c.name: {"max_backlog": int(world.couriers.max_backlog[i])}
                     for i, c in enumerate(world.scenario.courier_list)},
        "chat": {"chats": {CHAT_NAMES[k] or "none": int(v) for k, v in enumerate(world.buyers.chats.tolist()) if k},
                 "sales_lost": int(world.buyers.lost_to_chat)},
        "visits": int(world.buyers.visits),
    }
