"""Video networks (C×T×H×W inputs) against PyTorch networks written out here from torchvision's.

R3D-18, MC3-18 and R(2+1)D-18 (torchvision.models.video.resnet) and S3D (…video.s3d), each built
module by module and measured with forward hooks on the clip size of its weights. torchvision's
published num_params and _ops: tests/test_published_counts.py.
"""

from __future__ import annotations

import pytest

from archcalc.zoo import resolve
from tests.conftest import Result

torch = pytest.importorskip("torch")
nn = torch.nn
from tests.torch_oracle import measure  # noqa: E402  (needs torch)


def conv3x3(cin, cout, kind, stride, mid):
    if kind == "3d":
        return nn.Conv3d(cin, cout, 3, stride, 1, bias=False)
    if kind == "2d":
        return nn.Conv3d(cin, cout, (1, 3, 3), (1, stride, stride), (0, 1, 1), bias=False)
    return nn.Sequential(nn.Conv3d(cin, mid, (1, 3, 3), (1, stride, stride), (0, 1, 1), bias=False),
                         nn.BatchNorm3d(mid), nn.ReLU(),
                         nn.Conv3d(mid, cout, (3, 1, 1), (stride, 1, 1), (1, 0, 0), bias=False))


class BasicBlock(nn.Module):
    def __init__(self, cin, planes, kind, stride):
        super().__init__()
        mid = (cin * planes * 27) // (cin * 9 + 3 * planes)   # once per block, as torchvision does
        self.conv1 = nn.Sequential(conv3x3(cin, planes, kind, stride, mid), nn.BatchNorm3d(planes), nn.ReLU())
        self.conv2 = nn.Sequential(conv3x3(planes, planes, kind, 1, mid), nn.BatchNorm3d(planes))
        self.downsample = None
        if stride != 1 or cin != planes:
            shortcut_stride = (1, stride, stride) if kind == "2d" else stride
            self.downsample = nn.Sequential(nn.Conv3d(cin, planes, 1, shortcut_stride, bias=False), nn.BatchNorm3d(planes))

    def forward(self, x):
        shortcut = x if self.downsample is None else self.downsample(x)
        return torch.relu(self.conv2(self.conv1(x)) + shortcut)


def video_resnet(kinds, stem):
    if stem == "3d":
        layers = [nn.Conv3d(3, 64, (3, 7, 7), (1, 2, 2), (1, 3, 3), bias=False), nn.BatchNorm3d(64), nn.ReLU()]
    else:
        layers = [nn.Conv3d(3, 45, (1, 7, 7), (1, 2, 2), (0, 3, 3), bias=False), nn.BatchNorm3d(45), nn.ReLU(),
                  nn.Conv3d(45, 64, (3, 1, 1), 1, (1, 0, 0), bias=False), nn.BatchNorm3d(64), nn.ReLU()]
    cin = 64
    for stage, (planes, kind) in enumerate(zip((64, 128, 256, 512), kinds)):
        for index in range(2):
            layers.append(BasicBlock(cin, planes, kind, 2 if index == 0 and stage > 0 else 1))
            cin = planes
    return nn.Sequential(*layers, nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Linear(512, 400))


def conv_bn_relu(cin, cout, kernel, stride=1, padding=0):
    return nn.Sequential(nn.Conv3d(cin, cout, kernel, stride, padding, bias=False), nn.BatchNorm3d(cout, eps=1e-3),
                         nn.ReLU())


def separable(cin, cout, k, stride, padding):
    return nn.Sequential(conv_bn_relu(cin, cout, (1, k, k), (1, stride, stride), (0, padding, padding)),
                         conv_bn_relu(cout, cout, (k, 1, 1), (stride, 1, 1), (padding, 0, 0)))


