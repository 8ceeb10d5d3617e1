"""Layers that change the spatial resolution without weights: interpolation, pixel shuffle, and
the center crop that matches one feature map to another. No parameters, no MACs."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .. import kernels
from ..counting import counted
from ..conventions import VIEW
from ..ratio import Ratio
from .base import (NO_ARITHMETIC, Key, Layer, Window, _show, boolean, choice, elements, expect_feature_map,
                   json_schema, layer_name, number, optional, positive_int, product, register, rule_error,
                   show_shape, sizes)
from .window import AXIS_NAMES, describe_extent, per_axis

#: Interpolation modes by the number of spatial axes they work on (None: any).
MODES = {"nearest": None, "linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


@json_schema({"anyOf": [{"type": "number", "exclusiveMinimum": 0},
                        {"type": "array", "items": {"type": "number", "exclusiveMinimum": 0},
                         "minItems": 1, "maxItems": 3}]})
def scales(value):
    """a number > 0 for every spatial dimension, or a list of one per dimension"""
    values = value if isinstance(value, list) else [value]
    if not 1 <= len(values) <= 3:
        raise ValueError(f"expected a number or a list of 1 to 3 numbers, got a list of {len(values)}")
    result = tuple(number(v) for v in values)
    if min(result) <= 0:
        raise ValueError(f"expected numbers > 0, got {_show(value)}")
    return result if isinstance(value, list) else result[0]


def _target(layer, inputs, dims) -> tuple:
    """The spatial size a resizing layer aims at: ``size``, or the ``like`` layer's spatial size."""
    if layer.like is None:
        return tuple(np.full_like(inputs[0][0], s) for s in per_axis(layer.size, dims, "size"))
    reference = inputs[-1]
    if len(reference) != dims + 1:
        raise rule_error("E305", f"{layer.type_name} like '{layer.like}': its output {show_shape(reference)} does "
                                 f"not have the {dims} spatial dimension(s) of the input {show_shape(inputs[0])}")
    return tuple(reference[1:])


def _one_of(layer, keys) -> None:
    given = [key for key in keys if getattr(layer, key) is not None]
    if len(given) != 1:
        raise rule_error("E203", f"{layer.type_name} takes exactly one of {', '.join(keys)}; "
                                 f"got {', '.join(given) or 'none'}")


