"""ONNX import on graphs built with onnx.helper: each op and pattern with its numbers worked out
here, the bad files a user can hand over, and the command line."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from click.testing import CliRunner

onnx = pytest.importorskip("onnx", reason="the onnx extra (pip install 'archcalc[onnx]') is not installed")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from archcalc.cli import main  # noqa: E402
from archcalc.engine import Config, analyze  # noqa: E402
from archcalc.errors import ArchcalcError  # noqa: E402
from archcalc.onnx_import import import_onnx, load_onnx_spec  # noqa: E402
from archcalc.totals import totals  # noqa: E402

FLOAT = TensorProto.FLOAT


def node(op, inputs, outputs, name=None, **attrs):
    return helper.make_node(op, inputs, outputs if isinstance(outputs, list) else [outputs],
                            name=name or outputs if isinstance(outputs, str) else name, **attrs)


def save(tmp_path, nodes, input_shape, initializers=None, opset=17, outputs=None, file="m.onnx"):
    """Write a one-input graph; ``initializers`` maps names to arrays (or shapes, filled with zeros)."""
    tensors = []
    for name, value in (initializers or {}).items():
        array = np.zeros(value, np.float32) if isinstance(value, tuple) else np.asarray(value)
        tensors.append(numpy_helper.from_array(array, name))
    outputs = outputs or [nodes[-1].output[0]]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", FLOAT, input_shape)],
                              [helper.make_tensor_value_info(o, FLOAT, None) for o in outputs], tensors)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    path = tmp_path / file
    onnx.save(model, str(path))
    return str(path)


class Imported:
    def __init__(self, path, input_shape=None, allow_unsupported=False):
        self.spec = load_onnx_spec(path, input_shape, allow_unsupported)
        self.analysis = analyze(self.spec.graph(), [Config(self.spec.input_shape(), 1)])
        self.totals = {k: int(v[0]) for k, v in totals(self.analysis).items()}
        self.rows = {row.name: row for row in self.analysis.rows}

    def types(self):
        return [row.node.type_name for row in self.analysis.rows[1:]]

    def output(self):
        return tuple(int(d[0]) for d in self.analysis.rows[-1].output_shape)


# ---- ops and patterns ----

def test_conv_with_groups_asymmetric_pads_and_stride(tmp_path):
    # 4×9×9, 8 filters of 2×3×3 (2 groups), pads top 0 bottom 1 left 1 right 2, stride 2:
    # H = floor((9+0+1-3)/2)+1 = 4, W = floor((9+1+2-3)/2)+1 = 5
    path = save(tmp_path, [node("Conv", ["x", "w", "b"], "y", group=2, strides=[2, 2], pads=[0, 1, 1, 2])],
                [1, 4, 9, 9], {"w": (8, 2, 3, 3), "b": (8,)})
    result = Imported(path)
    assert result.types() == ["conv"]
    assert result.output() == (8, 4, 5)
    assert result.totals["params"] == 8 * 2 * 9 + 8
    assert result.totals["macs"] == 8 * 4 * 5 * 2 * 9


def test_conv_auto_pad_same_upper_and_lower(tmp_path):
    for auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        path = save(tmp_path, [node("Conv", ["x", "w"], "y", auto_pad=auto_pad, strides=[2, 2])], [1, 3, 8, 7],
                    {"w": (4, 3, 4, 4)}, file=f"{auto_pad}.onnx")
        result = Imported(path)
        assert result.output() == (4, 4, 4)
        assert result.totals["macs"] == 4 * 4 * 4 * 3 * 16


def test_an_initializer_shared_by_two_nodes_counts_for_each(tmp_path):
    # The exporter's habit: one tensor, reached directly and through an Identity node.
    nodes = [node("Identity", ["w"], "w2"),
             node("Conv", ["x", "w"], "a", pads=[1, 1, 1, 1]),
             node("Conv", ["a", "w2"], "y", pads=[1, 1, 1, 1])]
    result = Imported(save(tmp_path, nodes, [1, 4, 5, 5], {"w": (4, 4, 3, 3)}))
    assert result.types() == ["conv", "conv"]
    assert result.totals["params"] == 2 * 4 * 4 * 9


def test_gemm_after_flatten_is_fc(tmp_path):
    nodes = [node("Flatten", ["x"], "f"), node("Gemm", ["f", "w", "b"], "y", transB=1)]
    result = Imported(save(tmp_path, nodes, [1, 2, 3, 3], {"w": (5, 18), "b": (5,)}))
    assert result.types() == ["flatten", "fc"]
    assert result.totals["params"] == 18 * 5 + 5
    assert result.totals["macs"] == 18 * 5


def test_matmul_with_bias_add_on_channels_last_is_one_linear_layer(tmp_path):
    # ConvNeXt's Linear: Transpose to channels-last, MatMul + Add, Transpose back.
    nodes = [node("Transpose", ["x"], "t", perm=[0, 2, 3, 1]),
             node("MatMul", ["t", "w"], "m"),
             node("Add", ["b", "m"], "a"),
             node("Transpose", ["a"], "y", perm=[0, 3, 1, 2])]
    result = Imported(save(tmp_path, nodes, [1, 4, 3, 3], {"w": (4, 6), "b": (6,)}))
    assert result.types() == ["permute", "fc_last_axis", "permute"]
    assert result.output() == (6, 3, 3)
    assert result.totals["params"] == 4 * 6 + 6
    assert result.totals["macs"] == 3 * 3 * 4 * 6


def test_matmul_on_a_vector_is_fc_without_bias(tmp_path):
    nodes = [node("Flatten", ["x"], "f"), node("MatMul", ["f", "w"], "y")]
    result = Imported(save(tmp_path, nodes, [1, 2, 2, 2], {"w": (8, 3)}))
    assert result.types() == ["flatten", "fc"]
    assert (result.totals["params"], result.totals["macs"]) == (24, 24)


def test_gelu_written_out_with_erf_counts_element_wise_ops_not_parameters(tmp_path):
    scalar = {"sqrt2": np.array(1.4142135, np.float32), "one": np.array(1.0, np.float32),
              "half": np.array(0.5, np.float32)}
    nodes = [node("Div", ["x", "sqrt2"], "d"), node("Erf", ["d"], "e"), node("Add", ["e", "one"], "a"),
             node("Mul", ["x", "a"], "m"), node("Mul", ["m", "half"], "y")]
    result = Imported(save(tmp_path, nodes, [1, 3, 4, 4], scalar))
    elements = 3 * 4 * 4
    assert result.types() == ["elementwise", "elementwise", "elementwise", "mul", "elementwise"]
    assert result.totals["params"] == 0          # scalars are constants
    assert result.totals["macs"] == 0
    assert result.totals["elementwise"] == 4 * elements
    assert result.totals["multiplies"] == elements


def test_per_channel_constant_counts_as_parameters(tmp_path):
    # ConvNeXt's layer scale: Mul by a (C, 1, 1) tensor.
    result = Imported(save(tmp_path, [node("Mul", ["x", "gamma"], "y")], [1, 5, 2, 2], {"gamma": (5, 1, 1)}))
    assert result.totals["params"] == 5


def test_clip_is_relu6_and_relu(tmp_path):
    nodes = [node("Clip", ["x", "lo", "hi"], "a"), node("Clip", ["a", "lo"], "y")]
    result = Imported(save(tmp_path, nodes, [1, 2, 3, 3], {"lo": np.array(0.0, np.float32),
                                                           "hi": np.array(6.0, np.float32)}))
    assert result.types() == ["relu6", "relu"]


def test_channel_shuffle_pattern_is_one_layer(tmp_path):
    nodes = [node("Reshape", ["x", "s1"], "r"), node("Transpose", ["r"], "t", perm=[0, 2, 1, 3, 4]),
             node("Reshape", ["t", "s2"], "y")]
    result = Imported(save(tmp_path, nodes, [1, 6, 2, 2], {"s1": np.array([1, 2, 3, 2, 2], np.int64),
                                                           "s2": np.array([1, 6, 2, 2], np.int64)}))
    assert result.types() == ["channel_shuffle"]
    assert result.spec.graph().nodes[1].layer.groups == 2


def test_shape_arithmetic_is_folded_into_a_flatten(tmp_path):
    # x.view(x.size(0), -1) as the legacy exporter writes it.
    nodes = [node("Shape", ["x"], "s"), node("Gather", ["s", "zero"], "n", axis=0),
             node("Unsqueeze", ["n", "axes"], "nn"), node("Concat", ["nn", "minus1"], "target", axis=0),
             node("Reshape", ["x", "target"], "y")]
    result = Imported(save(tmp_path, nodes, [1, 3, 4, 4], {"zero": np.array(0, np.int64),
                                                           "axes": np.array([0], np.int64),
                                                           "minus1": np.array([-1], np.int64)}))
    assert result.types() == ["flatten"]
    assert result.output() == (48,)


def test_pools_keep_onnx_defaults(tmp_path):
    # MaxPool's ONNX stride defaults to 1 (the spec's to the kernel); AveragePool excludes padding
    # by default; ceil_mode keeps the partial window: floor/ceil((8 + 2 - 3)/2) + 1.
    nodes = [node("MaxPool", ["x"], "a", kernel_shape=[3, 3]),
             node("AveragePool", ["a"], "b", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1),
             node("GlobalMaxPool", ["b"], "y")]
    result = Imported(save(tmp_path, nodes, [1, 2, 10, 10]))
    assert [tuple(int(d[0]) for d in r.output_shape) for r in result.analysis.rows[1:]] == \
        [(2, 8, 8), (2, 5, 5), (2, 1, 1)]
    avgpool = result.spec.graph().nodes[2].layer
    assert (avgpool.count_include_pad, avgpool.rounding) == (False, "ceil")


def test_unfolded_batch_norm_has_parameters_and_buffers(tmp_path):
    nodes = [node("BatchNormalization", ["x", "s", "b", "m", "v"], "y", epsilon=1e-3)]
    result = Imported(save(tmp_path, nodes, [1, 7, 2, 2], {k: (7,) for k in "sbmv"}))
    assert (result.totals["params"], result.totals["buffers"]) == (14, 14)
    assert result.spec.graph().nodes[1].layer.eps == pytest.approx(1e-3)


def test_split_slice_pad_concat(tmp_path):
    nodes = [node("Split", ["x", "sizes"], ["a", "b"], name="split", axis=1),
             node("Pad", ["a", "pads"], "p"),
             node("Slice", ["p", "starts", "ends", "axes"], "s"),
             node("Concat", ["s", "b"], "y", axis=1)]
    inits = {"sizes": np.array([2, 4], np.int64), "pads": np.array([0, 0, 1, 2, 0, 0, 1, 0], np.int64),
             "starts": np.array([1, 2], np.int64), "ends": np.array([9, 2**62], np.int64),
             "axes": np.array([2, 3], np.int64)}
    result = Imported(save(tmp_path, nodes, [1, 6, 8, 5], inits))
    assert result.types() == ["slice", "slice", "zeropad", "slice", "concat"]
    # pad 8×5 → 10×7; slice rows 1..9, columns 2.. → 8×5
    assert result.output() == (6, 8, 5)


def test_reduce_mean_over_space_without_keepdims_is_global_pool_then_flatten(tmp_path):
    nodes = [node("ReduceMean", ["x"], "y", axes=[2, 3], keepdims=0)]
    result = Imported(save(tmp_path, nodes, [1, 5, 3, 3], opset=17))
    assert result.types() == ["global_avgpool", "flatten"]
    assert result.output() == (5,)


def test_dynamic_input_needs_input_shape(tmp_path):
    path = save(tmp_path, [node("Relu", ["x"], "y")], [1, 3, "H", "W"])
    with pytest.raises(ArchcalcError) as error:
        import_onnx(path)
    assert error.value.code == "E504" and "--input" in error.value.message
    assert Imported(path, (3, 20, 30)).output() == (3, 20, 30)


# ---- what cannot be counted ----

def unsupported_graph(tmp_path):
    nodes = [node("Relu", ["x"], "r"),
             node("Einsum", ["r"], "u1", equation="nchw->nchw"),
             node("Einsum", ["u1"], "u2", equation="nchw->nchw"),
             node("Hardmax", ["u2"], "y", axis=1)]
    return save(tmp_path, nodes, [1, 2, 3, 3], opset=13)


def test_unsupported_ops_are_listed_with_nodes_and_counts(tmp_path):
    with pytest.raises(ArchcalcError) as error:
        import_onnx(unsupported_graph(tmp_path))
    assert error.value.code == "E201"
    assert "Einsum ×2: 'u1', 'u2'" in error.value.message
    assert "Hardmax ×1: 'y'" in error.value.message


def test_allow_unsupported_proceeds_with_placeholders_listed(tmp_path):
    result = Imported(unsupported_graph(tmp_path), allow_unsupported=True)
    assert result.types() == ["relu", "opaque", "opaque", "opaque"]
    assert result.output() == (2, 3, 3)
    assert "Einsum 'u1'" in result.spec.document["notes"]


# ---- bad files ----

def test_not_an_onnx_file(tmp_path):
    path = tmp_path / "m.onnx"
    path.write_text("name: vgg\nlayers: []\n")
    with pytest.raises(ArchcalcError) as error:
        import_onnx(str(path))
    assert error.value.code == "E108"
    assert str(error.value).startswith(f"{path}: error[E108]")


def test_truncated_file(tmp_path):
    path = save(tmp_path, [node("Conv", ["x", "w"], "y")], [1, 3, 8, 8], {"w": (4, 3, 3, 3)})
    data = open(path, "rb").read()
    with open(path, "wb") as handle:
        handle.write(data[: len(data) // 2])
    with pytest.raises(ArchcalcError) as error:
        import_onnx(path)
    assert error.value.code == "E108"


def test_large_weights_are_counted_by_shape_and_their_truncation_found(tmp_path):
    # 64·64·3·3 floats = 147,456 bytes: skipped while reading, counted from the shape.
    path = save(tmp_path, [node("Conv", ["x", "w"], "y", pads=[1, 1, 1, 1])], [1, 64, 4, 4], {"w": (64, 64, 3, 3)})
    assert Imported(path).totals["params"] == 64 * 64 * 9
    data = open(path, "rb").read()
    cut = data.index(np.zeros(16, np.float32).tobytes()) + 1000   # inside the weight's bytes
    with open(path, "wb") as handle:
        handle.write(data[:cut])
    with pytest.raises(ArchcalcError) as error:
        import_onnx(path)
    assert error.value.code == "E108" and "truncated" in error.value.message


def test_weight_shorter_than_its_shape(tmp_path):
    weight = numpy_helper.from_array(np.zeros((64, 64, 3, 3), np.float32), "w")
    weight.raw_data = weight.raw_data[:100_000]
    graph = helper.make_graph([node("Conv", ["x", "w"], "y")], "g",
                              [helper.make_tensor_value_info("x", FLOAT, [1, 64, 4, 4])],
                              [helper.make_tensor_value_info("y", FLOAT, None)], [weight])
    path = str(tmp_path / "short.onnx")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    with pytest.raises(ArchcalcError) as error:
        import_onnx(path)
    assert error.value.code == "E108" and "holds 100,000 bytes" in error.value.message


def test_missing_input_and_cycle_name_the_node(tmp_path):
    missing = save(tmp_path, [node("Add", ["x", "ghost"], "y", name="adder")], [1, 2, 2, 2], file="a.onnx")
    with pytest.raises(ArchcalcError) as error:
        import_onnx(missing)
    assert (error.value.code, error.value.layer) == ("E401", "adder")
    assert "'ghost'" in error.value.message
    cycle = save(tmp_path, [node("Add", ["x", "b"], "a", name="first"), node("Relu", ["a"], "b", name="second"),
                            node("Relu", ["a"], "y", name="out")], [1, 2, 2, 2], file="b.onnx")
    with pytest.raises(ArchcalcError) as error:
        import_onnx(cycle)
    assert error.value.code == "E402" and "cycle" in error.value.message


def test_missing_external_data(tmp_path):
    path = save(tmp_path, [node("Conv", ["x", "w"], "y")], [1, 3, 8, 8], {"w": (4, 3, 3, 3)})
    model = onnx.load(path)
    onnx.save(model, path, save_as_external_data=True, all_tensors_to_one_file=True, location="weights.bin",
              size_threshold=0)
    assert Imported(path).totals["params"] == 4 * 3 * 9
    (tmp_path / "weights.bin").unlink()
    with pytest.raises(ArchcalcError) as error:
        import_onnx(path)
    assert error.value.code == "E104" and "weights.bin" in error.value.message


def test_file_beyond_the_protobuf_limit_is_refused_before_reading(tmp_path, monkeypatch):
    from archcalc.onnx_import import file

    path = save(tmp_path, [node("Relu", ["x"], "y")], [1, 3, 8, 8])
    monkeypatch.setattr(file, "MAX_FILE_BYTES", 10)
    with pytest.raises(ArchcalcError) as error:
        import_onnx(path)
    assert error.value.code == "E106"


# ---- the command line ----

def test_import_writes_a_spec_whose_numbers_equal_the_direct_analysis(tmp_path):
    nodes = [node("Conv", ["x", "w", "b"], "c", name="/stem/conv/Conv", pads=[1, 1, 1, 1]),
             node("Relu", ["c"], "r", name="/stem/act/Relu"),
             node("GlobalAveragePool", ["r"], "g", name="/pool/GlobalAveragePool"),
             node("Flatten", ["g"], "f", name="/Flatten"),
             node("Gemm", ["f", "fw", "fb"], "y", name="/fc/Gemm", transB=1)]
    path = save(tmp_path, nodes, [1, 3, 8, 8], {"w": (8, 3, 3, 3), "b": (8,), "fw": (10, 8), "fb": (10,)})
    runner = CliRunner()
    written = tmp_path / "m.yaml"
    result = runner.invoke(main, ["import", path, "-o", str(written)])
    assert result.exit_code == 0, result.output
    text = written.read_text()
    assert "- conv: {name: stem.conv, out: 8, kernel: 3, padding: 1}" in text
    direct = json.loads(runner.invoke(main, ["summary", path, "--format", "json"]).output)
    from_yaml = json.loads(runner.invoke(main, ["summary", str(written), "--format", "json"]).output)
    assert direct["totals"] == from_yaml["totals"]
    assert direct["layers"] == from_yaml["layers"]
    assert direct["totals"]["params"] == 8 * 27 + 8 + 80 + 10


def test_cli_errors_exit_2_without_traceback(tmp_path):
    path = tmp_path / "bad.onnx"
    path.write_bytes(b"\x08\x07garbage" * 10)
    result = CliRunner().invoke(main, ["summary", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "E108" in result.output
    result = CliRunner().invoke(main, ["import", unsupported_graph(tmp_path)])
    assert result.exit_code == 2 and "Einsum ×2" in result.output


def test_without_the_onnx_package_one_line_says_how_to_install(tmp_path, monkeypatch):
    path = save(tmp_path, [node("Relu", ["x"], "y")], [1, 3, 8, 8])
    monkeypatch.setitem(sys.modules, "onnx", None)
    result = CliRunner().invoke(main, ["summary", path])
    assert result.exit_code == 2
    assert result.output.strip() == "error[E109]: reading .onnx files needs the onnx package: " \
                                    "pip install 'archcalc[onnx]'"


def test_verify_and_check_accept_an_onnx_file(tmp_path):
    nodes = [node("Conv", ["x", "w"], "c", pads=[1, 1, 1, 1]), node("Relu", ["c"], "y")]
    path = save(tmp_path, nodes, [1, 3, 8, 8], {"w": (4, 3, 3, 3)})
    runner = CliRunner()
    assert runner.invoke(main, ["verify", path]).exit_code == 0
    assert runner.invoke(main, ["check", path, "--max-params", "200"]).exit_code == 0
    over = runner.invoke(main, ["check", path, "--max-params", "100"])
    assert over.exit_code == 1 and "E502" in over.output
    baseline = str(tmp_path / "baseline.json")
    assert runner.invoke(main, ["check", path, "--update-baseline", "--baseline", baseline]).exit_code == 0
    assert runner.invoke(main, ["check", path, "--baseline", baseline]).exit_code == 0
    assert json.loads(open(baseline).read())


def test_several_outputs_and_unused_nodes(tmp_path):
    # An auxiliary output is kept (output: true); a node nothing reads is dropped.
    nodes = [node("Relu", ["x"], "r"), node("GlobalAveragePool", ["r"], "aux"), node("Sigmoid", ["r"], "dead"),
             node("MaxPool", ["r"], "y", kernel_shape=[2, 2], strides=[2, 2])]
    result = Imported(save(tmp_path, nodes, [1, 2, 4, 4], outputs=["aux", "y"]))
    assert result.types() == ["relu", "global_avgpool", "maxpool"]
    assert result.spec.graph().nodes[2].output is True
    assert result.output() == (2, 2, 2)


def test_a_rule_that_miscounts_is_caught_against_the_file(tmp_path, monkeypatch):
    """Every layer's shape is held to ONNX's shape inference and its parameters to the node's own
    constant operands: a wrong rule is an error (E110), never a different number."""
    from archcalc.onnx_import import rules

    path = save(tmp_path, [node("Conv", ["x", "w", "b"], "y", pads=[1, 1, 1, 1])], [1, 3, 8, 8],
                {"w": (4, 3, 3, 3), "b": (4,)})
    original = rules.RULES["Conv"]

    def without_bias(n):
        emits = original(n)
        emits[0].settings["bias"] = False
        return emits

    monkeypatch.setitem(rules.RULES, "Conv", without_bias)
    with pytest.raises(ArchcalcError) as error:
        import_onnx(path)
    assert error.value.code == "E110" and "hold 112" in error.value.message

    def no_padding(n):
        emits = original(n)
        emits[0].settings.pop("padding")
        return emits

    monkeypatch.setitem(rules.RULES, "Conv", no_padding)
    with pytest.raises(ArchcalcError) as error:
        import_onnx(path)
    assert error.value.code == "E110" and "4×6×6" in error.value.message and "4×8×8" in error.value.message


# ---- one node each: (op, attributes, extra inputs as {name: array}, expected layer types, params) ----
# On a 1×4×3×3 input (36 elements per sample).
SCALAR = np.array(2.0, np.float32)
SINGLE_NODE_CASES = [
    ("Relu", {}, {}, ["relu"], 0),
    ("Sigmoid", {}, {}, ["sigmoid"], 0),
    ("Tanh", {}, {}, ["tanh"], 0),
    ("HardSwish", {}, {}, ["hard_swish"], 0),
    ("HardSigmoid", {"alpha": 1 / 6, "beta": 0.5}, {}, ["hard_sigmoid"], 0),
    ("LeakyRelu", {"alpha": 0.2}, {}, ["leaky_relu"], 0),
    ("Elu", {"alpha": 0.5}, {}, ["elu"], 0),
    ("Gelu", {}, {}, ["gelu"], 0),
    ("Gelu", {"approximate": "tanh"}, {}, ["gelu"], 0),
    ("PRelu", {}, {"slope": np.zeros((4, 1, 1), np.float32)}, ["prelu"], 4),
    ("PRelu", {}, {"slope": np.zeros((1,), np.float32)}, ["prelu"], 1),   # one learned slope (nn.PReLU())
    ("Softmax", {"axis": 1}, {}, ["softmax"], 0),
    ("LRN", {"size": 3, "alpha": 1e-4, "beta": 0.75, "bias": 2.0}, {}, ["lrn"], 0),
    ("Dropout", {}, {}, ["dropout"], 0),
    ("Identity", {}, {}, ["identity"], 0),
    ("Sqrt", {}, {}, ["elementwise"], 0),
    ("Erf", {}, {}, ["elementwise"], 0),
    ("Exp", {}, {}, ["elementwise"], 0),
    ("Sub", {}, {"c": SCALAR}, ["elementwise"], 0),
    ("Div", {}, {"c": np.ones((4, 1, 1), np.float32)}, ["elementwise"], 4),
    ("Pow", {}, {"c": SCALAR}, ["elementwise"], 0),
    ("Add", {}, {"c": np.ones((1, 4, 3, 3), np.float32)}, ["elementwise"], 36),
    ("Transpose", {"perm": [0, 2, 3, 1]}, {}, ["permute"], 0),
    ("Unsqueeze", {}, {"axes": np.array([2], np.int64)}, ["reshape"], 0),
    ("Squeeze", {}, {"axes": np.array([0], np.int64)}, None, 0),   # squeezes the batch axis: unsupported
    ("InstanceNormalization", {}, {"s": np.ones(4, np.float32), "b": np.zeros(4, np.float32)}, ["instance_norm"], 8),
    ("GroupNormalization", {"num_groups": 2}, {"s": np.ones(4, np.float32), "b": np.zeros(4, np.float32)},
     ["group_norm"], 8),
    ("LayerNormalization", {"axis": -1}, {"s": np.ones(3, np.float32), "b": np.zeros(3, np.float32)},
     ["layer_norm_last_axis"], 6),
    ("ReduceMax", {"keepdims": 1}, {"axes": np.array([2, 3], np.int64)}, ["global_maxpool"], 0),
    ("GlobalAveragePool", {}, {}, ["global_avgpool"], 0),
    ("Cast", {"to": TensorProto.FLOAT}, {}, ["identity"], 0),
    ("Clip", {}, {"lo": np.array(-1.0, np.float32), "hi": np.array(1.0, np.float32)}, None, 0),
    ("Softmax", {"axis": 3}, {}, None, 0),
]


@pytest.mark.parametrize("op, attrs, extra, types, params", SINGLE_NODE_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(SINGLE_NODE_CASES)])
def test_single_node(tmp_path, op, attrs, extra, types, params):
    opset = 21 if op in ("Gelu", "GroupNormalization") else 18
    path = save(tmp_path, [node(op, ["x", *extra], "y", **attrs)], [1, 4, 3, 3], extra, opset=opset)
    if types is None:
        with pytest.raises(ArchcalcError) as error:
            import_onnx(path)
        assert error.value.code == "E201" and f"{op} ×1: 'y'" in error.value.message
        return
    result = Imported(path)
    assert result.types() == types
    assert result.totals["params"] + result.totals["buffers"] == params
    assert result.totals["macs"] == 0


def test_layer_norm_written_out_over_channels(tmp_path):
    # The original ConvNeXt's channels-first LayerNorm: u = mean over C, s = mean((x-u)^2), (x-u)/sqrt(s+eps)·w + b
    nodes = [node("ReduceMean", ["x"], "u", axes=[1]), node("Sub", ["x", "u"], "d"), node("Pow", ["d", "two"], "p"),
             node("ReduceMean", ["p"], "s", axes=[1]), node("Add", ["s", "eps"], "se"), node("Sqrt", ["se"], "r"),
             node("Div", ["d", "r"], "n"), node("Mul", ["w", "n"], "m"), node("Add", ["m", "b"], "y")]
    inits = {"two": np.array(2.0, np.float32), "eps": np.array(1e-6, np.float32), "w": (5, 1, 1), "b": (5, 1, 1)}
    result = Imported(save(tmp_path, nodes, [1, 5, 3, 3], inits, opset=17))
    assert result.types() == ["reduce", "elementwise", "elementwise", "reduce", "elementwise", "elementwise",
                              "elementwise", "elementwise", "elementwise"]
    assert result.totals["params"] == 2 * 5
    elements = 5 * 3 * 3
    assert result.totals["window_reads"] == 2 * elements
    # sub, pow, div, mul, add on 45 elements; add eps and sqrt on the 9 of the 1×3×3 statistics
    assert result.totals["elementwise"] == 5 * elements + 2 * 9


@pytest.mark.parametrize("value", ["0", "1.0", "yes", "On", "null", "features.0.0", "a b", 'say "x"', "ü/ß:#",
                                   "-lead", 1e-06, 0.0001, 1.5, 3.0, 2e10, 7, -3, True, False, None,
                                   [1, [2, 3]], {"name": "0", "eps": 1e-05, "from": ["a", "b"]}])
def test_flow_values_read_back_as_written(value):
    import yaml

    from archcalc.onnx_import.walk import flow

    assert yaml.safe_load(flow(value)) == value


def test_channels_last_input_as_tensorflow_exports_it(tmp_path):
    # tf2onnx: an N×H×W×C input, one Transpose to N×C×H×W, then the network; Gemm without transB.
    nodes = [node("Transpose", ["x"], "t", perm=[0, 3, 1, 2]),
             node("Conv", ["t", "w", "b"], "c", auto_pad="SAME_UPPER", strides=[2, 2]),
             node("ReduceMean", ["c"], "m", axes=[2, 3], keepdims=0),
             node("Gemm", ["m", "fw", "fb"], "y")]
    result = Imported(save(tmp_path, nodes, [1, 9, 9, 3], {"w": (6, 3, 3, 3), "b": (6,), "fw": (6, 4), "fb": (4,)},
                           opset=13))
    assert result.types() == ["permute", "conv", "global_avgpool", "flatten", "fc"]
    assert tuple(int(d[0]) for d in result.analysis.rows[0].output_shape) == (9, 9, 3)
    # 'same' with stride 2 on 9: ceil(9/2) = 5
    assert result.totals["macs"] == 6 * 5 * 5 * 3 * 9 + 6 * 4
    assert result.totals["params"] == 6 * 27 + 6 + 24 + 4


def test_import_to_an_unwritable_place_is_a_one_line_error(tmp_path):
    path = save(tmp_path, [node("Relu", ["x"], "y")], [1, 3, 8, 8])
    result = CliRunner().invoke(main, ["import", path, "-o", str(tmp_path / "no" / "such" / "dir.yaml")])
    assert result.exit_code == 2 and "E104" in result.output and "Traceback" not in result.output


def test_a_run_of_shape_only_nodes_is_one_layer(tmp_path):
    # x.squeeze(3).squeeze(2) after global pooling: one flatten, not a 2-D intermediate.
    nodes = [node("GlobalAveragePool", ["x"], "g"), node("Squeeze", ["g", "a3"], "s3"),
             node("Squeeze", ["s3", "a2"], "y")]
    result = Imported(save(tmp_path, nodes, [1, 6, 4, 4], {"a3": np.array([3], np.int64),
                                                           "a2": np.array([2], np.int64)}))
    assert result.types() == ["global_avgpool", "flatten"]
    assert result.output() == (6,)


def test_concat_of_one_tensor_is_the_tensor(tmp_path):
    # DenseNet's first layer: torch.cat([x], 1).
    result = Imported(save(tmp_path, [node("Concat", ["x"], "c", axis=1), node("Relu", ["c"], "y")], [1, 3, 4, 4]))
    assert result.types() == ["identity", "relu"]
