"""ONNX files → specs: ``archcalc summary model.onnx`` and ``archcalc import model.onnx``.

An ONNX graph is turned into the text of an ordinary spec (layer names from the graph's node
names, the DAG through ``from:``, the input from the graph), which is then loaded like any YAML
file — so an .onnx path and the spec ``archcalc import`` writes for it give identical numbers by
construction, and everything downstream (summary, compare, check, verify) works unchanged.

The file is counted as it is (docs/import.md):

- Every node that touches the activation becomes one layer (a few two- or three-node patterns
  that are one layer in the source framework become one: MatMul + bias Add is a linear layer,
  Reshape/Transpose/Reshape is a channel shuffle). An exporter's rewrites stay visible: a batch
  norm folded into the preceding convolution is a convolution with a bias.
- Constants are everything computed from initializers and ``Constant`` nodes alone, and shapes
  (``Shape`` of a tensor whose shape is known). Small ones (shape arithmetic, scalars, indices)
  are evaluated with ONNX's reference evaluator; large ones (weights) are only ever read by shape.
- A layer's parameters are the constant operands it consumes, counted for every node that
  consumes them: an initializer shared by two nodes counts twice, as each node holds it.
  Scalars are constants, not parameters.
- An op without a rule is never counted as zero: the import fails listing every such op, unless
  the caller allows it, and then the unsupported nodes are listed in the spec's notes.

Shapes come from ONNX's own shape inference (with the input's dynamic dimensions fixed), after
which the spec is analysed once and every layer's shape compared with ONNX's: any disagreement is
an error, never a silently different number.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .errors import ArchcalcError, Location

ONNX_SUFFIX = ".onnx"
#: Protocol buffers cannot exceed 2 GiB; larger models keep their weights in external data files.
MAX_FILE_BYTES = 2**31 - 1
#: Constants with at most this many elements are evaluated (shapes, scalars, indices); larger
#: ones (weights) are known by shape only, so that memory stays close to the file's size.
SMALL = 4096
INSTALL_HINT = "reading .onnx files needs the onnx package: pip install 'archcalc[onnx]'"


def is_onnx_path(text: str) -> bool:
    return Path(str(text)).suffix.lower() == ONNX_SUFFIX


def _onnx():
    try:
        import onnx
        import onnx.shape_inference  # noqa: F401
    except ImportError:
        raise ArchcalcError("E109", INSTALL_HINT) from None
    return onnx


class Unsupported(Exception):
    """A node this importer cannot count (the reason is shown beside its op type)."""


# ---- what the walk knows about each value ----

@dataclass
class Value:
    """A tensor of the graph: a constant (known shape, maybe its value) or an activation (made by
    a spec layer). ``shape`` includes the batch axis for activations, as ONNX writes it."""

    shape: tuple | None
    layer: str | None = None          # the spec layer that computes it; None for constants
    data: np.ndarray | None = None    # small constants only

    @property
    def constant(self) -> bool:
        return self.layer is None


@dataclass
class Emit:
    """One spec layer a rule produces: its type, settings, the ONNX values it reads, the value it makes."""

    type: str
    settings: dict
    sources: list
    output: str


@dataclass
class Imported:
    """The result of an import: the spec's text, and what it could not count."""

    text: str
    name: str
    unsupported: list = field(default_factory=list)   # (op type, node name, reason)


# ---- reading and checking the file ----

@dataclass(frozen=True)
class FileLocation(Location):
    """A whole file (an .onnx file has no lines): shown as its path alone."""

    def __str__(self) -> str:
        return self.file


def _fail(code: str, path: str, message: str, node: str | None = None) -> ArchcalcError:
    return ArchcalcError(code, message, FileLocation(path, 1, 1), node)


def _read_model(path: str):
    onnx = _onnx()
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _fail("E106", path, f"the file has {size:,} bytes; an ONNX protobuf holds at most 2 GiB "
                                      f"(larger models keep their weights in external data files)")
        skimmed, raw_lengths = _skim(file, size)
    except OSError as error:
        raise _fail("E104", path, f"cannot read: {error.strerror or error}") from None
    except _Malformed as error:
        raise _fail("E108", path, f"not an ONNX model, or a truncated one: {error}") from None
    model = onnx.ModelProto()
    try:
        model.ParseFromString(bytes(skimmed))
    except Exception as error:  # protobuf's DecodeError and friends
        raise _fail("E108", path, f"not an ONNX model, or a truncated one: {_first_line(error)}") from None
    del skimmed
    if not model.graph.node or not model.opset_import:
        raise _fail("E108", path, "not an ONNX model: it holds no graph nodes")
    _check_tensor_data(model, file, raw_lengths)
    return onnx, model


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


# ---- reading a file without its weights ----
# A model's bytes are almost all weights, which the count needs by shape only. The file is read
# field by field (protobuf's wire format) and the values of large initializers are skipped, so
# memory stays near the graph's size whatever the file's: ModelProto.graph is field 7,
# GraphProto.initializer field 5, and TensorProto keeps its values in fields 4, 5, 7, 9 (raw_data),
# 10 and 11.

_GRAPH_FIELD, _INITIALIZER_FIELD, _RAW_DATA_FIELD = 7, 5, 9
_VALUE_FIELDS = frozenset({4, 5, 7, 9, 10, 11})
#: Values longer than this are skipped: every constant whose value is read (≤ SMALL elements of at
#: most 16 bytes) is shorter.
_SKIP_BYTES = 16 * SMALL


class _Malformed(Exception):
    """The bytes are not protocol buffer fields (or stop in the middle of one)."""


class _FieldReader:
    def __init__(self, handle, size: int):
        self.handle, self.size, self.position = handle, size, 0

    def read(self, count: int) -> bytes:
        data = self.handle.read(count)
        if len(data) != count:
            raise _Malformed(f"the file ends {count - len(data):,} bytes early (truncated)")
        self.position += count
        return data

    def skip(self, count: int) -> None:
        if self.position + count > self.size:
            raise _Malformed(f"the file ends {self.position + count - self.size:,} bytes early (truncated)")
        self.handle.seek(count, 1)
        self.position += count

    def varint(self) -> tuple[int, bytes]:
        raw = bytearray()
        while True:
            byte = self.read(1)[0]
            raw.append(byte)
            if byte < 0x80:
                break
            if len(raw) > 10:
                raise _Malformed("a varint longer than 10 bytes")
        return sum((b & 0x7F) << (7 * i) for i, b in enumerate(raw)), bytes(raw)

    def key(self) -> tuple[int, int, bytes]:
        value, raw = self.varint()
        field_number, wire_type = value >> 3, value & 7
        if field_number == 0 or wire_type not in (0, 1, 2, 5):
            raise _Malformed(f"byte {self.position - len(raw):,} is no protocol buffer field")
        return field_number, wire_type, raw

    def payload(self, wire_type: int) -> bytes:
        """The rest of a field after its key, as it is in the file."""
        if wire_type == 0:
            return self.varint()[1]
        if wire_type == 1:
            return self.read(8)
        if wire_type == 5:
            return self.read(4)
        length, raw = self.varint()
        return raw + self.read(length)


