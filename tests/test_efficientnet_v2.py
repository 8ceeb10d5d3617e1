"""EfficientNetV2-S/M/L against a PyTorch network written out here from torchvision's definition.

torchvision's published num_params and _ops (8.366 / 24.582 / 56.08 GFLOPS at 384 / 480 / 480) are
checked in tests/test_published_counts.py to the digits it prints; this oracle pins every
parameter and multiply-add exactly, at a small input (the count of each layer scales with the
map it runs on, so an exact match at 128×128 checks the same rules).
"""

from __future__ import annotations

import pytest

from archcalc.expr import make_divisible
from archcalc.zoo import resolve
from tests.conftest import Result

torch = pytest.importorskip("torch")
nn = torch.nn
from tests.torch_oracle import measure  # noqa: E402  (needs torch)

# torchvision _efficientnet_conf: (fused?, expansion, kernel, stride, in, out, repeats)
SETTINGS = {
    "efficientnet_v2_s": [(1, 1, 3, 1, 24, 24, 2), (1, 4, 3, 2, 24, 48, 4), (1, 4, 3, 2, 48, 64, 4),
                          (0, 4, 3, 2, 64, 128, 6), (0, 6, 3, 1, 128, 160, 9), (0, 6, 3, 2, 160, 256, 15)],
    "efficientnet_v2_m": [(1, 1, 3, 1, 24, 24, 3), (1, 4, 3, 2, 24, 48, 5), (1, 4, 3, 2, 48, 80, 5),
                          (0, 4, 3, 2, 80, 160, 7), (0, 6, 3, 1, 160, 176, 14), (0, 6, 3, 2, 176, 304, 18),
                          (0, 6, 3, 1, 304, 512, 5)],
    "efficientnet_v2_l": [(1, 1, 3, 1, 32, 32, 4), (1, 4, 3, 2, 32, 64, 7), (1, 4, 3, 2, 64, 96, 7),
                          (0, 4, 3, 2, 96, 192, 10), (0, 6, 3, 1, 192, 224, 19), (0, 6, 3, 2, 224, 384, 25),
                          (0, 6, 3, 1, 384, 640, 7)],
}


def conv_bn(cin, cout, kernel, stride=1, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
              nn.BatchNorm2d(cout, eps=1e-3)]
    return nn.Sequential(*layers, nn.SiLU()) if act else nn.Sequential(*layers)


class SqueezeExcite(nn.Module):
    def __init__(self, channels, squeeze):
        super().__init__()
        self.fc1, self.fc2 = nn.Conv2d(channels, squeeze, 1), nn.Conv2d(squeeze, channels, 1)

    def forward(self, x):
        scale = nn.functional.adaptive_avg_pool2d(x, 1)
        return x * torch.sigmoid(self.fc2(nn.functional.silu(self.fc1(scale))))


class Block(nn.Module):
    def __init__(self, fused, expand, kernel, stride, cin, cout):
        super().__init__()
        hidden = make_divisible(cin * expand, 8)
        self.residual = stride == 1 and cin == cout
        if fused and hidden != cin:
            layers = [conv_bn(cin, hidden, kernel, stride), conv_bn(hidden, cout, 1, act=False)]
        elif fused:
            layers = [conv_bn(cin, cout, kernel, stride)]
        else:
            layers = ([conv_bn(cin, hidden, 1)] if hidden != cin else []) + [
                conv_bn(hidden, hidden, kernel, stride, groups=hidden), SqueezeExcite(hidden, max(1, cin // 4)),
                conv_bn(hidden, cout, 1, act=False)]
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.block(x) if self.residual else self.block(x)


def efficientnet_v2(setting):
    layers = [conv_bn(3, setting[0][4], 3, 2)]
    for fused, expand, kernel, stride, cin, cout, repeats in setting:
        for i in range(repeats):
            layers.append(Block(fused, expand, kernel, stride if i == 0 else 1, cin if i == 0 else cout, cout))
    layers.append(conv_bn(setting[-1][5], 1280, 1))
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(1280, 1000))


@pytest.mark.parametrize("name", SETTINGS)
def test_params_and_macs_equal_pytorch(name):
    shape = (3, 128, 128)
    with torch.device("meta"):
        network = efficientnet_v2(SETTINGS[name])
    params, macs, _ = measure(network, shape)
    totals = Result(resolve(name), [shape]).totals
    assert (totals["params"], totals["macs"]) == (params, macs)
