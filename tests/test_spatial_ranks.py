"""Tensors of 1, 2 and 3 spatial dimensions (C×L, C×H×W, C×D×H×W): shapes, parameters and MACs
against closed forms written here and against PyTorch where it is installed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from archcalc import kernels
from archcalc.errors import ArchcalcError
from archcalc.spec import parse_shape


def prod(values):
    return int(np.prod(values))


def test_input_shapes_of_every_rank():
    assert parse_shape("1x8000") == (1, 8000)
    assert parse_shape("3x16x112x112") == (3, 16, 112, 112)
    assert parse_shape("100") == (100,)
    with pytest.raises(ArchcalcError):
        parse_shape("1x2x3x4x5")


@pytest.mark.parametrize("shape, kernel, stride, padding, out", [
    ("1x8000", 80, 16, 0, (32, 496)),                          # M5's first layer: (8000 − 80)/16 + 1
    ("3x16x112x112", [3, 7, 7], [1, 2, 2], [1, 3, 3], (32, 16, 56, 56)),   # R3D-18's stem
    ("3x16x112x112", [1, 7, 7], [1, 2, 2], [0, 3, 3], (32, 16, 56, 56)),   # R(2+1)D's spatial half
    ("2x10x9", [3, 2], 1, [0, 1, 2, 0], (32, 9, 10)),           # 2-D [top, bottom, left, right]
    ("2x10", 3, 1, [2, 0], (32, 10)),                            # 1-D (before, after)
    ("2x5x6x7", 3, 2, [1, 0, 0, 1, 1, 1], (32, 2, 3, 4)),       # 3-D (before, after) per axis
])
def test_conv_output_params_and_macs_closed_form(inline, shape, kernel, stride, padding, out):
    result = inline(f"input: {shape}\nlayers:\n  - conv: {{name: c, out: 32, kernel: {kernel}, stride: {stride}, "
                    f"padding: {padding}, bias: false, rounding: floor}}\n")
    channels = int(shape.split("x")[0])
    dims = len(out) - 1
    taps = prod(kernel) if isinstance(kernel, list) else kernel ** dims
    assert result.shape("c") == out
    assert result.params("c") == 32 * channels * taps
    assert result.macs("c") == prod(out) * channels * taps


def test_same_padding_fixes_its_own_output_size(inline):
    """TensorFlow's rule ceil(size / stride), even for a 1×1 stride-2 window under rounding: exact."""
    for size in range(5, 12):
        result = inline(f"input: 3x{size}x{size + 1}\nrounding: exact\nlayers:\n"
                        f"  - conv: {{name: c, out: 4, kernel: 1, stride: 2, padding: same}}\n"
                        f"  - maxpool: {{name: p, kernel: 1, stride: 3, padding: same}}\n")
        h, w = -(-size // 2), -(-(size + 1) // 2)
        assert result.shape("c") == (4, h, w)
        assert result.shape("p") == (4, -(-h // 3), -(-w // 3))


def test_ceil_mode_window_larger_than_the_input_gives_one_output(inline):
    result = inline("input: 8x2x2\nlayers:\n  - maxpool: {name: p, kernel: 3, stride: 2, rounding: ceil}\n")
    assert result.shape("p") == (8, 1, 1)
    with pytest.raises(ArchcalcError) as error:   # floor mode: no window fits
        inline("input: 8x2x2\nlayers:\n  - maxpool: {name: p, kernel: 3, stride: 2, rounding: floor}\n")
    assert error.value.code == "E302"


@pytest.mark.parametrize("size", range(16, 29, 4))
def test_googlenet_torchvision_runs_on_small_inputs(model, size):
    result = model("googlenet_torchvision", [(3, size, size)])
    assert result.shape(result.analysis.graph.output.name) == (1000,)


def test_one_value_per_axis_must_match_the_rank(inline):
    with pytest.raises(ArchcalcError) as error:
        inline("input: 3x8\nlayers:\n  - maxpool: {kernel: [2, 2]}\n")
    assert error.value.code == "E305" and "1 spatial dimension" in error.value.message
    with pytest.raises(ArchcalcError) as error:
        inline("input: 3x8x8\nlayers:\n  - zeropad: {padding: [1, 2, 3]}\n")
    assert error.value.code == "E305"


def test_pools_and_global_pools_in_1d_and_3d(inline):
    result = inline("""
        input: 4x3x9x11
        layers:
          - maxpool: {name: p, kernel: [1, 3, 3], stride: [1, 2, 2], padding: [0, 1, 1]}
          - global_avgpool: {name: g}
        """)
    assert result.shape("p") == (4, 3, 5, 6)     # (9 + 2 − 3)/2 + 1 = 5, (11 + 2 − 3)/2 + 1 = 6
    assert result.rows["p"].other_ops["window_reads"][0] == 4 * 3 * 5 * 6 * (1 * 3 * 3)
    assert result.shape("g") == (4, 1, 1, 1)
    assert result.rows["g"].other_ops["window_reads"][0] == 4 * 3 * 5 * 6
    sequence = inline("input: 6x48\nlayers:\n  - avgpool: {name: a, kernel: 4}\n  - global_maxpool: {name: g}\n")
    assert sequence.shape("a") == (6, 12) and sequence.shape("g") == (6, 1)


# ---- PyTorch as the oracle ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="PyTorch is the oracle for these tests; it is not installed")


def tensor(torch, array):
    return torch.from_numpy(np.ascontiguousarray(array))


CONV_CASES = [
    # (input shape N, C, *spatial), out, kernel, stride, padding (per axis, symmetric), dilation, groups
    ((2, 3, 31), 6, (5,), (2,), (2,), (1,), 1),
    ((1, 4, 20), 8, (3,), (1,), (2,), (2,), 4),
    ((2, 4, 5, 6, 7), 6, (3, 1, 3), (1, 2, 2), (1, 0, 1), (1, 1, 1), 2),
    ((1, 2, 4, 9, 8), 4, (2, 3, 3), (2, 1, 2), (0, 1, 1), (1, 2, 1), 1),
    ((1, 3, 9, 8), 6, (3, 2), (2, 1), (1, 0), (1, 2), 3),
]


@pytest.mark.parametrize("shape, out, kernel, stride, padding, dilation, groups", CONV_CASES)
def test_conv_kernel_matches_torch(torch, shape, out, kernel, stride, padding, dilation, groups):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    w = rng.standard_normal((out, shape[1] // groups, *kernel), dtype=np.float32)
    b = rng.standard_normal(out, dtype=np.float32)
    y, macs = kernels.conv(x, w, b, stride=stride, padding=[(p, p) for p in padding], dilation=dilation,
                           groups=groups, max_bytes=4096)   # small budget: exercises the chunked path
    conv = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d, 3: torch.nn.functional.conv3d}[len(kernel)]
    expected = conv(tensor(torch, x), tensor(torch, w), tensor(torch, b), stride=stride, padding=padding,
                    dilation=dilation, groups=groups).numpy()
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)
    assert macs == prod(y.shape) * (shape[1] // groups) * prod(kernel)


POOL_CASES = [
    # spatial input, kernel, stride, padding, ceil_mode
    ((17,), (3,), (2,), (1,), True),
    ((16,), (4,), (3,), (2,), False),
    ((2,), (3,), (2,), (0,), True),
    ((4, 9, 8), (1, 3, 3), (1, 2, 2), (0, 1, 1), True),
    ((5, 6, 7), (2, 2, 3), (2, 2, 2), (1, 0, 1), False),
    ((2, 2), (3, 3), (2, 2), (0, 0), True),
]


@pytest.mark.parametrize("spatial, kernel, stride, padding, ceil_mode", POOL_CASES)
def test_pool_kernels_match_torch(torch, spatial, kernel, stride, padding, ceil_mode):
    x = np.random.default_rng(1).standard_normal((2, 3, *spatial), dtype=np.float32)
    pads = [(p, p) for p in padding]
    dims = len(spatial)
    F = torch.nn.functional
    max_pool = getattr(F, f"max_pool{dims}d")
    avg_pool = getattr(F, f"avg_pool{dims}d")
    y, reads = kernels.max_pool(x, kernel, stride, pads, ceil_mode=ceil_mode)
    expected = max_pool(tensor(torch, x), kernel, stride, padding, ceil_mode=ceil_mode).numpy()
    np.testing.assert_array_equal(y, expected)
    assert reads == y.size * prod(kernel)
    for include in (True, False):
        y, _ = kernels.avg_pool(x, kernel, stride, pads, ceil_mode=ceil_mode, count_include_pad=include)
        expected = avg_pool(tensor(torch, x), kernel, stride, padding, ceil_mode=ceil_mode,
                            count_include_pad=include).numpy()
        np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("spatial, size", [((10,), (3,)), ((7,), (7,)), ((5, 9, 7), (2, 4, 3)), ((3, 4, 4), (1, 1, 1))])
def test_adaptive_and_global_pools_match_torch(torch, spatial, size):
    x = np.random.default_rng(2).standard_normal((2, 3, *spatial), dtype=np.float32)
    F = torch.nn.functional
    dims = len(spatial)
    expected = getattr(F, f"adaptive_avg_pool{dims}d")(tensor(torch, x), size).numpy()
    np.testing.assert_allclose(kernels.adaptive_avg_pool(x, size), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(kernels.global_avg_pool(x)[0],
                               getattr(F, f"adaptive_avg_pool{dims}d")(tensor(torch, x), 1).numpy(), atol=1e-6)
    np.testing.assert_array_equal(kernels.global_max_pool(x)[0],
                                  getattr(F, f"adaptive_max_pool{dims}d")(tensor(torch, x), 1).numpy())


def _window_settings(spatial, kernel, stride, padding, ceil_mode):
    return f"kernel: {list(kernel)}, stride: {list(stride)}, padding: {list(padding)}, " \
           f"rounding: {'ceil' if ceil_mode else 'floor'}"


@pytest.mark.parametrize("spatial, kernel, stride, padding, ceil_mode", POOL_CASES)
def test_engine_shapes_params_and_macs_match_torch_modules(torch, inline, spatial, kernel, stride, padding, ceil_mode):
    """The engine's numbers for conv, pools and bn in 1, 2 and 3 dimensions against torch modules."""
    nn = torch.nn
    dims = len(spatial)
    settings = _window_settings(spatial, kernel, stride, padding, ceil_mode)
    result = inline(f"""
        input: 4x{'x'.join(map(str, spatial))}
        layers:
          - maxpool{dims}d: {{name: p, {settings}}}
          - bn{dims}d: {{name: b}}
          - conv{dims}d: {{name: c, out: 6, kernel: 1, groups: 2}}
          - avgpool{dims}d: {{name: a, kernel: 1}}
        """)
    modules = {
        "p": getattr(nn, f"MaxPool{dims}d")(kernel, stride, padding, ceil_mode=ceil_mode),
        "b": getattr(nn, f"BatchNorm{dims}d")(4),
        "c": getattr(nn, f"Conv{dims}d")(4, 6, 1, groups=2),
        "a": getattr(nn, f"AvgPool{dims}d")(1),
    }
    t = torch.zeros((1, 4, *spatial))
    for name, module in modules.items():
        t = module.eval()(t)
        assert result.shape(name) == tuple(t.shape[1:]), name
        assert result.params(name) == sum(p.numel() for p in module.parameters()), name
    assert result.macs("c") == prod(result.shape("c")) * 2


def test_receptive_field_per_axis(inline):
    result = inline("""
        input: 3x15x32x32
        layers:
          - conv: {name: c1, out: 4, kernel: [1, 3, 3], padding: [0, 1, 1]}
          - conv: {name: c2, out: 4, kernel: [3, 1, 1], stride: [2, 1, 1], padding: [1, 0, 0]}
          - conv: {name: c3, out: 4, kernel: 3, padding: 1}
        """)
    assert [s.value()[0] for s in result.rows["c1"].field.size] == [1, 3, 3]
    assert [s.value()[0] for s in result.rows["c2"].field.size] == [3, 3, 3]
    assert [j.value()[0] for j in result.rows["c2"].field.jump] == [2, 1, 1]
    assert [s.value()[0] for s in result.rows["c3"].field.size] == [7, 5, 5]
    assert int(result.rows["c3"].receptive_field()[0]) == 7
