"""ONNX import against PyTorch: networks written here, exported with torch.onnx.export(dynamo=False).

For each: MACs equal to what forward hooks on Conv/Linear count, parameters and buffers equal to the
file's own tensors counted per consuming node (and, when batch norm is kept unfolded, equal to
torch's parameters and running statistics), the output shape torch produces, and the spec
``archcalc import`` writes giving the same numbers as the direct analysis.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed (the torch oracle needs it)")
onnx = pytest.importorskip("onnx", reason="the onnx extra (pip install 'archcalc[onnx]') is not installed")
from torch import nn  # noqa: E402

from archcalc.engine import Config, analyze  # noqa: E402
from archcalc.onnx_import import import_onnx  # noqa: E402
from archcalc.spec import load_specs  # noqa: E402
from archcalc.totals import totals  # noqa: E402
from archcalc.verify import verify  # noqa: E402
from archcalc.zoo import resolve  # noqa: E402
from tests.torch_oracle import measure  # noqa: E402


# ---- the oracles ----

def hook_macs(model, shape) -> tuple[int, tuple]:
    """MACs of Conv, ConvTranspose and Linear modules counted by forward hooks, and the output shape."""
    _, macs, output = measure(model, shape)
    return macs, output


def file_tensor_counts(path) -> tuple[int, int]:
    """(parameters, buffers) as the file holds them: each float initializer of more than one element,
    counted once for every node that consumes it (through Identity nodes); batch norm's mean and
    variance are buffers."""
    model = onnx.load(path)
    sizes = {t.name: int(np.prod(t.dims)) for t in model.graph.initializer if t.data_type == onnx.TensorProto.FLOAT}
    alias = {}
    for node in model.graph.node:
        if node.op_type == "Identity" and node.input[0] in sizes:
            alias[node.output[0]] = node.input[0]
    params = buffers = 0
    for node in model.graph.node:
        if node.op_type == "Identity":
            continue
        for index, name in enumerate(node.input):
            size = sizes.get(alias.get(name, name), 0)
            if size > 1:
                if node.op_type == "BatchNormalization" and index >= 3:
                    buffers += size
                else:
                    params += size
    return params, buffers


def export(model, shape, path, opset=17, fold_batch_norm=True):
    model.eval()
    options = {} if fold_batch_norm else {"training": torch.onnx.TrainingMode.PRESERVE, "do_constant_folding": False}
    torch.onnx.export(model, torch.randn(1, *shape), str(path), dynamo=False, opset_version=opset, **options)
    return str(path)


def analyse_text(path, text, shape):
    spec = load_specs(str(path), text)[0]
    analysis = analyze(spec.graph(), [Config(shape, 1)])
    return analysis, {k: int(v[0]) for k, v in totals(analysis).items()}


def check_network(model, shape, tmp_path, opset=17, expect_types=()):
    """Every oracle above on one network; returns the imported analysis for further checks."""
    macs, output = hook_macs(model.eval(), shape)
    results = {}
    for fold in (True, False):
        path = export(model, shape, tmp_path / f"net_{fold}.onnx", opset, fold)
        imported = import_onnx(path)
        analysis, sums = analyse_text(path, imported.text, shape)
        assert imported.unsupported == []
        assert sums["macs"] == macs
        assert tuple(int(d[0]) for d in analysis.rows[-1].output_shape) == output
        assert (sums["params"], sums["buffers"]) == file_tensor_counts(path)
        if not fold:
            trainable = sum(p.numel() for p in model.parameters())
            running = sum(b.numel() for name, b in model.named_buffers() if "running" in name)
            assert (sums["params"], sums["buffers"]) == (trainable, running)
        # Round trip: the written spec, read back as a file, gives the same numbers as the .onnx path.
        written = tmp_path / f"net_{fold}.yaml"
        written.write_text(imported.text)
        direct = analyze(resolve(path).graph(), [Config(shape, 1)])
        again = analyze(resolve(str(written)).graph(), [Config(shape, 1)])
        assert {k: int(v[0]) for k, v in totals(direct).items()} == {k: int(v[0]) for k, v in totals(again).items()}
        assert [r.name for r in direct.rows] == [r.name for r in again.rows]
        types = {row.node.type_name for row in analysis.rows[1:]}
        assert set(expect_types) <= types, types
        results[fold] = (path, analysis)
    return results


# ---- the networks (small widths keep the tests fast) ----

class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(y)) + identity)


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BasicBlock(8, 8, 1), BasicBlock(8, 8, 1))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, 2), BasicBlock(16, 16, 1))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        layers = []
        if expand != 1:
            layers += [nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True)]
        layers += [nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False), nn.BatchNorm2d(hidden),
                   nn.ReLU6(inplace=True), nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)
        self.use_res_connect = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU6(inplace=True)),
            InvertedResidual(8, 8, 1, 1), InvertedResidual(8, 12, 2, 6), InvertedResidual(12, 12, 1, 6),
            nn.Sequential(nn.Conv2d(12, 32, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU6(inplace=True)))
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(32, 10))

    def forward(self, x):
        x = nn.functional.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(torch.flatten(x, 1))


class Fire(nn.Module):
    def __init__(self, cin, squeeze, expand):
        super().__init__()
        self.squeeze = nn.Conv2d(cin, squeeze, 1)
        self.expand1x1 = nn.Conv2d(squeeze, expand, 1)
        self.expand3x3 = nn.Conv2d(squeeze, expand, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.relu(self.squeeze(x))
        return torch.cat([self.relu(self.expand1x1(x)), self.relu(self.expand3x3(x))], 1)


class SqueezeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 16, 3, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, ceil_mode=True),
                                      Fire(16, 4, 8), Fire(16, 4, 8), nn.MaxPool2d(3, 2, ceil_mode=True), Fire(16, 8, 16))
        self.classifier = nn.Sequential(nn.Dropout(0.5), nn.Conv2d(32, 10, 1), nn.ReLU(inplace=True),
                                        nn.AdaptiveAvgPool2d((1, 1)))

    def forward(self, x):
        return torch.flatten(self.classifier(self.features(x)), 1)


class DenseLayer(nn.Module):
    def __init__(self, cin, growth):
        super().__init__()
        self.norm1, self.relu1 = nn.BatchNorm2d(cin), nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(cin, 4 * growth, 1, bias=False)
        self.norm2, self.relu2 = nn.BatchNorm2d(4 * growth), nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(4 * growth, growth, 3, padding=1, bias=False)

    def forward(self, features):
        x = torch.cat(features, 1)
        return self.conv2(self.relu2(self.norm2(self.conv1(self.relu1(self.norm1(x))))))


class DenseNet(nn.Module):
    def __init__(self, growth=4):
        super().__init__()
        self.conv0 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.layers = nn.ModuleList([DenseLayer(8 + i * growth, growth) for i in range(3)])
        self.transition = nn.Sequential(nn.BatchNorm2d(8 + 3 * growth), nn.ReLU(inplace=True),
                                        nn.Conv2d(8 + 3 * growth, 10, 1, bias=False), nn.AvgPool2d(2, 2))
        self.norm5 = nn.BatchNorm2d(10)
        self.classifier = nn.Linear(10, 5)

    def forward(self, x):
        features = [self.conv0(x)]
        for layer in self.layers:
            features.append(layer(features))
        x = nn.functional.relu(self.norm5(self.transition(torch.cat(features, 1))))
        return self.classifier(torch.flatten(nn.functional.adaptive_avg_pool2d(x, (1, 1)), 1))


def channel_shuffle(x, groups):
    batch, channels, height, width = x.size()
    x = x.view(batch, groups, channels // groups, height, width)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(batch, -1, height, width)


class ShuffleUnit(nn.Module):
    def __init__(self, channels):
        super().__init__()
        half = channels // 2
        self.branch2 = nn.Sequential(
            nn.Conv2d(half, half, 1, bias=False), nn.BatchNorm2d(half), nn.ReLU(inplace=True),
            nn.Conv2d(half, half, 3, 1, 1, groups=half, bias=False), nn.BatchNorm2d(half),
            nn.Conv2d(half, half, 1, bias=False), nn.BatchNorm2d(half), nn.ReLU(inplace=True))

    def forward(self, x):
        x1, x2 = x.chunk(2, dim=1)
        return channel_shuffle(torch.cat((x1, self.branch2(x2)), dim=1), 2)


class ShuffleNetV2(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True))
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.stage2 = nn.Sequential(ShuffleUnit(8), ShuffleUnit(8))
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = self.stage2(self.maxpool(self.conv1(x)))
        return self.fc(x.mean([2, 3]))


class SqueezeExcitation(nn.Module):
    def __init__(self, channels, squeeze):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1, self.fc2 = nn.Conv2d(channels, squeeze, 1), nn.Conv2d(squeeze, channels, 1)
        self.activation, self.scale_activation = nn.SiLU(), nn.Sigmoid()

    def forward(self, x):
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return scale * x


class MBConv(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.block = nn.Sequential(
            nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.SiLU(inplace=True),
            nn.Conv2d(hidden, hidden, 5, stride, 2, groups=hidden, bias=False), nn.BatchNorm2d(hidden),
            nn.SiLU(inplace=True), SqueezeExcitation(hidden, max(1, cin // 4)),
            nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.use_res_connect = stride == 1 and cin == cout

    def forward(self, x):
        return self.block(x) + x if self.use_res_connect else self.block(x)


class EfficientNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.SiLU(inplace=True)),
            MBConv(8, 8, 1, 1), MBConv(8, 12, 2, 6), MBConv(12, 12, 1, 6),
            nn.Sequential(nn.Conv2d(12, 48, 1, bias=False), nn.BatchNorm2d(48), nn.SiLU(inplace=True)))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(0.2, inplace=True), nn.Linear(48, 10))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class Permute(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return torch.permute(x, self.dims)


class LayerNorm2d(nn.LayerNorm):
    """torchvision's: a LayerNorm over channels, run channels-last."""

    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = nn.functional.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class CNBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.block = nn.Sequential(nn.Conv2d(dim, dim, 7, padding=3, groups=dim), Permute([0, 2, 3, 1]),
                                   nn.LayerNorm(dim, eps=1e-6), nn.Linear(dim, 4 * dim), nn.GELU(),
                                   nn.Linear(4 * dim, dim), Permute([0, 3, 1, 2]))
        self.layer_scale = nn.Parameter(torch.full((dim, 1, 1), 1e-6))

    def forward(self, x):
        return self.layer_scale * self.block(x) + x


