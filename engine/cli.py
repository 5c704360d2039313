"""The command line: ``run`` evaluates nodes of a graph file, ``train`` trains it (no GUI)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import NoReturn

import numpy as np

from .errors import EngineError
from .io import load_graph, save_graph
from .session import Session
from .tensors import format_tensor, parse_tensor_text
from .train import train_node_for

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
    train = sub.add_parser(
        "train", help="run a train node N times and save the trained graph",
        description="Run a train node (minimize) N times, printing step, loss and speed as it "
                    "goes, then save the trained graph — back into FILE unless --out is given "
                    "(optimizer state is saved too, so training again continues where it "
                    "stopped). Ctrl+C stops after the current step and saves; a loss that "
                    "becomes NaN or infinite stops training without saving.")
    train.add_argument("file", help="a graph file (.json)")
    train.add_argument("--fetch", required=True, metavar="NODE",
                       help="the train node, or the loss a train node minimizes")
    train.add_argument("--steps", required=True, type=int, metavar="N", help="steps to take")
    train.add_argument("--out", metavar="FILE", help="where to save (default: FILE itself)")
    train.add_argument("--feed", action="append", default=[], metavar="NAME=VALUE",
                       help="a placeholder's value for every step (repeatable)")
    train.add_argument("--every", type=int, metavar="K",
                       help="print progress every K steps (default: about ten lines in all)")
    return main


@command("run")
def run(args: argparse.Namespace) -> None:
    graph = load_graph(args.file)
    feeds = dict(parse_feed(item) for item in args.feed)
    fetches = args.fetch or [n.name for n in graph.nodes if not graph.nx.out_degree(n)]
    values = Session(graph).run(fetches, feeds)
    for name, value in zip(fetches, values, strict=True):
        print(f"{name} = {format_tensor(value)}")


@command("train")
def train(args: argparse.Namespace) -> None:
    if args.steps < 1:
        raise ValueError("--steps: expected a number of steps ≥ 1")
    graph = load_graph(args.file)
    train_node, loss = train_node_for(graph, args.fetch)
    feeds = dict(parse_feed(item) for item in args.feed)
    every = args.every or max(1, args.steps // 10)
    session = Session(graph)
    out = args.out or args.file
    start, step = time.perf_counter(), 0
    try:
        for step in range(1, args.steps + 1):
            value = session.run([train_node, loss], feeds)[1]
            if not np.all(np.isfinite(value)):
                raise EngineError(f"the loss {loss.name} became {loss_text(value)} at step "
                                  f"{step}; stopped without saving {out}", node=loss.name)
            if step % every == 0 or step == args.steps:
                rate = step / (time.perf_counter() - start)
                print(f"step {step}/{args.steps}  {loss.name} = {loss_text(value)}  "
                      f"{rate:.0f} steps/s", flush=True)
    except KeyboardInterrupt:
        save_graph(graph, out)
        print(f"stopped after {step - 1} steps; saved the graph to {out}", file=sys.stderr)
        raise
    final = session.run(loss, feeds)
    save_graph(graph, out)
    print(f"{loss.name} = {loss_text(final)} after {args.steps} steps; saved to {out}")


def loss_text(value: object) -> str:
    """A loss as progress shows it: six significant digits for a number."""
    return f"{float(value):.6g}" if np.ndim(value) == 0 else format_tensor(value)  # type: ignore[arg-type]


train_and_loss = train_node_for
"""The train node and its loss, from the name of either (an older name of
:func:`engine.train.train_node_for`)."""


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
