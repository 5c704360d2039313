"""The command line: ``run`` evaluates nodes of a graph file, ``train`` trains it, ``export`` and
``import`` write and read other formats (no GUI)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import NoReturn

import numpy as np

from .data import command as data_command
from .errors import EngineError
from .export import commands as export_commands
from .graph import Graph
from .io import cannot_write, load_graph, save_graph
from .loop import fit
from .session import Session
from .tensors import format_tensor, parse_tensor_text
from .train import train_node_for, train_nodes

Handler = Callable[[argparse.Namespace], "int | None"]
"""A subcommand: its parsed arguments in, its exit status out (``None`` for 0)."""
COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    """Register a subcommand's handler."""

    def register(handler: Handler) -> Handler:
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
    run.add_argument("--show-plan", action="store_true",
                     help="also print the code the run was compiled to (forward, backward, "
                          "optimizer step) and which node each slot v[i] holds")
    train = sub.add_parser(
        "train", help="run a train node N times and save the trained graph",
        description="Run a train node (minimize) N times, printing step, loss and speed as it "
                    "goes, then save the trained graph — back into FILE unless --out is given "
                    "(optimizer state is saved too, so training again continues where it "
                    "stopped). Ctrl+C stops after the current step and saves what was "
                    "trained (exit status 130); a loss that becomes NaN or infinite stops "
                    "training, goes back to the values of the last finite loss and saves "
                    "those (exit status 2). With --epochs — or, with neither --steps nor "
                    "--epochs, the epochs the train node keeps (the Training dock's settings) "
                    "— it trains by epochs on the data bound to the graph, the train node's "
                    "batch size, validation split and seed filling in the flags left out.")
    train.add_argument("file", help="a graph file (.json)")
    train.add_argument("--fetch", metavar="NODE",
                       help="the train node, or the loss a train node minimizes (default: the "
                            "graph's only train node)")
    train.add_argument("--steps", type=int, metavar="N", help="steps to take")
    train.add_argument("--out", metavar="FILE", help="where to save (default: FILE itself)")
    train.add_argument("--feed", action="append", default=[], metavar="NAME=VALUE",
                       help="a placeholder's value for every step (repeatable)")
    train.add_argument("--every", type=int, metavar="K",
                       help="print progress every K steps (default: about ten lines in all)")
    data_command.add_arguments(train)
    export_commands.add_parsers(sub)
    return main


@command("run")
def run(args: argparse.Namespace) -> None:
    graph = load_graph(args.file)
    feeds = dict(parse_feed(item) for item in args.feed)
    fetches = args.fetch or [n.name for n in graph.nodes if not graph.nx.out_degree(n)]
    session = Session(graph)
    values = session.run(fetches, feeds)
    for name, value in zip(fetches, values, strict=True):
        print(f"{name} = {format_tensor(value)}")
    if args.show_plan:
        print(session.plan_code(fetches), end="")


