"""Tensor Canvas: ``python main.py [FILE]`` opens the editor; ``python main.py run|train ...``
runs the engine's command line."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from engine import cli

    if argv and argv[0] in cli.COMMANDS:
        return cli.main(argv)
    from editor.app.main import main as editor_main

    return editor_main(argv)


if __name__ == "__main__":
    sys.exit(main())
