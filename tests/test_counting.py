"""Each counting convention's rules in closed form, on small specs written here.

The figures below are the tools' formulas written out (see archcalc/counting.py for where each was
read in the tool's source); tests/test_counting_torchvision.py and tests/test_counting_layers_oracle.py run the tools themselves.
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from archcalc import counting
from archcalc.blocks import by_operator, collapse
from archcalc.cli import main
from archcalc.engine import Config, analyze
from archcalc.errors import ArchcalcError
from archcalc.totals import totals
from tests.conftest import spec_from_text


def figures(text: str, input_shape=(3, 8, 8), batch=1, mode="eval") -> dict:
    spec = spec_from_text(text)
    analysis = analyze(spec.graph(), [Config(input_shape, batch)], mode=mode)
    found = totals(analysis)
    return {name: counting.apply(c, analysis, found) for name, c in counting.CONVENTIONS.items()}


CONV_BN_RELU = """
name: t
input: 3x8x8
layers:
  - conv: {out: 4, kernel: 3, padding: 1, bias: true}
  - bn
  - relu
"""


def test_conv_bias_batch_norm_and_relu_module_in_each_convention():
    r = figures(CONV_BN_RELU, batch=2)
    macs = 2 * 8 * 8 * 4 * 3 * 3 * 3          # batch · H'·W'·out · C_in·k·k
    outputs = 2 * 4 * 8 * 8                     # one bias add (or one activation, one norm) per output
    assert r["torchvision"].ops == macs // 2    # per image: the weights' property
    assert r["torchinfo"].ops == macs + outputs + 2 * (2 * 4)        # + batch × BN's 2C parameters
    assert r["fvcore"].ops == macs + 2 * outputs                       # BN eval: 2 × elements (affine)
    assert r["ptflops"].ops == macs + outputs                          # aten.convolution + bias
    # module hooks per image, F.relu per batch: ReLU counted twice (hook on outputs, F.relu on inputs)
    assert r["ptflops-pytorch"].ops == (macs + outputs + 2 * outputs + outputs) // 2 + outputs
    assert r["thop"].ops == macs + 4 * outputs                         # BN 2 × elements, doubled when affine
    assert r["keras"].ops is None and r["keras"].params == (4 * 27 + 4) + 2 * 4 + 2 * 4


def test_functional_relu_counts_once_in_ptflops_and_never_in_thop():
    module = figures(CONV_BN_RELU)
    functional = figures(CONV_BN_RELU.replace("  - relu", "  - relu: {call: functional}"))
    elements = 4 * 8 * 8
    assert module["ptflops-pytorch"].ops - functional["ptflops-pytorch"].ops == elements
    assert module["thop"].ops == functional["thop"].ops


def test_relu6_module_counts_once_in_ptflops_pytorch():
    relu = figures(CONV_BN_RELU)
    relu6 = figures(CONV_BN_RELU.replace("  - relu", "  - relu6"))
    assert relu["ptflops-pytorch"].ops - relu6["ptflops-pytorch"].ops == 4 * 8 * 8


POOLS = """
name: t
input: 2x8x8
layers:
  - maxpool: {kernel: 2}
  - avgpool: {kernel: 3, stride: 1, padding: 1, count_include_pad: false}
  - global_avgpool
