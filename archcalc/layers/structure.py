"""Layers that reshape, join or pass tensors through: no parameters, no MACs."""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..backward import own, saved_input
from ..counting import counted
from ..conventions import VIEW
from .base import (NO_ARITHMETIC, Key, Layer, Window, _show, elements, expect_feature_map, padding,
                   positive_int, probability, product, register, rule_error, show_shape)
from .window import AXIS_NAMES, padding_pairs

#: Shape-only layers: no parameters and no multiply-adds.


@register
class Flatten(Layer):
    """C×H×W → C·H·W (any feature map to a flat vector), a view: no new memory. Needed before ``fc``."""

    type_name = "flatten"
    family = "shape"
    free_of = NO_ARITHMETIC
    storage = VIEW
    keys = {}

    def output_shape(self, inputs):
        return (elements(inputs[0]),)

    def forward(self, inputs, params):
        (x,) = inputs
        return x.reshape(x.shape[0], -1), 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """A view: its backward reshapes the gradient, keeping nothing."""
        return []

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting)."""
        return counted("flatten", "shape")


@register
class Dropout(Layer):
    """Randomly zeroes elements while training; the identity at inference (counted as a view)."""

    type_name = "dropout"
    family = "shape"
    free_of = NO_ARITHMETIC
    storage = VIEW
    keys = {"p": Key(probability, 0.5, "probability of zeroing an element while training")}

    def output_shape(self, inputs):
        return inputs[0]

    def describe(self, dims=None):
        return f"p={self.p:g}"

    def forward(self, inputs, params):
        return inputs[0], 0   # inference: nothing is dropped

    def saved_for_backward(self, inputs, output, in_place=False):
        """PyTorch's CPU dropout multiplies by a scaled Bernoulli noise tensor of the input's type and
        size and keeps it (the fused CUDA kernel keeps a 1-byte mask instead); p = 0 returns the input."""
        return [own("dropout mask", elements(inputs[0]))] if self.p > 0 else []

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting)."""
        return counted("dropout", "shape")


@register
class Identity(Layer):
    """Passes its input through unchanged (a named tap point in a graph)."""

    type_name = "identity"
    family = "shape"
    free_of = NO_ARITHMETIC
    storage = VIEW
    keys = {}

    def output_shape(self, inputs):
        return inputs[0]

    def forward(self, inputs, params):
        return inputs[0], 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """Passes its input through."""
        return []

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting)."""
        return counted("identity", "shape")


@register
class ZeroPad(Layer):
    """Explicit zero padding of a feature map in 1, 2 or 3 spatial dimensions (Keras ``ZeroPadding2D``).

    One integer pads every side; a list gives one value per spatial axis (both sides) or
    (before, after) per axis — in 2-D [top, bottom, left, right].
    Example: ``zeropad: {padding: [0, 1, 0, 1]}`` (one row below, one column right).
    """

    type_name = "zeropad"
    aliases = ("pad",)
    rank_aliases = {"zeropadding1d": (1,), "zeropadding2d": (2,), "zeropadding3d": (3,)}
    family = "shape"
    free_of = NO_ARITHMETIC
    keys = {"padding": Key(padding, doc="zeros added: one integer, one per axis, or (before, after) per axis")}

    def pads(self, dims: int) -> tuple:
        if isinstance(self.padding, str):
            raise rule_error("E203", "zeropad needs explicit padding numbers, not 'same'/'valid'")
        return padding_pairs(self.padding, dims)

    def output_shape(self, inputs):
        (shape,) = inputs
        dims = expect_feature_map(self, shape)
        return (shape[0], *(size + before + after for size, (before, after) in zip(shape[1:], self.pads(dims))))

    def window(self, inputs):
        """Padding moves the origin: a 1-wide window with leading padding."""
        dims = len(inputs[0]) - 1
        return Window((1,) * dims, (1,) * dims, tuple(before for before, _ in self.pads(dims)))

    def forward(self, inputs, params):
        (x,) = inputs
        return np.pad(x, ((0, 0), (0, 0), *self.pads(x.ndim - 2))), 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """constant_pad_nd's backward slices the gradient: it keeps only sizes."""
        return []

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting)."""
        return counted("pad", "shape")


@register
class ChannelShuffle(Layer):
    """Interleave channels across ``groups`` (ShuffleNet); allocates a new tensor."""

    type_name = "channel_shuffle"
    aliases = ("shuffle",)
    family = "shape"
    free_of = NO_ARITHMETIC
    keys = {"groups": Key(positive_int, doc="number of channel groups")}

    def output_shape(self, inputs):
        (shape,) = inputs
        expect_feature_map(self, shape)
        if np.any(shape[0] % self.groups):
            raise rule_error("E304", f"channels {int(shape[0][0])} are not divisible by groups={self.groups}")
        return shape

    def describe(self, dims=None):
        return f"g{self.groups}"

    def forward(self, inputs, params):
        return kernels.channel_shuffle(inputs[0], self.groups), 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """view, transpose, contiguous copy: none keeps a tensor."""
        return []

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting)."""
        return counted("channel_shuffle", "shape")


def _mismatch(kind: str, inputs) -> Exception:
    shapes = ", ".join(show_shape(s) for s in inputs)
    return rule_error("E303", f"{kind} needs inputs that fit together, received {shapes}")


class _Join(Layer):
    family = "join"
    joins = True
    free_of = NO_ARITHMETIC
    arity = (1, None)
    keys = {}

