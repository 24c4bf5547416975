"""Chunks of whole sellers: how the scoring core splits a big log into pieces scored on their own.

Every scoring rule looks no further than a pair of accounts (SCORE-SCOPE), so a chunk that holds
whole sellers, and therefore whole pairs, is scored exactly as it would be inside the whole log.
Scoring chunk by chunk keeps sorts short and temporaries small (they are reused from one chunk to
the next instead of being faulted in afresh), and lets threads score chunks side by side.

Inside a chunk, orders and actions keep their input order, so every tie that the rules break by
row order is broken as in the whole log.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Chunk:
    """One chunk: its orders and actions as input rows (a slice for the whole log), the chunk row
    of each action's order, and its sellers as the dense seller ranks ``sellers``."""

    rows: np.ndarray | slice
    acts: np.ndarray | slice
    order_row: np.ndarray
    sellers: slice


@dataclass(frozen=True)
class Plan:
    """How a log is cut into chunks: the chunk number of each order and of each action, kept in
    16 bits while they fit (a chunk's rows are found by one comparison pass when it is scored, which
    costs less than sorting the whole log by chunk and keeping the permutation)."""

    order_chunk: np.ndarray
    action_chunk: np.ndarray
    seller_bounds: np.ndarray  # chunk k holds the sellers of ranks seller_bounds[k]:seller_bounds[k + 1]
    order_row: np.ndarray  # per input action, the input row of its order

    def __len__(self) -> int:
        return len(self.seller_bounds) - 1

    def chunks(self) -> list[Callable[[], Chunk]]:
        """One maker per chunk (a chunk's arrays take memory; make each when it is scored)."""
        return [functools.partial(self.chunk, k) for k in range(len(self))]

    def chunk(self, k: int) -> Chunk:
        rows = np.flatnonzero(self.order_chunk == k)
        acts = np.flatnonzero(self.action_chunk == k)
        # rows is sorted, so each action's order is found by binary search.
        return Chunk(rows, acts, np.searchsorted(rows, self.order_row[acts]),
                     slice(int(self.seller_bounds[k]), int(self.seller_bounds[k + 1])))


def whole(order_row: np.ndarray, n_sellers: int) -> Chunk:
    """The whole log as one chunk."""
    return Chunk(slice(None), slice(None), order_row, slice(0, n_sellers))


def plan(seller_rank: np.ndarray, n_sellers: int, order_row: np.ndarray, chunk_orders: int) -> Plan | None:
    """Cut a log into chunks of about ``chunk_orders`` orders of whole sellers, or None if it fits
    in one. ``seller_rank`` is the dense seller rank of each order, ``order_row`` the input row of
    each action's order."""
    n = len(seller_rank)
    if n <= chunk_orders:
        return None
    per_seller = np.bincount(seller_rank, minlength=n_sellers)
    starts_in = (np.cumsum(per_seller) - per_seller) // chunk_orders
    # A seller bigger than a chunk makes the numbers skip; renumber them densely.
    chunk_of_seller = np.cumsum(np.concatenate([[0], np.diff(starts_in) > 0]))
    n_chunks = int(chunk_of_seller[-1]) + 1
    order_chunk = chunk_of_seller.astype(np.uint16 if n_chunks <= 1 << 16 else np.int64)[seller_rank]
    seller_bounds = np.searchsorted(chunk_of_seller, np.arange(n_chunks + 1))
    return Plan(order_chunk, order_chunk[order_row], seller_bounds, order_row)
