"""Tensor Canvas: ``python main.py [FILE]`` opens the editor; ``python main.py run|train ...``
runs the engine's command line."""

from __future__ import annotations

import sys

ENGINE_COMMANDS = ("run", "train")
"""``engine.cli.COMMANDS``, named here so that this module imports nothing it does not need
(tests/test_main.py checks that the two agree)."""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ENGINE_COMMANDS:
        from engine import cli

        return cli.main(argv)
    from editor.app.main import main as editor_main

    return editor_main(argv)


if __name__ == "__main__":
    sys.exit(main())
