"""A straightforward pandas implementation of the scoring contract: the benchmark's baseline.

``score_pandas(orders, actions, rules, as_of)`` follows ``docs/scoring.md`` step by step, the way
an analyst would write it with DataFrames: merges, sorts, ``groupby().cumcount()``, and
``groupby().transform`` with a Python function where a rule is sequential (the anchored 14-day
dedup, SCORE-DEDUP, and the running clamp, SCORE-CLAMP; only groups of more than one review go
through Python, which is the obvious shortcut). It reads every parameter from the ``RuleSet``.

It is *not* part of ``sim``: it exists to measure what the vectorised core buys over a plain
pandas program, and, as a third independent implementation, to cross-check the core's account
scores (``tests/test_pandas_baseline.py``).

Supported knobs: every window and delay, ``default_good``, ``modifications_allowed``, dedup days and
scope, cap period and bounds, DSR caps and windows, ``tmall_buyer_credit_cap``, ``level_thresholds``,
``min_amount``, ``delayed_effect``, ``credit_half_life_days`` and ``reviewer_weight``. Not supported:
``min_reviewer_age_days`` (needs the accounts table; raises ``NotImplementedError``).

Returns a dict: the DataFrames ``sellers`` and ``buyers`` (the columns of ``SellerScores`` and
``BuyerScores``, sorted by id) and ``reviews`` (the columns of ``ReviewRows``: action rows in input
order, then review defaults, then tmall buyer credits, each by ``order_id``), plus ``as_of``, the
as-of time used (an int).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.reputation.log import (
    BAD, BUYER, CANCELLED, CAPPED, COUNTED, CREDIT, DEDUPLICATED, DEFAULT, DELETE, DSR,
    DSR_DIMENSIONS, DSR_KIND, GIVEN, GOOD, INELIGIBLE, INVALID, MODIFY, NEUTRAL,
    NOT_RECEIVED, OUTSIDE_WINDOW, PENDING, RATE, REMOVED, RETURN, SELLER, SUPERSEDED, TAOBAO,
    TMALL, Actions, Orders, default_as_of,
)
from sim.timeutil import FOREVER, NEVER, days, hours, month_index

REVIEW_COLUMNS = ["source", "order_id", "author", "kind", "origin", "rating", "effective_at", "status", "points"]


def score_pandas(orders: Orders, actions: Actions, rules, as_of: int | None = None) -> dict[str, pd.DataFrame]:
    """Score a log with pandas (see the module docstring)."""
    if rules.min_reviewer_age_days is not None:
        raise NotImplementedError("the pandas baseline does not model reviewer account ages")
    as_of = int(default_as_of(orders, actions) if as_of is None else as_of)
    W = int(days(rules.review_window_days))
    Wm = int(days(rules.modify_window_days))
    Wd = int(days(rules.dsr_window_days))
    D = int(hours(rules.mutual_delay_hours))

    O = pd.DataFrame(orders.columns())
    O["month"] = month_index(orders.created_at)
    O["cancelled"] = O["refund"].isin([NOT_RECEIVED, RETURN])  # REV-ELIGIBLE
    O["ineligible"] = (O["amount"] <= rules.min_amount) if rules.min_amount is not None else False
    O["is_removed"] = O["removed_at"] <= as_of  # SCORE-REMOVED
    order_cols = ["order_id", "buyer_id", "seller_id", "item_id", "platform", "created_at", "success_at",
                  "month", "cancelled", "ineligible", "is_removed"]

    A = pd.DataFrame(actions.columns())
    A["row"] = np.arange(len(A), dtype=np.int64)
    A = A.merge(O[order_cols], on="order_id", how="left", validate="many_to_one")
    A = A.sort_values("row", ignore_index=True)
    A["status"] = np.int64(-1)
    A.loc[A["at"] > as_of, "status"] = PENDING  # section 0: actions after as-of are ignored

    live = A["status"] < 0
    credit = live & A["action"].isin([RATE, MODIFY, DELETE])
    A.loc[credit & (A["platform"] == TMALL), "status"] = INVALID  # REV-TMALL

    # --- 1. accepted rates (REV-ACTIONS, REV-WINDOW) ---
    R = A[(A["status"] < 0) & (A["action"] == RATE)].sort_values(
        ["order_id", "author", "at", "rating", "row"])
    after_success = (R["success_at"] < NEVER) & (R["at"] >= R["success_at"])
    inside = after_success & (R["at"] <= R["success_at"] + W)
    first_inside = inside & (R[inside].groupby(["order_id", "author"]).cumcount() == 0).reindex(R.index, fill_value=False)
    has_accepted = first_inside.groupby([R["order_id"], R["author"]]).transform("any")
    rate_status = np.select(
        [first_inside, ~after_success, inside, has_accepted],
        [-1, INVALID, INVALID, INVALID], OUTSIDE_WINDOW)
    A.loc[R.index, "status"] = rate_status
    acc = R[first_inside][["order_id", "author", "rating", "at", "row"]].rename(
        columns={"rating": "o", "at": "g", "row": "rate_row"})

    # --- 1b. modifications and deletions (REV-MODIFY) ---
    C = A[(A["status"] < 0) & A["action"].isin([MODIFY, DELETE])].merge(
        acc, on=["order_id", "author"], how="left")
    C = C.sort_values(["order_id", "author", "at", "action", "rating", "row"])
    candidate = (C["g"].notna() & (C["g"] <= C["at"]) & C["o"].isin([NEUTRAL, BAD])
                 & ((C["action"] == DELETE) | (C["rating"] == GOOD)) & (rules.modifications_allowed > 0))
    rank = C[candidate].groupby(["order_id", "author"]).cumcount().reindex(C.index, fill_value=-1)
    in_window = C["at"] <= C["g"].fillna(0) + Wm
    first_ok = ((rank == 0) & in_window).groupby([C["order_id"], C["author"]]).transform("any")
    change_status = np.select(
        [~candidate, (rank == 0) & in_window, first_ok],
        [INVALID, -1, INVALID], OUTSIDE_WINDOW)
    changed = C[(rank == 0) & in_window]
    A.loc[C["row"].to_numpy(), "status"] = change_status  # C rows keep their input row numbers
    chg = changed[["order_id", "author", "action", "at", "row"]].rename(
        columns={"action": "change", "at": "m", "row": "change_row"})

    # --- reviews: accepted rate plus accepted change ---
    Rv = acc.merge(chg, on=["order_id", "author"], how="left")
    Rv["m"] = Rv["m"].fillna(NEVER).astype(np.int64)
    Rv["deleted"] = Rv["change"] == DELETE
    Rv["final"] = np.where(Rv["change"] == MODIFY, GOOD, Rv["o"]).astype(np.int8)
    Rv = Rv.merge(O[order_cols], on="order_id", how="left")
    other = Rv[["order_id", "author", "o", "g", "m", "deleted", "final"]].copy()
    other["author"] = 1 - other["author"]
    Rv = Rv.merge(other.rename(columns={"o": "yo", "g": "yg", "m": "ym", "deleted": "ydel", "final": "yfinal"}),
                  on=["order_id", "author"], how="left")
    y_has = Rv["yg"].notna()

    # --- 3. effect times (REV-EFFECT, REV-HOLD, SCORE-FINAL-RATING) ---
    g = Rv["g"].to_numpy(np.int64)
    x_at_g = np.where(Rv["m"] <= g, Rv["final"], Rv["o"])
    yg = Rv["yg"].fillna(NEVER).to_numpy(np.int64)
    ym = Rv["ym"].fillna(NEVER).to_numpy(np.int64)
    y_rating_at_g = np.where(ym <= g, Rv["yfinal"].fillna(GOOD), Rv["yo"].fillna(GOOD))
    y_present_at_g = y_has & (yg <= g) & ~(Rv["ydel"].fillna(False).astype(bool) & (ym <= g))
    nongood_y = y_present_at_g & (y_rating_at_g != GOOD)
    eff = np.where(x_at_g == GOOD,
                   np.where(nongood_y, g + D, g),
                   np.where(y_has, np.maximum(g, np.where(y_has, yg, 0)) + D,
                            Rv["success_at"].to_numpy(np.int64) + W + D))
    if W >= FOREVER:  # the window never closes: a one-sided neutral/bad review waits forever
        eff = np.where((x_at_g != GOOD) & ~y_has, NEVER, eff)
    eff = np.minimum(eff, Rv["m"].to_numpy(np.int64))
    if not rules.delayed_effect:  # every review takes effect when given; a modification keeps it
        eff = g
    Rv["eff"] = np.minimum(eff, NEVER)
    Rv["origin"] = GIVEN

    # --- 2. default reviews (REV-DEFAULT-GOOD, REV-GIVEN) ---
    if rules.default_good and W < FOREVER:
        T = Rv["success_at"] + W
        good_at_T = ~(Rv["deleted"] & (Rv["m"] <= T)) & (np.where(Rv["m"] <= T, Rv["final"], Rv["o"]) == GOOD)
        gets = (Rv["platform"] == TAOBAO) & ~Rv["cancelled"] & (T <= as_of) & good_at_T & ~y_has
        Df = Rv[gets][["order_id", "author"] + order_cols[1:]].copy()
        Df["author"] = 1 - Df["author"]
        Df["g"] = Df["eff"] = Df["success_at"] + W
        Df["o"] = Df["final"] = GOOD
        Df["deleted"] = False
        Df["m"] = NEVER
        Df["origin"] = DEFAULT
        Df["rate_row"] = Df["change_row"] = np.nan
        Df["change"] = np.nan
        U = pd.concat([Rv, Df], ignore_index=True)
    else:
        U = Rv.copy()

    # --- 4. statuses of credit reviews (SCORE-STATUS-ORDER) ---
    U["status"] = np.select(
        [U["cancelled"], U["ineligible"], U["deleted"], U["is_removed"], U["eff"] > as_of],
        [CANCELLED, INELIGIBLE, SUPERSEDED, REMOVED, PENDING], -1).astype(np.int64)
    U["points"] = U["final"].astype(float)
    U["sign"] = U["final"].astype(np.int64)
    _dedup(U, rules)
    _clamp(U, rules)
    U.loc[U["status"] < 0, "status"] = COUNTED

    # --- 5. DSRs (DSR-*) ---
    # same-instant DSRs of one order: lowest ratings first, then input row (as credit actions)
    S = A[(A["status"] < 0) & (A["action"] == DSR)].sort_values(
        ["order_id", "at", *DSR_DIMENSIONS, "row"])
    after_success = (S["author"] == BUYER) & (S["success_at"] < NEVER) & (S["at"] >= S["success_at"])
    inside = after_success & (S["at"] <= S["success_at"] + Wd)
    first_inside = inside & (S[inside].groupby("order_id").cumcount() == 0).reindex(S.index, fill_value=False)
    has_accepted = first_inside.groupby(S["order_id"]).transform("any")
    A.loc[S.index, "status"] = np.select(
        [first_inside, ~after_success, inside, has_accepted], [-1, INVALID, INVALID, INVALID], OUTSIDE_WINDOW)
    Ds = S[first_inside].merge(O[["order_id", "amount"]], on="order_id").sort_values(["at", "order_id"])
    Ds["dstatus"] = np.select([Ds["cancelled"], Ds["is_removed"]], [CANCELLED, REMOVED], -1)
    ok = Ds["dstatus"] < 0
    if rules.dsr_cap is not None:
        nth = Ds[ok].groupby(["buyer_id", "seller_id", "month"]).cumcount()
        Ds.loc[nth.index, "dstatus"] = np.where(nth < rules.dsr_cap, COUNTED, CAPPED)
    else:
        Ds.loc[ok, "dstatus"] = COUNTED

    # DSR-TMALL-BUYER: counted tmall DSRs give the buyer a default good (own cap, no dedup or clamp)
    Tc = Ds[(Ds["dstatus"] == COUNTED) & (Ds["platform"] == TMALL) & (Ds["described"] > 0)].copy()
    Tc["tstatus"] = -1
    if rules.min_amount is not None:
        Tc["tstatus"] = np.where(Tc["amount"] <= rules.min_amount, INELIGIBLE, -1)
    ok = Tc["tstatus"] < 0
    if rules.tmall_buyer_credit_cap is not None:
        nth = Tc[ok].groupby(["buyer_id", "seller_id", "month"]).cumcount()
        Tc.loc[nth.index, "tstatus"] = np.where(nth < rules.tmall_buyer_credit_cap, COUNTED, CAPPED)
    else:
        Tc.loc[ok, "tstatus"] = COUNTED

    # --- 6. weights: decay and reviewer credit ---
    counted = U["status"] == COUNTED
    U.loc[~counted, "points"] = 0.0
    t_points = (Tc["tstatus"] == COUNTED).astype(float)
    raw_buyer_credit = (U[counted & (U["author"] == SELLER)].groupby("buyer_id")["points"].sum()
                        .add(t_points.groupby(Tc["buyer_id"]).sum(), fill_value=0.0))
    if rules.credit_half_life_days is not None:
        h = float(days(rules.credit_half_life_days))
        U["points"] *= 0.5 ** ((as_of - U["eff"]) / h)
        t_points = t_points * 0.5 ** ((as_of - Tc["at"]) / h)
    if rules.reviewer_weight == "buyer_credit":
        reviewer = U["buyer_id"].map(raw_buyer_credit).fillna(0.0)
        weight = np.clip(reviewer / rules.reviewer_weight_full_credit, rules.reviewer_weight_floor, 1.0)
        U.loc[U["author"] == BUYER, "points"] *= weight[U["author"] == BUYER]
    U.loc[~counted, "points"] = 0.0
    Tc["points"] = t_points

    # --- 6. account scores ---
    sellers = _sellers(O, U, Ds, rules, as_of)
    buyers = _buyers(O, U, Tc, rules)
    reviews = _review_rows(A, U, Ds, Tc)
    return {"sellers": sellers, "buyers": buyers, "reviews": reviews, "as_of": as_of}


# ---------------------------------------------------------------------------------------------


def _dedup(U: pd.DataFrame, rules) -> None:
    """SCORE-DEDUP: anchored windows per (direction, buyer, seller[, item], sign) on live reviews."""
    window = int(days(rules.dedup_days))
    if window <= 0:
        return
    keys = ["author", "buyer_id", "seller_id", "sign"] + (["item_id"] if rules.dedup_scope == "item" else [])
    live = U[(U["status"] < 0) & (U["sign"] != NEUTRAL)].sort_values(["created_at", "order_id"])
    size = live.groupby(keys)["order_id"].transform("size")
    multi = live[size > 1]
    if multi.empty:
        return

    def flags(created: pd.Series) -> pd.Series:
        out = np.zeros(len(created), bool)
        anchor = None
        for i, c in enumerate(created.to_numpy()):
            if anchor is None or c >= anchor + window:
                anchor = c
            else:
                out[i] = True
        return pd.Series(out, index=created.index)

    dup = multi.groupby(keys, sort=False)["created_at"].transform(flags).astype(bool)
    U.loc[dup[dup].index, "status"] = DEDUPLICATED


def _clamp(U: pd.DataFrame, rules) -> None:
    """SCORE-CLAMP: a running sum within [cap_min, cap_max] per (direction, buyer, seller, month)."""
    if rules.cap_period == "none" or (rules.cap_max is None and rules.cap_min is None):
        return
    hi = np.inf if rules.cap_max is None else rules.cap_max
    lo = -np.inf if rules.cap_min is None else rules.cap_min
    keys = ["author", "buyer_id", "seller_id"] + (["month"] if rules.cap_period == "month" else [])
    live = U[U["status"] < 0].sort_values(["eff", "order_id"])
    running = live.groupby(keys)["sign"].cumsum()
    out_of_range = (running > hi) | (running < lo)
    suspect = out_of_range.groupby([live[k] for k in keys]).transform("any")
    walk = live[suspect]
    if walk.empty:
        return

    def flags(points: pd.Series) -> pd.Series:
        out = np.zeros(len(points), bool)
        total = 0
        for i, p in enumerate(points.to_numpy()):
            if lo <= total + p <= hi:
                total += p
            else:
                out[i] = True
        return pd.Series(out, index=points.index)

    capped = walk.groupby(keys, sort=False)["sign"].transform(flags).astype(bool)
    U.loc[capped[capped].index, "status"] = CAPPED


def _level(credit: pd.Series, thresholds) -> np.ndarray:
    return np.searchsorted(np.asarray(thresholds), np.floor(credit.to_numpy()), side="right").astype(np.int64)


def _counts(frame: pd.DataFrame, key: str, index: pd.Index) -> pd.DataFrame:
    table = pd.crosstab(frame[key], frame["final"]) if len(frame) else pd.DataFrame(index=index)
    table = table.reindex(index=index, columns=[GOOD, NEUTRAL, BAD], fill_value=0).fillna(0).astype(np.int64)
    table.columns = ["good", "neutral", "bad"]
    return table


def _sellers(O, U, Ds, rules, as_of) -> pd.DataFrame:
    ids = pd.Index(np.unique(O["seller_id"]), name="seller_id")
    mine = U[(U["author"] == BUYER) & (U["status"] == COUNTED)]
    out = pd.DataFrame(index=ids)
    out["credit"] = mine.groupby("seller_id")["points"].sum().reindex(ids, fill_value=0.0)
    out["level"] = _level(out["credit"], rules.level_thresholds)
    out = out.join(_counts(mine, "seller_id", ids))
    p_days = days(rules.positive_rate_days)
    recent = mine[(mine["eff"] > as_of - p_days) & (mine["eff"] <= as_of)]
    total = recent.groupby("seller_id").size().reindex(ids)
    good = recent[recent["final"] == GOOD].groupby("seller_id").size().reindex(ids, fill_value=0)
    out["positive_rate"] = good / total
    d_days = days(rules.dsr_mean_days)
    dsr = Ds[(Ds["dstatus"] == COUNTED) & (Ds["at"] > as_of - d_days) & (Ds["at"] <= as_of)]
    for dim in DSR_DIMENSIONS:
        values = dsr[dim].where(dsr[dim] > 0)
        out[f"dsr_{dim}"] = values.groupby(dsr["seller_id"]).mean().reindex(ids)
    return out.reset_index()


def _buyers(O, U, Tc, rules) -> pd.DataFrame:
    ids = pd.Index(np.unique(O["buyer_id"]), name="buyer_id")
    mine = U[(U["author"] == SELLER) & (U["status"] == COUNTED)]
    tm = Tc[Tc["tstatus"] == COUNTED].assign(final=GOOD)
    both = pd.concat([mine[["buyer_id", "points", "final"]], tm[["buyer_id", "points", "final"]]])
    out = pd.DataFrame(index=ids)
    out["credit"] = both.groupby("buyer_id")["points"].sum().reindex(ids, fill_value=0.0)
    out["level"] = _level(out["credit"], rules.level_thresholds)
    out = out.join(_counts(both, "buyer_id", ids))
    return out.reset_index()


def _review_rows(A, U, Ds, Tc) -> pd.DataFrame:
    """One row per action (input order), then review defaults, then tmall buyer credits."""
    rows = pd.DataFrame({
        "source": A["row"], "order_id": A["order_id"], "author": A["author"],
        "kind": np.where(A["action"] == DSR, DSR_KIND, CREDIT).astype(np.int8),
        "origin": np.int8(GIVEN), "rating": A["rating"], "effective_at": NEVER,
        "status": A["status"].astype(np.int64), "points": 0.0,
    })
    given = U[U["origin"] == GIVEN]
    pre = np.where(given["status"].isin([CANCELLED, INELIGIBLE]), given["status"], SUPERSEDED)
    changed = given["change_row"].notna()
    # accepted rate rows: the review's status, or superseded if it was modified or deleted
    rate_rows = given["rate_row"].astype(np.int64).to_numpy()
    rows.loc[rate_rows, "status"] = np.where(changed, pre, given["status"])
    rows.loc[rate_rows, "effective_at"] = np.where(changed, NEVER, given["eff"])
    rows.loc[rate_rows, "points"] = np.where(changed, 0.0, given["points"])
    mod = given[given["change"] == MODIFY]
    rows.loc[mod["change_row"].astype(np.int64).to_numpy(), ["status", "effective_at", "points"]] = (
        mod[["status", "eff", "points"]].to_numpy())
    dele = given[given["change"] == DELETE]
    rows.loc[dele["change_row"].astype(np.int64).to_numpy(), "status"] = np.where(
        dele["status"].isin([CANCELLED, INELIGIBLE]), dele["status"], SUPERSEDED)
    # rows outside their window on a cancelled or ineligible order (SCORE-STATUS-ORDER)
    outside = (A["status"] == OUTSIDE_WINDOW).to_numpy()
    rows.loc[outside & A["ineligible"].to_numpy() & (A["action"] != DSR).to_numpy(), "status"] = INELIGIBLE
    rows.loc[outside & A["cancelled"].to_numpy(), "status"] = CANCELLED
    # DSR rows
    rows.loc[Ds["row"].to_numpy(), "status"] = Ds["dstatus"].to_numpy()
    rows.loc[Ds["row"].to_numpy(), "effective_at"] = Ds["at"].to_numpy()

    defaults = U[U["origin"] == DEFAULT].sort_values("order_id")
    d_rows = pd.DataFrame({
        "source": -1, "order_id": defaults["order_id"], "author": defaults["author"], "kind": CREDIT,
        "origin": DEFAULT, "rating": GOOD, "effective_at": defaults["eff"], "status": defaults["status"],
        "points": defaults["points"]})
    Tc = Tc.sort_values("order_id")
    t_rows = pd.DataFrame({
        "source": -1, "order_id": Tc["order_id"], "author": SELLER, "kind": CREDIT, "origin": DEFAULT,
        "rating": GOOD, "effective_at": Tc["at"], "status": Tc["tstatus"], "points": Tc["points"]})
    out = pd.concat([rows, d_rows, t_rows], ignore_index=True)
    # only reviews that reach the effect stage carry an effect time
    out.loc[out["status"] < REMOVED, "effective_at"] = NEVER
    for col, dtype in (("source", np.int64), ("order_id", np.int64), ("author", np.int8), ("kind", np.int8),
                       ("origin", np.int8), ("rating", np.int8), ("effective_at", np.int64),
                       ("status", np.int8), ("points", float)):
        out[col] = out[col].astype(dtype)
    return out[REVIEW_COLUMNS]


if __name__ == "__main__":
    import sys
    import time

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from gen_log import generate

    from sim.rules.presets import TAOBAO

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    orders, actions = generate(n, 1)
    t0 = time.perf_counter()
    result = score_pandas(orders, actions, TAOBAO)
    print(f"pandas: {n:,} orders, {len(actions):,} actions scored in {time.perf_counter() - t0:.2f} s")
    print(result["sellers"].describe().T)
