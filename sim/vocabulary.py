"""The market's vocabulary: the names that scenario files and the market both speak.

A scenario file configures one table per buyer archetype and one share per delivery kind; the market
draws archetypes and delivery kinds as small integer codes, which are positions in these tuples. Both
layers import the names from here, so neither imports the other for them.
"""

from __future__ import annotations

#: buyer archetypes: ``[buyers.archetypes.<name>]`` in a scenario, the ``archetype`` code of an order
ARCHETYPES = ("direct", "sociable", "bargainer", "non_payer", "perfectionist", "vindictive")

#: delivery kinds of items: ``[delivery] <name> = share`` in a scenario, the ``kind`` code of an order
DELIVERY_KINDS = ("express", "ems", "surface_mail", "virtual", "auto_delivery", "no_logistics")