"""


def test_pools_in_each_convention():
    r = figures(POOLS, input_shape=(2, 8, 8))
    # average 3×3/1 pad 1 without the padding: each axis of 4 covers 2+3+3+2 = 10 cells
    averaged = 2 * 10 * 10
    assert r["thop"].ops == (averaged + 2 * 4 * 4) + (2 * 4 * 4 + 2)   # avg: adds + divides; global: window + 1
    assert r["fvcore"].ops == 2 * 4 * 4                                  # adaptive_avg_pool2d input elements only
    # ptflops-pytorch: each pool module's hook and the F.*pool* it calls, both on input elements
    assert r["ptflops-pytorch"].ops == 2 * (2 * 8 * 8) + 2 * (2 * 4 * 4) + 2 * (2 * 4 * 4)
    assert r["torchinfo"].ops == r["ptflops"].ops == r["torchvision"].ops == 0


def test_avg_pool_counting_the_padding():
    r = figures(POOLS.replace(", count_include_pad: false", ""), input_shape=(2, 8, 8))
    assert r["thop"].ops == (2 * 4 * 4 * 9 + 2 * 4 * 4) + (2 * 4 * 4 + 2)


def test_global_pool_as_a_tensor_method_is_invisible_to_hooks_and_patches():
    r = figures(POOLS.replace("  - global_avgpool", "  - global_avgpool: {call: method}"), input_shape=(2, 8, 8))
    assert r["fvcore"].ops == 0      # aten::mean is not a counted op
    assert r["ptflops-pytorch"].ops == 2 * (2 * 8 * 8) + 2 * (2 * 4 * 4)


def test_ptflops_pytorch_counts_module_hooks_per_image_and_functionals_per_batch():
    one, four = figures(CONV_BN_RELU, batch=1), figures(CONV_BN_RELU, batch=4)
    functional = 4 * 8 * 8        # F.relu inside nn.ReLU, counted over the batch
    assert four["ptflops-pytorch"].ops - one["ptflops-pytorch"].ops == 3 * functional
    assert four["thop"].ops == 4 * one["thop"].ops and four["torchvision"].ops == one["torchvision"].ops


def test_torchinfo_memory_lines():
    r = figures(CONV_BN_RELU, batch=2)["torchinfo"]
    outputs = 2 * 4 * 8 * 8
    assert r.extras["forward_backward_pass_size"] == 2 * (outputs + outputs) * 4   # conv and bn outputs, ×2
    assert r.extras["params_size"] == (4 * 27 + 4 + 2 * 4) * 4
    assert r.extras["input_size"] == 2 * 3 * 8 * 8 * 4 + counting.TORCH_STORAGE_OVERHEAD
    assert r.extras["estimated_total_size"] == sum(r.extras[k] for k in ("input_size", "forward_backward_pass_size",
                                                                         "params_size"))


def test_an_op_a_convention_does_not_know_is_an_error_not_zero():
    spec = spec_from_text("name: t\ninput: 3x8x8\nlayers:\n  - relu\n")
    analysis = analyze(spec.graph(), [Config((3, 8, 8))])
    strict = counting.Convention("strict", "t", "", "", rules={"conv": counting.NOTHING})
    with pytest.raises(ArchcalcError, match="strict convention has no rule for relu called as a module"):
        counting.apply(strict, analysis, totals(analysis))


def test_ptflops_pytorch_local_response_norm_runs_patched_functionals_per_batch():
    # measured with ptflops 0.7.5: conv 3→6 3×3 (no bias), LocalResponseNorm(5), MaxPool2d(2) on 3×10×10:
    # 12,928 at batch 1 and 17,280 at batch 3. The formula: F.local_response_norm squares (x.mul),
    # pools the squares over C + size − 1 padded channels (F.avg_pool3d), then .mul(alpha) and .add(k).
    text = """
name: t
input: 3x10x10
layers:
  - conv: {out: 6, kernel: 3, bias: false}
  - lrn: {size: 5}
  - maxpool: {kernel: 2}
"""
    for batch, measured in ((1, 12928), (3, 17280)):
        elements, padded = 6 * 8 * 8, (6 + 5 - 1) * 8 * 8
        per_image = 6 * 8 * 8 * 27 + elements              # conv MACs, MaxPool2d hook on its input
        per_batch = batch * (elements + 3 * elements + padded)   # F.max_pool2d, F.local_response_norm
        assert per_image + per_batch == measured
        assert figures(text, (3, 10, 10), batch)["ptflops-pytorch"].ops == measured


@pytest.mark.slow
def test_every_shipped_spec_has_a_rule_in_every_convention():
    from archcalc.zoo import catalog

    for name, spec in catalog().items():
        analysis = analyze(spec.graph(), [Config(spec.input_shape())])
        found = totals(analysis)
        for convention in counting.CONVENTIONS.values():
            result = counting.apply(convention, analysis, found)
            macs = int(found["macs"][0])
            if convention.name == "torchvision":
                assert result.ops == macs, name
            elif convention.name == "torchinfo" and any(getattr(row.layer, "channels_last_linear", False)
                                                        for row in analysis.rows[1:]):
                pass   # it counts an nn.Linear's parameters once per image, however many positions it runs at
            elif convention.name == "ptflops-pytorch" and any(row.node.call == "subclass" for row in analysis.rows[1:]):
                pass   # it does not see a convolution whose module subclasses nn.Conv3d (the video ResNets)
            elif convention.has_ops:
                assert result.ops >= macs, (name, convention.name)   # every tool counts conv and fc MACs
            else:
                assert result.params == int(found["params"][0] + found["buffers"][0])


AUX = """
name: t
input: 3x8x8
layers:
  - conv: {name: trunk, out: 4, kernel: 1}
  - seq:
      - flatten
      - fc: {name: head, out: 10}
    train_only: true
    output: true
  - conv: {name: last, from: trunk, out: 2, kernel: 1}
