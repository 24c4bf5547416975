"""The ``repsim`` command: parses arguments and hands each subcommand to its module.

Bad input (``sim.errors.InputError``), and any file the system refuses (``OSError``), becomes one
line on stderr and exit code 2, with no traceback; Ctrl-C becomes exit code 130. Output directories
are written atomically by the subcommands, so neither leaves a directory that looks complete but is
not.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from sim import __version__
from sim.allocator import keep_freed_memory
from sim.errors import InputError

#: subcommand -> (module, one-line help)
COMMANDS = {
    "score": ("sim.commands.score", "score a review log under a rule set"),
    "run": ("sim.commands.run", "simulate a market scenario"),
    "validate": ("sim.commands.validate", "check scenario and rule-set files"),
    "calibrate": ("sim.commands.calibrate", "print a scenario's honest stylised facts over several seeds"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors exit 2 as well
        self.print_usage(sys.stderr)
        self.exit(2, f"repsim: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="repsim", description="Discrete-event simulator of a marketplace reputation system.")
    parser.add_argument("--version", action="version", version=f"repsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        module.add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command][0])
    keep_freed_memory()  # big numpy temporaries reuse mapped pages (sim.allocator)
    try:
        return int(module.main(args) or 0)
    except InputError as exc:
        print(f"repsim: error: {exc.message()}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file the checks above did not foresee: still one line, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"repsim: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("repsim: interrupted; no output was completed", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
