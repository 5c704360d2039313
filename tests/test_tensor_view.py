"""The Tensor dock's content: statistics, table, heatmap, slices, copy, export, errors."""

from __future__ import annotations

import json
import re
from collections import Counter

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from editor.compute.service import Evaluation, Failure
from editor.inspect.stats_strip import STATS
from editor.inspect.tensor_model import TensorTableModel
from editor.inspect.tensor_view import TensorPanel, TensorView, alert_colour
from editor.tensor_stats import preview, tensor_stats
from engine.tensors import parse_tensor_text


@pytest.fixture
def view(qtbot):
    widget = TensorView()
    widget.resize(800, 500)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def cell(panel: TensorPanel, row: int, column: int) -> str:
    model = panel.table.model()
    return model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)


def test_stats_count_nan_and_inf_and_ignore_nan(view):
    value = np.array([[1.0, np.nan, -2.0], [np.inf, 3.0, -np.inf], [np.nan, 0.5, 4.0]])
    view.show_value("t", value)
    panel = view.panel("t")
    texts = {key: panel.stats_strip.text(key) for key, _ in STATS}
    assert texts["nan"] == "2" and texts["posinf"] == "1" and texts["neginf"] == "1"
    assert texts["min"] == "-inf" and texts["max"] == "inf"
    assert panel.subtitle.text().split() == ["(3,3)", "float64"]
    finite = np.array([[1.0, np.nan], [-2.0, 4.0]])
    view.show_value("t", finite)
    texts = {key: panel.stats_strip.text(key) for key, _ in STATS}
    assert (texts["min"], texts["max"], texts["mean"], texts["nan"]) == ("-2", "4", "1", "1")


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("number", [2.5, -0.0, 1e-300, 0.1, np.inf, -np.inf, np.nan])
def test_the_stats_of_one_number_are_those_of_two_of_it(number, dtype):
    """(One number — a loss — has a way of its own, quicker than the general one.)"""
    one, two = tensor_stats(np.array(number, dtype)), tensor_stats(np.array([number] * 2, dtype))
    assert (one.shape, one.dtype, one.size) == ((), dtype, 1)
    assert (one.min, one.max, one.mean) == (two.min, two.max, two.mean) or np.isnan(number)
    assert (2 * one.nan, 2 * one.posinf, 2 * one.neginf) == (two.nan, two.posinf, two.neginf)
    assert one.min is None if np.isnan(number) else type(one.min) is type(two.min) is float


def test_stats_of_other_kinds():
    ints = tensor_stats(np.array([[1, 2], [3, 10]], dtype=np.int32))
    assert (ints.min, ints.max, ints.mean, ints.nan) == (1, 10, 4.0, 0)
    bools = tensor_stats(np.array([True, False, True, True]))
    assert (bools.min, bools.max, bools.mean) == (False, True, 0.75)
    complex_ = tensor_stats(np.array([1 + 1j, np.nan, complex(np.inf, 0)]))
    assert complex_.min is None and complex_.nan == 1 and complex_.posinf == 1
    empty = tensor_stats(np.zeros((0, 3)))
    assert empty.size == 0 and empty.min is None and empty.mean is None
    scalar = tensor_stats(np.float32(2.5))
    assert scalar.shape == () and scalar.mean == 2.5
    all_nan = tensor_stats(np.full(3, np.nan))
    assert all_nan.min is None and all_nan.nan == 3


def test_other_kinds_show_in_the_table(view):
    view.show_value("b", np.array([True, False]))
    assert cell(view.panel("b"), 1, 0) == "False"
    view.show_value("c", np.array([[1 - 2j]]))
    assert cell(view.panel("c"), 0, 0) == "1.0000-2.0000j"
    view.show_value("s", np.float64(2.5))
    assert view.panel("s").subtitle.text().split() == ["scalar", "float64"]
    assert view.panel("s").scalar.text() == "2.5000"
    view.show_value("text", np.array(["a", "bc"]))  # an odd op's output still shows
    assert cell(view.panel("text"), 1, 0) == "bc"
    assert view.panel("text").stats_strip.text("min") == "—"
    view.show_value("e", np.zeros((0, 4)))
    assert view.panel("e").table.model().rowCount() == 0
    assert view.panel("e").heatmap.isHidden()


