"""Convolution and fully connected layers: the only layers that count MACs."""

from __future__ import annotations

from fractions import Fraction
from math import gcd

import numpy as np

from .. import kernels
from ..backward import SAVED_WEIGHTS, saved_input, window_input
from ..counting import counted
from .base import (INTEGER_0, INTEGER_1, Key, Layer, ParamCounts, Window, boolean, expect_feature_map, expect_rank,
                   json_schema, non_negative_int, optional, padding, positive_int, product, register, rule_error, sizes,
                   ROUNDING)
from .runtime import ceil_extra, concrete_padding, scratch_bytes, uniform, weights
from .window import describe_sizes, describe_window, effective_kernel, leading_padding, per_axis, sliding_output


@json_schema({"anyOf": [INTEGER_1, {"const": "depthwise"}]})
def groups_kind(value):
    """an integer ≥ 1, or 'depthwise' (one group per input channel)"""
    if value == "depthwise":
        return value
    return positive_int(value)


def check_groups(channels, out, groups) -> None:
    """Input and output channels must both split into ``groups`` (one entry per configuration)."""
    for what, count in (("input", channels), ("output", out)):
        if (count % groups).any():
            i = int(np.argmax(count % groups != 0))
            raise rule_error("E304", f"{what} channels {int(count[i])} are not divisible by groups={int(groups[i])}")


