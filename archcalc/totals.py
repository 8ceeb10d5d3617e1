"""Totals over an analysis: one int64 array per quantity, one entry per configuration."""

from __future__ import annotations

import numpy as np

from . import memory
from .conventions import FLOPS_PER_MAC
from .layers.base import ensure_fits, product


def _sum(values) -> np.ndarray:
    values = list(values)
    ensure_fits(np.sum(np.asarray(values, dtype=np.float64), axis=0))
    return np.sum(values, axis=0, dtype=np.int64)


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
    for label in sorted({k for r in rows for k in r.other_ops}):
        result[label] = _sum(r.other_ops.get(label, 0) * np.ones_like(macs) for r in rows)
    return result
