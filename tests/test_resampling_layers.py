"""Transposed convolution, upsampling, center crop and pixel shuffle: closed forms written here, and
PyTorch (where installed) as the oracle for shapes, parameters and values in 1, 2 and 3 dimensions."""

from __future__ import annotations

import numpy as np
import pytest

from archcalc import kernels
from archcalc.errors import ArchcalcError
from archcalc.render import data


def prod(values):
    return int(np.prod(values))


# ---- conv_transpose -----------------------------------------------------------------------------------------

TRANSPOSE_CASES = [
    # (input C, *spatial), out, kernel, stride, padding, output_padding, dilation, groups
    ((8, 27), 4, (3,), (2,), (1,), (1,), (1,), 1),
    ((8, 27, 27), 4, (2, 2), (2, 2), (0, 0), (0, 0), (1, 1), 1),          # U-Net's up-convolution
    ((100, 1, 1), 512, (4, 4), (1, 1), (0, 0), (0, 0), (1, 1), 1),        # DCGAN's first layer
    ((64, 8, 8), 3, (4, 4), (2, 2), (1, 1), (0, 0), (1, 1), 1),           # DCGAN's last layer
    ((6, 5, 7), 4, (3, 2), (2, 3), (2, 0), (1, 2), (2, 1), 2),
    ((4, 3, 5, 6), 6, (3, 3, 3), (1, 2, 2), (1, 1, 1), (0, 1, 0), (1, 1, 1), 2),
    ((2, 2, 3, 3), 2, (2, 3, 1), (2, 1, 3), (0, 1, 0), (1, 0, 2), (1, 2, 1), 1),
]


def transpose_spec(shape, out, kernel, stride, padding, output_padding, dilation, groups):
    return (f"input: {'x'.join(map(str, shape))}\nlayers:\n  - conv_transpose: {{name: t, out: {out}, "
            f"kernel: {list(kernel)}, stride: {list(stride)}, padding: {list(padding)}, "
            f"output_padding: {list(output_padding)}, dilation: {list(dilation)}, groups: {groups}}}\n")


