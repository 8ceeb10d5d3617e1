"""Receptive fields: how many input pixels each output element can see, per spatial axis.

The classic recurrence, per axis, for a window of effective size k, stride s, leading pad p::

    size_out  = size_in + (k − 1) · jump_in
    jump_out  = jump_in · s                      (distance in input pixels between neighbours)
    start_out = start_in + ((k − 1)/2 − p) · jump_in   (centre of the first output's field)

Up-sampling layers step by a fraction: a ×2 upsample has stride 1/2, so jumps, sizes and
starts are exact rationals (:class:`Ratio`), never rounded along the way. Element-wise layers
keep the field. Global pooling and fully connected layers see the whole input. Where branches
join, the field is the largest among them (the union of the paths). A flat-vector input has no
spatial axes: every field is empty, and reported as 1. A layer whose spatial axes no longer match the
input's (after a reshape or permute) is taken to see everything its input saw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layers.base import Window
from .ratio import Ratio


@dataclass(frozen=True)
class Field:
    """One entry per spatial axis of the network's input (depth, height, width as present)."""

    size: tuple          # Ratio: input pixels seen
    jump: tuple          # Ratio: input pixels between neighbouring outputs
    start: tuple         # Ratio: centre of the first output's field, in input pixel coordinates
    extent: tuple        # int64 sizes of the last feature map seen, for whole-input windows

    def largest(self) -> np.ndarray | int:
        """The largest size over the axes, rounded up to whole pixels (1 without spatial axes)."""
        return np.max([size.ceil() for size in self.size], axis=0) if self.size else 1


class Fields:
    """Every node's field, walked in graph order when first asked for: ``list`` and ``check``
    never read one, and the exact walk costs as much as the rest of the analysis.

    The engine adds each node's step (its window, the inputs whose fields it combines, its output
    shape) as it walks; the fields are computed from those alone, so an analysis holds no cycle.
    """

    def __init__(self, input_shape):
        self.input_shape = input_shape
        self.steps: list[tuple] = []
        self.fields: list[Field] = []

    def add(self, window: Window | None, data_inputs, output_shape) -> None:
        self.steps.append((window, data_inputs, output_shape))

    def at(self, index: int) -> Field:
        fields = self.fields
        if not fields:
            fields.append(input_field(self.input_shape))
        for window, data_inputs, output_shape in self.steps[len(fields) - 1:index]:
            fields.append(step(window, [fields[i] for i in data_inputs], output_shape))
        return fields[index]


def input_field(shape) -> Field:
    spatial = tuple(shape[1:]) if len(shape) > 1 else ()
    count = len(shape[0])
    one, zero = Ratio.of(1, count), Ratio.of(0, count)
    return Field(tuple(one for _ in spatial), tuple(one for _ in spatial), tuple(zero for _ in spatial), spatial)


def _passes_through(window, fields, output_shape) -> bool:
    """An element-wise layer keeping its input's map: the very same size arrays come out."""
    if window is not None or len(fields) != 1:
        return False
    extent = fields[0].extent
    spatial = output_shape[1:] if len(output_shape) > 1 else ()
    return len(spatial) == len(extent) and all(e is s for e, s in zip(extent, spatial))


def _area(ratios) -> float:
    return float(np.max(np.prod([r.value() for r in ratios], axis=0))) if ratios else 0.0


def step(window: Window | None, fields: list[Field], output_shape) -> Field:
    """The field of a layer's output from its window and its inputs' fields."""
    if _passes_through(window, fields, output_shape):
        return fields[0]
    if len(output_shape) > 1 and any(len(f.size) != len(output_shape) - 1 for f in fields):
        return _regridded(fields, output_shape)
    axes = range(len(fields[0].size))
    if len(fields) == 1:
        grid = fields[0]
        size = grid.size
    else:
        # The output lies on the finest input grid (the widest field among those): a C×1×1 input
        # broadcast over a feature map (a squeeze-and-excitation gate) carries the coarse jump of
        # its global pooling and must not set the grid.
        grid = min(fields, key=lambda f: (_area(f.jump), -_area(f.size)))
        size = tuple(_largest([f.size[a] for f in fields]) for a in axes)
    jump, start, extent = grid.jump, grid.start, grid.extent
    if window is not None and window.kernel is not None and len(window.kernel) != len(axes):
        # The layout was changed (reshape, permute): axes no longer line up with the input's,
        # so the layer is taken to see everything its input saw.
        window = Window(kernel=None)
    if window is not None:
        count = len(output_shape[0])
        whole = window.kernel is None
        kernel = [Ratio.of(k, count) for k in (extent if whole else window.kernel)]
        stride = [Ratio.of(s, count) for s in (extent if whole else window.stride)]
        pad = [Ratio.of(p, count) for p in ((0,) * len(axes) if whole else window.pad_before)]
        one = Ratio.of(1, count)
        size = tuple(size[a] + (kernel[a] - one) * jump[a] for a in axes)
        start = tuple(start[a] + ((kernel[a] - one).half() - pad[a]) * jump[a] for a in axes)
        jump = tuple(jump[a] * stride[a] for a in axes)
    if len(output_shape) - 1 == len(axes):
        extent = tuple(output_shape[1:])
    elif window is not None and window.kernel is None:
        extent = tuple(np.ones_like(e) for e in extent)  # a whole-input layer leaves nothing further to see
    return Field(size, jump, start, extent)


def _largest(ratios: list[Ratio]) -> Ratio:
    result = ratios[0]
    for ratio in ratios[1:]:
        result = result.maximum(ratio)
    return result


def _regridded(fields: list[Field], output_shape) -> Field:
    """A layer that rearranges axes (permute, reshape, a reduction) leaves no per-axis correspondence
    between its output's axes and the input's: every output axis gets the widest field and the
    coarsest jump seen on any input axis, an upper bound rather than a guess."""
    sizes = [size for f in fields for size in f.size]
    if not sizes:  # a flat vector reshaped into a map: each feature is its own field
        return input_field(output_shape)
    size, jump = _largest(sizes), _largest([jump for f in fields for jump in f.jump])
    zero = Ratio.of(0, len(output_shape[0]))
    spatial = tuple(output_shape[1:])
    return Field(tuple(size for _ in spatial), tuple(jump for _ in spatial), tuple(zero for _ in spatial), spatial)
