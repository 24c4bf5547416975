"""The tasks of a distributed scoring job: plain functions that a Dask worker runs, reading and
writing shards in the scratch directory (``sim.distributed.scratch``) and result files.

Each task holds one piece of an input file, one shard or one partition in memory, never the log.
In job order (``sim.distributed.job`` runs them):

1. ``read_piece``: a piece of an input file, validated like a single file, its rows split by
   seller (orders), by order id (orders' ids, actions) or by account id.
2. ``join_orders``: per order-id shard, repeated order ids and reviews of unknown orders are found
   and each action learns its order's seller partition; ``check_accounts`` finds repeated account
   ids. ``account_needs`` and ``account_answers`` bring each partition the opening times of its
   accounts (only for the reviewer-age knob).
3. ``plain_points`` and ``buyer_weights`` (only for reviewer weighting): each partition's plain
   buyer points, summed per buyer shard in input order into the reviewer weights.
4. ``score_partition``: a partition of whole sellers scored by the one-machine core; its sellers
   and its action rows are final and written; what crosses partitions goes to shards: per order
   what it adds to its buyer, and the system rows.
5. ``buyer_scores`` per buyer shard and ``system_rows`` per order-id range finish those.

A task returns small figures, or a ``Failure`` for bad input, which the job ranks and reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from sim.errors import InputError
from sim.io import logfiles as F
from sim.io.dataset import UNIQUE_ACCOUNT, UNIQUE_ORDER, DataFile, repeat_error
from sim.io.parquet import write_parquet
from sim.io.results import buyers_table, reviews_table, sellers_table
from sim.reputation import credit
from sim.reputation import log as L
from sim.reputation.core import sum_log
from sim.reputation.ids import dense_rank, first_repeat, rows_of
from sim.reputation.log import Accounts, Actions, Orders, ReviewRows, default_as_of
from sim.reputation.totals import buyer_point_sums, buyer_scores as sum_buyers
from sim.rules.ruleset import RuleSet
from sim.distributed.scratch import KEY, Scratch, global_rows, key_file, part_of, row_keys

ORDER_COLUMNS = [c.name for c in F.ORDER_COLUMNS]
ACTION_COLUMNS = [c.name for c in F.ACTION_COLUMNS]
#: Order ids per shard sent to the job to cut the system rows into ranges of about equal size.
SAMPLE = 256


@dataclass(frozen=True)
class Job:
    """What every task of one job knows: where the scratch and output directories are, the
    number of partitions (and of every kind of shard), the rules and the input files by kind."""

    scratch: str
    out: str
    parts: int
    rules: RuleSet
    files: dict  # "orders" / "reviews" / "accounts" -> list of file paths (str), in input order
    orders_source: str
    with_accounts: bool  # the partitions need their accounts' opening times

    @property
    def sc(self) -> Scratch:
        return Scratch(self.scratch)

    def where(self, kind: str, key: int) -> tuple[str, int]:
        file, row = key_file(key)
        return self.files[kind][file], row


@dataclass(frozen=True)
class Failure:
    """Bad input found by a task; ``rank`` orders failures as one-machine reading meets them."""

    rank: tuple
    error: InputError


KINDS = ("orders", "reviews", "accounts")


def _empty(cls, specs):
    return cls(**{c.name: np.zeros(0, c.dtype) for c in specs})


# --- 1. reading ------------------------------------------------------------------------------

def read_piece(job: Job, kind: str, file_index: int, piece: DataFile, writer: int):
    """Read and validate one piece of an input file and split its rows into shards. Returns
    (file index, rows, the SCORE-DEFAULT-AS-OF of these rows) or a ``Failure``."""
    specs = {"orders": F.ORDER_COLUMNS, "reviews": F.ACTION_COLUMNS, "accounts": F.ACCOUNT_COLUMNS}[kind]
    try:
        log = piece.read(specs)
        if kind == "reviews":
            F.check_action_rows(log)
    except InputError as error:
        first = 0 if piece.row_groups is None else piece.row_groups[0]
        return Failure((0, KINDS.index(kind), file_index, first), error)
    cols, sc, P = log.columns, job.sc, job.parts
    key = row_keys(file_index, log.first_row, log.n)
    as_of = 0
    if kind == "orders":
        seller_part = part_of(cols["seller_id"], P)
        sc.split("orders", seller_part, P, writer, {**cols, KEY: key})
        sc.split("order_ids", part_of(cols["order_id"], P), P, writer,
                 {"order_id": cols["order_id"], KEY: key, "part": seller_part.astype(np.int32)})
        as_of = default_as_of(Orders(**cols), _empty(Actions, F.ACTION_COLUMNS))
    elif kind == "reviews":
        sc.split("actions", part_of(cols["order_id"], P), P, writer, {**cols, KEY: key})
        as_of = default_as_of(_empty(Orders, F.ORDER_COLUMNS), Actions(**cols))
    else:
        sc.split("accounts", part_of(cols["account_id"], P), P, writer, {**cols, KEY: key})
    return file_index, log.n, as_of


# --- 2. keys, joins and lookups --------------------------------------------------------------

def join_orders(job: Job, q: int):
    """Order-id shard ``q``: its order ids unique, every action's order known, and the actions
    sent to their order's seller partition. Returns a sample of its order ids, or a ``Failure``."""
    sc, P = job.sc, job.parts
    o = sc.read("order_ids", q)
    if not o:
        o = {"order_id": np.zeros(0, np.int64), KEY: np.zeros(0, np.int64), "part": np.zeros(0, np.int32)}
    repeat = first_repeat(o["order_id"])
    if repeat is not None:
        row, first = repeat
        return Failure((1, 0, int(o[KEY][row])), repeat_error(
            job.where("orders", o[KEY][row]), job.where("orders", o[KEY][first]), "order_id", UNIQUE_ORDER,
            o["order_id"][row]))
    a = sc.read("actions", q)
    if a:
        rows = rows_of(o["order_id"], a["order_id"])
        if (rows < 0).any():
            i = int(np.argmax(rows < 0))
            source, row = job.where("reviews", a[KEY][i])
            return Failure((1, 1, int(a[KEY][i])), InputError(
                source, f"row {row + 1}, column 'order_id'", f"an order id of {job.orders_source}",
                str(a["order_id"][i])))
        sc.split("partition_actions", o["part"][rows].astype(np.int64), P, q,
                 {name: a[name] for name in ACTION_COLUMNS + [KEY]})
    ids = np.sort(o["order_id"])
    return ids[np.linspace(0, len(ids) - 1, min(len(ids), SAMPLE)).astype(np.int64)] if len(ids) else ids


