"""Small, mobile, searched and scaled networks against their references.

Where torchvision ships the network: its ``num_params`` exactly, and conv + fc MACs rounded to
the three decimals of its ``_ops`` ("GFLOPS", which are multiply-accumulates) at the crop size
of the weights' transforms. Where only Keras ships it: Keras's "Total params" = our params +
buffers exactly. Otherwise the paper (or its authors' code) within the precision it prints.
Closed-form counts written out here check the rules the specs encode (make_divisible, compound
scaling, ShuffleNet's grouped units, NASNet's cell widths).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archcalc.expr import make_divisible
from archcalc.zoo import resolve

from tests.conftest import Result

KERAS_IO = "keras-team/keras-io@01b6d6c4 templates/api/applications/index.md, column Parameters"
KERAS_DOCS = "keras-team/keras@034466bb docs/templates/applications.md, column Parameters"
MEGVII_V1 = "megvii-model/ShuffleNet-Series@aa91feb7 ShuffleNetV1/README.md, Results table"

# torchvision's counts for these models: tests/test_published_counts.py.


# Keras "Total params" = trainable + non-trainable (BN moving mean and variance).
KERAS = [
    ("mobilenet_v1", 4_253_864, KERAS_DOCS + " (MobileNet; same in " + KERAS_IO + ")"),
    ("nasnet_a_mobile", 5_326_716, KERAS_IO + " (NASNetMobile)"),
    ("nasnet_a_large", 88_949_818, KERAS_IO + " (NASNetLarge)"),
]


@pytest.mark.parametrize("name, total, where", KERAS, ids=[r[0] for r in KERAS])
def test_keras_total_params(model, name, total, where):
    result = model(name)
    assert result.totals["params"] + result.totals["buffers"] == total


# Keras builds EfficientNet with the same layers as torchvision, plus an input Normalization
# layer whose state is 7 more non-trainable numbers (mean 3, variance 3, count 1): the Keras
# totals check the torchvision-exact specs a second way, buffers included.
KERAS_EFFICIENTNET = [
    ("efficientnet_b0", 5_330_571), ("efficientnet_b1", 7_856_239), ("efficientnet_b2", 9_177_569),
    ("efficientnet_b3", 12_320_535), ("efficientnet_b4", 19_466_823), ("efficientnet_b5", 30_562_527),
    ("efficientnet_b6", 43_265_143), ("efficientnet_b7", 66_658_687),
]


@pytest.mark.parametrize("name, total", KERAS_EFFICIENTNET, ids=[r[0] for r in KERAS_EFFICIENTNET])
def test_efficientnet_against_keras_totals(model, name, total):
    totals = model(name).totals
    assert totals["params"] + totals["buffers"] + 7 == total, KERAS_IO


# ---- papers, at the precision they print ----

def millions(count, digits=0):
    return round(count / 1e6, digits)


def test_mobilenet_v1_paper():
    # Howard et al. 2017: 1.0 MobileNet-224 569M mult-adds, 4.2M params, and the width-multiplier
    # rows 0.75/0.5/0.25 MobileNet-224 (Keras's alpha), as quoted in MEGVII_V1.
    rows = [(1.0, 569, 4.2), (0.75, 325, 2.6), (0.5, 149, 1.3), (0.25, 41, 0.5)]
    for alpha, mult_adds, params in rows:
        totals = Result(resolve("mobilenet_v1", {"alpha": alpha})).totals
        assert millions(totals["macs"]) == mult_adds, alpha
        assert millions(totals["params"], 1) == params, alpha


def test_nasnet_a_mobile_paper(model):
    # Zoph et al. 2018 Table 3, NASNet-A (4 @ 1056): 564M mult-adds, 5.3M params — also the
    # docstring table of keras-team/keras-applications@06fbeb0f keras_applications/nasnet.py.
    totals = model("nasnet_a_mobile").totals
    assert millions(totals["macs"]) == 564
    assert millions(totals["params"], 1) == 5.3


def test_nasnet_a_large_paper(model):
    # Zoph et al. 2018 Table 2 (also in lecture seed 001): NASNet-A (6 @ 4032) at 331×331,
    # 88.9 M parameters, 23.8 B mult-adds. The printed 88.9 M matches the count with BN moving
    # statistics (88,949,818); the trainable parameters alone are 88,753,150 (88.8 M).
    result = model("nasnet_a_large")
    totals = result.totals
    assert result.spec.input_shape() == (3, 331, 331)
    assert round(totals["macs"] / 1e9, 1) == 23.8
    assert millions(totals["params"] + totals["buffers"], 1) == 88.9
    assert millions(totals["params"], 1) == 88.8


def test_shufflenet_v2_authors_readme(model):
    # megvii-model/ShuffleNet-Series@aa91feb7 ShuffleNetV2/README.md: 1.0x 146M FLOPs, 2.3M params.
    # The README's FLOPs are above the conv + fc count that torchvision publishes (0.145 G) and
    # this spec reproduces exactly: 144.9M, printed 146M.
    totals = model("shufflenet_v2_x1_0").totals
    assert millions(totals["params"], 1) == 2.3
    assert 146 - millions(totals["macs"]) == 1


# ---- closed forms: the rules the specs encode, counted independently here ----

def mobilenet_v1_counts(alpha=1.0, classes=1000):
    """Keras MobileNet: (trainable params, BN buffers, MACs) at 224, from the paper's Table 1."""
    filters = [64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024]
    strides = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1]
    channels, size = int(32 * alpha), 112
    params, bn = 27 * channels + 2 * channels, channels
    macs = size * size * 27 * channels
    for out, stride in zip(filters, strides):
        out = int(out * alpha)
        size //= stride
        params += 9 * channels + 2 * channels + channels * out + 2 * out
        bn += channels + out
        macs += size * size * (9 * channels + channels * out)
        channels = out
    params += channels * classes + classes
    macs += channels * classes
    return params, 2 * bn, macs


