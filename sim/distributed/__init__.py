"""Scoring a log too big for one machine on Dask distributed (``repsim score --dask``).

The scoring rules look no further than a pair of accounts, so partitions of whole sellers are
scored on the workers by the one-machine core (``sim.reputation.core``), exactly as inside the
whole log. Only what crosses partitions is combined: each buyer's sums, added in input order per
buyer shard, and the order of the system rows. ``scratch`` holds the shuffled shards, ``tasks`` the
work of one worker, ``job`` the stages and the result dataset. docs/distributed.md describes it.
"""
