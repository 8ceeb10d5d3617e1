"""Receptive fields: how many input pixels each output element can see, per spatial axis.

The classic recurrence, per axis, for a window of effective size k, stride s, leading pad p::

    size_out  = size_in + (k − 1) · jump_in
    jump_out  = jump_in · s                      (distance in input pixels between neighbours)
    start_out = start_in + ((k − 1)/2 − p) · jump_in   (centre of the first output's field)

Element-wise layers keep the field. Global pooling and fully connected layers see the whole
input. Where branches join, the field is the largest among them (the union of the paths).
A flat-vector input has no spatial axes: every field is empty, and reported as 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layers.base import Window


@dataclass(frozen=True)
class Field:
    """One entry per spatial axis of the network's input (depth, height, width as present)."""

    size: tuple          # int64 arrays
    jump: tuple          # int64 arrays
    start: tuple         # float64 arrays, in input pixel coordinates
    extent: tuple        # sizes of the last feature map seen, for whole-input windows

    def largest(self) -> np.ndarray | int:
        """The largest size over the axes (1 for a network without spatial axes)."""
        return np.max(self.size, axis=0) if self.size else 1


def input_field(shape) -> Field:
    spatial = tuple(shape[1:]) if len(shape) > 1 else ()
    one = np.ones_like(shape[0])
    zero = np.zeros(len(one))
    return Field(tuple(one for _ in spatial), tuple(one for _ in spatial), tuple(zero for _ in spatial), spatial)


def _passes_through(window, fields, output_shape) -> bool:
    """An element-wise layer keeping its input's map: the very same size arrays come out."""
    if window is not None or len(fields) != 1:
        return False
    extent = fields[0].extent
    spatial = output_shape[1:] if len(output_shape) > 1 else ()
    return len(spatial) == len(extent) and all(e is s for e, s in zip(extent, spatial))


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
        grid = min(fields, key=lambda f: (int(np.max(np.prod(f.jump, axis=0))), -int(np.max(np.prod(f.size, axis=0)))))
        size = tuple(np.max([f.size[a] for f in fields], axis=0) for a in axes)
    jump, start, extent = grid.jump, grid.start, grid.extent
    if window is not None:
        whole = window.kernel is None
        kernel = extent if whole else window.kernel
        stride = extent if whole else window.stride
        pad = (0,) * len(axes) if whole else window.pad_before
        size = tuple(size[a] + (np.asarray(kernel[a]) - 1) * jump[a] for a in axes)
        start = tuple(start[a] + ((np.asarray(kernel[a]) - 1) / 2 - np.asarray(pad[a])) * jump[a] for a in axes)
        jump = tuple(jump[a] * np.asarray(stride[a]) for a in axes)
    if len(output_shape) > 1:
        extent = tuple(output_shape[1:])
    elif window is not None and window.kernel is None:
        extent = tuple(np.ones_like(e) for e in extent)  # a whole-input layer leaves nothing further to see
    return Field(size, jump, start, extent)


def _regridded(fields: list[Field], output_shape) -> Field:
    """A layer that rearranges axes (permute, reshape, a reduction) leaves no per-axis correspondence
    between its output's axes and the input's: every output axis gets the widest field and the
    coarsest jump seen on any input axis, an upper bound rather than a guess."""
    spatial = tuple(output_shape[1:])
    if not any(f.size for f in fields):  # a flat vector reshaped into a map: each feature is its own field
        return input_field(output_shape)
    size = np.max([np.max(np.stack(f.size), axis=0) for f in fields if f.size], axis=0)
    jump = np.max([np.max(np.stack(f.jump), axis=0) for f in fields if f.jump], axis=0)
    zero = np.zeros(len(size))
    return Field(tuple(size for _ in spatial), tuple(jump for _ in spatial), tuple(zero for _ in spatial), spatial)
