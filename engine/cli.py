"""The command line: ``run`` evaluates nodes of a graph file (no GUI needed)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from .errors import EngineError
from .io import load_graph
from .session import Session
from .tensors import format_tensor, parse_tensor_text

COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {}


def command(name: str) -> Callable[[Callable[[argparse.Namespace], None]], Callable]:
    """Register a subcommand's handler."""

    def register(handler: Callable[[argparse.Namespace], None]) -> Callable:
        COMMANDS[name] = handler
        return handler

    return register


class _Parser(argparse.ArgumentParser):
    """An argument parser that reports a usage error in one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    main = _Parser(prog="python main.py", description="Tensor Canvas engine")
    sub = main.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="evaluate nodes of a graph file and print their values")
    run.add_argument("file", help="a graph file (.json)")
    run.add_argument("--fetch", action="append", metavar="NAME",
                     help="a node to print (repeatable); default: every node nothing reads")
    run.add_argument("--feed", action="append", default=[], metavar="NAME=VALUE",
                     help="a placeholder's value as a JSON or numpy-style list (repeatable)")
    return main


@command("run")
def run(args: argparse.Namespace) -> None:
    graph = load_graph(args.file)
    feeds = dict(parse_feed(item) for item in args.feed)
    fetches = args.fetch or [n.name for n in graph.nodes if not graph.nx.out_degree(n)]
    values = Session(graph).run(fetches, feeds)
    for name, value in zip(fetches, values, strict=True):
        print(f"{name} = {format_tensor(value)}")


def parse_feed(item: str) -> tuple[str, object]:
    """``NAME=VALUE`` → (name, value); ``ValueError`` naming the item if it cannot be read."""
    name, sep, text = item.partition("=")
    if not sep or not name:
        raise ValueError(f"--feed {item!r}: expected NAME=VALUE")
    try:
        return name, parse_tensor_text(text)
    except ValueError as error:
        raise ValueError(f"--feed {name}: {error}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand; bad input prints one line on stderr and returns 2, never a traceback."""
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit:  # --help, or a usage error already reported
        return int(exit.code or 0)
    try:
        COMMANDS[args.command](args)
    except (EngineError, ValueError, KeyError, OSError) as error:
        message = error.args[0] if error.args else str(error)
        print(f"error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
