"""Reported accuracy on shipped specs: the numbers their sources publish, read back from the specs.

TORCHVISION rows were read from the ``_metrics["ImageNet-1K"]`` (acc@1, acc@5) of each weights enum's
IMAGENET1K_V1 entry in torchvision 0.28.0 (torchvision/models/<file>.py; the wheel's git_version
8fb87713a24951e639c494b0f2a8a81b5f8e33a6). OTHER rows cite the table that prints them; where a
paper prints an error rate, accuracy = 100 − error.
"""

import pytest

from archcalc.errors import ArchcalcError
from archcalc.zoo import catalog
from tests.conftest import spec_from_text
from tests.reference_numbers import TORCHVISION

# name: (top-1 %, top-5 %, file, weights enum)
TORCHVISION_ACCURACY = {
    "alexnet_torchvision": (56.522, 79.066, "alexnet.py", "AlexNet_Weights"),
    "convnext_tiny": (82.520, 96.146, "convnext.py", "ConvNeXt_Tiny_Weights"),
    "convnext_small": (83.616, 96.650, "convnext.py", "ConvNeXt_Small_Weights"),
    "convnext_base": (84.062, 96.870, "convnext.py", "ConvNeXt_Base_Weights"),
    "convnext_large": (84.414, 96.976, "convnext.py", "ConvNeXt_Large_Weights"),
    "efficientnet_v2_s": (84.228, 96.878, "efficientnet.py", "EfficientNet_V2_S_Weights"),
    "efficientnet_v2_m": (85.112, 97.156, "efficientnet.py", "EfficientNet_V2_M_Weights"),
    "efficientnet_v2_l": (85.808, 97.788, "efficientnet.py", "EfficientNet_V2_L_Weights"),
    "densenet121": (74.434, 91.972, "densenet.py", "DenseNet121_Weights"),
    "densenet161": (77.138, 93.560, "densenet.py", "DenseNet161_Weights"),
    "densenet169": (75.600, 92.806, "densenet.py", "DenseNet169_Weights"),
    "densenet201": (76.896, 93.370, "densenet.py", "DenseNet201_Weights"),
    "efficientnet_b0": (77.692, 93.532, "efficientnet.py", "EfficientNet_B0_Weights"),
    "efficientnet_b1": (78.642, 94.186, "efficientnet.py", "EfficientNet_B1_Weights"),
    "efficientnet_b2": (80.608, 95.310, "efficientnet.py", "EfficientNet_B2_Weights"),
    "efficientnet_b3": (82.008, 96.054, "efficientnet.py", "EfficientNet_B3_Weights"),
    "efficientnet_b4": (83.384, 96.594, "efficientnet.py", "EfficientNet_B4_Weights"),
    "efficientnet_b5": (83.444, 96.628, "efficientnet.py", "EfficientNet_B5_Weights"),
    "efficientnet_b6": (84.008, 96.916, "efficientnet.py", "EfficientNet_B6_Weights"),
    "efficientnet_b7": (84.122, 96.908, "efficientnet.py", "EfficientNet_B7_Weights"),
    "googlenet_torchvision": (69.778, 89.530, "googlenet.py", "GoogLeNet_Weights"),
    "inception_v3": (77.294, 93.450, "inception.py", "Inception_V3_Weights"),
    "mnasnet0_5": (67.734, 87.490, "mnasnet.py", "MNASNet0_5_Weights"),
    "mnasnet0_75": (71.180, 90.496, "mnasnet.py", "MNASNet0_75_Weights"),
    "mnasnet1_0": (73.456, 91.510, "mnasnet.py", "MNASNet1_0_Weights"),
    "mnasnet1_3": (76.506, 93.522, "mnasnet.py", "MNASNet1_3_Weights"),
    "mobilenet_v2": (71.878, 90.286, "mobilenetv2.py", "MobileNet_V2_Weights"),
    "mobilenet_v3_large": (74.042, 91.340, "mobilenetv3.py", "MobileNet_V3_Large_Weights"),
    "mobilenet_v3_small": (67.668, 87.402, "mobilenetv3.py", "MobileNet_V3_Small_Weights"),
    "regnet_x_400mf": (72.834, 90.950, "regnet.py", "RegNet_X_400MF_Weights"),
    "regnet_x_800mf": (75.212, 92.348, "regnet.py", "RegNet_X_800MF_Weights"),
    "regnet_x_1_6gf": (77.040, 93.440, "regnet.py", "RegNet_X_1_6GF_Weights"),
    "regnet_x_3_2gf": (78.364, 93.992, "regnet.py", "RegNet_X_3_2GF_Weights"),
    "regnet_x_8gf": (79.344, 94.686, "regnet.py", "RegNet_X_8GF_Weights"),
    "regnet_x_16gf": (80.058, 94.944, "regnet.py", "RegNet_X_16GF_Weights"),
    "regnet_x_32gf": (80.622, 95.248, "regnet.py", "RegNet_X_32GF_Weights"),
    "regnet_y_400mf": (74.046, 91.716, "regnet.py", "RegNet_Y_400MF_Weights"),
    "regnet_y_800mf": (76.420, 93.136, "regnet.py", "RegNet_Y_800MF_Weights"),
    "regnet_y_1_6gf": (77.950, 93.966, "regnet.py", "RegNet_Y_1_6GF_Weights"),
    "regnet_y_3_2gf": (78.948, 94.576, "regnet.py", "RegNet_Y_3_2GF_Weights"),
    "regnet_y_8gf": (80.032, 95.048, "regnet.py", "RegNet_Y_8GF_Weights"),
    "regnet_y_16gf": (80.424, 95.240, "regnet.py", "RegNet_Y_16GF_Weights"),
    "regnet_y_32gf": (80.878, 95.340, "regnet.py", "RegNet_Y_32GF_Weights"),
    "resnet18": (69.758, 89.078, "resnet.py", "ResNet18_Weights"),
    "resnet34": (73.314, 91.420, "resnet.py", "ResNet34_Weights"),
    "resnet50": (76.130, 92.862, "resnet.py", "ResNet50_Weights"),
    "resnet101": (77.374, 93.546, "resnet.py", "ResNet101_Weights"),
    "resnet152": (78.312, 94.046, "resnet.py", "ResNet152_Weights"),
    "resnext50_32x4d": (77.618, 93.698, "resnet.py", "ResNeXt50_32X4D_Weights"),
    "resnext101_32x8d": (79.312, 94.526, "resnet.py", "ResNeXt101_32X8D_Weights"),
    "resnext101_64x4d": (83.246, 96.454, "resnet.py", "ResNeXt101_64X4D_Weights"),
    "wide_resnet50_2": (78.468, 94.086, "resnet.py", "Wide_ResNet50_2_Weights"),
    "wide_resnet101_2": (78.848, 94.284, "resnet.py", "Wide_ResNet101_2_Weights"),
    "shufflenet_v2_x0_5": (60.552, 81.746, "shufflenetv2.py", "ShuffleNet_V2_X0_5_Weights"),
    "shufflenet_v2_x1_0": (69.362, 88.316, "shufflenetv2.py", "ShuffleNet_V2_X1_0_Weights"),
    "shufflenet_v2_x1_5": (72.996, 91.086, "shufflenetv2.py", "ShuffleNet_V2_X1_5_Weights"),
    "shufflenet_v2_x2_0": (76.230, 93.006, "shufflenetv2.py", "ShuffleNet_V2_X2_0_Weights"),
    "squeezenet1_0": (58.092, 80.420, "squeezenet.py", "SqueezeNet1_0_Weights"),
    "squeezenet1_1": (58.178, 80.624, "squeezenet.py", "SqueezeNet1_1_Weights"),
    "vgg11": (69.020, 88.628, "vgg.py", "VGG11_Weights"),
    "vgg11_bn": (70.370, 89.810, "vgg.py", "VGG11_BN_Weights"),
    "vgg13": (69.928, 89.246, "vgg.py", "VGG13_Weights"),
    "vgg13_bn": (71.586, 90.374, "vgg.py", "VGG13_BN_Weights"),
    "vgg16": (71.592, 90.382, "vgg.py", "VGG16_Weights"),
    "vgg16_bn": (73.360, 91.516, "vgg.py", "VGG16_BN_Weights"),
    "vgg19": (72.376, 90.876, "vgg.py", "VGG19_Weights"),
    "vgg19_bn": (74.218, 91.842, "vgg.py", "VGG19_BN_Weights"),
}

