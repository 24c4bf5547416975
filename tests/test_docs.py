"""The project documents its own rules: docs/rules.md describes every rule ID the code and docs cite
and tabulates every rule-set field, and nothing points to documents outside the repository."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from sim.rules import table
from sim.rules.ruleset import RuleSet

ROOT = Path(__file__).resolve().parents[1]
RULES_DOC = ROOT / "docs" / "rules.md"
PREFIXES = ("TIME", "TX", "ID", "REV", "SCORE", "LEVEL", "DSR", "GROWTH", "PEN", "PLATFORM", "KNOB")
CITED = re.compile(r"\b(?:" + "|".join(PREFIXES) + r")-[A-Z0-9]+(?:-[A-Z0-9]+)*(?:-\*)?")


def described_ids() -> set[str]:
    """The rule IDs that docs/rules.md describes: its ``### ID`` headings."""
    return set(re.findall(r"^### ([A-Z][A-Z0-9-]*)$", RULES_DOC.read_text(encoding="utf-8"), re.M))


def project_files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "pyproject.toml", *ROOT.glob("benchmarks/*.md")]
    for folder, pattern in (("sim", "*.py"), ("docs", "*.md"), ("tests", "*.py"), ("benchmarks", "*.py"),
                            ("scenarios", "*.toml"), ("examples", "*.md")):
        files += sorted((ROOT / folder).rglob(pattern))
    return [f for f in files if f.is_file()]


def test_the_field_table_is_generated_from_ruleset():
    text = RULES_DOC.read_text(encoding="utf-8")
    assert table.rewrite(text) == text, "docs/rules.md is stale: run python -m sim.rules.table"


def test_every_field_and_its_rule_are_documented():
    text = RULES_DOC.read_text(encoding="utf-8")
    ids = described_ids()
    for f in dataclasses.fields(RuleSet):
        if f.name == "name":
            continue
        assert f"`{f.name}`" in text, f.name
        assert f.metadata["rule"] in ids, (f.name, f.metadata["rule"])


def test_every_rule_id_cited_in_the_project_is_described():
    ids = described_ids()
    assert len(ids) >= 60
    missing = {}
    for path in project_files():
        for cited in CITED.findall(path.read_text(encoding="utf-8")):
            known = any(i.startswith(cited[:-1]) for i in ids) if cited.endswith("-*") else cited in ids
            if not known:
                missing.setdefault(cited, str(path.relative_to(ROOT)))
    assert not missing, f"rule IDs cited but not described in docs/rules.md: {missing}"


def test_nothing_points_outside_the_repository():
    # A fresh clone has only what is in it: the rules are docs/rules.md.
    outside = ("shared/" + "spec", "RULES" + ".md", "BEHAVIOUR" + ".md", "STYLE" + ".md")
    found = [(str(p.relative_to(ROOT)), word) for p in project_files()
             for word in outside if word in p.read_text(encoding="utf-8")]
    assert not found
