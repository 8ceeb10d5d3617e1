"""Tests of archcalc.kernels.

Three independent sources of truth:
* reference implementations below -- explicit Python loops over tiny inputs, in float64, written
  straight from the definitions (one output element at a time, one tap at a time);
* closed-form shape and count formulas written out in the tests themselves;
* PyTorch, when it is installed (the oracle tests skip cleanly without it).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from archcalc import kernels

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def random_array(seed, shape):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape).astype(np.float32)


def assert_close(actual, expected, atol=1e-5, rtol=1e-5):
    assert actual.dtype == np.float32
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, atol=atol, rtol=rtol)


# --------------------------------------------------------------------------------------------
# Closed forms and reference implementations
# --------------------------------------------------------------------------------------------


def floor_size(size, kernel, stride, before, after, dilation=1):
    return (size + before + after - dilation * (kernel - 1) - 1) // stride + 1


def ceil_size(size, kernel, stride, before, after, dilation=1):
    out = math.ceil((size + before + after - dilation * (kernel - 1) - 1) / stride) + 1
    if (out - 1) * stride >= size + before:
        out -= 1
    return out


def reference_conv2d(x, w, b, stride, padding, dilation, groups):
    n_batch, _, height, width = x.shape
    out_channels, per_group, kh, kw = w.shape
    top, bottom, left, right = padding
    (sh, sw), (dh, dw) = stride, dilation
    ho = floor_size(height, kh, sh, top, bottom, dh)
    wo = floor_size(width, kw, sw, left, right, dw)
    out_per_group = out_channels // groups
    y = np.zeros((n_batch, out_channels, ho, wo))
    for n in range(n_batch):
        for o in range(out_channels):
            first_channel = (o // out_per_group) * per_group
            for r in range(ho):
                for s in range(wo):
                    total = 0.0 if b is None else float(b[o])
                    for c in range(per_group):
                        for i in range(kh):
                            for j in range(kw):
                                row, col = r * sh - top + i * dh, s * sw - left + j * dw
                                if 0 <= row < height and 0 <= col < width:
                                    total += float(w[o, c, i, j]) * float(x[n, first_channel + c, row, col])
                    y[n, o, r, s] = total
    return y


def reference_pool(x, kernel, stride, padding, dilation, ceil_mode, mode, count_include_pad=True):
    """Max or average pooling, one window tap at a time, PyTorch's divisor rules.

    Returns None when some window covers no input element at all."""
    n_batch, channels, height, width = x.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    top, bottom, left, right = padding
    size = ceil_size if ceil_mode else floor_size
    ho, wo = size(height, kh, sh, top, bottom, dh), size(width, kw, sw, left, right, dw)
    y = np.zeros((n_batch, channels, ho, wo))
    for n in range(n_batch):
        for c in range(channels):
            for r in range(ho):
                for s in range(wo):
                    values, in_padded_input = [], 0
                    for i in range(kh):
                        for j in range(kw):
                            row, col = r * sh - top + i * dh, s * sw - left + j * dw
                            if -top <= row < height + bottom and -left <= col < width + right:
                                in_padded_input += 1
                            if 0 <= row < height and 0 <= col < width:
                                values.append(float(x[n, c, row, col]))
                    if not values:
                        return None
                    if mode == "max":
                        y[n, c, r, s] = max(values)
                    else:
                        y[n, c, r, s] = sum(values) / (in_padded_input if count_include_pad else len(values))
    return y


def reference_linear(x, w, b):
    y = np.zeros((x.shape[0], w.shape[0]))
    for n in range(x.shape[0]):
        for o in range(w.shape[0]):
            y[n, o] = sum(float(x[n, i]) * float(w[o, i]) for i in range(x.shape[1]))
            if b is not None:
                y[n, o] += float(b[o])
    return y


def reference_lrn(x, size, alpha, beta, k):
    n_batch, channels, height, width = x.shape
    y = np.zeros(x.shape)
    for n in range(n_batch):
        for c in range(channels):
            for h in range(height):
                for w in range(width):
                    neighbours = range(max(0, c - size // 2), min(channels, c + (size - 1) // 2 + 1))
                    square_sum = sum(float(x[n, j, h, w]) ** 2 for j in neighbours)
                    y[n, c, h, w] = float(x[n, c, h, w]) / (k + alpha / size * square_sum) ** beta
    return y


# --------------------------------------------------------------------------------------------
# output_size
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, floor_expected, ceil_expected",
    [
        ((224, 3, 1, 1, 1), 224, 224),  # VGG conv
        ((224, 2, 2, 0, 0), 112, 112),  # VGG pool
        ((112, 3, 2, 0, 0), 55, 56),  # GoogLeNet pool 3/2 ceil
        ((5, 2, 2, 0, 0), 2, 3),
        ((5, 3, 2, 1, 1), 3, 3),  # ceil would start the last window in the padding: dropped
        ((227, 11, 4, 0, 0), 55, 55),  # AlexNet conv1
        ((7, 3, 1, 0, 0, 2), 3, 3),  # dilation 2: effective kernel 5
    ],
)
def test_output_size_table(args, floor_expected, ceil_expected):
    assert kernels.output_size(*args) == floor_expected
    assert kernels.output_size(*args, ceil_mode=True) == ceil_expected


@PROPERTY
@given(
    size=st.integers(1, 40),
    kernel=st.integers(1, 7),
    stride=st.integers(1, 5),
    before=st.integers(0, 4),
    after=st.integers(0, 4),
    dilation=st.integers(1, 3),
)
def test_output_size_matches_closed_forms_and_vectorises(size, kernel, stride, before, after, dilation):
    assume(size + before + after >= dilation * (kernel - 1) + 1)
    args = (size, kernel, stride, before, after, dilation)
    assert kernels.output_size(*args) == floor_size(*args)
    assert kernels.output_size(*args, ceil_mode=True) == ceil_size(*args)
    sizes = np.array([size, size + 1, size + 7])
    vectorised = kernels.output_size(sizes, kernel, stride, before, after, dilation, ceil_mode=True)
    assert vectorised.tolist() == [ceil_size(int(s), kernel, stride, before, after, dilation) for s in sizes]


# --------------------------------------------------------------------------------------------
# conv2d
# --------------------------------------------------------------------------------------------


@st.composite
def conv_cases(draw):
    groups = draw(st.integers(1, 3))
    per_group = draw(st.integers(1, 3))
    out_per_group = draw(st.integers(1, 3))
    if draw(st.booleans()):  # depthwise, with a channel multiplier of out_per_group
        groups, per_group = draw(st.integers(1, 5)), 1
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))  # includes stride > kernel
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, 3)) for _ in range(4))
    span_h = dilation[0] * (kernel[0] - 1) + 1
    span_w = dilation[1] * (kernel[1] - 1) + 1
    height = draw(st.integers(max(1, span_h - padding[0] - padding[1]), span_h + 7))
    width = draw(st.integers(max(1, span_w - padding[2] - padding[3]), span_w + 7))
    batch = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**16))
    x = random_array(seed, (batch, groups * per_group, height, width))
    w = random_array(seed + 1, (groups * out_per_group, per_group) + kernel)
    b = random_array(seed + 2, (groups * out_per_group,)) if draw(st.booleans()) else None
    return x, w, b, {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}


@PROPERTY
@given(conv_cases())
def test_conv2d_matches_reference_loops(case):
    x, w, b, options = case
    y, _ = kernels.conv(x, w, b, **options)
    expected = reference_conv2d(x, w, b, options["stride"], options["padding"], options["dilation"], options["groups"])
    assert_close(y, expected, atol=1e-5 * w[0].size)


@PROPERTY
@given(conv_cases())
def test_conv2d_shape_and_macs_closed_form(case):
    x, w, b, options = case
    n, c, h, width = x.shape
    o, _, kh, kw = w.shape
    top, bottom, left, right = options["padding"]
    (sh, sw), (dh, dw), groups = options["stride"], options["dilation"], options["groups"]
    ho = (h + top + bottom - dh * (kh - 1) - 1) // sh + 1
    wo = (width + left + right - dw * (kw - 1) - 1) // sw + 1
    y, macs = kernels.conv(x, w, b, **options)
    assert y.shape == (n, o, ho, wo)
    assert macs == n * o * ho * wo * (c // groups) * kh * kw


@PROPERTY
@given(conv_cases(), st.integers(1, 4000))
def test_conv2d_chunked_equals_unchunked(case, max_bytes):
    x, w, b, options = case
    whole, whole_macs = kernels.conv(x, w, b, **options)
    chunked, chunked_macs = kernels.conv(x, w, b, **options, max_bytes=max_bytes)
    np.testing.assert_allclose(chunked, whole, rtol=1e-6, atol=1e-6)
    assert chunked_macs == whole_macs


class MatmulRecorder:
    """Wraps np.matmul to record the operands every call received."""

    def __init__(self, monkeypatch):
        self.calls = []
        original = np.matmul

        def recording(a, b, *args, **kwargs):
            self.calls.append((a, b))
            return original(a, b, *args, **kwargs)

        monkeypatch.setattr(np, "matmul", recording)


def test_conv2d_max_bytes_caps_the_window_matrix(monkeypatch):
    x, w = random_array(0, (3, 4, 12, 10)), random_array(1, (6, 4, 3, 3))
    expected = reference_conv2d(x, w, None, (1, 1), (1, 1, 1, 1), (1, 1), 1)
    recorder = MatmulRecorder(monkeypatch)
    one_row = 4 * 3 * 3 * 10 * 4  # window matrix bytes for one output row of one sample
    for max_bytes, calls in [(2**30, 1), (12 * one_row, 3), (5 * one_row, 9), (one_row, 36), (1, 36)]:
        recorder.calls.clear()
        y, macs = kernels.conv(x, w, padding=(1, 1, 1, 1), max_bytes=max_bytes)
        assert_close(y, expected, atol=1e-4)
        assert macs == 3 * 6 * 12 * 10 * 4 * 3 * 3
        assert len(recorder.calls) == calls
        assert all(window.nbytes <= max(max_bytes, one_row) for _, window in recorder.calls)


def test_conv2d_1x1_uses_the_input_as_window_matrix(monkeypatch):
    x, w, b = random_array(0, (2, 6, 5, 7)), random_array(1, (4, 3, 1, 1)), random_array(2, (4,))
    recorder = MatmulRecorder(monkeypatch)
    y, macs = kernels.conv(x, w, b, groups=2)
    assert_close(y, reference_conv2d(x, w, b, (1, 1), (0, 0, 0, 0), (1, 1), 2))
    assert macs == 2 * 4 * 5 * 7 * 3
    assert len(recorder.calls) == 1 and np.shares_memory(recorder.calls[0][1], x)


def test_conv2d_working_memory_is_per_thread():
    # conv2d keeps its window matrix between calls; threads running at once must not share it.
    cases = [(random_array(seed, (2, 3, 20 + seed, 17)), random_array(seed + 9, (4, 3, 3, 3))) for seed in range(4)]
    expected = [kernels.conv(x, w, padding=(1, 2, 0, 1))[0] for x, w in cases]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(5):
            results = list(pool.map(lambda case: kernels.conv(*case, padding=(1, 2, 0, 1))[0], cases))
            for y, want in zip(results, expected):
                assert np.array_equal(y, want)


@pytest.mark.parametrize(
    "x_shape, w_shape, options",
    [
        ((1, 3, 9, 9), (8, 3, 3, 3), {"stride": (2, 2), "padding": (1, 1, 1, 1)}),
        ((2, 4, 8, 8), (4, 1, 3, 3), {"padding": (1, 1, 1, 1), "groups": 4}),  # depthwise
        ((1, 3, 7, 7), (6, 1, 3, 3), {"padding": (0, 2, 1, 0), "groups": 3}),  # depthwise, multiplier 2
        ((1, 2, 10, 9), (4, 2, 3, 2), {"dilation": (2, 3), "padding": (2, 0, 3, 1)}),
        ((1, 2, 11, 11), (3, 2, 2, 2), {"stride": (4, 3)}),  # stride > kernel
        ((2, 4, 5, 5), (2, 4, 1, 1), {"stride": (2, 2), "padding": (1, 0, 0, 1)}),  # 1x1, strided, padded
        ((1, 3, 6, 6), (2, 3, 6, 6), {}),  # kernel covers the whole input
    ],
)
def test_conv2d_named_cases(x_shape, w_shape, options):
    x, w, b = random_array(0, x_shape), random_array(1, w_shape), random_array(2, w_shape[:1])
    groups = options.get("groups", 1)
    y, _ = kernels.conv(x, w, b, **options)
    expected = reference_conv2d(
        x,
        w,
        b,
        options.get("stride", (1, 1)),
        options.get("padding", (0, 0, 0, 0)),
        options.get("dilation", (1, 1)),
        groups,
    )
    assert_close(y, expected, atol=1e-4)


@pytest.mark.parametrize(
    "x_shape, w_shape, options, message",
    [
        ((1, 3, 5, 5), (4, 2, 3, 3), {}, "input channels"),
        ((1, 4, 5, 5), (4, 2, 3, 3), {"groups": 3}, "groups=3"),
        ((1, 3, 2, 5), (4, 3, 3, 3), {}, "smaller than"),
        ((1, 3, 5, 5), (4, 3, 3, 3), {"padding": (1, 1, 1)}, "padding"),
        ((1, 3, 5, 5), (4, 3, 3, 3), {"stride": (0, 1)}, "stride"),
    ],
)
def test_conv2d_rejects_inconsistent_arguments(x_shape, w_shape, options, message):
    with pytest.raises(ValueError, match=message):
        kernels.conv(np.zeros(x_shape, np.float32), np.zeros(w_shape, np.float32), **options)


def test_conv2d_keeps_float32():
    y, _ = kernels.conv(np.ones((1, 2, 4, 4), np.float32), np.ones((2, 2, 3, 3), np.float32), np.ones(2, np.float32))
    assert y.dtype == np.float32
    assert float(y[0, 0, 0, 0]) == 19.0


# --------------------------------------------------------------------------------------------
# linear
# --------------------------------------------------------------------------------------------


@PROPERTY
@given(st.integers(1, 4), st.integers(1, 9), st.integers(1, 9), st.booleans(), st.integers(0, 2**16))
def test_linear_matches_reference(batch, features_in, features_out, with_bias, seed):
    x, w = random_array(seed, (batch, features_in)), random_array(seed + 1, (features_out, features_in))
    b = random_array(seed + 2, (features_out,)) if with_bias else None
    y, macs = kernels.linear(x, w, b)
    assert_close(y, reference_linear(x, w, b))
    assert macs == batch * features_in * features_out


def test_linear_rejects_feature_mismatch():
    with pytest.raises(ValueError, match="features"):
        kernels.linear(np.zeros((2, 3), np.float32), np.zeros((4, 5), np.float32))


# --------------------------------------------------------------------------------------------
# pooling
# --------------------------------------------------------------------------------------------


@st.composite
def pool_cases(draw, with_dilation):
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if with_dilation else (1, 1)
    padding = tuple(draw(st.integers(0, 2)) for _ in range(4))
    span_h = dilation[0] * (kernel[0] - 1) + 1
    span_w = dilation[1] * (kernel[1] - 1) + 1
    height = draw(st.integers(max(1, span_h - padding[0] - padding[1]), span_h + 7))
    width = draw(st.integers(max(1, span_w - padding[2] - padding[3]), span_w + 7))
    x = random_array(draw(st.integers(0, 2**16)), (draw(st.integers(1, 2)), draw(st.integers(1, 3)), height, width))
    return x, kernel, stride, padding, dilation, draw(st.booleans())


def check_pool(result, expected, kernel, out_shape):
    if expected is None:  # some window covers only padding
        assert isinstance(result, ValueError)
        return
    y, reads = result
    assert y.shape == out_shape == expected.shape
    assert reads == y.size * kernel[0] * kernel[1]
    assert_close(y, expected)


def pool_output_shape(x, kernel, stride, padding, dilation, ceil_mode):
    size = ceil_size if ceil_mode else floor_size
    top, bottom, left, right = padding
    return (
        x.shape[0],
        x.shape[1],
        size(x.shape[2], kernel[0], stride[0], top, bottom, dilation[0]),
        size(x.shape[3], kernel[1], stride[1], left, right, dilation[1]),
    )


def call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ValueError as error:
        return error


@PROPERTY
@given(pool_cases(with_dilation=True))
def test_max_pool_matches_reference(case):
    x, kernel, stride, padding, dilation, ceil_mode = case
    result = call(kernels.max_pool, x, kernel, stride, padding, dilation, ceil_mode)
    expected = reference_pool(x, kernel, stride, padding, dilation, ceil_mode, "max")
    check_pool(result, expected, kernel, pool_output_shape(x, kernel, stride, padding, dilation, ceil_mode))


@PROPERTY
@given(pool_cases(with_dilation=False), st.booleans())
def test_avg_pool_matches_reference(case, count_include_pad):
    x, kernel, stride, padding, _, ceil_mode = case
    result = call(kernels.avg_pool, x, kernel, stride, padding, ceil_mode, count_include_pad)
    expected = reference_pool(x, kernel, stride, padding, (1, 1), ceil_mode, "avg", count_include_pad)
    check_pool(result, expected, kernel, pool_output_shape(x, kernel, stride, padding, (1, 1), ceil_mode))


def test_avg_pool_divisors_in_ceil_mode():
    # 5x5 ones, 2x2 windows, stride 2, ceil mode, one row/column of padding at the bottom/right:
    # output 3x3; the last window row/column covers one input row plus one padding row.
    x = np.ones((1, 1, 5, 5), np.float32)
    including, _ = kernels.avg_pool(x, (2, 2), (2, 2), (0, 1, 0, 1), ceil_mode=True, count_include_pad=True)
    excluding, _ = kernels.avg_pool(x, (2, 2), (2, 2), (0, 1, 0, 1), ceil_mode=True, count_include_pad=False)
    assert including[0, 0].tolist() == [[1, 1, 0.5], [1, 1, 0.5], [0.5, 0.5, 0.25]]
    assert excluding[0, 0].tolist() == [[1.0] * 3] * 3
    # Without padding the ceil-mode window past the input is clipped away even when counting padding.
    clipped, _ = kernels.avg_pool(x, (2, 2), (2, 2), ceil_mode=True, count_include_pad=True)
    assert clipped[0, 0].tolist() == [[1.0] * 3] * 3


def test_max_pool_vgg_shape_and_reads():
    x = random_array(0, (1, 64, 224, 224))
    y, reads = kernels.max_pool(x, (2, 2), (2, 2))
    assert y.shape == (1, 64, 112, 112)
    assert reads == 64 * 112 * 112 * 4
    assert np.array_equal(y, x.reshape(1, 64, 112, 2, 112, 2).max(axis=(3, 5)))


def test_pool_rejects_windows_of_padding_only():
    with pytest.raises(ValueError, match="no input element"):
        kernels.max_pool(np.ones((1, 1, 4, 4), np.float32), (2, 2), (1, 1), padding=(2, 0, 0, 0))


def test_global_pools():
    x = random_array(3, (2, 3, 5, 4))
    mean, reads = kernels.global_avg_pool(x)
    assert mean.shape == (2, 3, 1, 1) and reads == 2 * 3 * 5 * 4
    assert_close(mean, x.astype(np.float64).mean(axis=(2, 3), keepdims=True), atol=1e-6)
    peak, reads = kernels.global_max_pool(x)
    assert peak.shape == (2, 3, 1, 1) and reads == 2 * 3 * 5 * 4
    assert np.array_equal(peak[:, :, 0, 0], np.array([[x[n, c].max() for c in range(3)] for n in range(2)]))


# --------------------------------------------------------------------------------------------
# normalisation, plumbing, activations
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size, alpha, beta, k", [(5, 1e-4, 0.75, 2.0), (3, 0.5, 0.5, 1.0), (4, 2.0, 1.0, 1.0)])
def test_local_response_norm_matches_reference(size, alpha, beta, k):
    x = random_array(4, (2, 7, 3, 2)) * 3
    assert_close(kernels.local_response_norm(x, size, alpha, beta, k), reference_lrn(x, size, alpha, beta, k))


def test_batch_norm_nchw_and_features():
    x = random_array(5, (2, 3, 4, 4))
    mean, var = random_array(6, (3,)), random_array(7, (3,)) ** 2 + 0.1
    scale, shift = random_array(8, (3,)), random_array(9, (3,))
    expected = np.empty(x.shape)
    for c in range(3):
        expected[:, c] = (x[:, c] - mean[c]) / math.sqrt(var[c] + 1e-5) * scale[c] + shift[c]
    assert_close(kernels.batch_norm(x, mean, var, scale, shift), expected)
    flat = x[:, :, 0, 0]
    assert_close(kernels.batch_norm(flat, mean, var, scale, shift), expected[:, :, 0, 0])
    with pytest.raises(ValueError, match="mean"):
        kernels.batch_norm(x, mean[:2], var, scale, shift)


def test_channel_shuffle():
    x = np.arange(2 * 6 * 2 * 2, dtype=np.float32).reshape(2, 6, 2, 2)
    y = kernels.channel_shuffle(x, 3)
    # channels (g, m) = (3 groups, 2 per group) come out ordered (m, g): 0, 2, 4, 1, 3, 5
    assert np.array_equal(y, x[:, [0, 2, 4, 1, 3, 5]])
    with pytest.raises(ValueError, match="groups=4"):
        kernels.channel_shuffle(x, 4)


def test_softmax_is_stable_and_normalised():
    logits = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]], np.float32)
    p = kernels.softmax(logits, axis=1)
    assert p.dtype == np.float32 and np.all(np.isfinite(p))
    expected = np.exp([0.0, 1.0, 2.0]) / np.exp([0.0, 1.0, 2.0]).sum()
    assert_close(p[0], expected)
    assert_close(p[1], np.array([0.0, 0.0, 1.0]))
    columns = kernels.softmax(random_array(1, (4, 5)), axis=0)
    assert_close(columns.sum(axis=0), np.ones(5), atol=1e-6)


def _scalar_sigmoid(v):
    return 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))


# Each activation written from its PyTorch definition, one scalar at a time, in float64.
SCALAR_ACTIVATIONS = {
    "relu": lambda v: max(v, 0.0),
    "relu6": lambda v: min(max(v, 0.0), 6.0),
    "leaky_relu": lambda v: v if v > 0 else 0.01 * v,
    "sigmoid": _scalar_sigmoid,
    "hard_sigmoid": lambda v: min(max(v + 3, 0.0), 6.0) / 6,
    "tanh": math.tanh,
    "silu": lambda v: v * _scalar_sigmoid(v),
    "hard_swish": lambda v: v * min(max(v + 3, 0.0), 6.0) / 6,
    "gelu": lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2))),
    "elu": lambda v: v if v > 0 else math.expm1(v),
    "mish": lambda v: v * math.tanh(max(v, 0.0) + math.log1p(math.exp(-abs(v)))),
}
ACTIVATION_INPUTS = np.concatenate(
    [np.linspace(-12, 12, 2401), [-1e4, -100.0, -3.0, -1e-6, 0.0, 1e-6, 3.0, 6.0, 100.0, 1e4]]
).astype(np.float32)


def test_every_activation_has_a_reference():
    assert set(kernels.ACTIVATIONS) == set(SCALAR_ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(SCALAR_ACTIVATIONS))
def test_activation_matches_scalar_definition(name):
    y = kernels.ACTIVATIONS[name](ACTIVATION_INPUTS)
    expected = np.array([SCALAR_ACTIVATIONS[name](float(v)) for v in ACTIVATION_INPUTS])
    assert_close(y, expected, atol=1e-6, rtol=2e-6)


def test_gelu_keeps_relative_precision_in_the_negative_tail():
    x = np.array([-3.0, -5.0, -7.0], np.float32)
    expected = np.array([0.5 * v * math.erfc(-v / math.sqrt(2)) for v in x.astype(float)])
    np.testing.assert_allclose(kernels.gelu(x), expected, rtol=1e-5)


def test_leaky_relu_and_elu_parameters():
    x = np.array([-2.0, 3.0], np.float32)
    assert kernels.leaky_relu(x, 0.2).tolist() == pytest.approx([-0.4, 3.0])
    assert kernels.elu(x, 0.5).tolist() == pytest.approx([0.5 * math.expm1(-2.0), 3.0])


# --------------------------------------------------------------------------------------------
# PyTorch oracle
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def tensor(torch, array):
    return torch.from_numpy(np.ascontiguousarray(array))


@PROPERTY
@given(conv_cases())
def test_conv2d_matches_torch(torch, case):
    x, w, b, options = case
    top, bottom, left, right = options["padding"]
    padded = torch.nn.functional.pad(tensor(torch, x), (left, right, top, bottom))
    expected = torch.nn.functional.conv2d(
        padded,
        tensor(torch, w),
        None if b is None else tensor(torch, b),
        stride=options["stride"],
        dilation=options["dilation"],
        groups=options["groups"],
    )
    y, _ = kernels.conv(x, w, b, **options)
    assert_close(y, expected.numpy(), atol=1e-5 * w[0].size)


@st.composite
def torch_pool_cases(draw, with_dilation):
    """PyTorch pools take symmetric padding of at most half the kernel."""
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if with_dilation else (1, 1)
    pad = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    span = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    height = draw(st.integers(max(1, span[0] - 2 * pad[0]), span[0] + 8))
    width = draw(st.integers(max(1, span[1] - 2 * pad[1]), span[1] + 8))
    x = random_array(draw(st.integers(0, 2**16)), (draw(st.integers(1, 2)), 2, height, width))
    return x, kernel, stride, pad, dilation, draw(st.booleans())


@PROPERTY
@given(torch_pool_cases(with_dilation=True))
def test_max_pool_matches_torch(torch, case):
    x, kernel, stride, pad, dilation, ceil_mode = case
    expected = torch.nn.functional.max_pool2d(tensor(torch, x), kernel, stride, pad, dilation, ceil_mode).numpy()
    result = call(kernels.max_pool, x, kernel, stride, (pad[0], pad[0], pad[1], pad[1]), dilation, ceil_mode)
    if isinstance(result, ValueError):  # a window of padding only, which PyTorch fills with -inf
        assert np.isneginf(expected).any()
        return
    assert_close(result[0], expected)


@PROPERTY
@given(torch_pool_cases(with_dilation=False), st.booleans())
def test_avg_pool_matches_torch(torch, case, count_include_pad):
    x, kernel, stride, pad, _, ceil_mode = case
    expected = torch.nn.functional.avg_pool2d(tensor(torch, x), kernel, stride, pad, ceil_mode, count_include_pad)
    y, _ = kernels.avg_pool(x, kernel, stride, (pad[0], pad[0], pad[1], pad[1]), ceil_mode, count_include_pad)
    assert_close(y, expected.numpy())


@pytest.mark.parametrize("size, alpha, beta, k", [(5, 1e-4, 0.75, 2.0), (3, 0.5, 0.5, 1.0), (6, 1.0, 0.9, 1.5)])
def test_local_response_norm_matches_torch(torch, size, alpha, beta, k):
    x = random_array(11, (2, 9, 5, 4)) * 4
    expected = torch.nn.LocalResponseNorm(size, alpha, beta, k)(tensor(torch, x)).numpy()
    assert_close(kernels.local_response_norm(x, size, alpha, beta, k), expected)


def torch_activations(torch):
    F = torch.nn.functional
    return {
        "relu": F.relu,
        "relu6": F.relu6,
        "leaky_relu": F.leaky_relu,
        "sigmoid": torch.sigmoid,
        "hard_sigmoid": F.hardsigmoid,
        "tanh": torch.tanh,
        "silu": F.silu,
        "hard_swish": F.hardswish,
        "gelu": F.gelu,
        "elu": F.elu,
        "mish": F.mish,
    }


@pytest.mark.parametrize("name", sorted(SCALAR_ACTIVATIONS))
def test_activation_matches_torch(torch, name):
    expected = torch_activations(torch)[name](tensor(torch, ACTIVATION_INPUTS)).numpy()
    assert_close(kernels.ACTIVATIONS[name](ACTIVATION_INPUTS), expected, atol=1e-6, rtol=2e-6)


def test_softmax_matches_torch(torch):
    x = random_array(12, (3, 10, 2, 2)) * 50
    for axis in (0, 1, 3):
        expected = torch.softmax(tensor(torch, x), dim=axis).numpy()
        assert_close(kernels.softmax(x, axis=axis), expected, atol=1e-6)


@pytest.mark.parametrize("shape", [(2, 4, 5, 3), (6, 4)])
def test_batch_norm_matches_torch(torch, shape):
    x = random_array(13, shape)
    mean, var = random_array(14, (4,)), random_array(15, (4,)) ** 2 + 0.05
    scale, shift = random_array(16, (4,)), random_array(17, (4,))
    expected = torch.nn.functional.batch_norm(
        tensor(torch, x),
        tensor(torch, mean),
        tensor(torch, var),
        tensor(torch, scale),
        tensor(torch, shift),
        training=False,
        eps=1e-3,
    ).numpy()
    assert_close(kernels.batch_norm(x, mean, var, scale, shift, eps=1e-3), expected)


@pytest.mark.parametrize("slope", [[0.25], [1.0], [1.5], [-0.3], [0.25, 1.5, -2.0, 1.0], [1.5, 2.0, 3.0, 4.0]],
                         ids=["below-1", "one", "above-1", "negative", "mixed", "all-above-1"])
def test_prelu_matches_torch_for_slopes_either_side_of_one(torch, slope):
    """prelu takes a maximum when every slope is ≤ 1, a minimum when ≥ 1, a select otherwise: each
    path must give exactly torch's x-or-slope·x (no arithmetic beyond the one product)."""
    x = random_array(18, (2, 4, 5, 3)) * 4
    x[0, 0, 0, :3] = [0.0, np.inf, -np.inf]
    slope = np.array(slope, np.float32)
    expected = torch.nn.functional.prelu(tensor(torch, x), tensor(torch, slope)).numpy()
    np.testing.assert_array_equal(kernels.prelu(x, slope), expected)


@pytest.mark.parametrize("shape, groups", [((3, 8, 5, 4), 4), ((2, 6, 3), 3), ((2, 4, 2, 3, 3), 1), ((5, 12), 6),
                                           ((2, 64, 40, 40), 2)])
def test_group_norm_matches_torch_across_blocks(torch, shape, groups):
    """The kernel normalises rows a block at a time; shapes here span one block, several, and rows
    longer than a block (the last one), with and without the affine."""
    x = random_array(19, shape) * 3 + 1
    scale, shift = random_array(20, shape[1:2]), random_array(21, shape[1:2])
    for affine in ((), (scale, shift), (None, shift), (scale, None)):
        expected = torch.nn.functional.group_norm(tensor(torch, x), groups,
                                                  *(None if a is None else tensor(torch, a) for a in affine)).numpy()
        assert_close(kernels.group_norm(x, groups, *affine), expected, atol=1e-5, rtol=1e-5)
