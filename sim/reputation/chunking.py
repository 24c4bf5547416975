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
    """How a log is cut into chunks. ``order_perm`` lists the input rows of the orders chunk by
    chunk, each chunk's run delimited by ``order_bounds``; ``action_perm`` likewise."""

    order_perm: np.ndarray
    order_bounds: np.ndarray
    action_perm: np.ndarray
    action_bounds: np.ndarray
    seller_bounds: np.ndarray  # chunk k holds the sellers of ranks seller_bounds[k]:seller_bounds[k + 1]
    chunk_row: np.ndarray  # per input order, its row inside its chunk (filled as chunks are made)
    order_row: np.ndarray  # per input action, the input row of its order

    def __len__(self) -> int:
        return len(self.order_bounds) - 1

    def chunks(self) -> list[Callable[[], Chunk]]:
        """One maker per chunk (a chunk's arrays take memory; make each when it is scored)."""
        return [functools.partial(self.chunk, k) for k in range(len(self))]

    def chunk(self, k: int) -> Chunk:
        # As native index integers: numpy would convert 32-bit rows again at every gather.
        rows = self.order_perm[self.order_bounds[k]:self.order_bounds[k + 1]].astype(np.intp)
        acts = self.action_perm[self.action_bounds[k]:self.action_bounds[k + 1]].astype(np.intp)
        # Chunks own disjoint rows of chunk_row, so chunks made in different threads never meet.
        self.chunk_row[rows] = np.arange(len(rows), dtype=self.chunk_row.dtype)
        return Chunk(rows, acts, self.chunk_row[self.order_row[acts]].astype(np.int64),
                     slice(int(self.seller_bounds[k]), int(self.seller_bounds[k + 1])))


def row_type(n: int) -> type:
    """The integer type for row numbers and ranks below ``n``: 32 bits while they fit."""
    return np.int32 if n < 1 << 31 else np.int64


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
    # 8- or 16-bit chunk numbers when they fit: less memory, and numpy radix-sorts them.
    small = np.uint8 if n_chunks <= 1 << 8 else np.uint16 if n_chunks <= 1 << 16 else np.int64
    chunk = chunk_of_seller.astype(small)[seller_rank]
    # Row numbers in 32 bits while they fit: the plan lives through the whole scoring, and fresh
    # memory is slow to fault in.
    rows = row_type(max(n, len(order_row)))
    order_perm, order_bounds = _partition(chunk, n_chunks, rows)
    action_perm, action_bounds = _partition(chunk[order_row], n_chunks, rows)
    del chunk
    seller_bounds = np.searchsorted(chunk_of_seller, np.arange(n_chunks + 1))
    return Plan(order_perm, order_bounds, action_perm, action_bounds, seller_bounds,
                np.empty(n, rows), order_row.astype(rows, copy=False))


def _partition(chunk: np.ndarray, n_chunks: int, rows: type) -> tuple[np.ndarray, np.ndarray]:
    """Rows (of dtype ``rows``) grouped by chunk number, each group in row order, and the groups'
    bounds."""
    perm = np.argsort(chunk, kind="stable").astype(rows)
    bounds = np.concatenate([[0], np.cumsum(np.bincount(chunk, minlength=n_chunks))])
    return perm, bounds