def test_mobilenet_v1_closed_form(model):
    params, buffers, macs = mobilenet_v1_counts()
    totals = model("mobilenet_v1").totals
    assert (totals["params"], totals["buffers"], totals["macs"]) == (params, buffers, macs)


def shufflenet_v1_counts(groups, widths, repeats=(4, 8, 4), classes=1000):
    """(params, MACs) of ShuffleNet v1 at 224 (Table 1; first 1×1 conv ungrouped; fc without bias)."""
    stem = widths[0]
    params = 27 * stem + 2 * stem
    macs = 112 * 112 * 27 * stem
    channels, size = stem, 56
    for out, count in zip(widths[1:], repeats):
        for i in range(count):
            stride = 2 if i == 0 else 1
            first = 1 if channels == stem else groups
            mid = out // 4
            residual = out - channels if stride == 2 else out
            size_out = size // stride
            params += channels * mid // first + 2 * mid + 9 * mid + 2 * mid + mid * residual // groups + 2 * residual
            macs += (size * size * channels * mid // first + size_out * size_out * 9 * mid
                     + size_out * size_out * mid * residual // groups)
            channels, size = out, size_out
    return params + channels * classes, macs + channels * classes


# megvii's README: model size, groups, widths (network.py stage_out_channels), FLOPs (M), params (M).
SHUFFLENET_V1_README = [
    ("0.5x", 3, [12, 120, 240, 480], 38, 0.7), ("1.0x", 3, [24, 240, 480, 960], 138, 1.9),
    ("1.5x", 3, [24, 360, 720, 1440], 292, 3.4), ("2.0x", 3, [48, 480, 960, 1920], 524, 5.4),
    ("0.5x", 8, [16, 192, 384, 768], 40, 1.0), ("1.0x", 8, [24, 384, 768, 1536], 138, 2.4),
    ("1.5x", 8, [24, 576, 1152, 2304], 290, 4.3), ("2.0x", 8, [48, 768, 1536, 3072], 522, 6.5),
]


@pytest.mark.parametrize("size, groups, widths, mflops, mparams", SHUFFLENET_V1_README,
                         ids=[f"{r[0]}-g{r[1]}" for r in SHUFFLENET_V1_README])
def test_shufflenet_v1_family(size, groups, widths, mflops, mparams):
    spec = resolve("shufflenet_v1_g3", {"groups": groups, "widths": widths})
    totals = Result(spec).totals
    assert (totals["params"], totals["macs"]) == shufflenet_v1_counts(groups, widths)
    assert millions(totals["params"], 1) == mparams, MEGVII_V1
    if (size, groups) == ("1.0x", 3):
        # The README prints 138M; the exact count is 137,460,672 (137M): 0.4 % lower. The other
        # seven rows round exactly; the paper's Table 1 quotes this configuration as 137M.
        assert millions(totals["macs"]) == mflops - 1
    else:
        assert millions(totals["macs"]) == mflops, MEGVII_V1


def test_shufflenet_v1_shipped_is_1x_g3(model):
    assert (model("shufflenet_v1_g3").totals["params"], model("shufflenet_v1_g3").totals["macs"]) == \
        shufflenet_v1_counts(3, [24, 240, 480, 960])


def round_to_multiple_of(value, divisor, round_up_bias=0.9):
    """torchvision.models.mnasnet._round_to_multiple_of, written out."""
    new = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return new if new >= round_up_bias * value else new + divisor


@given(st.floats(min_value=0.5, max_value=5000, allow_nan=False))
def test_mnasnet_rounding_is_make_divisible(value):
    assert round_to_multiple_of(value, 8) == make_divisible(value, 8)


def test_mnasnet_rounding_examples():
    # The docstring of _round_to_multiple_of: (83, 8) -> 80, but (84, 8) -> 88.
    assert (make_divisible(83, 8), make_divisible(84, 8)) == (80, 88)


def test_mobilenet_v3_squeeze_channels(model):
    # features.4 of the Large model: 72 expanded channels; squeeze = make_divisible(72 // 4, 8):
    # 16 would lose more than 10 % of 18, so 24. fc1 and fc2 carry biases.
    result = model("mobilenet_v3_large")
    assert result.params("features.4/block.2/fc1") == 72 * 24 + 24
    assert result.params("features.4/block.2/fc2") == 24 * 72 + 72
    assert result.rows["features.7/block.0.2"].layer.type_name == "hard_swish"
    assert result.rows["features.2/block.0.2"].layer.type_name == "relu"


def test_efficientnet_squeeze_uses_block_input(model):
    # features.2.0 of B0: input 16, expansion 6 → 96; squeeze = max(1, 16 // 4) = 4 (not 96 // 4).
    result = model("efficientnet_b0")
    assert result.params("features.2.0/block.2/fc1") == 96 * 4 + 4


B0_REPEATS = [1, 2, 2, 3, 3, 4, 1]
B0_CHANNELS = [16, 24, 40, 80, 112, 192, 320]
# The reference code's coefficient table (tensorflow/tpu models/official/efficientnet/
# efficientnet_builder.py, efficientnet_params): width, depth.
COEFFICIENTS = {"b0": (1.0, 1.0), "b1": (1.0, 1.1), "b2": (1.1, 1.2), "b3": (1.2, 1.4),
                "b4": (1.4, 1.8), "b5": (1.6, 2.2), "b6": (1.8, 2.6), "b7": (2.0, 3.1)}


@pytest.mark.parametrize("variant", sorted(COEFFICIENTS))
def test_efficientnet_compound_scaling(model, variant):
    width, depth = COEFFICIENTS[variant]
    result = model(f"efficientnet_{variant}")
    for stage, (repeats, channels) in enumerate(zip(B0_REPEATS, B0_CHANNELS), start=1):
        blocks = {name.split("/")[0] for name in result.rows if name.startswith(f"features.{stage}.")}
        assert len(blocks) == math.ceil(repeats * depth)
        last_block = [name for name in result.rows if name.startswith(f"features.{stage}.{len(blocks) - 1}/")]
        assert result.shape(last_block[-1])[0] == make_divisible(channels * width, 8)
    assert result.shape("features.8.0")[0] == 4 * make_divisible(320 * width, 8)


def test_efficientnet_b2_at_the_paper_resolution(model):
    # The paper and Keras evaluate B2 at 260: same parameters, fewer MACs than torchvision's 288.
    at_260 = model("efficientnet_b2", [(3, 260, 260)]).totals
    at_288 = model("efficientnet_b2").totals
    assert at_260["params"] == at_288["params"]
    assert round(at_260["macs"] / 1e9, 2) == 0.99


def test_nasnet_large_takes_prev_across_reductions(model):
    # skip_reduction: the first cell after a reduction takes the reduction's own second input
    # (normal_4, 42×42), not the cell before it; both are reduced to 21×21 by 'adjust'.
    result = model("nasnet_a_large")
    assert result.rows["normal_7/adjust/adjust_relu_1"].node.inputs == (result.rows["normal_4/concat"].node.index,)
    assert result.shape("normal_7/adjust/adjust_bn") == (336, 21, 21)
    mobile = model("nasnet_a_mobile")
    assert mobile.rows["normal_5/adjust/adjust_relu_1"].node.inputs == (mobile.rows["normal_3/concat"].node.index,)


def test_nasnet_cell_shapes(model):
    # Keras: normal cells output 6 × filters, reduction cells 4 × filters at half the size;
    # filters = 1056 // 24 = 44, ×2 per reduction; the stem's 3×3 valid stride-2 conv gives 111.
    result = model("nasnet_a_mobile")
    assert result.shape("stem_bn1") == (32, 111, 111)
    assert result.shape("stem_1/concat") == (4 * 11, 56, 56)
    assert result.shape("stem_2/concat") == (4 * 22, 28, 28)
    for cell, filters, size in [(0, 44, 28), (3, 44, 28), (5, 88, 14), (8, 88, 14), (9, 176, 7), (12, 176, 7)]:
        assert result.shape(f"normal_{cell}/concat") == (6 * filters, size, size)
    assert result.shape("reduce_4/concat") == (4 * 88, 14, 14)
    assert result.shape("reduce_8/concat") == (4 * 176, 7, 7)
    # the factorized reduction of 'prev' in normal_0: two halves of 22 channels from 44×56×56
    assert result.shape("normal_0/adjust/adjust_crop_2") == (44, 56, 56)
    assert result.params("normal_0/adjust/adjust_conv_2") == 44 * 22


def test_shufflenet_v2_split_and_names(model):
    result = model("shufflenet_v2_x1_0")
    assert result.shape("stage2.1/x1") == (58, 28, 28)
    assert result.shape("stage2.1/x2") == (58, 28, 28)
    assert result.activations("stage2.1/x1") == 0  # a view, like torch.chunk
    assert result.shape("stage4.3/shuffle") == (464, 7, 7)
    assert result.params("fc") == 1024 * 1000 + 1000


def test_torchvision_layer_names(model):
    v2 = model("mobilenet_v2")
    assert v2.params("features.18.0") == 320 * 1280
    assert v2.params("classifier.1") == 1280 * 1000 + 1000
    assert v2.shape("features.17/conv.2") == (320, 7, 7)
    assert "features.3/residual" in v2.rows and "features.4/residual" not in v2.rows
    mnas = model("mnasnet1_0")
    assert mnas.params("layers.14") == 320 * 1280


def test_compound_scaling_rule_from_b0():
    """--set phi=N applies depth α^φ, width β^φ, resolution γ^φ (α=1.2, β=1.1, γ=1.15) to B0."""
    from archcalc.expr import make_divisible
    from archcalc.zoo import resolve

    base = resolve("efficientnet_b0")
    assert base.variables()["width"] == 1.0 and base.input_shape() == (3, 224, 224)
    scaled = resolve("efficientnet_b0", {"phi": 2})
    variables = scaled.variables()
    assert variables["width"] == pytest.approx(1.1 ** 2) and variables["depth"] == pytest.approx(1.2 ** 2)
    assert scaled.input_shape() == (3, round(224 * 1.15 ** 2), round(224 * 1.15 ** 2))
    graph = scaled.graph()
    stem = graph.nodes[1].layer
    assert stem.out == make_divisible(32 * 1.1 ** 2, 8)
    # ceil(n · α²) MBConv blocks per stage: 1, 2, 2, 3, 3, 4, 1 → 2, 3, 3, 5, 5, 6, 2
    blocks = {n.name.split("/")[0] for n in graph.nodes if n.name.startswith("features.") and "/" in n.name}
    assert len(blocks) == sum(-(-n * 144 // 100) for n in (1, 2, 2, 3, 3, 4, 1)) == 26
