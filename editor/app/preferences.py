"""What the editor keeps in QSettings, and where."""

from __future__ import annotations

from PySide6.QtCore import QSettings

ORGANIZATION, APPLICATION = "TensorCanvas", "Tensor Canvas"


def settings() -> QSettings:
    return QSettings(ORGANIZATION, APPLICATION)
