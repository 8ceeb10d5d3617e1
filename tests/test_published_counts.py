"""Every shipped model that torchvision also ships: its parameter count exactly, and its conv+fc
multiply-adds to the digits torchvision publishes ("GFLOPS" in its docs are MACs)."""

import pytest

from archcalc.zoo import catalog, resolve
from tests.conftest import Result
from tests.reference_numbers import TORCHVISION

# Our lecture-faithful alexnet and paper-faithful googlenet differ from torchvision's variants,
# which ship under these names.
OUR_NAME = {"alexnet": "alexnet_torchvision", "googlenet": "googlenet_torchvision"}
# torchvision measures _ops in eval mode, where auxiliary classifiers do not run; its num_params
# counts whatever the builder keeps (inception_v3 keeps AuxLogits).
EVAL_MODE = {"inception_v3": {"aux": False}}
SHIPPED = [name for name in TORCHVISION if OUR_NAME.get(name, name) in catalog()]


def test_the_foundation_models_are_covered():
    assert {"vgg11", "vgg13", "vgg16", "vgg19", "resnet18", "resnet34", "resnet50", "resnet101",
            "resnet152"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_params_equal_torchvision(model, name):
    reference = TORCHVISION[name]
    assert model(OUR_NAME.get(name, name), [reference["input"]]).totals["params"] == reference["params"], reference["source"]


@pytest.mark.parametrize("name", SHIPPED)
def test_macs_agree_with_torchvision_gflops(model, name):
    reference = TORCHVISION[name]
    spec = resolve(OUR_NAME.get(name, name), EVAL_MODE.get(name))
    macs = Result(spec, [reference["input"]]).totals["macs"]
    assert abs(macs / 1e9 - reference["gflops"]) <= 0.0005 + 1e-9, (macs, reference["gflops"])


@pytest.mark.parametrize("name", SHIPPED)
def test_native_input_is_torchvisions_crop(name):
    """A spec's own input is the crop size torchvision measured its figures at."""
    assert resolve(OUR_NAME.get(name, name)).input_shape() == TORCHVISION[name]["input"]
