"""The chunked evaluation's building blocks: chunk plans and the hashed pair grouping of the core.

That chunking never changes a score is a property test in ``test_core_properties.py``; these tests
pin the pieces on logs big enough for hash collisions and many chunks.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.reputation import chunking
from sim.reputation.ids import dense_rank
from sim.reputation.view import ChunkContext, LogView
from sim.reputation.log import Actions, Orders
from sim.rules.presets import TAOBAO


def random_orders(n: int, buyers: int, sellers: int, seed: int) -> Orders:
    rng = np.random.default_rng(seed)
    return Orders.build(order_id=np.arange(n) * 3 + 7, buyer_id=rng.integers(0, buyers, n) * 11,
                        seller_id=rng.zipf(1.5, n) % sellers, item_id=rng.integers(0, 50, n),
                        created_at=rng.integers(0, 10**7, n))


@pytest.mark.parametrize("n, buyers, sellers", [(5000, 3000, 40), (20000, 100000, 7), (3000, 50, 3)])
def test_pair_groups_match_exact_grouping(n, buyers, sellers):
    orders = random_orders(n, buyers, sellers, seed=n)
    view = LogView(orders, Actions.empty(), TAOBAO, np.int64(0))
    ctx = ChunkContext(view, None, chunking.whole(np.zeros(0, np.int64), len(view.seller_ids)))
    rank, multi = ctx.pair_groups
    pairs = list(zip(orders.buyer_id.tolist(), orders.seller_id.tolist()))
    count = {p: pairs.count(p) for p in set(pairs)} if n <= 5000 else None
    _, inverse, counts = np.unique(orders.buyer_id * 1000 + orders.seller_id, return_inverse=True,
                                   return_counts=True)
    assert multi.tolist() == (counts[inverse] > 1).tolist()
    if count is not None:
        assert multi.tolist() == [count[p] > 1 for p in pairs]
    # Same pair <=> same number, and the numbers are dense.
    assert len(set(zip(rank.tolist(), inverse.tolist()))) == len(set(inverse.tolist())) == len(set(rank.tolist()))
    assert sorted(set(rank.tolist())) == list(range(len(set(rank.tolist()))))


@pytest.mark.parametrize("chunk_orders", [1, 97, 1000, 4999])
def test_plan_cuts_whole_sellers_and_keeps_row_order(chunk_orders):
    orders = random_orders(5000, 3000, 200, seed=chunk_orders)
    rng = np.random.default_rng(1)
    order_row = rng.integers(0, len(orders), 9000)
    seller_rank, seller_ids = dense_rank(orders.seller_id)
    plan = chunking.plan(seller_rank, len(seller_ids), order_row, chunk_orders)
    assert sorted(plan.order_perm.tolist()) == list(range(len(orders)))
    assert sorted(plan.action_perm.tolist()) == list(range(len(order_row)))
    seen_sellers = set()
    for k in range(len(plan)):
        chunk = plan.chunk(k)
        sellers = set(seller_rank[chunk.rows].tolist())
        assert sellers == set(range(chunk.sellers.start, chunk.sellers.stop))  # consecutive ranks
        assert not sellers & seen_sellers  # a seller is in one chunk only
        seen_sellers |= sellers
        assert (np.diff(chunk.rows) > 0).all() and (np.diff(chunk.acts) > 0).all()  # input order
        # A chunk starts its last seller before it is full.
        last = chunk.sellers.stop - 1
        assert len(chunk.rows) - int((seller_rank[chunk.rows] == last).sum()) < chunk_orders
        # Each action's chunk row points at its own order.
        assert (chunk.rows[chunk.order_row] == order_row[chunk.acts]).all()
    assert len(seen_sellers) == len(seller_ids)


def test_plan_is_none_when_the_log_fits_one_chunk():
    orders = random_orders(100, 50, 5, seed=3)
    seller_rank, seller_ids = dense_rank(orders.seller_id)
    assert chunking.plan(seller_rank, len(seller_ids), np.zeros(0, np.int64), 100) is None
