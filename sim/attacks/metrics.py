"""The attack metrics of a run, computed from the run's own tables by one function.

:func:`attack_metrics` is the single definition of every attack metric of
docs/attacks.md "Metrics"; anyone holding a run's tables can recompute them. The
tables are plain mappings of equal-length numpy columns (as read from the run's Parquet files):

- ``orders``: ``order_id``, ``buyer_id``, ``seller_id``, ``created_at``, ``fake`` (bool: placed by an
  attacker), ``attack`` (str: the attack's name, empty for genuine orders), optionally ``cost``
  (what the order cost its attacker, yuan);
- ``reviews``: the final scoring's review rows (``sim.reputation.log.ReviewRows`` columns): at least
  ``order_id``, ``author``, ``kind``, ``rating``, ``status`` (codes of ``sim.reputation.log``);
- ``detections``: a ``sim.detection.view.Detections`` (``acted`` is used instead of ``flagged`` when
  the mapping has it: what the platform acted on);
- ``accounts`` (optional): ``account_id``, ``role`` (str), ``owner`` (str: the attack's name or empty),
  ``created_at``, ``sealed_at``, optionally ``cost`` (creating and aging the account);
- ``payments`` (optional): ``payee``, ``amount``: money paid to accounts (extortion payouts,
  sabotage fees); a payment counts for the attack that owns the payee;
- ``sellers_daily`` (optional): ``seller_id``, ``at`` (the end of the day), ``credit``.

Definitions (per attack, keyed by its name):

- ``fake_orders``: orders with ``fake`` and this ``attack``;
- ``fake_reviews``: credit reviews of those sellers by the posing buyers (author buyer, given or
  default), counting each review once by its final row (a modified review's ``modify`` row; the
  ``superseded`` originals are left out);
- ``fake_review_points``: for each final status (``counted``, ``capped``, ``deduplicated``,
  ``removed``, ``outside_window``, ...), the sum of those reviews' rating points (good +1, bad -1):
  the credit the attack *tried* to move that each rule let through or blocked; and
  ``fake_review_statuses``: the number of reviews per status;
- ``money_spent``: the attack's order costs plus its accounts' costs; ``payouts``: payments to its
  accounts;
- ``detection``: ``recall`` = its fake orders flagged / its fake orders; ``precision`` = its flagged
  fake orders / (those + every flagged genuine order); ``median_lag_days`` = median over its flagged
  fake orders of (first flag - order creation); ``flagged``;
- ``diamond``: for its client sellers (sellers with its fake orders) and for honest sellers (no fake
  order at all) who entered in the same natural months: the share that reached credit 251 (one
  diamond, LEVEL-20) and the median days from entry to the first daily record at or above it.

Market-wide: ``detectors`` (per detector name: precision over orders, recall over all fake orders,
median lag); ``wrongly_penalised``: ``honest_sellers`` = sellers with no fake order and at least one
of their orders flagged (each costs serious points under PEN-FAKE-ORDER), ``genuine_buyers`` =
accounts not owned by an attack that were flagged, sealed, or the buyer of a flagged genuine order.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping

import numpy as np

from sim.detection.view import ACCOUNT, ORDER, Detections
from sim.reputation import log as L
from sim.timeutil import DAY, NEVER, month_index

DIAMOND = 251  # LEVEL-20: one diamond


def _median(x: np.ndarray) -> float | None:
    return float(np.median(x)) if len(x) else None


def _ratio(a: float, b: float) -> float | None:
    return float(a / b) if b else None


def _table(obj) -> Mapping:
    """A table as a mapping of columns: a mapping as is, or a columnar dataclass (``ReviewRows``,
    ``Detections``) by its fields."""
    if obj is None or isinstance(obj, Mapping):
        return obj
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def _verdict(d: Mapping) -> tuple[np.ndarray, ...]:
    verdict = np.asarray(d["acted"] if "acted" in d else d["flagged"], bool)
    return (np.asarray(d["at"], np.int64), np.asarray(d["detector"], object), np.asarray(d["entity"]),
            np.asarray(d["id"], np.int64), verdict)


def _first_flags(at, entity, ids, verdict) -> tuple[np.ndarray, np.ndarray]:
    """Each flagged order id once, with its first flag time."""
    rows = np.flatnonzero(verdict & (entity == ORDER))
    order = rows[np.lexsort((at[rows], ids[rows]))]
    flagged, first = np.unique(ids[order], return_index=True)
    return flagged, at[order][first]


def _lookup(keys: np.ndarray, table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row of each key in ``table`` (any order) and whether it is there."""
    order = np.argsort(table, kind="stable")
    if len(table) == 0:
        return np.zeros(len(keys), np.int64), np.zeros(len(keys), bool)
    pos = np.minimum(np.searchsorted(table, keys, sorter=order), len(table) - 1)
    rows = order[pos]
    return rows, table[rows] == keys