# name: (top-1 %, top-5 % or None when not printed, where it is printed)
OTHER_ACCURACY = {
    "se_resnet50": (100 - 23.29, 100 - 6.62, "Hu et al., Squeeze-and-Excitation Networks, Table 2 (error 23.29 / 6.62)"),
    "se_resnext50_32x4d": (100 - 21.10, 100 - 5.49, "Hu et al., Table 2 (error 21.10 / 5.49)"),
    "inception_v4": (100 - 20.0, None, "Szegedy et al. 2017, Table 2 (single crop, top-1 error 20.0)"),
    "inception_resnet_v2": (100 - 19.9, None, "Szegedy et al. 2017, Table 2 (single crop, top-1 error 19.9)"),
    "xception": (79.0, 94.5, "Keras Applications table, Xception: top-1 0.790, top-5 0.945"),
    "nin": (59.36, None, "Caffe Model Zoo entry 'Network in Network Imagenet Model': 59.36% top-1"),
}

# torchvision's names for our specs of the same network.
TORCHVISION_NAME = {"alexnet_torchvision": "alexnet", "googlenet_torchvision": "googlenet"}


@pytest.mark.parametrize("name", sorted(TORCHVISION_ACCURACY))
def test_torchvision_accuracy_is_the_published_one(name):
    top1, top5, file, weights = TORCHVISION_ACCURACY[name]
    accuracy = catalog()[name].accuracy
    assert (accuracy.top1, accuracy.top5) == (top1, top5), f"torchvision/models/{file} {weights}"
    assert f"{weights}.IMAGENET1K_V1" in accuracy.source and file in accuracy.source


