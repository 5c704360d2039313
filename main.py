"""Tensor Canvas: ``python main.py [FILE]`` opens the editor; ``python main.py
run|train|export|import ...`` runs the engine's command line; ``python main.py export-image
FILE OUT`` draws a picture."""

from __future__ import annotations

import sys

ENGINE_COMMANDS = ("run", "train", "export", "import")
"""``engine.cli.COMMANDS``, named here so that this module imports nothing it does not need
(tests/test_main.py checks that the two agree)."""
IMAGE_COMMAND = "export-image"
"""Draws a graph file's canvas to a picture without a window (``editor.app.image_command``)."""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ENGINE_COMMANDS:
        from engine import cli

        return cli.main(argv)
    if argv and argv[0] == IMAGE_COMMAND:
        from editor.app.image_command import main as image_main

        return image_main(argv[1:])
    from editor.app.main import main as editor_main

    return editor_main(argv)


if __name__ == "__main__":
    sys.exit(main())
