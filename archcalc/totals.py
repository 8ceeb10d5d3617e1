"""Totals over an analysis: one int64 array per quantity, one entry per configuration."""

from __future__ import annotations

import numpy as np

from . import memory
from .conventions import FLOPS_PER_MAC
from .layers.base import ensure_fits, product


def _sum(values) -> np.ndarray:
    stacked = np.array(list(values), dtype=np.int64)
    ensure_fits(stacked.sum(axis=0, dtype=np.float64))
    return stacked.sum(axis=0)


def totals(analysis) -> dict[str, np.ndarray]:
    """Every total the reporters show. ``activations`` is the sum of the rows (input included)."""
    rows = analysis.rows
    params = _sum(r.params.trainable for r in rows)
    buffers = _sum(r.params.buffers for r in rows)
    macs = _sum(r.macs for r in rows)
    activations = _sum(r.activations for r in rows)
    element_bytes = analysis.element_bytes
    result = {
        "params": params,
        "trainable_params": params,
        "buffers": buffers,
        "weights": _sum(r.params.weights for r in rows),
        "macs": macs,
        "flops": product(macs, FLOPS_PER_MAC),
        "activations": activations,
        "activation_bytes": product(activations, element_bytes),
        "peak_activation_bytes": memory.inference_peak(analysis),
        "param_bytes": product(params + buffers, element_bytes),
    }
    other_ops: dict[str, list] = {}
    for row in rows:
        for label, value in row.other_ops.items():
            other_ops.setdefault(label, []).append(value)
    for label in sorted(other_ops):
        result[label] = _sum(other_ops[label])
    return result
