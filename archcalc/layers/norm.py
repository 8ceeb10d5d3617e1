"""Normalisation layers."""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..backward import own, saved_input
from ..counting import counted
from .base import (NO_ARITHMETIC, Key, Layer, ParamCounts, boolean, elements, number, positive_int, product,
                   register, rule_error, show_shape)
from .runtime import uniform


NORMALIZATION = {"normalization": "normalisation arithmetic at inference, per output element: batch norm 2, "
                                   "LRN its window size, layer/group/instance norm 5 (+2 when affine; instance "
                                   "norm with running statistics 2)"}


@register
class BatchNorm(Layer):
    """Batch normalisation over channels (or features of a flat vector), any spatial rank.

    Trainable: scale and shift, 2 per channel when ``affine``; ``scale: false`` drops the scale
    (Keras ``BatchNormalization(scale=False)``: only the shift β is learned, 1 per channel).
    Buffers (not trainable): running mean and variance, 2 per channel. At inference it is
    x·a + b: 2 ops per element.
    ``bn1d`` (a vector or C×L), ``bn2d`` and ``bn3d`` (PyTorch's ``BatchNorm2d``) also check the rank.
    Example: ``bn`` or ``bn: {eps: 0.001}`` or ``bn: {scale: false}``.
    """

    type_name = "bn"
    aliases = ("batchnorm", "batch_normalization")
    rank_aliases = {"bn1d": (0, 1), "bn2d": (2,), "bn3d": (3,),
                    "batchnorm1d": (0, 1), "batchnorm2d": (2,), "batchnorm3d": (3,)}
    family = "norm"
    free_of = frozenset({"macs"})
    other_op_labels = NORMALIZATION
    keys = {
        "eps": Key(number, 1e-5, "added to the variance"),
        "affine": Key(boolean, True, "learn a scale and shift per channel"),
        "scale": Key(boolean, True, "learn the scale γ (false: shift β only, as Keras scale=False)"),
    }

    def output_shape(self, inputs):
        return inputs[0]

    def param_counts(self, inputs):
        channels = inputs[0][0]
        learned = (2 if self.scale else 1) if self.affine else 0
        return ParamCounts(trainable=learned * channels, buffers=2 * channels)

    def other_ops(self, inputs, output):
        return {"normalization": 2 * elements(output)}

    def init_params(self, input_shapes, rng):
        channels = input_shapes[0][0]
        params = {"running_mean": uniform(rng, (channels,), 0.1),
                  "running_var": 1 + uniform(rng, (channels,), 0.5)}
        if self.affine and self.scale:
            params["scale"] = 1 + uniform(rng, (channels,), 0.5)
        if self.affine:
            params["shift"] = uniform(rng, (channels,), 0.1)
        return params

    def forward(self, inputs, params):
        mean = params["running_mean"]
        scale = params.get("scale", np.ones_like(mean))
        shift = params.get("shift", np.zeros_like(mean))
        return kernels.batch_norm(inputs[0], mean, params["running_var"], scale, shift, self.eps), 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """native_batch_norm (the CPU kernel) keeps its input and the batch's mean and inverse standard
        deviation per channel, in fp32 (cuDNN keeps the same plus an empty reserve)."""
        return [saved_input(), own("batch mean and inverse std", 2 * inputs[0][0], "fp32", per_sample=False)]

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): elements normalised, and again when affine."""
        return counted("batch_norm", "norm", affine_elements=elements(output) if self.affine else 0)


@register
class LocalResponseNorm(Layer):
    """Local response normalisation across ``size`` neighbouring channels (AlexNet's NORM layers).

    b = a / (k + α/size · Σ a²)^β over the channel window (PyTorch's convention for α).
    No parameters. Counted as ``size`` squares-and-adds per element.
    Example: ``lrn: {size: 5, alpha: 0.0001, beta: 0.75, k: 2}``.
    """

    type_name = "lrn"
    aliases = ("norm", "local_response_norm")
    family = "norm"
    free_of = NO_ARITHMETIC
    other_op_labels = NORMALIZATION
    keys = {
        "size": Key(positive_int, 5, "channels in the normalisation window"),
        "alpha": Key(number, 1e-4, "scale"),
        "beta": Key(number, 0.75, "exponent"),
        "k": Key(number, 2.0, "additive constant"),
    }

    def output_shape(self, inputs):
        return inputs[0]

    def other_ops(self, inputs, output):
        return {"normalization": product(elements(output), self.size)}

    def forward(self, inputs, params):
        (x,) = inputs
        as_map = x.reshape(*x.shape, 1, 1) if x.ndim == 2 else x   # a flat vector: F channels of 1×1
        y = kernels.local_response_norm(as_map, self.size, self.alpha, self.beta, self.k)
        return y.reshape(x.shape), 0

    def describe(self, dims=None):
        return f"size {self.size}"

    def saved_for_backward(self, inputs, output, in_place=False):
        """PyTorch's local_response_norm is composite: x·x, pad the channels by size − 1, avg_pool3d,
        ·α + k, ^β, x ÷ that. Autograd keeps the input, the padded squares (avg_pool3d's input), the
        base of the power (pow's input) and its result (the divisor)."""
        shape = inputs[0]
        spatial = elements(shape[1:]) if len(shape) > 1 else 1
        return [saved_input(), own("padded squares", product(shape[0] + self.size - 1, spatial)),
                own("k + α·mean of squares", elements(shape)), own("divisor", elements(shape))]

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): PyTorch's LocalResponseNorm, whose functional form
        squares the input, average-pools the squares over the channels padded by size − 1, then scales
        and shifts them (``padded_elements`` is that pool's input)."""
        channels, *spatial = output
        return counted("local_response_norm", "norm", padded_elements=product(channels + self.size - 1, *spatial))


# ---- normalisation by the statistics of each sample (no running buffers) ----
# Counted under "normalization", per element of the output: 5 to normalise (an add for the mean;
# a subtract and a multiply-add for the variance; a subtract and a multiply to normalise), and 2
# more when affine (scale and shift). The one reciprocal square root per normalised group is not
# counted. docs/conventions.md states the same.

STATISTICS_OPS = 5
AFFINE_OPS = 2


class _SampleNorm(Layer):
    """What layer, group and instance norm share: shape kept, 2C learned parameters when affine."""

    family = "norm"
    free_of = frozenset({"macs"})
    other_op_labels = NORMALIZATION

    def output_shape(self, inputs):
        return inputs[0]

    def param_counts(self, inputs):
        channels = inputs[0][0]
        return ParamCounts(trainable=(2 * channels) if self.affine else 0)

    def other_ops(self, inputs, output):
        per_element = STATISTICS_OPS + (AFFINE_OPS if self.affine else 0)
        return {"normalization": product(elements(output), per_element)}

    def init_params(self, input_shapes, rng):
        if not self.affine:
            return {}
        channels = input_shapes[0][0]
        return {"scale": 1 + uniform(rng, (channels,), 0.5), "shift": uniform(rng, (channels,), 0.1)}

    def describe(self, dims=None):
        return f"eps {self.eps:g}"

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): PyTorch's norm of the same name; elements again
        when affine."""
        return counted(self.type_name, "norm", affine_elements=elements(output) if self.affine else 0)


@register
class LayerNorm(_SampleNorm):
    """Layer normalisation over the channels at every position, or over a vector's features.

    On a C×… feature map each position's C values are normalised: ConvNeXt's LayerNorm2d, and
    PyTorch's ``nn.LayerNorm(C)`` applied channels-last after a permute, compute exactly this.
    On a flat vector of F features they are normalised together. Trainable: a scale and a shift
    per channel (2C) when ``affine``. No running buffers: the statistics come from the sample.
    Example: ``layer_norm: {eps: 1.0e-6}``.
    """

    type_name = "layer_norm"
    aliases = ("layer_normalization",)
    keys = {
        "eps": Key(number, 1e-5, "added to the variance"),
        "affine": Key(boolean, True, "learn a scale and shift per channel"),
    }

    def forward(self, inputs, params):
        return kernels.layer_norm(inputs[0], params.get("scale"), params.get("shift"), self.eps), 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """native_layer_norm keeps its input and a mean and inverse std per normalised position (fp32)."""
        positions = elements(inputs[0][1:]) if len(inputs[0]) > 1 else 1
        return [saved_input(), own("mean and inverse std per position", 2 * positions, "fp32")]


@register
class GroupNorm(_SampleNorm):
    """Group normalisation: each group of channels normalised over its channels and positions.

    The channels form ``groups`` consecutive groups (PyTorch's ``nn.GroupNorm``); ``groups: 1`` normalises the whole sample; ``groups`` = C is instance norm with an affine.
    Trainable: a scale and a shift per channel (2C) when ``affine``.
    Example: ``group_norm: {groups: 32}``.
    """

    type_name = "group_norm"
    aliases = ("group_normalization",)
    keys = {
        "groups": Key(positive_int, doc="number of channel groups; must divide the channels"),
        "eps": Key(number, 1e-5, "added to the variance"),
        "affine": Key(boolean, True, "learn a scale and shift per channel"),
    }

    def output_shape(self, inputs):
        (shape,) = inputs
        channels = np.asarray(shape[0])
        if np.any(channels % self.groups):
            bad = int(channels[channels % self.groups != 0].reshape(-1)[0])
            raise rule_error("E304", f"group_norm: {bad} channels are not divisible by groups={self.groups}")
        return shape

    def describe(self, dims=None):
        return f"{self.groups} groups"

    def forward(self, inputs, params):
        x = inputs[0]
        return kernels.group_norm(x, self.groups, params.get("scale"), params.get("shift"), self.eps), 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """native_group_norm keeps its input and a mean and inverse std per group of each sample (fp32)."""
        return [saved_input(), own("mean and inverse std per group", 2 * self.groups, "fp32")]


@register
class InstanceNorm(_SampleNorm):
    """Instance normalisation: each channel of each sample normalised over its positions.

    PyTorch's ``nn.InstanceNorm1d/2d/3d`` (style transfer, GAN generators). ``affine`` defaults
    to false, as in PyTorch: no parameters unless asked for (then 2C). By default no running
    statistics are kept (PyTorch's ``track_running_stats=False``): each sample's own are used, at
    5 ops per element. With ``track_running_stats: true`` there are 2C buffers (running mean and
    variance) and inference uses them, as batch norm does: 2 ops per element, folded with the
    affine. Needs a feature map: a flat vector has one value per channel.
    Example: ``instance_norm`` or ``instance_norm: {affine: true, track_running_stats: true}``.
    """

    type_name = "instance_norm"
    #: PyTorch's class names, each checking the input's spatial rank.
    rank_aliases = {"instance_norm1d": (1,), "instance_norm2d": (2,), "instance_norm3d": (3,)}
    keys = {
        "eps": Key(number, 1e-5, "added to the variance"),
        "affine": Key(boolean, False, "learn a scale and shift per channel (PyTorch's default: no)"),
        "track_running_stats": Key(boolean, False, "keep running mean and variance and use them at inference"),
    }

    def output_shape(self, inputs):
        (shape,) = inputs
        if len(shape) < 2:
            raise rule_error("E305", f"instance_norm expects a feature map (C×L, C×H×W or C×D×H×W), "
                                     f"but received {show_shape(shape)}")
        return shape

    def param_counts(self, inputs):
        counts = super().param_counts(inputs)
        counts.buffers = 2 * inputs[0][0] if self.track_running_stats else 0
        return counts

    def other_ops(self, inputs, output):
        if self.track_running_stats:     # x·a + b with a, b from the running statistics (and affine)
            return {"normalization": product(elements(output), 2)}
        return super().other_ops(inputs, output)

    def init_params(self, input_shapes, rng):
        params = super().init_params(input_shapes, rng)
        if self.track_running_stats:
            channels = input_shapes[0][0]
            params["running_mean"] = uniform(rng, (channels,), 0.1)
            params["running_var"] = 1 + uniform(rng, (channels,), 0.5)
        return params

    def forward(self, inputs, params):
        if self.track_running_stats:
            mean = params["running_mean"]
            scale = params.get("scale", np.ones_like(mean))
            shift = params.get("shift", np.zeros_like(mean))
            return kernels.batch_norm(inputs[0], mean, params["running_var"], scale, shift, self.eps), 0
        return kernels.instance_norm(inputs[0], params.get("scale"), params.get("shift"), self.eps), 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """instance_norm is batch norm over a (1, N·C, …) view: it keeps the input, a mean and inverse
        std per channel of each sample (fp32), and with an affine the scale repeated per sample."""
        per_channel = 3 if self.affine else 2
        what = "mean, inverse std" + (" and scale" if self.affine else "") + " per channel of each sample"
        return [saved_input(), own(what, per_channel * inputs[0][0], "fp32")]