class ConvNeXt(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Sequential(nn.Conv2d(3, 8, 4, 4), LayerNorm2d(8, eps=1e-6)), CNBlock(8),
            nn.Sequential(LayerNorm2d(8, eps=1e-6), nn.Conv2d(8, 16, 2, 2)), CNBlock(16))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(LayerNorm2d(16, eps=1e-6), nn.Flatten(1), nn.Linear(16, 10))

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)))


# ---- the tests ----

def test_resnet(tmp_path):
    results = check_network(ResNet(), (3, 64, 64), tmp_path, expect_types={"conv", "add", "maxpool", "fc"})
    path, analysis = results[True]
    # Batch norm folded into the convolutions by the exporter: no bn layer, and each conv gains a bias.
    assert "bn" not in {row.node.type_name for row in analysis.rows[1:]}
    assert [r.name for r in analysis.rows if r.node.type_name == "conv"][:2] == ["conv1", "layer1.0.conv1"]


def test_mobilenet_v2(tmp_path):
    check_network(MobileNetV2(), (3, 32, 32), tmp_path, expect_types={"conv", "relu6", "add", "fc"})


def test_squeezenet_ceil_mode_pools_and_concat(tmp_path):
    results = check_network(SqueezeNet(), (3, 47, 47), tmp_path, expect_types={"concat", "maxpool"})
    _, analysis = results[True]
    assert {row.node.layer.rounding for row in analysis.rows[1:] if row.node.type_name == "maxpool"} == {"ceil"}


