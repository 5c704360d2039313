"""ONNX in: a model whose every node is an op of the registry, as a graph.

Graph inputs become placeholders (unknown sizes ``None``), initializers that feed an op's port
variables or constants (as their ``doc_string`` says; else a float one is a trainable variable),
ONNX ``Constant`` nodes constants, each other node the op whose ONNX form it is
(:func:`engine.ops.forms.op_for_onnx`), named as its output. Everything is checked before the
graph is built: a model that cannot be read gives :class:`ExportError` naming the model node.
"""

from __future__ import annotations

import os
import re
from typing import Any

import numpy as np

from ..graph import Graph
from ..ops.forms import op_for_onnx
from . import ExportError, Identifiers, require
from .onnx_out import CONSTANT, FROZEN, VARIABLE

_BAD_CHARACTERS = re.compile(r"[^A-Za-z0-9_.\-/]")


def load_onnx(path: str | os.PathLike[str]) -> Graph:
    """The graph of the ONNX model in the file at ``path``."""
    onnx = require("onnx", "ONNX import")
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as error:
        raise ExportError(f"{path}: cannot read it ({error.strerror or error})") from None
    return from_onnx(read_model(onnx, data, str(path)))


def read_model(onnx: Any, data: bytes, source: str) -> Any:
    """The ``ModelProto`` in ``data``, checked; ``ExportError`` if it is not one."""
    try:
        model = onnx.load_model_from_string(data)
        onnx.checker.check_model(model)
    except Exception as error:  # protobuf's DecodeError, onnx's ValidationError, and others
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ExportError(f"{source}: not a valid ONNX model ({first})") from None
    if not model.graph.node and not model.graph.input:
        raise ExportError(f"{source}: not an ONNX model (it holds no graph)")
    return model


class _Names(Identifiers):
    """Node names for ONNX value names: the same where the engine allows it."""

    def clean(self, name: str) -> str:
        cleaned = _BAD_CHARACTERS.sub("_", name) or "value"
        return cleaned if re.match(r"[A-Za-z_]", cleaned) else f"_{cleaned}"


def from_onnx(model: Any) -> Graph:
    """The graph of a checked ONNX ``ModelProto``."""
    onnx = require("onnx", "ONNX import")
    graph_proto = model.graph
    tensors = {t.name: t for t in graph_proto.initializer}
    constants: dict[str, np.ndarray] = {
        name: onnx.numpy_helper.to_array(t) for name, t in tensors.items()}
    names = _Names()
    specs: list[dict[str, Any]] = []  # what to build, all checked first
    for value in graph_proto.input:
        if value.name not in tensors:
            specs.append(_placeholder(onnx, value, names(value.name)))
    ops: list[dict[str, Any]] = []
    used: set[str] = set()
    for index, node in enumerate(graph_proto.node):
        where = f"ONNX node '{node.name or node.output[0] if node.output else index}'"
        if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
            constants[node.output[0]] = _constant_value(onnx, node, where)
            continue
        found = op_for_onnx(node.domain, node.op_type)
        if found is None:
            domain = f" of domain {node.domain}" if node.domain else ""
            raise ExportError(f"{where}: its op {node.op_type}{domain} is not one Tensor Canvas "
                              "has")
        opdef, form = found
        if len(node.output) != 1:
            raise ExportError(f"{where}: {node.op_type} with {len(node.output)} outputs is not "
                              "supported")
        ports = list(node.input[:len(opdef.inputs)])
        extra_names = list(node.input[len(opdef.inputs):])
        if len(ports) < len(opdef.inputs):
            raise ExportError(f"{where}: {node.op_type} needs {len(opdef.inputs)} inputs")
        if extra_names and not form.extra(opdef.default_attrs()):
            raise ExportError(f"{where}: {node.op_type} with {len(node.input)} inputs is not "
                              f"supported ({len(opdef.inputs)} are)")
        extra = []
        for name in extra_names:
            if name and name not in constants:
                raise ExportError(f"{where}: its input '{name}' must be a constant of the model")
            extra.append(constants[name] if name else None)
        onnx_attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        try:
            attrs = opdef.parse_attrs(form.back(onnx_attrs, extra))
        except ValueError as error:
            raise ExportError(f"{where} ({node.op_type}): {error}") from None
        used.update(ports)
        ops.append({"op": opdef.type, "name": names(node.output[0]), "inputs": ports,
                    "attrs": attrs, "at": where})
    produced = {value.name for value in graph_proto.input} | {n.output[0] for n in
                                                              graph_proto.node if n.output}
    for name, array in constants.items():
        if name in used:
            specs.append(_source(tensors.get(name), array, names(name)))
    for spec in ops:
        for port in spec["inputs"]:
            if port not in produced and port not in constants:
                raise ExportError(f"{spec['at']}: its input '{port}' comes from nowhere")
        spec["inputs"] = [names(port) for port in spec["inputs"]]
    return _build(specs + ops)


def _placeholder(onnx: Any, value: Any, name: str) -> dict[str, Any]:
    tensor_type = value.type.tensor_type
    try:
        dtype = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(tensor_type.elem_type)).name
    except (KeyError, TypeError):
        raise ExportError(f"model input '{value.name}': its type is not a tensor Tensor Canvas "
                          "can hold") from None
    shape = None
    if tensor_type.HasField("shape"):
        shape = [d.dim_value if d.HasField("dim_value") else None for d in tensor_type.shape.dim]
    return {"op": "placeholder", "name": name, "attrs": {"shape": shape, "dtype": dtype}}


_LIST_TYPES = {"value_float": np.float32, "value_floats": np.float32, "value_int": np.int64,
               "value_ints": np.int64}
"""The dtypes of a ``Constant`` node's plain-number attributes."""


def _constant_value(onnx: Any, node: Any, where: str) -> np.ndarray:
    attribute = node.attribute[0] if len(node.attribute) == 1 else None
    if attribute is None or attribute.name not in ("value", *_LIST_TYPES):
        raise ExportError(f"{where}: a Constant holding a tensor or numbers is supported")
    value = onnx.helper.get_attribute_value(attribute)
    if attribute.name == "value":
        return np.asarray(onnx.numpy_helper.to_array(value))
    return np.asarray(value, _LIST_TYPES[attribute.name])


def _source(tensor: Any, array: np.ndarray, name: str) -> dict[str, Any]:
    doc = tensor.doc_string if tensor is not None else CONSTANT
    if doc not in (CONSTANT, VARIABLE, FROZEN):
        doc = VARIABLE if array.dtype.kind == "f" else CONSTANT
    if doc == CONSTANT:
        return {"op": "constant", "name": name, "value": array}
    return {"op": "variable", "name": name, "value": array, "attrs": {"trainable": doc == VARIABLE}}


def _build(specs: list[dict[str, Any]]) -> Graph:
    graph = Graph()
    try:
        for spec in specs:
            graph.add_node(spec["op"], name=spec["name"], attrs=spec.get("attrs"),
                           value=spec.get("value"))
        for spec in specs:
            for port, source in enumerate(spec.get("inputs", ())):
                graph.connect(source, spec["name"], port)
    except (ValueError, TypeError, KeyError) as error:
        raise ExportError(f"the model cannot be built: {error}") from None
    return graph
