"""U-Net and DCGAN against PyTorch networks written out here from their papers.

Each torch module below follows the paper's figure or table (and, for DCGAN, PyTorch's example
that the paper's numbers are usually quoted from); archcalc's spec must give the same output
shape, the same parameter count and the same multiply-adds, measured with forward hooks
(tests/torch_oracle.py). The closed-form totals are written out too, so a change in torch cannot
hide a change here.
"""

from __future__ import annotations

import pytest

from archcalc.zoo import resolve
from tests.conftest import Result

torch = pytest.importorskip("torch")
nn = torch.nn
from tests.torch_oracle import measure  # noqa: E402  (needs torch)


# ---- U-Net (Ronneberger, Fischer, Brox. MICCAI 2015, Fig. 1) ---------------------------------

def double_conv(cin, cout, padding):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=padding), nn.ReLU(),
                         nn.Conv2d(cout, cout, 3, padding=padding), nn.ReLU())


def center_crop(x, like):
    dh, dw = x.shape[2] - like.shape[2], x.shape[3] - like.shape[3]
    return x[:, :, dh // 2: x.shape[2] - (dh - dh // 2), dw // 2: x.shape[3] - (dw - dw // 2)]


class UNet(nn.Module):
    """Fig. 1: 3×3 convs (unpadded in the paper), 2×2 max pools, 2×2 up-convolutions halving the
    channels, the contracting path's map centre-cropped and concatenated, a 1×1 conv to the classes."""

    def __init__(self, in_channels=1, classes=2, padding=0, widths=(64, 128, 256, 512, 1024)):
        super().__init__()
        self.down = nn.ModuleList()
        cin = in_channels
        for width in widths:
            self.down.append(double_conv(cin, width, padding))
            cin = width
        self.up = nn.ModuleList(nn.ConvTranspose2d(w, w // 2, 2, stride=2) for w in reversed(widths[1:]))
        self.decode = nn.ModuleList(double_conv(w, w // 2, padding) for w in reversed(widths[1:]))
        self.head = nn.Conv2d(widths[0], classes, 1)

    def forward(self, x):
        skips = []
        for index, block in enumerate(self.down):
            x = block(x if index == 0 else nn.functional.max_pool2d(x, 2))
            skips.append(x)
        for up, decode, skip in zip(self.up, self.decode, reversed(skips[:-1])):
            x = up(x)
            x = decode(torch.cat([center_crop(skip, x), x], dim=1))
        return self.head(x)


def unet_closed_form(in_channels, classes, padding, size):
    """(params, MACs, output side) of Fig. 1's U-Net on a size×size input."""
    widths = (64, 128, 256, 512, 1024)
    params = macs = 0
    side, skips, cin = size, [], in_channels
    for index, width in enumerate(widths):
        if index:
            side //= 2
        for conv_in in (cin, width):
            side = side - 2 + 2 * padding
            params += 9 * conv_in * width + width
            macs += side * side * 9 * conv_in * width
        skips.append(side)
        cin = width
    for width in reversed(widths[1:]):
        params += 4 * width * (width // 2) + width // 2     # 2×2 up-convolution, halving channels
        macs += side * side * 4 * width * (width // 2)      # every input element meets every tap
        side *= 2
        for conv_in in (width, width // 2):                 # after concatenating the cropped skip
            side = side - 2 + 2 * padding
            params += 9 * conv_in * (width // 2) + width // 2
            macs += side * side * 9 * conv_in * (width // 2)
    params += widths[0] * classes + classes
    macs += side * side * widths[0] * classes
    return params, macs, side


UNETS = [("unet", (1, 572, 572), 0), ("unet_padded", (3, 256, 256), 1)]


@pytest.mark.parametrize("name, shape, padding", UNETS, ids=[u[0] for u in UNETS])
def test_unet_equals_pytorch(name, shape, padding):
    params, macs, output = measure(UNet(shape[0], 2, padding), shape)
    assert (params, macs, output[1]) == unet_closed_form(shape[0], 2, padding, shape[1])
    result = Result(resolve(name))
    assert result.spec.input_shape() == shape
    assert (result.totals["params"], result.totals["macs"]) == (params, macs)
    assert tuple(int(d[0]) for d in result.analysis.rows[-1].output_shape) == output


def test_unet_is_the_papers_figure(model):
    """Fig. 1: a 572×572 tile gives a 388×388 map of 2 classes; the bottom of the U is 1024×28×28
    after its two convolutions, the first up-convolution's output 512×56×56."""
    assert unet_closed_form(1, 2, 0, 572)[2] == 388
    result = model("unet")
    shapes = [tuple(int(d[0]) for d in row.output_shape) for row in result.analysis.rows]
    assert (1024, 28, 28) in shapes and (512, 56, 56) in shapes and shapes[-1] == (2, 388, 388)


def test_unet_input_follows_valid_arithmetic(model):
    """Inputs that crop evenly work (572 − 16k); the output follows: 2×(388 − 16·…)."""
    result = model("unet", [(1, 508, 508)])
    assert tuple(int(d[0]) for d in result.analysis.rows[-1].output_shape) == (2, 324, 324)


# ---- DCGAN (Radford, Metz, Chintala. ICLR 2016; PyTorch's examples/dcgan) --------------------

def dcgan_generator(nz=100, ngf=64, nc=3):
    layers, cin = [], nz
    for index, width in enumerate((ngf * 8, ngf * 4, ngf * 2, ngf)):
        layers += [nn.ConvTranspose2d(cin, width, 4, 1 if index == 0 else 2, 0 if index == 0 else 1, bias=False),
                   nn.BatchNorm2d(width), nn.ReLU(True)]
        cin = width
    return nn.Sequential(*layers, nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())


def dcgan_discriminator(ndf=64, nc=3):
    layers, cin = [], nc
    for index, width in enumerate((ndf, ndf * 2, ndf * 4, ndf * 8)):
        layers += [nn.Conv2d(cin, width, 4, 2, 1, bias=False)]
        layers += [nn.BatchNorm2d(width)] if index else []
        layers += [nn.LeakyReLU(0.2, inplace=True)]
        cin = width
    return nn.Sequential(*layers, nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid())


# Closed form: generator 100·512·16 + 512·256·16 + 256·128·16 + 128·64·16 + 64·3·16 weights and
# 2·(512 + 256 + 128 + 64) BN; discriminator 3·64·16 + 64·128·16 + 128·256·16 + 256·512·16 + 512·16
# weights and 2·(128 + 256 + 512) BN.
DCGAN = [
    ("dcgan_generator", dcgan_generator, (100, 1, 1), (3, 64, 64), 3_576_704,
     # a transposed conv's MACs: input elements × out × 16
     100 * 512 * 16 + 4 * 4 * 512 * 256 * 16 + 8 * 8 * 256 * 128 * 16 + 16 * 16 * 128 * 64 * 16 + 32 * 32 * 64 * 3 * 16),
    ("dcgan_discriminator", dcgan_discriminator, (3, 64, 64), (1, 1, 1), 2_765_568,
     32 * 32 * 64 * 3 * 16 + 16 * 16 * 128 * 64 * 16 + 8 * 8 * 256 * 128 * 16 + 4 * 4 * 512 * 256 * 16 + 512 * 16),
]


@pytest.mark.parametrize("name, build, shape, output, params, macs", DCGAN, ids=[d[0] for d in DCGAN])
def test_dcgan_equals_pytorch(name, build, shape, output, params, macs):
    assert measure(build(), shape) == (params, macs, output)
    result = Result(resolve(name))
    assert result.spec.input_shape() == shape
    assert (result.totals["params"], result.totals["macs"]) == (params, macs)
    assert tuple(int(d[0]) for d in result.analysis.rows[-1].output_shape) == output