def attack_metrics(orders: Mapping, reviews: Mapping, detections: Detections | Mapping | None = None, *,
                   accounts: Mapping | None = None, payments: Mapping | None = None,
                   sellers_daily: Mapping | None = None) -> dict:
    """Every attack metric of a run (see the module docstring for the definitions)."""
    orders, reviews, detections = _table(orders), _table(reviews), _table(detections)
    order_id = np.asarray(orders["order_id"], np.int64)
    fake = np.asarray(orders["fake"], bool)
    attack = np.asarray(orders["attack"], object)
    seller = np.asarray(orders["seller_id"], np.int64)
    buyer = np.asarray(orders["buyer_id"], np.int64)
    created = np.asarray(orders["created_at"], np.int64)
    cost = np.asarray(orders["cost"], float) if "cost" in orders else np.zeros(len(order_id))
    names = sorted({str(a) for a in attack[fake]} | ({str(o) for o in accounts["owner"] if o}
                                                      if accounts is not None else set()))

    # Final credit reviews of the seller by the buyer, on fake orders.
    r_order = np.asarray(reviews["order_id"], np.int64)
    status = np.asarray(reviews["status"], np.int8)
    final = ((np.asarray(reviews["kind"]) == L.CREDIT) & (np.asarray(reviews["author"]) == L.BUYER)
             & (status != L.SUPERSEDED))
    r_row, r_found = _lookup(r_order, order_id)
    r_fake = final & r_found & fake[r_row]
    rating = np.asarray(reviews["rating"], np.int64)

    if detections is not None:
        d_at, d_name, d_entity, d_id, verdict = _verdict(detections)
    else:
        d_at = d_id = np.zeros(0, np.int64)
        d_name = np.zeros(0, object)
        d_entity = np.zeros(0, np.int8)
        verdict = np.zeros(0, bool)
    flagged, first_at = _first_flags(d_at, d_entity, d_id, verdict)
    f_row, f_found = _lookup(flagged, order_id)
    flagged_fake = f_found & fake[f_row]
    genuine_flagged = int((f_found & ~fake[f_row]).sum())

    out: dict = {"attacks": {}}
    for name in names:
        mine = fake & (attack == name)
        rows = r_fake & (attack[r_row] == name)
        statuses = status[rows]
        points = {L.STATUS_NAMES[s]: int(rating[rows][statuses == s].sum()) for s in np.unique(statuses)}
        counts = {L.STATUS_NAMES[s]: int((statuses == s).sum()) for s in np.unique(statuses)}
        spent = float(cost[mine].sum())
        owned = np.zeros(0, np.int64)
        if accounts is not None:
            own = np.asarray(accounts["owner"], object) == name
            owned = np.asarray(accounts["account_id"], np.int64)[own]
            if "cost" in accounts:
                spent += float(np.asarray(accounts["cost"], float)[own].sum())
        payouts = 0.0
        if payments is not None:
            payouts = float(np.asarray(payments["amount"], float)[np.isin(payments["payee"], owned)].sum())
        hit = flagged_fake & (attack[f_row] == name)
        lags = (first_at[hit] - created[f_row[hit]]) / DAY
        out["attacks"][name] = {
            "fake_orders": int(mine.sum()),
            "fake_reviews": int(rows.sum()),
            "fake_review_points": points,
            "fake_review_statuses": counts,
            "money_spent": spent,
            "payouts": payouts,
            "detection": {"flagged": int(hit.sum()), "recall": _ratio(hit.sum(), mine.sum()),
                          "precision": _ratio(hit.sum(), hit.sum() + genuine_flagged),
                          "median_lag_days": _median(lags)},
            "diamond": _diamond(np.unique(seller[mine]), np.unique(seller[fake]), seller, accounts, sellers_daily),
        }

    detectors = {}
    for name in sorted({str(n) for n in d_name}):
        fl, at_ = _first_flags(d_at, d_entity, d_id, verdict & (d_name == name))
        row, found = _lookup(fl, order_id)
        is_fake = found & fake[row]
        detectors[name] = {"flagged": int(len(fl)), "precision": _ratio(is_fake.sum(), len(fl)),
                           "recall": _ratio(is_fake.sum(), fake.sum()),
                           "median_lag_days": _median((at_[is_fake] - created[row[is_fake]]) / DAY)}
    out["detectors"] = detectors

    honest_sellers = np.setdiff1d(np.unique(seller), np.unique(seller[fake]))
    wrong_sellers = np.intersect1d(honest_sellers, seller[f_row[f_found & ~fake[f_row]]])
    owned_all = (np.asarray(accounts["account_id"], np.int64)[np.asarray(accounts["owner"], object) != ""]
                 if accounts is not None else np.zeros(0, np.int64))
    suspects = [buyer[f_row[f_found & ~fake[f_row]]], d_id[verdict & (d_entity == ACCOUNT)]]
    if accounts is not None:
        sealed = np.asarray(accounts["sealed_at"], np.int64) < NEVER
        suspects.append(np.asarray(accounts["account_id"], np.int64)[sealed])
    wrong_buyers = np.setdiff1d(np.concatenate(suspects), np.concatenate([owned_all, np.unique(seller)]))
    out["wrongly_penalised"] = {"honest_sellers": int(len(wrong_sellers)), "genuine_buyers": int(len(wrong_buyers))}
    return out


