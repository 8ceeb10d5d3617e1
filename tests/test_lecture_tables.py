"""The lecture tables, row by row. Expected values are computed here from the tables' own
arithmetic (e.g. 224*224*64 and (3*3*3)*64), never copied from archcalc's output."""

import pytest

# CS231n VGG-16 table: (row name, output C×H×W, activations = H*W*C, weights "not counting biases")
VGG16_TABLE = [
    ("input", (3, 224, 224), 224 * 224 * 3, 0),
    ("conv1_1", (64, 224, 224), 224 * 224 * 64, (3 * 3 * 3) * 64),
    ("conv1_2", (64, 224, 224), 224 * 224 * 64, (3 * 3 * 64) * 64),
    ("pool1", (64, 112, 112), 112 * 112 * 64, 0),
    ("conv2_1", (128, 112, 112), 112 * 112 * 128, (3 * 3 * 64) * 128),
    ("conv2_2", (128, 112, 112), 112 * 112 * 128, (3 * 3 * 128) * 128),
    ("pool2", (128, 56, 56), 56 * 56 * 128, 0),
    ("conv3_1", (256, 56, 56), 56 * 56 * 256, (3 * 3 * 128) * 256),
    ("conv3_2", (256, 56, 56), 56 * 56 * 256, (3 * 3 * 256) * 256),
    ("conv3_3", (256, 56, 56), 56 * 56 * 256, (3 * 3 * 256) * 256),
    ("pool3", (256, 28, 28), 28 * 28 * 256, 0),
    ("conv4_1", (512, 28, 28), 28 * 28 * 512, (3 * 3 * 256) * 512),
    ("conv4_2", (512, 28, 28), 28 * 28 * 512, (3 * 3 * 512) * 512),
    ("conv4_3", (512, 28, 28), 28 * 28 * 512, (3 * 3 * 512) * 512),
    ("pool4", (512, 14, 14), 14 * 14 * 512, 0),
    ("conv5_1", (512, 14, 14), 14 * 14 * 512, (3 * 3 * 512) * 512),
    ("conv5_2", (512, 14, 14), 14 * 14 * 512, (3 * 3 * 512) * 512),
    ("conv5_3", (512, 14, 14), 14 * 14 * 512, (3 * 3 * 512) * 512),
    ("pool5", (512, 7, 7), 7 * 7 * 512, 0),
    ("fc6", (4096,), 4096, 7 * 7 * 512 * 4096),
    ("fc7", (4096,), 4096, 4096 * 4096),
    ("fc8", (1000,), 1000, 4096 * 1000),
]


@pytest.mark.parametrize("name, shape, activations, weights", VGG16_TABLE)
def test_vgg16_lecture_row(model, name, shape, activations, weights):
    vgg = model("vgg16")
    assert vgg.shape(name) == shape
    assert vgg.activations(name) == activations
    assert vgg.weights(name) == weights


def test_vgg16_totals(model):
    vgg = model("vgg16")
    table_activations = sum(row[2] for row in VGG16_TABLE)
    assert table_activations == 15_237_608  # the table's own rows, summed by hand in seed-facts
    assert vgg.totals["activations"] == table_activations
    assert vgg.totals["activation_bytes"] == table_activations * 4 == 60_950_432
    assert vgg.totals["weights"] == sum(row[3] for row in VGG16_TABLE) == 138_344_128
    biases = 2 * 64 + 2 * 128 + 3 * 256 + 6 * 512 + 4096 + 4096 + 1000
    assert vgg.totals["params"] == 138_344_128 + biases == 138_357_544  # torchvision / Keras count
    # The lecture's "24M * 4 bytes ~= 96MB" does not follow from its rows: they add to 15.2M.
    assert vgg.totals["activations"] < 24_000_000


def test_vgg16_macs_closed_form(model):
    convs = [(224, 3, 64), (224, 64, 64), (112, 64, 128), (112, 128, 128), (56, 128, 256)] + \
            [(56, 256, 256)] * 2 + [(28, 256, 512)] + [(28, 512, 512)] * 2 + [(14, 512, 512)] * 3
    macs = sum(s * s * cout * cin * 9 for s, cin, cout in convs) + 25088 * 4096 + 4096 * 4096 + 4096 * 1000
    assert model("vgg16").totals["macs"] == macs == 15_470_264_320
    assert model("vgg16").totals["flops"] == 2 * macs