def test_densenet_keeps_batch_norm_that_follows_a_concat(tmp_path):
    results = check_network(DenseNet(), (3, 16, 16), tmp_path, expect_types={"concat", "bn", "avgpool"})
    _, analysis = results[True]
    assert sum(row.node.type_name == "bn" for row in analysis.rows[1:]) >= 4


def test_shufflenet_v2_split_and_channel_shuffle(tmp_path):
    results = check_network(ShuffleNetV2(), (3, 32, 32), tmp_path, expect_types={"slice", "channel_shuffle"})
    _, analysis = results[True]
    assert sum(row.node.type_name == "channel_shuffle" for row in analysis.rows[1:]) == 2


def test_efficientnet_silu_and_squeeze_excitation(tmp_path):
    check_network(EfficientNet(), (3, 32, 32), tmp_path, expect_types={"sigmoid", "mul", "conv"})


def test_convnext_channels_last_linear_layer_norm_gelu_and_layer_scale(tmp_path):
    results = check_network(ConvNeXt(), (3, 32, 32), tmp_path,
                            expect_types={"permute", "layer_norm_last_axis", "fc_last_axis", "elementwise"})
    _, analysis = results[True]
    # GELU written out before opset 20: Div, Erf, Add, Mul (two tensors), Mul — no parameters.
    erf = [row for row in analysis.rows[1:] if row.node.type_name == "elementwise" and row.node.layer.op == "erf"]
    assert len(erf) == 2


