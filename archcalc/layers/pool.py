"""Pooling layers in 1, 2 or 3 spatial dimensions: no parameters, no MACs; their work is counted as
window reads."""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..backward import own, saved_input, window_input
from ..counting import counted
from .base import (NO_ARITHMETIC, GLOBAL, Key, Layer, Window, boolean, elements, expect_feature_map, optional,
                   padding, product, register, rule_error, sizes, ROUNDING)
from .runtime import concrete_padding
from .window import (AXIS_NAMES, describe_extent, describe_window, effective_kernel, leading_padding, padding_pairs,
                     per_axis, resolve_padding, sliding_output)

WINDOW_READS = {"window_reads": "pooling: output elements × window size (the lectures' pool 'flop')"}


def window_keys(padding_doc: str, **extra: Key) -> dict:
    """The keys max and average pooling share, plus their own."""
    return {
        "kernel": Key(sizes, doc="window size"),
        "stride": Key(optional(sizes), None, "stride (default: the kernel size)"),
        "padding": Key(padding, 0, padding_doc),
        **extra,
        "rounding": Key(ROUNDING, "exact", "what to do when the output size is not an integer"),
    }


class _WindowPool(Layer):
    family = "pool"
    free_of = NO_ARITHMETIC
    other_op_labels = WINDOW_READS
    dilation = 1

    def geometry(self, dims: int) -> tuple:
        """(kernel, stride, dilation), one entry per spatial axis; the stride defaults to the kernel."""
        kernel = per_axis(self.kernel, dims, "kernel")
        stride = kernel if self.stride is None else per_axis(self.stride, dims, "stride")
        return kernel, stride, per_axis(self.dilation, dims, "dilation")

    def kept_input(self, inputs):
        """The input a window kernel keeps (or the padded copy when the padding is lopsided)."""
        kernel, stride, dilation = self.geometry(len(inputs[0]) - 1)
        kernel_eff = tuple(effective_kernel(k, d) for k, d in zip(kernel, dilation))
        return window_input(inputs[0], self.padding, kernel_eff, stride)

    def output_shape(self, inputs):
        (shape,) = inputs
        dims = expect_feature_map(self, shape)
        kernel, stride, dilation = self.geometry(dims)
        if not isinstance(self.padding, str):
            # A window lying wholly in the padding would pool nothing; PyTorch refuses it too.
            for (before, after), k, axis in zip(padding_pairs(self.padding, dims), kernel, AXIS_NAMES[dims]):
                if 2 * max(before, after) > k:
                    raise rule_error("E203", f"{self.type_name} padding {max(before, after)} along {axis} is more "
                                             f"than half the window {k}: some windows would hold only padding")
        return (shape[0], *sliding_output(shape[1:], kernel, stride, dilation, self.padding, self.rounding))

    def other_ops(self, inputs, output):
        kernel, _, _ = self.geometry(len(output) - 1)
        return {"window_reads": product(*output, *kernel)}

    def window(self, inputs):
        spatial = inputs[0][1:]
        kernel, stride, dilation = self.geometry(len(spatial))
        kernel_eff = tuple(effective_kernel(k, d) for k, d in zip(kernel, dilation))
        return Window(kernel_eff, stride, leading_padding(self.padding, spatial, kernel, stride, dilation))

    def describe(self, dims=None):
        stride = self.kernel if self.stride is None else self.stride
        return describe_window(self.kernel, stride, self.padding, self.dilation, dims)

    def forward_geometry(self, x) -> dict:
        """Kernel arguments for input ``x``: explicit padding, and ceil mode for ``rounding: ceil``
        (floor and exact both run the floor formula; exact inputs divide evenly)."""
        kernel, stride, dilation = self.geometry(x.ndim - 2)
        pads = concrete_padding(self.padding, x.shape[2:], kernel, stride, dilation)
        return {"kernel": kernel, "stride": stride, "padding": pads, "ceil_mode": self.rounding == "ceil"}


