"""Convolution and fully connected layers: the only layers that count MACs."""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..counting import counted
from .base import (INTEGER_1, Key, Layer, json_schema, ParamCounts, Window, expect_rank, optional, pair, padding,
                   positive_int, product, register, boolean, rule_error, ROUNDING)
from .runtime import ceil_extra, concrete_padding, scratch_bytes, uniform, weights
from .window import describe_window, effective_kernel, resolve_padding, sliding_output


@json_schema({"anyOf": [INTEGER_1, {"const": "depthwise"}]})
def groups_kind(value):
    """an integer ≥ 1, or 'depthwise' (one group per input channel)"""
    if value == "depthwise":
        return value
    return positive_int(value)


@register
class Conv(Layer):
    """2-D convolution: C_in×H×W → out×H'×W'.

    Weights out·(C_in/groups)·k_h·k_w, plus out biases when ``bias`` is on.
    MACs H'·W'·out·(C_in/groups)·k_h·k_w. ``groups: depthwise`` gives one group per input
    channel (MobileNet); ``out`` defaults to the input channels.
    Example: ``conv: {out: 64, kernel: 3, padding: 1}``.
    """

    type_name = "conv"
    aliases = ("conv2d", "convolution")
    family = "conv"
    keys = {
        "out": Key(optional(positive_int), None, "output channels (default: input channels)"),
        "kernel": Key(pair, doc="kernel size"),
        "stride": Key(pair, (1, 1), "stride"),
        "padding": Key(padding, (0, 0, 0, 0), "zero padding"),
        "dilation": Key(pair, (1, 1), "dilation"),
        "groups": Key(groups_kind, 1, "channel groups"),
        "bias": Key(boolean, True, "learned bias per output channel"),
        "rounding": Key(ROUNDING, "exact", "what to do when the output size is not an integer"),
    }

    def group_count(self, channels):
        return channels if self.groups == "depthwise" else np.full_like(channels, self.groups)

    def out_channels(self, channels):
        return channels if self.out is None else np.full_like(channels, self.out)

    def output_shape(self, inputs):
        (shape,) = inputs
        expect_rank(self, shape, 3)
        channels, height, width = shape
        groups, out = self.group_count(channels), self.out_channels(channels)
        for what, count in (("input", channels), ("output", out)):
            if (count % groups).any():
                i = int(np.argmax(count % groups != 0))
                raise rule_error("E304", f"{what} channels {int(count[i])} are not divisible by groups={int(groups[i])}")
        out_h, out_w, _ = sliding_output(self, height, width, self.kernel, self.stride,
                                         self.dilation, self.padding, self.rounding)
        return out, out_h, out_w

    def param_counts(self, inputs):
        channels = inputs[0][0]
        out = self.out_channels(channels)
        weights = product(out, channels // self.group_count(channels), *self.kernel)
        biases = out if self.bias else 0
        return ParamCounts(trainable=weights + biases, weights=weights)

    def macs(self, inputs, output):
        channels = inputs[0][0]
        return product(*output, channels // self.group_count(channels), *self.kernel)

    def window(self, inputs):
        _, height, width = inputs[0]
        kernel_eff = tuple(effective_kernel(k, d) for k, d in zip(self.kernel, self.dilation))
        top, _, left, _ = resolve_padding(self.padding, height, width, kernel_eff, self.stride)
        return Window(kernel_eff, self.stride, (top, left))

    def init_params(self, input_shapes, rng):
        channels = input_shapes[0][0]
        out = channels if self.out is None else self.out
        groups = channels if self.groups == "depthwise" else self.groups
        fan_in = channels // groups * self.kernel[0] * self.kernel[1]
        params = {"weight": weights(rng, (out, channels // groups, *self.kernel), fan_in)}
        if self.bias:
            params["bias"] = uniform(rng, (out,), 0.1)
        return params

    def forward(self, inputs, params):
        (x,) = inputs
        _, channels, height, width = x.shape
        top, bottom, left, right = concrete_padding(self.padding, height, width, self.kernel, self.stride,
                                                    self.dilation)
        if self.rounding == "ceil":
            kernel_eff = [effective_kernel(k, d) for k, d in zip(self.kernel, self.dilation)]
            bottom += ceil_extra(height, kernel_eff[0], self.stride[0], top, bottom)
            right += ceil_extra(width, kernel_eff[1], self.stride[1], left, right)
        return kernels.conv2d(x, params["weight"], params.get("bias"), stride=self.stride,
                              padding=(top, bottom, left, right), dilation=self.dilation,
                              groups=channels if self.groups == "depthwise" else self.groups,
                              max_bytes=scratch_bytes.get())

    def describe(self):
        text = describe_window(self.kernel, self.stride, self.padding, self.dilation)
        if self.groups == "depthwise":
            text += " dw"
        elif self.groups != 1:
            text += f" g{self.groups}"
        return text

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): MACs, and one add per output when biased."""
        channels = inputs[0][0]
        groups = self.group_count(channels)
        kind = ("depthwise conv" if np.all((groups == channels) & (channels > 1)) else
                "grouped conv" if np.all(groups > 1) else
                "pointwise conv" if all(k == 1 for k in self.kernel) else "conv")
        return counted("conv", kind, macs=self.macs(inputs, output),
                       bias_adds=product(*output) if self.bias else 0)


@register
class FullyConnected(Layer):
    """Fully connected (linear, dense) layer on a flat vector: in → out.

    Weights in·out plus out biases. MACs in·out. A C×H×W input is an error: write ``flatten``
    first, so the spec says where the feature map becomes a vector.
    Example: ``fc: {out: 4096}``.
    """

    type_name = "fc"
    aliases = ("linear", "dense", "fully_connected")
    family = "fc"
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

    def describe(self):
        return ""

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): MACs, and one add per output when biased."""
        return counted("linear", "fc", macs=self.macs(inputs, output), bias_adds=self.out if self.bias else 0)
