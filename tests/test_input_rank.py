"""``--input`` of another rank than the spec's own ``input:`` is a usage error, not another network.

The layer rules are rank-generic, so VGG-16 given 3x224 would otherwise run as a 1-D network and
print numbers nobody asked for. Every command that takes ``--input`` for a YAML spec refuses it
with the spec's input location, both shapes and the shape to give instead; .onnx files keep the
importer's own rule (their rank is fixed by the graph).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from archcalc.cli import main
from archcalc.zoo import specs_dir

VGG_INPUT = f"{specs_dir() / 'vgg.yaml'}:9:8"
VGG_AS_1D = ("vgg16 takes C×H×W input (3x224x224); got C×L (--input 3x224), which would run it as a 1-D network; "
             "give e.g. --input 3x224x224")


def run(*args):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("command", [
    ["summary", "vgg16", "--input", "3x224"],
    ["summary", "vgg16", "--input", "3x224", "--format", "json"],
    ["memory", "vgg16", "--input", "3x224"],
    ["verify", "vgg16", "--input", "3x224"],
    ["diagram", "vgg16", "--input", "3x224"],
    ["report", "vgg16", "--input", "3x224", "--no-charts", "--no-diagram"],
])
def test_every_command_refuses_another_rank_naming_both_shapes(command):
    result = run(*command)
    assert result.exit_code == 2, result.output
    assert result.output == f"{VGG_INPUT}: error[E504]: {VGG_AS_1D}\n"


def test_plot_per_layer_and_sweep_refuse_another_rank():
    pytest.importorskip("matplotlib", reason="plot needs the plot extra (matplotlib), which is not installed")
    per_layer = run("plot", "vgg16", "--per-layer", "--input", "3x224", "-o", "unused.png")
    assert per_layer.exit_code == 2 and per_layer.output == f"{VGG_INPUT}: error[E504]: {VGG_AS_1D}\n"
    sweep = run("plot", "vgg16", "--sweep", "3x128:3x256", "-o", "unused.png")
    assert sweep.exit_code == 2
    assert "vgg16 takes C×H×W input (3x224x224); got C×L (--input 3x128)" in sweep.output


def test_each_of_several_inputs_is_checked():
    result = run("summary", "resnet50", "--input", "3x224x224,3x16x224x224")
    assert result.exit_code == 2
    assert ("resnet50 takes C×H×W input (3x224x224); got C×D×H×W (--input 3x16x224x224), which would run it "
            "as a 3-D network; give e.g. --input 3x224x224") in result.output


@pytest.mark.parametrize("name, given, expected", [
    ("m5", "1x100x80", "m5 takes C×L input (1x8000); got C×H×W (--input 1x100x80), which would run it as a 2-D network"),
    ("lenet5", "1024", "lenet5 takes C×H×W input (1x32x32); got F (--input 1024), which would run it as a network "
                       "on a flat vector"),
    ("r2plus1d_18", "3x112x112", "r2plus1d_18 takes C×D×H×W input (3x16x112x112); got C×H×W (--input 3x112x112)"),
    # an input written with the spec's variables is compared after they are evaluated
    ("efficientnet_b3", "3x320", "efficientnet_b3 takes C×H×W input (3x300x300); got C×L (--input 3x320)"),
])
def test_the_message_names_each_layout(name, given, expected):
    result = run("summary", name, "--input", given)
    assert result.exit_code == 2 and expected in result.output, result.output
    assert "Traceback" not in result.output


def test_the_same_rank_at_another_size_still_runs():
    result = run("summary", "vgg16", "--input", "3x32x32", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["input"] == [3, 32, 32]


def test_a_spec_file_is_located_at_its_input_line(tmp_path):
    spec = tmp_path / "audio.yaml"
    spec.write_text("name: audio\n# a 1-D network\ninput: 1x800\nlayers:\n  - conv: {out: 4, kernel: 3}\n",
                    encoding="utf-8")
    result = run("summary", str(spec), "--input", "1x28x28")
    assert result.exit_code == 2
    assert result.output.startswith(f"{spec}:3:8: error[E504]: audio takes C×L input (1x800); got C×H×W")


def test_an_onnx_file_keeps_the_importers_rule(tmp_path):
    onnx = pytest.importorskip("onnx", reason="the onnx extra (pip install 'archcalc[onnx]') is not installed")
    from onnx import TensorProto, helper

    node = helper.make_node("Relu", ["x"], ["y"], name="relu")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, "H", "W"])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    path = tmp_path / "dynamic.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    result = run("summary", str(path), "--input", "3x32")
    assert result.exit_code == 2
    assert result.output.startswith(f"{path}: error[E504]: --input 3×32 has 2 dimensions")
