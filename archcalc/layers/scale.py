"""A learned per-channel multiplier (ConvNeXt's layer scale, CaiT's LayerScale)."""

from __future__ import annotations

from .. import kernels
from ..backward import saved_input
from ..counting import counted
from ..conventions import NEW
from .activation import ELEMENTWISE
from .base import Key, Layer, ParamCounts, elements, number, register
from .runtime import uniform


@register
class LayerScale(Layer):
    """Multiplies each channel by its own learned factor γ (C parameters).

    ConvNeXt scales each block's residual branch this way before the add, with γ initialised
    to a small value (``init``, 1e-6 there) so a deep network starts close to the identity.
    ``init`` documents the starting value; counts do not depend on it, and ``archcalc verify``
    draws random factors as it does for every parameter. On a flat vector: one factor per feature.
    Counted as one element-wise multiply per output element; the output is a new tensor, as
    PyTorch's ``γ * x`` is.
    Example: ``layer_scale: {init: 1.0e-6}``.
    """

    type_name = "layer_scale"
    family = "norm"
    other_op_labels = ELEMENTWISE
    storage = NEW
    keys = {"init": Key(number, 1e-6, "initial value of every factor (does not change any count)")}
    free_of = frozenset({"macs"})
    other_op_labels = ELEMENTWISE

    def output_shape(self, inputs):
        return inputs[0]

    def param_counts(self, inputs):
        return ParamCounts(trainable=inputs[0][0])

    def other_ops(self, inputs, output):
        return {"elementwise": elements(output)}

    def describe(self, dims=None):
        return f"init {self.init:g}"

    def init_params(self, input_shapes, rng):
        return {"gamma": 1 + uniform(rng, (input_shapes[0][0],), 0.5)}

    def forward(self, inputs, params):
        return kernels.layer_scale(inputs[0], params["gamma"]), 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """γ · x keeps x (γ's gradient factor); γ itself is a parameter."""
        return [saved_input()]

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): ``gamma * x``, an operator on a parameter of the block."""
        return counted("layer_scale", "norm")