def _varint_bytes(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _message(reader: _FieldReader, end: int, transform: dict) -> bytearray:
    """Copy the fields of a message up to byte ``end``; ``transform`` maps a field number to a function
    that reads that (length-delimited) field's content and returns its replacement."""
    out = bytearray()
    while reader.position < end:
        number, wire_type, raw_key = reader.key()
        if number in transform and wire_type == 2:
            length, _ = reader.varint()
            content = transform[number](reader, reader.position + length)
            out += raw_key + _varint_bytes(len(content)) + content
        else:
            out += raw_key + reader.payload(wire_type)
    if reader.position != end:
        raise _Malformed("a field runs past the end of its message")
    return out


def _skim(file: Path, size: int) -> tuple[bytearray, dict]:
    """The file's ModelProto bytes without the values of large initializers, and for each
    initializer (by position) whose raw_data was skipped, that data's length."""
    raw_lengths: dict[int, int] = {}
    count = [0]

    def tensor(reader, end):
        out = bytearray()
        index, count[0] = count[0], count[0] + 1
        while reader.position < end:
            number, wire_type, raw_key = reader.key()
            if number in _VALUE_FIELDS and wire_type == 2:
                length, raw_length = reader.varint()
                if length > _SKIP_BYTES:
                    reader.skip(length)
                    if number == _RAW_DATA_FIELD:
                        raw_lengths[index] = length
                    continue
                out += raw_key + raw_length + reader.read(length)
            else:
                out += raw_key + reader.payload(wire_type)
        return out

    def graph(reader, end):
        return _message(reader, end, {_INITIALIZER_FIELD: tensor})

    with open(file, "rb") as handle:
        return _message(_FieldReader(handle, size), size, {_GRAPH_FIELD: graph}), raw_lengths


def _check_tensor_data(model, file: Path, raw_lengths: dict) -> None:
    """Every weight's bytes are there: in the file (the size its shape needs) or in an external file."""
    from onnx import TensorProto, helper

    for index, tensor in enumerate(model.graph.initializer):
        count = math.prod(tensor.dims)
        if tensor.data_location == TensorProto.EXTERNAL:
            info = {entry.key: entry.value for entry in tensor.external_data}
            location = file.parent / info.get("location", "")
            end = int(info.get("offset", 0) or 0) + int(info.get("length", 0) or 0)
            if not info.get("location") or not location.is_file() or location.stat().st_size < end:
                raise _fail("E104", str(file), f"weights '{tensor.name}' are stored in external data file "
                                               f"'{info.get('location', '')}', which is missing or too short")
            continue
        length = raw_lengths.get(index, len(tensor.raw_data) if tensor.raw_data else None)
        if length is not None and tensor.data_type != TensorProto.STRING:
            try:
                itemsize = np.dtype(helper.tensor_dtype_to_np_dtype(tensor.data_type)).itemsize
            except (KeyError, TypeError, ValueError):
                continue
            if length != count * itemsize:
                raise _fail("E108", str(file), f"initializer '{tensor.name}' holds {length:,} bytes, "
                                               f"its shape {list(tensor.dims)} needs {count * itemsize:,}: "
                                               f"the file is corrupt or truncated")


def _sorted_nodes(graph, path: str) -> list:
    """The graph's nodes in an order where every node follows its inputs; a missing input or a
    cycle is an error naming the node."""
    available = {i.name for i in graph.input} | {t.name for t in graph.initializer} | {""}
    producer = {}
    for node in graph.node:
        for name in node.output:
            producer[name] = node
    for node in graph.node:
        for name in node.input:
            if name not in available and name not in producer:
                raise _fail("E401", path, f"{node.op_type} reads '{name}', which is no input, initializer "
                                          f"or node output of the graph", node.name or node.op_type)
    order, state = [], {}
    for start in graph.node:
        stack = [(start, iter(start.input))]
        if state.get(id(start)) == "done":
            continue
        state[id(start)] = "open"
        while stack:
            node, pending = stack[-1]
            for name in pending:
                parent = producer.get(name)
                if parent is None or name in available or state.get(id(parent)) == "done":
                    continue
                if state.get(id(parent)) == "open":
                    cycle = [n.name or n.op_type for n, _ in stack[[id(n) for n, _ in stack].index(id(parent)):]]
                    raise _fail("E402", path, f"the graph has a cycle through {' → '.join(cycle + [cycle[0]])}",
                                parent.name or parent.op_type)
                state[id(parent)] = "open"
                stack.append((parent, iter(parent.input)))
                break
            else:
                stack.pop()
                state[id(node)] = "done"
                order.append(node)
    return order


def _dims(value_type) -> tuple | None:
    tensor = value_type.tensor_type
    if not tensor.HasField("shape"):
        return None
    return tuple(d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim)


def _shape_text(dims) -> str:
    return "×".join("?" if d is None else str(d) for d in dims)


def _skeleton(onnx, model, nodes, input_name: str, input_dims: tuple, folded: dict):
    """A copy of the model without the bytes of large weights (each becomes a typed input), with the
    input's dimensions fixed and the constants evaluated so far as initializers: what the checker
    and shape inference need, at a fraction of the memory."""
    from onnx import helper

    graph = model.graph
    skeleton = onnx.GraphProto(name=graph.name or "graph")
    skeleton.node.extend(n for n in nodes if not any(o in folded for o in n.output))
    skeleton.output.extend(graph.output)
    for entry in graph.input:
        if entry.name == input_name:
            elem_type = entry.type.tensor_type.elem_type
            skeleton.input.append(helper.make_tensor_value_info(input_name, elem_type, input_dims))
    initializer_names = set()
    for tensor in graph.initializer:
        initializer_names.add(tensor.name)
        if math.prod(tensor.dims) <= SMALL and tensor.data_location != onnx.TensorProto.EXTERNAL:
            skeleton.initializer.append(tensor)
            if model.ir_version < 4:
                skeleton.input.append(helper.make_tensor_value_info(tensor.name, tensor.data_type, tensor.dims))
        else:
            skeleton.input.append(helper.make_tensor_value_info(tensor.name, tensor.data_type, tensor.dims))
    for name, (data, dims, elem_type) in folded.items():
        if data is not None:
            skeleton.initializer.append(onnx.numpy_helper.from_array(data, name))
            if model.ir_version < 4:
                skeleton.input.append(helper.make_tensor_value_info(name, elem_type, data.shape))
        else:
            skeleton.input.append(helper.make_tensor_value_info(name, elem_type, dims))
    result = helper.make_model(skeleton, opset_imports=list(model.opset_import), ir_version=model.ir_version)
    result.functions.extend(model.functions)
    return result


# ---- the import ----

def import_onnx(path: str, input_shape: tuple | None = None, allow_unsupported: bool = False) -> Imported:
    """Read ``path`` and return the text of an equivalent spec.

    ``input_shape`` (per sample, e.g. (3, 320, 320)) fixes the input's dimensions; it is needed
    when the file leaves some of them dynamic. Raises :class:`ArchcalcError` (E1xx file, E201
    unsupported ops, E4xx graph structure) naming the file and, where there is one, the node.
    """
    path = str(path)
    onnx, model = _read_model(path)
    graph = model.graph
    nodes = _sorted_nodes(graph, path)
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    initializers = {t.name: t for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in initializers]
    if len(inputs) != 1:
        names = ", ".join(i.name for i in inputs) or "none"
        raise _fail("E504", path, f"archcalc analyses networks with one input; this graph has {len(inputs)}: {names}")
    (entry,) = inputs
    dims = _dims(entry.type) or ()
    if len(dims) < 2:
        raise _fail("E504", path, f"input '{entry.name}' has shape {_shape_text(dims) or 'unknown'}; "
                                  f"expected a batch axis and then C×… or features")
    if input_shape is not None:
        if len(input_shape) != len(dims) - 1:
            raise _fail("E504", path, f"--input {_shape_text(input_shape)} has {len(input_shape)} dimensions; "
                                      f"input '{entry.name}' ({_shape_text(dims)}) needs {len(dims) - 1} after the batch")
        sample = tuple(int(d) for d in input_shape)
    else:
        sample = dims[1:]
        if any(d is None or d < 1 for d in sample):
            raise _fail("E504", path, f"input '{entry.name}' has dynamic dimensions {_shape_text(dims)}; "
                                      f"give them with --input (e.g. --input "
                                      f"{'x'.join(str(d or 224) for d in sample)})")
    full_input = (1, *sample)

    # Shapes and constants: infer, fold what is constant, infer again with the folded values.
    skeleton = _skeleton(onnx, model, nodes, entry.name, full_input, {})
    shapes = _infer(onnx, skeleton, path, check=True)
    values: dict[str, Value] = {entry.name: Value(full_input, layer="input")}
    for name, tensor in initializers.items():
        data = None
        if math.prod(tensor.dims) <= SMALL and tensor.data_location != onnx.TensorProto.EXTERNAL:
            data = onnx.numpy_helper.to_array(tensor)
        values[name] = Value(tuple(tensor.dims), data=data)
    # Folding a constant can make a shape known that a Shape node then folds: alternate until done.
    folded: dict = {}
    while True:
        found = _fold(onnx, nodes, values, shapes, opset, path)
        if not found:
            break
        folded.update(found)
        skeleton = _skeleton(onnx, model, nodes, entry.name, full_input, folded)
        shapes = _infer(onnx, skeleton, path)
    del skeleton

    walk = _Walk(path, nodes, values, shapes, opset, graph)
    walk.run()
    if walk.unsupported and not allow_unsupported:
        raise ArchcalcError("E201", walk.unsupported_message(), FileLocation(path, 1, 1))
    name = Path(path).stem
    document = walk.document(name, sample, model)
    imported = Imported(document, name, walk.unsupported)
    _check_against_onnx(imported, walk, path, sample)
    return imported


#: Ops whose output has their first input's shape, for which ONNX's shape inference (which does not
#: look inside function ops such as GroupNormalization) may give none.
_SHAPE_KEEPING = frozenset({"GroupNormalization", "MeanVarianceNormalization", "Mish", "Celu", "Selu",
                            "HardSwish", "Gelu", "LayerNormalization", "InstanceNormalization"})


def _infer(onnx, skeleton, path, check=False):
    """Shapes of every value by ONNX's shape inference; ``check``: then hold the graph to ONNX's checker
    (after inference, which fills in output shapes a hand-built graph may leave out)."""
    from onnx import helper

    graph_outputs = {o.name: o for o in skeleton.graph.output}
    for _ in range(len(skeleton.graph.node) + 1):
        try:
            inferred = onnx.shape_inference.infer_shapes(skeleton, check_type=False, strict_mode=True,
                                                         data_prop=True)
        except Exception as error:
            raise _fail("E108", path, f"ONNX shape inference fails on the graph: {_first_line(error)}") from None
        shapes, types = _inferred_shapes(inferred.graph)
        # A shape-keeping op inference stopped at: give its output its input's shape and infer again.
        hints = [(n.output[0], n.input[0]) for n in inferred.graph.node
                 if n.op_type in _SHAPE_KEEPING and n.output and n.input and shapes.get(n.input[0]) is not None
                 and shapes.get(n.output[0]) is None]
        if not hints:
            break
        for output, source in hints:
            info = helper.make_tensor_value_info(output, types.get(source, onnx.TensorProto.FLOAT), shapes[source])
            if output in graph_outputs:
                graph_outputs[output].CopyFrom(info)
            else:
                skeleton.graph.value_info.append(info)
    if check:
        try:
            onnx.checker.check_model(inferred)
        except Exception as error:
            raise _fail("E108", path, f"the ONNX checker rejects the graph: {_first_line(error)}") from None
    return shapes


def _inferred_shapes(graph) -> tuple[dict, dict]:
    shapes, types = {}, {}
    for info in (*graph.input, *graph.value_info, *graph.output):
        dims = _dims(info.type)
        if dims is not None:
            shapes[info.name] = dims
            types[info.name] = info.type.tensor_type.elem_type
    for tensor in graph.initializer:
        shapes[tensor.name] = tuple(tensor.dims)
        types[tensor.name] = tensor.data_type
    return shapes, types


#: Ops whose output is not a function of their inputs: never constant.
_RANDOM = {"RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Multinomial", "Bernoulli"}


def _fold(onnx, nodes, values: dict, shapes: dict, opset: int, path: str) -> dict:
    """Mark every node computed from constants alone as constant, evaluating the small ones with
    ONNX's reference evaluator. Returns {value name: (data or None, dims, element type)}."""
    folded = {}
    for node in nodes:
        if node.op_type in _RANDOM or node.domain not in ("", "ai.onnx"):
            continue
        if all(name in values and values[name].constant for name in node.output if name):
            continue   # folded in an earlier pass
        feeds = [values.get(name) for name in node.input if name]
        if node.op_type in ("Shape", "Size") and node.input:
            source = feeds[0].shape if feeds[0] is not None and feeds[0].constant else shapes.get(node.input[0])
            if source is None or any(d is None for d in source):
                continue
            feeds = [Value(source, data=np.zeros(source, np.float32) if math.prod(source) <= SMALL else None)]
            if feeds[0].data is None:  # Shape of a large tensor: its dims are all it needs
                attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
                dims = np.array(source, np.int64)
                result = dims[attrs.get("start", 0):attrs.get("end", len(dims))] if node.op_type == "Shape" \
                    else np.array(math.prod(source), np.int64)
                values[node.output[0]] = Value(result.shape, data=result)
                folded[node.output[0]] = (result, result.shape, onnx.TensorProto.INT64)
                continue
        elif not all(f is not None and f.constant for f in feeds) or (not feeds and node.op_type != "Constant"
                                                                       and node.op_type != "ConstantOfShape"):
            continue
        outputs = None
        if all(f.data is not None for f in feeds):
            try:
                arguments = {name: f.data for name, f in zip([n for n in node.input if n], feeds)}
                outputs = _evaluate(onnx, node, arguments, opset)
            except Exception:
                # Still a constant, known by its inferred shape; a rule needing its value says so.
                outputs = None
        for position, name in enumerate(node.output):
            if not name:
                continue
            data = None
            if outputs is not None:
                data = np.asarray(outputs[position])
                dims = data.shape
                if data.size > SMALL:
                    data = None
            else:
                dims = shapes.get(name)
            values[name] = Value(tuple(dims) if dims is not None else None, data=data)
            elem = onnx.helper.np_dtype_to_tensor_dtype(np.asarray(outputs[position]).dtype) \
                if outputs is not None else onnx.TensorProto.FLOAT
            if dims is not None and all(d is not None for d in dims):
                folded[name] = (data, tuple(dims), elem)
    return folded


def _evaluate(onnx, node, arguments: dict, opset: int) -> list:
    """Run one node on NumPy arrays with ONNX's reference evaluator, at the model's opset (a node is
    wrapped in a one-node model: the evaluator honours an opset only for a whole model)."""
    from onnx import helper
    from onnx.reference import ReferenceEvaluator  # only when there is something to evaluate

    inputs = [helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(np.asarray(value).dtype),
                                            np.asarray(value).shape) for name, value in arguments.items()]
    outputs = [helper.make_empty_tensor_value_info(name) for name in node.output if name]
    graph = helper.make_graph([node], "constant", inputs, outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    results = ReferenceEvaluator(model).run(None, arguments)
    by_name = dict(zip([name for name in node.output if name], results))
    return [by_name.get(name) for name in node.output]


# ---- rules: one function per op type ----

RULES: dict[str, Callable] = {}


def rule(*op_types: str):
    """Register a function as the rule for these ONNX op types."""
    def register(function):
        for op_type in op_types:
            RULES[op_type] = function
        return function
    return register


class _Node:
    """One ONNX node as its rule sees it: attributes, inputs as constants or activations."""

    def __init__(self, proto, walk: "_Walk"):
        from onnx import helper

        self.proto = proto
        self.op = proto.op_type
        self.walk = walk
        self.attrs = {}
        for attribute in proto.attribute:
            value = helper.get_attribute_value(attribute)
            self.attrs[attribute.name] = value.decode() if isinstance(value, bytes) else value

    def attr(self, name, default=None):
        return self.attrs.get(name, default)

    def has(self, index: int) -> bool:
        return index < len(self.proto.input) and self.proto.input[index] != ""

    def value(self, index: int) -> Value:
        return self.walk.values[self.proto.input[index]]

    def activations(self) -> list[str]:
        missing = [name for name in self.proto.input if name and name not in self.walk.values]
        if missing:
            raise Unsupported(f"it reads '{missing[0]}', which no importable node computes")
        return [name for name in self.proto.input if name and not self.walk.values[name].constant]

    def sample(self, index: int = 0) -> tuple:
        """Per-sample shape of an activation input (the batch axis dropped)."""
        value = self.value(index)
        if value.constant:
            raise Unsupported(f"input {index} is a constant, not the activation")
        return value.shape[1:]

    def out_sample(self, index: int = 0) -> tuple:
        return self.walk.sample_shape(self.proto.output[index], self.proto)

    def constant(self, index: int, what: str) -> np.ndarray:
        """The value of a small constant input (shapes, indices, bounds)."""
        value = self.value(index)
        if not value.constant or value.data is None:
            raise Unsupported(f"its {what} is computed at run time")
        return value.data

    def constant_shape(self, index: int, what: str) -> tuple:
        value = self.value(index)
        if not value.constant:
            raise Unsupported(f"its {what} is computed at run time, not a constant")
        return value.shape

    def emit(self, type_name: str, settings: dict | None = None, sources: list | None = None,
             output: str | None = None) -> Emit:
        return Emit(type_name, settings or {}, sources if sources is not None else self.activations()[:1],
                    output or self.proto.output[0])


def _compact(values) -> int | list:
    """One integer when all are equal, else the list."""
    values = [int(v) for v in values]
    return values[0] if len(set(values)) == 1 else values


def _padding(node: _Node, kernel, strides, dilations):
    """The spec's padding for a window op: one integer, one per axis, or (before, after) per axis."""
    spatial = len(kernel)
    auto_pad = node.attr("auto_pad", "NOTSET")
    if auto_pad == "VALID":
        return 0
    if auto_pad == "SAME_UPPER":
        return "same"
    if auto_pad == "SAME_LOWER":
        sizes = node.sample(0)[1:]
        pairs = []
        for size, k, s, d in zip(sizes, kernel, strides, dilations):
            total = max((-(-size // s) - 1) * s + d * (k - 1) + 1 - size, 0)
            pairs.append((total - total // 2, total // 2))
    else:
        pads = list(node.attr("pads", [0] * (2 * spatial)))
        pairs = [(pads[a], pads[a + spatial]) for a in range(spatial)]
    if all(before == after for before, after in pairs):
        return _compact([before for before, _ in pairs])
    return [int(p) for pair in pairs for p in pair]


def _window(node: _Node, kernel_default=None):
    kernel = list(node.attr("kernel_shape", kernel_default))
    spatial = len(kernel)
    strides = list(node.attr("strides", [1] * spatial))
    dilations = list(node.attr("dilations", [1] * spatial))
    return kernel, strides, dilations, _padding(node, kernel, strides, dilations)


@rule("Conv")
def conv(node: _Node):
    weight = node.constant_shape(1, "weight")
    kernel, strides, dilations, padding = _window(node, weight[2:])
    settings = {"out": int(weight[0]), "kernel": _compact(kernel)}
    if set(strides) != {1}:
        settings["stride"] = _compact(strides)
    if padding != 0:
        settings["padding"] = padding
    if set(dilations) != {1}:
        settings["dilation"] = _compact(dilations)
    if node.attr("group", 1) != 1:
        settings["groups"] = int(node.attr("group"))
    if node.has(2):
        node.constant_shape(2, "bias")
    else:
        settings["bias"] = False
    return [node.emit("conv", settings)]


def _pool(node: _Node, type_name: str, **extra):
    if len([o for o in node.proto.output if o]) > 1 and node.walk.is_read(node.proto.output[1]):
        raise Unsupported("its indices output is used")
    kernel, strides, dilations, padding = _window(node)
    settings = {"kernel": _compact(kernel)}
    if strides != kernel:
        settings["stride"] = _compact(strides)
    if padding != 0:
        settings["padding"] = padding
    if set(dilations) != {1}:
        if type_name != "maxpool":
            raise Unsupported("dilated average pooling")
        settings["dilation"] = _compact(dilations)
    if node.attr("ceil_mode", 0):
        settings["rounding"] = "ceil"
    if padding != 0:
        settings.update(extra)
    return [node.emit(type_name, settings)]


@rule("MaxPool")
def max_pool(node):
    return _pool(node, "maxpool")


@rule("AveragePool")
def average_pool(node):
    return _pool(node, "avgpool", count_include_pad=bool(node.attr("count_include_pad", 0)))


@rule("GlobalAveragePool")
def global_average_pool(node):
    return [node.emit("global_avgpool")]


@rule("GlobalMaxPool")
def global_max_pool(node):
    return [node.emit("global_maxpool")]


_REDUCTIONS = {"ReduceMean": "mean", "ReduceMax": "max", "ReduceMin": "min", "ReduceSum": "sum"}


@rule(*_REDUCTIONS)
def reduce(node):
    """Over the spatial axes: global pooling (then flatten when they are dropped); else ``reduce``."""
    rank = len(node.sample(0)) + 1
    if node.has(1):
        axes = node.constant(1, "axes").tolist()
    elif node.attr("axes") is not None:
        axes = list(node.attr("axes"))
    elif node.attr("noop_with_empty_axes", 0):
        return [node.emit("identity")]
    else:
        axes = list(range(rank))
    axes = sorted(a % rank for a in axes)
    if 0 in axes:
        raise Unsupported("it reduces the batch axis")
    keepdims = bool(node.attr("keepdims", 1))
    op = _REDUCTIONS[node.op]
    if axes == list(range(2, rank)) and rank >= 3 and op in ("mean", "max"):
        type_name = "global_avgpool" if op == "mean" else "global_maxpool"
        if keepdims:
            return [node.emit(type_name)]
        pooled = node.proto.output[0] + "#pooled"
        return [node.emit(type_name, output=pooled), node.emit("flatten", sources=[pooled])]
    settings = {"op": op, "axes": [a - 1 for a in axes]}
    if not keepdims:
        settings["keepdims"] = False
    return [node.emit("reduce", settings)]


@rule("BatchNormalization")
def batch_norm(node):
    if len([o for o in node.proto.output if o]) > 1:
        raise Unsupported("training mode (running statistics as outputs)")
    for index, what in ((1, "scale"), (2, "shift"), (3, "mean"), (4, "variance")):
        node.constant_shape(index, what)
    return [node.emit("bn", _eps(node, 1e-5))]


def _eps(node, default):
    eps = float(node.attr("epsilon", default))
    return {} if math.isclose(eps, default, rel_tol=1e-6) else {"eps": float(f"{eps:.6g}")}


@rule("LRN")
def lrn(node):
    return [node.emit("lrn", {"size": int(node.attr("size")), "alpha": float(f"{node.attr('alpha', 1e-4):.6g}"),
                              "beta": float(f"{node.attr('beta', 0.75):.6g}"),
                              "k": float(f"{node.attr('bias', 1.0):.6g}")})]


_ACTIVATIONS = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "HardSwish": "hard_swish"}


@rule(*_ACTIVATIONS)
def activation(node):
    return [node.emit(_ACTIVATIONS[node.op])]


@rule("LeakyRelu")
def leaky_relu(node):
    alpha = float(node.attr("alpha", 0.01))
    return [node.emit("leaky_relu", {} if math.isclose(alpha, 0.01, rel_tol=1e-6) else {"slope": float(f"{alpha:.6g}")})]


@rule("Elu")
def elu(node):
    alpha = float(node.attr("alpha", 1.0))
    return [node.emit("elu", {} if math.isclose(alpha, 1.0, rel_tol=1e-6) else {"alpha": float(f"{alpha:.6g}")})]


@rule("HardSigmoid")
def hard_sigmoid(node):
    alpha, beta = float(node.attr("alpha", 0.2)), float(node.attr("beta", 0.5))
    if not (math.isclose(alpha, 1 / 6, rel_tol=1e-5) and math.isclose(beta, 0.5, rel_tol=1e-6)):
        raise Unsupported(f"alpha={alpha:g}, beta={beta:g} (only PyTorch's relu6(x + 3)/6 form is a layer type)")
    return [node.emit("hard_sigmoid")]


@rule("Gelu")
def gelu(node):
    from .layers import lookup

    approximate = node.attr("approximate", "none")
    settings = {}
    if approximate != "none":
        if "approximate" not in lookup("gelu").keys:
            raise Unsupported(f"approximate='{approximate}' needs the gelu layer's 'approximate' key")
        settings["approximate"] = approximate
    return [node.emit("gelu", settings)]


def _layer_type(name: str):
    """The spec's layer class of that name; an op mapping to one this version lacks is unsupported."""
    from .layers import lookup

    cls = lookup(name)
    if cls is None:
        raise Unsupported(f"needs the '{name}' layer type")
    return cls


@rule("PRelu")
def prelu(node):
    _layer_type("prelu")
    count = math.prod(node.constant_shape(1, "slope"))
    channels = node.sample(0)[0]
    if count not in (1, channels):
        raise Unsupported(f"{count} slopes for {channels} channels")
    return [node.emit("prelu", {} if count == 1 else {"num_parameters": "channels"})]


def _affine(node: _Node, channels: int, what: str) -> dict:
    """affine: true when the node has a scale and a shift of one value per channel; false with neither."""
    present = [node.has(1), node.has(2)]
    if not any(present):
        return {"affine": False}
    if not all(present) or any(math.prod(node.constant_shape(i, what)) != channels for i in (1, 2)):
        shapes = [list(node.constant_shape(i, what)) if node.has(i) else None for i in (1, 2)]
        raise Unsupported(f"scale and shift of shapes {shapes}; the layer type learns one of each per channel")
    return {"affine": True}


@rule("LayerNormalization")
def layer_norm(node):
    sample = node.sample(0)
    rank = len(sample) + 1
    axis = node.attr("axis", -1) % rank
    if axis != rank - 1:
        raise Unsupported(f"normalises axes {list(range(axis, rank))}; the layer types normalise one axis")
    if len([o for o in node.proto.output if o]) > 1 and any(node.walk.is_read(o) for o in node.proto.output[1:]):
        raise Unsupported("its mean or inverse deviation output is used")
    type_name = "layer_norm" if len(sample) == 1 else "layer_norm_last_axis"
    settings = {**_eps(node, 1e-5), **_affine(node, sample[-1], "scale")}
    cls = _layer_type(type_name)
    if settings.get("affine") is True and cls.keys["affine"].default is True:
        del settings["affine"]
    return [node.emit(type_name, settings)]


@rule("GroupNormalization")
def group_norm(node):
    channels = node.sample(0)[0]
    _layer_type("group_norm")
    settings = {"groups": int(node.attr("num_groups")), **_eps(node, 1e-5), **_affine(node, channels, "scale")}
    if settings.pop("affine") is False:
        settings["affine"] = False
    return [node.emit("group_norm", settings)]


@rule("InstanceNormalization")
def instance_norm(node):
    _layer_type("instance_norm")
    return [node.emit("instance_norm", {**_eps(node, 1e-5), **_affine(node, node.sample(0)[0], "scale")})]


@rule("DepthToSpace", "SpaceToDepth")
def pixel_shuffle(node):
    type_name = "pixel_shuffle" if node.op == "DepthToSpace" else "pixel_unshuffle"
    _layer_type(type_name)
    return [node.emit(type_name, {"factor": int(node.attr("blocksize"))})]


@rule("ConvTranspose")
def conv_transpose(node):
    _layer_type("conv_transpose")
    weight = node.constant_shape(1, "weight")
    if node.attr("output_shape") is not None:
        raise Unsupported("an explicit output_shape")
    if node.attr("auto_pad", "NOTSET") != "NOTSET":
        raise Unsupported(f"auto_pad {node.attr('auto_pad')}")
    groups = int(node.attr("group", 1))
    kernel, strides, dilations, padding = _window(node, weight[2:])
    settings = {"out": int(weight[1]) * groups, "kernel": _compact(kernel)}
    if set(strides) != {1}:
        settings["stride"] = _compact(strides)
    if padding != 0:
        settings["padding"] = padding
    output_padding = list(node.attr("output_padding", [0] * len(kernel)))
    if set(output_padding) != {0}:
        settings["output_padding"] = _compact(output_padding)
    if set(dilations) != {1}:
        settings["dilation"] = _compact(dilations)
    if groups != 1:
        settings["groups"] = groups
    if not node.has(2):
        settings["bias"] = False
    return [node.emit("conv_transpose", settings)]


_RESIZE_MODES = {"nearest": "nearest", "cubic": "bicubic"}
_LINEAR_MODES = {1: "linear", 2: "bilinear", 3: "trilinear"}


@rule("Resize", "Upsample")
def resize(node):
    _layer_type("upsample")
    sample, out = node.sample(0), node.out_sample()
    if out[0] != sample[0]:
        raise Unsupported("it resizes the channel axis")
    mode = node.attr("mode", "nearest")
    spatial = len(sample) - 1
    settings = {}
    scales = None
    if node.op == "Upsample" or node.walk.opset < 11:
        scales = node.constant(1, "scales").tolist() if node.has(1) else list(node.attr("scales"))
    elif node.has(2) and node.value(2).shape and math.prod(node.value(2).shape) > 0:
        scales = node.constant(2, "scales").tolist()
    spatial_scales = scales[2:] if scales is not None else []
    if spatial_scales and all(float(s).is_integer() and int(s) * size == o
                              for s, size, o in zip(spatial_scales, sample[1:], out[1:])):
        settings["scale"] = _compact(spatial_scales)
    else:
        settings["size"] = [int(d) for d in out[1:]]
    settings["mode"] = _RESIZE_MODES.get(mode) or _LINEAR_MODES[spatial]
    if node.attr("coordinate_transformation_mode") == "align_corners":
        settings["align_corners"] = True
    return [node.emit("upsample", settings)]


@rule("Clip")
def clip(node):
    if node.has(1) or node.has(2):
        low = float(node.constant(1, "minimum")) if node.has(1) else -math.inf
        high = float(node.constant(2, "maximum")) if node.has(2) else math.inf
    else:
        low, high = float(node.attr("min", -math.inf)), float(node.attr("max", math.inf))
    if low == 0 and high == 6:
        return [node.emit("relu6")]
    if low == 0 and high == math.inf:
        return [node.emit("relu")]
    raise Unsupported(f"clips to [{low:g}, {high:g}]; only ReLU6 [0, 6] and ReLU [0, ∞) are layer types")


@rule("Softmax")
def softmax(node):
    rank = len(node.sample(0)) + 1
    axis = node.attr("axis", 1 if node.walk.opset < 13 else -1) % rank
    if axis != 1:
        raise Unsupported(f"softmax over axis {axis}; the layer type normalises over channels (axis 1)")
    return [node.emit("softmax")]


_UNARY = {"Sqrt": "sqrt", "Erf": "erf", "Exp": "exp", "Log": "log", "Neg": "neg", "Abs": "abs",
          "Reciprocal": "reciprocal"}
_BINARY = {"Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div", "Pow": "pow", "Max": "max", "Min": "min"}


@rule(*_UNARY)
def unary(node):
    return [node.emit("elementwise", {"op": _UNARY[node.op]})]


@rule(*_BINARY)
def binary(node):
    names = [n for n in node.proto.input if n]
    activations = node.activations()
    op = _BINARY[node.op]
    if len(names) != 2:
        raise Unsupported(f"{len(names)} operands")
    if len(activations) == 2:
        first, second = (node.walk.values[n].shape[1:] for n in activations)
        if op == "add" and first == second:
            return [node.emit("add", sources=activations)]
        if op == "mul" and len(first) == len(second) and all(a == b or 1 in (a, b) for a, b in zip(first, second)) \
                and (math.prod(first) == math.prod(node.out_sample()) or math.prod(second) == math.prod(node.out_sample())):
            return [node.emit("mul", sources=activations)]
        return [node.emit("elementwise", {"op": op}, sources=activations)]
    constant_index = 0 if node.walk.values[names[0]].constant else 1
    shape = list(node.value(constant_index).shape)
    rank = len(node.sample(1 - constant_index))
    while len(shape) > rank:
        if shape[0] != 1:
            raise Unsupported(f"the constant operand {shape} broadcasts over the batch axis")
        shape.pop(0)
    return [node.emit("elementwise", {"op": op, "constant": [int(d) for d in shape]})]


@rule("Concat")
def concat(node):
    rank = len(node.out_sample()) + 1
    if any(node.walk.values[n].constant for n in node.proto.input if n):
        raise Unsupported("a constant operand")
    if node.attr("axis") % rank != 1:
        raise Unsupported(f"concatenation along axis {node.attr('axis')}; the layer type joins channels (axis 1)")
    return [node.emit("concat", sources=node.activations())]


def _shape_change(node: _Node):
    """Flatten when the result is a flat vector, else a reshape to ONNX's inferred shape."""
    out = node.out_sample()
    if len(out) == 1:
        return [node.emit("flatten")]
    return [node.emit("reshape", {"shape": [int(d) for d in out]})]


@rule("Flatten")
def flatten(node):
    rank = len(node.sample(0)) + 1
    if node.attr("axis", 1) % rank == 0 and rank > 1:
        raise Unsupported("flattening into the batch axis")
    return _shape_change(node)


@rule("Reshape")
def reshape(node):
    shuffle = _channel_shuffle(node)
    return shuffle if shuffle else _shape_change(node)


@rule("Squeeze", "Unsqueeze")
def squeeze(node):
    return _shape_change(node)


def _channel_shuffle(node: _Node):
    """Reshape (C → g×C/g) · Transpose (swap the two) · Reshape (back): ShuffleNet's channel shuffle."""
    walk = node.walk
    sample, split = node.sample(0), node.out_sample()
    if len(sample) != 3 or len(split) != 4 or split[2:] != sample[1:] or split[0] * split[1] != sample[0]:
        return None
    transpose = walk.sole_reader(node.proto.output[0])
    if transpose is None or transpose.op_type != "Transpose":
        return None
    if list(_Node(transpose, walk).attr("perm", [])) != [0, 2, 1, 3, 4]:
        return None
    back = walk.sole_reader(transpose.output[0])
    if back is None or back.op_type not in ("Reshape", "Flatten") or \
            walk.sample_shape(back.output[0], back) != tuple(sample):
        return None
    walk.absorb(transpose, back)
    return [node.emit("channel_shuffle", {"groups": int(split[0])}, output=back.output[0])]


@rule("Transpose")
def transpose(node):
    rank = len(node.sample(0)) + 1
    perm = list(node.attr("perm", list(reversed(range(rank)))))
    if perm[0] != 0:
        raise Unsupported(f"permutation {perm} moves the batch axis")
    return [node.emit("permute", {"dims": [p - 1 for p in perm[1:]]})]


_SLICE_AXES = ("channels", "height", "width")


def _axis_range(start: int, stop: int, size: int):
    return [int(start), None if stop >= size else int(stop)]


@rule("Slice")
def slice_(node):
    sample = node.sample(0)
    rank = len(sample) + 1
    if node.walk.opset < 10:
        starts, ends = node.attr("starts"), node.attr("ends")
        axes = node.attr("axes", list(range(len(starts))))
        steps = [1] * len(starts)
    else:
        starts, ends = node.constant(1, "start").tolist(), node.constant(2, "end").tolist()
        axes = node.constant(3, "axes").tolist() if node.has(3) else list(range(len(starts)))
        steps = node.constant(4, "steps").tolist() if node.has(4) else [1] * len(starts)
    if any(s != 1 for s in steps):
        raise Unsupported(f"steps {steps}; only contiguous slices are a layer type")
    settings = {}
    for start, end, axis in zip(starts, ends, axes):
        axis %= rank
        size = sample[axis - 1] if axis else None
        if axis == 0 or axis > len(_SLICE_AXES):
            raise Unsupported(f"slicing axis {axis}")
        begin = min(max(start + size if start < 0 else start, 0), size)
        stop = min(max(end + size if end < 0 else end, 0), size)
        if begin == 0 and stop == size:
            continue
        settings[_SLICE_AXES[axis - 1]] = _axis_range(begin, stop, size)
    if not settings:
        return [node.emit("identity")]
    return [node.emit("slice", settings)]


@rule("Split")
def split(node):
    sample = node.sample(0)
    rank = len(sample) + 1
    axis = node.attr("axis", 0) % rank
    if axis == 0 or axis > len(_SLICE_AXES):
        raise Unsupported(f"splitting axis {axis}")
    outputs = [o for o in node.proto.output]
    size = sample[axis - 1]
    if node.has(1):
        sizes = node.constant(1, "split sizes").tolist()
    elif node.attr("split") is not None:
        sizes = list(node.attr("split"))
    else:
        count = len(outputs)
        chunk = -(-size // count)
        sizes = [min(chunk, size - i * chunk) for i in range(count)]
    emits, start = [], 0
    for output, length in zip(outputs, sizes):
        if output:
            settings = {_SLICE_AXES[axis - 1]: _axis_range(start, start + length, size)}
            emits.append(node.emit("slice", settings, output=output))
        start += length
    return emits


@rule("Pad")
def pad(node):
    mode = node.attr("mode", "constant")
    if mode != "constant":
        raise Unsupported(f"mode '{mode}'; only zero padding is a layer type")
    if node.walk.opset < 11:
        pads = list(node.attr("pads"))
        fill = float(node.attr("value", 0.0))
    else:
        pads = node.constant(1, "pads").tolist()
        fill = float(node.constant(2, "fill value").reshape(-1)[0]) if node.has(2) else 0.0
        if node.has(3):
            raise Unsupported("padding given for selected axes")
    if fill != 0:
        raise Unsupported(f"padding with {fill:g}, not zeros")
    rank = len(pads) // 2
    before, after = pads[:rank], pads[rank:]
    if before[:2] != [0, 0] or after[:2] != [0, 0]:
        raise Unsupported("padding the batch or channel axis")
    return [node.emit("zeropad", {"padding": [int(p) for pair in zip(before[2:], after[2:]) for p in pair]})]


@rule("Dropout")
def dropout(node):
    ratio = float(node.constant(1, "ratio")) if node.has(1) else float(node.attr("ratio", 0.5))
    return [node.emit("dropout", {"p": float(f"{ratio:.6g}")})]


@rule("Identity")
def identity(node):
    return [node.emit("identity")]


@rule("Cast")
def cast(node):
    from onnx import TensorProto

    if node.attr("to") not in (TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE, TensorProto.BFLOAT16):
        raise Unsupported("a cast of the activation to a non-float type")
    return [node.emit("identity")]


@rule("Gemm")
def gemm(node):
    if node.walk.values[node.proto.input[0]].constant or not node.walk.values[node.proto.input[1]].constant:
        raise Unsupported("the constant is not the second operand")
    if node.attr("transA", 0):
        raise Unsupported("a transposed activation operand")
    weight = node.constant_shape(1, "weight")
    settings = {"out": int(weight[0] if node.attr("transB", 0) else weight[1])}
    if not node.has(2) or math.prod(node.constant_shape(2, "bias")) <= 1:
        settings["bias"] = False
    return [node.emit("fc", settings)]


@rule("MatMul")
def matmul(node):
    walk = node.walk
    first, second = (walk.values[n] for n in node.proto.input[:2])
    if first.constant or not second.constant:
        raise Unsupported("a product of two activations, or the constant as first operand")
    if len(second.shape) != 2:
        raise Unsupported(f"a constant operand of rank {len(second.shape)}")
    out = int(second.shape[1])
    settings = {"out": out}
    output = node.proto.output[0]
    reader = walk.sole_reader(output)
    bias = None
    if reader is not None and reader.op_type == "Add":
        other = [n for n in reader.input if n != output]
        if len(other) == 1 and walk.values[other[0]].constant:
            shape = walk.values[other[0]].shape
            if shape and shape[-1] == out and math.prod(shape) == out:
                bias = reader
    if bias is not None:
        walk.absorb(bias)
        output = bias.output[0]
    else:
        settings["bias"] = False
    type_name = "fc" if len(node.sample(0)) == 1 else "fc_last_axis"
    return [node.emit(type_name, settings, output=output)]


# ---- the walk: nodes → spec layers ----

#: Constant inputs that are settings of the op, not its weights.
_SETTING_INPUTS = {"Resize": (1, 2, 3), "Upsample": (1,), "Clip": (1, 2), "Pad": (1, 2, 3), "Dropout": (1, 2)}
#: Constant inputs that are learned weights even when they hold one number (PReLU's shared slope).
_WEIGHT_INPUTS = {"PRelu": (1,)}
_FLOAT_TYPES = frozenset({1, 10, 11, 16})   # FLOAT, FLOAT16, DOUBLE, BFLOAT16

class _Walk:
    def __init__(self, path, nodes, values, shapes, opset, graph):
        self.path = path
        self.nodes = nodes
        self.values = values
        self.shapes = shapes
        self.opset = opset
        self.graph_outputs = [o.name for o in graph.output]
        self.readers: dict[str, list] = {}
        for node in nodes:
            for name in node.input:
                self.readers.setdefault(name, []).append(node)
        self.absorbed: set = set()
        self.absorbed_now: list = []
        #: Whether each initializer holds floating-point numbers (integer ones are shapes and indices).
        self.float_types = {t.name: t.data_type in _FLOAT_TYPES for t in graph.initializer}
        self.layers: list[dict] = []      # {"name", "type", "settings", "sources", "output", "expected"}
        self.unsupported: list = []
        self.names: set = {"input"}

    def is_read(self, name: str) -> bool:
        return bool(self.readers.get(name)) or name in self.graph_outputs

    def sole_reader(self, name: str):
        readers = self.readers.get(name, [])
        if len(readers) != 1 or name in self.graph_outputs:
            return None
        return readers[0]

    def absorb(self, *nodes) -> None:
        self.absorbed.update(id(n) for n in nodes)
        self.absorbed_now.extend(nodes)

    def constant_elements(self, proto) -> int:
        """Elements of the node's float constant operands of more than one element: its parameters
        (and buffers) as the file holds them. Resize's scales and region are settings, not weights."""
        total = 0
        for index, name in enumerate(proto.input):
            value = self.values.get(name) if name else None
            if value is None or not value.constant or value.shape is None or index in _SETTING_INPUTS.get(proto.op_type, ()):
                continue
            if value.data is not None and value.data.dtype.kind not in "fc":
                continue
            learned = index in _WEIGHT_INPUTS.get(proto.op_type, ())
            if self.float_types.get(name, True) and (math.prod(value.shape) > 1 or learned):
                total += math.prod(value.shape)
        return total

    def sample_shape(self, name: str, node) -> tuple:
        dims = self.shapes.get(name)
        if dims is None or any(d is None for d in dims):
            raise ArchcalcError("E108", f"ONNX shape inference leaves the shape of '{name}' unknown "
                                        f"({_shape_text(dims) if dims else 'no shape'})",
                                FileLocation(self.path, 1, 1), node.name or node.op_type)
        if not dims or dims[0] != 1:
            raise Unsupported(f"its output {_shape_text(dims)} does not keep the batch axis first")
        return tuple(int(d) for d in dims[1:])

    def run(self) -> None:
        for proto in self.nodes:
            if id(proto) in self.absorbed:
                continue
            outputs = [o for o in proto.output if o]
            if all(o in self.values and self.values[o].constant for o in outputs) and outputs:
                continue  # folded: a constant
            node = _Node(proto, self)
            function = RULES.get(proto.op_type) if proto.domain in ("", "ai.onnx") else None
            try:
                if not node.activations():
                    raise Unsupported("no input is the activation and it cannot be folded to a constant")
                if function is None:
                    raise Unsupported("")
                self.absorbed_now = []
                emits = function(node)
            except Unsupported as reason:
                self.unsupported.append((proto.op_type, proto.name or proto.op_type, str(reason)))
                self._opaque(proto)
                continue
            self._add(proto, emits)

    def _layer_name(self, proto, suffix: str = "") -> str:
        parts = [p for p in proto.name.split("/") if p]
        qualified = ""
        for part in parts[:-1]:
            # PyTorch's scopes repeat their parent's path: /layer1/layer1.0/conv1, /down/down.0
            last = qualified.rpartition(".")[2]
            if not qualified or part.startswith(qualified + "."):
                qualified = part
            elif part.split(".")[0] == last and "." in part:
                qualified = f"{qualified.rpartition('.')[0]}.{part}".lstrip(".")
            else:
                qualified = f"{qualified}.{part}"
        base = (qualified or (parts[-1] if parts else proto.op_type.lower())) + suffix
        base = base.replace("/", ".").replace(":", "_") or proto.op_type.lower()
        candidates = [base]
        if parts and qualified:
            candidates.append(f"{qualified}.{parts[-1]}{suffix}")
        for candidate in candidates:
            if candidate not in self.names:
                self.names.add(candidate)
                return candidate
        count = 2
        while f"{base}_{count}" in self.names:
            count += 1
        self.names.add(f"{base}_{count}")
        return f"{base}_{count}"

    def _add(self, proto, emits: list[Emit]) -> None:
        params = sum(self.constant_elements(p) for p in (proto, *self.absorbed_now))
        for position, emit in enumerate(emits):
            suffix = "" if len(emits) == 1 or position == 0 else f".{position}"
            name = self._layer_name(proto, suffix)
            sources = [self.values[s].layer for s in emit.sources]
            expected = self.sample_shape(emit.output, proto) if "#" not in emit.output else None
            self.layers.append({"name": name, "type": emit.type, "settings": emit.settings, "sources": sources,
                                "output": emit.output, "expected": expected, "node": proto.name or proto.op_type,
                                "params": params if position == 0 else 0})
            self.values[emit.output] = Value(self.shapes.get(emit.output, (1, *(expected or ()))), layer=name)

    def _opaque(self, proto) -> None:
        """An unsupported node, when the caller proceeds anyway: a placeholder of its output's shape."""
        for output in [o for o in proto.output if o]:
            try:
                shape = self.sample_shape(output, proto)
            except Unsupported:
                continue
            name = self._layer_name(proto)
            sources = [self.values[s].layer for s in proto.input if s and not self.values[s].constant]
            self.layers.append({"name": name, "type": "opaque",
                                "settings": {"op": proto.op_type, "shape": list(shape)},
                                "sources": sources or ["input"], "output": output, "expected": shape,
                                "node": proto.name or proto.op_type, "params": 0})
            self.values[output] = Value(self.shapes.get(output), layer=name)

    def unsupported_message(self) -> str:
        counts = Counter(op for op, _, _ in self.unsupported)
        parts = []
        for op, count in counts.most_common():
            nodes = [f"'{name}'" + (f" ({reason})" if reason else "") for o, name, reason in self.unsupported if o == op]
            shown = ", ".join(nodes[:5]) + (f", … {len(nodes) - 5} more" if len(nodes) > 5 else "")
            parts.append(f"{op} ×{count}: {shown}")
        return ("ops archcalc cannot count: " + "; ".join(parts) +
                " (--allow-unsupported proceeds without them and lists them)")

    def _prune(self) -> list[dict]:
        """The layers the graph's outputs depend on, in order (nodes computing nothing used are dropped)."""
        by_name = {layer["name"]: layer for layer in self.layers}
        needed, stack = set(), []
        for output in self.graph_outputs:
            value = self.values.get(output)
            if value is None or value.constant or value.layer == "input":
                continue
            stack.append(value.layer)
        while stack:
            name = stack.pop()
            if name in needed or name == "input":
                continue
            needed.add(name)
            stack.extend(by_name[name]["sources"])
        if not needed:
            raise ArchcalcError("E108", "no graph output is computed from the input", FileLocation(self.path, 1, 1))
        return [layer for layer in self.layers if layer["name"] in needed]

    def document(self, name: str, sample: tuple, model) -> str:
        layers = self._prune()
        outputs = {self.values[o].layer for o in self.graph_outputs if o in self.values}
        producer = f"{model.producer_name} {model.producer_version}".strip()
        lines = [f"# Imported from {Path(self.path).name} by 'archcalc import'. Layer names are the graph's node",
                 "# names; parameters are the constant operands of each node (docs/import.md).",
                 f"name: {_scalar(name)}",
                 f"title: {_scalar(name + ' (ONNX)')}",
                 f"source: {_scalar(f'{Path(self.path).name}: ' + (producer + ', ' if producer else '') + f'opset {self.opset}')}",
                 f"input: {'x'.join(map(str, sample))}",
                 "rounding: floor   # ONNX's output sizes round down unless a node sets ceil_mode"]
        if self.unsupported:
            listed = "; ".join(f"{op} '{node}'" for op, node, _ in self.unsupported)
            lines.append(f"notes: {_scalar('Not counted (unsupported ops, placeholders of their output shape): ' + listed)}")
        lines.append("layers:")
        previous = "input"
        for position, layer in enumerate(layers):
            settings = {"name": layer["name"], **layer["settings"]}
            if layer["sources"] != [previous]:
                settings["from"] = layer["sources"][0] if len(layer["sources"]) == 1 else layer["sources"]
            if layer["name"] in outputs and position != len(layers) - 1:
                settings["output"] = True
            lines.append(f"  - {layer['type']}: {_flow(settings)}")
            previous = layer["name"]
        self.kept = layers
        return "\n".join(lines) + "\n"


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
#: Words YAML 1.1 (PyYAML) reads as booleans or null.
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def _flow(value) -> str:
    """A value in YAML flow style, for the few kinds a layer's settings hold (PyYAML's dumper is
    a tenth of a second per hundred layers)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        mantissa, e, exponent = text.partition("e")
        if e and "." not in mantissa:   # PyYAML reads 1e-06 as a string, 1.0e-06 as a number
            text = f"{mantissa}.0e{exponent}"
        return text
    if isinstance(value, str):
        return value if _PLAIN.fullmatch(value) and value.lower() not in _YAML_WORDS else json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return "{" + ", ".join(f"{key}: {_flow(v)}" for key, v in value.items()) + "}"


def _scalar(text: str) -> str:
    return _flow(text)


def _check_against_onnx(imported: Imported, walk: _Walk, path: str, sample: tuple) -> None:
    """Analyse the spec once and hold every layer's output shape to ONNX's shape inference."""
    from .engine import Config, analyze
    from .spec import load_specs

    spec = load_specs(path, imported.text)[0]
    analysis = analyze(spec.graph(), [Config(tuple(sample), 1)])
    rows = {row.name: row for row in analysis.rows}
    for layer in walk.kept:
        if layer["expected"] is None:
            continue
        row = rows[layer["name"]]
        actual = tuple(int(d[0]) for d in row.output_shape)
        if actual != tuple(layer["expected"]):
            raise ArchcalcError("E110", f"archcalc computes {_shape_text(actual)} for this layer, ONNX's shape "
                                        f"inference {_shape_text(layer['expected'])} (ONNX node '{layer['node']}')",
                                FileLocation(path, 1, 1), layer["name"])
        counted = int(row.params.trainable[0] + row.params.buffers[0])
        if counted != layer["params"]:
            raise ArchcalcError("E110", f"archcalc counts {counted:,} parameters and buffers for this layer, the "
                                        f"constant operands of ONNX node '{layer['node']}' hold {layer['params']:,}",
                                FileLocation(path, 1, 1), layer["name"])


def load_onnx_spec(path: str, input_shape: tuple | None = None, allow_unsupported: bool = False):
    """The :class:`~archcalc.spec.ModelSpec` of an .onnx file (what ``archcalc summary model.onnx`` analyses)."""
    from .spec import load_specs

    imported = import_onnx(path, input_shape, allow_unsupported)
    return load_specs(str(path), imported.text)[0]


def export_from_torch(factory: str, input_shape: tuple, directory: str) -> str:
    """Export ``package.module:function`` (called without arguments, returning a ``torch.nn.Module``)
    to ONNX in ``directory``, in eval mode, on a random input of ``input_shape`` (per sample)."""
    import importlib

    try:
        import torch
    except ImportError:
        raise ArchcalcError("E109", "--torch needs PyTorch installed (pip install torch)") from None
    module_name, _, function_name = factory.partition(":")
    if not module_name or not function_name:
        raise ArchcalcError("E504", f"--torch expects package.module:function, got {factory!r}")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as error:
        raise ArchcalcError("E504", f"--torch {factory}: {error}") from None
    model = function()
    if not isinstance(model, torch.nn.Module):
        raise ArchcalcError("E504", f"--torch {factory} returned {type(model).__name__}, not a torch.nn.Module")
    path = str(Path(directory) / f"{function_name}.onnx")
    try:
        torch.onnx.export(model.eval(), torch.randn(1, *input_shape), path, dynamo=False)
    except Exception as error:  # the exporter's own errors: unsupported operators, wrong input shape
        raise ArchcalcError("E504", f"--torch {factory}: torch.onnx.export failed: {_first_line(error)}") from None
    return path