def check_accounts(job: Job, s: int):
    """Account shard ``s``: account ids unique. Returns None or a ``Failure``."""
    a = job.sc.read("accounts", s, ["account_id", KEY])
    repeat = first_repeat(a["account_id"]) if a else None
    if repeat is None:
        return None
    row, first = repeat
    return Failure((1, 2, int(a[KEY][row])), repeat_error(
        job.where("accounts", a[KEY][row]), job.where("accounts", a[KEY][first]), "account_id", UNIQUE_ACCOUNT,
        a["account_id"][row]))


def account_needs(job: Job, p: int) -> None:
    """Partition ``p`` asks each account shard for the accounts of its buyers and sellers."""
    o = job.sc.read("orders", p, ["buyer_id", "seller_id"], by_key=False)
    ids = np.unique(np.concatenate([o["buyer_id"], o["seller_id"]])) if o else np.zeros(0, np.int64)
    job.sc.split("account_needs", part_of(ids, job.parts), job.parts, p, {"account_id": ids})


def account_answers(job: Job, s: int) -> None:
    """Account shard ``s`` answers each partition with the opening times of its accounts."""
    a = job.sc.read("accounts", s, ["account_id", "created_at", KEY])
    need = job.sc.read("account_needs", s, by_key=False)
    if not a or not need:
        return
    rows = rows_of(a["account_id"], need["account_id"])
    found = rows >= 0
    job.sc.split("account_found", need["_writer"][found], job.parts, s,
                 {"account_id": need["account_id"][found], "created_at": a["created_at"][rows[found]]})


# --- the partitions --------------------------------------------------------------------------

def load_partition(job: Job, p: int):
    """Partition ``p``: its orders and actions in input order, their ``_key``s, and its accounts."""
    sc = job.sc
    o, a = sc.read("orders", p), sc.read("partition_actions", p)
    orders = Orders(**{c.name: o[c.name] if o else np.zeros(0, c.dtype) for c in F.ORDER_COLUMNS})
    actions = Actions(**{c.name: a[c.name] if a else np.zeros(0, c.dtype) for c in F.ACTION_COLUMNS})
    empty_keys = np.zeros(0, np.int64)
    accounts = None
    if job.with_accounts:
        found = sc.read("account_found", p, by_key=False)
        accounts = Accounts(account_id=found.get("account_id", empty_keys),
                            created_at=found.get("created_at", empty_keys))
    return orders, actions, o.get(KEY, empty_keys), a.get(KEY, empty_keys), accounts


def plain_points(job: Job, p: int, as_of: int) -> None:
    """Reviewer weighting, first pass: partition ``p``'s plain buyer points, per order, sent to
    the buyers' shards."""
    orders, actions, okey, _, accounts = load_partition(job, p)
    totals = sum_log(orders, actions, job.rules, as_of, accounts, workers=1, plain_only=True)
    job.sc.split("plain", part_of(orders.buyer_id, job.parts), job.parts, p,
                 {"buyer_id": orders.buyer_id, KEY: okey, "points": totals.buyer_points,
                  "credit": totals.credit_points})


def buyer_weights(job: Job, b: int) -> None:
    """Buyer shard ``b``: each buyer's plain credit summed in input order (as the one-machine core
    sums it, to the last bit), turned into the weight of its reviews, and sent to each partition
    that has orders of the buyer."""
    c = job.sc.read("plain", b)
    if not c:
        return
    rank, ids = dense_rank(c["buyer_id"])
    weight = credit.reviewer_weight(buyer_point_sums(rank, len(ids), c["points"], c["credit"]), job.rules)
    for p in np.unique(c["_writer"]):
        mine = np.unique(rank[c["_writer"] == p])
        job.sc.write("weights", int(p), b, {"buyer_id": ids[mine], "weight": weight[mine]})


