"""Tensor Canvas's editor (PySide6)."""

from .pyside_fix import make_none_immortal

make_none_immortal()
