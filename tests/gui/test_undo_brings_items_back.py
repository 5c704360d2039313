"""Undoing a deletion brings the canvas back as a fresh drawing of the nodes would show
them: not selected, wired port to port, following their nodes when dragged."""

from PySide6.QtCore import QPoint, Qt

from editor.canvas.items.edge import EdgeItem
from editor.document import INCOMPLETE, OK


def drawn_wires(canvas) -> dict[tuple[str, int, str], tuple]:
    """Each wire on the canvas and where its ends are drawn."""
    return {(e.target.node.name, e.port, e.source.node.name): tuple(p.toTuple() for p in e.ends())
            for e in canvas.scene.items() if isinstance(e, EdgeItem)}


def port_ends(canvas) -> dict[tuple[str, int, str], tuple]:
    """Each wire of the graph and the ports it joins on the canvas."""
    return {(n.name, port, s.name): (canvas.item(s.name).port_scene_pos(("out", 0)).toTuple(),
                                     canvas.item(n.name).port_scene_pos(("in", port)).toTuple())
            for n in canvas.graph for port, s in enumerate(n.inputs) if s is not None}


def test_deleted_nodes_come_back_unselected_wired_and_movable(affine):
    wires = drawn_wires(affine)
    assert wires == port_ends(affine) and len(wires) == 4
    affine.key(Qt.Key_A, Qt.ControlModifier)
    affine.key(Qt.Key_Delete)
    assert affine.scene.items() == []
    for _ in range(2):  # undone, redone, undone again
        affine.key(Qt.Key_Z, Qt.ControlModifier)
        assert affine.scene.selectedItems() == [] and drawn_wires(affine) == wires
        affine.key(Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
        assert affine.scene.items() == []
    affine.key(Qt.Key_Z, Qt.ControlModifier)
    affine.click(affine.title("matmul"))
    assert [i.node.name for i in affine.scene.selected_node_items()] == ["matmul"]
    affine.drag(affine.title("matmul"), affine.title("matmul") + QPoint(0, 60))
    assert drawn_wires(affine) == port_ends(affine) != wires  # its wires followed it


def test_undoing_a_deletion_shows_the_shapes_below_it_again(affine):
    def shapes():
        return {n.name: (affine.item(n.name).shape_text, affine.item(n.name).shape_state)
                for n in affine.graph}

    before = shapes()
    assert before["z"] == ("(2,)", OK)
    affine.click(affine.title("matmul"))
    affine.key(Qt.Key_Delete)
    assert shapes()["z"] == ("?", INCOMPLETE)  # its input is gone
    affine.key(Qt.Key_Z, Qt.ControlModifier)
    assert shapes() == before
