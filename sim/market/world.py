"""Assembly: one scenario + one rule set + one seed -> a SimPy environment with every actor family.

The world owns the clock, the random streams and the account table; the families own behaviour.

**Time.** SimPy's ``env.now`` counts seconds since the scenario's start (local midnight, UTC+8, of
``run.start``); every recorded time is absolute: ``world.start + env.now`` seconds since the Unix epoch
(``sim.timeutil``, the one unit). A family wakes at every tick of its period (hourly or daily, on the
hour) and handles the work due in the tick that just ended, ``(now - period, now]``, in one batch.

**Same-time order.** SimPy breaks ties of equal time by a priority, then by insertion. The world
schedules each family's wake-up with priority ``2 + rank`` (``sim.actors.CORE_RANKS``), so
at one instant the order is fixed, whatever the periods: arrivals, payment, sellers, couriers,
buyer reactions, platform timers, reviewers, extra actors, the platform's daily work (growth, scoring,
penalties, ranking, records). SimPy's own priorities 0 and 1 are never used by the market.

**Randomness.** Every draw of the honest market is keyed (``sim.market.keyed``): a named stream
(``STREAMS``) hashed with the entity and the event the draw belongs to, a seller or buyer account for
its traits, (buyer, visit number) for a visit and the order it places, (day, seller) for the
platform's daily ranking. So a buyer's arrival times and own draws do not depend on how many draws the
rest of the market made: two runs that differ only in the rule set, or by an extra actor, are paired
draw by draw. Each extra actor and each detector gets its own sequential ``numpy.random.Generator``
keyed by its *name* (``sim.attacks.streams.named_stream(seed, "actor:" + name)``, ``"detector:" +
name``), never by its position, so adding, removing or reordering others leaves its draws unchanged,
and an attack that never fires leaves every genuine draw untouched. Nothing touches global random
state.

**Attacks.** ``attack_names`` lists the attacks by code (0: genuine, then the ``[[actors]]`` names);
order and action rows carry the code in ``attack`` and ``fake = True`` when an attacker made them.
``accounts`` is the run's account table (``sim.market.accounts``); ``detection`` runs the scenario's
``[[detectors]]`` (``sim.market.detect``), or is None.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import time
from typing import Any, Callable

import numpy as np
import simpy

from sim.actors import CORE_RANKS
from sim.actors import kind as actor_kind
from sim.attacks.streams import named_stream
from sim.market.accounts import Accounts
from sim.market.calendar import Calendar
from sim.market.daily import MarketDaily
from sim.market.keyed import Draws, Streams
from sim.market.orders import OrderBook
from sim.rules.ruleset import RuleSet
from sim.scenario.schema import Scenario
from sim.timeutil import DAY, HOUR

#: the keyed streams of the honest market, by name (sim.market.keyed)
STREAMS = ("seller_traits", "buyer_traits", "arrivals", "visit", "chat", "payment", "dispatch", "couriers",
           "satisfaction", "after_sales", "reviews", "platform")
TICK = HOUR


class _Wake(simpy.events.Event):
    """An already-triggered event scheduled at a delay with an explicit priority (the same-time order)."""

    def __init__(self, env: simpy.Environment, delay: int, priority: int) -> None:
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, priority=priority, delay=delay)


class World:
    def __init__(self, scenario: Scenario, rules: RuleSet, seed: int, days: int | None = None,
                 on_day: Callable[[int], None] | None = None) -> None:
        from sim.market import buyers, couriers, platform, reviewers, sellers
        from sim.scenario.sizing import expected_orders

        self.scenario = scenario
        self.rules = rules
        self.seed = int(seed)
        self.warmup_days = scenario.run.warmup_days
        self.days = int(days if days is not None else scenario.run.days) + self.warmup_days
        self.metric_start = scenario.start_epoch  # run.start: attacks, detectors and metrics begin here
        self.start = self.metric_start - self.warmup_days * DAY  # the simulated history begins here
        self.first_date = _dt.date.fromisoformat(scenario.run.start) - _dt.timedelta(days=self.warmup_days)
        self.end = self.start + self.days * DAY
        self.deterministic = scenario.run.deterministic_delays
        self.env = simpy.Environment(initial_time=0)
        self.on_day = on_day
        self.keyed = Streams(self.seed)
        self.timings: dict[str, float] = {}

        self.entrants = int(round(scenario.sellers.entry_per_day * self.days))  # sellers entering during the run
        S, B = scenario.sellers.count + self.entrants, scenario.buyers.count
        self.n_sellers, self.n_buyers = S, B
        self.seller_ids = np.arange(1, S + 1, dtype=np.int64)  # account ids: sellers first
        self.buyer_ids = np.arange(S + 1, S + B + 1, dtype=np.int64)
        capacity = int(min(max(expected_orders(scenario, self.days) * 1.15, 1024), 50_000_000))
        self.book = OrderBook(accounts=S + B, capacity=capacity)

        # families, in rank order
        self.sellers = sellers.Sellers(self)
        self.buyers = buyers.Buyers(self)
        self.couriers = couriers.Couriers(self)
        self.reviewers = reviewers.Reviewers(self)
        self.accounts = Accounts(self.sellers.created_at, self.buyers.created_at, self.book.escrow)
        self.attack_names = [""] + [spec.name for spec in scenario.actors]
        self.payments: list[dict] = []  # side payments of attacks (demands paid, sabotage fees): at, payer, payee, amount
        self.detection = None
        if scenario.detectors:
            from sim.market.detect import Detection
            self.detection = Detection(self)
        self.platform = platform.Platform(self)
        self.daily = MarketDaily(self)
        self.families: list[tuple[int, int, str, Any]] = [
            (CORE_RANKS["arrivals"], HOUR, "arrivals", self.buyers.arrivals_tick),
            (CORE_RANKS["payment"], HOUR, "payment", self.buyers.payment_tick),
            (CORE_RANKS["sellers"], HOUR, "sellers", self.sellers.tick),
            (CORE_RANKS["couriers"], HOUR, "couriers", self.couriers.tick),
            (CORE_RANKS["reactions"], HOUR, "reactions", self.buyers.reactions_tick),
            (CORE_RANKS["timers"], HOUR, "timers", self.platform.timers_tick),
            (CORE_RANKS["reviewers"], HOUR, "reviewers", self.reviewers.tick),
            (CORE_RANKS["daily"], DAY, "daily", self.platform.daily_tick),
        ]
        self.extras = []
        for spec in scenario.actors:
            kind = actor_kind(spec.kind)
            config = spec.config if spec.config is not None else kind.config(**dict(spec.params))
            actor = kind.factory(self, config, named_stream(self.seed, "actor:" + spec.name))
            self.extras.append(actor)
            self.families.append((kind.rank, kind.period, spec.name, actor.tick))
        self.families.sort(key=lambda f: f[0])  # stable: extra actors keep scenario order

    # --- helpers shared by the families ------------------------------------------------------
    def calendar(self) -> Calendar:
        return Calendar(self.start, TICK)

    def draws(self, stream: str, rows: np.ndarray) -> Draws:
        """Keyed draws for the events of these orders (keyed by each order's buyer and visit); their
        delays take the mean exactly with ``run.deterministic_delays``."""
        return self.keyed[stream].on(self.book.orders["event"][rows], self.deterministic)

    def attack_code(self, name: str) -> int:
        """The code of an attack's name in the ground-truth columns."""
        return self.attack_names.index(name)

    def local_hour(self, t: int) -> int:
        return int(((t - self.start) // HOUR) % 24)

    # --- running -----------------------------------------------------------------------------
    def _loop(self, rank: int, period: int, name: str, tick: Callable[[int], None]):
        env = self.env
        horizon = self.days * DAY
        t = period
        spent = 0.0
        while t <= horizon:
            yield _Wake(env, t - int(env.now), 2 + rank)
            began = time.perf_counter()
            tick(self.start + t)
            spent += time.perf_counter() - began
            self.timings[name] = spent
            t += period

    def run(self) -> None:
        for rank, period, name, tick in self.families:
            self.env.process(self._loop(rank, period, name, tick))
        self.env.run(until=self.days * DAY + 1)
