"""One test over the whole registry: every shipped spec compiles, analyses and keeps the contract."""

import pytest

from archcalc.zoo import catalog, specs_dir

MODELS = list(catalog())


def test_foundation_names_are_shipped():
    required = {"lenet5", "alexnet", "alexnet_2gpu", "zfnet", "vgg11", "vgg11_lrn", "vgg13", "vgg16_c", "vgg16",
                "vgg19", "googlenet", "inception_naive", "inception_reduced", "resnet18", "resnet34", "resnet50",
                "resnet101", "resnet152"}
    assert required <= set(MODELS)


def test_zoo_names_are_shipped():
    required = set("""nin googlenet_torchvision inception_v3 inception_v4 inception_resnet_v2 xception resnet20
        resnet56 resnet110 resnet1202 preact_resnet18 preact_resnet164 wide_resnet28_10 wide_resnet50_2
        wide_resnet101_2 resnext50_32x4d resnext101_32x8d resnext101_64x4d se_resnet50 se_resnext50_32x4d
        stochastic_depth_resnet110 densenet121 densenet161 densenet169 densenet201 densenet264 fractalnet
        squeezenet1_0 squeezenet1_1 mobilenet_v1 mobilenet_v2 mobilenet_v3_large mobilenet_v3_small
        shufflenet_v1_g3 shufflenet_v2_x1_0 mnasnet1_0 nasnet_a_mobile efficientnet_b0 efficientnet_b1
        efficientnet_b2 efficientnet_b3 efficientnet_b4 efficientnet_b5 efficientnet_b6 efficientnet_b7
        alexnet_torchvision vgg11_bn vgg13_bn vgg16_bn vgg19_bn
        regnet_x_400mf regnet_x_800mf regnet_x_1_6gf regnet_x_3_2gf regnet_x_8gf regnet_x_16gf regnet_x_32gf
        regnet_y_400mf regnet_y_800mf regnet_y_1_6gf regnet_y_3_2gf regnet_y_8gf regnet_y_16gf regnet_y_32gf
        regnet_y_128gf efficientnet_v2_s efficientnet_v2_m efficientnet_v2_l
        convnext_tiny convnext_small convnext_base convnext_large
        r3d_18 mc3_18 r2plus1d_18 s3d m5 unet unet_padded dcgan_generator dcgan_discriminator
        fcn_resnet50 fcn_resnet101 deeplabv3_resnet50 deeplabv3_resnet101 deeplabv3_mobilenet_v3_large
        lraspp_mobilenet_v3_large""".split())
    assert required <= set(MODELS), sorted(required - set(MODELS))


@pytest.mark.parametrize("name", MODELS)
def test_shipped_spec_is_clean_and_consistent(model, name):
    result = model(name)
    spec = result.spec
    assert spec.title and spec.source, "every shipped spec names its source"
    assert not result.graph.warnings
    rows = result.analysis.rows
    assert result.totals["activations"] == sum(int(r.activations[0]) for r in rows)
    assert result.totals["params"] == sum(int(r.params.trainable[0]) for r in rows)
    assert result.totals["macs"] > 0 and result.totals["params"] > 0
    assert result.totals["params"] >= result.totals["weights"]


def test_specs_are_yaml_files_in_the_package():
    assert any(specs_dir().glob("vgg.yaml"))
