"""The step-through bar: Reset, Back, Play/Pause, Next, Run to end, a speed slider and a line
saying which node the evaluation is at and what it produced."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QWidget,
)

from editor.compute.stepper import Step, Stepper
from editor.words import WrappedLabel

SPEEDS = (1, 12)
"""Autoplay speeds offered, in steps per second."""


def describe(step: Step | None, position: int, total: int) -> str:
    """``step 3 of 5 · matmul = matmul(A, x) = [1, -2]``, or why the node has no value."""
    if step is None:
        return f"{total} steps — press Next or Play" if total else "Nothing to step through"
    if step.inputs:
        what = f"{step.name} = {step.op}({', '.join(n or '?' for n in step.inputs)})"
    else:
        what = f"{step.name} ({step.op})"
    if step.error is not None:
        outcome = f"failed: {step.error}"
    elif step.blocked_by is not None:
        outcome = f"blocked by {step.blocked_by}"
    else:
        outcome = f"= {step.value_text()}"
    return f"step {position} of {total} · {what} {outcome}"


class StepControls(QWidget):
    """Buttons and a speed slider driving a :class:`Stepper`."""

    def __init__(self, stepper: Stepper, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stepper = stepper
        icon = self.style().standardIcon
        pixmap = QStyle.StandardPixmap
        self.reset_button = self._button("Reset", icon(pixmap.SP_MediaSkipBackward), stepper.reset)
        self.back_button = self._button("Back", icon(pixmap.SP_MediaSeekBackward), stepper.back)
        self.play_button = self._button("Play", icon(pixmap.SP_MediaPlay), self._toggle_play)
        self.next_button = self._button("Next", icon(pixmap.SP_MediaSeekForward), stepper.next)
        self.end_button = self._button("Run to end", icon(pixmap.SP_MediaSkipForward),
                                       stepper.run_to_end)
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setRange(*SPEEDS)
        self.speed.setValue(max(SPEEDS[0], round(1000 / stepper.interval)))
        self.speed.setFixedWidth(110)
        self.speed.setToolTip("Autoplay speed (steps per second)")
        self.speed.valueChanged.connect(lambda v: stepper.set_interval(round(1000 / v)))
        self.status = WrappedLabel()  # a long line wraps: the dock grows a line taller

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        for button in (self.reset_button, self.back_button, self.play_button, self.next_button,
                       self.end_button):
            layout.addWidget(button)
        layout.addSpacing(8)
        layout.addWidget(QLabel("speed"))
        layout.addWidget(self.speed)
        layout.addSpacing(8)
        layout.addWidget(self.status, 1)

        stepper.position_changed.connect(self._update)
        stepper.playing_changed.connect(self._update)
        self._update()

    def _button(self, text: str, icon, slot) -> QToolButton:  # noqa: ANN001
        button = QToolButton()
        button.setIcon(icon)
        button.setToolTip(text)
        button.setText(text)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        button.clicked.connect(slot)
        return button

    def _toggle_play(self) -> None:
        if self.stepper.playing:
            self.stepper.pause()
        else:
            self.stepper.play()

    def _update(self, *_: object) -> None:
        s = self.stepper
        total = len(s.steps)
        self.reset_button.setEnabled(s.position > 0)
        self.back_button.setEnabled(s.position > 0)
        self.next_button.setEnabled(not s.at_end)
        self.end_button.setEnabled(not s.at_end)
        self.play_button.setEnabled(total > 0)
        playing = s.playing
        self.play_button.setText("Pause" if playing else "Play")
        self.play_button.setToolTip("Pause" if playing else "Play")
        self.play_button.setIcon(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay))
        self.status.setText(describe(s.current, s.position, total))