@register
class MaxPool(_WindowPool):
    """Max pooling over windows of ∏kernel elements; stride defaults to the kernel size.

    Padding is implicit −∞ (it never wins). ``rounding: ceil`` is PyTorch's ``ceil_mode=True``.
    ``maxpool1d`` / ``maxpool2d`` / ``maxpool3d`` (PyTorch's ``MaxPool2d``, Keras's ``MaxPooling2D``)
    also check the input's rank.
    Example: ``maxpool: {kernel: 3, stride: 2}`` (AlexNet's overlapping pooling).
    """

    type_name = "maxpool"
    aliases = ("pool",)
    rank_aliases = {"maxpool1d": (1,), "maxpool2d": (2,), "maxpool3d": (3,),
                    "maxpooling1d": (1,), "maxpooling2d": (2,), "maxpooling3d": (3,)}
    keys = window_keys(padding_doc="implicit −∞ padding", dilation=Key(sizes, 1, "dilation"))

    def forward(self, inputs, params):
        y, _window_reads = kernels.max_pool(inputs[0], dilation=self.geometry(inputs[0].ndim - 2)[2],
                                            **self.forward_geometry(inputs[0]))
        return y, 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """max_pool2d_with_indices keeps its input and the int64 index of each maximum."""
        return [self.kept_input(inputs), own("indices of the maxima", elements(output), "int64")]

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): a max pool over its windows."""
        return counted("max_pool", "pool")


@register
class AvgPool(_WindowPool):
    """Average pooling over windows of ∏kernel elements; stride defaults to the kernel size.

    ``count_include_pad`` (PyTorch's default true) divides by the full window including zero padding.
    ``avgpool1d`` / ``avgpool2d`` / ``avgpool3d`` (PyTorch's ``AvgPool2d``, Keras's
    ``AveragePooling2D``) also check the input's rank.
    Example: ``avgpool: {kernel: 3, stride: 1, padding: 1}``.
    """

    type_name = "avgpool"
    aliases = ("averagepool",)
    rank_aliases = {"avgpool1d": (1,), "avgpool2d": (2,), "avgpool3d": (3,),
                    "averagepooling1d": (1,), "averagepooling2d": (2,), "averagepooling3d": (3,)}
    keys = window_keys(padding_doc="zero padding",
                       count_include_pad=Key(boolean, True, "divide by the window size including padding"))

    def forward(self, inputs, params):
        y, _window_reads = kernels.avg_pool(inputs[0], count_include_pad=self.count_include_pad,
                                            **self.forward_geometry(inputs[0]))
        return y, 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """avg_pool2d_backward takes the input (derivatives.yaml), so autograd keeps it."""
        return [self.kept_input(inputs)]

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): ``averaged_elements`` is the sum of the divisors —
        window cells inside the input (and its zero padding when ``count_include_pad``)."""
        channels, *sizes = inputs[0]
        kernel, stride, _ = self.geometry(len(sizes))
        pads = resolve_padding(self.padding, sizes, kernel, stride)
        cells = np.ones_like(channels)
        for size, out, k, step, (before, after) in zip(sizes, output[1:], kernel, stride, pads):
            start = np.arange(int(np.max(out)))[:, None] * step - before[None, :]
            low, high = (-before, size + after) if self.count_include_pad else (size * 0, size)
            covered = np.clip(np.minimum(start + k, high[None, :]) - np.maximum(start, low[None, :]), 0, None)
            covered = np.where(np.arange(covered.shape[0])[:, None] < out[None, :], covered, 0)
            cells = cells * covered.sum(axis=0)
        return counted("avg_pool", "pool", averaged_elements=product(channels, cells))


class _GlobalPool(Layer):
    family = "pool"
    free_of = NO_ARITHMETIC
    other_op_labels = WINDOW_READS
    keys = {}

    def output_shape(self, inputs):
        (shape,) = inputs
        expect_feature_map(self, shape)
        one = np.ones_like(shape[0])
        return (shape[0], *(one for _ in shape[1:]))

    def other_ops(self, inputs, output):
        return {"window_reads": product(*inputs[0])}

    def window(self, inputs):
        return GLOBAL

    def describe(self, dims=None):
        return "global"


@register
class GlobalAvgPool(_GlobalPool):
    """Average of each channel over the whole map: C×H×W → C×1×1 (GoogLeNet, ResNet heads);
    likewise C×L → C×1 and C×D×H×W → C×1×1×1."""

    type_name = "global_avgpool"
    aliases = ("gap", "adaptive_avgpool_1")
    rank_aliases = {"globalaveragepooling1d": (1,), "globalaveragepooling2d": (2,), "globalaveragepooling3d": (3,)}

    def forward(self, inputs, params):
        return kernels.global_avg_pool(inputs[0])[0], 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """adaptive_avg_pool2d to 1×1 is computed as a mean, which keeps only sizes."""
        return []

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): PyTorch's AdaptiveAvgPool2d((1, 1)), or x.mean."""
        return counted("adaptive_avg_pool", "pool", averaged_elements=product(*inputs[0]))


