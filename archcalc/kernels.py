"""NumPy forward-pass kernels: the real computation ``archcalc verify`` runs.

Every kernel takes float32 arrays in NCHW layout and returns float32. Padding is always explicit,
``(top, bottom, left, right)``; stride, dilation and kernel sizes are ``(h, w)`` pairs.

Counting convention (the kernels' side of it): the integer a kernel returns is counted from the
shapes it actually ran, never from a closed formula. ``conv2d`` and ``linear`` return
multiply-accumulates, the sum of M·N·K over every matrix product they performed (batched products
count every matrix in the batch); the pools return *window reads*, output elements × kh × kw.
The engine's formulas are checked against these numbers, so they must not be derived from them.

How ``conv2d`` works, and why
-----------------------------
The padded input is viewed (``sliding_window_view``, no copy) as windows of shape
``(N, C, kh, kw, H_out, W_out)``. That view is copied into a contiguous window ("im2col") matrix
``(N, groups, C/groups·kh·kw, H_out·W_out)``, and ONE batched ``np.matmul`` multiplies it by the
weights ``(groups, O/groups, C/groups·kh·kw)``, writing straight into the NCHW output. Grouped and
depthwise convolutions are the same call with a batch of smaller matrices; 1×1 convolutions with
stride 1 and no padding skip the copy, as the input already is the window matrix.

Measured on the project's 2-core machine (OpenBLAS, NumPy 2.4, VGG-16 at 224×224, batch 1),
as a ratio to the bare ``np.matmul`` of the same M×N×K:

* One GEMM over a window copy ran at 1.05-1.37× the bare GEMM over the VGG-16 layers; the
  alternative, kh GEMMs over a kw-only window copy accumulated into the output (kh·kw shifted
  GEMMs in NHWC are the same idea with more passes), ran at 1.04-1.50×, and 2.7× for conv1_1,
  whose K = C·kw = 9 GEMMs are inefficient. The extra pass over the output per tap costs what
  the smaller copy saves.
* Tiling for cache was measured and rejected. conv1_2's window matrix is 115 MB, and copying it
  whole costs 10-24 ms next to a 25-30 ms GEMM (1.7-1.9× in all); copying and multiplying 4 MiB
  tiles that the GEMM reads back from cache brought it to 1.2-1.4× on an idle machine. But with
  a single other CPU-bound process running, conv2_2 in 4 MiB tiles took 6.8× its bare GEMM
  against 2.1× untiled, presumably because each of the many two-thread GEMMs that follow a
  single-threaded copy waits for a descheduled BLAS thread. Shared machines are common (CI is
  one), so the window matrix is split only when ``max_bytes`` requires it.
* A fresh 115 MB window matrix costs ~16 ms of page faults on first touch. Keeping the window
  matrix's and the padded input's memory between calls (per thread) took conv1_2 from 1.84× to
  1.32× its bare GEMM and conv2_2 from 1.50× to 1.17×.
* Depthwise 3×3 (MobileNet sizes): the batched matmul of C (1×9)·(9×P) products beat kh·kw
  multiply-add passes over shifted views by 1.1-1.9× and ``np.einsum`` on the window view by
  2.5-7×; PyTorch's dedicated depthwise kernel is still 3-6× faster.
* Max pooling as kh·kw ``np.maximum`` passes over strided views took 7 ms for conv1's 2×2 pool
  against 61 ms for ``.max(axis=(-2, -1))`` on the window view.

The result (``benchmarks/bench_kernels.py``, two threads, two runs on a lightly loaded machine):
the VGG-16 convolutions at 1.11-1.30× their bare GEMM, except conv1_2 at 1.30-1.48× and conv1_1
(K = 27, memory-bound) at 1.7-1.8× of 2 ms; the whole VGG-16 forward pass at 1.31× PyTorch's
time. With one other CPU-bound process running, conv1_2 ran at 1.29× and conv2_2 at 1.13×.

``max_bytes`` caps the window matrix held at once: when the whole batch's would exceed it, the
batch is processed a few samples at a time, and a sample too large on its own a band of output
rows at a time (at least one row).
"""

from __future__ import annotations

import threading

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

FLOAT = np.float32
_ITEMSIZE = np.dtype(FLOAT).itemsize


# --------------------------------------------------------------------------------------------
# Shape arithmetic shared by convolution and pooling
# --------------------------------------------------------------------------------------------


