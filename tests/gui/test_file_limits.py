"""Opening broken and huge files in the editor: the engine's message, never a crash; a graph
past the canvas's node limit is refused with the way to raise the limit."""

import json

import mutations
from conftest import EXAMPLE
from PySide6.QtWidgets import QApplication

import engine as ts
from editor.canvas import capacity


def open_by_keys(canvas, dialogs, path) -> None:
    """Ctrl+O, the file dialog answering ``path``; until the file is read (off the GUI
    thread)."""
    dialogs.open_path = str(path)
    canvas.open_by_menu()


def test_a_graph_past_the_canvas_limit_is_refused_with_the_way_to_raise_it(
        affine, dialogs, monkeypatch):
    doc = affine.window.doc
    monkeypatch.setenv(capacity.VARIABLE, "4")
    open_by_keys(affine, dialogs, EXAMPLE)
    assert dialogs.shown == [("critical", f"{EXAMPLE}: nodes: 5 nodes, more than the limit of 4 "
                                          "(set TENSOR_CANVAS_MAX_CANVAS_NODES to raise it)")]
    assert affine.window.doc is doc
    monkeypatch.setenv(capacity.VARIABLE, "5")
    open_by_keys(affine, dialogs, EXAMPLE)
    assert affine.window.doc is not doc and len(affine.window.doc.graph) == 5
    assert capacity.MAX_NODES == 50_000  # documented in docs/file-format.md and the guide


def test_mutated_files_open_or_show_the_engines_message(affine, dialogs, tmp_path):
    refused = accepted = 0
    for i, (what, content) in enumerate(mutations.mutants(seed=7, count=120)):
        path = tmp_path / f"mutant{i}.json"
        path.write_bytes(content)
        try:
            ts.load_graph(path)
        except ts.FileFormatError as error:
            if refused == 3:
                continue
            refused += 1
            doc = affine.window.doc
            open_by_keys(affine, dialogs, path)
            assert dialogs.shown[-1] == ("critical", str(error)), what
            assert affine.window.doc is doc
            continue
        if accepted == 3:
            continue
        accepted += 1
        open_by_keys(affine, dialogs, path)
        QApplication.processEvents()  # what opening posts (drawing, evaluation) runs
        assert affine.window.doc.path == path, what
    assert (refused, accepted) == (3, 3)


def test_positions_no_view_can_show_are_laid_out_instead(affine, dialogs, tmp_path):
    data = json.loads(EXAMPLE.read_text())
    data["nodes"][0]["ui"]["pos"] = [1e300, -10**30]
    path = tmp_path / "far.json"
    path.write_text(json.dumps(data))
    open_by_keys(affine, dialogs, path)
    items = affine.window.scene.node_items.values()
    assert len(items) == 5 and all(abs(i.pos().x()) < 1e4 > abs(i.pos().y()) for i in items)
