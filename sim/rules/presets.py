"""Named rule sets, and reading a rule set from TOML (a preset name plus overrides).

- ``taobao``: the platform's rules as ``docs/rules.md`` describes them (every field's default).
- ``naive``: every given review counts: no cap, no dedup, no delay, no default review and no
  windows (``docs/rules.md``, "Rule sets and presets"). Eligibility still holds: success, refunds,
  tmall, removals.
- ``hardened``: ``taobao`` plus a minimum order amount of 10 yuan (docs/findings.md).

A TOML rule-set file looks like::

    preset = "taobao"          # optional, default "taobao"
    name = "taobao-no-dedup"   # optional
    dedup_days = 0
    cap_max = 10
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sim.errors import InputError, did_you_mean
from sim.rules.ruleset import RuleSet, field_names, validate
from sim.tomlfile import read_toml

TAOBAO = validate(RuleSet(name="taobao"))

NAIVE = validate(dataclasses.replace(
    TAOBAO,
    name="naive",
    review_window_days=None,
    default_good=False,
    delayed_effect=False,
    modify_window_days=None,
    dedup_days=0.0,
    cap_period="none",
    cap_max=None,
    cap_min=None,
    positive_rate_days=None,
    dsr_window_days=None,
    dsr_cap=None,
    dsr_mean_days=None,
    tmall_buyer_credit_cap=None,
))

#: taobao plus a minimum order amount (KNOB-MIN-AMOUNT): no credit from orders of 10 yuan or less.
#: Chosen from experiments/caps_dedup_decay.toml (docs/findings.md): of the knobs tried, the one that
#: cut the brusher's return against every cheap strategy without lowering honest sellers' credit or
#: raising the stealth farm's return (a reviewer age and decay each did one or the other).
HARDENED = validate(dataclasses.replace(
    TAOBAO,
    name="hardened",
    min_amount=10.0,
))

PRESETS: dict[str, RuleSet] = {r.name: r for r in (TAOBAO, NAIVE, HARDENED)}


def from_mapping(data: dict, source: str) -> RuleSet:
    """A rule set from parsed TOML-like data: ``preset`` plus field overrides, validated."""
    data = dict(data)
    preset = data.pop("preset", "taobao")
    if preset not in PRESETS:
        raise InputError(source, "preset", f"one of {', '.join(PRESETS)}", preset,
                         did_you_mean(preset, PRESETS))
    base = PRESETS[preset]
    known = set(field_names())
    changes = {}
    for key, value in data.items():
        if key not in known:
            raise InputError(source, key, "a rule-set field (see docs/rules.md)", key,
                             did_you_mean(key, known))
        default = getattr(base, key)
        if value == "none" and key in _NULLABLE:
            # TOML has no null: the string "none" switches off a window, a cap or a bound.
            changes[key] = None
            continue
        if key == "level_thresholds":
            value = tuple(value) if isinstance(value, list) else value
        elif key == "serious_nodes":
            if not isinstance(value, list) or not all(isinstance(v, list) and len(v) == 2 for v in value):
                raise InputError(source, key, "a list of [points, days] pairs", value)
            value = tuple((v[0], v[1]) for v in value)
        elif isinstance(default, bool) or key == "name" or isinstance(default, str):
            if type(value) is not type(default):
                raise InputError(source, key, f"a {type(default).__name__}", value)
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(source, key, "a number", value)
        elif isinstance(default, int) and not isinstance(value, int) and key not in _FLOAT_OR_NONE:
            raise InputError(source, key, "an integer", value)
        changes[key] = value
    changes.setdefault("name", data.get("name", f"{preset}+{Path(source).stem}" if data else preset))
    return validate(dataclasses.replace(base, **changes), source)


def load(spec: str) -> RuleSet:
    """A preset name, or the path of a TOML rule-set file."""
    if spec in PRESETS:
        return PRESETS[spec]
    path = Path(spec)
    if not path.suffix == ".toml":
        raise InputError("--rules", "", f"a preset ({', '.join(PRESETS)}) or a .toml file", spec,
                         did_you_mean(spec, PRESETS))
    return from_mapping(read_toml(path, "rule-set file"), spec)


_NULLABLE = {
    f.name for f in dataclasses.fields(RuleSet) if f.default is None
} | {"review_window_days", "modify_window_days", "positive_rate_days", "dsr_window_days",
     "dsr_mean_days", "cap_max", "cap_min", "dsr_cap", "tmall_buyer_credit_cap"}
_FLOAT_OR_NONE = {f.name for f in dataclasses.fields(RuleSet) if f.name.endswith(("_days", "_hours"))}