@command("train")
def train(args: argparse.Namespace) -> int:
    if args.steps is not None and args.epochs is not None:
        raise ValueError("give either --steps N or --epochs N, not both")
    for flag in ("steps", "epochs"):
        if getattr(args, flag) is not None and getattr(args, flag) < 1:
            raise ValueError(f"--{flag}: expected ≥ 1")
    out = args.out or args.file
    reason = cannot_write(out)
    if reason:  # said now, not after training
        raise ValueError(f"{'--out ' if args.out else ''}{out}: {reason}")
    graph = load_graph(args.file)
    train_node, loss = train_node_for(graph, args.fetch or _only_train_node(graph))
    if args.steps is None and not data_command.by_epochs(args, train_node):
        raise ValueError(f"give either --steps N or --epochs N ({train_node.name} keeps no "
                         "epoch settings)")
    if args.steps is None:
        with _stop_on_interrupt() as interrupted:
            run = data_command.train_epochs(args, graph, train_node, loss, interrupted)
        return _finish(graph, out, run.reason, run.steps, run.message, run.node,
                       f"trained {_count(len(run.epochs), 'epoch')} "
                       f"({_count(run.steps, 'step')})")
    feeds = dict(parse_feed(item) for item in args.feed)
    every = args.every or max(1, args.steps // 10)

    def progress(done: int, losses: np.ndarray, seconds: float) -> None:
        if done % every == 0 or done == args.steps:
            rate = done / seconds if seconds else 0.0
            print(f"step {done}/{args.steps}  {loss.name} = {loss_text(losses[-1])}  "
                  f"{rate:.0f} steps/s", flush=True)

    with _stop_on_interrupt() as interrupted:
        result = fit(graph, train_node, args.steps, feeds, on_progress=progress,
                     should_stop=interrupted)
    summary = "" if result.reason != "done" else \
        f"{loss.name} = {loss_text(result.final_loss)} after {args.steps} steps"
    return _finish(graph, out, result.reason, result.steps, result.message, result.node,
                   summary)


def _only_train_node(graph: Graph) -> str:
    """The name of the graph's one train node; ``ValueError`` if it has none or several."""
    found = train_nodes(graph)
    if len(found) != 1:
        raise ValueError("--fetch: name the train node (the graph has "
                         f"{', '.join(n.name for n in found) if found else 'none'})")
    return found[0].name


def _finish(graph: Graph, out: str, reason: str, steps: int, message: str, node: str | None,
            summary: str) -> int:
    """Save what training did and say so (``summary`` when it is done): the exit status, or
    an error."""
    if reason == "done":
        save_graph(graph, out)
        print(f"{summary}; saved to {out}")
        return 0
    saved = _save_trained(graph, out, steps)
    if reason == "stopped":
        print(f"stopped after {steps} steps; {saved}", file=sys.stderr)
        return 130
    raise EngineError(f"{message}; {saved}", node=node)


def _save_trained(graph: Graph, out: str, steps: int) -> str:
    """Save a graph that training left early, if any step was taken; say what was done."""
    if not steps:
        return "nothing saved"
    save_graph(graph, out)
    return f"saved the graph to {out}"


@contextmanager
def _stop_on_interrupt() -> Iterator[Callable[[], bool]]:
    """Within: a first Ctrl+C asks training to stop after the current step (the function
    yielded says whether it came), a second interrupts at once."""
    pressed: list[bool] = []

    def handler(signum: int, frame: object) -> None:
        pressed.append(True)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    if threading.current_thread() is not threading.main_thread():  # signals go elsewhere
        yield lambda: False
        return
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield lambda: bool(pressed)
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)


def loss_text(value: object) -> str:
    """A loss as progress shows it: six significant digits for a number."""
    return f"{float(value):.6g}" if np.ndim(value) == 0 else format_tensor(value)  # type: ignore[arg-type]




def parse_feed(item: str) -> tuple[str, object]:
    """``NAME=VALUE`` → (name, value); ``ValueError`` naming the item if it cannot be read."""
    name, sep, text = item.partition("=")
    if not sep or not name:
        raise ValueError(f"--feed {item!r}: expected NAME=VALUE")
    try:
        return name, parse_tensor_text(text)
    except ValueError as error:
        raise ValueError(f"--feed {name}: {error}") from None


def _count(n: int, thing: str) -> str:
    """``1 epoch``, ``3 epochs``."""
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _message(error: Exception) -> str:
    """An error in one line: ``OUT.json: No space left on device``, not ``28``."""
    if isinstance(error, OSError) and error.strerror:
        return f"{error.filename}: {error.strerror}" if error.filename else error.strerror
    return str(error.args[0]) if error.args else str(error)


COMMANDS.update(export_commands.HANDLERS)


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand; bad input prints one line on stderr and returns 2, never a traceback."""
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit:  # --help, or a usage error already reported
        return int(exit.code or 0)
    try:
        status = COMMANDS[args.command](args)
    except (EngineError, ValueError, KeyError, OSError) as error:
        print(f"error: {_message(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
