"""FCN, DeepLabV3 and LR-ASPP: torchvision's published counts (tests/test_published_counts.py)
include the auxiliary head its weights carry; here the parts are checked one by one.

* The backbones are torchvision's classifiers without their classifier: dilation changes no weight,
  so their parameters equal the shipped resnet50 / resnet101 / mobilenet_v3_large minus the fc layers.
* The auxiliary FCN head, written out in closed form, is exactly what ``--set aux=false`` removes.
* The final upsampling follows ``--input`` (``like: input``): the prediction has the input's size.
"""

from __future__ import annotations

import pytest

from archcalc.zoo import resolve
from tests.conftest import Result

CLASSES = 21
# (model, backbone classifier it is built from, the classifier's parameters, aux head input channels,
#  the aux head's map side at 520×520)
MODELS = [
    ("fcn_resnet50", "resnet50", 2048 * 1000 + 1000, 1024, 65),
    ("fcn_resnet101", "resnet101", 2048 * 1000 + 1000, 1024, 65),
    ("deeplabv3_resnet50", "resnet50", 2048 * 1000 + 1000, 1024, 65),
    ("deeplabv3_resnet101", "resnet101", 2048 * 1000 + 1000, 1024, 65),
    # MobileNetV3-Large's classifier: Linear 960 → 1280, hard swish, dropout, Linear 1280 → 1000
    ("deeplabv3_mobilenet_v3_large", "mobilenet_v3_large", 960 * 1280 + 1280 + 1280 * 1000 + 1000, 40, 65),
    ("lraspp_mobilenet_v3_large", "mobilenet_v3_large", 960 * 1280 + 1280 + 1280 * 1000 + 1000, None, None),
]
IDS = [m[0] for m in MODELS]


def fcn_head(channels, side):
    """(params, MACs) of torchvision's FCNHead: 3×3 conv to channels/4 (no bias), BN, 1×1 conv to the classes."""
    inner = channels // 4
    params = 9 * channels * inner + 2 * inner + inner * CLASSES + CLASSES
    return params, side * side * (9 * channels * inner + inner * CLASSES)


@pytest.mark.parametrize("name, backbone, classifier, aux_channels, aux_side", MODELS, ids=IDS)
def test_backbone_is_the_classifier_without_its_head(model, name, backbone, classifier, aux_channels, aux_side):
    result = model(name)
    backbone_params = sum(int(r.params.trainable[0]) for r in result.analysis.rows if r.name.startswith("backbone."))
    assert backbone_params == model(backbone).totals["params"] - classifier


@pytest.mark.parametrize("name, backbone, classifier, aux_channels, aux_side", MODELS[:5], ids=IDS[:5])
def test_aux_false_drops_exactly_the_auxiliary_head(model, name, backbone, classifier, aux_channels, aux_side):
    with_aux = model(name).totals
    without = Result(resolve(name, {"aux": False})).totals
    params, macs = fcn_head(aux_channels, aux_side)
    assert (with_aux["params"] - without["params"], with_aux["macs"] - without["macs"]) == (params, macs)


@pytest.mark.parametrize("name", IDS)
def test_prediction_follows_the_input_size(model, name):
    result = model(name, [(3, 480, 640)])
    assert result.shape("out") == (CLASSES, 480, 640)
    if name in IDS[:5]:
        assert result.shape("aux") == (CLASSES, 480, 640)


def test_deeplab_head_in_closed_form(model):
    """DeepLabHead(2048) at 65×65: ASPP's 1×1, three dilated 3×3 and the image-pool branch (256 each,
    no bias, BN), a 1×1 projection of the 1280 concatenated channels (BN), a 3×3 conv (BN) and the classifier."""
    side = 65
    weights = 2048 * 256 + 3 * 9 * 2048 * 256 + 2048 * 256 + 1280 * 256 + 9 * 256 * 256
    params = weights + 2 * 256 * 7 + 256 * CLASSES + CLASSES          # 7 batch norms of 256
    macs = side * side * (2048 * 256 + 3 * 9 * 2048 * 256 + 1280 * 256 + 9 * 256 * 256 + 256 * CLASSES) + 2048 * 256
    result = model("deeplabv3_resnet50")
    rows = [r for r in result.analysis.rows if r.name.startswith("classifier.")]
    assert (sum(int(r.params.trainable[0]) for r in rows), sum(int(r.macs[0]) for r in rows)) == (params, macs)
