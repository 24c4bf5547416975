"""The ``repsim`` command as a new user meets it: defaults that just work, and every refusal one line
with exit code 2, no traceback and nothing left behind."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario import schema

from helpers import repsim_command
from helpers.logs import ORDERS_CSV, REVIEWS_CSV

SCORE = ["score", "--orders", str(ORDERS_CSV), "--reviews", str(REVIEWS_CSV)]


def run_args(scenario: Path, out: Path) -> list[str]:
    return ["run", str(scenario), "--seed", "1", "--days", "1", "--quiet", "--out", str(out)]


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("repsim: error: "), err
    assert "Traceback" not in err
    return lines[0]


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".partial-" in p.name)


@pytest.fixture
def empty_scenario(tmp_path) -> Path:
    """A scenario that asks for every default: just an empty [run] table."""
    path = tmp_path / "defaults.toml"
    path.write_text("[run]\n")
    return path


@pytest.mark.parametrize("command", ["validate", "run"])
def test_an_empty_scenario_file_is_refused(command, tmp_path, capsys):
    path = tmp_path / "empty.toml"
    path.write_text("")
    out = tmp_path / "out"
    args = ["validate", str(path)] if command == "validate" else run_args(path, out)
    assert main(args) == 2
    line = one_line_error(capsys)
    assert str(path) in line and "[run]" in line
    assert not out.exists()


def test_a_scenario_of_only_run_gets_every_default(empty_scenario, tmp_path, capsys):
    assert main(["validate", str(empty_scenario)]) == 0
    assert "ok (scenario" in capsys.readouterr().out
    out = tmp_path / "out"
    assert main(run_args(empty_scenario, out)) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario"] == json.loads(json.dumps(schema.canonical(schema.from_mapping({}))))
    assert manifest["rules"]["name"] == "taobao"


def _unwritable_outs(tmp_path: Path) -> list[Path]:
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    outs = [a_file / "out", a_file / "deeper" / "out"]
    if Path("/proc/self").is_dir():  # a system directory where nothing can be created
        outs.append(Path("/proc/repsim-out"))
    return outs


@pytest.mark.parametrize("command", ["run", "score"])
def test_an_unwritable_out_is_refused_before_any_work(command, empty_scenario, tmp_path, capsys):
    for out in _unwritable_outs(tmp_path):
        args = run_args(empty_scenario, out) if command == "run" else SCORE + ["--out", str(out)]
        assert main(args) == 2
        line = one_line_error(capsys)
        assert line.startswith(f"repsim: error: {out}: --out: expected a directory"), line
        assert not out.exists()
    assert leftovers(tmp_path) == []


def test_validate_refuses_unreadable_files_in_one_line_each(tmp_path, capsys):
    not_utf8 = tmp_path / "latin1.toml"
    not_utf8.write_bytes("[run]\nname = 'caf\u00e9'\n".encode("latin-1"))
    assert main(["validate", str(tmp_path), str(not_utf8)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [f"repsim: error: {tmp_path}: expected a readable UTF-8 TOML file ([Errno 21] Is a "
                     f"directory: '{tmp_path}')",
                     lines[1]]
    assert lines[1].startswith(f"repsim: error: {not_utf8}: expected a readable UTF-8 TOML file (")


def test_unreadable_rule_set_and_log_files_are_refused(tmp_path, capsys):
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00order_id\n")
    assert main(["score", "--orders", str(binary), "--reviews", str(REVIEWS_CSV), "--out", str(tmp_path / "o")]) == 2
    assert one_line_error(capsys).startswith(f"repsim: error: {binary}: expected a readable CSV file (")
    rules = tmp_path / "rules.toml"
    rules.write_bytes(b"cap_max = '\xff'\n")
    assert main(SCORE + ["--out", str(tmp_path / "o"), "--rules", str(rules)]) == 2
    assert one_line_error(capsys).startswith(f"repsim: error: {rules}: expected a readable UTF-8 TOML file (")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("text, message", [
    ("[buyers]\ncout = 5\n", "buyers.cout: expected a known key, got 'cout'; did you mean 'count'?"),
    ("[sellers]\ntmall_shar = 0.5\n", "sellers.tmall_shar: expected a known key, got 'tmall_shar'; "
                                      "did you mean 'tmall_share'?"),
    ("[runn]\ndays = 3\n", "runn: expected a known key, got 'runn'; did you mean 'run'?"),
    ("[run]\nrules = \"naiv\"\n", "run.rules: expected a preset (taobao, naive, hardened) or a .toml file, got 'naiv'; "
                                  "did you mean 'naive'?"),
])
def test_a_close_scenario_key_gets_a_suggestion(tmp_path, capsys, text, message):
    path = tmp_path / "s.toml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 2
    assert one_line_error(capsys) == f"repsim: error: {path}: {message}"


def test_a_far_key_lists_the_known_keys_instead(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text("[search]\nzzz = 1\n")
    assert main(["validate", str(path)]) == 2
    line = one_line_error(capsys)
    assert "did you mean" not in line and "one of the keys categories, choice_noise" in line


def test_a_close_rule_set_field_or_preset_gets_a_suggestion(tmp_path, capsys):
    rules = tmp_path / "r.toml"
    rules.write_text('preset = "taobao"\ndedup_day = 0\n')
    assert main(["validate", str(rules)]) == 2
    assert one_line_error(capsys) == (f"repsim: error: {rules}: dedup_day: expected a rule-set field (see "
                                      "docs/rules.md), got 'dedup_day'; did you mean 'dedup_days'?")
    rules.write_text('preset = "taobo"\n')
    assert main(["validate", str(rules)]) == 2
    assert one_line_error(capsys).endswith("got 'taobo'; did you mean 'taobao'?")
    assert main(SCORE + ["--out", str(tmp_path / "o"), "--rules", "Taobao"]) == 2
    assert one_line_error(capsys) == ("repsim: error: --rules: expected a preset (taobao, naive, hardened) or a .toml "
                                      "file, got 'Taobao'; did you mean 'taobao'?")


@pytest.mark.parametrize("command", ["run", "score"])
def test_output_directories_get_the_users_permissions(command, empty_scenario, tmp_path):
    old = os.umask(0o027)
    try:
        out = tmp_path / "new" / "out"
        args = run_args(empty_scenario, out) if command == "run" else SCORE + ["--out", str(out)]
        assert main(args) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o750
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o640 for f in out.iterdir())


def test_the_installed_command_refuses_an_unwritable_out_without_a_traceback(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    for args in (SCORE + ["--out", str(a_file / "out")], ["validate", str(tmp_path)]):
        done = subprocess.run([repsim_command(), *args], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONWARNINGS": "ignore"})
        assert done.returncode == 2, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr, done.stderr
