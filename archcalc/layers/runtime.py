"""What the layers' forward passes share: random parameters, concrete padding, a scratch budget.

The forward pass (``archcalc verify``) runs each layer on real float32 arrays. Layer classes
keep their ``init_params`` and ``forward`` beside their rules; the few helpers they have in
common live here so that each stays a handful of lines.
"""

from __future__ import annotations

import contextvars

import numpy as np

from .. import kernels
from .window import effective_kernel, resolve_padding

FLOAT = np.float32

#: Bytes of scratch (convolution's window matrix) a forward kernel may hold at once. A context
#: variable so that ``forward(inputs, params)`` keeps its two-argument contract; the caller
#: running the pass (``archcalc verify --max-bytes``) sets it.
scratch_bytes: contextvars.ContextVar[int] = contextvars.ContextVar("scratch_bytes", default=256 * 2**20)


def uniform(rng, shape, bound: float) -> np.ndarray:
    """float32 values drawn uniformly from [−bound, bound)."""
    values = rng.random(shape, dtype=FLOAT)
    values *= FLOAT(2 * bound)
    values -= FLOAT(bound)
    return values


def weights(rng, shape, fan_in: int) -> np.ndarray:
    """He-uniform weights (bound √(6/fan_in)): activations keep their scale through ReLU
    networks of any depth, so a random forward pass stays finite."""
    return uniform(rng, shape, float(np.sqrt(6.0 / max(fan_in, 1))))


def concrete_padding(padding, spatial, kernel, stride, dilation) -> list[tuple[int, int]]:
    """[(before, after), …] as ints per axis for one input of ``spatial`` sizes, by the engine's own
    rule (:func:`~archcalc.layers.window.resolve_padding`): 'same', 'valid' or explicit numbers."""
    kernel_eff = tuple(effective_kernel(k, d) for k, d in zip(kernel, dilation))
    pads = resolve_padding(padding, [np.array([size]) for size in spatial], kernel_eff, stride)
    return [(int(before[0]), int(after[0])) for before, after in pads]


def ceil_extra(size: int, kernel_eff: int, stride: int, pad_before: int, pad_after: int) -> int:
    """Extra trailing padding that makes a floor-mode window kernel produce ceil mode's output.

    The output length is the kernels' own ceil-mode rule (the pools' ``ceil_mode``, PyTorch's:
    an incomplete last window is kept unless it would start past the input and its leading
    padding); padding the end until that last window is complete lets conv, which only
    floors, run it.
    """
    out = kernels.output_size(size, kernel_eff, stride, pad_before, pad_after, ceil_mode=True)
    return max(0, (out - 1) * stride + kernel_eff - (size + pad_before + pad_after))
