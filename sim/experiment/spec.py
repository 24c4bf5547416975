"""Experiment files: TOML (data only) -> a validated ``Experiment`` and its plan of runs.

The format is documented in docs/experiments.md. In short, an experiment names either scenarios
(each with variants: dotted-key overrides) or a log, and rule sets (presets, files, overrides and
grids), a master seed, replicates, a baseline rule set, its figures and a ``quick`` size.

Every error is an ``InputError`` naming the experiment file and the key path
(``rules[2].dedup_dayz``), with the closest known key when one is near; the CLI exits 2. Scenario
variants are validated by loading them (``sim.scenario.schema.load`` with overrides) and rule sets by
building them (``sim.rules.presets.from_mapping``), before anything runs.

Rule-set names and grids (documented in docs/experiments.md): an entry's name is its ``name``, else
its file's stem, else its preset; a knob given a list expands the entry into one rule set per value;
several grid knobs expand into their product, in the order they are written, the last varying
fastest. Each grid value appends ``+knob=value`` to the name (and, for an entry without ``name``, so
does each single override).
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import zlib
from pathlib import Path

import numpy as np

from sim.errors import InputError, did_you_mean
from sim.tomlfile import read_toml

#: The figure kinds of ``sim.plot`` (kept here too so that validating a file needs no matplotlib).
FIGURE_KINDS = ("credit_over_time", "fake_points_by_status", "brusher_roi", "rank_agreement",
                "detection_frontier", "extortion")

TOP_KEYS = ("name", "description", "seed", "replicates", "baseline", "figures", "quick", "scenarios",
            "rules", "log")
SCENARIO_KEYS = ("file", "name", "set", "variants", "control")
RULE_KEYS = ("name", "preset", "file")
LOG_KEYS = ("orders", "reviews", "accounts", "as_of")
QUICK_KEYS = ("replicates", "set")
#: rule-set knobs whose plain value is already a list: a grid of them is a list of such lists
LIST_KNOBS = {"level_thresholds": 1, "serious_nodes": 2}
_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+=-]*")


@dataclasses.dataclass(frozen=True)
class Variant:
    scenario: str  # the scenario's name
    name: str  # the variant's name
    file: str  # the scenario file
    overrides: dict  # dotted key path -> value (scenario-wide ``set``, then the variant's own)
    where: str  # key path of the variant in the experiment file, for error messages
    control: str | None = None  # the scenario's variant without the attack; set: all its variants share seeds

    @property
    def label(self) -> str:
        return f"{self.scenario}.{self.name}"


@dataclasses.dataclass(frozen=True)
class LogInput:
    orders: str
    reviews: str
    accounts: str | None
    as_of: str | None


@dataclasses.dataclass(frozen=True)
class Run:
    """One planned run: a scenario variant (or the log) under one rule set, one replicate."""

    scenario: str
    variant: str
    rules: str
    replicate: int
    seed: int

    @property
    def run_id(self) -> str:
        """Also its directory under ``runs/``."""
        return f"{self.scenario}.{self.variant}/{self.rules}/rep-{self.replicate}"


@dataclasses.dataclass(frozen=True)
class Experiment:
    name: str
    source: str
    seed: int
    replicates: int
    baseline: str
    figures: tuple[str, ...] | None  # None: every kind whose data the sweep has
    variants: tuple[Variant, ...]  # empty for a log experiment
    log: LogInput | None
    rules: dict  # name -> RuleSet, in expansion order
    quick: dict  # the [quick] table as given

    @property
    def kind(self) -> str:
        return "log" if self.log is not None else "scenarios"

    def runs(self) -> list[Run]:
        """The plan: per variant, per replicate, every rule set with the same seed (paired)."""
        if self.log is not None:
            return [Run("log", "default", name, 0, self.seed) for name in self.rules]
        plan = []
        for v in self.variants:
            label = v.scenario if v.control is not None else v.label  # a control: one world per replicate
            for rep, seed in enumerate(variant_seeds(self.seed, label, self.replicates)):
                plan.extend(Run(v.scenario, v.name, name, rep, seed) for name in self.rules)
        return plan

    def sized(self, quick: bool) -> "Experiment":
        """This experiment at its ``quick`` size (fewer replicates, scenario overrides), or itself."""
        if not quick or not self.quick:
            return self
        extra = self.quick.get("set", {})
        variants = tuple(dataclasses.replace(v, overrides={**v.overrides, **extra},
                                             where=f"{v.where} with quick.set" if extra else v.where)
                         for v in self.variants)
        return dataclasses.replace(self, replicates=self.quick.get("replicates", self.replicates),
                                   variants=variants)


def variant_seeds(master: int, label: str, replicates: int) -> list[int]:
    """The seeds of one variant's replicates, drawn from the master seed.

    ``SeedSequence(master, spawn_key=(crc32(label),))``: a variant's seeds do not change when other
    variants are added, and the first k replicates are the same whatever the number of replicates
    (so ``--quick`` runs a prefix of the full sweep).
    """
    ss = np.random.SeedSequence(master, spawn_key=(zlib.crc32(label.encode()),))
    return [int(s) for s in ss.generate_state(replicates, dtype=np.uint32)]


# ----------------------------------------------------------------------------------------------


def _keys(table: dict, allowed, source: str, prefix: str, extra=()) -> None:
    for key in table:
        if key not in allowed and key not in extra:
            path = f"{prefix}.{key}" if prefix else key
            raise InputError(source, path, f"one of the keys {', '.join(allowed)}", key,
                             did_you_mean(key, list(allowed) + list(extra)))


def _table(value, source: str, path: str) -> dict:
    if not isinstance(value, dict):
        raise InputError(source, path, "a table", value)
    return value


def _int(value, source: str, path: str, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise InputError(source, path, f"an integer >= {lo}", value)
    return value


def _name(value, source: str, path: str) -> str:
    if not isinstance(value, str) or not _SAFE_NAME.fullmatch(value):
        raise InputError(source, path, "a name of letters, digits and _ . + = - (it names directories)", value)
    return value


def load(path: str | Path) -> Experiment:
    """Read and validate an experiment file (scenarios and rule sets included)."""
    path = Path(path)
    return from_mapping(read_toml(path, "experiment file"), str(path), path.parent)


def from_mapping(data: dict, source: str, base: Path) -> Experiment:
    _keys(data, TOP_KEYS, source, "")
    name = _name(data.get("name", Path(source).stem), source, "name")
    seed = _int(data.get("seed", 0), source, "seed", 0)
    replicates = _int(data.get("replicates", 1), source, "replicates", 1)
    has_log, has_scen = "log" in data, "scenarios" in data
    if has_log == has_scen:
        raise InputError(source, "scenarios / log", "exactly one of [[scenarios]] and [log]")
    rules = _rule_sets(data.get("rules"), source, base)
    baseline = data.get("baseline", next(iter(rules)))
    if baseline not in rules:
        raise InputError(source, "baseline", f"the name of one of the rule sets ({', '.join(rules)})", baseline,
                         did_you_mean(baseline, rules))
    figures = data.get("figures")
    if figures is not None:
        if not isinstance(figures, list):
            raise InputError(source, "figures", "an array of figure kinds", figures)
        for i, kind in enumerate(figures):
            if kind not in FIGURE_KINDS:
                raise InputError(source, f"figures[{i}]", f"one of {', '.join(FIGURE_KINDS)}", kind,
                                 did_you_mean(kind, FIGURE_KINDS))
        figures = tuple(figures)
    quick = _table(data.get("quick", {}), source, "quick")
    _keys(quick, QUICK_KEYS, source, "quick")
    if "replicates" in quick:
        _int(quick["replicates"], source, "quick.replicates", 1)
    quick_set = _table(quick.get("set", {}), source, "quick.set")
    log = None
    variants: tuple[Variant, ...] = ()
    if has_log:
        if quick_set:
            raise InputError(source, "quick.set", "no scenario overrides in a log experiment")
        log = _log(data["log"], source, base)
    else:
        variants = _variants(data["scenarios"], source, base)
    exp = Experiment(name, source, seed, replicates, baseline, figures, variants, log, rules, quick)
    if variants:
        check_variants(exp, source)
        if quick_set:
            check_variants(exp.sized(True), source)
    return exp


def _log(value, source: str, base: Path) -> LogInput:
    table = _table(value, source, "log")
    _keys(table, LOG_KEYS, source, "log")
    files = {}
    for key in ("orders", "reviews", "accounts"):
        if key not in table:
            if key == "accounts":
                files[key] = None
                continue
            raise InputError(source, f"log.{key}", "a log file (.csv or .parquet)")
        if not isinstance(table[key], str) or not (base / table[key]).is_file():
            raise InputError(source, f"log.{key}", "an existing file, relative to the experiment file",
                             table[key])
        files[key] = str(base / table[key])
    as_of = table.get("as_of")
    if as_of is not None:
        from sim.io.logfiles import parse_time_option
        if not isinstance(as_of, str):
            raise InputError(source, "log.as_of", "an ISO 8601 time as text", as_of)
        parse_time_option(as_of, f"{source}: log.as_of")
    return LogInput(files["orders"], files["reviews"], files["accounts"], as_of)


def _variants(value, source: str, base: Path) -> tuple[Variant, ...]:
    if not isinstance(value, list) or not value:
        raise InputError(source, "scenarios", "a non-empty array of tables ([[scenarios]])", value)
    out: list[Variant] = []
    for i, entry in enumerate(value):
        where = f"scenarios[{i}]"
        entry = _table(entry, source, where)
        _keys(entry, SCENARIO_KEYS, source, where)
        file = entry.get("file")
        if not isinstance(file, str):
            raise InputError(source, f"{where}.file", "a scenario .toml file, relative to the experiment file",
                             file)
        scen_name = _name(entry.get("name", Path(file).stem), source, f"{where}.name")
        common = _table(entry.get("set", {}), source, f"{where}.set")
        variants = _table(entry.get("variants", {"default": {}}), source, f"{where}.variants")
        if not variants:
            raise InputError(source, f"{where}.variants", "at least one variant")
        control = entry.get("control")
        if control is not None and control not in variants:
            raise InputError(source, f"{where}.control", f"the name of one of its variants ({', '.join(variants)})",
                             control, did_you_mean(str(control), variants))
        for vname, overrides in variants.items():
            _name(vname, source, f"{where}.variants.{vname}")
            overrides = _table(overrides, source, f"{where}.variants.{vname}")
            v = Variant(scen_name, vname, str(base / file), {**common, **overrides}, f"{where}.variants.{vname}",
                        control)
            if any(o.label == v.label for o in out):
                raise InputError(source, v.where, "a scenario.variant name used once", v.label)
            out.append(v)
    return tuple(out)


def check_variants(exp: Experiment, source: str) -> None:
    """Load every variant with its overrides and check that it fits in memory (as ``repsim run`` would)."""
    from sim.scenario.schema import load as load_scenario
    from sim.scenario.sizing import check_fits

    for v in exp.variants:
        scenario = load_scenario(v.file, v.overrides, f"{source}: {v.where}")
        check_fits(scenario)


def _rule_sets(value, source: str, base: Path) -> dict:
    from sim.rules import presets
    from sim.rules.ruleset import field_names

    if value is None:
        value = ["taobao"]
    if not isinstance(value, list) or not value:
        raise InputError(source, "rules", "a non-empty array of rule sets (names or tables)", value)
    knobs = [k for k in field_names() if k != "name"]
    out: dict = {}
    for i, entry in enumerate(value):
        where = f"rules[{i}]"
        if isinstance(entry, str):  # a preset name or a rule-set file
            entry = {"file": entry} if entry.endswith(".toml") else {"preset": entry}
        entry = dict(_table(entry, source, where))
        _keys(entry, RULE_KEYS, source, where, extra=knobs)
        if "preset" in entry and "file" in entry:
            raise InputError(source, where, "either preset or file, not both")
        data: dict = {}
        if "file" in entry:
            file = entry.pop("file")
            path = base / file if isinstance(file, str) else None
            if path is None or not path.is_file():
                raise InputError(source, f"{where}.file", "an existing rule-set .toml file, relative to the "
                                 "experiment file", file)
            data = read_toml(path, "rule-set file")
            stem = data.get("name", path.stem)
        else:
            preset = entry.setdefault("preset", "taobao")
            if preset not in presets.PRESETS:
                raise InputError(source, f"{where}.preset", f"one of {', '.join(presets.PRESETS)}", preset,
                                 did_you_mean(preset, presets.PRESETS))
            stem = preset
        given_name = entry.pop("name", None)
        overrides = {k: v for k, v in entry.items() if k != "preset"}
        data.update({k: v for k, v in entry.items() if k == "preset"})
        grid = {k: v for k, v in overrides.items() if _is_grid(k, v)}
        fixed = {k: v for k, v in overrides.items() if k not in grid}
        for k, values in grid.items():
            if not values:
                raise InputError(source, f"{where}.{k}", "a non-empty list of values (a grid)")
        prefix = _name(given_name, source, f"{where}.name") if given_name is not None else \
            stem + "".join(f"+{k}={_text(v)}" for k, v in fixed.items())
        for combo in itertools.product(*[list(enumerate(v)) for v in grid.values()]):
            name = prefix + "".join(f"+{k}={_text(v) if k not in LIST_KNOBS else j}"
                                    for k, (j, v) in zip(grid, combo))
            _name(name, source, f"{where}.name")
            if name in out:
                raise InputError(source, where, "rule sets with distinct names (give each entry a name)", name)
            mapping = {**data, **fixed, **{k: v for k, (_, v) in zip(grid, combo)}, "name": name}
            out[name] = presets.from_mapping(mapping, f"{source}: {where}")
    return out


def _is_grid(knob: str, value) -> bool:
    depth = LIST_KNOBS.get(knob, 0)
    while depth >= 0:
        if not isinstance(value, list):
            return False
        value = value[0] if value else None
        depth -= 1
        if value is None:
            return depth < 0
    return True


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
