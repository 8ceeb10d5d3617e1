"""The ResNet family zoo: torchvision's ResNet/Wide ResNet/ResNeXt, SENet, the CIFAR ResNets,
pre-activation and wide residual networks, stochastic depth — each number with its source.

Closed forms count what the reference definition builds: conv k×k from c_in to c_out has
c_in·c_out·k² weights (+ c_out biases) and H'·W'·c_out·c_in·k² MACs; batch norm has 2·C parameters.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from archcalc.errors import ArchcalcError
from archcalc.spec import ModelSpec
from archcalc.stochastic import dropped_with, expected_cost, run_probabilities, training_cost
from archcalc.zoo import catalog
from conftest import Result



def with_vars(name: str, **overrides) -> Result:
    """A shipped model with some of its vars overridden (what `--set` does)."""
    spec = catalog()[name]
    return Result(ModelSpec(spec.name, spec.file, spec.document, spec.variant, overrides))


def rounds_to(value: int, printed: str) -> bool:
    """Does ``value`` round to a figure printed like '0.27M' or '1.7M' (as many decimals as printed)?"""
    number = printed.rstrip("M")
    decimals = len(number.partition(".")[2])
    return round(value / 1e6, decimals) == float(number)


# torchvision's counts for these models: tests/test_published_counts.py.


def test_bottleneck_width_is_torchvisions_rule(model):
    # width = int(planes · width_per_group / 64) · groups, in the first block of stage 1 (planes 64)
    # and of stage 4 (planes 512); the grouped 3×3 holds width · (width / groups) · 9 weights.
    for name, groups, per_group in (("resnext50_32x4d", 32, 4), ("resnext101_64x4d", 64, 4),
                                    ("resnext101_32x8d", 32, 8), ("wide_resnet50_2", 1, 128)):
        result = model(name)
        for layer, planes, size in (("layer1.0", 64, 56), ("layer4.0", 512, 7)):
            width = int(planes * (per_group / 64)) * groups
            assert result.shape(f"{layer}/conv2") == (width, size, size)
            assert result.params(f"{layer}/conv2") == width * (width // groups) * 9
            assert result.shape(f"{layer}/conv3") == (4 * planes, size, size)


def test_layer_names_follow_torchvision(model):
    result = model("resnet50")
    assert result.params("layer2.0/downsample.0") == 256 * 512          # conv1x1(256 → 512), stride 2
    assert result.shape("layer2.0/downsample.1") == (512, 28, 28)
    assert result.params("fc") == 2048 * 1000 + 1000
    assert "layer1.1/downsample.0" not in result.rows                      # identity shortcut


# ---- SENet (Hu et al.): SE-ResNet-50 and SE-ResNeXt-50 -----------------------------------------------------

STAGES = [(256, 3, 56), (512, 4, 28), (1024, 6, 14), (2048, 3, 7)]   # block output channels, blocks, map size


def se_params(reduction=16):
    """Two 1×1 convolutions with biases per block: C·C/r + C/r + C/r·C + C."""
    return sum(blocks * (2 * c * c // reduction + c // reduction + c) for c, blocks, _ in STAGES)


def se_macs(reduction=16):
    return sum(blocks * 2 * c * c // reduction for c, blocks, _ in STAGES)


def test_se_closed_forms():
    # Hu et al. §4 (Model and Computational Complexity): SE-ResNet-50 adds ~2.5M parameters to ~25M.
    assert se_params() == 2_530_992 and rounds_to(se_params(), "2.5M")
    assert se_macs() == 2_514_944


def test_se_resnet50(model):
    result = model("se_resnet50")
    # = torchvision's resnet50 (num_params 25,557,032; the stride position does not change parameters) + SE
    assert result.totals["params"] == 25_557_032 + se_params() == 28_088_024
    assert rounds_to(result.totals["params"], "28.09M")  # timm results/benchmark-infer-amp-nchw-pt240-cu124-rtx3090.csv legacy_seresnet50
    # Released Caffe model: 107 MB (hujie-frank/SENet README Table 1 "Size"), fp32 parameters + BN statistics.
    assert round((result.totals["params"] + result.totals["buffers"]) * 4 / 2**20) == 107
    # MACs: the stride sits on the first 1×1 (SE-ResNet-50.prototxt conv3_1_1x1_reduce stride 2): the 1×1
    # of each stage's first block runs on the H'×W' output grid instead of the 2H'×2W' input, saving
    # (4 − 1)·H'²·2p·p = 6·H'²·p² against torchvision's placement (planes p = 128, 256, 512; H' = 28, 14, 7).
    saved = sum(6 * size**2 * planes**2 for planes, size in ((128, 28), (256, 14), (512, 7)))
    assert result.totals["macs"] - model("resnet50").totals["macs"] == se_macs() - saved
    # Hu et al. Table 2: re-implemented ResNet-50 3.86 GFLOPs, SE-ResNet-50 3.87. The MACs of conv and fc
    # layers give 3.860; the paper's 0.01 more counts part of the SE block's pooling and scaling, which
    # MACs leave out (a squeeze and a scale over every block output are ~11M operations here).
    assert round(result.totals["macs"] / 1e9, 2) == 3.86
    assert abs(result.totals["macs"] / 1e9 - 3.87) < 0.01


def test_se_resnext50_32x4d(model):
    result = model("se_resnext50_32x4d")
    # torchvision's resnext50_32x4d (25,028,904) + SE: SE-ResNeXt-50.prototxt keeps the stride on the 3×3
    assert result.totals["params"] == 25_028_904 + se_params() == 27_559_896
    assert rounds_to(result.totals["params"], "27.56M")  # timm benchmark csv, (legacy_)seresnext50_32x4d
    assert round((result.totals["params"] + result.totals["buffers"]) * 4 / 2**20) == 105  # SENet README "105 M"
    assert result.totals["macs"] - model("resnext50_32x4d").totals["macs"] == se_macs()
    # Hu et al. Table 2: ResNeXt-50 4.24 (re-implementation), SE-ResNeXt-50 4.25; conv + fc MACs are
    # 4.233 (torchvision's ResNeXt-50: 4.23) — the paper's figures are ~0.01–0.02 G higher for both.
    assert round(result.totals["macs"] / 1e9, 2) == 4.23
    assert abs(result.totals["macs"] / 1e9 - 4.25) < 0.02


def test_se_module_rows(model):
    result = model("se_resnet50")
    assert result.shape("layer1.0/se/squeeze") == (256, 1, 1)
    assert result.params("layer1.0/se/fc1") == 256 * 16 + 16
    assert result.params("layer1.0/se/fc2") == 16 * 256 + 256
    assert result.macs("layer4.2/se/fc1") == 2048 * 128
    assert result.shape("layer4.2/se/scale") == (2048, 7, 7)
    # stride on the first 1×1 (Caffe): layer2.0/conv1 already works at 28×28
    assert result.shape("layer2.0/conv1") == (128, 28, 28)
    assert model("se_resnext50_32x4d").shape("layer2.0/conv1") == (256, 56, 56)


def test_se_receptive_field_stays_on_the_feature_grid(inline):
    # conv 3×3 (field 3, jump 1) → SE gate from a global pool over 8×8 (field 3 + 7 = 10) → 3×3 conv:
    # the scaled map is still on the jump-1 grid, so the last conv adds (3 − 1)·1.
    result = inline("""
        input: 1x8x8
        layers:
          - conv: {name: a, out: 4, kernel: 3, padding: 1}
          - global_avgpool: {name: squeeze}
          - conv: {out: 4, kernel: 1}
          - sigmoid: {name: gate}
          - mul: {name: scale, from: [a, gate]}
          - conv: {name: b, out: 4, kernel: 3, padding: 1}
    """)
    assert int(result.rows["scale"].receptive_field()[0]) == 10
    assert int(result.rows["b"].receptive_field()[0]) == 12


# ---- CIFAR ResNets (He et al. 2016 §4.2, option A shortcuts) ----------------------------------------------

def cifar_resnet(n, bias=False):
    """(params, MACs) of the 6n+2-layer CIFAR ResNet: conv 3→16, stages of 16/32/64 on 32/16/8, fc 64→10."""
    params, macs = 3 * 16 * 9 + 16 * bias + 2 * 16, 32 * 32 * 16 * 3 * 9
    channels, size = 16, 32
    for stage, width in enumerate((16, 32, 64)):
        for i in range(n):
            size //= 2 if i == 0 and stage > 0 else 1
            params += (channels + width) * width * 9 + 2 * width * bias + 4 * width   # two convs, two BNs
            macs += size * size * width * (channels + width) * 9
            channels = width
    return params + 64 * 10 + 10, macs + 64 * 10


CIFAR = [
    # name, n, published parameters (Table 6), exact count where a released checkpoint has it
    ("resnet20", 3, "0.27M", 269_722),
    ("resnet56", 9, "0.85M", 853_018),
    ("resnet110", 18, "1.7M", None),
    ("resnet1202", 200, "19.4M", None),
]
# Exact counts: parameter tensors of akamaster/pytorch_resnet_cifar10@d5489e8 pretrained_models/
# resnet20-12fca82f.th and resnet56-4bfd9763.th (state_dict without BN running statistics).


@pytest.mark.parametrize("name, n, printed, exact", CIFAR, ids=[row[0] for row in CIFAR])
def test_cifar_resnets(model, name, n, printed, exact):
    result = model(name)
    params, macs = cifar_resnet(n)
    assert result.totals["params"] == params
    assert rounds_to(params, printed)           # He et al. 2016 Table 6
    if exact is not None:
        assert params == exact
    assert result.totals["macs"] == macs
    assert sum(1 for row in result.rows.values() if row.layer is not None and row.layer.family in ("conv", "fc")) \
        == 6 * n + 2


def test_option_a_shortcut_rows(model):
    result = model("resnet20")
    assert result.shape("layer2.0/subsample") == (16, 16, 16)       # x[:, :, ::2, ::2]
    assert result.shape("layer2.0/shortcut") == (32, 16, 16)        # 8 zero channels on each side
    assert result.rows["layer2.0/shortcut"].layer.padding == (8, 8)
    assert result.params("layer2.0/shortcut") == 0
    assert result.rows["layer3.0/shortcut"].layer.padding == (16, 16)
    assert "layer1.0/shortcut" not in result.rows


def test_channel_pad_layer(inline):
    result = inline("""
        input: 6x5x5
        layers:
          - channel_pad: {name: pad, padding: [1, 3]}
          - channel_pad: {name: both, padding: 2}
    """)
    assert result.shape("pad") == (10, 5, 5) and result.shape("both") == (14, 5, 5)
    assert result.activations("pad") == 10 * 25 and result.params("pad") == 0 and result.macs("pad") == 0
    layer = result.rows["pad"].layer
    x = np.arange(2 * 6 * 5 * 5, dtype=np.float32).reshape(2, 6, 5, 5)
    y, macs = layer.forward([x], layer.init_params([(6, 5, 5)], np.random.default_rng(0)))
    assert y.shape == (2, 10, 5, 5) and macs == 0
    assert np.array_equal(y[:, 1:7], x) and not y[:, 0].any() and not y[:, 7:].any()


@pytest.mark.parametrize("text, code", [
    ("input: 8\nlayers:\n  - channel_pad: {padding: 1}\n", "E305"),
    ("input: 3x4x4\nlayers:\n  - channel_pad: {padding: [1, 2, 3]}\n", "E203"),
    ("input: 3x4x4\nlayers:\n  - channel_pad: {padding: -1}\n", "E203"),
    ("input: 3x4x4\nlayers:\n  - stochastic_depth: {p: 1.5}\n", "E203"),
])
def test_residual_layer_errors(inline, text, code):
    with pytest.raises(ArchcalcError) as error:
        inline(text)
    assert error.value.code == code


# ---- stochastic depth (Huang et al. 2016): ResNet-110, linear decay to p_L = 0.5 --------------------------

def test_stochastic_depth_network(model):
    result = model("stochastic_depth_resnet110")
    params, macs = cifar_resnet(18, bias=True)   # ResidualDrop.lua / main.lua convolutions keep their biases
    assert params == 1_727_962 + 16 + 2 * 18 * (16 + 32 + 64) == result.totals["params"]
    assert rounds_to(params, "1.7M")
    assert result.totals["macs"] == macs == model("resnet110").totals["macs"]   # inference: full depth
    assert result.shape("layer2.0/subsample") == (16, 16, 16)                    # 2×2 average, stride 2
    assert result.rows["layer2.0/shortcut"].layer.padding == (0, 16)             # nn.Padding appends zeros
    # drop probability of block l is (1 − p_L)·l/L with L = 54
    assert result.rows["layer1.0/drop"].layer.p == pytest.approx(0.5 * 1 / 54)
    assert result.rows["layer3.17/drop"].layer.p == pytest.approx(0.5)


def test_stochastic_depth_expected_cost(model):
    blocks, last = 54, Fraction(1, 2)
    survival = [1 - Fraction(l, blocks) * (1 - last) for l in range(1, blocks + 1)]
    # Huang et al. §3: E[number of blocks] = Σ p_l = L − (1 − p_L)(L + 1)/2, = (3L − 1)/4 ≈ 40 for p_L = 0.5,
    # so a 110-layer network trains with 2 + 2·E = 82.5 layers on average: 75% ("~25% faster training").
    assert sum(survival) == Fraction(3 * blocks - 1, 4) == Fraction(161, 4)
    expected_layers = 2 + 2 * sum(survival)
    assert expected_layers / 110 == Fraction(3, 4)
    # Block MACs: 2 convs of 3×3 on a 32²/16²/8² map at 16/32/64 channels are 2·9·32²·16² each; the first
    # block of stages 2 and 3 has a stride-2 first conv reading half the channels: 3/4 of that.
    full_block = 2 * 9 * 32 * 32 * 16 * 16
    block_macs = [Fraction(3, 4) * full_block if l in (19, 37) else full_block for l in range(1, blocks + 1)]
    fixed = 32 * 32 * 16 * 27 + 64 * 10          # conv1 and the classifier always run
    expected_macs = expected_cost(survival, block_macs, fixed)
    assert fixed + sum(block_macs) == cifar_resnet(18)[1]

    cost = training_cost(model("stochastic_depth_resnet110").analysis)
    assert cost.layers == 110
    assert cost.expected_layers == pytest.approx(float(expected_layers))
    assert int(cost.macs[0]) == cifar_resnet(18)[1]
    assert float(cost.expected_macs[0]) == pytest.approx(float(expected_macs))     # 188.6M of 252.9M
    assert cost.macs_fraction[0] == pytest.approx(0.7459, abs=1e-4)


def test_no_stochastic_depth_no_training_cost(model):
    assert training_cost(model("resnet110").analysis) is None


def test_dropped_layers_are_the_branch_only(inline):
    result = inline("""
        input: 4x8x8
        layers:
          - conv: {name: stem, out: 4, kernel: 3, padding: 1}
          - conv: {name: a, out: 4, kernel: 3, padding: 1}
          - relu: {name: r}
          - conv: {name: b, out: 4, kernel: 3, padding: 1}
          - conv: {name: side, from: r, out: 4, kernel: 1}
          - stochastic_depth: {name: drop, from: b, p: 0.25}
          - add: {name: sum, from: [drop, stem, side]}
    """)
    graph = result.graph
    index = {node.name: node.index for node in graph.nodes}
    # 'r' also feeds 'side', which survives: only 'b' is dropped with the branch.
    assert dropped_with(graph, index["drop"]) == {index["b"]}
    probability = run_probabilities(graph)
    assert probability[index["b"]] == 0.75 and probability[index["a"]] == 1.0
    assert training_cost(result.analysis).expected_layers == 4 - 0.25


def test_nested_branches_multiply_survival(inline):
    result = inline("""
        input: 2x4x4
        layers:
          - conv: {name: outer1, out: 2, kernel: 1}
          - conv: {name: inner, out: 2, kernel: 1}
          - stochastic_depth: {name: inner_drop, p: 0.5}
          - add: {name: inner_sum, from: [inner_drop, outer1]}
          - stochastic_depth: {name: outer_drop, p: 0.2}
          - add: {name: outer_sum, from: [outer_drop, input]}
    """)
    index = {node.name: node.index for node in result.graph.nodes}
    probability = run_probabilities(result.graph)
    assert probability[index["outer1"]] == pytest.approx(0.8)
    assert probability[index["inner"]] == pytest.approx(0.8 * 0.5)


def test_stochastic_depth_in_json_and_notes(model):
    from archcalc.render import data

    result = model("stochastic_depth_resnet110")
    summary = data.summary(result.result)
    assert summary["stochastic_depth"]["expected_layers"] == 82.5
    assert summary["stochastic_depth"]["macs"] == summary["totals"]["macs"]
    assert any(line.startswith("Stochastic depth: a training pass runs on average 82.5 of 110")
               for line in data.notes(result.result.findings()))
    assert "stochastic_depth" not in data.summary(model("resnet110").result)


def test_stochastic_depth_layer_is_free_at_inference(inline):
    result = inline("""
        input: 3x4x4
        layers:
          - conv: {out: 3, kernel: 1}
          - drop_path: {name: d, p: 0.1}
    """)
    assert result.activations("d") == 0 and result.params("d") == 0 and result.macs("d") == 0
    x = np.ones((1, 3, 4, 4), dtype=np.float32)
    y, macs = result.rows["d"].layer.forward([x], {})
    assert y is x and macs == 0


def test_expected_cost():
    assert expected_cost([1.0, 0.75, 0.5], [4, 4, 4], fixed=2) == 11.0
    with pytest.raises(ValueError):
        expected_cost([1.0], [1, 2])


# ---- pre-activation ResNets (He et al. 2016b) and wide ResNets (Zagoruyko & Komodakis) --------------------

def preact(stem, widths, depths, block="basic", final_bn=True, classes=10):
    """(params, MACs) of a pre-activation network on 32×32 built like resnet-pre-act.lua / wide-resnet.lua."""
    params, macs = 3 * stem * 9, 32 * 32 * stem * 27
    channels, size = stem, 32
    for stage, (out, count) in enumerate(zip(widths, depths)):
        for i in range(count):
            stride = 2 if i == 0 and stage > 0 else 1
            size //= stride
            project = i == 0 and out != channels
            if block == "basic":   # BN-ReLU-conv3×3-BN-ReLU-conv3×3
                params += 2 * channels + channels * out * 9 + 2 * out + out * out * 9
                macs += size * size * (channels * out * 9 + out * out * 9)
            else:                  # BN-ReLU-conv1×1(out/4)-BN-ReLU-conv3×3-BN-ReLU-conv1×1(out)
                b = out // 4
                params += 2 * channels + channels * b + 2 * b + b * b * 9 + 2 * b + b * out
                macs += size * size * (channels * b + b * b * 9 + b * out)
            if project:            # 1×1 projection, no BN, from the shared pre-activation
                params += channels * out
                macs += size * size * channels * out
            channels = out
    params += 2 * channels * final_bn + channels * classes + classes
    return params, macs + channels * classes


def test_preact_resnet164(model):
    result = model("preact_resnet164")
    params, macs = preact(16, [64, 128, 256], [18] * 3, block="bottleneck")
    # szagoruyko/wide-residual-networks@ae6d0d0 logs/resnet-pre-act_17934627/log.txt (depth 164, CIFAR-10):
    # "Network has 1703258 parameters"; osmr/imgclsmob@c1a844d gluon/README.md: PreResNet-164(BN) 1,703,258.
    assert result.totals["params"] == params == 1_703_258
    assert rounds_to(params, "1.7M")              # He et al. 2016b, CIFAR table
    assert result.totals["macs"] == macs
    assert result.shape("layer2.0/conv1") == (32, 16, 16)   # the stride is on the first 1×1 (resnet-pre-act.lua)


def test_preact_resnet1001_from_the_same_family():
    # n = 111 (9n + 2 = 1001): osmr/imgclsmob gluon/README.md PreResNet-1001 10,327,706 (He et al. print 10.2M,
    # which this definition does not round to; see the spec's notes).
    assert with_vars("preact_resnet164", n=111).totals["params"] == 10_327_706


def test_wide_resnet28_10(model):
    result = model("wide_resnet28_10")
    params, macs = preact(16, [160, 320, 640], [4] * 3)
    # osmr/imgclsmob@c1a844d gluon/README.md CIFAR-10 table: WRN-28-10 36,479,194 parameters
    assert result.totals["params"] == params == 36_479_194
    assert rounds_to(params, "36.5M")             # Zagoruyko & Komodakis, CIFAR comparison table
    assert result.totals["macs"] == macs
    assert result.shape("layer1.0/shortcut") == (160, 32, 32)      # 16 → 160 needs a projection in stage 1


def test_wide_resnet40_4_from_the_same_family():
    # szagoruyko/wide-residual-networks@ae6d0d0 logs/wide-resnet_1121914561/log.txt (depth 40, widen_factor 4):
    # "Network has 8949210 parameters"
    assert with_vars("wide_resnet28_10", n=6, k=4).totals["params"] == 8_949_210 == preact(16, [64, 128, 256], [6] * 3)[0]


def test_wide_resnet_dropout_adds_nothing():
    plain, dropout = with_vars("wide_resnet28_10"), with_vars("wide_resnet28_10", dropout=0.3)
    assert dropout.totals["params"] == plain.totals["params"] and dropout.totals["macs"] == plain.totals["macs"]
    assert "layer1.0/dropout1" in dropout.rows


def test_preact_resnet18(model):
    result = model("preact_resnet18")
    params, macs = preact(64, [64, 128, 256, 512], [2] * 4)
    assert result.totals["params"] == params == 11_172_170
    assert result.totals["macs"] == macs
    # kuangliu/pytorch-cifar models/preact_resnet.py has no final BN → ReLU: 2·512 parameters fewer
    kuangliu = with_vars("preact_resnet18", final_activation=False)
    assert kuangliu.totals["params"] == preact(64, [64, 128, 256, 512], [2] * 4, final_bn=False)[0] == 11_171_146
    # the first unit's identity shortcut takes the stem's raw output; a widening unit's projection the
    # shared pre-activation
    assert result.rows["layer1.0/add"].node.inputs[1] == result.rows["conv1"].node.index
    assert result.rows["layer2.0/shortcut"].node.inputs[0] == result.rows["layer2.0/relu1"].node.index


# ---- the whole family analyses quickly and cleanly ----------------------------------------------------------

ZOO_B = ["wide_resnet50_2", "wide_resnet101_2", "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d",
         "se_resnet50", "se_resnext50_32x4d", "resnet20", "resnet56", "resnet110", "resnet1202",
         "stochastic_depth_resnet110", "preact_resnet18", "preact_resnet164", "wide_resnet28_10"]


@pytest.mark.parametrize("name", ZOO_B)
def test_spec_metadata_and_no_warnings(model, name):
    spec = catalog()[name]
    assert spec.title != spec.name and spec.source
    assert model(name).graph.warnings == []
