"""Shapes and constants of an imported graph: ONNX's shape inference on a copy without the weights'
bytes, and constant folding with ONNX's reference evaluator, alternated until nothing changes."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .file import SMALL, fail, first_line


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


def dims_of(value_type) -> tuple | None:
    tensor = value_type.tensor_type
    if not tensor.HasField("shape"):
        return None
    return tuple(d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim)


def shape_text(dims) -> str:
    return "×".join("?" if d is None else str(d) for d in dims)


def skeleton_model(onnx, model, nodes, input_name: str, input_dims: tuple, folded: dict):
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

#: Ops whose output has their first input's shape, for which ONNX's shape inference (which does not
#: look inside function ops such as GroupNormalization) may give none.
_SHAPE_KEEPING = frozenset({"GroupNormalization", "MeanVarianceNormalization", "Mish", "Celu", "Selu",
                            "HardSwish", "Gelu", "LayerNormalization", "InstanceNormalization"})


def infer_shapes(onnx, skeleton, path, check=False):
    """Shapes of every value by ONNX's shape inference; ``check``: then hold the graph to ONNX's checker
    (after inference, which fills in output shapes a hand-built graph may leave out)."""
    from onnx import helper

    graph_outputs = {o.name: o for o in skeleton.graph.output}
    for _ in range(len(skeleton.graph.node) + 1):
        try:
            inferred = onnx.shape_inference.infer_shapes(skeleton, check_type=False, strict_mode=True,
                                                         data_prop=True)
        except Exception as error:
            raise fail("E108", path, f"ONNX shape inference fails on the graph: {first_line(error)}") from None
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
            raise fail("E108", path, f"the ONNX checker rejects the graph: {first_line(error)}") from None
    return shapes


def _inferred_shapes(graph) -> tuple[dict, dict]:
    shapes, types = {}, {}
    for info in (*graph.input, *graph.value_info, *graph.output):
        dims = dims_of(info.type)
        if dims is not None:
            shapes[info.name] = dims
            types[info.name] = info.type.tensor_type.elem_type
    for tensor in graph.initializer:
        shapes[tensor.name] = tuple(tensor.dims)
        types[tensor.name] = tensor.data_type
    return shapes, types


#: Ops whose output is not a function of their inputs: never constant.
_RANDOM = {"RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Multinomial", "Bernoulli"}


def fold_constants(onnx, nodes, values: dict, shapes: dict, opset: int, path: str) -> dict:
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
