"""One test over the whole registry: every shipped spec compiles, analyses and keeps the contract."""

import pytest

from archcalc.zoo import catalog, specs_dir

MODELS = list(catalog())


def test_foundation_names_are_shipped():
    required = {"lenet5", "alexnet", "alexnet_2gpu", "zfnet", "vgg11", "vgg11_lrn", "vgg13", "vgg16_c", "vgg16",
                "vgg19", "googlenet", "inception_naive", "inception_reduced", "resnet18", "resnet34", "resnet50",
                "resnet101", "resnet152"}
    assert required <= set(MODELS)


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
