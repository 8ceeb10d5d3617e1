"""One function per ONNX op type: what spec layer(s) a node becomes (tinygrad's habit: the function's
body reads the op's attributes with their defaults). A rule raises :class:`Unsupported` for a node
no layer type expresses; the walk collects those, never counting them as zero."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np

from .shapes import Value

if TYPE_CHECKING:
    from .walk import Walk


class Unsupported(Exception):
    """A node this importer cannot count (the reason is shown beside its op type)."""


@dataclass
class Emit:
    """One spec layer a rule produces: its type, settings, the ONNX values it reads, the value it makes."""

    type: str
    settings: dict
    sources: list
    output: str


RULES: dict[str, Callable] = {}


def rule(*op_types: str):
    """Register a function as the rule for these ONNX op types."""
    def register(function):
        for op_type in op_types:
            RULES[op_type] = function
        return function
    return register


class NodeView:
    """One ONNX node as its rule sees it: attributes, inputs as constants or activations."""

    def __init__(self, proto, walk: "Walk"):
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


def _padding(node: NodeView, kernel, strides, dilations):
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


def _window(node: NodeView, kernel_default=None):
    kernel = list(node.attr("kernel_shape", kernel_default))
    spatial = len(kernel)
    strides = list(node.attr("strides", [1] * spatial))
    dilations = list(node.attr("dilations", [1] * spatial))
    return kernel, strides, dilations, _padding(node, kernel, strides, dilations)


@rule("Conv")
def conv(node: NodeView):
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


def _pool(node: NodeView, type_name: str, **extra):
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
    from ..layers import lookup

    approximate = node.attr("approximate", "none")
    settings = {}
    if approximate != "none":
        if "approximate" not in lookup("gelu").keys:
            raise Unsupported(f"approximate='{approximate}' needs the gelu layer's 'approximate' key")
        settings["approximate"] = approximate
    return [node.emit("gelu", settings)]


def _layer_type(name: str):
    """The spec's layer class of that name; an op mapping to one this version lacks is unsupported."""
    from ..layers import lookup

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


def _affine(node: NodeView, channels: int, what: str) -> dict:
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
    if len(node.activations()) == 1:   # torch.cat([x]): the input itself
        return [node.emit("identity")]
    if node.attr("axis") % rank != 1:
        raise Unsupported(f"concatenation along axis {node.attr('axis')}; the layer type joins channels (axis 1)")
    sources = node.activations()
    if len(sources) == 1:   # ONNX allows a Concat of one input (DenseNet's first block): it changes nothing
        return [node.emit("identity")]
    return [node.emit("concat", sources=sources)]


_SHAPE_ONLY = frozenset({"Flatten", "Reshape", "Squeeze", "Unsqueeze"})


def _shape_change(node: NodeView):
    """Flatten when the result is a flat vector, else a reshape to ONNX's inferred shape.

    A run of shape-only nodes whose intermediate results nothing else reads (``x.squeeze(3)
    .squeeze(2)``) is one layer: views cost nothing, and an intermediate shape of another rank
    would only be noise.
    """
    walk, last = node.walk, node.proto
    while True:
        reader = walk.sole_reader(last.output[0])
        if reader is None or reader.op_type not in _SHAPE_ONLY or reader.op_type == "Reshape" and \
                _shuffle_pattern(walk, reader, walk.sample_shape(last.output[0], last)) is not None:
            break
        walk.absorb(reader)
        last = reader
    out = walk.sample_shape(last.output[0], last)
    if len(out) == 1:
        return [node.emit("flatten", output=last.output[0])]
    return [node.emit("reshape", {"shape": [int(d) for d in out]}, output=last.output[0])]


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


def _shuffle_pattern(walk: Walk, reshape, sample: tuple):
    """(groups, transpose node, closing node) when Reshape ``reshape`` of a ``sample``-shaped tensor
    starts a channel shuffle: C → g×C/g, swap the two, back to C. Else None."""
    split = walk.sample_shape(reshape.output[0], reshape)
    if len(sample) != 3 or len(split) != 4 or split[2:] != sample[1:] or split[0] * split[1] != sample[0]:
        return None
    transpose = walk.sole_reader(reshape.output[0])
    if transpose is None or transpose.op_type != "Transpose":
        return None
    if list(NodeView(transpose, walk).attr("perm", [])) != [0, 2, 1, 3, 4]:
        return None
    back = walk.sole_reader(transpose.output[0])
    if back is None or back.op_type not in ("Reshape", "Flatten") or \
            walk.sample_shape(back.output[0], back) != tuple(sample):
        return None
    return int(split[0]), transpose, back


def _channel_shuffle(node: NodeView):
    """Reshape · Transpose · Reshape that interleaves channel groups: ShuffleNet's channel shuffle."""
    pattern = _shuffle_pattern(node.walk, node.proto, node.sample(0))
    if pattern is None:
        return None
    groups, transpose, back = pattern
    node.walk.absorb(transpose, back)
    return [node.emit("channel_shuffle", {"groups": groups}, output=back.output[0])]


@rule("Transpose")
def transpose(node):
    rank = len(node.sample(0)) + 1
    perm = list(node.attr("perm", list(reversed(range(rank)))))
    if perm[0] != 0:
        raise Unsupported(f"permutation {perm} moves the batch axis")
    return [node.emit("permute", {"dims": [p - 1 for p in perm[1:]]})]


#: The slice layer's key for each axis of a per-sample shape of each rank.
_SLICE_AXES = {1: ("channels",), 2: ("channels", "length"), 3: ("channels", "height", "width"),
               4: ("channels", "depth", "height", "width")}


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
        if axis == 0 or len(sample) not in _SLICE_AXES:
            raise Unsupported(f"slicing axis {axis}")
        begin = min(max(start + size if start < 0 else start, 0), size)
        stop = min(max(end + size if end < 0 else end, 0), size)
        if begin == 0 and stop == size:
            continue
        settings[_SLICE_AXES[len(sample)][axis - 1]] = _axis_range(begin, stop, size)
    if not settings:
        return [node.emit("identity")]
    return [node.emit("slice", settings)]


@rule("Split")
def split(node):
    sample = node.sample(0)
    rank = len(sample) + 1
    axis = node.attr("axis", 0) % rank
    if axis == 0 or len(sample) not in _SLICE_AXES:
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
            settings = {_SLICE_AXES[len(sample)][axis - 1]: _axis_range(start, start + length, size)}
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
