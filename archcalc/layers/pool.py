"""Pooling layers: no parameters, no MACs; their work is counted as window reads."""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..counting import counted
from .base import (rule_error, GLOBAL, Key, Layer, Window, boolean, expect_rank, optional, pair, padding,
                   product, register, ROUNDING)
from .runtime import FLOAT, concrete_padding
from .window import describe_window, effective_kernel, resolve_padding, sliding_output


def window_keys(padding_doc: str, **extra: Key) -> dict:
    """The keys max and average pooling share, plus their own."""
    return {
        "kernel": Key(pair, doc="window size"),
        "stride": Key(optional(pair), None, "stride (default: the kernel size)"),
        "padding": Key(padding, (0, 0, 0, 0), padding_doc),
        **extra,
        "rounding": Key(ROUNDING, "exact", "what to do when the output size is not an integer"),
    }


class _WindowPool(Layer):
    family = "pool"
    dilation = (1, 1)

    def stride_or_kernel(self):
        return self.kernel if self.stride is None else self.stride

    def output_shape(self, inputs):
        (shape,) = inputs
        expect_rank(self, shape, 3)
        channels, height, width = shape
        if not isinstance(self.padding, str):
            # A window lying wholly in the padding would pool nothing; PyTorch refuses it too.
            top, bottom, left, right = self.padding
            for pad, kernel, axis in ((max(top, bottom), self.kernel[0], "height"),
                                      (max(left, right), self.kernel[1], "width")):
                if 2 * pad > kernel:
                    raise rule_error("E203", f"{self.type_name} padding {pad} along {axis} is more than half "
                                             f"the window {kernel}: some windows would hold only padding")
        out_h, out_w, _ = sliding_output(self, height, width, self.kernel, self.stride_or_kernel(),
                                         self.dilation, self.padding, self.rounding)
        return channels, out_h, out_w

    def other_ops(self, inputs, output):
        return {"window_reads": product(*output, *self.kernel)}

    def window(self, inputs):
        _, height, width = inputs[0]
        stride = self.stride_or_kernel()
        kernel_eff = tuple(effective_kernel(k, d) for k, d in zip(self.kernel, self.dilation))
        top, _, left, _ = resolve_padding(self.padding, height, width, kernel_eff, stride)
        return Window(kernel_eff, stride, (top, left))

    def describe(self):
        return describe_window(self.kernel, self.stride_or_kernel(), self.padding, self.dilation)

    def forward_geometry(self, x) -> dict:
        """Kernel arguments for input ``x``: explicit padding, and ceil mode for ``rounding: ceil``
        (floor and exact both run the floor formula; exact inputs divide evenly)."""
        stride = self.stride_or_kernel()
        padding = concrete_padding(self.padding, x.shape[2], x.shape[3], self.kernel, stride, self.dilation)
        return {"kernel": self.kernel, "stride": stride, "padding": padding, "ceil_mode": self.rounding == "ceil"}


@register
class MaxPool(_WindowPool):
    """Max pooling over k_h×k_w windows; stride defaults to the kernel size.

    Padding is implicit −∞ (it never wins). ``rounding: ceil`` is PyTorch's ``ceil_mode=True``.
    Example: ``maxpool: {kernel: 3, stride: 2}`` (AlexNet's overlapping pooling).
    """

    type_name = "maxpool"
    aliases = ("max_pool", "maxpool2d", "pool")
    keys = window_keys(padding_doc="implicit −∞ padding", dilation=Key(pair, (1, 1), "dilation"))

    def forward(self, inputs, params):
        y, _window_reads = kernels.max_pool2d(inputs[0], dilation=self.dilation, **self.forward_geometry(inputs[0]))
        return y, 0

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): a max pool over its windows."""
        return counted("max_pool", "pool", window_reads=self.other_ops(inputs, output)["window_reads"])


@register
class AvgPool(_WindowPool):
    """Average pooling over k_h×k_w windows; stride defaults to the kernel size.

    ``count_include_pad`` (PyTorch's default true) divides by the full window including zero padding.
    Example: ``avgpool: {kernel: 3, stride: 1, padding: 1}``.
    """

    type_name = "avgpool"
    aliases = ("avg_pool", "avgpool2d", "averagepool")
    keys = window_keys(padding_doc="zero padding",
                       count_include_pad=Key(boolean, True, "divide by the window size including padding"))

    def forward(self, inputs, params):
        y, _window_reads = kernels.avg_pool2d(inputs[0], count_include_pad=self.count_include_pad,
                                              **self.forward_geometry(inputs[0]))
        return y, 0

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): ``averaged_elements`` is the sum of the divisors —
        window cells inside the input (and its zero padding when ``count_include_pad``)."""
        _, *sizes = inputs[0]
        stride = self.stride_or_kernel()
        if isinstance(self.padding, str):
            pads = [(0, 0)] * len(sizes)
        else:
            pads = [self.padding[0:2], self.padding[2:4]]
        cells = np.ones_like(sizes[0])
        for size, out, kernel, step, (before, after) in zip(sizes, output[1:], self.kernel, stride, pads):
            start = np.arange(int(np.max(out)))[:, None] * step - before
            low, high = (size * 0 - before, size + after) if self.count_include_pad else (size * 0, size)
            covered = np.clip(np.minimum(start + kernel, high[None, :]) - np.maximum(start, low[None, :]), 0, None)
            covered = np.where(np.arange(covered.shape[0])[:, None] < out[None, :], covered, 0)
            cells = cells * covered.sum(axis=0)
        return counted("avg_pool", "pool", window_reads=self.other_ops(inputs, output)["window_reads"],
                       averaged_elements=product(inputs[0][0], cells))


class _GlobalPool(Layer):
    family = "pool"
    keys = {}

    def output_shape(self, inputs):
        (shape,) = inputs
        expect_rank(self, shape, 3)
        one = np.ones_like(shape[0])
        return shape[0], one, one

    def other_ops(self, inputs, output):
        return {"window_reads": product(*inputs[0])}

    def window(self, inputs):
        return GLOBAL

    def describe(self):
        return "global"


@register
class GlobalAvgPool(_GlobalPool):
    """Average of each channel over the whole map: C×H×W → C×1×1 (GoogLeNet, ResNet heads)."""

    type_name = "global_avgpool"
    aliases = ("gap", "global_avg_pool", "adaptive_avgpool_1")

    def forward(self, inputs, params):
        return kernels.global_avg_pool2d(inputs[0])[0], 0

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): PyTorch's AdaptiveAvgPool2d((1, 1)), or x.mean."""
        return counted("adaptive_avg_pool", "pool", averaged_elements=product(*inputs[0]))