@pytest.mark.parametrize("name", sorted(TORCHVISION_ACCURACY))
def test_torchvision_accuracy_was_measured_at_the_specs_input(name):
    """The chart puts accuracy next to MACs at the spec's own input: that must be the crop evaluated."""
    spec = catalog()[name]
    crop = TORCHVISION[TORCHVISION_NAME.get(name, name)]["input"]
    assert spec.input_shape() == crop
    assert f"{crop[1]}×{crop[2]} centre crop" in spec.accuracy.eval


@pytest.mark.parametrize("name", sorted(OTHER_ACCURACY))
def test_other_accuracy_is_the_printed_one(name):
    top1, top5, where = OTHER_ACCURACY[name]
    accuracy = catalog()[name].accuracy
    assert accuracy.top1 == pytest.approx(top1, abs=1e-9), where
    assert (accuracy.top5 is None and top5 is None) or accuracy.top5 == pytest.approx(top5, abs=1e-9), where


def test_only_sourced_specs_carry_accuracy():
    """No spec gets an accuracy this file does not pin."""
    carrying = {name for name, spec in catalog().items() if spec.accuracy is not None}
    assert carrying == set(TORCHVISION_ACCURACY) | set(OTHER_ACCURACY)


def test_free_text_accuracy_strings_are_gone():
    for name in set(TORCHVISION_ACCURACY) | set(OTHER_ACCURACY):
        metadata = catalog()[name].metadata
        assert not [key for key in metadata if key.startswith(("top1_error_torchvision", "top5_error_torchvision"))]


SPEC = """
name: tiny
input: 3x8x8
{accuracy}
layers:
  - conv: {{out: 4, kernel: 3}}
"""


@pytest.mark.parametrize("text, code, line, column", [
    ("accuracy: 76.1", "E203", 4, 11),
    ("accuracy: {top1: 76.1, source: paper}", "E204", 4, 11),
    ("accuracy: {top1: 176.1, source: paper, eval: val}", "E203", 4, 18),
    ("accuracy: {top1: '76%', source: paper, eval: val}", "E203", 4, 18),
    ("accuracy: {top1: 76.1, top5: 70.0, source: paper, eval: val}", "E203", 4, 30),
    ("accuracy: {top1: 76.1, source: '', eval: val}", "E203", 4, 32),
    ("accuracy: {top1: 76.1, source: paper, eval: val, top10: 99}", "E202", 4, 50),
])
def test_accuracy_is_validated_where_written(text, code, line, column):
    with pytest.raises(ArchcalcError) as caught:
        spec_from_text(SPEC.format(accuracy=text))
    error = caught.value
    assert (error.code, error.location.line, error.location.column) == (code, line, column), str(error)


def test_accuracy_without_top5_is_accepted():
    spec = spec_from_text(SPEC.format(accuracy="accuracy: {top1: 76.1, source: a paper, eval: single crop}"))
    assert spec.accuracy.top1 == 76.1 and spec.accuracy.top5 is None and spec.accuracy.source == "a paper"