def test_verify_runs_an_imported_network(tmp_path):
    path = export(MobileNetV2(), (3, 32, 32), tmp_path / "m.onnx")
    result = verify(resolve(path).graph(), Config((3, 32, 32), 2))
    assert result.ok, [c.problem() for c in result.mismatches]


def test_other_input_size_follows_the_spec(tmp_path):
    """The imported spec holds no input-size constants: --input re-evaluates it as torch would run."""
    model = ResNet().eval()
    path = export(model, (3, 64, 64), tmp_path / "r.onnx")
    macs, output = hook_macs(model, (3, 96, 80))
    spec = resolve(path, input_shape=(3, 96, 80))
    analysis = analyze(spec.graph(), [Config((3, 96, 80), 1)])
    assert int(totals(analysis)["macs"][0]) == macs


def test_the_worked_example_of_docs_import_md(tmp_path):
    """docs/import.md: batch norm folded away (5,418 parameters, no buffers), or kept (5,434 and 32)."""
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10)).eval()
    assert sum(p.numel() for p in model.parameters()) == 432 + 32 + 4640 + 330 == 5434
    for fold, expected in ((True, (5434 - 32 + 16, 0)), (False, (5434, 32))):
        path = export(model, (3, 32, 32), tmp_path / f"small_{fold}.onnx", opset=20, fold_batch_norm=fold)
        sums = totals(analyze(resolve(path).graph(), [Config((3, 32, 32), 1)]))
        assert (int(sums["params"][0]), int(sums["buffers"][0])) == expected
        assert int(sums["macs"][0]) == 1_622_336 == hook_macs(model, (3, 32, 32))[0]


