"""Layers that reshape, join or pass tensors through: no parameters, no MACs."""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..conventions import VIEW
from .base import (Key, Layer, elements, expect_rank, padding, positive_int, probability,
                   product, register, rule_error, show_shape)


@register
class Flatten(Layer):
    """C×H×W → C·H·W, a view: no new memory. Needed before ``fc`` on a feature map."""

    type_name = "flatten"
    family = "shape"
    storage = VIEW
    keys = {}

    def output_shape(self, inputs):
        return (elements(inputs[0]),)

    def forward(self, inputs, params):
        (x,) = inputs
        return x.reshape(x.shape[0], -1), 0


@register
class Dropout(Layer):
    """Randomly zeroes elements while training; the identity at inference (counted as a view)."""

    type_name = "dropout"
    family = "shape"
    storage = VIEW
    keys = {"p": Key(probability, 0.5, "probability of zeroing an element while training")}

    def output_shape(self, inputs):
        return inputs[0]

    def describe(self):
        return f"p={self.p:g}"

    def forward(self, inputs, params):
        return inputs[0], 0   # inference: nothing is dropped


@register
class Identity(Layer):
    """Passes its input through unchanged (a named tap point in a graph)."""

    type_name = "identity"
    family = "shape"
    storage = VIEW
    keys = {}

    def output_shape(self, inputs):
        return inputs[0]

    def forward(self, inputs, params):
        return inputs[0], 0


@register
class ZeroPad(Layer):
    """Explicit zero padding of a feature map (Keras ``ZeroPadding2D``)."""

    type_name = "zeropad"
    aliases = ("pad",)
    family = "shape"
    keys = {"padding": Key(padding, doc="[top, bottom, left, right], [height, width] or one integer")}

    def output_shape(self, inputs):
        (shape,) = inputs
        expect_rank(self, shape, 3)
        if isinstance(self.padding, str):
            raise rule_error("E203", "zeropad needs explicit padding numbers, not 'same'/'valid'")
        top, bottom, left, right = self.padding
        return shape[0], shape[1] + top + bottom, shape[2] + left + right

    def forward(self, inputs, params):
        top, bottom, left, right = self.padding
        return np.pad(inputs[0], ((0, 0), (0, 0), (top, bottom), (left, right))), 0


@register
class ChannelShuffle(Layer):
    """Interleave channels across ``groups`` (ShuffleNet); allocates a new tensor."""

    type_name = "channel_shuffle"
    aliases = ("shuffle",)
    family = "shape"
    keys = {"groups": Key(positive_int, doc="number of channel groups")}

    def output_shape(self, inputs):
        (shape,) = inputs
        expect_rank(self, shape, 3)
        if np.any(shape[0] % self.groups):
            raise rule_error("E304", f"channels {int(shape[0][0])} are not divisible by groups={self.groups}")
        return shape

    def describe(self):
        return f"g{self.groups}"

    def forward(self, inputs, params):
        return kernels.channel_shuffle(inputs[0], self.groups), 0


def _mismatch(kind: str, inputs) -> Exception:
    shapes = ", ".join(show_shape(s) for s in inputs)
    return rule_error("E303", f"{kind} needs inputs that fit together, received {shapes}")


class _Join(Layer):
    family = "join"
    arity = (1, None)
    keys = {}


@register
class Concat(_Join):
    """Concatenate inputs along channels (Inception, DenseNet). Spatial sizes must match."""

    type_name = "concat"

    def output_shape(self, inputs):
        rank = len(inputs[0])
        if any(len(s) != rank for s in inputs):
            raise _mismatch("concat", inputs)
        for axis in range(1, rank):
            if any(np.any(s[axis] != inputs[0][axis]) for s in inputs):
                raise _mismatch("concat (equal spatial sizes)", inputs)
        return (sum(s[0] for s in inputs), *inputs[0][1:])

    def forward(self, inputs, params):
        return np.concatenate(inputs, axis=1), 0


@register
class Add(_Join):
    """Element-wise sum of inputs of equal shape (residual connections)."""

    type_name = "add"

    def output_shape(self, inputs):
        first = inputs[0]
        if any(len(s) != len(first) or any(np.any(a != b) for a, b in zip(s, first)) for s in inputs):
            raise _mismatch(f"{self.type_name} (equal shapes)", inputs)
        return first

    def other_ops(self, inputs, output):
        return {"adds": product(elements(output), len(inputs) - 1)}

    def forward(self, inputs, params):
        total = inputs[0] + inputs[1] if len(inputs) > 1 else inputs[0].copy()
        for x in inputs[2:]:
            total += x
        return total, 0


@register
class Mean(Add):
    """Element-wise mean of inputs of equal shape (FractalNet's join layer).

    Counted as the sum (inputs − 1 adds per element) and one multiply by 1/n per element.
    Example: ``mean: {from: [column1, column2]}``.
    """

    type_name = "mean"

    def other_ops(self, inputs, output):
        return {"adds": product(elements(output), len(inputs) - 1), "multiplies": elements(output)}

    def init_params(self, input_shapes, rng):
        return {}

    def forward(self, inputs, params):
        return sum(inputs) / np.float32(len(inputs)), 0


@register
class Multiply(_Join):
    """Element-wise product; a C×1×1 input scales each channel (squeeze-and-excitation)."""

    type_name = "mul"
    aliases = ("multiply", "scale")

    def output_shape(self, inputs):
        largest = max(inputs, key=lambda s: int(np.max(elements(s))))
        for shape in inputs:
            if len(shape) != len(largest) or any(
                    np.any((a != b) & (a != 1)) for a, b in zip(shape, largest)):
                raise _mismatch("mul (equal shapes, or C×1×1 against C×H×W)", inputs)
        return largest

    def other_ops(self, inputs, output):
        return {"multiplies": product(elements(output), len(inputs) - 1)}

    def forward(self, inputs, params):
        """NumPy broadcasting: an (N, C, 1, 1) input scales each channel of an (N, C, H, W) one."""
        result = inputs[0] * inputs[1] if len(inputs) > 1 else inputs[0].copy()
        for x in inputs[2:]:
            result = result * x
        return result, 0