ADDS = {"adds": "element-wise additions of joined branches (inputs − 1 per output element)"}
MULTIPLIES = {"multiplies": "element-wise (channel-wise) multiplications of joined branches"}


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

    def saved_for_backward(self, inputs, output, in_place=False):
        """cat's backward splits the gradient by sizes."""
        return []

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting)."""
        return counted("cat", "join")


@register
class Add(_Join):
    """Element-wise sum of inputs of equal shape (residual connections)."""

    type_name = "add"
    other_op_labels = ADDS

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

    def saved_for_backward(self, inputs, output, in_place=False):
        """add's backward passes the gradient on."""
        return []

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting)."""
        return counted("add", "join")


@register
class Mean(Add):
    """Element-wise mean of inputs of equal shape (FractalNet's join layer).

    Counted as the sum (inputs − 1 adds per element) and one multiply by 1/n per element.
    Example: ``mean: {from: [column1, column2]}``.
    """

    type_name = "mean"
    other_op_labels = {**ADDS, **MULTIPLIES}

    def other_ops(self, inputs, output):
        return {"adds": product(elements(output), len(inputs) - 1), "multiplies": elements(output)}

    def init_params(self, input_shapes, rng):
        return {}

    def forward(self, inputs, params):
        return sum(inputs) / np.float32(len(inputs)), 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """Sum, then divide by a number: neither keeps a tensor."""
        return []

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting)."""
        return counted("mean", "join")


@register
class Multiply(_Join):
    """Element-wise product; a C×1×1 input scales each channel (squeeze-and-excitation)."""

    type_name = "mul"
    aliases = ("multiply",)
    other_op_labels = MULTIPLIES

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

    def saved_for_backward(self, inputs, output, in_place=False):
        """mul keeps both operands (each is the other's gradient factor); more inputs multiply
        left to right, keeping each partial product too."""
        partials = [own("partial product", elements(output)) for _ in inputs[2:]]
        return [saved_input(i) for i in range(len(inputs))] + partials

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting)."""
        return counted("mul", "join")


def axis_range(value):
    """null (the whole axis) or [start, stop]: Python slice bounds (negative from the end, null stop = to the end)"""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(f"expected [start, stop] or null, got {_show(value)}")
    start, stop = value
    for bound in (start, stop):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int)):
            raise ValueError(f"expected integer bounds [start, stop], got {value}")
    return (0 if start is None else start), stop


@register
class Slice(Layer):
    """A contiguous part of a tensor along channels and/or spatial axes — a view, no new memory.

    Each axis takes [start, stop) with Python's meaning (negative bounds count from the end,
    ``null`` stop runs to the end); a slice that is empty or reaches outside the axis is an error.
    The spatial axes are ``length`` (C×L), ``height``/``width`` (C×H×W) or ``depth``/``height``/
    ``width`` (C×D×H×W). Channel halves are ShuffleNet v2's split (``torch.chunk``); a spatial
    slice is Keras's ``Cropping2D`` (NASNet shifts a map by one pixel with ``zeropad`` then ``slice``).
    Example: ``slice: {channels: [0, 58]}``, ``slice: {height: [1, null], width: [1, null]}``.
    """

    type_name = "slice"
    family = "shape"
    storage = VIEW
    free_of = NO_ARITHMETIC
    keys = {
        "channels": Key(axis_range, None, "[start, stop) of the channels (or features of a flat vector)"),
        "length": Key(axis_range, None, "[start, stop) along a C×L sequence"),
        "depth": Key(axis_range, None, "[start, stop) of the planes of a C×D×H×W volume"),
        "height": Key(axis_range, None, "[start, stop) of the rows"),
        "width": Key(axis_range, None, "[start, stop) of the columns"),
    }

    def bounds(self, shape):
        """Per axis of ``shape``: (start, stop) int64 arrays, resolved against the axis sizes."""
        names = ("channels", *AXIS_NAMES.get(len(shape) - 1, ()))
        extra = [name for name in self.keys if name not in names and self.settings[name] is not None]
        if extra:
            raise rule_error("E305", f"slice: {', '.join(extra)} is not an axis of the input {show_shape(shape)} "
                                     f"(its axes: {', '.join(names)})")
        resolved = []
        for name, size in zip(names, shape):
            chosen = self.settings[name]
            if chosen is None:
                resolved.append((np.zeros_like(size), size))
                continue
            start, stop = chosen
            begin = start if start >= 0 else size + start
            end = size if stop is None else (stop if stop >= 0 else size + stop)
            begin, end = np.broadcast_to(begin, size.shape), np.broadcast_to(end, size.shape)
            bad = (begin < 0) | (end > size) | (end <= begin)
            if np.any(bad):
                i = int(np.argmax(bad))
                raise rule_error("E302", f"slice {name} [{start}, {'end' if stop is None else stop}) is empty or "
                                         f"outside the axis of size {int(size[i])}")
            resolved.append((begin, end))
        return resolved

    def output_shape(self, inputs):
        return tuple(end - begin for begin, end in self.bounds(inputs[0]))

    def window(self, inputs):
        """A spatial slice moves the origin: like a 1-wide window with negative leading padding."""
        shape = inputs[0]
        if len(shape) < 2:
            return None
        starts = tuple(-begin for begin, _ in self.bounds(shape)[1:])
        return Window((1,) * len(starts), (1,) * len(starts), starts)

    def describe(self, dims=None):
        parts = []
        for name, chosen in self.settings.items():
            if chosen is not None:
                start, stop = chosen
                parts.append(f"{name[0]}[{start}:{'' if stop is None else stop}]")
        return " ".join(parts)

    def forward(self, inputs, params):
        (x,) = inputs
        index = [slice(None)]  # the batch axis
        for begin, end in self.bounds(tuple(np.array([d], dtype=np.int64) for d in x.shape[1:])):
            index.append(slice(int(begin[0]), int(end[0])))
        return x[tuple(index)], 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """A view: its backward keeps only sizes."""
        return []

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting)."""
        return counted("slice", "shape")
