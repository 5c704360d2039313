"""Pictures of the canvas: the whole graph or the selection, in the current theme, as PNG (at
a scale) or SVG."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem

from editor import style
from editor.canvas.items import EdgeItem, NodeItem
from editor.canvas.scene import GraphScene

MARGIN = 24.0
"""Scene units of background around the nodes."""
FORMATS = (".png", ".svg")


def export_image(scene: GraphScene, path: str | Path, scale: float = 2.0,
                 selection: bool = False) -> None:
    """Write the scene (or its selected nodes and the wires between them) to ``path``: PNG at
    ``scale`` pixels per scene unit, or SVG, by the suffix. ``ValueError`` for another suffix,
    nothing to draw, or a file that cannot be written."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path.name}: a picture is .png or .svg")
    with _only(scene, selection) as source:
        if suffix == ".png":
            _png(scene, source, path, scale)
        else:
            _svg(scene, source, path)


@contextmanager
def _only(scene: GraphScene, selection: bool) -> Iterator[QRectF]:
    """Within: only what is drawn is visible (its items made), nothing highlighted as
    selected; yields the rectangle to draw."""
    chosen = scene.selected() if selection else scene.doc.graph.nodes
    nodes = set(scene.items_for(chosen))  # (what is drawn needs its items)
    if not nodes:
        raise ValueError("select the nodes to draw" if selection else "the canvas is empty")
    hidden: list[QGraphicsItem] = []
    selected = list(scene.selectedItems())
    overview = scene.overview_mode  # (far zoomed out, the items draw nothing)
    scene.blockSignals(True)  # the picture changes nothing the editor shows
    try:
        scene.set_overview(False)
        for item in selected:
            item.setSelected(False)
        for item in scene.items():
            keep = item in nodes if isinstance(item, NodeItem) else (
                _wire_between(item, nodes) if isinstance(item, EdgeItem) else True)
            if not keep and item.isVisible() and item.parentItem() is None:
                item.hide()
                hidden.append(item)
        rect = QRectF()
        for item in nodes:
            rect = rect.united(item.sceneBoundingRect())
        yield rect.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
    finally:
        for item in hidden:
            item.show()
        for item in selected:
            item.setSelected(True)
        scene.set_overview(overview)
        scene.blockSignals(False)


def _wire_between(edge: EdgeItem, nodes: set[NodeItem]) -> bool:
    return edge.source in nodes and edge.target in nodes


def _png(scene: GraphScene, source: QRectF, path: Path, scale: float) -> None:
    size = QSize(max(1, round(source.width() * scale)), max(1, round(source.height() * scale)))
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(style.BACKGROUND)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    scene.render(painter, QRectF(0, 0, size.width(), size.height()), source)
    painter.end()
    if not image.save(str(path)):
        raise ValueError(f"cannot write {path}")


def _svg(scene: GraphScene, source: QRectF, path: Path) -> None:
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(source.size().toSize())
    generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
    generator.setTitle(path.stem)
    generator.setDescription("A Tensor Canvas graph")
    painter = QPainter()
    if not painter.begin(generator):
        raise ValueError(f"cannot write {path}")
    painter.fillRect(QRectF(0, 0, source.width(), source.height()), style.BACKGROUND)
    scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
    painter.end()
    if not path.exists():
        raise ValueError(f"cannot write {path}")
