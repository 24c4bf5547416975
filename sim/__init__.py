"""repsim: a discrete-event simulator of a marketplace reputation system.

Layers, with imports pointing one way (each imports only from layers listed before it):

1. ``sim.errors`` and ``sim.tomlfile`` (bad input as one error), ``sim.timeutil`` (the one time unit),
   ``sim.vocabulary`` (names scenarios and the market share), ``sim.actors`` (the registry of actor kinds);
2. ``sim.rules`` (rule sets as data);
3. ``sim.reputation`` (the vectorised scoring core, no SimPy);
4. ``sim.io`` (logs and results in and out) and ``sim.scenario`` (validated scenario files);
5. ``sim.market`` (SimPy actors, driven by a scenario);
6. ``sim.commands`` (one module per subcommand, shared helpers in ``sim.commands.common``),
   ``sim.cli`` (the ``repsim`` command) and ``sim.allocator`` (process-wide tuning, applied at this edge).
"""

__version__ = "0.1.0"