"""


def test_train_only_branch_counts_parameters_always_and_work_only_in_train_mode():
    trunk_macs, last_macs, head_macs = 8 * 8 * 4 * 3, 8 * 8 * 2 * 4, 4 * 8 * 8 * 10
    params = (4 * 3 + 4) + (2 * 4 + 2) + (4 * 64 * 10 + 10)
    for mode, macs in (("eval", trunk_macs + last_macs), ("train", trunk_macs + last_macs + head_macs)):
        spec = spec_from_text(AUX)
        analysis = analyze(spec.graph(), [Config((3, 8, 8))], mode=mode)
        found = totals(analysis)
        assert int(found["macs"][0]) == macs and int(found["params"][0]) == params
        assert counting.apply(counting.get("torchvision"), analysis, found).ops == macs
        info = counting.apply(counting.get("torchinfo"), analysis, found)
        ran = params if mode == "train" else params - (4 * 64 * 10 + 10)
        assert info.params == params and info.extras["params_size"] == 4 * ran


def test_call_must_be_a_known_way_of_calling():
    with pytest.raises(ArchcalcError) as error:
        spec_from_text("name: t\ninput: 3x8x8\nlayers:\n  - relu: {call: hooked}\n").graph()
    assert error.value.code == "E203" and "call expects one of module" in str(error.value)


def test_inception_v3_aux_head_is_train_only():
    from tests.conftest import Result
    from archcalc.zoo import resolve

    eval_ = Result(resolve("inception_v3"))
    spec = resolve("inception_v3")
    train = analyze(spec.graph(), [Config(spec.input_shape())], mode="train")
    aux_macs = sum(int(r.macs[0]) for r in train.rows if r.name.startswith("AuxLogits/"))
    assert int(totals(train)["macs"][0]) - eval_.totals["macs"] == aux_macs > 0
    assert int(totals(train)["params"][0]) == eval_.totals["params"]


def test_depth_collapses_rows_to_blocks_with_subtotals(model):
    net = model("resnet50")
    blocks = collapse(net.analysis, 1)
    names = [b.name for b in blocks]
    assert names == ["input", "conv1", "bn1", "relu1", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool",
                     "flatten1", "fc"]
    assert sum(int(b.macs[0]) for b in blocks) == net.totals["macs"]
    assert sum(int(b.params[0]) for b in blocks) == net.totals["params"]
    layer1 = blocks[names.index("layer1")]
    assert int(layer1.params[0]) == sum(net.params(n) for n in net.rows if n.startswith("layer1."))
    assert [b.name for b in collapse(net.analysis, 2)].count("layer3.5") == 1


def test_by_operator_splits_convolutions_by_kind(model):
    net = model("mobilenet_v2")
    kinds = by_operator(net.analysis)
    assert sum(k["macs"] for k in kinds.values()) == net.totals["macs"]
    assert {"conv", "depthwise conv", "pointwise conv", "fc", "norm"} <= set(kinds)
    depthwise = [r for r in net.analysis.rows if r.layer is not None and r.layer.type_name == "conv"
                 and r.layer.groups == "depthwise"]
    assert kinds["depthwise conv"]["layers"] == len(depthwise) == 17


# ---- the command line ----

def run(*args):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


SMALL_NET = """
name: small
input: 3x16x16
layers:
  - conv: {name: stem.conv, out: 8, kernel: 3, padding: 1, bias: false}
  - bn: {name: stem.bn}
  - relu: {name: stem.relu}
  - maxpool: {name: pool, kernel: 2}
  - conv: {name: block.conv, out: 8, kernel: 3, padding: 1, groups: depthwise}
  - add: {name: block.add, from: [pool, block.conv]}
  - global_avgpool: {name: gap}
  - flatten
  - fc: {name: fc, out: 10}