def _weights_of(job: Job, p: int):
    """The reviewer weight of the buyers of partition ``p`` (from ``buyer_weights``)."""
    if job.rules.reviewer_weight != "buyer_credit":
        return None
    w = job.sc.read("weights", p, by_key=False)
    if not w:
        return lambda buyer_ids: np.zeros(len(buyer_ids))

    def weight(buyer_ids: np.ndarray) -> np.ndarray:
        return w["weight"][rows_of(w["buyer_id"], buyer_ids)]
    return weight


def score_partition(job: Job, p: int, as_of: int, action_starts: np.ndarray, splitters: np.ndarray) -> dict:
    """Score partition ``p`` and write its sellers and action rows; send its buyers' shares and
    its system rows on. Returns its row counts and the system rows per order-id range."""
    orders, actions, okey, akey, accounts = load_partition(job, p)
    totals = sum_log(orders, actions, job.rules, as_of, accounts, workers=1, buyer_weight=_weights_of(job, p))
    integral, out, sc, P = job.rules.integral, Path(job.out), job.sc, job.parts
    sellers = totals.sellers()
    write_parquet(sellers_table(sellers, integral), out / "sellers" / f"part-{p:05d}.parquet")
    table = reviews_table(totals.action_rows(), integral)
    write_parquet(table.append_column("row", pa.array(global_rows(akey, action_starts))),
                  out / "reviews" / f"part-{p:05d}.parquet")
    del table
    defaults = sum(len(part[0]) for part in totals.system.values())
    system = totals.system_rows()
    is_credit = np.arange(len(system)) >= defaults
    bucket = np.searchsorted(splitters, system.order_id, side="right")
    sc.split("system", bucket, P, p, {"order_id": system.order_id, "author": system.author, "credit": is_credit,
                                      "status": system.status, "effective_at": system.effective_at,
                                      "points": system.points})
    shares = {"buyer_id": orders.buyer_id, KEY: okey, "rating": totals.buyer_rating, "tmall": totals.credit_counted}
    if not integral:
        shares.update(points=totals.buyer_points, credit=totals.credit_points)
    sc.split("buyer_sums", part_of(orders.buyer_id, P), P, p, shares)
    counts = np.zeros((P, 2), np.int64)
    np.add.at(counts, (bucket, is_credit.astype(np.int64)), 1)
    return {"sellers": len(sellers), "actions": len(actions), "system": counts}


# --- 5. what crosses partitions --------------------------------------------------------------

def buyer_scores(job: Job, b: int) -> int:
    """Buyer shard ``b``: its buyers' scores, each order's share added in input order."""
    c = job.sc.read("buyer_sums", b)
    integral = job.rules.integral
    if not c:
        c = {"buyer_id": np.zeros(0, np.int64), "rating": np.zeros(0, np.int8), "tmall": np.zeros(0, bool),
             "points": np.zeros(0), "credit": np.zeros(0)}
    rank, ids = dense_rank(c["buyer_id"])
    points = None if integral else (c["points"], c["credit"])
    scores = sum_buyers(rank, ids, job.rules, c["rating"], c["tmall"], points)
    write_parquet(buyers_table(scores, integral), Path(job.out) / "buyers" / f"part-{b:05d}.parquet")
    return len(ids)


def system_rows(job: Job, k: int, first_default: int, first_credit: int) -> int:
    """Order-id range ``k``: its system rows in the one-machine order (default reviews by order id,
    the buyer's first; tmall buyer credits by order id), numbered from ``first_default`` and
    ``first_credit`` in the one-machine review rows."""
    c = job.sc.read("system", k, by_key=False)
    if not c:
        c = {"order_id": np.zeros(0, np.int64), "author": np.zeros(0, np.int8), "credit": np.zeros(0, bool),
             "status": np.zeros(0, np.int8), "effective_at": np.zeros(0, np.int64), "points": np.zeros(0)}
    d, cr = np.flatnonzero(~c["credit"]), np.flatnonzero(c["credit"])
    d = d[np.lexsort((c["author"][d], c["order_id"][d]))]
    cr = cr[np.argsort(c["order_id"][cr], kind="stable")]
    take = np.concatenate([d, cr])
    n = len(take)
    rows = ReviewRows(
        source=np.full(n, -1, np.int64), order_id=c["order_id"][take], author=c["author"][take],
        kind=np.full(n, L.CREDIT, np.int8), origin=np.full(n, L.DEFAULT, np.int8),
        rating=np.full(n, L.GOOD, np.int8), effective_at=c["effective_at"][take], status=c["status"][take],
        points=c["points"][take])
    row = np.concatenate([first_default + np.arange(len(d)), first_credit + np.arange(len(cr))]).astype(np.int64)
    table = reviews_table(rows, job.rules.integral).append_column("row", pa.array(row))
    write_parquet(table, Path(job.out) / "reviews" / f"system-{k:05d}.parquet")
    return n
