"""The Tensor dock panel's parts that paint or place themselves: the statistics strip, the
message over the values, the shelf of Copy and Export…"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu

from editor import style
from editor.inspect.stats_strip import STATS
from editor.inspect.tensor_view import TensorView, alert_colour


@pytest.fixture
def view(qtbot):
    widget = TensorView()
    widget.resize(700, 420)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


def test_the_strip_shows_each_statistic_under_its_caption(view):
    view.show_value("t", np.array([[1.5, np.nan], [-np.inf, 2.25]]))
    strip = view.panel("t").stats_strip
    assert [strip.text(key) for key, _ in STATS] == ["-inf", "2.25", "-inf", "1", "0", "1"]
    assert strip.alerted("nan") and strip.alerted("neginf") and not strip.alerted("posinf")
    assert strip.accessibleDescription().startswith("min -inf, max 2.25, mean -inf, NaN 1")
    settle()
    image = strip.grab().toImage()
    alert = alert_colour(strip.palette())
    nan = strip.column_rect("nan")  # the figure "1" of NaN is drawn in the alert colour
    figure = [image.pixelColor(x, y) for x in range(nan.left(), nan.right() + 1)
              for y in range(nan.center().y(), nan.bottom() + 1)]
    assert any(abs(c.red() - alert.red()) + abs(c.green() - alert.green()) < 40 for c in figure)
    for (key, _), (next_key, _) in zip(STATS, STATS[1:], strict=False):  # columns apart
        assert strip.column_rect(key).right() + 16 < strip.column_rect(next_key).left() + 1


def _alert_in_figure(strip, image, key: str) -> bool:  # noqa: ANN001
    """Whether the figure of ``key`` in ``image`` (the strip's) is drawn in the alert colour."""
    alert, rect = alert_colour(strip.palette()), strip.column_rect(key)
    return any(abs(c.red() - alert.red()) + abs(c.green() - alert.green()) < 40
               for c in (image.pixelColor(x, y) for x in range(rect.left(), rect.right() + 1)
                         for y in range(rect.center().y(), rect.bottom() + 1)))


def test_the_strip_draws_what_it_shows_now(view, qapp):
    """The strip keeps a picture of itself: new figures, alerts or colours draw it again,
    the same ones draw the same picture."""
    view.show_value("t", np.array([1.0, np.nan]))
    strip = view.panel("t").stats_strip
    settle()
    with_nan = strip.grab().toImage()
    view.show_value("t", np.array([1.0, 2.0]))
    settle()
    without = strip.grab().toImage()
    assert _alert_in_figure(strip, with_nan, "nan")
    assert not _alert_in_figure(strip, without, "nan") and without != with_nan
    view.show_value("t", np.array([1.0, np.nan]))
    settle()
    assert strip.grab().toImage() == with_nan
    sheet, palette = qapp.styleSheet(), qapp.palette()
    try:
        pictures = []
        for theme in ("dark", "light", "dark"):
            style.apply_theme(qapp, theme)
            settle()
            pictures.append(strip.grab().toImage())
            assert _alert_in_figure(strip, pictures[-1], "nan")
        assert pictures[0] != pictures[1] and pictures[2] == pictures[0]
    finally:
        qapp.setStyleSheet(sheet)
        qapp.setPalette(palette)


def test_a_wider_figure_widens_its_column_and_the_strip_asks_for_room(view, qtbot):
    view.show_value("t", np.array([1.0, 2.0]))
    panel = view.panel("t")
    settle()
    strip = panel.stats_strip
    before = (strip.column_rect("max").width(), strip.sizeHint().width())
    view.show_value("t", np.array([1.0, 123456.789]))
    settle()
    assert strip.text("max") == "123456.789"
    assert strip.column_rect("max").width() > before[0] and strip.sizeHint().width() > before[1]
    assert strip.width() >= strip.sizeHint().width()  # laid out anew: all of it in sight
    panel.precision.setValue(1)
    assert strip.text("max") == "123456.8"


def test_right_click_copies_a_figure_or_all_of_them(view, qtbot):
    view.show_value("t", np.array([2.0, 8.0]))
    strip = view.panel("t").stats_strip
    settle()
    chosen: list[str] = []

    def choose(index: int) -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        action = menu.actions()[index]
        chosen.append(action.text())
        action.trigger()
        menu.close()

    mean = strip.column_rect("mean")
    for index in (0, 1):
        QTimer.singleShot(0, lambda i=index: choose(i))
        strip.contextMenuEvent(_context_menu(strip, mean.center()))
        if index == 0:
            assert QGuiApplication.clipboard().text() == "5"
    assert chosen == ["Copy mean (5)", "Copy the statistics"]
    assert QGuiApplication.clipboard().text().splitlines()[:3] == ["min\t2", "max\t8", "mean\t5"]


def _context_menu(widget, pos: QPoint):
    from PySide6.QtGui import QContextMenuEvent

    return QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, widget.mapToGlobal(pos))


class Events(QObject):
    """The kinds of event the watched widgets receive."""

    def __init__(self, *widgets) -> None:
        super().__init__()
        self.kinds: list[QEvent.Type] = []
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched, event):  # noqa: N802
        self.kinds.append(event.type())
        return False


def test_the_message_lies_over_the_values_and_lays_out_nothing(view, qtbot):
    """Blocked, the panel shows the reason and the culprit's name over the values; back, the
    values again — the panel, its header and its pages neither moved nor laid out."""
    view.show_value("z", np.array([[1.0, 2.0]]))
    panel = view.panel("z")
    settle()
    places = (panel.title.geometry(), panel.copy_button.geometry(), panel.pages.geometry())
    events = Events(panel, panel.pages, panel.value_buttons)
    view.show_blocked("z", "matmul", "matmul: shapes (2,3) and (2,) not aligned")
    settle()
    assert panel.message.isVisible() and not panel.message.visibleRegion().isEmpty()
    assert panel.message.text() == "Blocked by matmul:\nshapes (2,3) and (2,) not aligned"
    assert panel.pages.currentIndex() == 1 and panel.message_page.geometry() == panel.pages.rect()
    assert not panel.copy_button.isVisible() and not panel.export_button.isVisible()
    assert panel.pin_button.isVisible()
    view.show_value("z", np.array([[1.0, 2.0]]))
    settle()
    assert panel.pages.currentIndex() == 0 and not panel.message.isVisible()
    assert panel.table.isVisible() and panel.stats_strip.text("max") == "2"
    assert panel.copy_button.isVisible() and panel.export_button.isVisible()
    assert (panel.title.geometry(), panel.copy_button.geometry(), panel.pages.geometry()) == places
    assert not {QEvent.Type.Resize, QEvent.Type.Move} & set(events.kinds)  # nothing moved
    assert panel.export_button.geometry().left() > panel.copy_button.geometry().right()


def test_a_placeholder_without_a_value_offers_to_set_it_from_the_message(view, qtbot):
    view.show_error("x", "x: placeholder 'x' needs a value", wants_value=True)
    panel = view.panel("x")
    settle()
    assert panel.message.text() == "placeholder 'x' needs a value"
    assert panel.fix_button.isVisible() and panel.fix_button.text() == "Give x a value…"
    assert panel.fix_button.geometry().top() >= panel.message.geometry().top()
    wanted: list[str] = []
    view.value_wanted.connect(wanted.append)
    qtbot.mouseClick(panel.fix_button, Qt.MouseButton.LeftButton)
    assert wanted == ["x"]
