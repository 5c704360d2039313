"""``python main.py export-image FILE OUT.svg|png``: a picture of a graph file's canvas,
drawn offscreen without a window (see :mod:`editor.app.export_image`)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from editor import style

if TYPE_CHECKING:
    from editor.canvas.scene import GraphScene


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python main.py export-image",
                                description="Draw a graph file's canvas to a PNG or SVG.")
    p.add_argument("file", help="a graph file (.json)")
    p.add_argument("out", help="the picture to write (.png or .svg)")
    p.add_argument("--scale", type=float, default=2.0, help="PNG pixels per canvas unit")
    p.add_argument("--theme", choices=list(style.THEMES), default="dark")
    p.add_argument("--select", metavar="NAMES", help="draw only these nodes (comma-separated)")
    p.add_argument("--no-values", action="store_true",
                   help="leave the nodes' values out (by default each node shows its value, "
                        "as the canvas does)")
    return p


def main(argv: list[str]) -> int:
    """Headless: exit status 0, or 2 with one line on stderr for bad input."""
    args = parser().parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from editor.app.export_image import export_image
    from editor.app.window import prepare_graph
    from editor.canvas.scene import GraphScene
    from editor.document import Document
    from engine.errors import EngineError
    from engine.io import load_graph

    app = QApplication.instance() or QApplication(["Tensor Canvas"])
    assert isinstance(app, QApplication)
    if args.theme != style.current_theme:  # (restyling a running app's widgets takes long)
        style.apply_theme(app, args.theme)
    try:
        if args.scale <= 0:
            raise ValueError("--scale: expected a number > 0")
        doc = Document(prepare_graph(load_graph(args.file)))
        scene = GraphScene(doc)
        if not args.no_values:
            show_values(scene)
        if args.select:
            scene.select(doc.graph.get_node(name) for name in args.select.split(","))
        export_image(scene, args.out, args.scale, selection=bool(args.select))
    except (EngineError, ValueError, KeyError) as error:
        print(f"error: {error.args[0] if error.args else error}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}")
    return 0


def show_values(scene: GraphScene) -> None:
    """Each node's value on it, as the canvas shows it once evaluated: placeholders fed their
    defaults (a bound one the first preview batch of its data set); a node that cannot be
    evaluated (a missing feed, an error), a train step and what it feeds show none."""
    from editor.compute.frontier import last_nodes
    from editor.compute.service import train_steps_and_below
    from editor.tensor_stats import preview_later
    from engine.data.binding import bound
    from engine.data.preview import PreviewBatch, bound_rows, preview_feeds
    from engine.errors import EngineError
    from engine.session import Session

    graph = scene.doc.graph
    session = Session(graph)
    feeds = preview_feeds([n for n, _ in bound(graph.nodes)], PreviewBatch())
    if feeds:  # as the canvas says which rows its values stem from
        rows = PreviewBatch().text(bound_rows(feeds))
        for placeholder in feeds:
            scene.set_preview(placeholder, rows)
    below = train_steps_and_below(graph)
    shown = {n for n in graph.nodes if not n.op.is_source and n not in below}
    for node in last_nodes(shown, graph):  # (their runs compute the rest: one pass in all)
        try:
            session.run(node, feeds)
        except EngineError:
            continue
    computed, _ = session.take_changes()
    for node, value in computed.items():
        if node in shown:  # (a source shows the value it holds already)
            scene.set_preview(node, preview_later(value))
