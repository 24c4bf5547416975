"""Reading attack and detector configs (plain TOML-like data) into validated frozen dataclasses.

Config classes declare their fields with ``sim.scenario.schema.knob`` (default, range, meaning), the
same field format as the rest of a scenario, so the actor registry can validate them in a scenario
file too. This module adds what an attack section needs beyond that: a *preset* to start from, and
an error for an unknown key that suggests the close known key ("did you mean ...").

Every error is a :class:`sim.errors.InputError` naming the source, the dotted key path and what was
expected.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Mapping

from sim.errors import InputError, did_you_mean
from sim.scenario.schema import check_number


def _hint(word: str, choices) -> str:
    """`` (did you mean 'x'?)`` after an expectation when a choice is close to ``word``, else ``""``."""
    hint = did_you_mean(word, choices)
    return f" ({hint})" if hint else ""


def unknown_key(source: str, path: str, key: str, known) -> InputError:
    """The error for an unknown key, with "did you mean" when a known key is close."""
    hint = _hint(key, sorted(known))
    return InputError(source, path, f"one of the keys {', '.join(sorted(known))}{hint}", key)


def check_value(value: Any, f: dataclasses.Field, tp: Any, source: str, path: str) -> Any:
    """One field's value checked against its type and the knob's range and choices."""
    meta = f.metadata
    if tp is bool:
        if not isinstance(value, bool):
            raise InputError(source, path, "true or false", value)
        return value
    if tp in (int, float):
        value = check_number(value, meta, source, path, tp is int)
        return float(value) if tp is float else value
    if tp is str:
        if not isinstance(value, str):
            raise InputError(source, path, "a string", value)
        choices = meta.get("choices")
        if choices and value not in choices:
            raise InputError(source, path, f"one of {', '.join(choices)}{_hint(value, choices)}", value)
        return value
    if tp is tuple:
        if not isinstance(value, (list, tuple)):
            raise InputError(source, path, "an array", value)
        if meta.get("length") is not None and len(value) != meta["length"]:
            raise InputError(source, path, f"an array of {meta['length']} values", list(value))
        return tuple(value)
    raise TypeError(f"unsupported config field type {tp}")  # pragma: no cover - a declaration error


def build(cls: type, data: Mapping, source: str, path: str, base: Any = None) -> Any:
    """An instance of the frozen dataclass ``cls`` from ``data``, starting from ``base`` (or the
    defaults); nested dataclass fields are read from nested tables."""
    if not isinstance(data, Mapping):
        raise InputError(source, path or "(top level)", "a table", data)
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    changes = {}
    for key, value in data.items():
        where = f"{path}.{key}" if path else key
        if key not in fields:
            raise unknown_key(source, where, key, fields)
        tp = hints[key]
        if dataclasses.is_dataclass(tp):
            start = getattr(base, key) if base is not None else None
            changes[key] = build(tp, value, source, where, start)
        else:
            changes[key] = check_value(value, fields[key], tp, source, where)
    made = dataclasses.replace(base, **changes) if base is not None else cls(**changes)
    check = getattr(made, "check", None)
    if check is not None:
        check(source, path)
    return made


def build_with_preset(cls: type, data: Mapping, presets: Mapping[str, Any], source: str, path: str,
                      default: str) -> Any:
    """``data`` may name ``preset = "..."`` (one of ``presets``); its other keys override it."""
    if not isinstance(data, Mapping):
        raise InputError(source, path or "(top level)", "a table", data)
    data = dict(data)
    name = data.pop("preset", default)
    where = f"{path}.preset" if path else "preset"
    if not isinstance(name, str) or name not in presets:
        raise InputError(source, where, f"one of {', '.join(presets)}{_hint(str(name), presets)}", name)
    return build(cls, data, source, path, presets[name])


def as_data(obj: Any) -> dict:
    """Plain data of a config (for manifests and round trips)."""
    out = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        out[f.name] = as_data(value) if dataclasses.is_dataclass(value) else (
            list(value) if isinstance(value, tuple) else value)
    return out