class SepInception(nn.Module):
    def __init__(self, cin, b0, b1_mid, b1, b2_mid, b2, b3):
        super().__init__()
        self.branches = nn.ModuleList([
            conv_bn_relu(cin, b0, 1),
            nn.Sequential(conv_bn_relu(cin, b1_mid, 1), separable(b1_mid, b1, 3, 1, 1)),
            nn.Sequential(conv_bn_relu(cin, b2_mid, 1), separable(b2_mid, b2, 3, 1, 1)),
            nn.Sequential(nn.MaxPool3d(3, 1, 1), conv_bn_relu(cin, b3, 1))])

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.branches], 1)


def s3d():
    return nn.Sequential(
        separable(3, 64, 7, 2, 3), nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)), conv_bn_relu(64, 64, 1),
        separable(64, 192, 3, 1, 1), nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)),
        SepInception(192, 64, 96, 128, 16, 32, 32), SepInception(256, 128, 128, 192, 32, 96, 64),
        nn.MaxPool3d(3, 2, 1),
        SepInception(480, 192, 96, 208, 16, 48, 64), SepInception(512, 160, 112, 224, 24, 64, 64),
        SepInception(512, 128, 128, 256, 24, 64, 64), SepInception(512, 112, 144, 288, 32, 64, 64),
        SepInception(528, 256, 160, 320, 32, 128, 128),
        nn.MaxPool3d(2, 2, 0),
        SepInception(832, 256, 160, 320, 32, 128, 128), SepInception(832, 384, 192, 384, 48, 128, 128),
        nn.AvgPool3d((2, 7, 7), 1), nn.Dropout(0.2), nn.Conv3d(1024, 400, 1), nn.Flatten())


NETWORKS = {
    "r3d_18": (lambda: video_resnet(["3d"] * 4, "3d"), (3, 16, 112, 112)),
    "mc3_18": (lambda: video_resnet(["3d", "2d", "2d", "2d"], "3d"), (3, 16, 112, 112)),
    "r2plus1d_18": (lambda: video_resnet(["2plus1d"] * 4, "2plus1d"), (3, 16, 112, 112)),
    "s3d": (s3d, (3, 16, 224, 224)),
}


@pytest.mark.parametrize("name", NETWORKS)
def test_params_and_macs_equal_pytorch(name):
    build, shape = NETWORKS[name]
    with torch.device("meta"):
        network = build()
    params, macs, _ = measure(network, shape)
    result = Result(resolve(name))
    assert result.spec.input_shape() == shape
    assert (result.totals["params"], result.totals["macs"]) == (params, macs)


def test_r2plus1d_keeps_the_3d_parameter_budget(model):
    """The factorization's M makes a (2+1)-D convolution about as large as the 3×3×3 it replaces."""
    result = model("r2plus1d_18")
    mid = (64 * 64 * 27) // (64 * 9 + 3 * 64)          # 144
    assert result.shape("layer1.0/conv1.0/0") == (mid, 16, 56, 56)
    assert result.weights("layer1.0/conv1.0/0") + result.weights("layer1.0/conv1.0/3") == 144 * 64 * 9 + 64 * 144 * 3


# ---- docs/reproductions.md quotes these figures --------------------------------------------

ROWS = 9   # r3d_18, mc3_18, r2plus1d_18, s3d, m5, unet, unet_padded, dcgan_generator, dcgan_discriminator


def test_reproductions_table_quotes_archcalc():
    """Every row of the section: archcalc's input, parameters and multiply-adds as printed."""
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "reproductions.md").read_text()
    section = text.split("## Networks beyond 2-D image classification", 1)[1].split("\n## ", 1)[0]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in section.splitlines() if line.startswith("| ")]
    rows = [r for r in rows if r[0] not in ("model",)]
    assert len(rows) == ROWS
    for name, shape, _, reference_params, params, reference_macs, macs, verdict in rows:
        result = Result(resolve(name))
        assert shape == "×".join(map(str, result.spec.input_shape())), name
        assert (params, macs) == (f"{result.totals['params']:,}", f"{result.totals['macs']:,}"), name
        assert params == reference_params and verdict == "✓", name
        if not reference_macs.endswith(" G"):
            assert reference_macs == macs, name
