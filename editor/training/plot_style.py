"""Colours of the training plots (dark theme), shared by the loss curve and decision boundary."""

from __future__ import annotations

from editor import style

BACKGROUND = style.BACKGROUND.name()
FOREGROUND = style.MUTED_TEXT.name()
CURVE = "#f5a623"
CURVE_PREVIOUS = (245, 166, 35, 70)
"""The previous run's curve: the current colour, faint."""

CLASS_COLORS = [(47, 128, 237), (235, 64, 52), (46, 184, 92), (155, 89, 182), (241, 196, 15),
                (26, 188, 156)]
"""Class 0 blue, class 1 red (the series' colours), then more for more classes."""


def faded(rgb: tuple[int, int, int], amount: float = 0.62, base: str = BACKGROUND
            ) -> tuple[int, int, int]:
    """``rgb`` blended towards the background: the predicted-class area behind the points."""
    bg = tuple(int(base[i : i + 2], 16) for i in (1, 3, 5))
    return tuple(round(c * (1 - amount) + b * amount) for c, b in zip(rgb, bg, strict=True))  # type: ignore[return-value]
