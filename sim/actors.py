"""The actor registry: every actor family by name, its same-time rank and its wake-up period.

It sits outside ``sim.market`` and ``sim.scenario`` because both read it: a scenario validates its
``[[actors]]`` tables against the registered kinds, and the market runs them.

A scenario names actor kinds; it never holds code. The core families of the honest market are
always present (they are configured by the scenario's own sections). Further kinds (a brushing farm,
an extortion gang) register here with :func:`register` and are switched on by ``[[actors]]`` tables
in a scenario, whose keys the kind's ``config`` dataclass validates (with the same rules as the rest
of the scenario, see ``sim.scenario.schema``).

An actor family is any object with ``tick(now: int) -> None`` (``now`` in absolute seconds). It acts
only through the order lifecycle of ``sim.market.orders.OrderBook`` and the platform's public
methods, so the platform's timers, scoring, ranking and penalties judge it like anyone else.

**Built-in and researchers' kinds.** The attack kinds shipped with repsim (``farm``, ``gang``) live in
the market package and register themselves when their module is imported; :func:`kind` imports
:data:`BUILTIN_MODULES` by name on first use (so this module imports nothing of ``sim``). A scenario
can also load a kind from the researcher's own module, without changing repsim: ``kind =
"package.module:attribute"`` imports ``package.module`` (the scenario file's folder is searched first),
whose import registers the actor with :func:`register`; ``attribute`` is the registered factory (or the
registered kind's name).

Same-time order (RULES-independent, a modelling decision): at one instant, families run in
increasing ``rank``. The core ranks are listed in ``CORE_RANKS``; extra actors default to rank 7,
after the genuine reviewers and before the platform's daily work.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sim.timeutil import DAY, HOUR

#: The core families and their ranks: at one instant they run in this order.
CORE_RANKS = {
    "arrivals": 0,  # buyers visit, search, chat and place orders (buyers.py)
    "payment": 1,  # buyers haggle and pay (buyers.py)
    "sellers": 2,  # sellers pack paid orders and answer after-sales requests (sellers.py)
    "couriers": 3,  # pickup rounds, transit, delivery (couriers.py)
    "reactions": 4,  # buyers judge what arrived: confirm, refund, return, exchange (buyers.py)
    "timers": 5,  # the platform's section-1 timeouts and interventions (platform.py)
    "reviewers": 6,  # reviews, DSRs, seller answers and ratings of buyers (reviewers.py)
    "extra": 7,  # registered extra actors, in scenario order
    "daily": 8,  # growth, scoring, penalties, ranking, daily records (platform.py)
}


@dataclass(frozen=True)
class ActorKind:
    name: str
    config: type  # a frozen dataclass built with sim.scenario.schema.knob fields
    factory: Callable[[Any, Any, Any], Any]  # (world, config, numpy Generator) -> family with .tick(now)
    rank: int = CORE_RANKS["extra"]
    period: int = HOUR
    doc: str = ""
    # optional reader (data, source, key path) -> config, for configs with presets or nested tables
    read: Callable[[Any, str, str], Any] | None = None


EXTRA_ACTORS: dict[str, ActorKind] = {}

#: modules whose import registers the built-in attack kinds (imported by name: see the docstring)
BUILTIN_MODULES = ("sim.market.farm", "sim.market.gang")
_loaded = False


def register(name: str, config: type, *, rank: int = CORE_RANKS["extra"], period: int = HOUR,
             doc: str = "", read: Callable | None = None) -> Callable:
    """Decorator: register ``factory(world, config, rng)`` as actor kind ``name``."""
    if period not in (HOUR, DAY):
        raise ValueError("an actor family wakes hourly or daily")

    def deco(factory: Callable) -> Callable:
        EXTRA_ACTORS[name] = ActorKind(name, config, factory, rank, period, doc or (factory.__doc__ or ""), read)
        return factory

    return deco


def known() -> dict[str, ActorKind]:
    """Every registered kind, the built-in ones included."""
    global _loaded
    if not _loaded:
        _loaded = True
        for module in BUILTIN_MODULES:
            importlib.import_module(module)
    return EXTRA_ACTORS


def kind(name: str, folder: str | Path | None = None) -> ActorKind | None:
    """The kind a scenario names: a registered name, or ``module:attribute`` from the researcher's
    module (``folder``, the scenario file's folder, is searched first). None if there is no such kind;
    ImportError if the module cannot be imported."""
    kinds = known()
    if ":" not in name:
        return kinds.get(name)
    module, _, attribute = name.partition(":")
    added = folder is not None and str(folder) not in sys.path
    if added:
        sys.path.insert(0, str(folder))
    try:
        mod = importlib.import_module(module)
    finally:
        if added:
            sys.path.remove(str(folder))
    target = getattr(mod, attribute, None)
    for k in kinds.values():
        if k.factory is target or k.name == attribute:
            EXTRA_ACTORS.setdefault(name, k)
            return k
    return None


def unregister(name: str) -> None:
    EXTRA_ACTORS.pop(name, None)