"""


@pytest.fixture(scope="module")
def small_net(tmp_path_factory):
    path = tmp_path_factory.mktemp("specs") / "small.yaml"
    path.write_text(SMALL_NET)
    return str(path)


@pytest.mark.parametrize("name", list(counting.CONVENTIONS))
def test_summary_convention_in_every_format(name, small_net):
    record = json.loads(run("summary", small_net, "--convention", name, "--format", "json"))
    convention = record["totals"]["convention"]
    assert convention["name"] == name and isinstance(convention["params"], int)
    assert "by_operator" in record["totals"]
    csv = run("summary", small_net, "--convention", name, "--format", "csv").splitlines()
    assert csv[0].endswith(f",ops_{name}")
    if convention["ops"] is not None:
        assert sum(int(line.rsplit(",", 1)[1]) for line in csv[1:]) == convention["ops"]
    assert f"Convention {name}" in run("summary", small_net, "--convention", name, "--format", "markdown")
    assert re.search(rf"Convention +{name} ", run("summary", small_net, "--convention", name))


def test_summary_json_carries_torchinfo_memory_lines():
    record = json.loads(run("summary", "resnet18", "--convention", "torchinfo", "--format", "json"))
    convention = record["totals"]["convention"]
    for key in ("input_size", "forward_backward_pass_size", "params_size", "estimated_total_size"):
        assert isinstance(convention[key], int)
    assert convention["params_size"] == 4 * record["totals"]["params"]


def test_compare_conventions_all_in_every_format(small_net):
    table = run("compare", small_net, "--conventions", "all")
    for name in counting.CONVENTIONS:
        assert f" {name} " in table
    records = json.loads(run("compare", small_net, "lenet5", "--conventions", "all", "--format", "json"))
    assert [c["name"] for c in records[1]["conventions"]] == list(counting.CONVENTIONS)
    csv = run("compare", small_net, "--conventions", "fvcore,thop", "--format", "csv").splitlines()
    assert csv[0] == ",".join(("model", "convention", "ops", "params", "difference_to_macs", "terms"))
    assert len(csv) == 3
    assert "| small: convention |" in run("compare", small_net, "--conventions", "all", "--format", "markdown")
    single = json.loads(run("compare", small_net, "--convention", "thop", "--format", "json"))
    assert single[0]["totals"]["convention"]["name"] == "thop"


def test_small_net_figures_in_closed_form(small_net):
    """The spec the CLI tests use, every convention written out."""
    record = json.loads(run("compare", small_net, "--conventions", "all", "--format", "json"))[0]
    figures = {c["name"]: c["ops"] for c in record["conventions"]}
    stem, depthwise, fc = 16 * 16 * 8 * 27, 8 * 8 * 8 * 9, 8 * 10
    bias = 8 * 8 * 8 + 10                        # the depthwise conv's and the fc's biases
    stem_out, pooled = 8 * 16 * 16, 8 * 8 * 8
    assert figures["torchvision"] == stem + depthwise + fc
    assert figures["ptflops"] == stem + depthwise + fc + bias
    assert figures["torchinfo"] == stem + depthwise + 8 * 8 * 8 + 2 * 8 + (fc + 10)
    assert figures["fvcore"] == stem + depthwise + fc + 2 * stem_out + pooled     # BN 2×; GAP inputs
    assert figures["thop"] == stem + depthwise + fc + 4 * stem_out + (pooled + 8)
    assert figures["ptflops-pytorch"] == (stem + depthwise + fc + bias + 2 * stem_out + 2 * stem_out
                                          + 2 * stem_out + 2 * pooled)   # relu, maxpool and GAP twice
    assert figures["keras"] is None


def test_unknown_convention_is_a_usage_error():
    result = CliRunner().invoke(main, ["summary", "resnet18", "--convention", "flopz"])
    assert result.exit_code == 2 and "unknown convention 'flopz'" in result.output


def test_conventions_command_lists_each_with_what_it_counts_and_skips():
    text = run("conventions")
    for name in counting.CONVENTIONS:
        assert any(line.startswith(name + " ") for line in text.splitlines())
    assert text.count("skips:") == len(counting.CONVENTIONS)


def test_summary_and_compare_depth(small_net):
    text = run("summary", small_net, "--depth", "1")
    assert " stem " in text and "stem.conv" not in text
    record = json.loads(run("summary", small_net, "--depth", "1", "--format", "json"))
    assert [b["name"] for b in record["blocks"]] == ["input", "stem", "pool", "block", "gap", "flatten1", "fc"]
    assert [b["layers"] for b in record["blocks"]] == [0, 3, 1, 2, 1, 1, 1]
    assert "blocks at depth 1" in run("compare", small_net, "lenet5", "--depth", "1")
    assert "| block | 2 |" in run("summary", small_net, "--depth", "1", "--format", "markdown")


def test_mode_train_counts_aux_heads():
    eval_ = json.loads(run("summary", "googlenet_torchvision", "--set", "aux=true", "--format", "json"))
    train = json.loads(run("summary", "googlenet_torchvision", "--set", "aux=true", "--mode", "train",
                           "--format", "json"))
    assert eval_["mode"] == "eval" and train["mode"] == "train"
    assert train["totals"]["macs"] > eval_["totals"]["macs"]
    assert train["totals"]["params"] == eval_["totals"]["params"]


def test_the_docs_table_is_what_archcalc_prints():
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "conventions.md").read_text()
    marker = "<!-- archcalc compare resnet50 --conventions all --format markdown -->\n"
    table = text.split(marker, 1)[1].split("\n<!-- end -->", 1)[0]
    assert table == run("compare", "resnet50", "--conventions", "all", "--format", "markdown").rstrip("\n")
    # the figures the tools print for ResNet-50 at 224 (measured; tests/test_counting_torchvision.py re-measures)
    for figure in ("4,089,238,376", "4,111,512,576", "4,089,185,256", "4,132,436,968", "4,133,742,592"):
        assert figure in table


def test_every_layer_type_states_what_counting_tools_see():
    from archcalc.layers.base import REGISTRY

    missing = [name for name, cls in REGISTRY.items() if not hasattr(cls, "counted")]
    assert not missing, f"layer types without a counted() method: {missing}"


def test_transposed_convolution_in_each_convention():
    # measured with the tools on nn.Sequential(Conv2d(3, 8, 3, padding=1), ConvTranspose2d(8, 4, 2, stride=2),
    # ConvTranspose2d(4, 6, 3, padding=1, bias=False)) at batch 2 on 3×6×6: torchinfo 116,352, fvcore and
    # thop 86,976, ptflops aten 88,704, ptflops pytorch 44,352 (its module hooks are per image)
    text = """
