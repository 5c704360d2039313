"""The canvas: scene, view, items, wiring, palette, search and layout."""
