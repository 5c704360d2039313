"""ONNX out: the ancestors of chosen outputs as an ONNX model (opset :data:`OPSET`).

Variables and constants become initializers (their ``doc_string`` says which, for import),
placeholders graph inputs whose unknown sizes are symbolic, and each operation one ONNX node
named, with its output, as the node is. Ops ONNX has no operator for are functions of the
model in the domain :data:`engine.ops.forms.OURS`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..graph import Constant, Graph, Node, Placeholder, Variable, _ValueNode
from ..ops.forms import OURS, OnnxForm, Ref, forms_of
from ..registry import GRADIENT, TRAIN_STEP, has_role
from . import ExportError, ancestry, require

OPSET = 18
IR_VERSION = 10
PRODUCER = "Tensor Canvas"
CONSTANT = "constant"
VARIABLE = "variable"
FROZEN = "variable (not trainable)"
"""The ``doc_string`` of an initializer: what it was in the graph."""


def default_outputs(graph: Graph) -> list[Node]:
    """The nodes nothing but training reads: what a model of the graph computes."""
    def training(node: Node) -> bool:
        return has_role(node, TRAIN_STEP) or has_role(node, GRADIENT)

    return [n for n in graph.nodes if not training(n) and not n.op.is_source
            and all(training(c) for c in n.consumers)]


def to_onnx(graph: Graph, outputs: Sequence[Node | str] | None = None,
            float_type: str | None = None) -> Any:
    """The ONNX model (``onnx.ModelProto``) computing ``outputs`` (default:
    :func:`default_outputs`); ``float_type`` (``"float32"``) casts every float tensor.
    ``ExportError`` names a node that cannot be exported."""
    onnx = require("onnx", "ONNX export")
    helper = onnx.helper
    chosen = default_outputs(graph) if outputs is None else [graph.get_node(o) for o in outputs]
    if not chosen:
        raise ExportError("nothing to export: choose the output nodes")
    for node in chosen:
        if node.op.is_source:
            raise ExportError(f"{node.label}: an output of the model is an operation (a "
                              f"{node.type} is in the model already)", node=node.name)
    nodes: list[Any] = []
    inputs: list[Any] = []
    initializers: list[Any] = []
    extras: list[Any] = []
    functions: dict[str, Any] = {}
    order = ancestry(graph, chosen)
    casts = _promoted_constants(order)
    for node in order:
        if isinstance(node, Placeholder):
            inputs.append(_input(helper, node, float_type))
        elif isinstance(node, _ValueNode):
            initializers.append(_initializer(onnx, node, casts.get(node), float_type))
        else:
            forms = forms_of(node.op)
            form = forms.onnx_for(node.attrs)
            if form is None:
                why = f" ({forms.no_onnx})" if forms.no_onnx else ""
                raise ExportError(f"{node.label}: {node.type} has no ONNX form{why}",
                                  node=node.name)
            nodes.append(_node(onnx, node, form, extras, float_type))
            if form.body and form.op_type not in functions:
                functions[form.op_type] = _function(helper, node.op.inputs, form)
    outs = [helper.make_empty_tensor_value_info(n.name) for n in chosen]
    graph_proto = helper.make_graph(nodes, "graph", inputs, outs, initializers + extras)
    model = helper.make_model(
        graph_proto, producer_name=PRODUCER, ir_version=IR_VERSION,
        functions=list(functions.values()),
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(OURS, 1)])
    model = _typed_outputs(onnx, model, graph)
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as error:  # onnx's ValidationError and InferenceError
        raise ExportError(f"ONNX refuses the model: {str(error).strip().splitlines()[-1]}"
                          ) from None
    return model


def save_onnx(graph: Graph, path: str | os.PathLike[str],
              outputs: Sequence[Node | str] | None = None, float_type: str | None = None) -> None:
    """Write :func:`to_onnx`'s model to ``path``."""
    model = to_onnx(graph, outputs, float_type)
    with open(path, "wb") as file:
        file.write(model.SerializeToString())


def _promoted_constants(order: list[Node]) -> dict[Node, str]:
    """The integer or boolean constants that an op reads with a float input, and the float
    type numpy would promote them to (``x * 2``): ONNX does not promote. (Ports the op's forms
    ``keeps`` — indices, conditions — are read as they are.)"""
    dtypes: dict[Node, np.dtype[Any]] = {}
    casts: dict[Node, str] = {}
    for node in order:
        if isinstance(node, Placeholder):
            dtypes[node] = np.dtype(node.dtype or (node.value.dtype if node.value is not None
                                                   else "float64"))
        elif isinstance(node, _ValueNode):
            dtypes[node] = np.asarray(node.value).dtype
        else:
            forms = forms_of(node.op)
            sources = [s for port, s in zip(node.op.inputs, node.inputs, strict=True)
                       if s is not None and port not in forms.keeps]
            joint = np.result_type(*(dtypes[s] for s in sources)) if sources else None
            if joint is not None and joint.kind == "f":
                for source in sources:
                    if isinstance(source, Constant) and dtypes[source].kind in "biu":
                        casts[source] = joint.name
            dtypes[node] = np.dtype(forms.dtype(node.attrs) if forms.dtype is not None
                                    else joint if joint is not None else "float64")
    return casts


