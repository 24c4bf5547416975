"""Synthetic review logs for benchmarks: fast, vectorised, seeded, with realistic skew.

``generate(n_orders, seed)`` returns ``(Orders, Actions)`` (``sim.reputation.log``); the CLI writes
them as ``DIR/orders.parquet`` and ``DIR/reviews.parquet`` in the input schema of ``repsim score``::

    python benchmarks/gen_log.py --orders 1000000 --seed 1 --out DIR

The population (all rates are per order unless said otherwise; every number is a keyword of
``generate`` via ``LogShape``):

- ``n/5`` buyers with log-normal activity, ``n/200`` sellers with Zipf-like popularity (exponent
  0.8), ~50 items per seller (geometric catalogue size), 5% of sellers on ``tmall``.
  Most (buyer, seller) pairs transact once; heavy buyers meet popular sellers again.
- Orders spread over ~6 months (Jan-Jun 2024, platform time), with a daily rhythm and a
  festival day (18 June, 5x volume), so that month boundaries and the 180-day windows are crossed.
- ~3% never succeed; ~2% refunds (not_received / return / partial), mostly after success, so
  reviews of cancelled orders occur; ~0.2% removed by the platform (mostly farm orders).
- Buyers rate ~65% of successful taobao orders (98% good, 1% neutral, 1% bad), sellers rate
  ~50% (99.5% good); DSR on ~55% of successful orders (tmall too). A few percent of reviews come
  late (outside the 15-day window, a few exactly on its edge).
- ~30% of neutral/bad reviews are modified to good or deleted, some after the 30-day window, a
  few twice (the second is invalid).
- Brushing farms: a few hundred (buyer, seller) pairs at the benchmark sizes (``n/25000``,
  at least 2, at most 400) carry 4% of all orders: hundreds of orders a month per pair, instant
  confirmation, ``good`` plus DSR 5/5/5/5, items rotated over the seller's catalogue. They are
  what exercises the 14-day dedup and the monthly clamp on long groups.
- A few invalid actions: second rates, rates before success, credit reviews on tmall orders,
  seller DSRs, modifications of good reviews.

Rows of ``actions`` come in time order (ties in generation order), as a platform log would.
Only numpy is used for generation (no per-row Python); pyarrow writes the files.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

from sim.reputation.log import (
    BAD, BUYER, DELETE, DSR, GOOD, MODIFY, NEUTRAL, NO_RATING, NOT_RECEIVED, PARTIAL, RATE,
    RETURN, SELLER, TAOBAO, TMALL, Actions, Orders,
)
from sim.timeutil import DAY, HOUR, NEVER, parse_timestamp

START = parse_timestamp("2024-01-01T00:00:00+08:00")


@dataclasses.dataclass(frozen=True)
class LogShape:
    """Every rate of the synthetic log (see the module docstring)."""

    days: int = 182
    buyers_per_order: float = 0.2
    orders_per_seller: float = 200.0
    seller_zipf: float = 0.8
    buyer_activity_sigma: float = 1.0
    items_per_seller: float = 50.0
    tmall_share: float = 0.05
    festival_day: int = 169  # 18 June 2024, counted from 1 January
    festival_boost: float = 5.0
    never_success: float = 0.03
    refund: float = 0.02
    refund_kinds: tuple[float, float, float] = (0.3, 0.4, 0.3)  # not_received, return, partial
    removed: float = 0.002
    farm_share: float = 0.04
    farm_orders_per_pair: int = 25_000  # n_farm_pairs = n / this, clipped to [2, 400]
    farm_accounts_per_seller: int = 8
    buyer_rates: float = 0.65
    buyer_ratings: tuple[float, float, float] = (0.98, 0.01, 0.01)  # good, neutral, bad
    seller_rates: float = 0.50
    seller_ratings: tuple[float, float, float] = (0.995, 0.003, 0.002)
    dsr_if_rated: float = 0.80
    dsr_if_silent: float = 0.10
    late: float = 0.004  # share of reviews and DSRs given after their window
    on_edge: float = 0.0005  # share given exactly at success + 15 days
    change_nongood: float = 0.30  # share of neutral/bad reviews modified or deleted
    change_delete: float = 0.35  # of those, deleted rather than modified
    change_late: float = 0.05  # of those, after the 30-day modification window
    change_twice: float = 0.05  # of those, tried a second time (invalid)
    second_rate: float = 0.001
    early_rate: float = 0.0003
    tmall_rate: float = 0.002
    seller_dsr: float = 0.0002
    modify_good: float = 0.0002
    time_resolution: int = 1  # seconds; a coarser grid (e.g. 3600) makes ties frequent


def generate(n_orders: int, seed: int, shape: LogShape = LogShape()) -> tuple[Orders, Actions]:
    """A synthetic log of ``n_orders`` orders and their review actions, reproducible from ``seed``."""
    n = int(n_orders)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)]
    orders, farm = _orders(n, shape, streams[0], streams[1])
    actions = _actions(orders, farm, shape, streams[2], streams[3])
    return orders, actions


# ---------------------------------------------------------------------------------------------
# orders


def _orders(n: int, s: LogShape, rng: np.random.Generator, farm_rng: np.random.Generator):
    n_sellers = max(5, int(round(n / s.orders_per_seller)))
    n_buyers = max(20, int(round(n * s.buyers_per_order)))
    tmall = rng.random(n_sellers) < s.tmall_share
    catalogue = np.minimum(rng.geometric(1.0 / s.items_per_seller, n_sellers), 999)
    # Zipf-like popularity over a random ranking of the sellers
    popularity = np.empty(n_sellers)
    popularity[rng.permutation(n_sellers)] = np.arange(1, n_sellers + 1, dtype=float) ** -s.seller_zipf
    activity = rng.lognormal(0.0, s.buyer_activity_sigma, n_buyers)

    n_farm_pairs = int(np.clip(n // s.farm_orders_per_pair, 2, 400))
    created = _grid(_created(rng, n, s), s)  # sorted: order_id follows creation
    is_farm = rng.random(n) < (s.farm_share if n >= 1000 else 0.0)
    n_farm = int(is_farm.sum())
    n_real = n - n_farm

    seller = np.empty(n, np.int64)
    buyer = np.empty(n, np.int64)
    item_index = np.empty(n, np.int64)
    real_seller = _draw(rng, popularity, n_real)
    seller[~is_farm] = real_seller
    buyer[~is_farm] = _draw(rng, activity, n_real)
    # items: skewed within the catalogue (popular items first)
    item_index[~is_farm] = (catalogue[real_seller] * rng.random(n_real) ** 2).astype(np.int64)

    # brushing farms: a few taobao sellers of low popularity, each with several worker accounts
    taobao_sellers = np.flatnonzero(~tmall)
    n_farm_sellers = max(1, n_farm_pairs // s.farm_accounts_per_seller)
    quiet = taobao_sellers[np.argsort(popularity[taobao_sellers], kind="stable")]
    farm_sellers = farm_rng.choice(quiet[: max(n_farm_sellers, len(quiet) // 2)], n_farm_sellers, replace=False)
    pair_seller = farm_sellers[np.arange(n_farm_pairs) % n_farm_sellers]
    pair_buyer = farm_rng.choice(n_buyers, n_farm_pairs, replace=False)
    pair = farm_rng.integers(0, n_farm_pairs, n_farm)
    seller[is_farm] = pair_seller[pair]
    buyer[is_farm] = pair_buyer[pair]
    item_index[is_farm] = farm_rng.integers(0, catalogue[pair_seller[pair]])  # rotation over the catalogue

    # lifecycle: pay, ship, then confirm at delivery or auto-confirm 10 days after shipping
    ship = created + rng.integers(10 * 60, 3 * DAY, n)
    delivered = ship + rng.integers(DAY, 6 * DAY, n)
    auto = rng.random(n) < 0.25
    success = np.where(auto, ship + 10 * DAY, delivered + rng.integers(0, 2 * DAY, n))
    success[is_farm] = created[is_farm] + rng.integers(HOUR, 6 * HOUR, n_farm)  # confirmed at once
    success[(rng.random(n) < s.never_success) & ~is_farm] = NEVER
    success = np.where(success < NEVER, _grid(success, s), NEVER)

    refund = np.zeros(n, np.int8)
    refunded = (rng.random(n) < s.refund) & ~is_farm
    refund[refunded] = rng.choice(np.array([NOT_RECEIVED, RETURN, PARTIAL], np.int8), refunded.sum(),
                                  p=s.refund_kinds)

    removed = np.full(n, NEVER)
    n_removed = int(round(n * s.removed))
    farm_rows = np.flatnonzero(is_farm)
    from_farm = farm_rng.choice(farm_rows, min(len(farm_rows), int(n_removed * 0.7)), replace=False)
    real_done = np.flatnonzero(~is_farm & (success < NEVER))
    others = rng.choice(real_done, min(len(real_done), n_removed - len(from_farm)), replace=False)
    gone = np.concatenate([from_farm, others]).astype(np.int64)
    removed[gone] = _grid(success[gone] + rng.integers(5 * DAY, 60 * DAY, len(gone)), s)

    amount = np.round(rng.lognormal(4.0, 1.0, n), 2)
    amount[rng.random(n) < 0.005] = 0.01  # token purchases (below the growth threshold)
    amount = np.maximum(amount, 0.01)

    orders = Orders(
        order_id=np.arange(1, n + 1, dtype=np.int64),
        buyer_id=(buyer + 1).astype(np.int64),
        seller_id=(seller + 1).astype(np.int64),
        item_id=((seller + 1) * 1000 + item_index).astype(np.int64),
        platform=np.where(tmall[seller], TMALL, TAOBAO).astype(np.int8),
        amount=amount,
        created_at=created.astype(np.int64),
        success_at=success.astype(np.int64),
        refund=refund,
        removed_at=removed.astype(np.int64),
    )
    return orders, is_farm


def _counts(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """How many of ``size`` draws fall on each category (multinomial with the given weights)."""
    p = np.asarray(weights, float) / np.sum(weights)
    p = np.maximum(p, 0.0)
    p[-1] = max(0.0, 1.0 - p[:-1].sum())
    if p[:-1].sum() > 1.0:
        p[:-1] /= p[:-1].sum()
    return rng.multinomial(size, p)


def _draw(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """``size`` categories drawn with the given weights, in random order (faster than searchsorted)."""
    values = np.repeat(np.arange(len(weights), dtype=np.int64), _counts(rng, weights, size))
    rng.shuffle(values)
    return values


def _created(rng: np.random.Generator, size: int, s: LogShape) -> np.ndarray:
    """Creation times, sorted: a daily rhythm (quiet at night, peaks around 10:00, 15:00 and 21:00)
    and a festival day with ``festival_boost`` times the volume."""
    day_weight = np.ones(s.days)
    if 0 <= s.festival_day < s.days:
        day_weight[s.festival_day] = s.festival_boost
    hour_weight = np.array([3, 2, 1, .5, .3, .3, .5, 1, 2, 4, 6, 6, 5, 5, 6, 6, 5, 5, 5, 6, 8, 9, 8, 5])
    slots = np.repeat(np.arange(s.days * 24, dtype=np.int64),
                      _counts(rng, np.outer(day_weight, hour_weight).ravel(), size))
    t = START + slots * HOUR + rng.integers(0, HOUR, size)
    return np.sort(t, kind="stable")  # nearly sorted already: cheap


def _grid(t: np.ndarray, s: LogShape) -> np.ndarray:
    if s.time_resolution <= 1:
        return t
    return (t // s.time_resolution) * s.time_resolution


# ---------------------------------------------------------------------------------------------
# actions


def _actions(orders: Orders, farm: np.ndarray, s: LogShape, rng: np.random.Generator,
             bad_rng: np.random.Generator) -> Actions:
    n = len(orders)
    done = orders.success_at < NEVER
    taobao = orders.platform == TAOBAO
    success = orders.success_at
    parts: list[dict] = []

    def add(rows, author, action, at, rating=None, dims=None):
        rows = np.asarray(rows, np.int64)
        k = len(rows)
        part = dict(order_id=orders.order_id[rows], author=np.full(k, author, np.int8),
                    action=np.full(k, action, np.int8), at=_grid(np.asarray(at, np.int64), s),
                    rating=np.full(k, NO_RATING, np.int8) if rating is None else np.asarray(rating, np.int8))
        zeros = np.zeros(k, np.int8)
        for j, dim in enumerate(("described", "service", "shipping", "logistics")):
            part[dim] = zeros if dims is None else dims[:, j]
        parts.append(part)

    def delay(k, mean_days, window_days=15):
        """Review delays after success: mostly soon, a few late, a few exactly on the edge."""
        d = np.minimum(rng.exponential(mean_days * DAY, k), window_days * DAY - 1).astype(np.int64)
        u = rng.random(k)
        d[u < s.late] = rng.integers(window_days * DAY + 1, (window_days + 20) * DAY, int((u < s.late).sum()))
        edge = (u >= s.late) & (u < s.late + s.on_edge)
        d[edge] = window_days * DAY
        return d

    ratings = np.array([GOOD, NEUTRAL, BAD], np.int8)

    # --- buyer credit reviews (taobao only, REV-TMALL) ---
    real = done & taobao & ~farm
    b_rated = real & (rng.random(n) < s.buyer_rates)
    b_rows = np.flatnonzero(b_rated)
    b_at = success[b_rows] + delay(len(b_rows), 1.5)
    b_rating = rng.choice(ratings, len(b_rows), p=s.buyer_ratings)
    # farms: good at once
    f_rows = np.flatnonzero(farm & done)
    f_at = success[f_rows] + rng.integers(60, 2 * HOUR, len(f_rows))
    add(np.concatenate([b_rows, f_rows]), BUYER, RATE, np.concatenate([b_at, f_at]),
        np.concatenate([b_rating, np.full(len(f_rows), GOOD, np.int8)]))

    # --- seller credit reviews ---
    s_rated = done & taobao & (rng.random(n) < np.where(farm, 0.8, s.seller_rates))
    s_rows = np.flatnonzero(s_rated)
    s_at = success[s_rows] + delay(len(s_rows), 3.0)
    s_rating = rng.choice(ratings, len(s_rows), p=s.seller_ratings)
    s_rating[farm[s_rows]] = GOOD
    add(s_rows, SELLER, RATE, s_at, s_rating)

    # --- DSR (buyers, taobao and tmall) ---
    rated_any = np.zeros(n, bool)
    rated_any[b_rows] = True
    p_dsr = np.where(rated_any, s.dsr_if_rated, np.where(taobao, s.dsr_if_silent, 0.55))
    d_mask = done & (rng.random(n) < p_dsr)
    d_mask[f_rows] = True
    d_rows = np.flatnonzero(d_mask)
    # DSR at the same moment as the buyer's rate when there is one
    rate_at = np.full(n, NEVER)
    rate_at[b_rows] = b_at
    rate_at[f_rows] = f_at
    d_at = np.where(rate_at[d_rows] < NEVER, rate_at[d_rows], success[d_rows] + delay(len(d_rows), 2.0))
    dims = rng.choice(np.array([5, 4, 3, 2, 1], np.int8), (len(d_rows), 4), p=[0.8, 0.15, 0.03, 0.01, 0.01])
    nongood = np.zeros(n, bool)
    nongood[b_rows[b_rating != GOOD]] = True
    low = nongood[d_rows]
    dims[low] = rng.integers(1, 4, (int(low.sum()), 4)).astype(np.int8)
    dims[farm[d_rows]] = 5
    add(d_rows, BUYER, DSR, d_at, None, dims)

    # --- modifications and deletions of neutral/bad reviews (REV-MODIFY) ---
    for rows, at, rating, author in ((b_rows, b_at, b_rating, BUYER), (s_rows, s_at, s_rating, SELLER)):
        pick = np.flatnonzero((rating != GOOD) & (bad_rng.random(len(rows)) < s.change_nongood))
        k = len(pick)
        c_at = at[pick] + bad_rng.exponential(5 * DAY, k).astype(np.int64)
        late = bad_rng.random(k) < s.change_late
        c_at[late] = at[pick][late] + bad_rng.integers(30 * DAY + 1, 60 * DAY, int(late.sum()))
        c_at[~late] = np.minimum(c_at[~late], at[pick][~late] + 30 * DAY)
        delete = bad_rng.random(k) < s.change_delete
        add(rows[pick[~delete]], author, MODIFY, c_at[~delete], np.full(int((~delete).sum()), GOOD, np.int8))
        add(rows[pick[delete]], author, DELETE, c_at[delete])
        twice = bad_rng.random(k) < s.change_twice  # a second attempt: invalid (one change only)
        add(rows[pick[twice]], author, MODIFY, c_at[twice] + bad_rng.integers(HOUR, 5 * DAY, int(twice.sum())),
            np.full(int(twice.sum()), GOOD, np.int8))

    # --- a few invalid actions ---
    k = int(len(b_rows) * s.second_rate)
    pick = bad_rng.choice(len(b_rows), k, replace=False)
    add(b_rows[pick], BUYER, RATE, b_at[pick] + bad_rng.integers(60, 3 * DAY, k),
        bad_rng.choice(ratings, k))  # a second rate
    early = np.flatnonzero(bad_rng.random(n) < s.early_rate)
    base = np.where(done[early], success[early], orders.created_at[early] + 2 * DAY)
    add(early, BUYER, RATE, base - bad_rng.integers(HOUR, DAY, len(early)), np.full(len(early), BAD, np.int8))
    tm = np.flatnonzero(done & ~taobao & (bad_rng.random(n) < s.tmall_rate))
    add(tm, BUYER, RATE, success[tm] + bad_rng.integers(HOUR, 5 * DAY, len(tm)), np.full(len(tm), GOOD, np.int8))
    sd = np.flatnonzero(done & (bad_rng.random(n) < s.seller_dsr))
    add(sd, SELLER, DSR, success[sd] + bad_rng.integers(HOUR, 5 * DAY, len(sd)), None,
        np.full((len(sd), 4), 5, np.int8))
    good_rows = b_rows[b_rating == GOOD]
    mg = good_rows[bad_rng.random(len(good_rows)) < s.modify_good]
    add(mg, BUYER, MODIFY, rate_at[mg] + bad_rng.integers(HOUR, 5 * DAY, len(mg)), np.full(len(mg), GOOD, np.int8))

    cols = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    order = np.argsort(cols["at"], kind="stable")
    return Actions(**{key: value[order] for key, value in cols.items()})


# ---------------------------------------------------------------------------------------------
# Parquet in the input schema of ``repsim score``


def to_tables(orders: Orders, actions: Actions):
    """The two pyarrow tables (orders, reviews) in the input schema of ``repsim score``
    (``sim.io.schema``), names as dictionary columns."""
    import pyarrow as pa

    from sim.io.schema import ACTION_COLUMNS, ORDER_COLUMNS, arrow_columns

    return (pa.table(arrow_columns(ORDER_COLUMNS, orders.columns(), dictionary=True)),
            pa.table(arrow_columns(ACTION_COLUMNS, actions.columns(), dictionary=True)))


def write(orders: Orders, actions: Actions, out: str | Path, plain_strings: bool = False) -> tuple[Path, Path]:
    """Write ``out/orders.parquet`` and ``out/reviews.parquet``; returns their paths."""
    import pyarrow as pa

    from sim.io.parquet import write_parquet

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = out / "orders.parquet", out / "reviews.parquet"
    for table, path in zip(to_tables(orders, actions), paths):
        if plain_strings:
            table = pa.table({name: (col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col)
                              for name, col in zip(table.column_names, table.columns)})
        tmp = path.with_suffix(".parquet.tmp")
        write_parquet(table, tmp)  # repsim's own Parquet convention (sim.io.parquet)
        tmp.replace(path)
    return paths


def summary(orders: Orders, actions: Actions) -> str:
    n = len(orders)
    done = orders.success_at < NEVER
    pairs = len(np.unique(orders.buyer_id * (1 << 32) + orders.seller_id))
    buyers = np.count_nonzero(np.bincount(orders.buyer_id))
    sellers = np.count_nonzero(np.bincount(orders.seller_id))
    counts = np.bincount(actions.action, minlength=4)
    return (f"{n:,} orders ({done.mean():.1%} succeeded, {(orders.platform == TMALL).mean():.1%} tmall, "
            f"{(orders.refund > 0).mean():.1%} refunded, {(orders.removed_at < NEVER).mean():.2%} removed), "
            f"{buyers:,} buyers, {sellers:,} sellers, "
            f"{pairs:,} pairs; {len(actions):,} actions (rate {counts[RATE]:,}, modify {counts[MODIFY]:,}, "
            f"delete {counts[DELETE]:,}, dsr {counts[DSR]:,})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, required=True, help="number of orders")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--plain-strings", action="store_true",
                        help="write plain string columns instead of dictionary-encoded ones")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    orders, actions = generate(args.orders, args.seed)
    t1 = time.perf_counter()
    paths = write(orders, actions, args.out, args.plain_strings)
    t2 = time.perf_counter()
    print(summary(orders, actions))
    print(f"generated in {t1 - t0:.1f} s, written in {t2 - t1:.1f} s: {paths[0]} {paths[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
