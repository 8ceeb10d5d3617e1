"""``archcalc check --input`` fixes the input of .onnx files whose dimensions are dynamic, as
``summary`` and ``import`` do; errors stay one located line with exit code 2."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

onnx = pytest.importorskip("onnx", reason="the onnx extra (pip install 'archcalc[onnx]') is not installed")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from archcalc.cli import main  # noqa: E402

OUT, IN, K = 8, 3, 3


def dynamic_conv(tmp_path) -> str:
    """Conv 3→8, 3×3, padding 1, with a bias, then ReLU; batch, height and width left dynamic."""
    weight = numpy_helper.from_array(np.zeros((OUT, IN, K, K), np.float32), "w")
    bias = numpy_helper.from_array(np.zeros(OUT, np.float32), "b")
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", kernel_shape=[K, K], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["y"], name="relu")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", IN, "H", "W"])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [weight, bias])
    path = tmp_path / "dynamic.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return str(path)


def check(*args):
    return CliRunner().invoke(main, ["check", *args])


def test_dynamic_dimensions_without_input_is_a_usage_error_naming_the_option(tmp_path):
    path = dynamic_conv(tmp_path)
    result = check(path)
    assert result.exit_code == 2
    assert "E504" in result.output and "--input" in result.output and "dynamic" in result.output
    assert "Traceback" not in result.output


def test_input_fixes_the_dimensions_and_the_budget_sees_the_counts(tmp_path):
    path = dynamic_conv(tmp_path)
    assert check(path, "--input", "3x32x32").exit_code == 0
    params = OUT * IN * K * K + OUT                       # weights + biases: 224
    macs = 32 * 32 * OUT * IN * K * K                      # H_out·W_out·C_out·C_in·K_h·K_w: 221,184
    over = check(path, "--input", "3x32x32", "--max-params", str(params - 1), "--max-macs", str(macs - 1))
    assert over.exit_code == 1, over.output
    assert f"params {params:,}" in over.output and f"macs {macs:,}" in over.output
    assert check(path, "--input", "3x32x32", "--max-params", str(params), "--max-macs", str(macs)).exit_code == 0
    # the MACs follow the input: at 64×64 they are four times as many
    assert check(path, "--input", "3x64x64", "--max-macs", str(4 * macs)).exit_code == 0
    assert check(path, "--input", "3x64x64", "--max-macs", str(4 * macs - 1)).exit_code == 1


def test_an_input_of_the_wrong_rank_is_a_usage_error(tmp_path):
    result = check(dynamic_conv(tmp_path), "--input", "3x32")
    assert result.exit_code == 2
    assert result.output.startswith(f"{tmp_path / 'dynamic.onnx'}: error[E504]: --input 3×32 has 2 dimensions")
    assert "Traceback" not in result.output


def test_an_unreadable_shape_is_a_usage_error():
    result = check("specs", "--input", "3xbig")
    assert result.exit_code == 2
    assert result.output.strip() == "error[E203]: expected an input shape like 3x224x224 or [3, 224, 224], got '3xbig'"


def test_input_without_any_onnx_file_says_so(tmp_path):
    spec = tmp_path / "tiny.yaml"
    spec.write_text("name: tiny\ninput: 3x8x8\nlayers:\n  - conv: {out: 4, kernel: 3}\n", encoding="utf-8")
    result = check(str(spec), "--input", "3x16x16")
    assert result.exit_code == 2
    assert "error[E504]: --input 3×16×16 sets the input of .onnx files, and none is among the checked paths" \
        in result.output
