"""Reading an ONNX file: its graph without the bytes of its weights, checked for what a broken or
truncated file gets wrong, its nodes in an order where each follows its inputs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ArchcalcError, Location

#: Protocol buffers cannot exceed 2 GiB; larger models keep their weights in external data files.
MAX_FILE_BYTES = 2**31 - 1
#: Constants with at most this many elements are evaluated (shapes, scalars, indices); larger
#: ones (weights) are known by shape only, so that memory follows the graph, not the weights.
SMALL = 4096
INSTALL_HINT = "reading .onnx files needs the onnx package: pip install 'archcalc[onnx]'"


def onnx_module():
    """The onnx package, or the one-line E109 error saying how to install it."""
    try:
        import onnx
        import onnx.shape_inference  # noqa: F401
    except ImportError:
        raise ArchcalcError("E109", INSTALL_HINT) from None
    return onnx


@dataclass(frozen=True)
class FileLocation(Location):
    """A whole file (an .onnx file has no lines): shown as its path alone."""

    def __str__(self) -> str:
        return self.file


def fail(code: str, path: str, message: str, node: str | None = None) -> ArchcalcError:
    return ArchcalcError(code, message, FileLocation(path, 1, 1), node)


def read_model(path: str):
    onnx = onnx_module()
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise fail("E106", path, f"the file has {size:,} bytes; an ONNX protobuf holds at most 2 GiB "
                                     f"(larger models keep their weights in external data files)")
        skimmed, raw_lengths = _skim(file, size)
    except OSError as error:
        raise fail("E104", path, f"cannot read: {error.strerror or error}") from None
    except _Malformed as error:
        raise fail("E108", path, f"not an ONNX model, or a truncated one: {error}") from None
    model = onnx.ModelProto()
    try:
        model.ParseFromString(bytes(skimmed))
    except Exception as error:  # protobuf's DecodeError and friends
        raise fail("E108", path, f"not an ONNX model, or a truncated one: {first_line(error)}") from None
    del skimmed
    if not model.graph.node or not model.opset_import:
        raise fail("E108", path, "not an ONNX model: it holds no graph nodes")
    _check_tensor_data(model, file, raw_lengths)
    return onnx, model


def first_line(error: Exception) -> str:
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
                raise fail("E104", str(file), f"weights '{tensor.name}' are stored in external data file "
                                              f"'{info.get('location', '')}', which is missing or too short")
            continue
        length = raw_lengths.get(index, len(tensor.raw_data) if tensor.raw_data else None)
        if length is not None and tensor.data_type != TensorProto.STRING:
            try:
                itemsize = np.dtype(helper.tensor_dtype_to_np_dtype(tensor.data_type)).itemsize
            except (KeyError, TypeError, ValueError):
                continue
            if length != count * itemsize:
                raise fail("E108", str(file), f"initializer '{tensor.name}' holds {length:,} bytes, "
                                              f"its shape {list(tensor.dims)} needs {count * itemsize:,}: "
                                              f"the file is corrupt or truncated")


def sorted_nodes(graph, path: str) -> list:
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
                raise fail("E401", path, f"{node.op_type} reads '{name}', which is no input, initializer "
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
                    raise fail("E402", path, f"the graph has a cycle through {' → '.join(cycle + [cycle[0]])}",
                               parent.name or parent.op_type)
                state[id(parent)] = "open"
                stack.append((parent, iter(parent.input)))
                break
            else:
                stack.pop()
                state[id(node)] = "done"
                order.append(node)
    return order
