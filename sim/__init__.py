"""repsim: a discrete-event simulator of a marketplace reputation system.

Layers, with imports pointing one way (see README.md):
``sim.rules`` (rule sets as data) -> ``sim.reputation`` (the vectorised scoring core, no SimPy)
-> ``sim.market`` (SimPy actors) <- ``sim.scenario`` (validated scenario files); ``sim.io`` reads and
writes logs; ``sim.cli`` is the ``repsim`` command.
"""

__version__ = "0.1.0"