def test_import_exports_a_torch_module_in_one_step(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from archcalc.cli import main

    (tmp_path / "my_networks.py").write_text(
        "import torch\n\ndef small():\n"
        "    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),\n"
        "                               torch.nn.Linear(4 * 6 * 6, 5))\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    written = tmp_path / "small.yaml"
    result = CliRunner().invoke(main, ["import", "--torch", "my_networks:small", "--input", "3x8x8", "-o", str(written)])
    assert result.exit_code == 0, result.output
    sums = totals(analyze(resolve(str(written)).graph(), [Config((3, 8, 8), 1)]))
    assert int(sums["params"][0]) == 4 * 27 + 4 + 144 * 5 + 5
    assert int(sums["macs"][0]) == 4 * 36 * 27 + 144 * 5
    missing = CliRunner().invoke(main, ["import", "--torch", "my_networks:small"])
    assert missing.exit_code == 2 and "--input" in missing.output


class Mixed(nn.Module):
    """Ops whose ONNX form changed between opsets: Clip (bounds as inputs from 11), Split (sizes as an
    input from 13), Pad, Squeeze and ReduceMean (axes as inputs from 13 and 18)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.branch = nn.Conv2d(4, 4, 3, padding=1, groups=4)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        x = nn.functional.relu6(self.conv(nn.functional.pad(x, (1, 2, 0, 1))))
        left, right = x.chunk(2, dim=1)
        x = channel_shuffle(torch.cat([left, self.branch(right)], 1), 2)
        pooled = x.mean([2, 3], keepdim=True)
        return self.fc(pooled.squeeze(3).squeeze(2))


@pytest.mark.parametrize("opset", [11, 13, 18, 21])
def test_ops_across_opsets(tmp_path, opset):
    check_network(Mixed(), (3, 12, 11), tmp_path, opset=opset,
                  expect_types={"zeropad", "relu6", "slice", "channel_shuffle", "global_avgpool", "fc"})


# ---- 1-D and 3-D networks, transposed convolution, up-sampling ----

class Conv3dNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv3d(3, 8, 3, padding=1, bias=False), nn.BatchNorm3d(8), nn.ReLU(inplace=True))
        self.pool = nn.MaxPool3d(2)
        self.block = nn.Sequential(nn.Conv3d(8, 16, (1, 3, 3), (1, 2, 2), (0, 1, 1)), nn.ReLU(inplace=True),
                                   nn.Conv3d(16, 16, (3, 1, 1), padding=(1, 0, 0)))
        self.head = nn.Sequential(nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Linear(16, 5))

    def forward(self, x):
        return self.head(self.block(self.pool(self.stem(x))))


class AudioNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv1d(1, 8, 80, 16), nn.BatchNorm1d(8), nn.ReLU(), nn.MaxPool1d(4),
                                      nn.Conv1d(8, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten())
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        return self.fc(self.features(x))


class Generator(nn.Module):
    """DCGAN's generator, narrow: transposed convolutions from a 16×1×1 code to a 3×16×16 image."""

    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(16, 32, 4, 1, 0, bias=False), nn.BatchNorm2d(32), nn.ReLU(True),
            nn.ConvTranspose2d(32, 16, 4, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(True),
            nn.ConvTranspose2d(16, 8, 3, 2, 1, output_padding=1, groups=2), nn.ReLU(True),
            nn.ConvTranspose2d(8, 3, 3, 1, 1), nn.Tanh())

    def forward(self, x):
        return self.main(x)


class SegmentationHead(nn.Module):
    """A stride-4 backbone, a classifier, and Resize back: to the input's size (bilinear), and ×2 (nearest)."""

    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.ReLU(), nn.Conv2d(8, 16, 3, 2, 1), nn.ReLU())
        self.classifier = nn.Conv2d(16, 4, 1)
        self.refine = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        y = self.classifier(self.backbone(x))
        y = nn.functional.interpolate(y, scale_factor=2, mode="nearest")
        y = self.refine(y)
        return nn.functional.interpolate(y, size=x.shape[-2:], mode="bilinear", align_corners=False)


class SuperResolution(nn.Module):
    def __init__(self):
        super().__init__()
        self.down = nn.PixelUnshuffle(2)
        self.conv = nn.Conv2d(12, 12, 3, padding=1)
        self.up = nn.PixelShuffle(2)

    def forward(self, x):
        return self.up(self.conv(self.down(x)))


def test_conv3d_net(tmp_path):
    check_network(Conv3dNet(), (3, 8, 16, 16), tmp_path, expect_types={"conv", "maxpool", "global_avgpool"})


def test_conv1d_audio_net(tmp_path):
    check_network(AudioNet(), (1, 800), tmp_path, expect_types={"conv", "maxpool", "global_avgpool"})


def test_transposed_convolution_generator(tmp_path):
    check_network(Generator(), (16, 1, 1), tmp_path, expect_types={"conv_transpose"})


def test_segmentation_head_resize(tmp_path):
    results = check_network(SegmentationHead(), (3, 32, 24), tmp_path, expect_types={"upsample"})
    _, analysis = results[True]
    modes = [row.node.layer.mode for row in analysis.rows[1:] if row.node.type_name == "upsample"]
    assert modes == ["nearest", "bilinear"]


def test_pixel_shuffle_and_unshuffle(tmp_path):
    # PyTorch writes PixelShuffle as DepthToSpace, PixelUnshuffle as Reshape/Transpose/Reshape.
    check_network(SuperResolution(), (3, 8, 8), tmp_path, expect_types={"pixel_shuffle", "permute", "reshape"})
