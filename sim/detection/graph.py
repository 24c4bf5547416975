"""The ``graph`` detector: dense blocks in the buyer-seller graph, in the manner of Fraudar.

Fraudar (Hooi, Song, Beutel, Shah, Shin and Faloutsos, "FRAUDAR: Bounding Graph Fraud in the Face of
Camouflage", KDD 2016) finds the subgraph S of a bipartite graph that maximises the density
``g(S) = f(S) / |S|``, where ``f(S)`` sums the weights of S's edges, by greedy peeling: remove the
node whose removal costs ``f`` least, again and again, and keep the densest set seen. Its
*column weighting* gives an edge into a seller with ``d`` distinct buyers the weight
``1 / log(x + d)``, so that a popular seller's many genuine buyers do not make a dense block, and a
fraud block stays dense however much camouflage (edges to popular sellers) its accounts add.

Here the buyers and sellers of the orders created in the lookback window (not removed) are the two
sides; an edge joins a buyer and a seller with at least one order. The peeling is *batched*
(Bahmani, Kumar and Vassilvitskii, "Densest Subgraph in Streaming and MapReduce", VLDB 2012): each
round removes every node whose weighted degree is at most ``(1 + epsilon)`` times the mean degree,
so a round is two sparse matrix-vector products and there are O(log(n) / epsilon) rounds. This
keeps a 2(1 + epsilon) approximation of the densest block (the one-at-a-time greedy keeps 2) and
runs in seconds on a million orders. After a block is found its edges are taken out and the next
block is sought, ``blocks`` times.

A block is flagged when its density reaches ``min_density`` and it has at least ``min_accounts``
buyers and ``min_sellers`` sellers; then its buyers are flagged accounts and the window's orders
between its buyers and sellers are flagged orders, each scored with the block's density.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sim.detection.view import ACCOUNT, ORDER, Detections, PlatformView
from sim.scenario.schema import knob
from sim.timeutil import DAY


@dataclass(frozen=True)
class GraphConfig:
    lookback_days: float = knob(90.0, "the graph holds the orders created this many days before the sweep",
                                lo=0.0, lo_open=True)
    column_weight: bool = knob(True, "Fraudar's column weighting 1 / log(x + seller's distinct buyers)")
    log_offset: float = knob(5.0, "x in the column weight", lo=1.0, lo_open=True)
    peel_share: float = knob(0.05, "each peeling round removes the nodes with the lowest weighted degrees, "
                             "this share of the nodes left (ties included)", lo=0.0, hi=1.0, lo_open=True)
    blocks: int = knob(3, "dense blocks sought per sweep", lo=1)
    min_density: float = knob(1.0, "a block this dense or denser is flagged", lo=0.0)
    min_accounts: int = knob(5, "... if it has at least this many buyers", lo=1)
    min_sellers: int = knob(2, "... and at least this many sellers", lo=1)


@dataclass
class Block:
    buyers: np.ndarray  # indices of the graph's buyer side
    sellers: np.ndarray  # indices of the seller side
    density: float


def densest_block(a: sp.csr_matrix, share: float) -> Block:
    """The densest block found by batched peeling of the weighted bipartite graph ``a`` (buyers x
    sellers): each round removes the alive nodes whose weighted degree is at most the ``share``
    quantile of the alive nodes' degrees; the answer is the set alive at the start of the round with
    the highest ``f / |S|``.

    Degrees and ``f`` are updated from the removed nodes' own edges only (rows of ``a`` and of its
    transpose), so all rounds together read each edge about twice; recomputing the degrees by two
    matrix-vector products a round cost ten times more at a million orders."""
    a = sp.csr_matrix(a)
    at = a.T.tocsr()
    deg_b = np.asarray(a.sum(axis=1)).ravel()
    deg_s = np.asarray(at.sum(axis=1)).ravel()
    f = float(deg_b.sum())
    live_b = np.arange(a.shape[0])  # alive nodes, by index
    live_s = np.arange(a.shape[1])
    alive_s = np.ones(a.shape[1], bool)
    gone_b = np.full(a.shape[0], np.iinfo(np.int64).max)  # the round in which each node is removed
    gone_s = np.full(a.shape[1], np.iinfo(np.int64).max)
    best, best_round = -1.0, 0
    rnd = 0
    while len(live_b) + len(live_s):
        size = len(live_b) + len(live_s)
        if f / size > best:
            best, best_round = f / size, rnd
        db, ds = deg_b[live_b], deg_s[live_s]
        k = int(share * (size - 1))
        cut = np.partition(np.concatenate([db, ds]), k)[k]
        drop_b, drop_s = live_b[db <= cut], live_s[ds <= cut]
        rows_b, rows_s = a[drop_b], at[drop_s]  # the removed nodes' edges
        alive_s[drop_s] = False
        # f loses every edge of a removed node once: buyers' edges to sellers still alive, then sellers'
        # edges to buyers alive before this round (dead nodes' degrees are never read again).
        to_live = alive_s[rows_b.indices]
        f -= float(rows_b.data[to_live].sum())
        np.subtract.at(deg_s, rows_b.indices, rows_b.data)
        alive_b_before = gone_b[rows_s.indices] > rnd  # not removed in an earlier round
        f -= float(rows_s.data[alive_b_before].sum())
        np.subtract.at(deg_b, rows_s.indices, rows_s.data)
        gone_b[drop_b] = rnd
        gone_s[drop_s] = rnd
        live_b, live_s = live_b[db > cut], live_s[ds > cut]
        rnd += 1
    return Block(np.flatnonzero(gone_b >= best_round), np.flatnonzero(gone_s >= best_round), max(best, 0.0))


@dataclass
class GraphDetector:
    config: GraphConfig
    name: str = "graph"

    def sweep(self, view: PlatformView, since: int, rng: np.random.Generator) -> Detections:
        c = self.config
        o = view.orders
        rows = np.flatnonzero(view.live() & (o.created_at > view.as_of - int(c.lookback_days * DAY)))
        if len(rows) == 0:
            return Detections.empty()
        buyer_ids, b = np.unique(o.buyer_id[rows], return_inverse=True)
        seller_ids, s = np.unique(o.seller_id[rows], return_inverse=True)
        edge_key = b.astype(np.int64) * len(seller_ids) + s
        edges, edge_of_row = np.unique(edge_key, return_inverse=True)
        eb, es = edges // len(seller_ids), edges % len(seller_ids)
        if c.column_weight:
            distinct = np.bincount(es, minlength=len(seller_ids))
            weight = 1.0 / np.log(c.log_offset + distinct[es])
        else:
            weight = np.ones(len(edges))
        live = np.ones(len(edges), bool)
        out = []
        for _ in range(c.blocks):
            keep = np.flatnonzero(live)
            if len(keep) == 0:
                break
            a = sp.csr_matrix((weight[keep], (eb[keep], es[keep])), shape=(len(buyer_ids), len(seller_ids)))
            block = densest_block(a, c.peel_share)
            inside = live & np.isin(eb, block.buyers) & np.isin(es, block.sellers)
            if not inside.any():
                break
            live &= ~inside
            passed = (block.density >= c.min_density and len(block.buyers) >= c.min_accounts
                      and len(block.sellers) >= c.min_sellers)
            if passed:
                out.append(Detections.make(view.as_of, self.name, ACCOUNT, buyer_ids[block.buyers],
                                           np.full(len(block.buyers), block.density), True))
                hit = inside[edge_of_row]
                out.append(Detections.make(view.as_of, self.name, ORDER, o.order_id[rows[hit]],
                                           np.full(int(hit.sum()), block.density), True))
        return Detections.concat(out)