def test_a_scalar_is_one_large_number(view, qtbot):
    """A scalar (a loss, say) is its own statistics and a one-cell table: it is shown as one
    large number, at the precision chosen, in red if NaN or infinite; a tensor shown next in
    the same panel has its statistics and table back."""
    view.show_value("loss", np.float64(105.08443))
    panel = view.panel("loss")
    assert panel.scalar.isVisible() and panel.scalar.text() == "105.0844"
    assert panel.scalar.font().pointSizeF() > 1.5 * panel.title.font().pointSizeF() / 1.15
    assert not panel.table.isVisible() and not panel.stats_strip.isVisible()
    assert panel.scalar.toolTip() == "105.08443"  # every digit
    panel.precision.clear()
    qtbot.keyClicks(panel.precision, "1")
    assert panel.scalar.text() == "105.1"
    normal = panel.scalar.palette().color(panel.scalar.foregroundRole()).name()
    view.show_value("loss", np.float64(np.nan))
    assert panel.scalar.text() == "nan"
    red = panel.scalar.palette().color(panel.scalar.foregroundRole()).name()
    assert red == alert_colour(panel.palette()).name() != normal
    view.show_value("loss", np.int64(7))
    assert panel.scalar.text() == "7" and panel.subtitle.text().split() == ["scalar", "int64"]
    view.show_value("loss", np.array([1.5, -2.0]))
    assert panel.table.isVisible() and panel.stats_strip.isVisible()
    assert not panel.scalar.isVisible() and cell(panel, 1, 0) == "-2.0"
    assert panel.stats_strip.text("min") == "-2"
    view.show_blocked("loss", "x", "x: needs a value")
    view.show_value("loss", np.float32(0.25))  # back from a message: the number
    assert panel.scalar.isVisible() and panel.scalar.text() == "0.2" and panel.mode == "value"


def test_table_shows_cells_and_precision_changes_them(view, qtbot):
    view.show_value("m", np.array([[1.0, 2.0 / 3.0], [-0.5, 12345.678]]))
    panel = view.panel("m")
    assert panel.table.model().rowCount() == 2 and panel.table.model().columnCount() == 2
    assert cell(panel, 0, 1) == "0.6667"
    assert cell(panel, 1, 1) == "12345.6780"
    panel.precision.clear()
    qtbot.keyClicks(panel.precision, "2")
    assert cell(panel, 0, 1) == "0.67"
    assert cell(panel, 1, 0) == "-0.50"
    assert panel.stats_strip.text("max") == "12345.68"


def test_slice_selector_switches_the_slice(view, qtbot):
    value = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    view.show_value("t", value)
    panel = view.panel("t")
    assert len(panel.slice_spins) == 2 and panel.slice_box.isVisible()
    assert panel.table.model().rowCount() == 4 and panel.table.model().columnCount() == 5
    assert cell(panel, 0, 0) == "0"
    panel.slice_spins[0].clear()
    qtbot.keyClicks(panel.slice_spins[0], "1")
    qtbot.keyClick(panel.slice_spins[1], Qt.Key.Key_Up)
    qtbot.keyClick(panel.slice_spins[1], Qt.Key.Key_Up)
    assert panel.slice_index == (1, 2)
    assert cell(panel, 3, 4) == str(value[1, 2, 3, 4])
    assert panel.slice_label.text() == "[1, 2, :, :]"
    view.show_value("t", value + 100)  # a re-evaluation keeps the chosen slice
    assert panel.slice_index == (1, 2) and cell(panel, 0, 0) == str(value[1, 2, 0, 0] + 100)
    view.show_value("t", np.ones((2, 2)))
    assert not panel.slice_spins and not panel.slice_box.isVisible()


def test_heatmap_follows_the_slice(view):
    view.show_value("t", np.array([[[0.0, 1.0], [2.0, 3.0]], [[-5.0, 5.0], [1.0, 1.0]]]))
    panel = view.panel("t")
    assert panel.heatmap.isVisible()
    assert panel.heatmap.levels == (0.0, 3.0) and panel.heatmap.colormap_name == "viridis"
    panel.set_slice([1])
    assert panel.heatmap.levels == (-5.0, 5.0) and panel.heatmap.colormap_name == "CET-D1"


def test_copy_puts_a_literal_that_parses_back(view, qtbot):
    value = np.array([[0.1, -2.5e-9], [np.nan, 3.0]])
    view.show_value("w", value)
    qtbot.mouseClick(view.panel("w").copy_button, Qt.MouseButton.LeftButton)
    text = QGuiApplication.clipboard().text()
    back = np.array(parse_tensor_text(text), dtype=float)
    np.testing.assert_array_equal(back, value)
    view.show_value("i", np.array([2, -1]))
    qtbot.mouseClick(view.panel("i").copy_button, Qt.MouseButton.LeftButton)
    assert json.loads(QGuiApplication.clipboard().text()) == [2, -1]


