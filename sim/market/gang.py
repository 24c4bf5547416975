"""Extortion and sabotage gangs as a market actor (kind ``gang``), through the order lifecycle
(docs/attacks.md, "Malicious negative reviewers").

Configured by ``[[actors]]`` with ``kind = "gang"``, the keys of :class:`sim.attacks.strategy.GangConfig`
and a ``[actors.response]`` table (:class:`~sim.attacks.strategy.ResponsePolicy`, how the targets
answer a demand). The gang:

- opens ``accounts`` buyer accounts at the start (role ``gang``), aged exponentially (mean 180 days);
- at the first tick and at every natural month, plans the month's attacks with
  :func:`sim.attacks.extortion.plan_gang` on what it sees of the sellers (displayed credit and counts,
  opening time, the price of each seller's first item; tmall sellers have no credit to harm and are left
  out), drawing the targets' answers too (pay with ``pay_probability`` of credit and harm, else complain
  with ``complain_prob``, with evidence with ``evidence_prob``);
- places its orders when due and pays at once; the target packs and ships them with its real capacity;
  the gang confirms a day after delivery and an hour after success rates ``bad`` with DSRs of
  ``dsr_low``; sabotage: the rival (``client_seller``, or the outside world when 0) pays
  ``fee_per_review`` for each review;
- extortion: an hour after the review it demands the payment. A target that pays does so ``wait``
  later (once per attack, to the attack's first account) and, with ``modify_on_pay``, the gang changes
  each rating to ``good`` (REV-MODIFY's once-only change). A target that refuses and complains does so
  ``pay_wait_days`` after the demand; the platform judges under PEN-EXTORTION
  (:func:`sim.detection.penalties.judge_extortion`): with evidence, ``intervene_days`` later the
  order is removed from every score and from the shown sales, and with ``seal_extortioners`` the
  author is sealed.

A sealed account places no order and writes no review. Every draw comes from the gang's own stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.actors import register
from sim.attacks.extortion import Targets, plan_gang
from sim.attacks.streams import named_stream
from sim.attacks.strategy import GangConfig, ResponsePolicy, read_gang, read_response
from sim.detection.penalties import judge_extortion
from sim.market import orders as O
from sim.market.accounts import BUYER
from sim.market.attacker import Attacker
from sim.reputation import log as L
from sim.timeutil import DAY, HOUR


@dataclass(frozen=True)
class GangActorConfig:
    """A gang and its targets' response policy."""

    gang: GangConfig
    response: ResponsePolicy

    @property
    def name(self) -> str:
        return self.gang.name


def read(data, source: str, path: str) -> GangActorConfig:
    data = dict(data)
    response = read_response(data.pop("response", {}), source, f"{path}.response")
    return GangActorConfig(read_gang(data, source, path), response)


PLAN_FIELDS = ("at", "seller_id", "item_id", "amount", "demand", "pays", "complains", "evidence", "wait")


