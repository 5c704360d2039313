"""``python main.py --help`` tells a newcomer about the editor and the engine's commands; the
editor sets the BLAS thread limit before numpy loads."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import main

ROOT = Path(__file__).resolve().parents[1]


def test_help_names_the_editor_options_and_the_engine_commands(capsys):
    with pytest.raises(SystemExit) as done:
        main.main(["--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert "--screenshot" in out and "[file]" in out
    assert "run" in out and "train" in out


def test_main_knows_the_engine_commands_without_importing_the_engine():
    from engine import cli

    assert set(main.ENGINE_COMMANDS) == set(cli.COMMANDS)


WATCH_NUMPY = r"""
import os, sys

class Watch:  # reports the environment when numpy is first imported
    def find_spec(self, name, path=None, target=None):
        if name == "numpy":
            print("numpy sees OPENBLAS_NUM_THREADS =", os.environ.get("OPENBLAS_NUM_THREADS"))
            sys.meta_path.remove(self)
        return None

sys.meta_path.insert(0, Watch())
import main
main.main(sys.argv[1:])
"""


@pytest.mark.parametrize(("stored", "seen"), [(3, "3"), (0, "None")])
def test_the_editor_sets_the_blas_threads_of_the_preferences_before_numpy_loads(
        tmp_path, stored, seen):
    from PySide6.QtCore import QSettings

    store = QSettings(str(tmp_path / "TensorCanvas" / "Tensor Canvas.conf"), QSettings.IniFormat)
    store.setValue("blas_threads", stored)  # where QSettings keeps them on Linux
    store.sync()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    env["XDG_CONFIG_HOME"] = str(tmp_path)  # where the child's QSettings look
    result = subprocess.run([sys.executable, "-c", WATCH_NUMPY, "--help"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"numpy sees OPENBLAS_NUM_THREADS = {seen}\n" in result.stdout
    assert "usage: python main.py" in result.stdout