def test_inception_naive(model):
    naive = model("inception_naive")
    assert naive.shape("module") == (128 + 192 + 96 + 256, 28, 28)
    terms = [28 * 28 * 128 * 1 * 1 * 256, 28 * 28 * 192 * 3 * 3 * 256, 28 * 28 * 96 * 5 * 5 * 256]
    assert naive.totals["macs"] == sum(terms) == 854_196_224


def test_inception_reduced_six_terms(model):
    reduced = model("inception_reduced")
    # The lecture's six terms: [1x1 conv, 64] ×2, [1x1 conv, 128], [3x3 conv, 192], [5x5 conv, 96], [1x1 conv, 64]
    expected = {
        "reduce3x3": 28 * 28 * 64 * 1 * 1 * 256,
        "reduce5x5": 28 * 28 * 64 * 1 * 1 * 256,
        "conv1x1": 28 * 28 * 128 * 1 * 1 * 256,
        "conv3x3": 28 * 28 * 192 * 3 * 3 * 64,
        "conv5x5": 28 * 28 * 96 * 5 * 5 * 64,
        "pool_proj": 28 * 28 * 64 * 1 * 1 * 256,
    }
    assert list(expected.values()) == [12_845_056, 12_845_056, 25_690_112, 86_704_128, 120_422_400, 12_845_056]
    for name, macs in expected.items():
        assert reduced.macs(name) == macs, name
    assert reduced.totals["macs"] == sum(expected.values()) == 271_351_808
    # The lecture's "358M" is this sum with the 3×3 term counted twice.
    assert reduced.totals["macs"] + expected["conv3x3"] == 358_055_936
    assert reduced.shape("module") == (128 + 192 + 96 + 64, 28, 28)
    assert 3.1 < model("inception_naive").totals["macs"] / reduced.totals["macs"] < 3.2


# CS231n AlexNet list: (name, output, weights + biases), F×F×C_in×K + K
ALEXNET = [
    ("conv1", (96, 55, 55), 11 * 11 * 3 * 96 + 96),
    ("pool1", (96, 27, 27), 0),
    ("norm1", (96, 27, 27), 0),
    ("conv2", (256, 27, 27), 5 * 5 * 96 * 256 + 256),
    ("pool2", (256, 13, 13), 0),
    ("norm2", (256, 13, 13), 0),
    ("conv3", (384, 13, 13), 3 * 3 * 256 * 384 + 384),
    ("conv4", (384, 13, 13), 3 * 3 * 384 * 384 + 384),
    ("conv5", (256, 13, 13), 3 * 3 * 384 * 256 + 256),
    ("pool3", (256, 6, 6), 0),
    ("fc6", (4096,), 6 * 6 * 256 * 4096 + 4096),
    ("fc7", (4096,), 4096 * 4096 + 4096),
    ("fc8", (1000,), 4096 * 1000 + 1000),
]


@pytest.mark.parametrize("name, shape, params", ALEXNET)
def test_alexnet_lecture_row(model, name, shape, params):
    alexnet = model("alexnet")
    assert alexnet.shape(name) == shape
    assert alexnet.params(name) == params


def test_alexnet_conv1_parameter_sharing(model):
    alexnet = model("alexnet")
    assert alexnet.weights("conv1") == 34_848 and alexnet.params("conv1") == 34_944
    neurons = 55 * 55 * 96
    assert neurons == 290_400
    # Without parameter sharing each of the 290,400 neurons would have 11*11*3 + 1 = 364 parameters.
    assert neurons * (11 * 11 * 3 + 1) == 105_705_600


def test_alexnet_two_gpu_halves_grouped_layers(model):
    one, two = model("alexnet"), model("alexnet_2gpu")
    for name, full in (("conv2", 5 * 5 * 96 * 256), ("conv4", 3 * 3 * 384 * 384), ("conv5", 3 * 3 * 384 * 256)):
        assert two.weights(name) == full // 2
        assert one.weights(name) == full
    # Caffe's bvlc_alexnet (grouped) has 60,965,224 parameters.
    assert two.totals["params"] == 60_965_224


