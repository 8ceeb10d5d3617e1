"""How a layer states what autograd keeps for its backward pass.

Each layer class answers ``saved_for_backward(inputs, output, in_place) -> list[Saved]``: the
tensors PyTorch's autograd saves when the layer runs in a training forward, as written in
PyTorch's derivative definitions (``tools/autograd/derivatives.yaml``) and its composite
functions, for the eager CPU implementation. Parameters and buffers (weights, running
statistics) are never listed: they exist anyway. :mod:`archcalc.training` turns the lists into
bytes, counting each storage once (an in-place layer's output is its input's storage).

A ``Saved`` names one of three things:

- ``saved_input(i)``: the layer's i-th input tensor (its storage, shared with whoever else keeps it);
- ``SAVED_OUTPUT``: the layer's output tensor;
- ``own(what, elements, dtype)``: a tensor the layer allocates only for backward (max pooling's
  indices, dropout's mask, batch norm's statistics, a copy of an input an in-place op overwrote).

``SAVED_WEIGHTS`` marks a layer that multiplies by its weights (convolution, linear): under
mixed precision autocast runs exactly these layers in half precision, keeping a half copy of
their parameters and of an fp32 input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Element types a saved tensor can have. "activation" is the step's float type
#: (fp32, or half under mixed precision); the others are fixed by PyTorch.
ITEM_BYTES = {"fp32": 4, "int64": 8, "bool": 1}


@dataclass(frozen=True)
class Saved:
    """One tensor a layer keeps for backward."""

    source: str                 # "input", "output", "own" or "weights"
    index: int = 0              # which input, for source == "input"
    what: str = ""              # for own tensors: what it is ("indices", "mask", …)
    elements: Any = 0           # for own tensors: elements per sample (or per batch, see per_sample)
    dtype: str = "activation"   # "activation" or a key of ITEM_BYTES
    per_sample: bool = True     # False: the size does not grow with the batch (per-channel statistics)

    def describe(self) -> str:
        if self.source == "input":
            return "input" if self.index == 0 else f"input {self.index}"
        return self.what or self.source


def saved_input(index: int = 0) -> Saved:
    return Saved("input", index)


SAVED_OUTPUT = Saved("output")
SAVED_WEIGHTS = Saved("weights")


def own(what: str, elements, dtype: str = "activation", per_sample: bool = True) -> Saved:
    return Saved("own", what=what, elements=elements, dtype=dtype, per_sample=per_sample)


def window_input(shape, padding, kernel_eff, stride) -> Saved:
    """What a convolution or pooling keeps of its input.

    The input itself — unless the two ends of an axis are padded differently ('same' with an
    even window or stride), which PyTorch's window kernels cannot do: a separate pad op then
    makes a padded copy, and that copy is what the window op keeps.
    """
    import numpy as np

    from .layers.base import product
    from .layers.window import resolve_padding

    channels, *sizes = shape
    pads = resolve_padding(padding, sizes, kernel_eff, stride)
    if all(np.all(before == after) for before, after in pads):
        return saved_input()
    return own("padded input", product(channels, *(size + before + after for size, (before, after) in zip(sizes, pads))))
