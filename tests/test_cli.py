"""The command line as a user runs it: formats, exit codes, errors without tracebacks."""

import json

import pytest
from click.testing import CliRunner

from archcalc.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_summary_vgg16_table_reads_like_the_lecture():
    result = run("summary", "vgg16")
    assert result.exit_code == 0
    out = result.output
    assert "\x1b[" not in out  # no colour codes in a pipe
    assert "conv1_1" in out and "fc8" in out and "64×224×224" in out
    assert "138,357,544" in out and "15,237,608" in out
    assert "Most parameters: fc6" in out


def test_summary_json_contract():
    data = json.loads(run("summary", "vgg16", "--format", "json").output)
    assert data["model"] == "vgg16" and data["input"] == [3, 224, 224] and data["batch"] == 1
    for key in ("params", "trainable_params", "weights", "macs", "flops", "activations", "activation_bytes",
                "param_bytes"):
        assert isinstance(data["totals"][key], int)
    assert data["totals"]["activations"] == sum(layer["activations"] for layer in data["layers"])
    first = data["layers"][1]
    assert {"name", "type", "output_shape", "params", "macs", "activations", "receptive_field"} <= set(first)
    assert first["name"] == "conv1_1" and first["output_shape"] == [64, 224, 224]


def test_several_inputs_give_a_json_list():
    data = json.loads(run("summary", "resnet50", "--input", "3x224x224,3x320x320", "--format", "json").output)
    assert [d["input"] for d in data] == [[3, 224, 224], [3, 320, 320]]
    assert data[0]["totals"]["params"] == data[1]["totals"]["params"]
    assert data[1]["totals"]["macs"] > data[0]["totals"]["macs"]


def test_summary_batch_dtype_and_table_with_several_inputs():
    result = run("summary", "alexnet", "--input", "3x227x227", "--batch", "128", "--dtype", "fp16")
    assert result.exit_code == 0 and "batch 128" in result.output
    result = run("summary", "resnet18", "--input", "3x224x224,3x448x448")
    assert result.exit_code == 0 and "3×448×448" in result.output


def test_csv_and_markdown():
    csv_text = run("summary", "lenet5", "--format", "csv").output
    header, *rows = csv_text.strip().splitlines()
    assert header.startswith("name,type,inputs,output_shape")
    assert rows[1].startswith("C1,conv,input,6x28x28")
    markdown = run("summary", "lenet5", "--format", "markdown").output
    assert "| C1 | conv |" in markdown and "**61,706**" in markdown


def test_compare_shows_ratios():
    result = run("compare", "alexnet", "googlenet", "vgg16")
    assert result.exit_code == 0
    assert "vs alexnet" in result.output and "fewer" in result.output and "more" in result.output


@pytest.mark.slow  # analyses every shipped spec (about 14 s); the per-spec checks run in the default tier
def test_list_and_layers():
    listing = run("list").output
    assert "vgg16" in listing and "138M" in listing
    layers = run("layers").output
    assert "conv" in layers and "maxpool" in layers
    conv = run("layers", "conv").output
    assert "kernel" in conv and "required" in conv


def test_user_error_is_one_line_exit_2(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("input: 3x10x10\nlayers:\n  - conv: {name: conv3_1, out: 8, kernel: 3, stride: 2}\n")
    result = CliRunner().invoke(main, ["summary", str(spec)])
    assert result.exit_code == 2
    assert f"{spec}:3:5: error[E301]: conv3_1: output height (10 + 0 - 3)/2 + 1 = 4.5" in result.output
    assert "Traceback" not in result.output


def test_unknown_model_suggests_a_name():
    result = CliRunner().invoke(main, ["summary", "vgg61"])
    assert result.exit_code == 2 and "did you mean" in result.output


def test_debug_shows_the_traceback(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("input: 3x8x8\nlayers:\n  - cnov: {}\n")
    result = CliRunner().invoke(main, ["--debug", "summary", str(spec)])
    assert result.exit_code != 0 and result.exception is not None


def test_set_overrides_a_variable():
    plain = json.loads(run("summary", "googlenet", "--format", "json").output)
    aux = json.loads(run("summary", "googlenet", "--set", "aux=true", "--format", "json").output)
    assert aux["totals"]["params"] > plain["totals"]["params"]
    result = CliRunner().invoke(main, ["summary", "googlenet", "--set", "auxx=true"])
    assert result.exit_code == 2 and "did you mean 'aux'" in result.output


@pytest.mark.parametrize("module_args", [["-m", "archcalc", "--help"]])
def test_python_dash_m(module_args):
    import subprocess
    import sys

    completed = subprocess.run([sys.executable, *module_args], capture_output=True, text=True)
    assert completed.returncode == 0 and "summary" in completed.stdout


def test_every_error_code_is_documented():
    from pathlib import Path

    from archcalc.errors import ERROR_CODES

    text = (Path(__file__).parent.parent / "docs" / "cli.md").read_text()
    for code in ERROR_CODES:
        assert f"| {code} |" in text, code


@pytest.mark.parametrize("value, base, text", [
    (5_000_000, 60_000_000, "12.0× fewer"), (102, 100, "2% more"), (100, 100, "same"), (1001, 1000, "<1% more"),
])
def test_ratio_wording(value, base, text):
    from archcalc.render.table import ratio

    assert ratio(value, base) == text


def test_weights_column_reads_like_the_lecture_table():
    out = run("summary", "vgg16", "--weights", "--exact").output
    conv1_1 = next(line for line in out.splitlines() if line.strip().startswith("conv1_1"))
    assert "1,728" in conv1_1 and "1,792" not in conv1_1   # (3*3*3)*64, not counting biases
    assert "Weights" in out and "138,344,128" in out
