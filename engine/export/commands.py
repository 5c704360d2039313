"""The command line's exports: ``export FILE --onnx|--jax|--python OUT`` and
``import MODEL.onnx OUT.json`` (registered by :mod:`engine.cli`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ..io import load_graph, save_graph


def add_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the ``export`` and ``import`` subcommands to ``sub``."""
    export = sub.add_parser(
        "export", help="write a graph file as ONNX, a JAX training script or a Python script",
        description="Write FILE as an ONNX model (the ancestors of the outputs), a standalone "
                    "JAX script that trains it, or a Python script that rebuilds it with the "
                    "engine. See docs/export.md.")
    export.add_argument("file", help="a graph file (.json)")
    kind = export.add_mutually_exclusive_group(required=True)
    kind.add_argument("--onnx", metavar="OUT.onnx", help="write an ONNX model")
    kind.add_argument("--jax", metavar="OUT.py",
                      help="write a JAX training script (and OUT.npz beside it: the data set "
                           "it trains on, if one is bound)")
    kind.add_argument("--python", metavar="OUT.py", help="write an engine script")
    export.add_argument("--output", action="append", metavar="NAME",
                        help="ONNX: an output node (repeatable); default: the nodes nothing "
                             "but training reads")
    export.add_argument("--float32", action="store_true", help="ONNX: float tensors as float32")
    export.add_argument("--train", metavar="NAME",
                        help="JAX: the train node (or its loss); default: the graph's only one")
    model = sub.add_parser("import", help="read an ONNX model into a graph file",
                           description="Read an ONNX model whose ops Tensor Canvas has and "
                                       "save it as a graph file.")
    model.add_argument("model", help="an ONNX model (.onnx)")
    model.add_argument("out", help="the graph file to write (.json)")


def export(args: argparse.Namespace) -> None:
    graph = load_graph(args.file)
    if args.onnx:
        from .onnx_out import save_onnx

        save_onnx(graph, args.onnx, args.output, "float32" if args.float32 else None)
        written = [args.onnx]
    elif args.jax:
        from .jax_script import write_jax_script

        written = [str(path) for path in write_jax_script(graph, args.jax, args.train)]
    else:
        from .python_script import write_python_script

        write_python_script(graph, args.python)
        written = [args.python]
    print(f"wrote {' and '.join(written)}")


def import_model(args: argparse.Namespace) -> None:
    from .onnx_in import load_onnx

    graph = load_onnx(args.model)
    save_graph(graph, args.out)
    print(f"wrote {args.out}: {len(graph)} nodes")


HANDLERS: dict[str, Callable[[argparse.Namespace], None]] = {
    "export": export, "import": import_model}
"""The subcommands by name."""
