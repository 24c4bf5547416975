"""The extra sections of a scenario: ``[[actors]]`` (attacks and researchers' actors, by registered kind
or ``module:attribute``, ``sim.actors``) and ``[[detectors]]`` (``sim.detection.read_detector``), with
unique names (each keys its random stream and its rows)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from sim.errors import InputError, did_you_mean
from sim.scenario.schema import ActorSpec, _build


def read_extras(section: str, value: list, source: str, path: str) -> tuple:
    """The validated ``[[actors]]`` or ``[[detectors]]`` tables."""
    if section == "actors":
        out = tuple(read_actor(v, source, f"{path}[{i}]") for i, v in enumerate(value))
    else:
        from sim.detection import read_detector
        out = tuple(read_detector(v, source, f"{path}[{i}]") for i, v in enumerate(value))
    check_names([x.name for x in out], source, path)
    return out


def read_actor(data: Any, source: str, path: str) -> ActorSpec:
    from sim import actors

    if not isinstance(data, dict):
        raise InputError(source, path, "a table", data)
    kind = data.get("kind")
    folder = Path(source).parent if source not in ("<defaults>", "<scenario>") else None
    try:
        found = actors.kind(kind, folder) if isinstance(kind, str) else None
    except ImportError as e:
        raise InputError(source, f"{path}.kind", "an importable module:attribute", kind, f"cannot import it: {e}") from None
    if found is None:
        known = actors.known()
        raise InputError(source, f"{path}.kind", f"a registered actor kind ({', '.join(known) or 'none'}) or "
                         "module:attribute", kind, did_you_mean(kind, known) if isinstance(kind, str) else "")
    params = {k: v for k, v in data.items() if k != "kind"}
    if found.read is not None:
        config = found.read(params, source, path)
    else:
        config = _build(found.config, params, source, path)
    name = getattr(config, "name", None) or kind
    return ActorSpec(kind=kind, params=tuple(sorted(plain_data(config).items())), name=str(name), config=config)


def plain_data(obj: Any) -> dict:
    return {f.name: (plain_data(getattr(obj, f.name)) if dataclasses.is_dataclass(getattr(obj, f.name))
                     else list(getattr(obj, f.name)) if isinstance(getattr(obj, f.name), tuple)
                     else getattr(obj, f.name)) for f in dataclasses.fields(obj)}


def check_names(names: list[str], source: str, path: str) -> None:
    """Attacks and detectors are keyed by name (their random streams, their rows): names are unique."""
    seen = set()
    for i, name in enumerate(names):
        if name in seen:
            raise InputError(source, f"{path}[{i}].name", "a name not used by an earlier table", name)
        seen.add(name)