# GoogLeNet paper Table 1: (module, output C×H×W, #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj, ops in M)
GOOGLENET = [
    ("inception3a", 28, 192, (64, 96, 128, 16, 32, 32), 128),
    ("inception3b", 28, 256, (128, 128, 192, 32, 96, 64), 304),
    ("inception4a", 14, 480, (192, 96, 208, 16, 48, 64), 73),
    ("inception4b", 14, 512, (160, 112, 224, 24, 64, 64), 88),
    ("inception4c", 14, 512, (128, 128, 256, 24, 64, 64), 100),
    ("inception4d", 14, 512, (112, 144, 288, 32, 64, 64), 119),
    ("inception4e", 14, 528, (256, 160, 320, 32, 128, 128), 170),
    ("inception5a", 7, 832, (256, 160, 320, 32, 128, 128), 54),
    ("inception5b", 7, 832, (384, 192, 384, 48, 128, 128), 73),
]
# Rows whose printed ops do not follow from their own columns (docs/reproductions.md):
# 5a: 49 × 1,042,432 weights = 51.1M, printed 54M; 5b: 49 × 1,442,816 = 70.7M, printed 73M.
GOOGLENET_OPS_ERRATA = {"inception5a", "inception5b"}


def _module_weights(c_in, columns):
    c1, c3r, c3, c5r, c5, pp = columns
    return c_in * c1 + c_in * c3r + 9 * c3r * c3 + c_in * c5r + 25 * c5r * c5 + c_in * pp


@pytest.mark.parametrize("name, size, c_in, columns, ops_m", GOOGLENET)
def test_googlenet_inception_rows(model, name, size, c_in, columns, ops_m):
    net = model("googlenet")
    c1, _, c3, _, c5, pp = columns
    assert net.shape(f"{name}/output") == (c1 + c3 + c5 + pp, size, size)
    macs = sum(net.macs(row) for row in net.rows if row.startswith(name + "/"))
    assert macs == size * size * _module_weights(c_in, columns)
    if name in GOOGLENET_OPS_ERRATA:
        assert abs(macs / 1e6 - ops_m) > 2.0
    else:  # the paper's ops column, rounded to millions
        assert abs(macs / 1e6 - ops_m) < 1.0


def test_googlenet_whole(model):
    net = model("googlenet")
    assert net.shape("conv1") == (64, 112, 112) and net.shape("pool1") == (64, 56, 56)
    assert net.shape("pool2") == (192, 28, 28) and net.shape("pool4") == (832, 7, 7)
    assert net.shape("fc") == (1000,)
    weight_layers = sum(1 for r in net.analysis.rows if r.layer is not None and r.layer.family in ("conv", "fc"))
    assert weight_layers == 3 + 9 * 6 + 1  # 22 deep on the longest path, 58 weight layers in all
    assert 5_000_000 < net.totals["params"] < 7_100_000   # "only 5 million" (the paper says ~12× fewer than AlexNet)
    assert net.macs("conv1") == 112 * 112 * 64 * 7 * 7 * 3 == 118_013_952


def test_googlenet_aux_classifiers_are_an_option(model):
    from archcalc.zoo import resolve
    from tests.conftest import Result

    plain = model("googlenet")
    with_aux = Result(resolve("googlenet", {"aux": True}))
    def head(c_in):  # 5×5/3 avg pool → 4×4; 1×1 conv to 128; fc 2048→1024; fc 1024→1000 (biases on)
        return (c_in * 128 + 128) + (4 * 4 * 128 * 1024 + 1024) + (1024 * 1000 + 1000)

    assert with_aux.totals["params"] - plain.totals["params"] == head(512) + head(528)
    assert with_aux.shape("aux1/fc2") == (1000,) and with_aux.shape("aux2/conv1") == (128, 4, 4)


EECS_STEM = [  # seed 004: (layer, output C, H/W, memory KB of float32, params K, MFLOP)
    ("conv1", 64, 112, 3136, 9, 118),
    ("pool1", 64, 56, 784, 0, 2),
    ("conv2_reduce", 64, 56, 784, 4, 13),
    ("conv2", 192, 56, 2352, 111, 347),
    ("pool2", 192, 28, 588, 0, 1),
]


@pytest.mark.parametrize("name, channels, size, kb, params_k, mflop", EECS_STEM)
def test_googlenet_stem_eecs_table(model, name, channels, size, kb, params_k, mflop):
    net = model("googlenet")
    row = net.rows[name]
    assert net.shape(name) == (channels, size, size)
    assert net.activations(name) * 4 / 1024 == kb
    assert round(net.params(name) / 1000) == params_k
    work = int(row.macs[0]) + int(row.other_ops.get("window_reads", [0])[0])
    assert round(work / 1e6) == mflop