@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv_transpose_closed_form(inline, case):
    shape, out, kernel, stride, padding, output_padding, dilation, groups = case
    result = inline(transpose_spec(*case))
    sizes = tuple((n - 1) * s - 2 * p + d * (k - 1) + op + 1
                  for n, k, s, p, op, d in zip(shape[1:], kernel, stride, padding, output_padding, dilation))
    assert result.shape("t") == (out, *sizes)
    assert result.params("t") == shape[0] * (out // groups) * prod(kernel) + out
    assert result.macs("t") == prod(shape) * (out // groups) * prod(kernel)


def test_conv_transpose_names_and_errors(inline):
    result = inline("input: 3x4x4\nlayers:\n  - ConvTranspose2d: {name: a, out: 2, kernel: 2, stride: 2}\n"
                    "  - upconv: {name: b, out: 2, kernel: 2, stride: 2}\n")
    assert result.shape("b") == (2, 16, 16)
    with pytest.raises(ArchcalcError) as error:
        inline("input: 3x4x4\nlayers:\n  - conv_transpose3d: {out: 2, kernel: 2}\n")
    assert error.value.code == "E305" and "3×4×4" in error.value.message
    with pytest.raises(ArchcalcError) as error:
        inline("input: 3x4x4\nlayers:\n  - deconv: {out: 2, kernel: 3, stride: 2, output_padding: 2}\n")
    assert error.value.code == "E203" and "output_padding" in error.value.message
    with pytest.raises(ArchcalcError) as error:
        inline("input: 3x1x1\nlayers:\n  - deconv: {out: 2, kernel: 1, padding: 1}\n")
    assert error.value.code == "E302"


# ---- upsample, crop, pixel shuffle: closed forms -------------------------------------------------------------

def test_upsample_sizes_and_interpolation_ops(inline):
    result = inline("""
        input: 3x10x15
        layers:
          - upsample: {name: twice, scale: 2}
          - upsample: {name: fixed, size: [7, 9], mode: bicubic}
          - upsample: {name: back, like: input, mode: bilinear, align_corners: true}
          - upsample: {name: frac, scale: [1.5, 0.5]}
        """)
    assert result.shape("twice") == (3, 20, 30)
    assert result.shape("fixed") == (3, 7, 9)
    assert result.shape("back") == (3, 10, 15)
    assert result.shape("frac") == (3, 15, 7)                       # floor(10·1.5), floor(15·0.5)
    ops = {name: int(result.rows[name].other_ops["interpolation"][0]) for name in ("twice", "fixed", "back")}
    assert ops == {"twice": 3 * 20 * 30 * 1, "fixed": 3 * 7 * 9 * 16, "back": 3 * 10 * 15 * 4}
    assert result.params("back") == 0 and result.macs("back") == 0


def test_upsample_like_input_follows_the_input_size(inline):
    text = """
        input: 3x64x64
        rounding: floor
        layers:
          - conv: {out: 8, kernel: 3, stride: 2, padding: 1}
          - conv: {out: 8, kernel: 3, stride: 2, padding: 1}
          - upsample: {name: out, like: input, mode: bilinear}
        """
    for size in (64, 97, 130):
        assert inline(text, [(3, size, size + 3)]).shape("out") == (8, size, size + 3)


@pytest.mark.parametrize("settings, code", [
    ("{scale: 2, size: 4}", "E203"), ("{}", "E203"), ("{scale: 2, mode: trilinear}", "E305"),
    ("{scale: 2, align_corners: true}", "E203"), ("{like: nowhere}", "E401"), ("{scale: 0.01}", "E302"),
])
def test_upsample_refuses_unclear_settings(inline, settings, code):
    with pytest.raises(ArchcalcError) as error:
        inline(f"input: 3x8x8\nlayers:\n  - upsample: {settings}\n")
    assert error.value.code == code


def test_center_crop_like_a_layer(inline):
    result = inline("""
        input: 1x64x64
        layers:
          - conv: {name: skip, out: 4, kernel: 3}
          - maxpool: {kernel: 2}
          - conv: {out: 8, kernel: 3}
          - conv_transpose: {name: up, out: 4, kernel: 2, stride: 2}
          - crop: {name: cropped, from: skip, like: up}
          - concat: {name: joined, from: [cropped, up]}
        """)
    assert result.shape("skip") == (4, 62, 62) and result.shape("up") == (4, 58, 58)
    assert result.shape("cropped") == (4, 58, 58) and result.shape("joined") == (8, 58, 58)
    assert result.activations("cropped") == 0                   # a view
    layer = result.rows["cropped"].layer
    x = np.random.default_rng(0).standard_normal((2, 4, 62, 62)).astype(np.float32)
    y, _ = layer.forward([x, np.zeros((2, 4, 58, 58), np.float32)], {})
    np.testing.assert_array_equal(y, x[:, :, 2:60, 2:60])       # (62 − 58) // 2 = 2 on each axis
    with pytest.raises(ArchcalcError) as error:
        inline("input: 1x8x8\nlayers:\n  - crop: {size: 9}\n")
    assert error.value.code == "E302"


@pytest.mark.parametrize("shape, factor, shuffled", [
    ((8, 5), 2, (4, 10)), ((12, 3, 4), 2, (3, 6, 8)), ((16, 2, 1, 3), 2, (2, 4, 2, 6)),
])
def test_pixel_shuffle_shapes_and_round_trip(inline, shape, factor, shuffled):
    result = inline(f"input: {'x'.join(map(str, shape))}\nlayers:\n  - pixel_shuffle: {{name: s, factor: {factor}}}\n"
                    f"  - pixel_unshuffle: {{name: u, factor: {factor}}}\n")
    assert result.shape("s") == shuffled and result.shape("u") == shape
    x = np.random.default_rng(1).standard_normal((2, *shape)).astype(np.float32)
    np.testing.assert_array_equal(kernels.pixel_unshuffle(kernels.pixel_shuffle(x, factor), factor), x)
    with pytest.raises(ArchcalcError) as error:
        inline(f"input: 3x{'x'.join(map(str, shape[1:]))}\nlayers:\n  - pixel_shuffle: {{factor: {factor}}}\n")
    assert error.value.code == "E304"


def test_upsampling_halves_the_receptive_field_jump(inline):
    result = inline("""
        input: 3x33x33
        layers:
          - conv: {name: down, out: 4, kernel: 3, stride: 2, padding: 1}
          - upsample: {name: up, scale: 4}
          - conv: {name: after, out: 4, kernel: 3, padding: 1}
          - conv_transpose: {name: t, out: 4, kernel: 2, stride: 2}
        """)
    jumps = {name: result.rows[name].field.jump[0].value()[0] for name in ("down", "up", "after", "t")}
    assert jumps == {"down": 2, "up": 0.5, "after": 0.5, "t": 0.25}
    # 3 + (3 − 1)·(1/2) = 4 pixels; the 2×2 stride-2 up-convolution gives each output one input: no growth.
    assert [int(result.rows[name].receptive_field()[0]) for name in ("down", "after", "t")] == [3, 4, 4]
    record = next(r for r in data.layer_records(result.analysis) if r["name"] == "up")
    assert record["jump"] == [0.5, 0.5]


# ---- PyTorch as the oracle -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="PyTorch is the oracle for these tests; it is not installed")


def tensor(torch, array):
    return torch.from_numpy(np.ascontiguousarray(array))


@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv_transpose_matches_torch(torch, inline, case):
    shape, out, kernel, stride, padding, output_padding, dilation, groups = case
    dims = len(kernel)
    module = getattr(torch.nn, f"ConvTranspose{dims}d")(shape[0], out, kernel, stride, padding, output_padding,
                                                         groups, True, dilation)
    x = np.random.default_rng(2).standard_normal((2, *shape)).astype(np.float32)
    with torch.no_grad():
        expected = module(tensor(torch, x)).numpy()
    result = inline(transpose_spec(*case))
    assert result.shape("t") == expected.shape[1:]
    assert result.params("t") == sum(p.numel() for p in module.parameters())
    y, macs = kernels.conv_transpose(x, module.weight.detach().numpy(), module.bias.detach().numpy(), stride=stride,
                                     padding=padding, output_padding=output_padding, dilation=dilation, groups=groups)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)
    assert macs == 2 * result.macs("t")                       # the kernel ran both samples


INTERPOLATION_CASES = [
    # spatial, mode, size or None, scale or None, align_corners
    ((7,), "nearest", (16,), None, None),
    ((5,), "nearest", None, (1.5,), None),
    ((6,), "linear", (13,), None, False),
    ((6,), "linear", (13,), None, True),
    ((4, 5), "nearest", None, (2.0, 3.0), None),
    ((4, 5), "bilinear", (9, 7), None, False),
    ((4, 5), "bilinear", None, (1.5, 2.5), False),
    ((6, 5), "bilinear", (3, 11), None, True),
    ((4, 5), "bicubic", (9, 12), None, False),
    ((5, 4), "bicubic", (8, 3), None, True),
    ((3, 4, 5), "nearest", (6, 5, 11), None, None),
    ((3, 4, 5), "trilinear", (5, 8, 7), None, False),
    ((3, 4, 5), "trilinear", None, (2.0, 2.0, 2.0), True),
]


@pytest.mark.parametrize("spatial, mode, size, scale, align_corners", INTERPOLATION_CASES)
def test_upsample_matches_torch(torch, inline, spatial, mode, size, scale, align_corners):
    x = np.random.default_rng(3).standard_normal((2, 3, *spatial)).astype(np.float32)
    with torch.no_grad():
        expected = torch.nn.functional.interpolate(tensor(torch, x), size=size, scale_factor=scale, mode=mode,
                                                   align_corners=align_corners).numpy()
    setting = f"size: {list(size)}" if size else f"scale: {list(scale)}"
    corners = "" if align_corners is None else f", align_corners: {str(align_corners).lower()}"
    result = inline(f"input: 3x{'x'.join(map(str, spatial))}\nlayers:\n"
                    f"  - upsample: {{name: u, {setting}, mode: {mode}{corners}}}\n")
    assert result.shape("u") == expected.shape[1:]
    layer = result.rows["u"].layer
    y, macs = layer.forward([x], {})
    assert macs == 0
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape, factor", [((8, 3, 5), 2), ((27, 2, 2), 3)])
def test_pixel_shuffle_matches_torch(torch, shape, factor):
    x = np.random.default_rng(4).standard_normal((2, *shape)).astype(np.float32)
    shuffled = torch.nn.functional.pixel_shuffle(tensor(torch, x), factor).numpy()
    np.testing.assert_array_equal(kernels.pixel_shuffle(x, factor), shuffled)
    np.testing.assert_array_equal(kernels.pixel_unshuffle(shuffled, factor),
                                  torch.nn.functional.pixel_unshuffle(tensor(torch, shuffled), factor).numpy())
