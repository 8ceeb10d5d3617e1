"""The registry is the only place that knows a layer type: names, joins, depth, other ops, rules."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from archcalc.engine import Config, analyze
from archcalc.errors import ArchcalcError
from archcalc.layers import REGISTRY, lookup
from archcalc.layers.base import Layer, register, other_op_labels
from archcalc.layers.conv import Conv, FullyConnected
from archcalc.render.layers import layer_types_markdown

from tests.conftest import spec_from_text


@pytest.mark.parametrize("written, type_name", [
    ("Conv2d", "conv"), ("conv_2d", "conv"), ("CONV2D", "conv"), ("Conv1d", "conv"), ("Conv3D", "conv"),
    ("Linear", "fc"), ("Dense", "fc"), ("Flatten", "flatten"), ("Dropout", "dropout"),
    ("MaxPool2d", "maxpool"), ("MaxPooling3D", "maxpool"), ("AvgPool1d", "avgpool"),
    ("AveragePooling2D", "avgpool"), ("AdaptiveAvgPool2d", "adaptive_avgpool"),
    ("GlobalAveragePooling2D", "global_avgpool"), ("BatchNorm2d", "bn"), ("BatchNormalization", "bn"),
    ("ZeroPadding2D", "zeropad"), ("ChannelShuffle", "channel_shuffle"), ("max_pool", "maxpool"),
    ("batch_norm", "bn"), ("LeakyReLU", "leaky_relu"),
])
def test_names_ignore_case_and_underscores(written, type_name):
    assert lookup(written) is not None and lookup(written).type_name == type_name


def test_framework_names_compile_and_check_their_rank(inline):
    result = inline("""
        input: 3x16x16
        layers:
          - Conv2d: {name: c, out: 8, kernel: 3}
          - BatchNorm2d
          - MaxPool2d: {kernel: 2}
          - Flatten
          - Linear: {name: f, out: 4}
        """)
    assert result.shape("c") == (8, 14, 14) and result.shape("f") == (4,)
    with pytest.raises(ArchcalcError) as error:
        inline("input: 3x16x16\nlayers:\n  - conv3d: {out: 8, kernel: 3}\n")
    assert error.value.code == "E305"
    assert "conv3d expects a C×D×H×W volume, but received 3×16×16" in error.value.message


@pytest.mark.parametrize("alias, shape", [
    ("conv1d: {out: 2, kernel: 1}", "3x8x8"), ("conv2d: {out: 2, kernel: 1}", "3x8"),
    ("maxpool1d: {kernel: 1}", "3x4x4x4"), ("maxpool3d: {kernel: 1}", "3x4"), ("avgpool1d: {kernel: 1}", "3x4x4"),
    ("avgpool3d: {kernel: 1}", "3x4x4"), ("bn1d", "3x4x4"), ("bn3d", "3x4x4"), ("bn2d", "12"),
])
def test_rank_checking_aliases_refuse_other_ranks(inline, alias, shape):
    with pytest.raises(ArchcalcError) as error:
        inline(f"input: {shape}\nlayers:\n  - {alias}\n")
    assert error.value.code == "E305" and shape.replace("x", "×") in error.value.message


def test_bn1d_takes_vectors_and_sequences(inline):
    assert inline("input: 12\nlayers:\n  - bn1d: {name: b}\n").params("b") == 24
    assert inline("input: 5x7\nlayers:\n  - BatchNorm1d: {name: b}\n").params("b") == 10


def test_register_refuses_a_type_without_its_rules():
    class Silent(Layer):
        type_name = "silent_test_layer"

        def output_shape(self, inputs):
            return inputs[0]

    with pytest.raises(TypeError, match="neither overrides param_counts"):
        register(Silent)

    class HalfStated(Silent):
        free_of = frozenset({"params"})

    with pytest.raises(TypeError, match="neither overrides macs"):
        register(HalfStated)

    class Contradictory(Silent):
        free_of = frozenset({"params", "macs"})

        def macs(self, inputs, output):
            return 1

    with pytest.raises(TypeError, match="overrides macs"):
        register(Contradictory)
    assert lookup("silent_test_layer") is None


def test_register_refuses_a_name_taken_up_to_case_and_underscores():
    class Twin(Layer):
        type_name = "Max_Pool"
        free_of = frozenset({"params", "macs"})

    with pytest.raises(RuntimeError, match="registered twice"):
        register(Twin)


def test_every_registered_type_states_its_rules():
    for cls in REGISTRY.values():
        for fact, rule in (("params", "param_counts"), ("macs", "macs")):
            assert (getattr(cls, rule) is not getattr(Layer, rule)) != (fact in cls.free_of), cls.type_name


def test_facts_come_from_the_classes():
    joins = {name for name, cls in REGISTRY.items() if cls.joins}
    assert joins == {"concat", "add", "mean", "mul"}
    assert {name for name, cls in REGISTRY.items() if cls.counts_toward_depth} >= {"conv", "fc"}
    assert {name for name, cls in REGISTRY.items() if cls.drops_branch} == {"stochastic_depth"}
    assert set(other_op_labels()) >= {"window_reads", "elementwise", "adds", "multiplies", "normalization"}


def test_a_branch_list_on_a_non_join_names_the_joins(inline):
    with pytest.raises(ArchcalcError) as error:
        inline("input: 3x4x4\nlayers:\n  - conv:\n      - []\n      - []\n")
    assert "only concat, add, mean, mul take a list of branches" in error.value.message


def test_undeclared_other_ops_are_a_defect_of_the_class():
    class Leaky(FullyConnected):
        def other_ops(self, inputs, output):
            return {"mystery": 1}

    spec = spec_from_text("input: 4\nlayers:\n  - fc: {out: 2}\n")
    graph = spec.graph()
    graph.nodes[1].layer = Leaky(out=2, bias=True)
    with pytest.raises(TypeError, match="mystery"):
        analyze(graph, [Config((4,))])


def test_schema_accepts_every_entry_key():
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test extra")
    from archcalc.schema import spec_schema
    document = {"input": "3x8x8", "layers": [{"conv": {"out": 4, "kernel": 3}, "output": True}, "relu"]}
    jsonschema.validate(document, spec_schema())


def test_conv_with_scalar_settings_describes_every_axis(inline):
    result = inline("input: 3x4x8x8\nlayers:\n  - conv: {name: c, out: 2, kernel: 3, padding: 1}\n")
    assert result.rows["c"].description == "3×3×3 s1 p1"
    assert Conv(out=2, kernel=3, stride=1, padding=1, dilation=1, groups=1, bias=True,
                rounding="exact").describe() == "3×3 s1 p1"
    assert np.all(result.rows["c"].receptive_field() == 3)


DOCS = Path(__file__).resolve().parent.parent / "docs" / "spec-format.md"
GENERATED = "<!-- layer-types: generated from the registry by archcalc.render.layers.layer_types_markdown -->\n"
END = "<!-- layer-types: end -->"


def test_spec_format_lists_every_layer_type():
    """The list is generated; ARCHCALC_REGENERATE_DOCS=1 rewrites it after a layer type changes."""
    text = DOCS.read_text(encoding="utf-8")
    head, rest = text.split(GENERATED)
    _, tail = rest.split(END)
    current = head + GENERATED + layer_types_markdown() + END + tail
    if os.environ.get("ARCHCALC_REGENERATE_DOCS"):
        DOCS.write_text(current, encoding="utf-8")
    assert text == current, ("docs/spec-format.md's layer list is stale: "
                             "run ARCHCALC_REGENERATE_DOCS=1 pytest tests/test_layer_registry.py")
    for name in REGISTRY:
        assert f"| `{name}` |" in text


def test_spec_format_resampling_example_runs(inline):
    text = DOCS.read_text(encoding="utf-8")
    block = text.split("```yaml\nname: tiny_unet\n", 1)[1].split("```", 1)[0]
    result = inline("name: tiny_unet\n" + block)
    assert result.shape("up") == (8, 54, 54) and result.shape("skip") == (8, 54, 54)
    assert inline("name: tiny_unet\n" + block, [(1, 92, 92)]).shape(result.analysis.graph.output.name) == (2, 92, 92)
