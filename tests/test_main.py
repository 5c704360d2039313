"""``python main.py --help`` tells a newcomer about the editor and the engine's commands; the
editor applies the preferences' BLAS thread limit, to itself and to the processes it starts,
starts without what its first frame does not need, and paints on its own thread."""

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


SHOW_BLAS = r"""
import os, sys
import main
try:
    main.main(sys.argv[1:])
except SystemExit:
    pass
from threadpoolctl import threadpool_info
threads = {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}
print("BLAS threads", sorted(threads), "; started processes get",
      os.environ.get("OPENBLAS_NUM_THREADS"))
"""


@pytest.mark.parametrize(("stored", "seen"), [(1, "[1] ; started processes get 1"),
                                              (0, "[2] ; started processes get 2")])
def test_the_editor_applies_the_blas_threads_of_the_preferences(tmp_path, stored, seen):
    from PySide6.QtCore import QSettings

    store = QSettings(str(tmp_path / "TensorCanvas" / "Tensor Canvas.conf"), QSettings.IniFormat)
    store.setValue("blas_threads", stored)  # where QSettings keeps them on Linux
    store.sync()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = "2"  # the environment's own: kept at 0
    env["XDG_CONFIG_HOME"] = str(tmp_path)  # where the child's QSettings look
    result = subprocess.run([sys.executable, "-c", SHOW_BLAS, "--help"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "usage: python main.py" in result.stdout
    assert f"BLAS threads {seen}\n" in result.stdout


def test_the_editor_starts_without_what_its_first_frame_does_not_need():
    """Plots, the training process's machinery, SVG and the Help dialogs load when first
    used: the window's modules import none of them (each took a tenth of the start)."""
    later = ("pyqtgraph", "multiprocessing.connection", "PySide6.QtSvg", "editor.app.help")
    code = ("import sys\nimport editor.app.main, editor.app.window\n"
            f"print([m for m in {later!r} if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"


BIG_FILL = r"""
import os, sys
if sys.argv[1] == "editor":
    import editor  # noqa: F401
from PySide6.QtGui import QGuiApplication, QImage, QPainter, QColor
app = QGuiApplication([])
before = len(os.listdir("/proc/self/task"))
image = QImage(1600, 1200, QImage.Format.Format_ARGB32_Premultiplied)
painter = QPainter(image)
painter.fillRect(image.rect(), QColor(30, 30, 30, 200))
painter.end()
print(len(os.listdir("/proc/self/task")) - before)
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts Linux's threads")
def test_the_editor_paints_on_its_own_thread():
    """A big fill is Qt's to split among a pool of threads; in the editor it stays on the
    painting thread (the cores are the compute service's, and waking the pool cost more)."""
    env = {k: v for k, v in os.environ.items() if k != "QT_NO_GUI_THREADPOOL"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    started = {}
    for side in ("plain Qt", "editor"):
        result = subprocess.run([sys.executable, "-c", BIG_FILL, side], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        started[side] = int(result.stdout)
    assert started["editor"] == 0 < started["plain Qt"]  # (plain Qt starts the pool)
