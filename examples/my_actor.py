"""A researcher's own attacker, loaded by a scenario without changing repsim.

Put this file beside your scenario (or anywhere on the Python path) and name it in the scenario::

    [[actors]]
    kind = "my_actor:make"     # module:attribute; the module registers the kind when imported
    name = "mine"              # the attack's name: ground truth `attack`, its random stream
    per_day = 3

Every day at local noon it opens ``per_day`` fresh buyer accounts and has each buy one virtual item
from the seller with the fewest good reviews, confirms on delivery and rates ``good`` with DSR
5/5/5/5. Everything goes through the order book, so the platform's timers, scoring, detectors and
penalties treat it like any other actor (docs/attacks.md, "The actor interface").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.actors import register
from sim.market import orders as O
from sim.market.accounts import BUYER
from sim.reputation import log as L
from sim.scenario.schema import knob


@dataclass(frozen=True)
class Config:
    name: str = knob("mine", "the attack's name")
    per_day: int = knob(3, "fake orders a day", lo=0)


class Booster:
    def __init__(self, world, config: Config, rng: np.random.Generator) -> None:
        self.world, self.config, self.rng = world, config, rng  # rng: this actor's own stream, keyed by its name
        self.code = world.attack_code(config.name)  # the ground-truth code of this attack
        world.book.on("delivered", self._on_delivered)

    def _on_delivered(self, rows: np.ndarray, at: np.ndarray) -> None:
        w = self.world
        mine = w.book.orders["attack"][rows] == self.code
        rows, at = rows[mine], at[mine]
        done = w.book.confirm(rows, at)  # confirm at once (a fast confirmation, as farms do)
        five = np.full(done.size, 5, np.int8)
        tags = dict(fake=True, attack=self.code, actor=O.ACTOR_FARM)
        w.book.rate(done, L.BUYER, at[: done.size], L.GOOD, **tags)
        w.book.dsr(done, at[: done.size], five, five, five, five, **tags)

    def tick(self, now: int) -> None:
        w = self.world
        k = self.config.per_day
        if w.local_hour(now) != 12 or k == 0:
            return
        buyers = w.accounts.create(k, BUYER, "booster", self.config.name, now)
        open_ = np.flatnonzero(~w.platform.shielded)
        seller = open_[np.argmin(w.platform.counts[0, open_])]
        item = w.seller_ids[seller] * 100_000 + self.rng.integers(0, w.sellers.items[seller], k)
        rows = w.book.place(np.full(k, now), buyers, np.full(k, w.seller_ids[seller]), item,
                            w.sellers.item_price(np.full(k, seller), item % 100_000), kind=O.VIRTUAL,
                            actor=O.ACTOR_FARM, fake=True, attack=self.code)
        w.book.pay(rows, now)  # the seller sends the virtual item at its dispatch time


@register("my_actor", Config, doc="a researcher's booster (examples/my_actor.py)")
def make(world, config: Config, rng: np.random.Generator) -> Booster:
    return Booster(world, config, rng)