def _diamond(clients: np.ndarray, brushers: np.ndarray, seller: np.ndarray, accounts: Mapping | None,
             daily: Mapping | None) -> dict | None:
    """Days from entry to one diamond for the attack's clients and the honest sellers of their entry
    months; None without the daily seller records and the accounts' creation times."""
    if daily is None or accounts is None or len(clients) == 0:
        return None
    ids = np.asarray(accounts["account_id"], np.int64)
    entry = np.asarray(accounts["created_at"], np.int64)
    honest = np.setdiff1d(np.unique(seller), brushers)
    c_row, c_ok = _lookup(clients, ids)
    h_row, h_ok = _lookup(honest, ids)
    months = np.unique(month_index(entry[c_row[c_ok]]))
    cohort = honest[h_ok][np.isin(month_index(entry[h_row[h_ok]]), months)]
    d_seller = np.asarray(daily["seller_id"], np.int64)
    d_at = np.asarray(daily["at"], np.int64)
    reached = np.asarray(daily["credit"], float) >= DIAMOND
    rows = np.flatnonzero(reached)
    rows = rows[np.lexsort((d_at[rows], d_seller[rows]))]
    s, idx = np.unique(d_seller[rows], return_index=True)
    first = dict(zip(s.tolist(), d_at[rows][idx].tolist()))

    def group(members: np.ndarray) -> dict:
        m_row, ok = _lookup(members, ids)
        days = [(first[int(x)] - entry[r]) / DAY for x, r, k in zip(members, m_row, ok) if k and int(x) in first]
        return {"sellers": int(len(members)), "reached": _ratio(len(days), len(members)),
                "median_days": _median(np.asarray(days))}

    return {"attack_sellers": group(clients[c_ok]), "honest_cohort": group(cohort)}