def test_copying_a_complex_tensor_parses_back_to_the_same_array(view, qtbot):
    value = np.array([[1 + 2j, -0.5 - 1e-8j], [complex(np.nan, 1), complex(np.inf, -0.0)]])
    view.show_value("c", value)
    qtbot.mouseClick(view.panel("c").copy_button, Qt.MouseButton.LeftButton)
    text = QGuiApplication.clipboard().text()
    assert text == "[[1+2j, -0.5-1e-08j], [nan+1j, inf-0j]]"
    back = np.array(parse_tensor_text(text))
    assert back.dtype == np.complex128
    np.testing.assert_array_equal(back, value)


def choose_file(monkeypatch, path, chosen="NumPy array (*.npy)"):
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args, **kwargs: (str(path), chosen)))


def test_export_npy_round_trips(view, qtbot, monkeypatch, tmp_path):
    value = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    view.show_value("t", value)
    choose_file(monkeypatch, tmp_path / "t.npy")
    qtbot.mouseClick(view.panel("t").export_button, Qt.MouseButton.LeftButton)
    back = np.load(tmp_path / "t.npy")
    assert back.dtype == np.float32 and np.array_equal(back, value)


def test_export_csv_round_trips(view, qtbot, monkeypatch, tmp_path):
    value = np.array([[0.1, -2.0, np.nan], [np.inf, 1e-300, 7.0]])
    view.show_value("t", value)
    choose_file(monkeypatch, tmp_path / "t", "CSV table (*.csv)")  # suffix from the filter
    qtbot.mouseClick(view.panel("t").export_button, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(np.loadtxt(tmp_path / "t.csv", delimiter=","), value)
    view.show_value("c", np.array([[1 + 2j, 0.5j], [complex(np.nan, 0), -3 - 1e-9j]]))
    choose_file(monkeypatch, tmp_path / "c.csv")
    qtbot.mouseClick(view.panel("c").export_button, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(np.loadtxt(tmp_path / "c.csv", delimiter=",", dtype=complex),
                                  view.panel("c").value)
    view.show_value("v", np.array([3, -4, 5]))
    choose_file(monkeypatch, tmp_path / "v.csv")
    qtbot.mouseClick(view.panel("v").export_button, Qt.MouseButton.LeftButton)
    assert np.loadtxt(tmp_path / "v.csv", delimiter=",", dtype=int).tolist() == [3, -4, 5]


def test_export_csv_refuses_rank_3(view, qtbot, monkeypatch, tmp_path):
    view.show_value("t", np.zeros((2, 2, 2)))
    choose_file(monkeypatch, tmp_path / "t.csv")
    qtbot.mouseClick(view.panel("t").export_button, Qt.MouseButton.LeftButton)
    panel = view.panel("t")
    assert not (tmp_path / "t.csv").exists()
    assert panel.notice.isVisible()
    assert "CSV holds 1-D or 2-D tensors" in panel.notice.text()
    assert "(2,2,2)" in panel.notice.text() and ".npy" in panel.notice.text()


def test_a_1000_by_1000_tensor_opens_without_formatting_every_cell(view, qtbot, monkeypatch):
    formatted = []
    original = TensorTableModel.cell_text
    monkeypatch.setattr(TensorTableModel, "cell_text",
                        lambda self, r, c: formatted.append(1) or original(self, r, c))
    view.show_value("big", np.random.default_rng(0).normal(size=(1000, 1000)))
    panel = view.panel("big")
    qtbot.waitUntil(lambda: len(formatted) > 0)  # the visible cells are painted
    assert panel.table.model().rowCount() == 1000 and panel.table.model().columnCount() == 1000
    assert len(formatted) < 5000
    painted = len(formatted)
    panel.table.scrollToBottom()
    qtbot.waitUntil(lambda: len(formatted) > painted)  # and then those at the bottom
    assert len(formatted) < 10000


def test_error_mode_shows_the_message_without_repeating_the_title(view):
    view.show_error("matmul_1", "matmul_1: shapes (2,3) and (2,3) not aligned")
    panel = view.panel("matmul_1")
    assert panel.mode == "error"
    assert panel.message.isVisible() and not panel.table.isVisible()
    assert panel.message.text() == "shapes (2,3) and (2,3) not aligned"  # the title names it
    assert not panel.copy_button.isVisible()
    view.show_value("matmul_1", np.ones(2))  # fixing it brings the values back
    assert panel.mode == "value" and panel.table.isVisible()


def test_several_nodes_and_an_evaluation(view):
    evaluation = Evaluation(
        7, ("z", "matmul", "out"), {"z": np.array([2.0, -1.0])},
        {"matmul": Failure("matmul: shapes (3,3) and (2,) not aligned", "matmul", "ShapeError"),
         "out": Failure("matmul: shapes (3,3) and (2,) not aligned", "matmul", "ShapeError")},
        frozenset({"out"}),
    )
    view.show_evaluation(evaluation)
    assert view.names == ["z", "matmul", "out"] and view.tabs.tabBar().isVisible()
    assert view.panel("z").mode == "value" and cell(view.panel("z"), 1, 0) == "-1.0000"
    assert view.panel("matmul").mode == "error"
    assert view.panel("out").mode == "blocked"
    assert view.panel("out").message.text().startswith("Blocked by matmul")
    kept = view.panel("z")
    view.set_names(["z"])
    assert view.names == ["z"] and view.panel("z") is kept and not view.tabs.tabBar().isVisible()
    view.set_names([])
    assert view.placeholder.isVisible()


class Paints(QObject):
    """Counts the paint events of the widgets it watches."""

    def __init__(self, *widgets: QWidget) -> None:
        super().__init__()
        self.counts: Counter[QWidget] = Counter()
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            self.counts[watched] += 1
        return False


def settle(qtbot, paints: Paints, widget: QWidget) -> None:
    """Wait until ``widget`` has been repainted, then let what posts after it be done."""
    qtbot.waitUntil(lambda: paints.counts[widget] > 0)
    for _ in range(10):
        QApplication.processEvents()


def test_a_new_value_repaints_what_changed_not_the_whole_dock(view, qtbot):
    """Qt's tab widget repaints every page when a label inside takes new text, and a tab's
    icon set again relays out the tab bar: neither happens for a new value, nor for the same
    error again."""
    view.show_value("w", np.array([[1.0, 2.0], [3.0, 4.0]]))
    view.show_error("e", "e: no value")
    panel = view.panel("w")
    for _ in range(10):
        QApplication.processEvents()
    paints = Paints(panel.table.viewport(), panel.stats_strip, panel.copy_button,
                    panel.title, view.tabs.tabBar())
    view.show_value("w", np.array([[1.0, 2.0], [3.0, 5.0]]))
    view.show_error("e", "e: no value")
    settle(qtbot, paints, panel.table.viewport())
    assert paints.counts[panel.stats_strip] > 0  # a figure changed
    assert paints.counts[panel.copy_button] == paints.counts[panel.title] == 0
    assert paints.counts[view.tabs.tabBar()] == 0
    assert panel.stats_strip.text("max") == "5" and cell(panel, 1, 1) == "5.0000"

    view.show_blocked("w", "e", "e: no value")  # a new icon on the tab: the bar is redrawn
    view.tabs.setCurrentIndex(1)
    settle(qtbot, paints, view.tabs.tabBar())
    assert not view.tabs.tabIcon(0).isNull() and not view.tabs.tabIcon(1).isNull()
    view.show_value("w", np.ones((2, 2)))
    assert view.tabs.tabIcon(0).isNull()


def test_a_panel_behind_another_tab_shows_its_latest_value_when_chosen(view, qtbot):
    view.show_value("a", np.float64(1.0))
    view.show_value("b", np.array([1.0, 2.0]))
    view.show_value("b", np.array([1.0, 7.0]))  # while "a" is the tab shown
    view.show_error("b", "b: no value")
    view.show_value("b", np.array([[1.0, 8.0]]))
    hidden = view.tabs.widget(1)
    assert not hidden.isVisible() and hidden.mode == "value"
    view.tabs.setCurrentIndex(1)
    assert hidden.stats_strip.text("max") == "8" and cell(hidden, 0, 1) == "8.0000"
    assert hidden.subtitle.text().split() == ["(1,2)", "float64"]
    assert hidden.pages.currentIndex() == 0 and hidden.copy_button.isVisible()


def test_a_renamed_panel_keeps_its_value_and_place(view):
    view.show_value("a", np.zeros((3, 4)))
    view.show_value("b", np.ones(2))
    kept = view.panel("a")
    kept.precision.setValue(2)
    view.rename("a", "c")
    assert view.names == ["c", "b"] and view.panel("c") is kept
    assert kept.name == "c" and kept.title.text() == "c" and view.tabs.tabText(0) == "c"
    assert kept.precision.value() == 2 and kept.value.shape == (3, 4)
    view.rename("nothing", "d")  # not shown: nothing to do
    view.rename("c", "b")  # taken (cannot happen to node names): left alone
    assert view.names == ["c", "b"] and view.panel("b").value.shape == (2,)


def test_preview_text():
    assert preview(np.array([2.0, -1.0])) == "[2, -1]"
    assert preview(np.float64(0.5)) == "0.5"
    assert preview(np.zeros((2, 2))) == "2×2 float64"
    assert preview(np.zeros(100, dtype=np.int32)) == "100 int32"
    assert preview(np.float64(105.0843832428213)) == "105.1"  # 4 significant digits
    assert preview(np.array([1e-7, np.nan, -np.inf])) == "[1e-07, nan, -inf]"


def test_copying_a_big_tensor_keeps_the_gui_responsive(view, qtbot):
    value = np.arange(400 * 400, dtype=np.float64).reshape(400, 400)
    view.show_value("big", value)
    panel = view.panel("big")
    with qtbot.waitSignal(panel.copied, timeout=20000):
        qtbot.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
        assert panel.notice.text() == "Copying 160,000 values…"  # returned before formatting
    back = np.array(parse_tensor_text(QGuiApplication.clipboard().text()))
    np.testing.assert_array_equal(back, value)


def hover(qtbot, heatmap, scene_point, shown) -> None:
    """Move the mouse over ``scene_point()`` until ``shown()``: the point is mapped again
    each time, so a layout the plot finishes meanwhile does not send the mouse astray."""
    def moved_and_shown() -> bool:
        qtbot.mouseMove(heatmap.viewport(), heatmap.mapFromScene(scene_point()))
        return shown()

    qtbot.waitUntil(moved_and_shown)


def test_heatmap_hover_names_the_cell(view, qtbot):
    value = np.arange(12.0).reshape(3, 4)
    view.show_value("m", value)
    panel = view.panel("m")
    heatmap = panel.heatmap
    hover(qtbot, heatmap,
          lambda: heatmap.image.mapToScene(QPointF(1.5, 2.5)),  # row 2, column 1, in pixels
          lambda: panel.hover_label.text() == "[2, 1] = 9.0")


def test_a_missing_placeholder_value_offers_to_set_it(view, qtbot):
    message = "placeholder 'x' needs a value: feed it or give it a default"
    evaluation = Evaluation(3, ("z", "x"), {},
                            {"z": Failure(message, "x", "FeedError"),
                             "x": Failure(message, "x", "FeedError")}, frozenset({"z"}))
    view.show_evaluation(evaluation)
    z = view.panel("z")
    assert z.mode == "blocked" and z.fix_button.isVisible()
    assert z.fix_button.text() == "Give x a value…"
    with qtbot.waitSignal(view.value_wanted) as wanted:
        qtbot.mouseClick(z.fix_button, Qt.MouseButton.LeftButton)
    assert wanted.args == ["x"]
    view.tabs.setCurrentIndex(1)
    assert view.panel("x").mode == "error" and view.panel("x").fix_button.isVisible()
    view.show_error("x", "x (log) failed")
    assert not view.panel("x").fix_button.isVisible()


def test_a_large_heatmap_is_shown_by_block_means(view, qtbot):
    from editor.inspect.heatmap import MAX_PIXELS

    value = np.zeros((3000, 10))
    value[:1500] = 1.0
    value[2999, 9] = np.nan
    view.show_value("tall", value)
    heatmap = view.panel("tall").heatmap
    image = heatmap.image.image
    assert image.shape[0] <= MAX_PIXELS and image.shape[1] == 10
    assert image[0, 0] == 1.0 and image[-1, 0] == 0.0
    label = view.panel("tall").hover_label

    def cell_shown() -> tuple[int, int, str] | None:
        match = re.fullmatch(r"\[(\d+), (\d+)\] = (.*)", label.text())
        return (int(match[1]), int(match[2]), match[3]) if match else None

    hover(qtbot, heatmap, lambda: heatmap.plot.getViewBox().mapViewToScene(QPointF(3, 1000)),
          lambda: (cell := cell_shown()) is not None and abs(cell[0] - 1000) < 20)
    row, column, shown = cell_shown()
    assert abs(row - 1000) < 20 and column == 3  # a cell in full-size indices
    assert float(shown) == value[int(row), int(column)]


def test_ctrl_c_in_the_table_copies_the_selected_cells(view, qtbot):
    value = np.array([[0.1, 2.0, 3.0], [4.0, 1 / 3, 6.0], [7, 8, 9]])
    view.show_value("m", value)
    table = view.panel("m").table
    rect = table.visualRect(table.model().index(0, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    rect = table.visualRect(table.model().index(1, 2))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ShiftModifier, rect.center())
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == f"2.0\t3.0\n{1 / 3!r}\t6.0"


class Events(QObject):
    """Records the kinds of event the widgets it watches receive."""

    def __init__(self, *widgets: QWidget) -> None:
        super().__init__()
        self.kinds: Counter[QEvent.Type] = Counter()
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched, event):  # noqa: N802
        self.kinds[event.type()] += 1
        return False


def test_blocked_and_back_keeps_the_values_page_as_it_was(view, qtbot):
    """A node blocked and then evaluated again (a wire taken off and put back) shows its
    message over its values, and then the very values again: the table, statistics and slice
    are neither hidden, shown, nor laid out anew — and what was changed meanwhile (the
    precision, the slice) is shown when they come back."""
    value = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 3
    view.show_value("t", value)
    panel = view.panel("t")
    for _ in range(5):
        QApplication.processEvents()
    places = (panel.table.geometry(), panel.stats_strip.geometry())
    events = Events(panel.table, panel.stats_strip, panel.slice_box)
    for _ in range(2):
        view.show_blocked("t", "w", "w: input 'y' is not connected")
        assert panel.mode == "blocked" and panel.value is None
        assert panel.message.isVisible() and panel.message.text().startswith("Blocked by w")
        assert not panel.copy_button.isVisible()
        view.show_value("t", value.copy())  # the same value, back
        for _ in range(5):
            QApplication.processEvents()
        assert panel.mode == "value" and not panel.message.isVisible()
        assert panel.copy_button.isVisible() and panel.table.isVisible()
        assert panel.subtitle.text().split() == ["(2,3,4)", "float64"]
    shown_or_laid_out = {QEvent.Type.Show, QEvent.Type.Hide, QEvent.Type.LayoutRequest,
                         QEvent.Type.Resize, QEvent.Type.Move}
    assert not set(events.kinds) & shown_or_laid_out
    assert (panel.table.geometry(), panel.stats_strip.geometry()) == places

    view.show_blocked("t", "w", "w: input 'y' is not connected")
    panel.precision.setValue(2)  # while blocked
    panel.slice_spins[0].setValue(1)
    view.show_value("t", value.copy())
    assert panel.stats_strip.text("max") == "7.67"  # at the precision chosen meanwhile
    assert cell(panel, 0, 0) == "4.00"  # slice [1, :, :], at 2 decimals
    view.show_error("t", "t: NaN")  # and another value after it is shown as such
    view.show_value("t", value + 1)
    assert panel.stats_strip.text("max") == "8.67" and cell(panel, 0, 0) == "5.00"


def test_a_view_that_cannot_be_seen_shows_what_it_was_given_when_it_can(view):
    """Behind another dock's tab the panels keep what they are given (the live evaluation
    reads it) and show it when the view comes to the front."""
    view.show_value("t", np.array([1.0, 2.0]))
    panel = view.panel("t")
    view.set_on_screen(False)
    events = Events(panel.message_page, panel.values_page)
    view.show_blocked("t", "w", "w: input 'y' is not connected")
    view.show_value("t", np.array([1.0, 3.0]))
    view.show_error("t", "t: NaN")
    assert panel.mode == "error" and panel.value is None
    assert not set(events.kinds) & {QEvent.Type.Show, QEvent.Type.Hide}  # nothing shown yet
    view.set_on_screen(True)
    assert panel.message.isVisible() and panel.message.text() == "NaN"
    assert panel.subtitle.text() == "error"
    view.set_on_screen(False)
    view.show_value("t", np.array([1.0, 4.0]))
    assert view.panel("t").stats_strip.text("max") == "4"  # asked for: up to date
    assert not panel.message.isVisible() and panel.copy_button.isVisible()
