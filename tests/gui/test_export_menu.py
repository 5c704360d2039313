"""File › Export and File › Import ONNX…, as a user works them; pictures of the canvas, from
the menu and headless (``python main.py export-image``)."""

from __future__ import annotations

import sys

import numpy as np
import onnxruntime as ort
import pytest
from conftest import EXAMPLE
from gates import Gate
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QInputDialog

import engine as ts
import main
from editor import style
from editor.app.window import MainWindow
from engine.export.onnx_out import to_onnx


def drawn(image: QImage) -> float:
    """The fraction of a grid of the image's pixels that are not the background."""
    points = [(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)]
    return sum(image.pixelColor(x, y) != style.BACKGROUND for x, y in points) / len(points)


def menu_texts(menu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def test_the_file_menu_offers_export_and_import(window):
    file = window.menuBar().actions()[0].menu()
    assert "&Import ONNX Model…" in menu_texts(file)
    assert menu_texts(window.export_menu) == [
        "&ONNX Model…", "&JAX Training Script…", "&Python Script…", "&Image…",
        "Image of the &Selection…"]


def test_export_onnx_of_the_selection_runs_in_onnx_runtime(affine, dialogs, tmp_path, qtbot):
    affine.select("matmul")
    dialogs.save_path = str(tmp_path / "part")
    with qtbot.waitSignal(affine.window.export_menu.finished):
        affine.window.export_menu.onnx_action.trigger()
    model = (tmp_path / "part.onnx").read_bytes()
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["matmul"]
    (got,) = session.run(None, {"x": np.array([3.0, 4.0])})
    np.testing.assert_array_equal(got, [3.0, -4.0])
    assert "Exported" in affine.status()


def test_an_export_writes_the_graph_as_it_was_asked_for_while_editing_goes_on(
        affine, dialogs, tmp_path, qtbot, monkeypatch):
    import engine.export.python_script as python_script

    gate = Gate()
    script = python_script.python_script

    def slow(graph, *args):
        gate.wait()
        return script(graph, *args)

    monkeypatch.setattr(python_script, "python_script", slow)
    dialogs.save_path = str(tmp_path / "before.py")
    with qtbot.waitSignal(affine.window.export_menu.finished):
        affine.window.export_menu.python_action.trigger()
        qtbot.waitUntil(lambda: gate.held == 1)  # the worker is writing
        affine.rename("z", "result")  # the editor goes on meanwhile
        gate.open()
    text = (tmp_path / "before.py").read_text()
    assert "name='z'" in text and "result" not in text
    assert "result" in affine.window.doc.graph


def test_an_export_that_fails_names_the_node_and_leaves_the_document(affine, dialogs, tmp_path,
                                                                     qtbot):
    affine.select("z")
    dialogs.save_path = str(tmp_path / "z_jax.py")
    with qtbot.waitSignal(affine.window.export_menu.finished):
        affine.window.export_menu.jax_action.trigger()  # the graph has no train node
    assert dialogs.shown[-1][0] == "critical"
    assert "choose one (train nodes: none)" in dialogs.shown[-1][1]
    assert not affine.window.doc.dirty and not (tmp_path / "z_jax.py").exists()


def test_export_jax_of_a_graph_bound_to_a_data_set_writes_its_data_beside(
        window, dialogs, tmp_path, qtbot):
    assert window.open_file(EXAMPLE.parent / "digits.json")
    dialogs.save_path = str(tmp_path / "digits_jax")
    with qtbot.waitSignal(window.export_menu.finished) as told:
        window.export_menu.jax_action.trigger()
    script, data = tmp_path / "digits_jax.py", tmp_path / "digits_jax.npz"
    assert told.args == [f"Exported {script} and {data}"]
    assert window.statusBar().currentMessage() == told.args[0]
    with np.load(data) as saved:
        np.testing.assert_array_equal(saved["X"], window.doc.graph.get_node("X").value)
    assert "DATA = {}" in script.read_text()


def test_the_app_starts_without_onnx_and_says_how_to_install_it(qtbot, dialogs, tmp_path,
                                                               monkeypatch):
    for package in ("onnx", "onnxruntime", "jax"):
        monkeypatch.setitem(sys.modules, package, None)  # importing them fails
    window = MainWindow(persist=False)
    qtbot.addWidget(window)
    window.open_file(EXAMPLE)
    dialogs.save_path = str(tmp_path / "m.onnx")
    with qtbot.waitSignal(window.export_menu.finished):
        window.export_menu.onnx_action.trigger()
    kind, text = dialogs.shown[-1]
    assert kind == "critical" and "pip install 'tensorcanvas[interop]'" in text
    assert not (tmp_path / "m.onnx").exists()


def test_export_python_script(affine, dialogs, tmp_path, qtbot):
    dialogs.save_path = str(tmp_path / "affine_copy.py")
    with qtbot.waitSignal(affine.window.export_menu.finished):
        affine.window.export_menu.python_action.trigger()
    assert "import engine as ts" in (tmp_path / "affine_copy.py").read_text()


def test_import_onnx_opens_a_laid_out_graph_that_evaluates_and_edits(window, canvas, dialogs,
                                                                     tmp_path, qtbot):
    graph = ts.load_graph(EXAMPLE.parent / "mlp.json")
    (tmp_path / "mlp.onnx").write_bytes(to_onnx(graph, ["p_output"]).SerializeToString())
    dialogs.open_path = str(tmp_path / "mlp.onnx")
    with qtbot.waitSignal(window.export_menu.finished):
        window.export_menu.import_action.trigger()
    imported = window.doc.graph
    assert window.doc.title == "mlp" and len(imported) == 11
    assert all(isinstance(n.ui.get("pos"), list) for n in imported.nodes)
    assert set(window.scene.node_items) == set(imported.nodes)
    x = graph.get_node("X").value
    np.testing.assert_array_equal(ts.Session(imported).run("p_output", {"X": x}),
                                  ts.Session(graph).run("p_output"))
    window.view.frame_all()
    canvas.rename("p_output", "probabilities")
    assert "probabilities" in imported and window.doc.dirty


def test_a_model_that_cannot_be_imported_changes_nothing(affine, dialogs, tmp_path, qtbot):
    before = affine.window.doc
    (tmp_path / "bad.onnx").write_bytes(b"\x00not a model")
    dialogs.open_path = str(tmp_path / "bad.onnx")
    with qtbot.waitSignal(affine.window.export_menu.finished):
        affine.window.export_menu.import_action.trigger()
    kind, text = dialogs.shown[-1]
    assert kind == "critical" and "bad.onnx: not a valid ONNX model" in text
    assert affine.window.doc is before


# ---- pictures ----------------------------------------------------------------------------------


def test_image_of_the_canvas_and_of_the_selection(affine, dialogs, tmp_path, monkeypatch):
    window = affine.window
    monkeypatch.setattr(QInputDialog, "getDouble", staticmethod(lambda *a, **k: (1.5, True)))
    dialogs.save_path = str(tmp_path / "all.png")
    window.export_menu.image_action.trigger()
    whole = QImage(str(tmp_path / "all.png"))
    nodes = window.scene.itemsBoundingRect()
    assert whole.width() >= 1.5 * nodes.width() * 0.9
    assert whole.pixelColor(2, 2) == style.BACKGROUND
    affine.select("x")
    window.export_menu.aboutToShow.emit()
    assert window.export_menu.selection_image_action.isEnabled()
    dialogs.save_path = str(tmp_path / "x.png")
    window.export_menu.selection_image_action.trigger()
    part = QImage(str(tmp_path / "x.png"))
    assert part.width() < whole.width() / 2
    assert window.scene.selected_nodes() == [window.doc.graph.get_node("x")]  # as it was
    assert all(item.isVisible() for item in window.scene.items())
    window.view.set_zoom(0.01)  # far out, the canvas shows an overview: the picture does not
    assert window.scene.overview_mode
    dialogs.save_path = str(tmp_path / "far.png")
    window.export_menu.image_action.trigger()
    far = QImage(str(tmp_path / "far.png"))
    assert far.size() == whole.size() and drawn(far) == pytest.approx(drawn(whole), abs=0.02)
    assert drawn(whole) > 0.2 and window.scene.overview_mode
    dialogs.save_path = str(tmp_path / "all.svg")
    window.export_menu.image_action.trigger()
    svg = (tmp_path / "all.svg").read_text()
    assert svg.startswith("<?xml") and "<svg" in svg and ">matmul<" in svg


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_export_image_headless(suffix, tmp_path, capsys):
    out = tmp_path / f"mlp{suffix}"
    assert main.main(["export-image", str(EXAMPLE.parent / "mlp.json"), str(out),
                      "--scale", "1"]) == 0
    if suffix == ".png":
        image = QImage(str(out))
        assert 600 < image.width() < 2000 and image.height() > 300
        assert image.pixelColor(2, 2) == style.BACKGROUND  # the dark theme's
    else:
        assert ">p_output<" in out.read_text()
    assert main.main(["export-image", str(tmp_path / "missing.json"), str(out)]) == 2
    assert main.main(["export-image", str(EXAMPLE), str(tmp_path / "a.gif")]) == 2
    err = capsys.readouterr().err
    assert "missing.json" in err and "a.gif: a picture is .png or .svg" in err


def test_export_image_headless_shows_the_values_as_the_canvas_does(tmp_path):
    """The series' worked example: z = A·x + b = [2, -1] on z, unless asked to leave it out."""
    out = tmp_path / "affine.svg"
    assert main.main(["export-image", str(EXAMPLE), str(out)]) == 0
    assert ">[2, -1]<" in out.read_text()
    assert main.main(["export-image", str(EXAMPLE), str(out), "--no-values"]) == 0
    assert ">[2, -1]<" not in out.read_text() and ">[[1, 0], [0, -1]]<" in out.read_text()
    digits = tmp_path / "digits.svg"  # placeholders bound to data: the preview batch's rows
    assert main.main(["export-image", str(EXAMPLE.parent / "digits.json"), str(digits)]) == 0
    assert ">rows 0–31 of 1,797<" in digits.read_text() and ">32×32 float64<" in digits.read_text()
