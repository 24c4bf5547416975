"""Stage 2, review units: one credit review per (order, direction), the given one or the system
default (REV-DEFAULT-GOOD), with its final rating (SCORE-FINAL-RATING), its effect time (REV-EFFECT,
REV-HOLD; docs/scoring.md section 3) and its status up to ``pending`` (SCORE-STATUS-ORDER).

``units(ctx, accepted)`` returns the ``Units`` part of the ledger; dedup and the clamp
(``sim.reputation.dedup``) finish its statuses.
"""

from __future__ import annotations

import numpy as np

from sim.reputation import log as L
from sim.reputation.ids import pick
from sim.reputation.ledger import Accepted, Units
from sim.reputation.view import ChunkContext, account_opened
from sim.timeutil import NEVER, days


def units(ctx: ChunkContext, acc: Accepted) -> Units:
    """Stage 2 for one chunk: the unit of each (order, direction), its statuses up to ``pending``."""
    o, a, rules, n = ctx.orders, ctx.actions, ctx.rules, ctx.n
    has = acc.rate_row >= 0
    g = pick(a.at, acc.rate_row, NEVER)
    orig = pick(a.rating, acc.rate_row, L.NO_RATING)
    changed = acc.change_row >= 0
    m = pick(a.at, acc.change_row, NEVER)  # time of the accepted change
    deleted = pick(a.action, acc.change_row, -1) == L.DELETE
    final = np.where(changed & ~deleted, np.int8(L.GOOD), orig).astype(np.int8)
    success = o.success_at

    # REV-DEFAULT-GOOD: at T = success + W, a silent party gives a default good to a party whose
    # review is good at T (after any change made by then). A deleted review counts as given.
    close = success + ctx.window
    default = np.zeros((2, n), dtype=bool)
    if rules.default_good and rules.review_window_days is not None:
        can = (o.platform == L.TAOBAO) & ~ctx.cancelled & (close <= ctx.as_of)
        good_at_close = has & ~(deleted & (m <= close)) & ((orig == L.GOOD) | (m <= close))
        default[0] = can & good_at_close[1] & ~has[0]  # the buyer's default review of the seller
        default[1] = can & good_at_close[0] & ~has[1]

    # REV-EFFECT / REV-HOLD / SCORE-FINAL-RATING: docs/scoring.md section 3.
    if rules.delayed_effect:
        other_g, other_m, other_orig, other_has = g[::-1], m[::-1], orig[::-1], has[::-1]
        # The other party's review is neutral or bad at the instant this one is given.
        other_nongood_at_g = other_has & (other_g <= g) & ~(other_m <= g) & (other_orig != L.GOOD)
        good_at_g = (orig == L.GOOD) | (m <= g)
        held = np.where(other_nongood_at_g, g + ctx.delay, g)
        # With no review window, a one-sided neutral or bad review waits for ever.
        alone = close + ctx.delay if rules.review_window_days is not None else np.full(n, NEVER)
        mutual = np.where(other_has, np.maximum(g, other_g) + ctx.delay, alone)
        eff = np.where(good_at_g, held, mutual)
        eff = np.where(changed & ~deleted, np.minimum(eff, m), eff)
    else:
        eff = g.copy()
    eff = np.where(default, close, np.where(has, eff, NEVER))

    exists = has | default
    given_at = np.where(default, close, g)
    rating = np.where(default, np.int8(L.GOOD), final).astype(np.int8)

    # SCORE-STATUS-ORDER, up to `pending`; dedup and the clamp follow in dedup.credit_statuses.
    status = np.full((2, n), L.COUNTED, np.int8)
    status[:, ctx.cancelled] = L.CANCELLED
    ineligible = np.zeros((2, n), dtype=bool)
    if rules.min_amount is not None:  # KNOB-MIN-AMOUNT
        ineligible |= (o.amount <= rules.min_amount)[None, :]
    if rules.min_reviewer_age_days is not None:  # KNOB-REVIEWER-AGE
        for author, ids in ((L.BUYER, o.buyer_id), (L.SELLER, o.seller_id)):
            opened = account_opened(ctx.accounts, ids)
            ineligible[author] |= given_at[author] - opened < days(rules.min_reviewer_age_days)
    status = np.where(ineligible, np.minimum(status, L.INELIGIBLE), status)
    status = np.where(deleted, np.minimum(status, L.SUPERSEDED), status)
    status = np.where(ctx.removed[None, :], np.minimum(status, L.REMOVED), status)  # SCORE-REMOVED
    status = np.where(eff > ctx.as_of, np.minimum(status, L.PENDING), status)  # SCORE-EFFECTIVE-ONLY
    return Units(exists, default, given_at, rating, eff, status.astype(np.int8))
