"""Receptive fields: how many input pixels each output element can see.

The classic recurrence, per axis, for a window of effective size k, stride s, leading pad p::

    size_out  = size_in + (k − 1) · jump_in
    jump_out  = jump_in · s                      (distance in input pixels between neighbours)
    start_out = start_in + ((k − 1)/2 − p) · jump_in   (centre of the first output's field)

Element-wise layers keep the field. Global pooling and fully connected layers see the whole
input. Where branches join, the field is the largest among them (the union of the paths).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layers.base import Window


@dataclass(frozen=True)
class Field:
    size: tuple          # (height, width) int64 arrays
    jump: tuple          # (height, width) int64 arrays
    start: tuple         # (height, width) float64 arrays, in input pixel coordinates
    extent: tuple        # (height, width) of the last feature map seen, for whole-input windows


def input_field(shape) -> Field:
    one = np.ones_like(shape[0])
    extent = (shape[1], shape[2]) if len(shape) == 3 else (one, one)
    zero = np.zeros(len(one))
    return Field((one, one), (one, one), (zero, zero), extent)


def step(window: Window | None, fields: list[Field], output_shape) -> Field:
    """The field of a layer's output from its window and its inputs' fields."""
    if window is None and len(fields) == 1 and len(output_shape) == 3 and \
            fields[0].extent[0] is output_shape[1] and fields[0].extent[1] is output_shape[2]:
        return fields[0]  # an element-wise layer passing its input's map through: nothing changes
    if len(fields) == 1:
        grid = fields[0]
        size = grid.size
    else:
        # The output lies on the finest input grid (the widest field among those): a C×1×1 input
        # broadcast over a feature map (a squeeze-and-excitation gate) carries the coarse jump of
        # its global pooling and must not set the grid.
        grid = min(fields, key=lambda f: (int(np.max(f.jump[0] * f.jump[1])), -int(np.max(f.size[0] * f.size[1]))))
        size = tuple(np.max([f.size[a] for f in fields], axis=0) for a in (0, 1))
    jump, start, extent = grid.jump, grid.start, grid.extent
    if window is not None:
        kernel = window.kernel if window.kernel is not None else extent
        stride = window.stride if window.kernel is not None else extent
        pad = window.pad_before if window.kernel is not None else (0, 0)
        size = tuple(size[a] + (np.asarray(kernel[a]) - 1) * jump[a] for a in (0, 1))
        start = tuple(start[a] + ((np.asarray(kernel[a]) - 1) / 2 - np.asarray(pad[a])) * jump[a] for a in (0, 1))
        jump = tuple(jump[a] * np.asarray(stride[a]) for a in (0, 1))
    if len(output_shape) == 3:
        extent = (output_shape[1], output_shape[2])
    elif window is not None and window.kernel is None:
        one = np.ones_like(extent[0])
        extent = (one, one)  # a whole-input layer leaves nothing further to see
    return Field(size, jump, start, extent)
