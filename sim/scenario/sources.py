"""Where each scenario knob's default comes from: a seed, a field study, a calibration, or an assumption.

``SOURCES`` maps key patterns to a source or reason; ``knob_table`` renders the knob table of
``docs/market.md`` (key, default, meaning from ``sim.scenario.schema``, and this source).

    python -c "from sim.scenario.sources import knob_table; print(knob_table())"
"""

from __future__ import annotations

#: Where each knob's default comes from: (key pattern, source or reason), the first match wins
#: (fnmatch patterns over the dotted key path; docs/market.md's knob table shows them).
SOURCES: tuple[tuple[str, str], ...] = (
    ("run.low_quality_threshold", "metric definition"),
    ("run.metric_horizon_days", "metric definition: the taobao review window (REV-WINDOW)"),
    ("run.*", "run control, not behaviour"),
    ("buyers.count", "scale of the shipped scenarios"),
    ("buyers.visits_per_day", "scale: with buy_prob, the order volume of the shipped scenarios"),
    ("buyers.hourly_profile", "seed 004 (enquiries peak at 0:00-2:00 on Double 11); evening-heavy day assumed"),
    ("buyers.weekly_profile", "assumption: a little more shopping at weekends"),
    ("buyers.festivals*", "seed 004 (Double 11: volume many times normal, peak at 0:00-2:00)"),
    ("buyers.archetypes.*.disappointed_silence", "Dellarocas and Wood (the dissatisfied often stay silent)"),
    ("buyers.archetypes.*.expectation", "calibrated (issue 10): > 99% positive feedback with informative reputation"),
    ("buyers.archetypes.*.share", "seed 000 L154, 001, 002 (archetypes); shares assumed"),
    ("buyers.archetypes.*.review_prob", "calibrated: feedback on more than half of successes (Resnick and Zeckhauser)"),
    ("buyers.archetypes.*", "seed 000 L154, 001, 002 (archetype behaviour); size assumed"),
    ("buyers.mild_margin", "calibrated (issue 10): > 99% positive feedback"),
    ("buyers.perception_sd", "assumption: perceived quality varies a little per parcel"),
    ("buyers.*_penalty", "docs/market.md Stylised facts (couriers): the buyer blames the seller for failures; size assumed"),
    ("buyers.dispatch_grace_days", "docs/rules.md platform.late_shipping_days' order of size; assumption"),
    ("buyers.avoid_*", "docs/market.md Stylised facts: satisfaction drives buying again; length assumed"),
    ("buyers.exchange_*", "seed 002 (exchange, no return); probabilities assumed"),
    ("buyers.return_*", "seed 002, docs/rules.md TX-RETURN; probabilities assumed"),
    ("buyers.*", "assumption (delays of hours to days, seed 002's after-sales practice)"),
    ("sellers.quality_*", "calibrated (issue 10): a quality spread the reputation can separate"),
    ("sellers.price_sd", "calibrated (issue 10): price differences do not swamp reputation"),
    ("sellers.cashback_*", "seed 002, 003 (cash back for good reviews)"),
    ("sellers.ask_change_share", "seed 002, 003 (sellers phone bad reviewers)"),
    ("sellers.answer_delay_days", "seed 002, 003 (sellers answer bad reviews)"),
    ("sellers.generous_share", "seed 002 (restrictive: exchange, no return)"),
    ("sellers.dispatch_*", "seed 000 L120 (late shipping under heavy load)"),
    ("sellers.capacity_per_sale", "seed 000 L120; assumption: larger shops pack more"),
    ("sellers.cs_*", "seed 001, 003 (customer service capacity and skill)"),
    ("sellers.temper_mean", "seed 001, 003 (rude replies)"),
    ("sellers.*_abandon", "seed 001, 003 (a bad reply loses the sale)"),
    ("sellers.*on_loss_prob", "seed 000 L176, 002 (reship first, claim from the courier)"),
    ("sellers.*", "assumption"),
    ("couriers*", "docs/market.md Stylised facts (couriers), seeds 001-003 (delay, loss, damage, undeliverable); rates assumed"),
    ("search.*", "calibrated (issue 10): the buyer's utility, docs/market.md 'The buyer's choice'"),
    ("reviews.*", "calibrated (issue 10): DSRs near 4.6-4.8 that respond to the order"),
    ("delivery.*", "docs/rules.md delivery kinds (TX-AUTOCONFIRM); shares assumed (mostly express)"),
    ("platform.intervene_*", "docs/rules.md TX-INTERVENE [decision]: the evidence decides"),
    ("platform.defect_quality", "docs/rules.md TX-INTERVENE [decision]"),
    ("platform.no_reason_return_days", "seed 004 (seven-day no-reason return)"),
    ("platform.return_*", "the couriers' express and surface transit"),
    ("platform.postage", "seed 002 (postage by fault); amount assumed"),
    ("platform.points_*", "docs/rules.md PEN-POINTS [decision]"),
    ("platform.late_shipping_days", "seed 000 L120 [decision]"),
    ("platform.rank_*", "calibrated (issue 10): the rank from the shown signals"),
    ("platform.*", "assumption: the platform refreshes daily, shows 30-day sales"),
    ("actors", "extension point (sim.actors)"),
    ("detectors", "none by default: the platform detects nothing unless a scenario declares detectors"),
)


def knob_source(path: str) -> str:
    """The source or reason of a knob's default (``SOURCES``)."""
    from fnmatch import fnmatchcase
    for pattern, source in SOURCES:
        if fnmatchcase(path, pattern):
            return source
    return ""


def knob_table() -> str:
    """The knob table of docs/market.md: key, default, meaning, source or reason."""
    lines = ["| key | default | meaning | source or reason |", "|---|---|---|---|"]
    from sim.scenario.schema import describe
    for path, default, doc in describe():
        lines.append(f"| `{path}` | `{default}` | {doc} | {knob_source(path)} |")
    return "\n".join(lines)
