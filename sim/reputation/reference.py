"""The slow, obvious twin of the scoring core: ``score_reference``.

This module owns a plain-Python implementation of ``docs/scoring.md`` (which follows
``docs/rules.md``), written for the reader, not for speed: loops, dicts and one small
record class per review. The vectorised core (``sim.reputation.core.score``) must give exactly the
same ``ScoreResult``; the property tests in ``tests/test_core_properties.py`` check that.

Rule IDs of docs/rules.md are cited at the lines that implement them (``# SCORE-CLAMP``).

Questions the contract leaves open, and how this implementation answers them
-------------------------------------------------------------------------------
Q1. ``delayed_effect = false`` (the ``naive`` preset; docs/scoring.md section 3, added with the
    knob): every review takes effect when given, and a modification keeps that time. With
    ``delayed_effect = true`` and ``mutual_delay_hours = 0`` the formulas of section 3 are applied
    literally with ``D = 0``: a one-sided neutral/bad review still waits for the window to close
    (``success_at + W``), and a non-good review waits for the counterpart's later review.
Q2. Review window set to none with ``D > 0``: a one-sided ``neutral``/``bad`` review is held
    until the window closes, which never happens. *Resolution*: its effect time is ``NEVER``
    (it stays ``pending`` until the counterpart reviews), not the arithmetic artefact
    ``success_at + FOREVER + D``.
Q3. Same-instant DSRs of one order. scoring.md gives tie-breaks for credit actions only, and
    "by input row" would make the result depend on row order (against SCORE-FINAL-RATING).
    *Resolution*: the DSR actions of one order are taken in order of (``at``, ``described``,
    ``service``, ``shipping``, ``logistics``, input row): the lowest ratings first, as credit
    actions take ``bad`` first.
Q4. DSR dimensions equal to 0 ("empty"). *Resolution*: a dimension with value 0 is not rated: it
    is left out of that dimension's mean (DSR-MEAN), and a tmall DSR gives the buyer credit of
    DSR-TMALL-BUYER only if it rates ``described`` (docs/rules.md: "a counted DSR that rates
    described"; scoring.md says "each counted DSR", which is the same when all four are rated).
Q5. Statuses of rows that are not the final review. SCORE-STATUS-ORDER is applied to every row:
    a row gets the smallest of the statuses that apply to it. So on a cancelled order every
    credit action that is not ``invalid`` is ``cancelled`` (also an ``outside_window`` rate, a
    superseded original and an accepted ``delete``); the same for ``ineligible``. An
    ``outside_window`` DSR of a cancelled order is ``cancelled``.
Q6. Reviewer age (``min_reviewer_age_days``). It is checked at the moment "the review is given":
    for a ``rate`` row its own ``at``; for a ``modify``/``delete`` row (accepted or
    ``outside_window``) the ``at`` of the accepted rate it refers to (the review was given then);
    for a default review its ``T``; for a DSR its ``at``. The author's account is the order's
    ``buyer_id`` or ``seller_id``, looked up in ``accounts.account_id``. An account missing from
    the table, or ``accounts=None``, counts as old enough. "Younger than N days" means
    ``given_at - created_at < N days``. The buyer credits of DSR-TMALL-BUYER check only
    ``min_amount`` (as scoring.md section 5 says), not the seller's age.
Q7. ``reviewer_weight = "buyer_credit"``: "the reviewer's unweighted buyer credit at as_of" is
    read as the plain sum of the reviewer's counted buyer-credit points (seller->buyer reviews
    plus tmall buyer credits), with neither reviewer weighting nor decay: an integer.
Q8. ``effective_at`` of rows: a row carries an effect time only if it is a review (or DSR) that
    reaches the effect stage, i.e. its status is ``removed``, ``pending``, ``deduplicated``,
    ``capped`` or ``counted``; every other row (``invalid``, ``cancelled``, ``ineligible``,
    ``outside_window``, ``superseded``, including the superseded original of a modified review
    and an accepted ``delete``) has ``NEVER``. A ``pending`` review gets its effect time as
    scheduled from what is known at ``as_of``; an action after ``as_of`` has ``NEVER``. A DSR's
    effect time is its ``at``; an ineligible tmall buyer credit has ``NEVER``.
Q9. The counterpart's review in REV-EFFECT / REV-DEFAULT-GOOD is its accepted rate whatever that
    review's own status (an ``ineligible`` or ``removed`` counterpart review still counts as
    given). Default reviews are never needed as counterparts: whether they count or not gives
    the same effect times (a default exists only when the other review is ``good`` at ``T``).
Q10. Row contents not fixed by log.py: ``rating`` of an action row is the action's input rating,
    except ``NO_RATING`` for ``delete`` and ``dsr`` rows (they carry no rating); ``kind`` is ``DSR_KIND`` for ``dsr`` actions, else ``CREDIT``.
    An action whose order is not in ``orders``, whose author or action code is unknown, or a
    ``rate`` whose rating is not good/neutral/bad, is ``invalid`` (input validation should
    catch these earlier).
Q11. Removed orders still get their default reviews as rows (status ``removed``), as
    SCORE-REMOVED drops "reviews, defaults and DSRs" of such orders; defaults of orders whose
    amount is not above ``min_amount``, or whose silent party is too young at ``T``, are rows
    with status ``ineligible``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from sim.reputation.log import (
    BAD, BUYER, CANCELLED, CAPPED, COUNTED, CREDIT, DEDUPLICATED, DEFAULT, DELETE, DSR,
    DSR_KIND, GIVEN, GOOD, INELIGIBLE, INVALID, MODIFY, NEUTRAL, NO_RATING, NOT_RECEIVED,
    OUTSIDE_WINDOW, PENDING, RATE, REMOVED, RETURN, SELLER, SUPERSEDED, TAOBAO, TMALL,
    Accounts, Actions, BuyerScores, Orders, ReviewRows, ScoreResult, SellerScores, default_as_of,
)
from sim.rules.ruleset import RuleSet
from sim.timeutil import NEVER, days, hours, local_datetime

NEVER_INT = int(NEVER)

#: Statuses with which a row has reached the effect stage and carries an effect time (Q8).
_HAS_EFFECT = (REMOVED, PENDING, DEDUPLICATED, CAPPED, COUNTED)


@dataclass
class _Order:
    order_id: int
    buyer: int
    seller: int
    item: int
    platform: int
    amount: float
    created: int
    success: int
    refund: int
    removed: int
    month: int

    @property
    def cancelled(self) -> bool:
        return self.refund in (NOT_RECEIVED, RETURN)  # REV-ELIGIBLE

    def account(self, author: int) -> int:
        return self.buyer if author == BUYER else self.seller


@dataclass
class _Review:
    """One credit review: an accepted rate (with its accepted change, if any) or a default."""

    order: _Order
    author: int
    origin: int
    given_at: int
    original: int
    rate_row: int = -1
    change_row: int = -1
    change_at: int | None = None  # time of the accepted modify or delete
    deleted: bool = False
    effective_at: int = NEVER_INT
    status: int | None = None  # None while still live (before dedup and clamp)
    points: float = 0.0

    @property
    def final(self) -> int:
        return GOOD if self.change_at is not None and not self.deleted else self.original

    def rating_at(self, t: int) -> int:
        if self.change_at is not None and self.change_at <= t:
            return self.final
        return self.original

    def present_at(self, t: int) -> bool:
        """Given by ``t`` and not deleted by ``t``."""
        if self.given_at > t:
            return False
        return not (self.deleted and self.change_at <= t)


@dataclass
class _Dsr:
    order: _Order
    row: int
    at: int
    dims: tuple[int, int, int, int]
    status: int | None = None


def _window(n_days: float | None) -> int | None:
    """A window in seconds, or None for a window that never closes."""
    return None if n_days is None else int(days(n_days))


def score_reference(orders: Orders, actions: Actions, rules: RuleSet, as_of: int | None = None,
                    accounts: Accounts | None = None) -> ScoreResult:
    """Score a review log as of ``as_of`` (SCORE-DEFAULT-AS-OF when None), the slow obvious way."""
    if as_of is None:
        as_of = default_as_of(orders, actions)
    as_of = int(as_of)

    W = _window(rules.review_window_days)  # REV-WINDOW
    Wm = _window(rules.modify_window_days)  # REV-MODIFY
    Wd = _window(rules.dsr_window_days)  # DSR-ELIGIBLE
    D = int(hours(rules.mutual_delay_hours))  # REV-EFFECT
    dedup_window = int(days(rules.dedup_days))  # SCORE-DEDUP
    min_age = _window(rules.min_reviewer_age_days)

    def within(t: int, start: int, window: int | None) -> bool:
        """REV-WINDOW: inclusive at the far edge; a window of None never closes."""
        return start <= t and (window is None or t <= start + window)

    # ---- the input, as plain Python values ------------------------------------------------
    order_by_id: dict[int, _Order] = {}
    def month(t: int) -> int:  # TIME-MONTH: the calendar month in UTC+8, as months since 1970-01
        local = local_datetime(t)
        return (local.year - 1970) * 12 + local.month - 1

    for k in range(len(orders)):
        oid = int(orders.order_id[k])
        order_by_id[oid] = _Order(
            order_id=oid, buyer=int(orders.buyer_id[k]), seller=int(orders.seller_id[k]),
            item=int(orders.item_id[k]), platform=int(orders.platform[k]),
            amount=float(orders.amount[k]), created=int(orders.created_at[k]),
            success=int(orders.success_at[k]), refund=int(orders.refund[k]),
            removed=int(orders.removed_at[k]), month=month(int(orders.created_at[k])),
        )
    account_created: dict[int, int] = {}
    if accounts is not None:
        for k in range(len(accounts)):
            account_created[int(accounts.account_id[k])] = int(accounts.created_at[k])

    def too_young(account: int, t: int) -> bool:
        """Section 8 knob: the author's account is younger than N days at ``t`` (Q6)."""
        if min_age is None or account not in account_created:
            return False
        return t - account_created[account] < min_age

    def amount_too_small(order: _Order) -> bool:
        """Section 8 knob: credit only for orders with an amount above ``min_amount``."""
        return rules.min_amount is not None and not order.amount > rules.min_amount

    def is_removed(order: _Order) -> bool:
        return order.removed <= as_of  # SCORE-REMOVED

    a_order = [int(x) for x in actions.order_id]
    a_author = [int(x) for x in actions.author]
    a_action = [int(x) for x in actions.action]
    a_at = [int(x) for x in actions.at]
    a_rating = [int(x) for x in actions.rating]
    a_dims = [(int(d), int(s), int(h), int(g)) for d, s, h, g in
              zip(actions.described, actions.service, actions.shipping, actions.logistics)]
    n = len(a_order)

    # Per action row: status and effect time (effect times filled in at the end).
    row_status: list[int | None] = [None] * n
    row_review: list[_Review | None] = [None] * n  # the review whose status the row carries
    row_dsr: list[_Dsr | None] = [None] * n

    # ---- section 0: truncation, and sorting actions into their streams -----------------------
    credit_stream: dict[tuple[int, int], list[int]] = defaultdict(list)
    dsr_stream: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        if a_at[i] > as_of:
            row_status[i] = PENDING  # REV-ACTIONS: actions after the as-of time are pending
        elif a_order[i] not in order_by_id or a_author[i] not in (BUYER, SELLER):
            row_status[i] = INVALID  # Q10
        elif a_action[i] in (RATE, MODIFY, DELETE):
            credit_stream[(a_order[i], a_author[i])].append(i)
        elif a_action[i] == DSR:
            if a_author[i] == SELLER:
                row_status[i] = INVALID  # DSR-ELIGIBLE: only buyers rate
            else:
                dsr_stream[a_order[i]].append(i)
        else:
            row_status[i] = INVALID  # Q10

    # ---- section 1: the actions of one party on one order (REV-ACTIONS, REV-MODIFY) ----------
    reviews: dict[tuple[int, int], _Review] = {}  # (order_id, author) -> accepted review
    # Base flags of rows that are not invalid: the statuses that apply besides superseded etc.
    row_flags: dict[int, list[int]] = {}

    for (oid, author), rows in credit_stream.items():
        order = order_by_id[oid]
        # Same instant: rate, modify, delete; then bad, neutral, good; then input row.
        rows.sort(key=lambda i: (a_at[i], a_action[i], a_rating[i], i))
        if order.platform == TMALL:
            for i in rows:
                row_status[i] = INVALID  # REV-TMALL: no credit reviews on tmall orders
            continue
        accepted: int | None = None
        for i in rows:
            if a_action[i] != RATE:
                continue
            if order.success == NEVER_INT or a_at[i] < order.success:
                row_status[i] = INVALID  # REV-ELIGIBLE: only after success
            elif a_rating[i] not in (GOOD, NEUTRAL, BAD):
                row_status[i] = INVALID  # Q10
            elif accepted is not None:
                row_status[i] = INVALID  # REV-ACTIONS: a second rate
            elif within(a_at[i], order.success, W):
                accepted = i  # REV-WINDOW
            else:
                row_flags[i] = [OUTSIDE_WINDOW]  # REV-WINDOW
        if accepted is not None:
            review = _Review(order=order, author=author, origin=GIVEN, given_at=a_at[accepted],
                             original=a_rating[accepted], rate_row=accepted)
            reviews[(oid, author)] = review
            row_flags[accepted] = []
            row_review[accepted] = review
        change: int | None = None
        for i in rows:
            if a_action[i] == RATE:
                continue
            if rules.modifications_allowed == 0:
                row_status[i] = INVALID  # REV-MODIFY: changes forbidden
            elif accepted is None or a_at[accepted] > a_at[i]:
                row_status[i] = INVALID  # no review to change
            elif a_rating[accepted] == GOOD:
                row_status[i] = INVALID  # REV-MODIFY: good never changes
            elif a_action[i] == MODIFY and a_rating[i] != GOOD:
                row_status[i] = INVALID  # REV-MODIFY: only to good (bad never becomes neutral)
            elif change is not None:
                row_status[i] = INVALID  # REV-MODIFY: once
            elif within(a_at[i], a_at[accepted], Wm):
                change = i  # REV-MODIFY: within 30 days, inclusive
            else:
                row_flags[i] = [OUTSIDE_WINDOW]  # REV-ACTIONS
        if change is not None:
            review = reviews[(oid, author)]
            review.change_row = change
            review.change_at = a_at[change]
            review.deleted = a_action[change] == DELETE
            row_flags[change] = []
            if not review.deleted:
                row_review[change] = review

    # Cancelled and ineligible apply to every credit row that is not invalid (Q5, Q6).
    for (oid, author), rows in credit_stream.items():
        order = order_by_id[oid]
        review = reviews.get((oid, author))
        for i in rows:
            if i not in row_flags:
                continue
            if order.cancelled:
                row_flags[i].append(CANCELLED)  # REV-ELIGIBLE
            given = a_at[i] if a_action[i] == RATE else a_at[review.rate_row]
            if amount_too_small(order) or too_young(order.account(author), given):
                row_flags[i].append(INELIGIBLE)  # section 8 knobs

    # ---- section 2: default reviews (REV-DEFAULT-GOOD, REV-GIVEN) ----------------------------
    defaults: list[_Review] = []
    if rules.default_good and W is not None:
        for oid in sorted(order_by_id):
            order = order_by_id[oid]
            if order.platform != TAOBAO or order.success == NEVER_INT or order.cancelled:
                continue
            T = order.success + W
            if T > as_of:
                continue
            for x, y in ((BUYER, SELLER), (SELLER, BUYER)):
                rx = reviews.get((oid, x))
                if rx is None or (oid, y) in reviews:  # a deleted review counts as given
                    continue
                if rx.present_at(T) and rx.rating_at(T) == GOOD:
                    defaults.append(_Review(order=order, author=y, origin=DEFAULT, given_at=T,
                                            original=GOOD, effective_at=T))

    # ---- section 3: effect times (REV-EFFECT, REV-HOLD, SCORE-FINAL-RATING) -------------------
    def nongood(review: _Review | None, t: int) -> bool:
        return review is not None and review.present_at(t) and review.rating_at(t) in (NEUTRAL, BAD)

    for (oid, author), review in reviews.items():
        other = reviews.get((oid, BUYER if author == SELLER else SELLER))
        g = review.given_at
        if not rules.delayed_effect:
            effect = g  # Q1: no delay at all
        elif review.rating_at(g) == GOOD:
            # REV-EFFECT / REV-HOLD: a good review is held if the counterpart is already non-good.
            effect = g + D if nongood(other, g) else g
        elif other is not None:
            effect = max(g, other.given_at) + D  # REV-EFFECT: mutual, 48 h after the later one
        elif W is None:
            effect = NEVER_INT  # Q2: the window never closes
        else:
            effect = review.order.success + W + D  # REV-EFFECT: one-sided, 48 h after the window
        if review.change_at is not None:
            effect = min(effect, review.change_at)  # SCORE-FINAL-RATING
        review.effective_at = min(effect, NEVER_INT)

    # ---- section 4: statuses of credit reviews (SCORE-STATUS-ORDER) --------------------------
    all_reviews = list(reviews.values()) + defaults
    for review in all_reviews:
        order = review.order
        if review.origin == GIVEN:
            flags = row_flags[review.rate_row]  # cancelled / ineligible, as computed above
        else:
            flags = []
            if amount_too_small(order) or too_young(order.account(review.author), review.given_at):
                flags.append(INELIGIBLE)  # Q11
        if review.deleted:
            flags = flags + [SUPERSEDED]  # REV-MODIFY: a deleted review is not scored
        if is_removed(order):
            flags = flags + [REMOVED]  # SCORE-REMOVED
        if review.effective_at > as_of:
            flags = flags + [PENDING]  # REV-EFFECT, SCORE-EFFECTIVE-ONLY
        review.status = min(flags) if flags else None

    live = [r for r in all_reviews if r.status is None]

    # SCORE-DEDUP (SCORE-ORDER: before the clamp), per direction, pair, item (or seller) and sign.
    if dedup_window > 0:
        dedup_groups: dict[tuple, list[_Review]] = defaultdict(list)
        for r in live:
            if r.final == NEUTRAL:
                continue  # neutral reviews are never deduplicated
            scope = r.order.item if rules.dedup_scope == "item" else None
            dedup_groups[(r.author, r.order.buyer, r.order.seller, scope, r.final)].append(r)
        for group in dedup_groups.values():
            group.sort(key=lambda r: (r.order.created, r.order.order_id))
            anchor: int | None = None
            for r in group:
                if anchor is not None and r.order.created - anchor < dedup_window:
                    r.status = DEDUPLICATED
                else:
                    anchor = r.order.created  # the first at or after the window's end re-anchors

    # SCORE-CLAMP: a running sum per (direction, pair, natural month of created_at).
    survivors = [r for r in live if r.status is None]
    clamp_groups: dict[tuple, list[_Review]] = defaultdict(list)
    for r in survivors:
        if rules.cap_period == "month":
            key = (r.author, r.order.buyer, r.order.seller, r.order.month)
        elif rules.cap_period == "lifetime":
            key = (r.author, r.order.buyer, r.order.seller)
        else:
            key = None
        clamp_groups[key].append(r)
    for key, group in clamp_groups.items():
        if key is None:
            for r in group:
                r.status = COUNTED  # cap_period "none"
            continue
        group.sort(key=lambda r: (r.effective_at, r.order.order_id))
        running = 0
        for r in group:
            after = running + r.final  # REV-VALUES: the rating code is the points
            if (rules.cap_max is not None and after > rules.cap_max) or \
                    (rules.cap_min is not None and after < rules.cap_min):
                r.status = CAPPED
            else:
                r.status = COUNTED
                running = after

    # Rows of given reviews: the rate row, and the accepted change row (Q5, REV-ACTIONS).
    for review in reviews.values():
        base = row_flags[review.rate_row]
        if review.change_at is not None:
            superseded = min(base + [SUPERSEDED])
            row_status[review.rate_row] = superseded  # the modified or deleted original
            if review.deleted:
                row_status[review.change_row] = superseded  # an accepted delete
            else:
                row_status[review.change_row] = review.status  # the final review
        else:
            row_status[review.rate_row] = review.status
    for i, flags in row_flags.items():
        if row_status[i] is None:  # outside_window attempts
            row_status[i] = min(flags)

    # ---- section 5: DSRs (DSR-*) ------------------------------------------------------------
    accepted_dsrs: list[_Dsr] = []
    for oid, rows in dsr_stream.items():
        order = order_by_id[oid]
        rows.sort(key=lambda i: (a_at[i],) + a_dims[i] + (i,))  # Q3
        accepted_one = False
        for i in rows:
            if order.success == NEVER_INT or a_at[i] < order.success:
                row_status[i] = INVALID  # DSR-ELIGIBLE: only on success orders
                continue
            if accepted_one:
                row_status[i] = INVALID  # REV-ACTIONS: a second dsr
                continue
            flags = []
            if order.cancelled:
                flags.append(CANCELLED)  # DSR-ELIGIBLE
            if too_young(order.buyer, a_at[i]):
                flags.append(INELIGIBLE)  # section 8: reviewer age only
            if within(a_at[i], order.success, Wd):
                accepted_one = True
                if is_removed(order):
                    flags.append(REMOVED)  # SCORE-REMOVED
                dsr = _Dsr(order=order, row=i, at=a_at[i], dims=a_dims[i],
                           status=min(flags) if flags else None)
                accepted_dsrs.append(dsr)
                row_dsr[i] = dsr
            else:
                flags.append(OUTSIDE_WINDOW)  # DSR-ELIGIBLE
                row_status[i] = min(flags)

    # DSR-CAP: the first dsr_cap per (buyer, seller, natural month of created_at).
    dsr_groups: dict[tuple, list[_Dsr]] = defaultdict(list)
    for d in accepted_dsrs:
        if d.status is None:
            dsr_groups[(d.order.buyer, d.order.seller, d.order.month)].append(d)
    for group in dsr_groups.values():
        group.sort(key=lambda d: (d.at, d.order.order_id))
        for rank, d in enumerate(group):
            d.status = CAPPED if rules.dsr_cap is not None and rank >= rules.dsr_cap else COUNTED
    for d in accepted_dsrs:
        row_status[d.row] = d.status

    # DSR-TMALL-BUYER, DSR-TMALL-DEFAULTS: buyer credit from counted tmall DSRs, own cap only.
    tmall_credits: list[_Review] = []
    for d in sorted(accepted_dsrs, key=lambda d: d.order.order_id):
        if d.status == COUNTED and d.order.platform == TMALL and d.dims[0] != 0:  # Q4
            tmall_credits.append(_Review(order=d.order, author=SELLER, origin=DEFAULT,
                                         given_at=d.at, original=GOOD, effective_at=d.at))
    tmall_groups: dict[tuple, list[_Review]] = defaultdict(list)
    for r in tmall_credits:
        if amount_too_small(r.order):
            r.status = INELIGIBLE
        else:
            tmall_groups[(r.order.buyer, r.order.seller, r.order.month)].append(r)
    for group in tmall_groups.values():
        group.sort(key=lambda r: (r.given_at, r.order.order_id))
        cap = rules.tmall_buyer_credit_cap
        for rank, r in enumerate(group):
            r.status = CAPPED if cap is not None and rank >= cap else COUNTED

    # ---- section 6: points and account scores ------------------------------------------------
    counted_credit = [r for r in all_reviews + tmall_credits if r.status == COUNTED]

    # Q7: the reviewer's buyer credit for reviewer weighting: plain counted points.
    plain_buyer_credit: dict[int, int] = defaultdict(int)
    for r in counted_credit:
        if r.author == SELLER:
            plain_buyer_credit[r.order.buyer] += r.final

    half_life = _window(rules.credit_half_life_days)
    for r in counted_credit:
        points = float(r.final)  # REV-VALUES
        if half_life is not None:
            points *= 0.5 ** ((as_of - r.effective_at) / half_life)  # credit decay
        if rules.reviewer_weight == "buyer_credit" and r.author == BUYER:
            weight = plain_buyer_credit[r.order.buyer] / rules.reviewer_weight_full_credit
            points *= min(max(weight, rules.reviewer_weight_floor), 1.0)
        r.points = points

    def level(credit: float) -> int:
        floor = math.floor(credit)  # LEVEL-20: the level of the credit's floor
        return sum(1 for threshold in rules.level_thresholds if threshold <= floor)

    seller_ids = sorted({o.seller for o in order_by_id.values()})
    buyer_ids = sorted({o.buyer for o in order_by_id.values()})
    s_credit = {s: 0.0 for s in seller_ids}
    s_count = {s: {GOOD: 0, NEUTRAL: 0, BAD: 0} for s in seller_ids}
    b_credit = {b: 0.0 for b in buyer_ids}
    b_count = {b: {GOOD: 0, NEUTRAL: 0, BAD: 0} for b in buyer_ids}
    s_recent = {s: [0, 0] for s in seller_ids}  # counted good, counted total

    rate_days = _window(rules.positive_rate_days)
    for r in counted_credit:
        if r.author == BUYER:  # buyer -> seller: seller credit (SCORE-CREDIT)
            s_credit[r.order.seller] += r.points
            s_count[r.order.seller][r.final] += 1
            # SCORE-POSITIVE-RATE, SCORE-WINDOW-BOUNDS: effect time in (as_of - days, as_of]
            if rate_days is None or r.effective_at > as_of - rate_days:
                s_recent[r.order.seller][1] += 1
                if r.final == GOOD:
                    s_recent[r.order.seller][0] += 1
        else:  # seller -> buyer, and tmall buyer credits: buyer credit
            b_credit[r.order.buyer] += r.points
            b_count[r.order.buyer][r.final] += 1

    # DSR-MEAN: counted DSRs with at in (as_of - dsr_mean_days, as_of]; rated dimensions only (Q4).
    mean_days = _window(rules.dsr_mean_days)
    dsr_values = {s: ([], [], [], []) for s in seller_ids}
    for d in accepted_dsrs:
        if d.status == COUNTED and (mean_days is None or d.at > as_of - mean_days):
            for dim, value in enumerate(d.dims):
                if value != 0:
                    dsr_values[d.order.seller][dim].append(value)

    def mean(values: list[int]) -> float:
        return sum(values) / len(values) if values else math.nan

    def account_columns(ids: list[int], credit: dict, count: dict) -> dict[str, np.ndarray]:
        """The columns sellers and buyers share: credit, level and the counted ratings."""
        return dict(
            credit=np.array([credit[a] for a in ids], np.float64),
            level=np.array([level(credit[a]) for a in ids], np.int64),
            good=np.array([count[a][GOOD] for a in ids], np.int64),
            neutral=np.array([count[a][NEUTRAL] for a in ids], np.int64),
            bad=np.array([count[a][BAD] for a in ids], np.int64),
        )

    sellers = SellerScores(
        seller_id=np.array(seller_ids, np.int64),
        **account_columns(seller_ids, s_credit, s_count),
        positive_rate=np.array([s_recent[s][0] / s_recent[s][1] if s_recent[s][1] else math.nan
                                for s in seller_ids], np.float64),
        dsr_described=np.array([mean(dsr_values[s][0]) for s in seller_ids], np.float64),
        dsr_service=np.array([mean(dsr_values[s][1]) for s in seller_ids], np.float64),
        dsr_shipping=np.array([mean(dsr_values[s][2]) for s in seller_ids], np.float64),
        dsr_logistics=np.array([mean(dsr_values[s][3]) for s in seller_ids], np.float64),
    )
    buyers = BuyerScores(buyer_id=np.array(buyer_ids, np.int64), **account_columns(buyer_ids, b_credit, b_count))

    # ---- the review rows: actions in input order, then defaults, then tmall buyer credits ----
    out = {k: [] for k in ("source", "order_id", "author", "kind", "origin", "rating",
                           "effective_at", "status", "points")}

    def emit(source, order_id, author, kind, origin, rating, effective_at, status, points):
        out["source"].append(source)
        out["order_id"].append(order_id)
        out["author"].append(author)
        out["kind"].append(kind)
        out["origin"].append(origin)
        out["rating"].append(rating)
        out["effective_at"].append(effective_at if status in _HAS_EFFECT else NEVER_INT)  # Q8
        out["status"].append(status)
        out["points"].append(points if status == COUNTED else 0.0)

    for i in range(n):
        status = row_status[i]
        assert status is not None, f"action row {i} got no status"
        is_dsr = a_action[i] == DSR
        effective_at, points = NEVER_INT, 0.0
        if a_at[i] <= as_of:
            if row_dsr[i] is not None:
                effective_at = row_dsr[i].at
            elif row_review[i] is not None:
                effective_at, points = row_review[i].effective_at, row_review[i].points
        rating = NO_RATING if a_action[i] in (DELETE, DSR) else a_rating[i]  # Q10
        emit(i, a_order[i], a_author[i], DSR_KIND if is_dsr else CREDIT, GIVEN, rating,
             effective_at, status, 0.0 if is_dsr else points)
    for r in sorted(defaults, key=lambda r: r.order.order_id):
        emit(-1, r.order.order_id, r.author, CREDIT, DEFAULT, GOOD, r.effective_at, r.status,
             r.points)
    for r in tmall_credits:  # already in order_id order
        emit(-1, r.order.order_id, r.author, CREDIT, DEFAULT, GOOD, r.effective_at, r.status,
             r.points)

    review_rows = ReviewRows(
        source=np.array(out["source"], np.int64),
        order_id=np.array(out["order_id"], np.int64),
        author=np.array(out["author"], np.int8),
        kind=np.array(out["kind"], np.int8),
        origin=np.array(out["origin"], np.int8),
        rating=np.array(out["rating"], np.int8),
        effective_at=np.array(out["effective_at"], np.int64),
        status=np.array(out["status"], np.int8),
        points=np.array(out["points"], np.float64),
    )
    return ScoreResult(as_of=as_of, reviews=review_rows, sellers=sellers, buyers=buyers)


__all__ = ["score_reference"]