name: t
input: 3x6x6
layers:
  - conv: {out: 8, kernel: 3, padding: 1}
  - conv_transpose: {out: 4, kernel: 2, stride: 2}
  - conv_transpose: {out: 6, kernel: 3, padding: 1, bias: false}
"""
    r = figures(text, (3, 6, 6), batch=2)
    conv = 2 * 6 * 6 * 8 * 27
    up = 2 * 8 * 6 * 6 * 4 * 4            # every input element meets every tap: C_in·∏in·out·∏k
    last = 2 * 4 * 12 * 12 * 6 * 9
    assert r["fvcore"].ops == r["thop"].ops == conv + up + last == 86976
    assert r["ptflops"].ops == conv + up + last + 2 * (8 * 36 + 4 * 144) == 88704
    assert r["ptflops-pytorch"].ops == (conv + up + last) // 2 + 8 * 36 + 4 * 144 == 44352
    # torchinfo: "Conv" in the class name, so (weights + bias) × output positions × batch
    assert r["torchinfo"].ops == conv + 2 * 8 * 36 + 2 * ((8 * 4 * 4 + 4) * 144 + (4 * 6 * 9) * 144) == 116352


def test_several_inputs_say_which_size_each_breakdown_is_for():
    output = run("summary", "resnet18", "--input", "3x224x224,3x160x160", "--batch", "2", "--convention", "fvcore")
    for_lines = [line for line in output.splitlines() if line.startswith("For ")]
    assert [line.split(None, 1)[1] for line in for_lines] == ["input 3×224×224, batch 2", "input 3×160×160, batch 2"]
    assert output.count("By operator") == 2 and output.count("total()") == 2


def test_narrow_terminal_keeps_every_tools_terms_below_the_table():
    result = CliRunner().invoke(main, ["compare", "resnet50", "--conventions", "all"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    for tool, figure in (("torchvision", "_ops"), ("fvcore", "total()"), ("thop", "MACs")):
        assert any(line.startswith(f"{tool} ") and f"{figure} = conv MACs 4,087,136,256" in line for line in lines)
    wide = CliRunner().invoke(main, ["compare", "resnet50", "--conventions", "all"], env={"COLUMNS": "250"})
    assert any("Terms" in line for line in wide.output.splitlines()[:40])
