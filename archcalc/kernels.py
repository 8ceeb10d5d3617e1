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


def _pair(value, name):
    pair = tuple(int(v) for v in value)
    if len(pair) != 2 or min(pair) < 1:
        raise ValueError(f"{name} must be two positive ints (h, w), got {value!r}")
    return pair


def _padding4(value):
    pad = tuple(int(v) for v in value)
    if len(pad) != 4 or min(pad) < 0:
        raise ValueError(f"padding must be four non-negative ints (top, bottom, left, right), got {value!r}")
    return pad


def _float32(array, ndim, name):
    array = np.asarray(array, dtype=FLOAT)
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {array.shape}")
    return array


def _window_output_hw(h, w, kernel, stride, padding, dilation, ceil_mode, op):
    top, bottom, left, right = padding
    ho = output_size(h, kernel[0], stride[0], top, bottom, dilation[0], ceil_mode)
    wo = output_size(w, kernel[1], stride[1], left, right, dilation[1], ceil_mode)
    if ho < 1 or wo < 1:
        raise ValueError(
            f"{op}: input {h}x{w} with padding {padding} is smaller than the "
            f"{dilation[0] * (kernel[0] - 1) + 1}x{dilation[1] * (kernel[1] - 1) + 1} window "
            f"(output would be {ho}x{wo})"
        )
    return int(ho), int(wo)


def _padded_shape(x, padding):
    top, bottom, left, right = padding
    n, c, h, w = x.shape
    return n, c, top + h + bottom, left + w + right


def _pad(x, padding, value, out=None):
    """NCHW ``x`` with (top, bottom, left, right) borders of ``value``, in ``out`` if given;
    ``x`` itself when there is no padding."""
    top, _, left, _ = padding
    if not any(padding):
        return x
    h, w = x.shape[2:]
    padded = np.empty(_padded_shape(x, padding), dtype=FLOAT) if out is None else out
    padded[:, :, :top] = value
    padded[:, :, top + h :] = value
    padded[:, :, top : top + h, :left] = value
    padded[:, :, top : top + h, left + w :] = value
    padded[:, :, top : top + h, left : left + w] = x
    return padded


def _windows(padded, kernel, stride, dilation, out_hw):
    """Read-only view ``(N, C, kh, kw, H_out, W_out)``: element [.., i, j, r, s] is the input
    pixel under kernel tap (i, j) for output pixel (r, s)."""
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_hw
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    view = sliding_window_view(padded, span, axis=(2, 3))  # (N, C, Hs, Ws, span_h, span_w)
    view = view[:, :, : (ho - 1) * sh + 1 : sh, : (wo - 1) * sw + 1 : sw, ::dh, ::dw]
    return view.transpose(0, 1, 4, 5, 2, 3)


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


