"""Normalisation layers."""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..counting import counted
from .base import Key, Layer, ParamCounts, boolean, elements, number, positive_int, product, register
from .runtime import uniform


@register
class BatchNorm(Layer):
    """Batch normalisation over channels (or features of a flat vector).

    Trainable: scale and shift, 2 per channel when ``affine``; ``scale: false`` drops the scale
    (Keras ``BatchNormalization(scale=False)``: only the shift β is learned, 1 per channel).
    Buffers (not trainable): running mean and variance, 2 per channel. At inference it is
    x·a + b: 2 ops per element.
    Example: ``bn`` or ``bn: {eps: 0.001}`` or ``bn: {scale: false}``.
    """

    type_name = "bn"
    aliases = ("batchnorm", "batch_norm", "batchnorm2d")
    family = "norm"
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

    def describe(self):
        return f"size {self.size}"

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): PyTorch's LocalResponseNorm."""
        return counted("local_response_norm", "norm")
