"""Tensor Canvas's PySide6 editor."""