@register
class GlobalMaxPool(_GlobalPool):
    """Maximum of each channel over the whole map: C×H×W → C×1×1."""

    type_name = "global_maxpool"
    aliases = ("global_max_pool",)

    def forward(self, inputs, params):
        return kernels.global_max_pool2d(inputs[0])[0], 0

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): PyTorch's AdaptiveMaxPool2d((1, 1))."""
        return counted("adaptive_max_pool", "pool")


@register
class AdaptiveAvgPool(Layer):
    """PyTorch's adaptive average pooling to a fixed output size.

    Output window i spans input rows floor(i·H/out) to ceil((i+1)·H/out); when H is a multiple of
    the output size this is plain pooling with kernel = stride = H/out, and an identity when equal.
    Example: ``adaptive_avgpool: {size: 6}`` (torchvision's AlexNet).
    """

    type_name = "adaptive_avgpool"
    family = "pool"
    keys = {"size": Key(pair, doc="output height and width")}

    def output_shape(self, inputs):
        (shape,) = inputs
        expect_rank(self, shape, 3)
        return shape[0], np.full_like(shape[1], self.size[0]), np.full_like(shape[2], self.size[1])

    @staticmethod
    def window_lengths(size, out):
        """Sum over output positions of each adaptive window's length, per configuration."""
        index = np.arange(out)[:, None]
        start = (index * size[None, :]) // out
        end = -((-(index + 1) * size[None, :]) // out)
        return (end - start).sum(axis=0), end - start

    def other_ops(self, inputs, output):
        channels, height, width = inputs[0]
        rows, _ = self.window_lengths(height, self.size[0])
        cols, _ = self.window_lengths(width, self.size[1])
        return {"window_reads": product(channels, rows, cols)}

    def window(self, inputs):
        _, height, width = inputs[0]
        kernel = tuple(int(np.max(self.window_lengths(s, o)[1])) for s, o in zip((height, width), self.size))
        stride = tuple(max(int(np.max(s)) // o, 1) for s, o in zip((height, width), self.size))
        return Window(kernel, stride, (0, 0))

    def forward(self, inputs, params):
        """PyTorch's rule, one window at a time: output row i averages input rows
        floor(i·H/out) up to (not including) ceil((i+1)·H/out); columns likewise."""
        (x,) = inputs
        n, channels, height, width = x.shape
        out_h, out_w = self.size
        y = np.empty((n, channels, out_h, out_w), dtype=FLOAT)
        for i in range(out_h):
            top, bottom = i * height // out_h, -(-(i + 1) * height // out_h)
            for j in range(out_w):
                left, right = j * width // out_w, -(-(j + 1) * width // out_w)
                y[:, :, i, j] = x[:, :, top:bottom, left:right].mean(axis=(2, 3), dtype=FLOAT)
        return y, 0

    def describe(self):
        return f"→{self.size[0]}×{self.size[1]}"

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): the cells its windows average, overlaps included."""
        return counted("adaptive_avg_pool", "pool", averaged_elements=self.other_ops(inputs, output)["window_reads"])