class Gang(Attacker):
    actor_code = O.ACTOR_GANG

    def __init__(self, world, config: GangActorConfig, rng: np.random.Generator) -> None:
        super().__init__(world, config.name)
        w = world
        self.config = config.gang
        self.policy = config.response
        self.rng = rng
        # the platform's judgement draws from its own stream, so its accuracy never moves the gang's draws
        self.judge_rng = named_stream(world.seed, "judge:" + config.name)
        n = self.config.accounts
        age = rng.exponential(180 * DAY, n).astype(np.int64)
        self.ids = w.accounts.create(n, BUYER, "gang", config.name, w.start - age)
        self.attacks = {name: np.zeros(0) for name in PLAN_FIELDS}  # one row per attack, all months
        self.paid = np.zeros(0, bool)
        self.queue = {"at": np.zeros(0, np.int64), "buyer": np.zeros(0, np.int64), "attack": np.zeros(0, np.int64)}
        self.placed = O.Table({"row": (np.int64, 0), "attack": (np.int64, 0)})  # orders placed, rows increasing
        self.cals = {k: w.calendar() for k in ("confirm", "review", "demand", "pay", "complain", "judge")}
        self.counts = {"attacks": 0, "demands": 0, "paid": 0, "complaints": 0, "upheld": 0}
        w.book.on("delivered", self._on_delivered)
        w.book.on("success", self._on_success)

    def _attack(self, rows: np.ndarray) -> np.ndarray:
        return self.placed["attack"][np.searchsorted(self.placed["row"], rows)]

    def _on_delivered(self, rows: np.ndarray, at: np.ndarray) -> None:
        rows, at = self.mine(rows, at)
        self.cals["confirm"].push(rows, at + DAY)

    def _on_success(self, rows: np.ndarray, at: np.ndarray) -> None:
        rows, at = self.mine(rows, at)
        self.cals["review"].push(rows, at + HOUR)

    # --- planning -----------------------------------------------------------------------------
    def _plan(self, now: int) -> None:
        w = self.world
        p = w.platform
        S = w.sellers
        s = np.flatnonzero(~S.tmall & (S.created_at <= now))
        item = np.zeros(s.size, np.int64)
        targets = Targets(seller_id=w.seller_ids[s], created_at=S.created_at[s], credit=p.credit[s],
                          good=p.counts[0, s], neutral=p.counts[1, s], bad=p.counts[2, s],
                          item_id=w.seller_ids[s] * 100_000 + item, price=S.item_price(s, item))
        live = self.ids[~w.accounts.sealed(self.ids)]
        plan = plan_gang(self.config, targets, live, now, 30.0, self.policy, self.rng)
        first = len(self.paid)
        for name in PLAN_FIELDS:
            self.attacks[name] = np.concatenate([self.attacks[name], getattr(plan, name)])
        self.paid = np.concatenate([self.paid, np.zeros(len(plan.at), bool)])
        k = plan.attack_of_review
        add = {"at": plan.at[k], "buyer": plan.review_buyer, "attack": first + k}
        self.queue = self.merge(self.queue, [add])
        self.counts["attacks"] += len(plan.at)

    # --- the hourly tick ----------------------------------------------------------------------
    def tick(self, now: int) -> None:
        first = self.new_month(now)
        if first is None:
            return
        if first:
            self._plan(now)
        self._place(now)
        steps = (("confirm", self._confirm), ("review", self._review), ("demand", self._demand),
                 ("pay", self._paid), ("complain", self._complain), ("judge", self._judged))
        for name, step in steps:  # in the lifecycle's order
            rows, due, _ = self.cals[name].pop(now)
            if rows.size:
                step(rows, due)

    def _confirm(self, rows: np.ndarray, at: np.ndarray) -> None:
        self.world.book.confirm(rows, at, O.HOW_BUYER)

    def _judged(self, rows: np.ndarray, at: np.ndarray) -> None:
        """PEN-EXTORTION upheld: the review's order leaves every score; the author is sealed."""
        w = self.world
        w.book.remove(rows, at)
        if w.rules.seal_extortioners:
            w.accounts.seal(w.book.orders["buyer_id"][rows], int(at.max()))

    def _place(self, now: int) -> None:
        w = self.world
        due, self.queue = self.take_due(self.queue, now)
        a = due["attack"]
        s = self.attacks["seller_id"][a].astype(np.int64) - 1
        ok = ~w.accounts.sealed(due["buyer"]) & ~w.platform.shielded[s]
        a, s, at, buyer = a[ok], s[ok], due["at"][ok], due["buyer"][ok]
        if a.size == 0:
            return
        S = w.sellers
        book = w.book
        rows = book.place(at, buyer, s + 1, self.attacks["item_id"][a].astype(np.int64), self.attacks["amount"][a],
                          platform=S.platform[s], kind=S.kind[s], courier=S.courier[s], category=S.category[s],
                          quality=S.quality[s], **self.tags)
        self.placed.append(rows.size, row=rows, attack=a)
        book.pay(rows, at)

    def _review(self, rows: np.ndarray, at: np.ndarray) -> None:
        o = self.world.book.orders
        rows, at = self.review(rows, at, L.BAD, self.config.dsr_low)
        if rows.size == 0:
            return
        if self.config.mode == "sabotage":
            fee = np.full(rows.size, self.config.fee_per_review)
            payer = np.full(rows.size, self.config.client_seller, np.int64)
            self._pay(at, payer, o["buyer_id"][rows], fee)
        else:
            self.cals["demand"].push(rows, at + HOUR)

    def _pay(self, at, payer, payee, amount) -> None:
        self.world.book.escrow.transfer(payer, payee, amount)
        self.world.payments.append({"at": np.asarray(at, np.int64), "payer": payer, "payee": payee, "amount": amount,
                                    "attack": np.full(len(payee), self.code, np.int16)})

    def _demand(self, rows: np.ndarray, at: np.ndarray) -> None:
        """The target's answer, drawn at planning: pay after ``wait``, or complain after ``pay_wait_days``."""
        a = self._attack(rows)
        A = self.attacks
        self.counts["demands"] += int(rows.size)
        pays = A["pays"][a].astype(bool)
        complains = A["complains"][a].astype(bool)
        self.cals["pay"].push(rows[pays], at[pays] + A["wait"][a][pays].astype(np.int64))
        self.cals["complain"].push(rows[complains], at[complains] + int(self.config.pay_wait_days * DAY))

    def _paid(self, rows: np.ndarray, at: np.ndarray) -> None:
        w = self.world
        o = w.book.orders
        a = self._attack(rows)
        first = ~self.paid[a]
        first &= np.r_[True, a[1:] != a[:-1]] if a.size else first  # one payment an attack
        lead = rows[first]
        if lead.size:
            self.paid[a[first]] = True
            self._pay(at[first], o["seller_id"][lead], o["buyer_id"][lead], self.attacks["demand"][a[first]])
            self.counts["paid"] += int(lead.size)
        if self.config.modify_on_pay:
            live = ~w.accounts.sealed(o["buyer_id"][rows])
            w.book.modify(rows[live], L.BUYER, at[live], L.GOOD, **self.tags)

    def _complain(self, rows: np.ndarray, at: np.ndarray) -> None:
        o = self.world.book.orders
        a = self._attack(rows)
        judged = judge_extortion(self.world.rules, rows, o["buyer_id"][rows], at, self.attacks["evidence"][a].astype(bool),
                                 self.judge_rng)
        self.counts["complaints"] += int(rows.size)
        self.counts["upheld"] += int(len(judged.removed_orders))
        self.cals["judge"].push(judged.removed_orders, judged.removed_at)


@register("gang", GangConfig, read=read, doc="an extortion or sabotage gang (sim.market.gang)")
def make(world, config: GangActorConfig, rng: np.random.Generator) -> Gang:
    return Gang(world, config, rng)