def _cast(array: np.ndarray, float_type: str | None) -> np.ndarray:
    return array.astype(float_type) if float_type and array.dtype.kind == "f" else array


def _input(helper: Any, node: Placeholder, float_type: str | None) -> Any:
    dtype = node.dtype or (node.value.dtype.name if node.value is not None else None)
    if dtype is None:
        raise ExportError(f"{node.label}: give the placeholder a dtype (or a default) to export "
                          "it", node=node.name)
    if float_type and np.dtype(dtype).kind == "f":
        dtype = float_type
    shape = None if node.shape is None else [
        (f"{node.name}_batch" if i == 0 else f"{node.name}_{i}") if d is None else d
        for i, d in enumerate(node.shape)]
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    return helper.make_tensor_value_info(node.name, elem, shape)


def _initializer(onnx: Any, node: _ValueNode, promote: str | None, float_type: str | None
                 ) -> Any:
    """``node``'s value as an initializer, ``promote``d (a constant) and cast to
    ``float_type`` if it is then a float tensor."""
    array = np.asarray(node.value)
    if promote is not None:
        array = array.astype(promote)
    tensor = onnx.numpy_helper.from_array(_cast(array, float_type), node.name)
    if isinstance(node, Variable):
        tensor.doc_string = VARIABLE if node.trainable else FROZEN
    else:
        tensor.doc_string = CONSTANT
    return tensor


def _node(onnx: Any, node: Node, form: OnnxForm, extras: list[Any], float_type: str | None
          ) -> Any:
    """The node's ONNX node; its constant inputs (axes, shapes) are added to ``extras``.
    With ``float_type``, an attribute ``dtype`` naming a float type names it."""
    attrs = dict(node.attrs)
    if float_type and isinstance(attrs.get("dtype"), str) and np.dtype(attrs["dtype"]).kind == "f":
        attrs["dtype"] = float_type
    names = [source.name for source in node.inputs if source is not None]
    for i, extra in enumerate(form.extra(attrs)):
        if extra is None:
            names.append("")
            continue
        name = f"{node.name}:{i}"  # ':' is in no node's name
        extras.append(onnx.numpy_helper.from_array(_cast(extra, float_type), name))
        names.append(name)
    while names and not names[-1]:
        names.pop()
    try:
        onnx_attrs = form.attrs(attrs) if form.ranked is None else form.ranked(attrs,
                                                                               _ranks(node))
    except ValueError as error:
        raise ExportError(f"{node.label}: {error}", node=node.name) from None
    return onnx.helper.make_node(form.op_type, names, [node.name], name=node.name,
                                 domain=form.domain, **onnx_attrs)


def _ranks(node: Node) -> tuple[int, ...]:
    """The ranks of the node's inputs (``ExportError`` if one is unknown)."""
    ranks = []
    for source in node.inputs:
        shape = None if source is None else node.graph.shape_of(source)
        if shape is None:
            raise ExportError(f"{node.label}: its ONNX form needs its inputs' ranks: give "
                              "the placeholders shapes", node=node.name)
        ranks.append(len(shape))
    return tuple(ranks)


_REF_TYPES = {"int": "INT", "ints": "INTS", "float": "FLOAT", "string": "STRING"}


def _function(helper: Any, ports: tuple[str, ...], form: OnnxForm) -> Any:
    attributes: list[Any] = []
    body = []
    for op_type, ins, outs, attrs in form.body:
        plain = {k: v for k, v in attrs.items() if not isinstance(v, Ref)}
        made = helper.make_node(op_type, list(ins), list(outs), **plain)
        for key, value in attrs.items():
            if isinstance(value, Ref):
                kind = getattr(helper.AttributeProto, _REF_TYPES[value.kind])
                made.attribute.append(helper.make_attribute_ref(key, kind))
                if value.name not in attributes:
                    attributes.append(value.name)
        body.append(made)
    return helper.make_function(OURS, form.op_type, [*ports, *form.body_inputs], ["out"], body,
                                [helper.make_opsetid("", OPSET)], attributes)


def _typed_outputs(onnx: Any, model: Any, graph: Graph) -> Any:
    """The model with its outputs' element types as ONNX infers them, and their shapes as
    the graph infers them (ONNX does not see through every function)."""
    inferred = onnx.shape_inference.infer_shapes(model)
    known = {v.name: v.type.tensor_type.elem_type for v in inferred.graph.value_info}
    for output in model.graph.output:
        if not known.get(output.name):
            raise ExportError(f"{output.name}: ONNX cannot tell its type", node=output.name)
        shape = graph.shape_of(output.name)
        dims = None if shape is None else [
            f"{output.name}_{i}" if d is None else d for i, d in enumerate(shape)]
        output.CopyFrom(onnx.helper.make_tensor_value_info(output.name, known[output.name],
                                                           dims))
    return model
