"""``python main.py --help`` tells a newcomer about the editor and the engine's commands."""

import pytest

import main


def test_help_names_the_editor_options_and_the_engine_commands(capsys):
    with pytest.raises(SystemExit) as done:
        main.main(["--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert "--screenshot" in out and "[file]" in out
    assert "run" in out and "train" in out
