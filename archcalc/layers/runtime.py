"""What the layers' forward passes share: random parameters, concrete padding, a scratch budget.

The forward pass (``archcalc verify``) runs each layer on real float32 arrays. Layer classes
keep their ``init_params`` and ``forward`` beside their rules; the few helpers they have in
common live here so that each stays a handful of lines.
"""

from __future__ import annotations

import contextvars
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .window import effective_kernel, resolve_padding

FLOAT = np.float32

#: Bytes of scratch (convolution's window matrix) a forward kernel may hold at once. A context
#: variable so that ``forward(inputs, params)`` keeps its two-argument contract; the caller
#: running the pass (``archcalc verify --max-bytes``) sets it.
scratch_bytes: contextvars.ContextVar[int] = contextvars.ContextVar("scratch_bytes", default=256 * 2**20)


def uniform(rng, shape, bound: float) -> np.ndarray:
    """float32 values drawn uniformly from [−bound, bound).

    Large arrays (VGG-16's fc6 holds 103 M weights) are filled in ``_CHUNKS`` parts by child
    generators on a few threads — NumPy releases the GIL while it fills — so drawing weights does
    not dominate a forward pass. The split is fixed, so a seed gives the same values on any machine.
    """
    values = np.empty(shape, dtype=FLOAT)
    flat = values.reshape(-1)
    if flat.size < _PARALLEL_FROM:
        _fill(rng, flat, bound)
    else:
        parts = np.array_split(flat, _CHUNKS)
        with ThreadPoolExecutor(min(_CHUNKS, os.cpu_count() or 1)) as pool:
            list(pool.map(_fill, rng.spawn(_CHUNKS), parts, [bound] * _CHUNKS))
    return values


_PARALLEL_FROM = 2**22   # elements; smaller arrays are drawn faster than threads start
_CHUNKS = 4


def _fill(rng, out: np.ndarray, bound: float) -> None:
    rng.random(out=out, dtype=FLOAT)
    out *= FLOAT(2 * bound)
    out -= FLOAT(bound)


def weights(rng, shape, fan_in: int) -> np.ndarray:
    """He-uniform weights (bound √(6/fan_in)): activations keep their scale through ReLU
    networks of any depth, so a random forward pass stays finite."""
    return uniform(rng, shape, float(np.sqrt(6.0 / max(fan_in, 1))))


def concrete_padding(padding, height: int, width: int, kernel, stride, dilation=(1, 1)) -> tuple[int, ...]:
    """(top, bottom, left, right) as ints for one H×W input, by the engine's own rule
    (:func:`~archcalc.layers.window.resolve_padding`): 'same', 'valid' or explicit numbers."""
    kernel_eff = tuple(effective_kernel(k, d) for k, d in zip(kernel, dilation))
    pads = resolve_padding(padding, np.array([height]), np.array([width]), kernel_eff, stride)
    return tuple(int(np.asarray(p).reshape(-1)[0]) for p in pads)


def ceil_extra(size: int, kernel_eff: int, stride: int, pad_before: int, pad_after: int) -> int:
    """Extra trailing padding that makes a floor-mode window kernel produce ceil mode's output.

    Ceil mode keeps an incomplete last window — unless it would start past the input and its
    leading padding (PyTorch's rule). Padding the end by what the last stride lacks turns that
    window into a complete one, so a floor-only kernel (conv2d) runs it.
    """
    span = size + pad_before + pad_after - kernel_eff
    missing = -span % stride
    last_start = span + missing           # where the extra window would start (padded coords)
    return missing if missing and last_start < size + pad_before else 0