def conv2d(
    x,
    weight,
    bias=None,
    *,
    stride=(1, 1),
    padding=(0, 0, 0, 0),
    dilation=(1, 1),
    groups=1,
    max_bytes=256 * 2**20,
):
    """2-D cross-correlation (PyTorch's ``conv2d``) with zero padding; returns ``(y, macs)``.

    ``x`` is (N, C, H, W), ``weight`` (O, C // groups, kh, kw), ``bias`` (O,) or None. ``y`` is
    (N, O, H_out, W_out) with sizes from :func:`output_size`. ``macs`` is the sum of M·N·K over
    the matrix products actually run, which for this algorithm equals
    N·O·H_out·W_out·(C/groups)·kh·kw. ``max_bytes`` caps the window matrix held at once; its
    memory and the padded input's are kept between calls (per thread) for reuse.

    >>> y, macs = conv2d(np.ones((1, 2, 5, 5), np.float32), np.ones((4, 2, 3, 3), np.float32),
    ...                  padding=(1, 1, 1, 1))
    >>> y.shape, macs, float(y[0, 0, 2, 2]), float(y[0, 0, 0, 0])
    ((1, 4, 5, 5), 1800, 18.0, 8.0)
    """
    x = _float32(x, 4, "conv2d input")
    weight = _float32(weight, 4, "conv2d weight")
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    padding = _padding4(padding)
    n, c, h, w = x.shape
    o, c_per_group, kh, kw = weight.shape
    if groups < 1 or c % groups or o % groups:
        raise ValueError(f"conv2d: groups={groups} must divide input channels {c} and output channels {o}")
    if c_per_group != c // groups:
        raise ValueError(
            f"conv2d: weight expects {c_per_group} input channels per group, "
            f"input has {c} channels in {groups} group(s) = {c // groups} per group"
        )
    if bias is not None:
        bias = _float32(bias, 1, "conv2d bias")
        if bias.shape != (o,):
            raise ValueError(f"conv2d: bias must have shape ({o},), got {bias.shape}")
    ho, wo = _window_output_hw(h, w, (kh, kw), stride, padding, dilation, False, "conv2d")

    out_per_group, k = o // groups, c_per_group * kh * kw
    weight_matrices = weight.reshape(groups, out_per_group, k)
    bias_column = None if bias is None else bias.reshape(groups, out_per_group, 1)
    y = np.empty((n, o, ho, wo), dtype=FLOAT)
    y_matrices = _view(y, (n, groups, out_per_group, ho * wo))

    if kh == kw == 1 and stride == (1, 1) and not any(padding) and x.flags.c_contiguous:
        window = _view(x, (n, groups, c_per_group, h * w))  # the input already is the window matrix
        np.matmul(weight_matrices, window, out=y_matrices)
        if bias_column is not None:
            y_matrices += bias_column
        return y, _matmul_macs(weight_matrices.shape, window.shape)

    samples, rows = _conv_chunking(n, ho, c * kh * kw * wo * _ITEMSIZE, max_bytes)
    macs = 0
    for n0 in range(0, n, samples):
        part = x[n0 : n0 + samples]
        n1 = n0 + len(part)
        if any(padding):
            part = _pad(part, padding, 0.0, out=_scratch.take("padded", _padded_shape(part, padding)))
        windows = _windows(part, (kh, kw), stride, dilation, (ho, wo))
        for r0 in range(0, ho, rows):
            r1 = min(ho, r0 + rows)
            chunk = _scratch.take("window", (n1 - n0, c, kh, kw, r1 - r0, wo))
            np.copyto(chunk, windows[:, :, :, :, r0:r1])
            window = _view(chunk, (n1 - n0, groups, k, (r1 - r0) * wo))
            out = y_matrices[n0:n1, :, :, r0 * wo : r1 * wo]
            np.matmul(weight_matrices, window, out=out)
            macs += _matmul_macs(weight_matrices.shape, window.shape)
            if bias_column is not None:
                out += bias_column
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
    """Validated sizes and the (top, bottom, left, right) padding that makes every window fit:
    in ceil mode the last window may hang past the bottom/right padding."""
    kernel, stride, dilation = _pair(kernel, "kernel"), _pair(stride, "stride"), _pair(dilation, "dilation")
    padding = _padding4(padding)
    _, _, h, w = x.shape
    ho, wo = _window_output_hw(h, w, kernel, stride, padding, dilation, ceil_mode, op)
    top, bottom, left, right = padding
    need_h = (ho - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1
    need_w = (wo - 1) * stride[1] + dilation[1] * (kernel[1] - 1) + 1
    fit = (top, max(bottom, need_h - h - top), left, max(right, need_w - w - left))
    rows = _real_counts(h, kernel[0], stride[0], top, dilation[0], ho)
    cols = _real_counts(w, kernel[1], stride[1], left, dilation[1], wo)
    if rows.min() == 0 or cols.min() == 0:
        raise ValueError(f"{op}: padding {padding} leaves windows that cover no input element")
    return kernel, stride, dilation, fit, (ho, wo)


def _real_counts(size, kernel, stride, pad_before, dilation, out):
    """Per output position along one axis: how many window taps land on real input."""
    taps = np.arange(out)[:, None] * stride - pad_before + np.arange(kernel)[None, :] * dilation
    return ((taps >= 0) & (taps < size)).sum(axis=1)


def _reduce_taps(windows, ufunc):
    """Fold the (kh, kw) tap axes of a window view with ``ufunc`` -- one vectorised pass per tap."""
    kh, kw = windows.shape[2:4]
    out = windows[:, :, 0, 0].copy()
    for i in range(kh):
        for j in range(kw):
            if i or j:
                ufunc(out, windows[:, :, i, j], out=out)
    return out


def max_pool2d(x, kernel, stride, padding=(0, 0, 0, 0), dilation=(1, 1), ceil_mode=False):
    """Max pooling (padding counts as -inf); returns ``(y, window_reads)``.

    ``window_reads`` = output elements × kh × kw, the taps evaluated.

    >>> y, reads = max_pool2d(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4), (2, 2), (2, 2))
    >>> y.ravel().tolist(), reads
    ([5.0, 7.0, 13.0, 15.0], 16)
    """
    x = _float32(x, 4, "max_pool2d input")
    kernel, stride, dilation, fit, out_hw = _pool_geometry(
        x, kernel, stride, padding, dilation, ceil_mode, "max_pool2d"
    )
    windows = _windows(_pad(x, fit, -np.inf), kernel, stride, dilation, out_hw)
    y = _reduce_taps(windows, np.maximum)
    return y, y.size * kernel[0] * kernel[1]


def avg_pool2d(x, kernel, stride, padding=(0, 0, 0, 0), ceil_mode=False, count_include_pad=True):
    """Average pooling with PyTorch's divisor rules; returns ``(y, window_reads)``.

    ``count_include_pad=True`` divides by the window clipped to the padded input (the part of a
    ceil-mode window hanging past the padding is not counted); ``False`` divides by the number of
    real input elements under the window.

    >>> y, reads = avg_pool2d(np.ones((1, 1, 3, 3), np.float32), (2, 2), (2, 2), (0, 0, 0, 0), True)
    >>> y.ravel().tolist(), reads
    ([1.0, 1.0, 1.0, 1.0], 16)
    """
    x = _float32(x, 4, "avg_pool2d input")
    padding = _padding4(padding)
    kernel, stride, _, fit, (ho, wo) = _pool_geometry(x, kernel, stride, padding, (1, 1), ceil_mode, "avg_pool2d")
    _, _, h, w = x.shape
    windows = _windows(_pad(x, fit, 0.0), kernel, stride, (1, 1), (ho, wo))
    y = _reduce_taps(windows, np.add)
    top, bottom, left, right = padding
    if count_include_pad:
        rows = _real_counts(top + h + bottom, kernel[0], stride[0], 0, 1, ho)
        cols = _real_counts(left + w + right, kernel[1], stride[1], 0, 1, wo)
    else:
        rows = _real_counts(h, kernel[0], stride[0], top, 1, ho)
        cols = _real_counts(w, kernel[1], stride[1], left, 1, wo)
    y /= (rows[:, None] * cols[None, :]).astype(FLOAT)
    return y, y.size * kernel[0] * kernel[1]


def global_avg_pool2d(x):
    """Mean over H and W, keeping them as size 1: (N, C, 1, 1); reads = N·C·H·W."""
    x = _float32(x, 4, "global_avg_pool2d input")
    return x.mean(axis=(2, 3), keepdims=True, dtype=FLOAT), x.size


def global_max_pool2d(x):
    """Max over H and W, keeping them as size 1: (N, C, 1, 1); reads = N·C·H·W."""
    x = _float32(x, 4, "global_max_pool2d input")
    return x.max(axis=(2, 3), keepdims=True), x.size


# --------------------------------------------------------------------------------------------
# Normalisation and tensor plumbing
# --------------------------------------------------------------------------------------------


def _per_channel(values, x, name):
    values = _float32(values, 1, name)
    if values.shape != (x.shape[1],):
        raise ValueError(f"batch_norm: {name} must have shape ({x.shape[1]},), got {values.shape}")
    return values.reshape((1, -1) + (1,) * (x.ndim - 2))


def batch_norm(x, mean, var, scale, shift, eps=1e-5):
    """Inference batch norm over axis 1 (NCHW or (N, F)): ``(x - mean) / sqrt(var + eps) * scale + shift``."""
    x = _float32(x, None, "batch_norm input")
    mean, var = _per_channel(mean, x, "mean"), _per_channel(var, x, "var")
    scale, shift = _per_channel(scale, x, "scale"), _per_channel(shift, x, "shift")
    factor = scale / np.sqrt(var + FLOAT(eps))
    return (x - mean) * factor + shift


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
    """ShuffleNet's channel shuffle: (N, g·m, H, W) viewed as (g, m) channels, transposed to (m, g)."""
    x = _float32(x, 4, "channel_shuffle input")
    n, c, h, w = x.shape
    if groups < 1 or c % groups:
        raise ValueError(f"channel_shuffle: groups={groups} must divide the {c} channels")
    grouped = x.reshape(n, groups, c // groups, h, w)
    return np.ascontiguousarray(grouped.transpose(0, 2, 1, 3, 4)).reshape(n, c, h, w)


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


def _normalize(x, axes, eps):
    """``(x − mean) / sqrt(var + eps)`` over ``axes``, the biased variance (as PyTorch)."""
    mean = x.mean(axis=axes, keepdims=True, dtype=np.float64)
    centred = x - mean.astype(FLOAT)
    var = np.square(centred).mean(axis=axes, keepdims=True, dtype=np.float64)
    return (centred * (1.0 / np.sqrt(var + eps)).astype(FLOAT)).astype(FLOAT, copy=False)


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
    normalised over its channels and all positions of one sample; then a per-channel affine."""
    x = _float32(x, None, "group_norm input")
    n, c = x.shape[:2]
    if groups < 1 or c % groups:
        raise ValueError(f"group_norm: groups={groups} must divide the {c} channels")
    grouped = x.reshape(n, groups, -1)
    y = _normalize(grouped, 2, eps).reshape(x.shape)
    return _affine(y, x, scale, shift)


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


def sigmoid(x):
    """1 / (1 + exp(-x)), evaluated through exp(-|x|) so it never overflows."""
    x = _float32(x, None, "sigmoid input")
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(FLOAT, copy=False)


def hard_sigmoid(x):
    """relu6(x + 3) / 6 (PyTorch's ``hardsigmoid``)."""
    return relu6(_float32(x, None, "hard_sigmoid input") + FLOAT(3)) / FLOAT(6)


def tanh(x):
    """Hyperbolic tangent."""
    return np.tanh(_float32(x, None, "tanh input"))


def silu(x):
    """x · sigmoid(x), also known as swish."""
    x = _float32(x, None, "silu input")
    return x * sigmoid(x)


swish = silu


def hard_swish(x):
    """x · relu6(x + 3) / 6 (PyTorch's ``hardswish``)."""
    x = _float32(x, None, "hard_swish input")
    return x * hard_sigmoid(x)


def elu(x, alpha=1.0):
    """x for x > 0, alpha·(exp(x) - 1) otherwise."""
    x = _float32(x, None, "elu input")
    return np.where(x > 0, x, FLOAT(alpha) * np.expm1(np.minimum(x, FLOAT(0))))


# Numerical Recipes' Chebyshev fit of erfc (fractional error < 1.2e-7 for all arguments).
_ERFC_COEFFS = (
    -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
    0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277,
)  # fmt: skip


def _erfc(z):
    """Complementary error function of a float32 array, without SciPy."""
    a = np.abs(z)
    t = FLOAT(1) / (FLOAT(1) + FLOAT(0.5) * a)
    poly = np.full_like(t, FLOAT(_ERFC_COEFFS[-1]))
    for coeff in reversed(_ERFC_COEFFS[:-1]):
        poly = poly * t + FLOAT(coeff)
    tail = t * np.exp(poly - a * a)
    return np.where(z >= 0, tail, FLOAT(2) - tail)


def gelu(x, approximate="none"):
    """GELU as PyTorch's ``nn.GELU(approximate=...)``.

    ``"none"`` (the default) is exact: ``0.5·x·(1 + erf(x/√2))``, computed as
    ``0.5·x·erfc(-x/√2)`` so the negative tail keeps its relative precision; erfc comes from a
    Chebyshev fit (fractional error < 1.2e-7). ``"tanh"`` is the approximation
    ``0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`` (BERT, GPT-2).
    """
    x = _float32(x, None, "gelu input")
    if approximate == "tanh":
        inner = FLOAT(np.sqrt(2 / np.pi)) * (x + FLOAT(0.044715) * x * x * x)
        return FLOAT(0.5) * x * (FLOAT(1) + np.tanh(inner))
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return FLOAT(0.5) * x * _erfc(-x * FLOAT(np.sqrt(0.5)))


def mish(x):
    """x · tanh(softplus(x)), softplus(x) = log(1 + eˣ) evaluated without overflow."""
    x = _float32(x, None, "mish input")
    return x * np.tanh(np.logaddexp(FLOAT(0), x))


def prelu(x, slope):
    """x for x > 0, slope·x otherwise, with a learned slope: one shared, or one per channel."""
    x = _float32(x, None, "prelu input")
    slope = _float32(slope, 1, "prelu slope")
    if slope.shape != (1,):
        slope = _per_channel_shape(slope, x, "prelu slope")
    return np.where(x > 0, x, x * slope)


ACTIVATIONS = {
    f.__name__: f for f in (relu, relu6, leaky_relu, sigmoid, hard_sigmoid, tanh, silu, hard_swish, gelu, elu,
                            mish)
}
ACTIVATIONS["swish"] = silu