@register
class Upsample(Layer):
    """Resizes a feature map by interpolation (PyTorch's ``Upsample`` / ``F.interpolate``), in 1, 2 or 3
    spatial dimensions. Give exactly one of ``scale`` (output = floor(input·scale), as PyTorch),
    ``size``, or ``like``: a layer whose spatial size to match (``like: input`` is the network's input,
    so a segmentation head follows ``--input``).

    Modes: nearest (any rank), linear (C×L), bilinear and bicubic (C×H×W), trilinear (C×D×H×W).
    No parameters; counted as interpolation taps in other ops (docs/conventions.md).
    Example: ``upsample: {scale: 2}``, ``upsample: {like: input, mode: bilinear}``.
    """

    type_name = "upsample"
    aliases = ("interpolate", "resize")
    family = "resample"
    free_of = NO_ARITHMETIC
    other_op_labels = {"interpolation": "resizing: output elements × source taps per output "
                                        "(nearest 1, linear 2, bilinear 4, trilinear 8, bicubic 16)"}
    arity = (1, 2)
    reference_keys = ("like",)
    keys = {
        "scale": Key(optional(scales), None, "scale factor"),
        "size": Key(optional(sizes), None, "output size"),
        "like": Key(optional(layer_name), None, "match the spatial size of this layer ('input': the network's)"),
        "mode": Key(choice(*MODES), "nearest", "interpolation"),
        "align_corners": Key(optional(boolean), None, "linear modes: align the corner pixels (PyTorch's flag)"),
    }

    def output_shape(self, inputs):
        dims = expect_feature_map(self, inputs[0])
        _one_of(self, ("scale", "size", "like"))
        if len(inputs) != 1 + self.references():
            raise rule_error("E405", f"upsample takes one input (and the 'like' layer), got {len(inputs)}")
        needed = MODES[self.mode]
        if needed is not None and needed != dims:
            raise rule_error("E305", f"upsample mode '{self.mode}' needs {AXIS_NAMES[needed]} axes, but received "
                                     f"{show_shape(inputs[0])}")
        if self.mode == "nearest" and self.align_corners is not None:
            raise rule_error("E203", "align_corners applies to the linear and cubic modes only, not 'nearest'")
        if self.scale is not None:
            factors = per_axis(self.scale, dims, "scale")
            out = tuple(np.floor(size * factor).astype(np.int64) for size, factor in zip(inputs[0][1:], factors))
            if any((o < 1).any() for o in out):
                raise rule_error("E302", f"upsample scale {self.scale} leaves an empty output")
        else:
            out = _target(self, inputs, dims)
        return (inputs[0][0], *out)

    def taps(self, dims: int) -> int:
        return kernels.INTERPOLATION_TAPS[self.mode] ** dims

    def other_ops(self, inputs, output):
        return {"interpolation": product(elements(output), self.taps(len(output) - 1))}

    def window(self, inputs):
        """Neighbouring outputs are input/output pixels apart; each reads 1 (nearest), 2 (linear)
        or 4 (cubic) source pixels per axis."""
        spatial = inputs[0][1:]
        out = self.output_shape(inputs)[1:]
        taps = kernels.INTERPOLATION_TAPS[self.mode]
        return Window((taps,) * len(spatial), tuple(Ratio.reduced(s, o) for s, o in zip(spatial, out)),
                      ((taps - 1) // 2,) * len(spatial))

    def forward(self, inputs, params):
        x = inputs[0]
        dims = x.ndim - 2
        shape = self.output_shape([tuple(np.array([d], np.int64) for d in a.shape[1:]) for a in inputs])
        scale = None if self.scale is None else per_axis(self.scale, dims, "scale")
        y, _taps = kernels.interpolate(x, tuple(int(d[0]) for d in shape[1:]), self.mode, self.align_corners,
                                       scale)
        return y, 0

    def describe(self, dims=None):
        if self.scale is not None:
            factors = self.scale if isinstance(self.scale, tuple) else (self.scale,)
            text = "×" + ",".join(f"{factor:g}" for factor in factors)
        elif self.size is not None:
            text = f"→{describe_extent(self.size, dims)}"
        else:
            text = f"like {self.like}"
        return f"{text} {self.mode}"

    def saved_for_backward(self, inputs, output, in_place=False):
        """upsample_*_backward takes the input and output sizes only: it keeps no tensor."""
        return []

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): nn.Upsample / F.interpolate. Output elements by
        mode (``bilinear_outputs`` …; ``nearest2d_outputs`` for the 2-D nearest kernel), and
        ``interpolate_elements``, what ptflops' F.interpolate hook computes: the output elements when
        given a size, the input elements × scale^d when given a scale factor."""
        dims = len(output) - 1
        outputs = elements(output)
        terms = {f"{mode}_outputs": outputs * (mode == self.mode) for mode in MODES}
        terms["nearest2d_outputs"] = outputs * (self.mode == "nearest" and dims == 2)
        terms["interpolate_elements"] = outputs if self.scale is None else self._scaled_input(inputs[0], dims)
        return counted("upsample", "resample", **terms)

    def _scaled_input(self, shape, dims):
        """Input elements × scale^d (× the product of per-axis scales), as F.interpolate's hook computes it;
        an error where that is not a whole number, since the tool's figure would be a fraction."""
        factors = self.scale if isinstance(self.scale, tuple) else (self.scale,) * dims
        scale = Fraction(1)
        for factor in factors:
            scale *= Fraction(factor).limit_denominator(10**6)
        if isinstance(self.scale, tuple):
            scale = Fraction(int(scale))      # the hook truncates a per-axis product: int(np.prod(scale_factor))
        scaled = elements(shape) * scale.numerator
        if np.any(scaled % scale.denominator):
            raise rule_error("E201", f"upsample scale {self.scale}: ptflops counts input elements × scale^{dims}, "
                                     "which is not a whole number here; give 'size' instead")
        return scaled // scale.denominator


@register
class Crop(Layer):
    """Center crop of a feature map to ``size`` or to the spatial size of the layer ``like`` names
    (U-Net's crop-and-concat). Offsets are (input − target) // 2 per axis; a view, no new memory.
    Example: ``crop: {from: down4, like: up4}``.
    """

    type_name = "crop"
    aliases = ("center_crop",)
    family = "shape"
    storage = VIEW
    free_of = NO_ARITHMETIC
    arity = (1, 2)
    reference_keys = ("like",)
    keys = {
        "size": Key(optional(sizes), None, "output size"),
        "like": Key(optional(layer_name), None, "match the spatial size of this layer"),
    }

    def offsets(self, inputs) -> tuple:
        dims = expect_feature_map(self, inputs[0])
        _one_of(self, ("size", "like"))
        target = _target(self, inputs, dims)
        margins = tuple(size - t for size, t in zip(inputs[0][1:], target))
        if any((m < 0).any() for m in margins):
            raise rule_error("E302", f"crop to {'×'.join(str(int(t[0])) for t in target)} is larger than the input "
                                     f"{show_shape(inputs[0])}")
        return tuple(m // 2 for m in margins), target

    def output_shape(self, inputs):
        return (inputs[0][0], *self.offsets(inputs)[1])

    def window(self, inputs):
        starts, _ = self.offsets(inputs)
        return Window((1,) * len(starts), (1,) * len(starts), tuple(-s for s in starts))

    def forward(self, inputs, params):
        shapes = [tuple(np.array([d], np.int64) for d in a.shape[1:]) for a in inputs]
        starts, target = self.offsets(shapes)
        index = tuple(slice(int(s[0]), int(s[0] + t[0])) for s, t in zip(starts, target))
        return inputs[0][(slice(None), slice(None)) + index], 0

    def describe(self, dims=None):
        return f"like {self.like}" if self.like is not None else f"→{describe_extent(self.size, dims)}"

    def saved_for_backward(self, inputs, output, in_place=False):
        """A view: its backward pads the gradient back, keeping only sizes."""
        return []

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): a slice of the tensor, a view."""
        return counted("slice", "shape")


@register
class PixelShuffle(Layer):
    """Channels to space: C·r^d × H × W → C × rH × rW (sub-pixel convolution; d spatial axes).

    Example: ``pixel_shuffle: {factor: 2}``.
    """

    type_name = "pixel_shuffle"
    aliases = ("depth_to_space",)
    family = "resample"
    free_of = NO_ARITHMETIC
    keys = {"factor": Key(positive_int, doc="up-scaling factor r per spatial axis")}

    def output_shape(self, inputs):
        (shape,) = inputs
        dims = expect_feature_map(self, shape)
        block = self.factor ** dims
        if np.any(shape[0] % block):
            raise rule_error("E304", f"channels {int(shape[0][0])} are not divisible by {self.factor}^{dims} = {block}")
        return (shape[0] // block, *(size * self.factor for size in shape[1:]))

    def window(self, inputs):
        dims = len(inputs[0]) - 1
        return Window((1,) * dims, (Fraction(1, self.factor),) * dims, (0,) * dims)

    def forward(self, inputs, params):
        return kernels.pixel_shuffle(inputs[0], self.factor), 0

    def describe(self, dims=None):
        return f"×{self.factor}"

    def saved_for_backward(self, inputs, output, in_place=False):
        """pixel_shuffle's backward is pixel_unshuffle of the gradient: it keeps nothing."""
        return []

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): nn.PixelShuffle, a rearrangement."""
        return counted("pixel_shuffle", "shape")


@register
class PixelUnshuffle(Layer):
    """Space to channels: C × rH × rW → C·r^d × H × W, the inverse of ``pixel_shuffle``.

    Example: ``pixel_unshuffle: {factor: 2}``.
    """

    type_name = "pixel_unshuffle"
    aliases = ("space_to_depth",)
    family = "resample"
    free_of = NO_ARITHMETIC
    keys = {"factor": Key(positive_int, doc="down-scaling factor r per spatial axis")}

    def output_shape(self, inputs):
        (shape,) = inputs
        dims = expect_feature_map(self, shape)
        for size, axis in zip(shape[1:], AXIS_NAMES[dims]):
            if np.any(size % self.factor):
                raise rule_error("E304", f"{axis} {int(size[np.argmax(size % self.factor != 0)])} is not divisible "
                                         f"by {self.factor}")
        return (shape[0] * self.factor ** dims, *(size // self.factor for size in shape[1:]))

    def window(self, inputs):
        dims = len(inputs[0]) - 1
        return Window((self.factor,) * dims, (self.factor,) * dims, (0,) * dims)

    def forward(self, inputs, params):
        return kernels.pixel_unshuffle(inputs[0], self.factor), 0

    def describe(self, dims=None):
        return f"÷{self.factor}"

    def saved_for_backward(self, inputs, output, in_place=False):
        """pixel_unshuffle's backward is pixel_shuffle of the gradient: it keeps nothing."""
        return []

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): nn.PixelUnshuffle, a rearrangement."""
        return counted("pixel_shuffle", "shape")
