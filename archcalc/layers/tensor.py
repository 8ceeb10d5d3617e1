"""Layers that move a tensor's axes around or apply arithmetic element by element.

Exported networks (ONNX files) say things a hand-written spec rarely needs: a ``Transpose`` to
channels-last and back (ConvNeXt), a ``Reshape`` to an arbitrary shape, ``nn.Linear`` applied to
the last axis at every position, and element-wise arithmetic with constants (GELU written out as
Div/Erf/Add/Mul, a learned per-channel scale). Each is one layer type here, rank-generic: a
per-sample shape is ``(C, *spatial)`` or ``(F,)``, and after a ``permute`` simply whatever order
the axes are in — these layers read axes by position, never by meaning.
"""

from __future__ import annotations

import math

import numpy as np

from .. import kernels
from ..backward import SAVED_OUTPUT, SAVED_WEIGHTS, own, saved_input
from ..counting import counted
from ..conventions import VIEW
from .activation import ELEMENTWISE
from .norm import LayerNorm
from .pool import WINDOW_READS
from .base import (NO_ARITHMETIC, Key, Layer, ParamCounts, _show, boolean, choice, elements, optional,
                   positive_int, product, register, rule_error, show_shape)
from .runtime import FLOAT, uniform, weights


def axis_list(value) -> tuple:
    """a list of integers (axes or sizes)"""
    if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
        raise ValueError(f"expected a list of integers, got {_show(value)}")
    return tuple(value)


axis_list.json_schema = {"type": "array", "items": {"type": "integer"}}


def text(value) -> str:
    """a string"""
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {_show(value)}")
    return value


text.json_schema = {"type": "string"}


@register
class Permute(Layer):
    """Reorder the axes of each sample (ONNX ``Transpose``, ``torch.permute`` without the batch axis).

    ``dims`` lists the input axes in their new order, counted from 0 after the batch axis:
    [1, 2, 0] turns C×H×W into H×W×C (channels last, as ConvNeXt does before its LayerNorm and
    Linear layers), [2, 0, 1] turns it back. The result is a new tensor (ONNX's Transpose
    materialises it); no parameters, no arithmetic.
    Example: ``permute: {dims: [1, 2, 0]}``.
    """

    type_name = "permute"
    aliases = ("transpose",)
    family = "shape"
    free_of = NO_ARITHMETIC
    keys = {"dims": Key(axis_list, doc="the input axes in their new order (0 = the first axis after the batch)")}

    def output_shape(self, inputs):
        (shape,) = inputs
        if sorted(self.dims) != list(range(len(shape))):
            raise rule_error("E203", f"permute dims {list(self.dims)} are not an ordering of the "
                                     f"{len(shape)} axes of {show_shape(shape)}")
        return tuple(shape[d] for d in self.dims)

    def describe(self, dims=None):
        return "(" + ",".join(map(str, self.dims)) + ")"

    def forward(self, inputs, params):
        (x,) = inputs
        return np.ascontiguousarray(x.transpose(0, *(d + 1 for d in self.dims))), 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """torch.permute's backward permutes the gradient back: it keeps nothing."""
        return []

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): x.permute, a view."""
        return counted("permute", "shape")


@register
class Reshape(Layer):
    """Give each sample a new shape with the same number of elements (ONNX ``Reshape``), a view.

    ``shape`` is the per-sample shape; one entry may be -1 (whatever makes the count match).
    ``flatten`` is the common case and says more; this is for the rest, e.g. a channel shuffle
    written out as reshape/permute/reshape. Example: ``reshape: {shape: [2, 32, -1]}``.
    """

    type_name = "reshape"
    aliases = ("view",)
    family = "shape"
    storage = VIEW
    free_of = NO_ARITHMETIC
    keys = {"shape": Key(axis_list, doc="the new per-sample shape; one entry may be -1")}

    def output_shape(self, inputs):
        (shape,) = inputs
        if self.shape.count(-1) > 1 or any(d == 0 or d < -1 for d in self.shape):
            raise rule_error("E203", f"reshape: expected positive sizes and at most one -1, got {list(self.shape)}")
        total = elements(shape)
        known = product(*(d for d in self.shape if d != -1)) if any(d != -1 for d in self.shape) else np.int64(1)
        if -1 in self.shape:
            if np.any(total % known):
                raise rule_error("E303", f"reshape: {show_shape(shape)} does not divide into {list(self.shape)}")
            missing = total // known
            return tuple(missing if d == -1 else np.full_like(total, d) for d in self.shape)
        if np.any(total != known):
            i = int(np.argmax(total != known))
            raise rule_error("E303", f"reshape: {show_shape(shape, i)} has {int(np.asarray(total).reshape(-1)[i])} "
                                     f"elements, shape {list(self.shape)} has {int(known)}")
        return tuple(np.full_like(total, d) for d in self.shape)

    def describe(self, dims=None):
        return "→" + "×".join(map(str, self.shape))

    def forward(self, inputs, params):
        (x,) = inputs
        return x.reshape(x.shape[0], *self.shape), 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """A view: its backward reshapes the gradient, keeping nothing."""
        return []

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): x.reshape, a view."""
        return counted("reshape", "shape")


