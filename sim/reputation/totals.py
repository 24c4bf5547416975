"""Account totals: what the chunks of a log contribute, summed into seller and buyer scores, and the
result's review rows gathered.

``Totals`` takes each chunk's ledger as it is scored (``add``) and, once every chunk is in, makes
the seller scores (``sellers``), buyer scores (``buyers``), the review rows of the input's actions
(``action_rows``) and the system rows (``system_rows``); ``result`` makes all four. What an order
adds to its accounts is ``sim.reputation.ledger.shares``; ``seller_scores`` finishes seller sums
into scores (SCORE-POSITIVE-RATE, DSR-MEAN) and ``level_of`` gives levels (LEVEL-20), for
one-shot and incremental scoring alike.
"""

from __future__ import annotations

import numpy as np

from sim.reputation import credit
from sim.reputation import log as L
from sim.reputation import rows as R
from sim.reputation.ledger import Ledger, Shares, shares
from sim.reputation.log import ReviewParts, ReviewRows, ScoreResult
from sim.reputation.view import ChunkContext, LogView


class Totals:
    """What the chunks contribute, gathered in input order, and summed up into the result.

    Per order, the buyer side (points and counted ratings) is kept in input order so that buyer
    sums run over the whole log in one pass and do not depend on the chunking, to the last bit.
    With whole-number points (``rules.integral``) the counted ratings alone give the buyer credit,
    exactly, and the points are not kept. Sellers are whole in one chunk; each chunk's seller
    scores are final.
    """

    def __init__(self, view: LogView, with_rows: bool) -> None:
        n, m = view.n, len(view.actions)
        self.view = view
        self.whole_points = view.rules.integral
        if not self.whole_points:
            self.buyer_points = np.zeros(n)  # the seller's review of the buyer
            self.credit_points = np.zeros(n)  # the tmall buyer credit (DSR-TMALL-BUYER)
        self.buyer_rating = np.empty(n, np.int8)  # of the counted seller review, else NO_RATING
        self.credit_counted = np.empty(n, bool)
        self.with_rows = with_rows
        if with_rows:
            self.status = np.empty(m, np.int8)
            self.effective_at = np.empty(m, np.int64)
            self.points = np.empty(m, np.float64)
            self.system: dict[int, tuple] = {}
        self.seller_parts: dict[int, L.SellerScores] = {}

    def add_plain_buyer_points(self, k: int, ctx: ChunkContext, ledger: Ledger) -> None:
        """Chunk ``k``'s buyer points before weighting, for ``reviewer_weight``."""
        points, credit_points = credit.plain_points(ledger)
        self.buyer_points[ctx.chunk.rows] = points[1]
        self.credit_points[ctx.chunk.rows] = credit_points

    def reviewer_weight(self) -> np.ndarray:
        """Per buyer rank: the weight of its reviews (``credit.reviewer_weight``), from the plain
        points of every chunk."""
        return credit.reviewer_weight(self._buyer_points_sum(), self.view.rules)

    def _buyer_points_sum(self) -> np.ndarray:
        """Per buyer rank, the kept points of the seller reviews and tmall credits."""
        v = self.view
        return buyer_point_sums(v.buyer_rank, len(v.buyer_ids), self.buyer_points, self.credit_points)

    def add(self, k: int, ctx: ChunkContext, ledger: Ledger, weight: np.ndarray | None) -> None:
        """Chunk ``k``'s contribution, with reviewer weights ``weight`` (per buyer rank) if any."""
        points, credit_points = credit.points(ledger, ctx.rules, ctx.as_of, ctx.buyer_rank, weight)
        share, rows = shares(ledger, ctx.rules, ctx.as_of), ctx.chunk.rows
        if not self.whole_points:
            self.buyer_points[rows] = points[1]
            self.credit_points[rows] = credit_points
        self.buyer_rating[rows] = share.buyer_rating
        self.credit_counted[rows] = share.tmall
        self.seller_parts[k] = _chunk_sellers(ctx, share, points[0])
        if self.with_rows:
            acts = ctx.chunk.acts
            self.status[acts], self.effective_at[acts], self.points[acts] = R.action_results(ctx, ledger, points)
            self.system[k] = R.system_rows(ctx, ledger, points, credit_points)

    def sellers(self) -> L.SellerScores:
        return L.SellerScores.concat([self.seller_parts[k] for k in sorted(self.seller_parts)])

    def buyers(self) -> L.BuyerScores:
        v = self.view
        points = None if self.whole_points else (self.buyer_points, self.credit_points)
        return buyer_scores(v.buyer_rank, v.buyer_ids, v.rules, self.buyer_rating, self.credit_counted, points)

    def action_rows(self) -> ReviewRows:
        """The review rows of the input's actions, in input order."""
        return R.action_part(self.view.actions, self.status, self.effective_at, self.points)

    def system_rows(self) -> ReviewRows:
        """The system rows: the default reviews (REV-DEFAULT-GOOD) by order_id (the buyer's before
        the seller's on one order), then the tmall buyer credits (DSR-TMALL-BUYER) by order_id. The
        chunks' parts are let go as they are joined (call it once)."""
        chunk_parts = [self.system.pop(k) for k in sorted(self.system)]
        return R.system_part(self.view.orders.order_id, chunk_parts)

    def result(self) -> ScoreResult:
        """The whole result: every field made."""
        reviews = ReviewParts([self.action_rows(), self.system_rows()])
        return ScoreResult(as_of=int(self.view.as_of), reviews=reviews, sellers=self.sellers(),
                           buyers=self.buyers())


