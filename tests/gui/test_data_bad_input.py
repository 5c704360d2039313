"""Bad data through File › Import Data…: each file is named in the dialog with the row and
column (or array) at fault, the dialog stays open, and nothing is bound."""

from __future__ import annotations

import numpy as np
from data_graphs import classifier
from PySide6.QtCore import Qt

import engine as ts

WAIT = 30_000


def bad_files(folder) -> list[tuple[str, str]]:
    """Bad data files written in ``folder``, each with what the dialog must say of it."""
    header = "a,b,c,d,kind\n"
    texts = {
        "empty.csv": ("", "empty.csv: the file is empty"),
        "header.csv": (header, "header.csv: the file has a header row (a, b, c, d, kind) but "
                               "no rows of data"),
        "ragged.csv": (header + "1,2,3,4,x\n1,2,x\n", "ragged.csv, line 3: has 3 values, "
                                                      "expected 5"),
        "text.csv": (header + "1,2,3,4,x\n1,2,3,oops,y\n", "text.csv, line 3, column 'd': "
                                                          "'oops' is not a number"),
        "nan.csv": (header + "1,2,3,4,x\n1,nan,3,4,y\n", "nan.csv, line 3, column 'b': nan"),
        "ids.csv": (header + "".join(f"1,2,3,4,id{i}\n" for i in range(3000)),
                    "ids.csv, column 'kind': 3,000 distinct values are too many"),
        "two.csv": (header + "1,2,3,4,x\n5,6,7,8,y\n",  # 2 classes: c holds 3
                    "two, array 'labels' does not fit placeholder c"),
    }
    found = []
    for name, (text, message) in texts.items():
        (folder / name).write_text(text)
        found.append((name, message))
    np.save(folder / "objects.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    found.append(("objects.npy", "objects.npy: holds Python objects, which are refused"))
    (folder / "broken.npz").write_bytes(b"PK\x03\x04 not really")
    found.append(("broken.npz", "broken.npz: not a numpy file that can be read"))
    with open(folder / "huge.csv", "wb") as f:  # sparse: nothing is written to disk
        f.truncate(2 * 2**30)
    found.append(("huge.csv", "huge.csv: 2.0 GiB is more than the 1.0 GiB"))
    return found


def test_each_bad_file_is_named_in_the_dialog_and_nothing_is_bound(qtbot, window, tmp_path):
    ts.save_graph(classifier(features=4, classes=3), tmp_path / "model.json")
    assert window.open_file(tmp_path / "model.json")
    window.data.import_action.trigger()
    dialog = window.data.dialog
    graph = window.doc.graph
    for name, message in bad_files(tmp_path):
        dialog.path.setFocus()
        qtbot.keyClick(dialog.path, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(dialog.path, str(tmp_path / name))
        qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        assert not dialog.import_button.isEnabled()  # loading
        qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=WAIT)
        assert message in dialog.message.text()
        assert dialog.isVisible() and window.doc.undo_stack.count() == 0, name
        for placeholder in ("X", "c"):  # nothing is bound, not even half
            node = graph.get_node(placeholder)
            assert node.value is None and node.attrs["binding"] is None, name