@register
class GlobalMaxPool(_GlobalPool):
    """Maximum of each channel over the whole map: C×H×W → C×1×1 (any number of spatial axes)."""

    type_name = "global_maxpool"
    rank_aliases = {"globalmaxpooling1d": (1,), "globalmaxpooling2d": (2,), "globalmaxpooling3d": (3,)}

    def forward(self, inputs, params):
        return kernels.global_max_pool(inputs[0])[0], 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """adaptive_max_pool2d keeps its input and the int64 index of each channel's maximum."""
        return [saved_input(), own("indices of the maxima", elements(output), "int64")]

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): PyTorch's AdaptiveMaxPool2d((1, 1))."""
        return counted("adaptive_max_pool", "pool")


@register
class AdaptiveAvgPool(Layer):
    """PyTorch's adaptive average pooling to a fixed output size, in 1, 2 or 3 spatial dimensions.

    Output window i spans input positions floor(i·L/out) to ceil((i+1)·L/out) along each axis;
    when L is a multiple of the output size this is plain pooling with kernel = stride = L/out,
    and an identity when equal. ``adaptive_avgpool1d/2d/3d`` (PyTorch's ``AdaptiveAvgPool2d``)
    also check the input's rank.
    Example: ``adaptive_avgpool: {size: 6}`` (torchvision's AlexNet).
    """

    type_name = "adaptive_avgpool"
    rank_aliases = {"adaptive_avgpool1d": (1,), "adaptive_avgpool2d": (2,), "adaptive_avgpool3d": (3,)}
    family = "pool"
    free_of = NO_ARITHMETIC
    other_op_labels = WINDOW_READS
    keys = {"size": Key(sizes, doc="output size (one integer for every spatial axis, or one per axis)")}

    def output_shape(self, inputs):
        (shape,) = inputs
        dims = expect_feature_map(self, shape)
        return (shape[0], *(np.full_like(size, out) for size, out in zip(shape[1:], per_axis(self.size, dims, "size"))))

    @staticmethod
    def window_lengths(size, out):
        """Sum over output positions of each adaptive window's length, per configuration."""
        index = np.arange(out)[:, None]
        start = (index * size[None, :]) // out
        end = -((-(index + 1) * size[None, :]) // out)
        return (end - start).sum(axis=0), end - start

    def other_ops(self, inputs, output):
        channels, *spatial = inputs[0]
        lengths = [self.window_lengths(size, out)[0]
                   for size, out in zip(spatial, per_axis(self.size, len(spatial), "size"))]
        return {"window_reads": product(channels, *lengths)}

    def window(self, inputs):
        spatial = inputs[0][1:]
        targets = per_axis(self.size, len(spatial), "size")
        kernel = tuple(int(np.max(self.window_lengths(s, o)[1])) for s, o in zip(spatial, targets))
        stride = tuple(max(int(np.max(s)) // o, 1) for s, o in zip(spatial, targets))
        return Window(kernel, stride, (0,) * len(spatial))

    def forward(self, inputs, params):
        return kernels.adaptive_avg_pool(inputs[0], per_axis(self.size, inputs[0].ndim - 2, "size")), 0

    def describe(self, dims=None):
        return f"→{describe_extent(self.size, dims)}"

    def saved_for_backward(self, inputs, output, in_place=False):
        """_adaptive_avg_pool2d keeps its input; to 1×1 PyTorch computes a mean instead, which keeps nothing."""
        targets = per_axis(self.size, len(inputs[0]) - 1, "size")
        return [] if all(t == 1 for t in targets) else [saved_input()]

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): the cells its windows average, overlaps included."""
        return counted("adaptive_avg_pool", "pool", averaged_elements=self.other_ops(inputs, output)["window_reads"])