@register
class LastAxisLinear(Layer):
    """A fully connected layer applied at every position to the last axis, as ``torch.nn.Linear``
    does on an (…, F) tensor: …×F → …×out.

    Weights F·out plus out biases, once (shared by all positions). MACs = positions · F · out,
    positions being the elements of the other axes. A separate type from ``fc``, which takes a
    flat vector only: a feature map into ``fc`` stays an error unless a spec opts into this.
    After ``permute: {dims: [1, 2, 0]}`` it is ConvNeXt's channels-last Linear (a 1×1 convolution).
    Example: ``fc_last_axis: {out: 384}``.
    """

    type_name = "fc_last_axis"
    aliases = ("linear_last_axis",)
    family = "fc"
    counts_toward_depth = True
    keys = {
        "out": Key(positive_int, doc="output features"),
        "bias": Key(boolean, True, "learned bias per output"),
    }

    def output_shape(self, inputs):
        (shape,) = inputs
        return (*shape[:-1], np.full_like(shape[-1], self.out))

    def param_counts(self, inputs):
        features = inputs[0][-1]
        weight_count = product(features, self.out)
        return ParamCounts(trainable=weight_count + (self.out if self.bias else 0), weights=weight_count)

    def macs(self, inputs, output):
        return product(elements(inputs[0]), self.out)

    def init_params(self, input_shapes, rng):
        features = input_shapes[0][-1]
        params = {"weight": weights(rng, (self.out, features), features)}
        if self.bias:
            params["bias"] = uniform(rng, (self.out,), 0.1)
        return params

    def forward(self, inputs, params):
        (x,) = inputs
        y, macs = kernels.linear(x.reshape(-1, x.shape[-1]), params["weight"], params.get("bias"))
        return y.reshape(*x.shape[:-1], self.out), macs

    def saved_for_backward(self, inputs, output, in_place=False):
        """matmul keeps its input (for the weight gradient) and the weight (for the input's)."""
        return [saved_input(), SAVED_WEIGHTS]

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): nn.Linear on every position; one bias add per output."""
        return counted("linear", "fc", macs=self.macs(inputs, output),
                       bias_adds=elements(output) if self.bias else 0)


@register
class LastAxisLayerNorm(LayerNorm):
    """Layer normalisation over the last axis at every position, as ``torch.nn.LayerNorm(F)`` does
    on an (…, F) tensor (ONNX ``LayerNormalization`` with axis −1).

    After ``permute: {dims: [1, 2, 0]}`` it is ConvNeXt's channels-last LayerNorm. Trainable: a
    scale and a shift per feature of the last axis (2F) when ``affine``; the same per-element cost
    as ``layer_norm``, which normalises the channels (the first axis) and is what a spec written by
    hand uses. Example: ``layer_norm_last_axis: {eps: 1.0e-6}``.
    """

    type_name = "layer_norm_last_axis"
    aliases = ()

    def param_counts(self, inputs):
        return ParamCounts(trainable=(2 * inputs[0][-1]) if self.affine else 0)

    def init_params(self, input_shapes, rng):
        return super().init_params([(input_shapes[0][-1],)], rng)

    def forward(self, inputs, params):
        channels_first = np.moveaxis(inputs[0], -1, 1)
        y, macs = super().forward([channels_first], params)
        return np.ascontiguousarray(np.moveaxis(y, 1, -1)), macs

    def saved_for_backward(self, inputs, output, in_place=False):
        """native_layer_norm keeps its input and a mean and inverse std per normalised position (fp32)."""
        positions = elements(inputs[0][:-1]) if len(inputs[0]) > 1 else 1
        return [saved_input(), own("mean and inverse std per position", 2 * positions, "fp32")]


def _erf(x):
    return FLOAT(1) - kernels._erfc(x)


#: Element-wise operations: (arity with its operand, NumPy function). Binary ones take a second
#: input or a constant operand; unary ones take neither.
ELEMENTWISE_OPS = {
    "add": (2, np.add), "sub": (2, np.subtract), "mul": (2, np.multiply), "div": (2, np.divide),
    "pow": (2, np.power), "max": (2, np.maximum), "min": (2, np.minimum),
    "sqrt": (1, np.sqrt), "erf": (1, _erf), "exp": (1, np.exp), "log": (1, np.log), "neg": (1, np.negative),
    "abs": (1, np.abs), "reciprocal": (1, np.reciprocal),
}


def broadcast(first, second):
    """NumPy's broadcasting of two per-sample shapes (axes aligned from the right)."""
    rank = max(len(first), len(second))
    one = np.ones_like((first or second)[0])
    a = (one,) * (rank - len(first)) + tuple(first)
    b = (one,) * (rank - len(second)) + tuple(second)
    if any(np.any((x != y) & (x != 1) & (y != 1)) for x, y in zip(a, b)):
        raise rule_error("E303", f"element-wise operands {show_shape(first)} and {show_shape(second)} "
                                 f"do not broadcast")
    return tuple(np.maximum(x, y) for x, y in zip(a, b))


