"""Two layer types residual networks need beyond the basics: zero channels for parameter-free
shortcuts, and stochastic depth. Neither has parameters or MACs.
"""

from __future__ import annotations

import numpy as np

from ..backward import own
from ..conventions import VIEW
from ..counting import counted
from .base import NO_ARITHMETIC, Key, Layer, expect_feature_map, non_negative_int, one_or_two, probability, register


channel_padding = one_or_two(non_negative_int, "before, after")


@register
class ChannelPad(Layer):
    """Zero channels around a feature map: C×H×W → (before + C + after)×H×W (any spatial rank).

    The parameter-free "option A" shortcut of the CIFAR ResNets (He et al. 2016, §4.2) subsamples
    the input and pads it with zero channels to the width of the residual branch.
    Example: ``channel_pad: {padding: [8, 8]}`` (16 → 32 channels, 8 zero channels each side).
    """

    type_name = "channel_pad"
    family = "shape"
    free_of = NO_ARITHMETIC
    keys = {"padding": Key(channel_padding, doc="zero channels added: [before, after], or one integer for both")}

    def output_shape(self, inputs):
        (shape,) = inputs
        expect_feature_map(self, shape)
        before, after = self.padding
        return (shape[0] + before + after, *shape[1:])

    def describe(self, dims=None):
        before, after = self.padding
        return f"+{before}/+{after} ch"

    def forward(self, inputs, params):
        before, after = self.padding
        (x,) = inputs
        return np.pad(x, ((0, 0), (before, after)) + ((0, 0),) * (x.ndim - 2)), 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """constant_pad_nd's backward slices the gradient: it keeps only sizes."""
        return []

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting)."""
        return counted("channel_pad", "shape")


@register
class StochasticDepth(Layer):
    """Drops the residual branch it ends with probability ``p`` while training (Huang et al. 2016).

    Placed last in a residual branch, before the join. At inference it is the identity (PyTorch's
    ``StochasticDepth`` and timm's ``DropPath`` rescale while training instead), so it costs
    nothing here; ``p`` only enters the expected training cost (:mod:`archcalc.stochastic`).
    Example: ``stochastic_depth: {p: 0.25}``.
    """

    type_name = "stochastic_depth"
    aliases = ("drop_path",)
    family = "shape"
    drops_branch = True
    free_of = NO_ARITHMETIC
    storage = VIEW
    keys = {"p": Key(probability, doc="probability that the branch is dropped while training (1 − survival)")}

    def output_shape(self, inputs):
        return inputs[0]

    def describe(self, dims=None):
        return f"p={self.p:.3g}"

    def forward(self, inputs, params):
        return inputs[0], 0   # inference: every branch runs

    def saved_for_backward(self, inputs, output, in_place=False):
        """torchvision's StochasticDepth multiplies by a per-sample noise tensor (N×1×1×1) and keeps it."""
        return [own("per-sample noise", 1)] if self.p > 0 else []

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting)."""
        return counted("stochastic_depth", "shape")