@register
class Conv(Layer):
    """Convolution in 1, 2 or 3 spatial dimensions: C_in×H×W → out×H'×W' (likewise C×L, C×D×H×W).

    Weights out·(C_in/groups)·∏kernel, plus out biases when ``bias`` is on.
    MACs ∏output·(C_in/groups)·∏kernel. ``groups: depthwise`` gives one group per input
    channel (MobileNet); ``out`` defaults to the input channels. ``conv1d``, ``conv2d`` and
    ``conv3d`` (PyTorch's ``Conv2d``, Keras's ``Conv2D``) also check the input's rank.
    ``channels_last_linear`` says the reference code runs this 1×1 convolution as ``nn.Linear`` on
    channels-last features (ConvNeXt's MLP): the same arithmetic, but counting tools see a Linear.
    Example: ``conv: {out: 64, kernel: 3, padding: 1}``.
    """

    type_name = "conv"
    aliases = ("convolution",)
    rank_aliases = {"conv1d": (1,), "conv2d": (2,), "conv3d": (3,)}
    family = "conv"
    counts_toward_depth = True
    keys = {
        "out": Key(optional(positive_int), None, "output channels (default: input channels)"),
        "kernel": Key(sizes, doc="kernel size"),
        "stride": Key(sizes, 1, "stride"),
        "padding": Key(padding, 0, "zero padding"),
        "dilation": Key(sizes, 1, "dilation"),
        "groups": Key(groups_kind, 1, "channel groups"),
        "bias": Key(boolean, True, "learned bias per output channel"),
        "rounding": Key(ROUNDING, "exact", "what to do when the output size is not an integer"),
        "channels_last_linear": Key(boolean, False, "a 1×1 convolution the reference code runs as nn.Linear "
                                                    "on channels-last features (what counting tools see)"),
    }

    def group_count(self, channels):
        return channels if self.groups == "depthwise" else np.full_like(channels, self.groups)

    def out_channels(self, channels):
        return channels if self.out is None else np.full_like(channels, self.out)

    def geometry(self, dims: int) -> tuple:
        """(kernel, stride, dilation), one entry per spatial axis."""
        return (per_axis(self.kernel, dims, "kernel"), per_axis(self.stride, dims, "stride"),
                per_axis(self.dilation, dims, "dilation"))

    def output_shape(self, inputs):
        (shape,) = inputs
        dims = expect_feature_map(self, shape)
        channels = shape[0]
        groups, out = self.group_count(channels), self.out_channels(channels)
        check_groups(channels, out, groups)
        kernel, stride, dilation = self.geometry(dims)
        padded = self.padding not in ("same", "valid") and any(np.atleast_1d(self.padding))
        if self.channels_last_linear and (set(kernel + stride + dilation) != {1} or padded or np.any(groups != 1)):
            raise rule_error("E203", "channels_last_linear applies to a 1×1 convolution with stride 1, no padding, "
                                     "no dilation and one group (an nn.Linear over the channels)")
        return (out, *sliding_output(shape[1:], kernel, stride, dilation, self.padding, self.rounding))

    def param_counts(self, inputs):
        channels = inputs[0][0]
        out = self.out_channels(channels)
        kernel, _, _ = self.geometry(len(inputs[0]) - 1)
        weights = product(out, channels // self.group_count(channels), *kernel)
        biases = out if self.bias else 0
        return ParamCounts(trainable=weights + biases, weights=weights)

    def macs(self, inputs, output):
        channels = inputs[0][0]
        kernel, _, _ = self.geometry(len(inputs[0]) - 1)
        return product(*output, channels // self.group_count(channels), *kernel)

    def window(self, inputs):
        spatial = inputs[0][1:]
        kernel, stride, dilation = self.geometry(len(spatial))
        kernel_eff = tuple(effective_kernel(k, d) for k, d in zip(kernel, dilation))
        return Window(kernel_eff, stride, leading_padding(self.padding, spatial, kernel, stride, dilation))

    def init_params(self, input_shapes, rng):
        channels, *spatial = input_shapes[0]
        kernel, _, _ = self.geometry(len(spatial))
        out = channels if self.out is None else self.out
        groups = channels if self.groups == "depthwise" else self.groups
        fan_in = channels // groups * int(np.prod(kernel))
        params = {"weight": weights(rng, (out, channels // groups, *kernel), fan_in)}
        if self.bias:
            params["bias"] = uniform(rng, (out,), 0.1)
        return params

    def forward(self, inputs, params):
        (x,) = inputs
        spatial = x.shape[2:]
        kernel, stride, dilation = self.geometry(len(spatial))
        pads = concrete_padding(self.padding, spatial, kernel, stride, dilation)
        if self.rounding == "ceil":
            pads = [(before, after + ceil_extra(size, effective_kernel(k, d), s, before, after))
                    for size, k, s, d, (before, after) in zip(spatial, kernel, stride, dilation, pads)]
        return kernels.conv(x, params["weight"], params.get("bias"), stride=stride, padding=pads,
                            dilation=dilation, groups=x.shape[1] if self.groups == "depthwise" else self.groups,
                            max_bytes=scratch_bytes.get())

    def describe(self, dims=None):
        text = describe_window(self.kernel, self.stride, self.padding, self.dilation, dims)
        if self.groups == "depthwise":
            text += " dw"
        elif self.groups != 1:
            text += f" g{self.groups}"
        return text

    def saved_for_backward(self, inputs, output, in_place=False):
        """convolution_backward needs the input (for the weight gradient) and the weight."""
        kernel, stride, dilation = self.geometry(len(inputs[0]) - 1)
        kernel_eff = tuple(effective_kernel(k, d) for k, d in zip(kernel, dilation))
        return [window_input(inputs[0], self.padding, kernel_eff, stride), SAVED_WEIGHTS]

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): MACs, and one add per output when biased."""
        channels = inputs[0][0]
        groups = self.group_count(channels)
        kernel, _, _ = self.geometry(len(inputs[0]) - 1)
        kind = ("depthwise conv" if np.all((groups == channels) & (channels > 1)) else
                "grouped conv" if np.all(groups > 1) else
                "pointwise conv" if all(k == 1 for k in kernel) else "conv")
        op = "linear" if self.channels_last_linear else "conv"
        return counted(op, kind, macs=self.macs(inputs, output), bias_adds=product(*output) if self.bias else 0)


@register
class FullyConnected(Layer):
    """Fully connected (linear, dense) layer on a flat vector: in → out.

    Weights in·out plus out biases. MACs in·out. A feature map is an error: write ``flatten``
    first, so the spec says where the feature map becomes a vector.
    Example: ``fc: {out: 4096}``.
    """

    type_name = "fc"
    aliases = ("linear", "dense", "fully_connected")
    family = "fc"
    counts_toward_depth = True
    keys = {
        "out": Key(positive_int, doc="output features"),
        "bias": Key(boolean, True, "learned bias per output"),
    }

    def output_shape(self, inputs):
        (shape,) = inputs
        expect_rank(self, shape, 1)
        return (np.full_like(shape[0], self.out),)

    def param_counts(self, inputs):
        features = inputs[0][0]
        weights = product(features, self.out)
        return ParamCounts(trainable=weights + (self.out if self.bias else 0), weights=weights)

    def macs(self, inputs, output):
        return product(inputs[0][0], self.out)

    def window(self, inputs):
        return Window(kernel=None)

    def init_params(self, input_shapes, rng):
        features = input_shapes[0][0]
        params = {"weight": weights(rng, (self.out, features), features)}
        if self.bias:
            params["bias"] = uniform(rng, (self.out,), 0.1)
        return params

    def forward(self, inputs, params):
        return kernels.linear(inputs[0], params["weight"], params.get("bias"))

    def saved_for_backward(self, inputs, output, in_place=False):
        """addmm keeps its input (for the weight gradient) and the weight (for the input's)."""
        return [saved_input(), SAVED_WEIGHTS]

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): MACs, and one add per output when biased."""
        return counted("linear", "fc", macs=self.macs(inputs, output), bias_adds=self.out if self.bias else 0)


@json_schema({"anyOf": [INTEGER_0, {"type": "array", "items": INTEGER_0, "minItems": 1, "maxItems": 3}]})
def offsets(value):
    """an integer ≥ 0 for every spatial dimension, or a list of one per dimension"""
    if isinstance(value, list):
        if not 1 <= len(value) <= 3:
            raise ValueError(f"expected an integer or a list of 1 to 3 integers, got a list of {len(value)}")
        return tuple(non_negative_int(v) for v in value)
    return non_negative_int(value)


@register
class ConvTranspose(Layer):
    """Transposed convolution ("deconvolution", "up-convolution") in 1, 2 or 3 spatial dimensions.

    Output per axis, as PyTorch: (in − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1.
    Weights C_in·(out/groups)·∏kernel, plus out biases. MACs C_in·∏input·(out/groups)·∏kernel: every
    input element meets every kernel tap (what PyTorch-based counters report). ``conv_transpose1d``,
    ``conv_transpose2d``, ``conv_transpose3d`` (PyTorch's ``ConvTranspose2d``, Keras's
    ``Conv2DTranspose``) also check the input's rank.
    Example: ``conv_transpose: {out: 64, kernel: 2, stride: 2}`` (U-Net's 2×2 up-convolution).
    """

    type_name = "conv_transpose"
    aliases = ("deconv", "upconv")
    rank_aliases = {"conv_transpose1d": (1,), "conv_transpose2d": (2,), "conv_transpose3d": (3,),
                    "conv1d_transpose": (1,), "conv2d_transpose": (2,), "conv3d_transpose": (3,)}
    family = "conv"
    counts_toward_depth = True
    keys = {
        "out": Key(optional(positive_int), None, "output channels (default: input channels)"),
        "kernel": Key(sizes, doc="kernel size"),
        "stride": Key(sizes, 1, "stride (the up-sampling factor)"),
        "padding": Key(offsets, 0, "removed from both ends of each axis"),
        "output_padding": Key(offsets, 0, "added at the end of each axis (less than the stride or dilation)"),
        "dilation": Key(sizes, 1, "dilation"),
        "groups": Key(positive_int, 1, "channel groups"),
        "bias": Key(boolean, True, "learned bias per output channel"),
    }

    def out_channels(self, channels):
        return channels if self.out is None else np.full_like(channels, self.out)

    def geometry(self, dims: int) -> dict:
        """Every setting with one entry per spatial axis."""
        return {key: per_axis(getattr(self, key), dims, key)
                for key in ("kernel", "stride", "padding", "output_padding", "dilation")}

    def output_shape(self, inputs):
        (shape,) = inputs
        g = self.geometry(expect_feature_map(self, shape))
        channels, out = shape[0], self.out_channels(shape[0])
        check_groups(channels, out, np.full_like(channels, self.groups))
        sizes_out = []
        for size, k, s, p, extra, d in zip(shape[1:], g["kernel"], g["stride"], g["padding"], g["output_padding"],
                                           g["dilation"]):
            if extra >= max(s, d):
                raise rule_error("E203", f"output_padding {extra} must be smaller than the stride {s} or the "
                                         f"dilation {d}")
            length = (size - 1) * s - 2 * p + d * (k - 1) + extra + 1
            if (length < 1).any():
                i = int(np.argmax(length < 1))
                raise rule_error("E302", f"output ({int(size[i])} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {extra} + 1 = "
                                         f"{int(length[i])} is not a positive size")
            sizes_out.append(length)
        return (out, *sizes_out)

    def param_counts(self, inputs):
        channels = inputs[0][0]
        out = self.out_channels(channels)
        weights = product(channels, out // self.groups, *self.geometry(len(inputs[0]) - 1)["kernel"])
        return ParamCounts(trainable=weights + (out if self.bias else 0), weights=weights)

    def macs(self, inputs, output):
        kernel = self.geometry(len(inputs[0]) - 1)["kernel"]
        return product(*inputs[0], output[0] // self.groups, *kernel)

    def window(self, inputs):
        """Up-sampling by the stride s: neighbouring outputs are 1/s input pixels apart. An output
        receives the taps t with t·d ≡ its phase (mod s): at most ceil(k·g/s) of them, g = gcd(d, s),
        d/g input pixels apart. The first output's field is centred on input (p − d·(k − 1)/2)/s."""
        g = self.geometry(len(inputs[0]) - 1)
        kernel, stride, pad_before = [], [], []
        for k, s, p, d in zip(g["kernel"], g["stride"], g["padding"], g["dilation"]):
            common = gcd(d, s)
            extent = (-(-k * common // s) - 1) * (d // common) + 1
            kernel.append(extent)
            stride.append(Fraction(1, s))
            pad_before.append(Fraction(extent - 1, 2) - Fraction(2 * p - d * (k - 1), 2 * s))
        return Window(tuple(kernel), tuple(stride), tuple(pad_before))

    def init_params(self, input_shapes, rng):
        channels, *spatial = input_shapes[0]
        kernel = self.geometry(len(spatial))["kernel"]
        out = channels if self.out is None else self.out
        params = {"weight": weights(rng, (channels, out // self.groups, *kernel),
                                    channels // self.groups * int(np.prod(kernel)))}
        if self.bias:
            params["bias"] = uniform(rng, (out,), 0.1)
        return params

    def forward(self, inputs, params):
        g = self.geometry(inputs[0].ndim - 2)
        return kernels.conv_transpose(inputs[0], params["weight"], params.get("bias"), stride=g["stride"],
                                      padding=g["padding"], output_padding=g["output_padding"],
                                      dilation=g["dilation"], groups=self.groups)

    def describe(self, dims=None):
        text = describe_window(self.kernel, self.stride, self.padding, self.dilation, dims)
        if self.output_padding:
            text += f" op{describe_sizes(self.output_padding)}"
        return text + (f" g{self.groups}" if self.groups != 1 else "")

    def saved_for_backward(self, inputs, output, in_place=False):
        """The transposed convolution's backward is convolution_backward: it keeps the input and the weight."""
        return [saved_input(), SAVED_WEIGHTS]

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): PyTorch's ConvTranspose; one add per output when biased."""
        channels, *spatial = output
        return counted("conv_transpose", "transposed conv", macs=self.macs(inputs, output),
                       bias_adds=product(*output) if self.bias else 0,
                       params_at_output_positions=product(self.param_counts(inputs).trainable, *spatial))