@register
class Elementwise(Layer):
    """Arithmetic element by element: one input with a constant operand, two inputs, or a unary
    function (ONNX ``Add``/``Sub``/``Mul``/``Div``/``Pow`` with constants, ``Sqrt``, ``Erf``, …).

    ``constant`` is the shape of the constant operand, broadcast against each sample from the
    right as NumPy does (``[]`` a scalar, ``[64, 1, 1]`` one value per channel). A constant of more
    than one element counts as parameters — a file cannot tell a learned scale (ConvNeXt's layer
    scale) from a fixed one; a scalar is a constant, never a parameter. One element-wise op per
    output element, never MACs. Which operand comes first changes no count.
    Example: ``elementwise: {op: mul, constant: [64, 1, 1]}``, ``elementwise: {op: erf}``.
    """

    type_name = "elementwise"
    family = "activation"
    other_op_labels = ELEMENTWISE
    arity = (1, 2)
    free_of = frozenset({"macs"})
    other_op_labels = ELEMENTWISE
    keys = {
        "op": Key(choice(*ELEMENTWISE_OPS), doc="the operation"),
        "constant": Key(optional(axis_list), None, "shape of the constant operand ([] for a scalar); null for none"),
    }

    def operands(self, inputs):
        binary = ELEMENTWISE_OPS[self.op][0] == 2
        given = len(inputs) - 1 + (self.constant is not None)
        if given != (1 if binary else 0):
            needs = "a second input or a constant" if binary else "no second operand"
            raise rule_error("E405", f"elementwise {self.op} takes {needs}, got {len(inputs)} input(s)"
                                     f"{' and a constant' if self.constant is not None else ''}")

    def constant_shape(self, like):
        return tuple(np.full_like(like, d) for d in self.constant)

    def output_shape(self, inputs):
        self.operands(inputs)
        if len(inputs) == 2:
            return broadcast(inputs[0], inputs[1])
        if self.constant is not None:
            if any(d < 1 for d in self.constant):
                raise rule_error("E203", f"elementwise constant shape {list(self.constant)} needs sizes ≥ 1")
            return broadcast(inputs[0], self.constant_shape(inputs[0][0]))
        return inputs[0]

    def param_counts(self, inputs):
        count = math.prod(self.constant) if self.constant else 0
        return ParamCounts(trainable=count if count > 1 else 0)

    def other_ops(self, inputs, output):
        return {"elementwise": elements(output)}

    def describe(self, dims=None):
        if self.constant is None:
            return self.op
        return f"{self.op} {'scalar' if not self.constant else '×'.join(map(str, self.constant))}"

    def init_params(self, input_shapes, rng):
        if not self.constant or math.prod(self.constant) <= 1:
            return {}
        # Positive values near 1, so that div, pow and log stay finite on a random pass.
        return {"constant": 1 + uniform(rng, self.constant, 0.5)}

    def forward(self, inputs, params):
        function = ELEMENTWISE_OPS[self.op][1]
        if len(inputs) == 2:
            return function(inputs[0], inputs[1]).astype(FLOAT, copy=False), 0
        if self.constant is not None:
            operand = params.get("constant", np.full(self.constant, FLOAT(0.5), dtype=FLOAT))
            return function(inputs[0], operand).astype(FLOAT, copy=False), 0
        return function(inputs[0]).astype(FLOAT, copy=False), 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """PyTorch's derivatives.yaml: add and sub keep nothing; mul, div, maximum and minimum keep
        their tensor operands (a constant tensor is a parameter, kept anyway; a scalar needs
        nothing); pow keeps its base (and its result when the exponent is a tensor); sqrt, exp and
        reciprocal their result; erf, log and abs their input; neg nothing."""
        if self.op in ("add", "sub", "neg"):
            return []
        if self.op in ("sqrt", "exp", "reciprocal"):
            return [SAVED_OUTPUT]
        if self.op in ("erf", "log", "abs"):
            return [saved_input()]
        if len(inputs) == 2:
            kept = [saved_input(0), saved_input(1)]
            return kept + [SAVED_OUTPUT] if self.op == "pow" else kept
        scalar = not self.constant or math.prod(self.constant) <= 1
        if self.op == "pow":
            return [saved_input()] if scalar else [saved_input(), SAVED_OUTPUT]
        return [] if scalar and self.op in ("mul", "div") else [saved_input()]

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): tensor arithmetic, written as operators."""
        return counted("elementwise", "activation")



@register
class Reduce(Layer):
    """The mean, maximum, minimum or sum over some axes of each sample (ONNX ``ReduceMean`` …).

    ``axes`` count from 0 after the batch axis; ``keepdims`` keeps them with size 1. Over the
    spatial axes this is global pooling, which says more (``global_avgpool``); this is for the
    rest, e.g. a LayerNorm written out as ReduceMean over channels, Sub, Pow, ReduceMean, … .
    Every input element is read once: counted as window reads, as global pooling is.
    Example: ``reduce: {op: mean, axes: [0]}``.
    """

    type_name = "reduce"
    family = "pool"
    other_op_labels = WINDOW_READS
    free_of = NO_ARITHMETIC
    other_op_labels = WINDOW_READS
    keys = {
        "op": Key(choice("mean", "max", "min", "sum"), doc="the reduction"),
        "axes": Key(axis_list, doc="the axes reduced (0 = the first axis after the batch)"),
        "keepdims": Key(boolean, True, "keep the reduced axes with size 1"),
    }

    def output_shape(self, inputs):
        (shape,) = inputs
        if not self.axes or any(not 0 <= a < len(shape) for a in self.axes) or len(set(self.axes)) != len(self.axes):
            raise rule_error("E203", f"reduce axes {list(self.axes)} are not distinct axes of {show_shape(shape)}")
        one = np.ones_like(shape[0])
        kept = tuple(one if a in self.axes else d for a, d in enumerate(shape))
        if self.keepdims:
            return kept
        remaining = tuple(d for a, d in enumerate(shape) if a not in self.axes)
        if not remaining:
            raise rule_error("E203", "reduce: dropping every axis leaves no per-sample tensor; set keepdims: true")
        return remaining

    def other_ops(self, inputs, output):
        return {"window_reads": elements(inputs[0])}

    def describe(self, dims=None):
        return f"{self.op} over {','.join(map(str, self.axes))}"

    def forward(self, inputs, params):
        function = {"mean": np.mean, "max": np.max, "min": np.min, "sum": np.sum}[self.op]
        axes = tuple(a + 1 for a in self.axes)
        return function(inputs[0], axis=axes, keepdims=self.keepdims).astype(FLOAT, copy=False), 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """mean and sum spread the gradient by sizes alone; amax and amin keep input and result."""
        return [] if self.op in ("mean", "sum") else [saved_input(), SAVED_OUTPUT]

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): a tensor method such as x.mean(dims)."""
        return counted("reduce", "pool")


@register
class Opaque(Layer):
    """A placeholder for an operation archcalc cannot count, with the output shape it is known to
    have (``archcalc import --allow-unsupported``): its cost is unknown, so it is not counted —
    the spec's notes list every one, and ``archcalc verify`` passes zeros through it.
    Example: ``opaque: {op: NonMaxSuppression, shape: [100, 4]}``.
    """

    type_name = "opaque"
    family = "other"
    arity = (1, None)
    free_of = NO_ARITHMETIC
    keys = {
        "op": Key(text, doc="what the operation is (an ONNX op type)"),
        "shape": Key(axis_list, doc="its per-sample output shape"),
    }

    def output_shape(self, inputs):
        if any(d < 1 for d in self.shape):
            raise rule_error("E203", f"opaque shape {list(self.shape)} needs sizes ≥ 1")
        return tuple(np.full_like(inputs[0][0], d) for d in self.shape)

    def describe(self, dims=None):
        return f"{self.op}: not counted"

    def forward(self, inputs, params):
        return np.zeros((inputs[0].shape[0], *self.shape), dtype=FLOAT), 0

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): an op no convention has a rule for (an error there)."""
        return counted("opaque", "other")