def output_size(size, kernel, stride=1, pad_before=0, pad_after=0, dilation=1, ceil_mode=False):
    """Length of a sliding-window output along one axis (ints or NumPy integer arrays).

    floor mode: ``(size + pad_before + pad_after - dilation·(kernel-1) - 1) // stride + 1``.
    ceil mode (PyTorch's pooling rule): the division rounds up, then the last window is dropped
    when it would start past the input and its leading padding,
    i.e. ``if (out - 1)·stride >= size + pad_before: out -= 1``.

    >>> output_size(224, 3, 1, 1, 1)
    224
    >>> output_size(112, 3, 2, 0, 0, ceil_mode=True)
    56
    """
    span = size + pad_before + pad_after - dilation * (kernel - 1) - 1
    if not ceil_mode:
        return span // stride + 1
    out = -(-span // stride) + 1
    return out - ((out - 1) * stride >= size + pad_before)


def _sizes(value, dims, name):
    """One positive int per spatial axis: an int for every axis, or a sequence of ``dims``."""
    values = (value,) * dims if np.ndim(value) == 0 else tuple(value)
    values = tuple(int(v) for v in values)
    if len(values) != dims or min(values) < 1:
        raise ValueError(f"{name} must be {dims} positive int(s), one per spatial axis, got {value!r}")
    return values


def _padding_pairs(value, dims):
    """((before, after), ...) per spatial axis from an int, pairs, or the flat form
    (before_0, after_0, before_1, after_1, ...) -- in 2-D (top, bottom, left, right)."""
    if np.ndim(value) == 0:
        flat = (int(value),) * (2 * dims)
    else:
        flat = tuple(int(v) for item in value for v in (item if np.ndim(item) else (item,)))
    if len(flat) != 2 * dims or min(flat) < 0:
        raise ValueError(f"padding must be {2 * dims} non-negative ints (before and after each of the {dims} "
                         f"spatial axes), got {value!r}")
    return tuple(zip(flat[0::2], flat[1::2]))


def _float32(array, ndim, name):
    array = np.asarray(array, dtype=FLOAT)
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {array.shape}")
    return array


def _feature_map(array, name):
    """float32 (N, C, *spatial) with 1 to 3 spatial axes."""
    array = np.asarray(array, dtype=FLOAT)
    if not 3 <= array.ndim <= 5:
        raise ValueError(f"{name} must be (N, C, L), (N, C, H, W) or (N, C, D, H, W), got shape {array.shape}")
    return array


def _window_output(spatial, kernel, stride, pads, dilation, ceil_mode, op):
    """Output sizes per axis; refuses a window that does not fit the padded input."""
    out = tuple(int(output_size(size, k, s, before, after, d, ceil_mode))
                for size, k, s, (before, after), d in zip(spatial, kernel, stride, pads, dilation))
    if min(out) < 1:
        window = "x".join(str(d * (k - 1) + 1) for k, d in zip(kernel, dilation))
        raise ValueError(f"{op}: input {'x'.join(map(str, spatial))} with padding {pads} is smaller than the "
                         f"{window} window (output would be {'x'.join(map(str, out))})")
    return out


def _padded_shape(x, pads):
    return x.shape[:2] + tuple(before + size + after for size, (before, after) in zip(x.shape[2:], pads))


def _pad(x, pads, value, out=None):
    """``x`` with (before, after) borders of ``value`` on each spatial axis, in ``out`` if given;
    ``x`` itself when there is no padding."""
    if not any(before or after for before, after in pads):
        return x
    padded = np.empty(_padded_shape(x, pads), dtype=FLOAT) if out is None else out
    for axis, ((before, after), size) in enumerate(zip(pads, x.shape[2:]), start=2):
        index = [slice(None)] * x.ndim
        index[axis] = slice(0, before)
        padded[tuple(index)] = value
        index[axis] = slice(before + size, None)
        padded[tuple(index)] = value
    inner = tuple(slice(before, before + size) for (before, _), size in zip(pads, x.shape[2:]))
    padded[(slice(None), slice(None)) + inner] = x
    return padded


def _windows(padded, kernel, stride, dilation, out):
    """Read-only view ``(N, C, *kernel, *out)``: element [.., i, j, r, s] (in 2-D) is the input
    pixel under kernel tap (i, j) for output pixel (r, s)."""
    dims = len(kernel)
    spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    view = sliding_window_view(padded, spans, axis=tuple(range(2, 2 + dims)))  # (N, C, *starts, *spans)
    view = view[(slice(None), slice(None))
                + tuple(slice(0, (o - 1) * s + 1, s) for o, s in zip(out, stride))
                + tuple(slice(None, None, d) for d in dilation)]
    return view.transpose(0, 1, *range(2 + dims, 2 + 2 * dims), *range(2, 2 + dims))


def _view(array, shape):
    """``array.reshape(shape)`` that refuses to copy (results are written through it)."""
    view = array.reshape(shape)
    if not np.may_share_memory(view, array):
        raise AssertionError(f"reshape of {array.shape} to {shape} would copy")
    return view


def _matmul_macs(a_shape, b_shape):
    """Multiply-accumulates of ``np.matmul`` on these operand shapes: batch · M · N · K."""
    batch = np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
    (m, k), n = a_shape[-2:], b_shape[-1]
    return int(np.prod(batch, dtype=np.int64)) * m * n * k


# --------------------------------------------------------------------------------------------
# Convolution and fully-connected
# --------------------------------------------------------------------------------------------


class _Scratch(threading.local):
    """Working memory kept between calls, per thread: named flat buffers, each grown to the
    largest request so far (the window matrix's is at most ``max_bytes``). A fresh 115 MB array
    costs ~15 ms of page faults on first touch -- half the GEMM time of VGG-16's conv1_2."""

    def __init__(self):
        self.buffers = {}

    def take(self, name, shape):
        size = int(np.prod(shape))
        buffer = self.buffers.get(name)
        if buffer is None or buffer.size < size:
            del buffer
            self.buffers.pop(name, None)  # release the old buffer before allocating the new one
            buffer = self.buffers[name] = np.empty(size, dtype=FLOAT)
        return _view(buffer[:size], shape)


_scratch = _Scratch()


def _conv_chunking(batch, out_rows, row_bytes, budget):
    """(samples, output rows) per chunk of the window matrix: whole samples while one fits the
    budget, else bands of rows of one sample, never less than one row."""
    sample_bytes = row_bytes * out_rows
    if sample_bytes <= budget:
        return min(batch, budget // sample_bytes), out_rows
    return 1, max(1, budget // row_bytes)


def conv(x, weight, bias=None, *, stride=1, padding=0, dilation=1, groups=1, max_bytes=256 * 2**20):
    """Cross-correlation with zero padding in 1, 2 or 3 spatial dimensions (PyTorch's ``conv1d``,
    ``conv2d``, ``conv3d``); returns ``(y, macs)``.

    ``x`` is (N, C, *spatial), ``weight`` (O, C // groups, *kernel), ``bias`` (O,) or None.
    ``stride`` and ``dilation`` are an int or one per axis; ``padding`` an int, (before, after)
    pairs, or the flat form (before_0, after_0, ...) -- in 2-D (top, bottom, left, right).
    ``y`` is (N, O, *out) with sizes from :func:`output_size`. ``macs`` is the sum of M·N·K over
    the matrix products actually run, which for this algorithm equals
    N·O·∏out·(C/groups)·∏kernel. ``max_bytes`` caps the window matrix held at once; its memory
    and the padded input's are kept between calls (per thread) for reuse.

    >>> y, macs = conv(np.ones((1, 2, 5, 5), np.float32), np.ones((4, 2, 3, 3), np.float32),
    ...                padding=(1, 1, 1, 1))
    >>> y.shape, macs, float(y[0, 0, 2, 2]), float(y[0, 0, 0, 0])
    ((1, 4, 5, 5), 1800, 18.0, 8.0)
    """
    x = _feature_map(x, "conv input")
    weight = _float32(weight, x.ndim, "conv weight")
    dims = x.ndim - 2
    stride, dilation = _sizes(stride, dims, "stride"), _sizes(dilation, dims, "dilation")
    pads = _padding_pairs(padding, dims)
    n, c, *spatial = x.shape
    o, c_per_group, *kernel = weight.shape
    if groups < 1 or c % groups or o % groups:
        raise ValueError(f"conv: groups={groups} must divide input channels {c} and output channels {o}")
    if c_per_group != c // groups:
        raise ValueError(
            f"conv: weight expects {c_per_group} input channels per group, "
            f"input has {c} channels in {groups} group(s) = {c // groups} per group"
        )
    if bias is not None:
        bias = _float32(bias, 1, "conv bias")
        if bias.shape != (o,):
            raise ValueError(f"conv: bias must have shape ({o},), got {bias.shape}")
    out = _window_output(spatial, kernel, stride, pads, dilation, False, "conv")

    out_per_group, k = o // groups, c_per_group * int(np.prod(kernel))
    out_size = int(np.prod(out))
    weight_matrices = weight.reshape(groups, out_per_group, k)
    bias_column = None if bias is None else bias.reshape(groups, out_per_group, 1)
    y = np.empty((n, o, *out), dtype=FLOAT)
    y_matrices = _view(y, (n, groups, out_per_group, out_size))

    pointwise = set(kernel) == {1} and set(stride) == {1} and not any(map(any, pads))
    if pointwise and x.flags.c_contiguous:
        window = _view(x, (n, groups, c_per_group, out_size))  # the input already is the window matrix
        np.matmul(weight_matrices, window, out=y_matrices)
        if bias_column is not None:
            y_matrices += bias_column
        return y, _matmul_macs(weight_matrices.shape, window.shape)

    # Chunks run over samples, then over the first output axis ("rows") of one sample.
    row_size = out_size // out[0]
    samples, rows = _conv_chunking(n, out[0], c * int(np.prod(kernel)) * row_size * _ITEMSIZE, max_bytes)
    macs = 0
    for n0 in range(0, n, samples):
        part = x[n0 : n0 + samples]
        n1 = n0 + len(part)
        if any(map(any, pads)):
            part = _pad(part, pads, 0.0, out=_scratch.take("padded", _padded_shape(part, pads)))
        windows = _windows(part, kernel, stride, dilation, out)
        for r0 in range(0, out[0], rows):
            r1 = min(out[0], r0 + rows)
            chunk = _scratch.take("window", (n1 - n0, c, *kernel, r1 - r0, *out[1:]))
            np.copyto(chunk, windows[(Ellipsis, slice(r0, r1)) + (slice(None),) * (dims - 1)])
            window = _view(chunk, (n1 - n0, groups, k, (r1 - r0) * row_size))
            y_part = y_matrices[n0:n1, :, :, r0 * row_size : r1 * row_size]
            np.matmul(weight_matrices, window, out=y_part)
            macs += _matmul_macs(weight_matrices.shape, window.shape)
            if bias_column is not None:
                y_part += bias_column
    return y, macs


def conv_transpose(x, weight, bias=None, *, stride=1, padding=0, output_padding=0, dilation=1, groups=1):
    """Transposed convolution in 1, 2 or 3 spatial dimensions (PyTorch's ``conv_transpose2d`` and
    kin); returns ``(y, macs)``.

    ``x`` is (N, C, *spatial), ``weight`` (C, O // groups, *kernel) as PyTorch stores it, ``padding``
    one int per axis (removed from both ends), ``output_padding`` added at the end. Output per axis:
    (in − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1.

    Each input element meets every kernel tap: one batched matrix product (O/groups·∏kernel) ×
    (C/groups) × (N·∏spatial) gives every tap's contribution, which is then added into place
    ("col2im"). ``macs`` is the M·N·K of that product, N·C·∏spatial·(O/groups)·∏kernel.

    >>> y, macs = conv_transpose(np.ones((1, 1, 2, 2), np.float32), np.ones((1, 1, 2, 2), np.float32), stride=2)
    >>> y.shape, macs, float(y.sum())
    ((1, 1, 4, 4), 16, 16.0)
    """
    x = _feature_map(x, "conv_transpose input")
    weight = _float32(weight, x.ndim, "conv_transpose weight")
    dims = x.ndim - 2
    stride, dilation = _sizes(stride, dims, "stride"), _sizes(dilation, dims, "dilation")
    padding = tuple(int(p) for p in ((padding,) * dims if np.ndim(padding) == 0 else padding))
    output_padding = tuple(int(p) for p in ((output_padding,) * dims if np.ndim(output_padding) == 0
                                            else output_padding))
    n, c, *spatial = x.shape
    c_weight, out_per_group, *kernel = weight.shape
    if groups < 1 or c % groups or c_weight != c:
        raise ValueError(f"conv_transpose: weight has {c_weight} input channels and groups={groups}; "
                         f"the input has {c}")
    o = out_per_group * groups
    full = [(size - 1) * s + d * (k - 1) + 1 for size, s, d, k in zip(spatial, stride, dilation, kernel)]
    out = [f - 2 * p + op for f, p, op in zip(full, padding, output_padding)]
    if min(out) < 1:
        raise ValueError(f"conv_transpose: padding {padding} leaves no output (would be {out})")
    c_per_group, taps, positions = c // groups, int(np.prod(kernel)), int(np.prod(spatial))
    weight_matrices = weight.reshape(groups, c_per_group, out_per_group * taps).transpose(0, 2, 1)
    inputs = x.reshape(n, groups, c_per_group, positions)
    contributions = np.matmul(weight_matrices, inputs)          # (N, groups, O/groups·∏k, ∏spatial)
    macs = _matmul_macs(weight_matrices.shape, inputs.shape)
    contributions = contributions.reshape(n, o, *kernel, *spatial)
    canvas = np.zeros((n, o, *(f + op for f, op in zip(full, output_padding))), dtype=FLOAT)
    for tap in np.ndindex(*kernel):
        target = tuple(slice(t * d, t * d + (size - 1) * s + 1, s)
                       for t, d, size, s in zip(tap, dilation, spatial, stride))
        canvas[(slice(None), slice(None)) + target] += contributions[(slice(None), slice(None)) + tap]
    y = canvas[(slice(None), slice(None)) + tuple(slice(p, p + size) for p, size in zip(padding, out))]
    y = np.ascontiguousarray(y)
    if bias is not None:
        bias = _float32(bias, 1, "conv_transpose bias")
        y += bias.reshape((1, o) + (1,) * dims)
    return y, macs


def linear(x, weight, bias=None):
    """Fully-connected layer ``x @ weight.T + bias``; returns ``(y, macs)`` with macs = N·in·out.

    >>> y, macs = linear(np.ones((2, 3), np.float32), np.ones((4, 3), np.float32))
    >>> y.shape, macs
    ((2, 4), 24)
    """
    x = _float32(x, 2, "linear input")
    weight = _float32(weight, 2, "linear weight")
    if x.shape[1] != weight.shape[1]:
        raise ValueError(f"linear: input has {x.shape[1]} features, weight expects {weight.shape[1]}")
    y = np.matmul(x, weight.T)
    macs = _matmul_macs(x.shape, weight.T.shape)
    if bias is not None:
        bias = _float32(bias, 1, "linear bias")
        if bias.shape != (weight.shape[0],):
            raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
        y += bias
    return y, macs


# --------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------


def _pool_geometry(x, kernel, stride, padding, dilation, ceil_mode, op):
    """Validated sizes and the (before, after) padding per axis that makes every window fit:
    in ceil mode the last window may hang past the trailing padding."""
    dims = x.ndim - 2
    kernel, stride = _sizes(kernel, dims, "kernel"), _sizes(stride, dims, "stride")
    dilation, pads = _sizes(dilation, dims, "dilation"), _padding_pairs(padding, dims)
    spatial = x.shape[2:]
    out = _window_output(spatial, kernel, stride, pads, dilation, ceil_mode, op)
    fit = tuple((before, max(after, (o - 1) * s + d * (k - 1) + 1 - size - before))
                for size, k, s, d, (before, after), o in zip(spatial, kernel, stride, dilation, pads, out))
    for size, k, s, d, (before, _), o in zip(spatial, kernel, stride, dilation, pads, out):
        if _real_counts(size, k, s, before, d, o).min() == 0:
            raise ValueError(f"{op}: padding {pads} leaves windows that cover no input element")
    return kernel, stride, dilation, pads, fit, out


def _real_counts(size, kernel, stride, pad_before, dilation, out):
    """Per output position along one axis: how many window taps land on real input."""
    taps = np.arange(out)[:, None] * stride - pad_before + np.arange(kernel)[None, :] * dilation
    return ((taps >= 0) & (taps < size)).sum(axis=1)


def _reduce_taps(windows, dims, ufunc):
    """Fold the kernel tap axes of a window view with ``ufunc`` -- one vectorised pass per tap."""
    head = (slice(None), slice(None))
    out = windows[head + (0,) * dims].copy()
    for tap in np.ndindex(*windows.shape[2 : 2 + dims]):
        if any(tap):
            ufunc(out, windows[head + tap], out=out)
    return out


def max_pool(x, kernel, stride, padding=0, dilation=1, ceil_mode=False):
    """Max pooling in 1, 2 or 3 spatial dimensions (padding counts as -inf); returns
    ``(y, window_reads)`` with ``window_reads`` = output elements × ∏kernel, the taps evaluated.
    Arguments as :func:`conv`.

    >>> y, reads = max_pool(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4), 2, 2)
    >>> y.ravel().tolist(), reads
    ([5.0, 7.0, 13.0, 15.0], 16)
    """
    x = _feature_map(x, "max_pool input")
    kernel, stride, dilation, _, fit, out = _pool_geometry(x, kernel, stride, padding, dilation, ceil_mode,
                                                           "max_pool")
    y = _reduce_taps(_windows(_pad(x, fit, -np.inf), kernel, stride, dilation, out), len(kernel), np.maximum)
    return y, y.size * int(np.prod(kernel))


def avg_pool(x, kernel, stride, padding=0, ceil_mode=False, count_include_pad=True):
    """Average pooling in 1, 2 or 3 spatial dimensions with PyTorch's divisor rules; returns
    ``(y, window_reads)``.

    ``count_include_pad=True`` divides by the window clipped to the padded input (the part of a
    ceil-mode window hanging past the padding is not counted); ``False`` divides by the number of
    real input elements under the window.

    >>> y, reads = avg_pool(np.ones((1, 1, 3, 3), np.float32), 2, 2, 0, True)
    >>> y.ravel().tolist(), reads
    ([1.0, 1.0, 1.0, 1.0], 16)
    """
    x = _feature_map(x, "avg_pool input")
    kernel, stride, _, pads, fit, out = _pool_geometry(x, kernel, stride, padding, 1, ceil_mode, "avg_pool")
    windows = _windows(_pad(x, fit, 0.0), kernel, stride, (1,) * len(kernel), out)
    y = _reduce_taps(windows, len(kernel), np.add)
    divisor = np.ones((), dtype=np.int64)
    for size, k, s, (before, after), o in zip(x.shape[2:], kernel, stride, pads, out):
        counts = (_real_counts(before + size + after, k, s, 0, 1, o) if count_include_pad
                  else _real_counts(size, k, s, before, 1, o))
        divisor = np.multiply.outer(divisor, counts)
    y /= divisor.astype(FLOAT)
    return y, y.size * int(np.prod(kernel))


def global_avg_pool(x):
    """Mean over every spatial axis, keeping each as size 1: (N, C, 1, …); reads = x.size."""
    x = _feature_map(x, "global_avg_pool input")
    return x.mean(axis=tuple(range(2, x.ndim)), keepdims=True, dtype=FLOAT), x.size


def global_max_pool(x):
    """Max over every spatial axis, keeping each as size 1: (N, C, 1, …); reads = x.size."""
    x = _feature_map(x, "global_max_pool input")
    return x.max(axis=tuple(range(2, x.ndim)), keepdims=True), x.size


def adaptive_avg_pool(x, size):
    """PyTorch's adaptive average pooling to ``size`` (one per spatial axis): output index i along
    an axis of length L averages input indices floor(i·L/out) up to (not including)
    ceil((i+1)·L/out)."""
    x = _feature_map(x, "adaptive_avg_pool input")
    size = _sizes(size, x.ndim - 2, "size")
    y = np.empty(x.shape[:2] + size, dtype=FLOAT)
    spatial = x.shape[2:]
    for index in np.ndindex(*size):
        window = tuple(slice(i * length // o, -(-(i + 1) * length // o)) for i, length, o in zip(index, spatial, size))
        y[(slice(None), slice(None)) + index] = x[(slice(None), slice(None)) + window].mean(
            axis=tuple(range(2, x.ndim)), dtype=FLOAT)
    return y


# --------------------------------------------------------------------------------------------
# Resampling: interpolation, pixel shuffle, center crop
# --------------------------------------------------------------------------------------------

#: Per mode: taps read per output element along each interpolated axis.
INTERPOLATION_TAPS = {"nearest": 1, "linear": 2, "bilinear": 2, "trilinear": 2, "bicubic": 4}


def _source_coordinates(size_in, size_out, scale, align_corners, cubic):
    """PyTorch's source coordinate of each output index along one axis (float64)."""
    index = np.arange(size_out, dtype=np.float64)
    if align_corners:
        return index * ((size_in - 1) / (size_out - 1)) if size_out > 1 else np.zeros(size_out)
    ratio = 1.0 / scale if scale is not None else size_in / size_out
    source = (index + 0.5) * ratio - 0.5
    return source if cubic else np.maximum(source, 0.0)


def _cubic_weights(t, a=-0.75):
    """Keys' cubic convolution weights for the taps at offsets −1, 0, 1, 2 (PyTorch's A = −0.75)."""
    def near(d):  # |d| ≤ 1
        return ((a + 2) * d - (a + 3)) * d * d + 1

    def far(d):   # 1 < |d| < 2
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a

    return far(t + 1), near(t), near(1 - t), far(2 - t)


def _interpolate_axis(x, axis, size_out, mode, align_corners, scale):
    size_in = x.shape[axis]
    if mode == "nearest":
        ratio = 1.0 / scale if scale is not None else size_in / size_out
        index = np.minimum(np.floor(np.arange(size_out) * ratio).astype(np.int64), size_in - 1)
        return np.take(x, index, axis=axis)
    cubic = mode == "bicubic"
    source = _source_coordinates(size_in, size_out, scale, align_corners, cubic)
    base = np.floor(source).astype(np.int64)
    t = source - base
    shape = [1] * x.ndim
    shape[axis] = size_out
    if cubic:
        taps = zip(range(-1, 3), _cubic_weights(t))
    else:
        base = np.minimum(base, size_in - 1)
        taps = zip(range(0, 2), (1 - t, t))
    # float32 throughout, as PyTorch's CPU kernels: each output is a sum of 2 or 4 weighted taps.
    result = None
    for offset, weight in taps:
        term = np.take(x, np.clip(base + offset, 0, size_in - 1), axis=axis)
        term *= weight.astype(FLOAT).reshape(shape)
        if result is None:
            result = term
        else:
            result += term
    return result


def interpolate(x, size, mode="nearest", align_corners=None, scale=None):
    """Resize the spatial axes of ``x`` (N, C, *spatial) to ``size`` as PyTorch's ``F.interpolate``;
    ``scale`` (one per axis, or None) is the scale factor PyTorch would use for the source
    coordinates when the size came from one. Returns ``(y, taps)``: taps = output elements ×
    ∏(taps per axis), nearest 1, (bi/tri)linear 2 and bicubic 4 per axis.

    >>> y, taps = interpolate(np.arange(4, dtype=np.float32).reshape(1, 1, 2, 2), (4, 4))
    >>> y[0, 0, :, 0].tolist(), taps
    ([0.0, 0.0, 2.0, 2.0], 16)
    """
    x = _feature_map(x, "interpolate input")
    dims = x.ndim - 2
    size = _sizes(size, dims, "size")
    scales = (None,) * dims if scale is None else tuple(scale)
    y = x
    for axis, (out, factor) in enumerate(zip(size, scales), start=2):
        y = _interpolate_axis(y, axis, out, mode, bool(align_corners), factor)
    y = np.ascontiguousarray(y, dtype=FLOAT)
    return y, y.size * INTERPOLATION_TAPS[mode] ** dims


def pixel_shuffle(x, factor):
    """(N, C·r^d, *spatial) → (N, C, *spatial·r), PyTorch's ``pixel_shuffle`` order in any rank."""
    x = _feature_map(x, "pixel_shuffle input")
    n, c, *spatial = x.shape
    dims = len(spatial)
    if c % factor**dims:
        raise ValueError(f"pixel_shuffle: {c} channels are not divisible by {factor}^{dims}")
    grouped = x.reshape(n, c // factor**dims, *(factor,) * dims, *spatial)
    order = [0, 1] + [axis for d in range(dims) for axis in (2 + dims + d, 2 + d)]
    return np.ascontiguousarray(grouped.transpose(order)).reshape(n, c // factor**dims,
                                                                   *(size * factor for size in spatial))


def pixel_unshuffle(x, factor):
    """(N, C, *spatial·r) → (N, C·r^d, *spatial): the inverse of :func:`pixel_shuffle`."""
    x = _feature_map(x, "pixel_unshuffle input")
    n, c, *spatial = x.shape
    dims = len(spatial)
    if any(size % factor for size in spatial):
        raise ValueError(f"pixel_unshuffle: spatial sizes {spatial} are not divisible by {factor}")
    split = x.reshape(n, c, *(v for size in spatial for v in (size // factor, factor)))
    order = [0, 1] + [3 + 2 * d for d in range(dims)] + [2 + 2 * d for d in range(dims)]
    return np.ascontiguousarray(split.transpose(order)).reshape(n, c * factor**dims,
                                                                *(size // factor for size in spatial))


# --------------------------------------------------------------------------------------------
# Normalisation and tensor plumbing
# --------------------------------------------------------------------------------------------


def _per_channel(values, x, name):
    values = _float32(values, 1, name)
    if values.shape != (x.shape[1],):
        raise ValueError(f"batch_norm: {name} must have shape ({x.shape[1]},), got {values.shape}")
    return values.reshape((1, -1) + (1,) * (x.ndim - 2))


def batch_norm(x, mean, var, scale, shift, eps=1e-5):
    """Inference batch norm over axis 1 (NCHW or (N, F)): ``(x - mean) / sqrt(var + eps) * scale + shift``,
    computed as PyTorch's CPU kernel does, ``x · a + b`` with a = scale / sqrt(var + eps) and
    b = shift − mean · a per channel: two passes over the tensor instead of three."""
    x = _float32(x, None, "batch_norm input")
    mean, var = _per_channel(mean, x, "mean"), _per_channel(var, x, "var")
    scale, shift = _per_channel(scale, x, "scale"), _per_channel(shift, x, "shift")
    factor = scale / np.sqrt(var + FLOAT(eps))
    y = x * factor
    y += shift - mean * factor
    return y


def local_response_norm(x, size=5, alpha=1e-4, beta=0.75, k=2.0):
    """Across-channel LRN with PyTorch's ``nn.LocalResponseNorm`` semantics:

    ``y_c = x_c / (k + alpha / size · Σ x_j²) ** beta``, the sum over channels
    ``j ∈ [c - size // 2, c + (size - 1) // 2]`` that exist (missing ones count as zero, and the
    divisor stays ``size``). AlexNet's paper writes it with k=2, alpha without the /size.
    """
    x = _float32(x, None, "local_response_norm input")
    if x.ndim < 3:
        raise ValueError(f"local_response_norm: input must be (N, C, ...), got shape {x.shape}")
    channels = x.shape[1]
    squares = np.square(x)
    before, after = size // 2, (size - 1) // 2
    window_sum = np.zeros_like(x)
    for offset in range(-before, after + 1):  # one vectorised pass per neighbour offset
        lo, hi = max(0, -offset), min(channels, channels - offset)
        if lo < hi:
            window_sum[:, lo:hi] += squares[:, lo + offset : hi + offset]
    return x / (FLOAT(k) + FLOAT(alpha / size) * window_sum) ** FLOAT(beta)


def channel_shuffle(x, groups):
    """ShuffleNet's channel shuffle: (N, g·m, *spatial) viewed as (g, m) channels, transposed to (m, g)."""
    x = _feature_map(x, "channel_shuffle input")
    n, c, *spatial = x.shape
    if groups < 1 or c % groups:
        raise ValueError(f"channel_shuffle: groups={groups} must divide the {c} channels")
    grouped = x.reshape(n, groups, c // groups, *spatial)
    return np.ascontiguousarray(grouped.swapaxes(1, 2)).reshape(x.shape)


def softmax(x, axis=1):
    """Softmax along ``axis``; the maximum is subtracted first so large logits do not overflow."""
    x = _float32(x, None, "softmax input")
    exps = np.exp(x - x.max(axis=axis, keepdims=True))
    return exps / exps.sum(axis=axis, keepdims=True)


# --------------------------------------------------------------------------------------------
# Normalisation by statistics of the sample itself (layer, group, instance norm); layer scale
# --------------------------------------------------------------------------------------------


def _per_channel_shape(values, x, name):
    """A length-C vector shaped to broadcast over (N, C, *spatial) or (N, F)."""
    values = _float32(values, 1, name)
    if values.shape != (x.shape[1],):
        raise ValueError(f"{name} must have shape ({x.shape[1]},), got {values.shape}")
    return values.reshape((1, -1) + (1,) * (x.ndim - 2))


def _normalize(x, axis, eps):
    """``(x − mean) / sqrt(var + eps)`` over ``axis``, the biased variance (as PyTorch).

    float32 throughout: along a contiguous axis NumPy sums pairwise, and across channels each
    sum has at most a few thousand terms, so the statistics keep about 1e-6 relative accuracy.
    """
    mean = x.mean(axis=axis, keepdims=True)
    centred = x - mean
    var = np.square(centred).mean(axis=axis, keepdims=True)
    var += FLOAT(eps)
    np.sqrt(var, out=var)
    centred /= var
    return centred


def _affine(y, x, scale, shift):
    if scale is not None:
        y = y * _per_channel_shape(scale, x, "scale")
    if shift is not None:
        y = y + _per_channel_shape(shift, x, "shift")
    return y


def layer_norm(x, scale=None, shift=None, eps=1e-5):
    """Normalise over the channels at every position: (N, C, *spatial) or (N, F) over F.

    ConvNeXt's LayerNorm2d, and ``nn.LayerNorm(C)`` applied channels-last after a permute,
    compute exactly this; ``scale`` and ``shift`` are per channel.
    """
    x = _float32(x, None, "layer_norm input")
    return _affine(_normalize(x, 1, eps), x, scale, shift)


def group_norm(x, groups, scale=None, shift=None, eps=1e-5):
    """PyTorch's ``group_norm``: the C channels split into ``groups`` consecutive groups, each
    normalised over its channels and all positions of one sample; then a per-channel affine.

    The statistics come from the (N, groups, C/groups·positions) view, where every reduction
    runs along contiguous memory; 1/σ of each group and the channel's scale are folded into one
    factor per (sample, channel), so the affine costs one multiply and one add per element.
    """
    x = _float32(x, None, "group_norm input")
    n, c = x.shape[:2]
    if groups < 1 or c % groups:
        raise ValueError(f"group_norm: groups={groups} must divide the {c} channels")
    centred = x.reshape(n, groups, -1) - x.reshape(n, groups, -1).mean(axis=2, keepdims=True)
    variance = np.einsum("ngk,ngk->ng", centred, centred) / FLOAT(centred.shape[2])
    factor = np.repeat(FLOAT(1) / np.sqrt(variance + FLOAT(eps)), c // groups, axis=1)   # (N, C)
    if scale is not None:
        factor *= _per_channel_shape(scale, x[:, :, None], "scale").reshape(1, c)
    y = centred.reshape(n, c, -1)
    y *= factor[:, :, None]
    if shift is not None:
        y += _per_channel_shape(shift, x[:, :, None], "shift").reshape(1, c, 1)
    return y.reshape(x.shape)


def instance_norm(x, scale=None, shift=None, eps=1e-5):
    """Each channel of each sample normalised over its positions (group norm with C groups)."""
    x = _float32(x, None, "instance_norm input")
    if x.ndim < 3:
        raise ValueError(f"instance_norm: input must be (N, C, *spatial), got shape {x.shape}")
    return group_norm(x, x.shape[1], scale, shift, eps)


def layer_scale(x, gamma):
    """A learned per-channel multiplier (ConvNeXt's γ): ``x · gamma[c]``."""
    x = _float32(x, None, "layer_scale input")
    return x * _per_channel_shape(gamma, x, "gamma")


# --------------------------------------------------------------------------------------------
# Activations (each as PyTorch defines it)
# --------------------------------------------------------------------------------------------


def relu(x):
    """max(x, 0)."""
    return np.maximum(_float32(x, None, "relu input"), FLOAT(0))


def relu6(x):
    """min(max(x, 0), 6)."""
    return np.clip(_float32(x, None, "relu6 input"), FLOAT(0), FLOAT(6))


def leaky_relu(x, slope=0.01):
    """x for x > 0, slope·x otherwise."""
    x = _float32(x, None, "leaky_relu input")
    return np.where(x > 0, x, x * FLOAT(slope))


def _sigmoid(x, out):
    # 1 / (1 + exp(−x)) keeps its relative precision on both sides; below x ≈ −88 exp(−x)
    # overflows to inf and the quotient is 0, the float32 value of the true result.
    np.negative(x, out=out)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += FLOAT(1)
    np.reciprocal(out, out=out)


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return _blockwise(_sigmoid, _float32(x, None, "sigmoid input"))


def hard_sigmoid(x):
    """relu6(x + 3) / 6 (PyTorch's ``hardsigmoid``)."""
    return relu6(_float32(x, None, "hard_sigmoid input") + FLOAT(3)) / FLOAT(6)


def tanh(x):
    """Hyperbolic tangent."""
    return np.tanh(_float32(x, None, "tanh input"))


def _silu(x, out):
    np.negative(x, out=out)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += FLOAT(1)
    np.divide(x, out, out=out)   # x / (1 + exp(−x)); 0 (of x's sign) where exp overflows


def silu(x):
    """x · sigmoid(x), also known as swish."""
    return _blockwise(_silu, _float32(x, None, "silu input"))


def hard_swish(x):
    """x · relu6(x + 3) / 6 (PyTorch's ``hardswish``)."""
    x = _float32(x, None, "hard_swish input")
    return x * hard_sigmoid(x)


def elu(x, alpha=1.0):
    """x for x > 0, alpha·(exp(x) - 1) otherwise."""
    x = _float32(x, None, "elu input")
    return np.where(x > 0, x, FLOAT(alpha) * np.expm1(np.minimum(x, FLOAT(0))))


# Activations with many passes per element (GELU's erfc, mish) run block by block: each pass over
# a block reads what the previous one left in cache, instead of streaming a whole tensor from
# memory per pass (GELU's erf form makes about thirty).
_BLOCK = 1 << 15   # elements: a few float32 temporaries of 128 KiB fit in a core's L2 cache


def _blockwise(function, x):
    """``function(block, out)`` over consecutive flat blocks of ``x``; the result has x's shape."""
    x = np.ascontiguousarray(x)
    out = np.empty_like(x)
    flat, flat_out = x.reshape(-1), out.reshape(-1)
    for start in range(0, flat.size, _BLOCK):
        function(flat[start:start + _BLOCK], flat_out[start:start + _BLOCK])
    return out


# Numerical Recipes' Chebyshev fit of erfc (fractional error < 1.2e-7 for all arguments).
_ERFC_COEFFS = (
    -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
    0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277,
)  # fmt: skip


def _erfc_of_magnitude(a):
    """erfc(a) for a ≥ 0 (a float32 array, overwritten): the Chebyshev fit, Horner in place."""
    t = a * FLOAT(0.5)
    t += FLOAT(1)
    np.reciprocal(t, out=t)
    poly = t * FLOAT(_ERFC_COEFFS[-1])
    poly += FLOAT(_ERFC_COEFFS[-2])
    for coeff in reversed(_ERFC_COEFFS[:-2]):
        poly *= t
        poly += FLOAT(coeff)
    a *= a
    poly -= a
    np.exp(poly, out=poly)
    poly *= t
    return poly


def _erfc(z):
    """Complementary error function of a float32 array, without SciPy (erfc(−a) = 2 − erfc(a))."""
    tail = _erfc_of_magnitude(np.abs(z))
    return np.where(z >= 0, tail, FLOAT(2) - tail)


def _gelu_erf(x, out):
    """``0.5·x·erfc(−x/√2)`` as ``max(x, 0) − 0.5·|x|·erfc(|x|/√2)`` (erfc(−a) = 2 − erfc(a)): the
    tail term is a product, so negative inputs keep their relative precision, and no per-element
    select is needed (NumPy's masked ufuncs cost more than the whole polynomial)."""
    magnitude = np.abs(x)
    tail = _erfc_of_magnitude(magnitude * FLOAT(np.sqrt(0.5)))
    magnitude *= FLOAT(0.5)
    tail *= magnitude
    np.maximum(x, FLOAT(0), out=out)
    out -= tail


def _gelu_tanh(x, out):
    inner = x * x
    inner *= FLOAT(0.044715)
    inner += FLOAT(1)
    inner *= x
    inner *= FLOAT(np.sqrt(2 / np.pi))
    np.tanh(inner, out=inner)
    inner += FLOAT(1)
    np.multiply(x, FLOAT(0.5), out=out)
    out *= inner


def gelu(x, approximate="none"):
    """GELU as PyTorch's ``nn.GELU(approximate=...)``.

    ``"none"`` (the default) is exact: ``0.5·x·(1 + erf(x/√2))``, computed as
    ``0.5·x·erfc(-x/√2)`` so the negative tail keeps its relative precision; erfc comes from a
    Chebyshev fit (fractional error < 1.2e-7). ``"tanh"`` is the approximation
    ``0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`` (BERT, GPT-2).
    """
    x = _float32(x, None, "gelu input")
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return _blockwise(_gelu_tanh if approximate == "tanh" else _gelu_erf, x)


def _mish(x, out):
    # tanh(ln(1 + n)) = n(n + 2) / (n(n + 2) + 2) with n = eˣ: one exp instead of exp, log and tanh.
    # Above x = 20 the fraction is 1 in float32; clipping there keeps n(n + 2) finite.
    n = np.minimum(x, FLOAT(20))
    np.exp(n, out=n)
    ratio = n + FLOAT(2)
    ratio *= n
    np.add(ratio, FLOAT(2), out=n)
    ratio /= n
    np.multiply(x, ratio, out=out)


def mish(x):
    """x · tanh(softplus(x)), softplus(x) = ln(1 + eˣ), as PyTorch's ``nn.Mish``."""
    return _blockwise(_mish, _float32(x, None, "mish input"))


def prelu(x, slope):
    """x for x > 0, slope·x otherwise, with a learned slope: one shared, or one per channel."""
    x = _float32(x, None, "prelu input")
    slope = _float32(slope, 1, "prelu slope")
    if slope.shape != (1,):
        slope = _per_channel_shape(slope, x, "prelu slope")
    out = x * slope
    # Where every slope is at most 1, slope·x ≤ x exactly when x ≥ 0 (and the product, rounded,
    # stays on the same side), so x for x > 0, slope·x otherwise is one maximum; slopes of at
    # least 1 make it a minimum. Mixed slopes take x where it is positive.
    if np.all(slope <= 1):
        np.maximum(out, x, out=out)
    elif np.all(slope >= 1):
        np.minimum(out, x, out=out)
    else:
        np.copyto(out, x, where=x > 0)
    return out


ACTIVATIONS = {
    f.__name__: f for f in (relu, relu6, leaky_relu, sigmoid, hard_sigmoid, tanh, silu, hard_swish, gelu, elu,
                            mish)
}
