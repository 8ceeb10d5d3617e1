"""Subtotals: rows collapsed to blocks at a nesting depth, and totals by operator kind.

Depth follows the layer names, as torchinfo's ``depth=`` follows module nesting: a name's parts are
separated by '/' (blocks and branches) or '.' (torchvision's attribute paths), so at depth 1
``layer1.0/conv1`` belongs to ``layer1``, at depth 2 to ``layer1.0``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

_SEPARATOR = re.compile(r"[/.]")


@dataclass
class Block:
    """Layers sharing a name prefix: their subtotals (arrays, one entry per configuration).

    ``stretches`` counts the runs of consecutive rows the block's layers come in: more than one
    when another block's layers run in between (a FractalNet column met by a join, a segmentation
    backbone's output taken after the auxiliary head)."""

    name: str
    layers: int
    params: np.ndarray
    macs: np.ndarray
    activations: np.ndarray
    output_shape: tuple
    stretches: int = 1


def block_name(name: str, depth: int) -> str:
    parts = _SEPARATOR.split(name)
    if len(parts) <= depth:
        return name
    # keep the original separators of the first ``depth`` parts
    cut = [m.start() for m in _SEPARATOR.finditer(name)][depth - 1]
    return name[:cut]


def collapse(analysis, depth: int) -> list[Block]:
    """The rows with the same block name at ``depth`` become one :class:`Block`, placed where the
    block's first layer runs; layers of a block that come back after other blocks' rows are added to
    it (``stretches`` says how often), so each block is one row with all of its subtotals.

    The input row stays a row of its own. A block's output shape is its last layer's.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    blocks: list[Block] = []
    by_name: dict[str, Block] = {}
    previous = None          # the block of the row before
    for row in analysis.rows:
        if row.layer is None:
            previous = Block(row.node.name, 0, row.params.trainable, row.macs, row.activations, row.output_shape)
            blocks.append(previous)
            continue
        name = block_name(row.node.name, depth)
        block = by_name.get(name)
        if block is None:
            block = by_name[name] = Block(name, 1, row.params.trainable, row.macs, row.activations, row.output_shape)
            blocks.append(block)
            previous = block
            continue
        if block is not previous:
            block.stretches += 1
        previous = block
        block.layers += 1
        block.params = block.params + row.params.trainable
        block.macs = block.macs + row.macs
        block.activations = block.activations + row.activations
        block.output_shape = row.output_shape
    return blocks


def by_operator(analysis, index: int = 0) -> dict[str, dict]:
    """Layers, parameters and MACs per operator kind (conv, depthwise conv, pointwise conv, fc, norm, …),
    as fvcore's ``by_operator``; each layer class names its kind (``counted().kind``)."""
    kinds: dict[str, dict] = {}
    for row in analysis.rows[1:]:
        kind = row.layer.counted(row.input_shapes, row.output_shape).kind
        entry = kinds.setdefault(kind, {"layers": 0, "params": 0, "macs": 0})
        entry["layers"] += 1
        entry["params"] += int(row.params.trainable[index])
        entry["macs"] += int(row.macs[index])
    return kinds
