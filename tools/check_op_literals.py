"""List string literals equal to a registered operation's type outside ``engine/ops/`` and
``tests/``: code elsewhere recognises ops by their roles in the registry, never by name.

    python tools/check_op_literals.py engine editor main.py

Prints ``file:line: 'type'`` for each and exits 1 if there is any (docstrings are ignored).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXEMPT = (ROOT / "engine" / "ops", ROOT / "tests")
"""Where op types may be named: the op definitions, and the tests."""


def op_types() -> frozenset[str]:
    """The type of every registered operation (not the source kinds)."""
    sys.path.insert(0, str(ROOT))
    import engine  # noqa: F401  (registers the built-in ops)
    from engine.registry import all_ops

    return frozenset(op.type for op in all_ops() if not op.is_source)


def python_files(paths: list[str]) -> Iterator[Path]:
    """The ``.py`` files at or under ``paths``, minus the exempt folders."""
    for path in map(Path, paths):
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            resolved = file.resolve()
            if not any(resolved.is_relative_to(folder) for folder in EXEMPT):
                yield file


def docstrings(tree: ast.AST) -> set[ast.AST]:
    """The string constants that are docstrings (of the module, classes, functions) or that
    document an assignment (a string statement after it)."""
    found: set[ast.AST] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            for statement in body:
                if (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
                        and isinstance(statement.value.value, str)):
                    found.add(statement.value)
    return found


def literals(file: Path, types: frozenset[str]) -> Iterator[tuple[int, str]]:
    """(line, text) of each string literal in ``file`` equal to one of ``types``."""
    tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
    skip = docstrings(tree)
    found = [(node.lineno, node.value) for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and node.value in types and node not in skip]
    yield from sorted(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="List string literals that name an op type.")
    parser.add_argument("paths", nargs="+", help="files or folders to check")
    args = parser.parse_args(argv)
    types = op_types()
    found = [(file, line, text) for file in python_files(args.paths)
             for line, text in literals(file, types)]
    for file, line, text in found:
        print(f"{file}:{line}: {text!r}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