def buyer_point_sums(rank: np.ndarray, size: int, buyer_points: np.ndarray, credit_points: np.ndarray) -> np.ndarray:
    """Per buyer rank, the points of the seller reviews plus those of the tmall credits, each summed
    in row order (bincount adds a bin's values one after the other, so the floating-point sum
    depends only on the rows' order, never on how the log was cut)."""
    return np.bincount(rank, buyer_points, minlength=size) + np.bincount(rank, credit_points, minlength=size)


def buyer_scores(rank: np.ndarray, buyer_ids: np.ndarray, rules, buyer_rating: np.ndarray,
                 credit_counted: np.ndarray, points: tuple[np.ndarray, np.ndarray] | None) -> L.BuyerScores:
    """Buyer scores from what each order adds to its buyer (rows in input order, ``rank`` the
    buyer's rank in ``buyer_ids``): the counted rating of the seller's review, whether a tmall
    credit counts, and unless the points are whole numbers (``points`` None), the points of both."""
    size = len(buyer_ids)

    def count(mask):
        return np.bincount(rank[mask], minlength=size).astype(np.int64)

    if points is None:  # the points are the counted ratings, and one per tmall credit
        counted = buyer_rating != L.NO_RATING
        credit_sum = (np.bincount(rank[counted], buyer_rating[counted], minlength=size)
                      + np.bincount(rank[credit_counted], minlength=size)).astype(np.float64)
    else:
        credit_sum = buyer_point_sums(rank, size, *points)
    return L.BuyerScores(
        buyer_id=buyer_ids, credit=credit_sum, level=level_of(credit_sum, rules.level_thresholds),
        good=count(buyer_rating == L.GOOD) + count(credit_counted),
        neutral=count(buyer_rating == L.NEUTRAL), bad=count(buyer_rating == L.BAD))


def _chunk_sellers(ctx: ChunkContext, share: Shares, credit_points: np.ndarray) -> L.SellerScores:
    """The chunk's sellers: buyer -> seller reviews (SCORE-CREDIT, SCORE-POSITIVE-RATE) and DSRs
    (DSR-MEAN), from the shares of its orders and the points of the buyers' reviews."""
    n_sellers, s_rank = len(ctx.seller_ids), ctx.seller_rank
    rating = share.seller_rating

    def count(mask):
        return np.bincount(s_rank[mask], minlength=n_sellers).astype(np.int64)

    in_window = share.dsr_row >= 0
    d_rows, d_sellers = share.dsr_row[in_window], s_rank[in_window]
    rated, total = {}, {}
    for dim in L.DSR_DIMENSIONS:
        values = getattr(ctx.actions, dim)[d_rows]
        rated[dim] = np.bincount(d_sellers, values > 0, minlength=n_sellers)
        total[dim] = np.bincount(d_sellers, values.astype(np.float64), minlength=n_sellers)
    return seller_scores(
        ctx.seller_ids, np.bincount(s_rank, credit_points, minlength=n_sellers),
        count(rating == L.GOOD), count(rating == L.NEUTRAL), count(rating == L.BAD),
        count(share.recent & (rating == L.GOOD)), count(share.recent), rated, total, ctx.rules.level_thresholds)


def seller_scores(seller_id, credit, good, neutral, bad, recent_good, recent_all, dsr_rated: dict,
                  dsr_total: dict, thresholds: tuple[int, ...]) -> L.SellerScores:
    """Seller scores from per-seller sums: the positive rate over the recent counted reviews
    (SCORE-POSITIVE-RATE) and each dimension's mean over its rated DSRs (DSR-MEAN), NaN where there
    are none. One-shot and incremental scoring both finish here."""
    with np.errstate(invalid="ignore", divide="ignore"):
        positive_rate = np.where(recent_all > 0, recent_good / np.maximum(recent_all, 1), np.nan)
        means = {d: np.where(dsr_rated[d] > 0, dsr_total[d] / np.maximum(dsr_rated[d], 1), np.nan)
                 for d in L.DSR_DIMENSIONS}
    whole = lambda x: np.asarray(x).astype(np.int64, copy=False)  # noqa: E731
    return L.SellerScores(
        seller_id=seller_id, credit=credit, level=level_of(credit, thresholds),
        good=whole(good), neutral=whole(neutral), bad=whole(bad), positive_rate=positive_rate,
        dsr_described=means["described"], dsr_service=means["service"],
        dsr_shipping=means["shipping"], dsr_logistics=means["logistics"])


def level_of(credit: np.ndarray, thresholds: tuple[int, ...]) -> np.ndarray:
    """LEVEL-20: the number of level thresholds at or below floor(credit)."""
    return np.searchsorted(np.asarray(thresholds, np.float64), np.floor(credit), side="right").astype(np.int64)
