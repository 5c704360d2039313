"""``python main.py export-image FILE OUT.svg|png``: a picture of a graph file's canvas,
drawn offscreen without a window (see :mod:`editor.app.export_image`)."""

from __future__ import annotations

import argparse
import os
import sys

from editor import style


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python main.py export-image",
                                description="Draw a graph file's canvas to a PNG or SVG.")
    p.add_argument("file", help="a graph file (.json)")
    p.add_argument("out", help="the picture to write (.png or .svg)")
    p.add_argument("--scale", type=float, default=2.0, help="PNG pixels per canvas unit")
    p.add_argument("--theme", choices=list(style.THEMES), default="dark")
    p.add_argument("--select", metavar="NAMES", help="draw only these nodes (comma-separated)")
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
        if args.select:
            scene.select(doc.graph.get_node(name) for name in args.select.split(","))
        export_image(scene, args.out, args.scale, selection=bool(args.select))
    except (EngineError, ValueError, KeyError) as error:
        print(f"error: {error.args[0] if error.args else error}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}")
    return 0
