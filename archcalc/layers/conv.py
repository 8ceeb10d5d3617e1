"""Convolution and fully connected layers: the only layers that count MACs."""

from __future__ import annotations

import numpy as np

from .. import kernels
from .base import (INTEGER_1, Key, Layer, ParamCounts, Window, boolean, expect_feature_map, expect_rank, json_schema,
                   optional, padding, positive_int, product, register, rule_error, sizes, ROUNDING)
from .runtime import ceil_extra, concrete_padding, scratch_bytes, uniform, weights
from .window import describe_window, effective_kernel, leading_padding, per_axis, sliding_output


@json_schema({"anyOf": [INTEGER_1, {"const": "depthwise"}]})
def groups_kind(value):
    """an integer ≥ 1, or 'depthwise' (one group per input channel)"""
    if value == "depthwise":
        return value
    return positive_int(value)


@register
class Conv(Layer):
    """Convolution in 1, 2 or 3 spatial dimensions: C_in×H×W → out×H'×W' (likewise C×L, C×D×H×W).

    Weights out·(C_in/groups)·∏kernel, plus out biases when ``bias`` is on.
    MACs ∏output·(C_in/groups)·∏kernel. ``groups: depthwise`` gives one group per input
    channel (MobileNet); ``out`` defaults to the input channels. ``conv1d``, ``conv2d`` and
    ``conv3d`` (PyTorch's ``Conv2d``, Keras's ``Conv2D``) also check the input's rank.
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
        for what, count in (("input", channels), ("output", out)):
            if (count % groups).any():
                i = int(np.argmax(count % groups != 0))
                raise rule_error("E304", f"{what} channels {int(count[i])} are not divisible by groups={int(groups[i])}")
        kernel, stride, dilation = self.geometry(dims)
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
