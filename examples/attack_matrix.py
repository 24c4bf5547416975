"""Which evasion beats which rule set: every brushing preset against a few rule sets.

    .venv/bin/python examples/attack_matrix.py

One client seller buys a 60-point campaign (60 fake orders, 12 items, 1 March 2024) from a farm of
200 accounts (a year old, no buyer credit) with 6 nursery shops and 50 accounts it may create. Each
strategy preset's schedule is scored under each rule set by the scoring core, as of 1 September
2024; the table shows the client's credit from the fake orders, what the campaign cost, and how many
of its orders the default ``signals`` detector flags in a sweep 20 days after each order's creation
day (an upper bound on what a weekly sweep would see, since orders leave its window after 30 days),
with the accounts' buyer credit as the taobao rules show it at the end.
"""

from __future__ import annotations

import numpy as np

from sim.attacks import planner as P
from sim.attacks.metrics import attack_metrics
from sim.attacks.strategy import PRESETS, FarmCosts
from sim.detection.signals import SignalsConfig, SignalsDetector
from sim.detection.view import PlatformView
from sim.reputation import core
from sim.rules import TAOBAO
from sim.rules.presets import NAIVE
from sim.timeutil import DAY, parse_timestamp

START = parse_timestamp("2024-03-01T00:00:00")
AS_OF = parse_timestamp("2024-09-01T00:00:00")
SELLER = 7

RULE_SETS = {
    "naive": NAIVE,
    "taobao": TAOBAO,
    "taobao+min_amount=10": TAOBAO.replace(min_amount=10.0),
    "taobao+reviewer_age=90": TAOBAO.replace(min_reviewer_age_days=90.0),
    "taobao+weights": TAOBAO.replace(reviewer_weight="buyer_credit"),
    "taobao+lifetime_cap": TAOBAO.replace(cap_period="lifetime"),
}


def pool() -> P.Pool:
    n = 200
    rng = np.random.default_rng(0)
    return P.Pool(account_id=np.arange(1000, 1000 + n), created_at=START - rng.integers(30, 400, n) * DAY,
                  buyer_credit=np.zeros(n, np.int64), nursery_sellers=np.arange(50, 56),
                  nursery_items=5000 + np.arange(36).reshape(6, 6), next_account_id=100_000, max_new_accounts=50)


def main() -> None:
    farm = pool()
    print(f"{'strategy':16} {'cost':>7} {'flagged':>7}  " + "  ".join(f"{name:>22}" for name in RULE_SETS))
    for name, strategy in PRESETS.items():
        campaign = P.Campaign(seller=SELLER, items=tuple(range(700, 712)), start=START, target_credit=60)
        sched = P.plan(campaign, farm, strategy, FarmCosts(), np.random.default_rng(1))
        log = P.to_log(sched, 1)
        accounts = core.L.Accounts(account_id=np.r_[farm.account_id, sched.new_account_id],
                                   created_at=np.r_[farm.created_at, sched.new_created_at])
        # The buyer credit the platform shows (under taobao, as of the end) for the account signal.
        buyers = core.score(log["orders"], log["actions"], TAOBAO, as_of=AS_OF, workers=1).buyers
        credit = np.zeros(len(accounts.account_id))
        known = np.isin(accounts.account_id, buyers.buyer_id)
        credit[known] = buyers.credit[np.searchsorted(buyers.buyer_id, accounts.account_id[known])]
        cells = []
        for rules in RULE_SETS.values():
            result = core.score(log["orders"], log["actions"], rules, as_of=AS_OF, accounts=accounts, workers=1)
            s = result.sellers
            cells.append(f"{float(s.credit[s.seller_id == SELLER].sum()):22.1f}")
        campaign_rows = np.flatnonzero(log["orders"].seller_id == SELLER)
        flagged = 0
        for day in np.unique(log["orders"].created_at[campaign_rows] // DAY):
            view = PlatformView.build(int(day) * DAY + 20 * DAY, log["orders"], log["actions"],
                                      delivered_at=log["delivered_at"], kind=log["kind"], empty=log["empty"],
                                      chat=log["chat"], account_id=accounts.account_id,
                                      account_created_at=accounts.created_at, account_credit=credit)
            found = SignalsDetector(SignalsConfig()).sweep(view, 0, None).flagged_orders()
            today = log["orders"].order_id[campaign_rows][log["orders"].created_at[campaign_rows] // DAY == day]
            flagged += int(np.isin(today, found).sum())
        print(f"{name:16} {sched.spent:7.0f} {flagged:4d}/{len(campaign_rows):<3}" + "".join(cells))
    # What the taobao rules did to the naive farm's reviews, by final status (sim.attacks.metrics).
    sched = P.plan(P.Campaign(seller=SELLER, items=tuple(range(700, 712)), start=START, target_credit=60), farm,
                   PRESETS["naive"], FarmCosts(), np.random.default_rng(1))
    log = P.to_log(sched, 1)
    o = log["orders"]
    table = {"order_id": o.order_id, "buyer_id": o.buyer_id, "seller_id": o.seller_id, "created_at": o.created_at,
             "fake": np.ones(len(o), bool), "attack": np.full(len(o), "naive", object), "cost": sched.cost}
    reviews = core.score(o, log["actions"], TAOBAO, as_of=AS_OF, workers=1).reviews
    print("naive under taobao, fake review points by final status:",
          attack_metrics(table, reviews)["attacks"]["naive"]["fake_review_points"])


if __name__ == "__main__":
    main()
