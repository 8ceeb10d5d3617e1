"""ConvNeXt-T/S/B/L against a PyTorch network written out here as torchvision writes it.

The torch blocks keep torchvision's channels-last form (permute → LayerNorm → Linear → GELU →
Linear → permute) while the spec writes the Linear layers as 1×1 convolutions: equal parameters
and, counted per position as torchvision's _ops does (it counts the matmuls over every H·W row),
equal multiply-adds. torchvision's published num_params and _ops: tests/test_published_counts.py.
"""

from __future__ import annotations

import pytest

from archcalc.zoo import resolve
from tests.conftest import Result

torch = pytest.importorskip("torch")
nn = torch.nn
from tests.torch_oracle import measure  # noqa: E402  (needs torch)

# torchvision's block_setting: (dims, depths)
SETTINGS = {
    "convnext_tiny": ((96, 192, 384, 768), (3, 3, 9, 3)),
    "convnext_small": ((96, 192, 384, 768), (3, 3, 27, 3)),
    "convnext_base": ((128, 256, 512, 1024), (3, 3, 27, 3)),
    "convnext_large": ((192, 384, 768, 1536), (3, 3, 27, 3)),
}


class LayerNorm2d(nn.LayerNorm):
    def forward(self, x):
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.depthwise = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.mlp = nn.Sequential(nn.LayerNorm(dim, eps=1e-6), nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        self.layer_scale = nn.Parameter(torch.full((dim, 1, 1), 1e-6))

    def forward(self, x):
        y = self.mlp(self.depthwise(x).permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return x + self.layer_scale * y


def convnext(dims, depths):
    layers = [nn.Conv2d(3, dims[0], 4, stride=4), LayerNorm2d(dims[0], eps=1e-6)]
    for stage, (dim, depth) in enumerate(zip(dims, depths)):
        layers += [Block(dim) for _ in range(depth)]
        if stage < len(dims) - 1:
            layers += [LayerNorm2d(dim, eps=1e-6), nn.Conv2d(dim, dims[stage + 1], 2, stride=2)]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), LayerNorm2d(dims[-1], eps=1e-6), nn.Flatten(),
                         nn.Linear(dims[-1], 1000))


@pytest.mark.parametrize("name", SETTINGS)
def test_params_and_macs_equal_pytorch(name):
    shape = (3, 64, 64)
    with torch.device("meta"):
        network = convnext(*SETTINGS[name])
    params, macs, _ = measure(network, shape)
    totals = Result(resolve(name), [shape]).totals
    assert (totals["params"], totals["macs"]) == (params, macs)


def test_layer_scale_is_one_number_per_channel(model):
    result = model("convnext_tiny")
    assert result.params("features.1.0/layer_scale") == 96
    assert result.params("features.1.0/block.2") == 2 * 96     # layer norm: scale and shift per channel
