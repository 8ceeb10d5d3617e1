"""archcalc memory: the command's JSON contract, the device fit and its errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from archcalc.cli import main
from archcalc.devices import DEVICES, FRAMEWORK_ALLOWANCE, GIB, device


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_json_has_exact_integer_bytes():
    result = run("memory", "resnet50", "--batch", "32", "--format", "json")
    assert result.exit_code == 0, result.output
    item = json.loads(result.output)
    for key in ("weights", "gradients", "optimizer_state", "saved_activations", "training_peak", "total",
                "input_batch", "inference_peak", "eager_inference_peak"):
        assert isinstance(item[key], int), key
    # ResNet-50: 25,557,032 trainable parameters (torchvision), 53,120 running statistics
    assert item["gradients"] == 4 * 25_557_032
    assert item["weights"] == 4 * (25_557_032 + 53_120)
    assert item["optimizer_state"] == 0
    assert item["input_batch"] == 32 * 3 * 224 * 224 * 4
    assert item["total"] == item["weights"] + item["optimizer_state"] + item["input_batch"] + item["training_peak"]
    assert sum(layer["saved"] for layer in item["per_layer"]) == item["saved_activations"]
    assert "fit" not in item


def test_eager_inference_peak_keeps_the_input_and_the_block_input():
    # ResNet-50 at 224×224: PyTorch eager holds the input batch and layer1.0's 64×56×56 input on top
    # of the freeing peak (measured: 1.146× the freeing figure).
    item = json.loads(run("memory", "resnet50", "--format", "json").output)
    assert item["eager_inference_peak"] == item["inference_peak"] + 4 * (3 * 224 * 224 + 64 * 56 * 56)


def test_device_fit_is_the_largest_batch_that_fits():
    item = json.loads(run("memory", "resnet50", "--device", "A100_40GB", "--optimizer", "adam",
                          "--format", "json").output)
    fit = item["fit"]
    assert fit["device"] == "a100-40gb" and fit["memory"] == 40 * GIB
    assert fit["usable"] == 40 * GIB - FRAMEWORK_ALLOWANCE
    best = fit["max_batch"]
    at = {b: json.loads(run("memory", "resnet50", "--batch", str(b), "--optimizer", "adam", "--format", "json")
                        .output)["total"] for b in (best, best + 1)}
    assert at[best] <= fit["usable"] < at[best + 1]


def test_memory_option_and_several_inputs():
    result = run("memory", "efficientnet_b0", "--memory", "11GiB", "--input", "3x300x300,3x224x224",
                 "--format", "json")
    items = json.loads(result.output)
    assert [i["input"] for i in items] == [[3, 300, 300], [3, 224, 224]]
    assert items[0]["fit"]["memory"] == 11 * GIB and items[0]["fit"]["max_batch"] < items[1]["fit"]["max_batch"]


def test_table_mentions_the_fit():
    result = run("memory", "resnet50", "--batch", "64", "--optimizer", "adam", "--precision", "amp-fp16",
                 "--device", "t4")
    assert result.exit_code == 0, result.output
    assert "Saved activations" in result.output and "Largest batch on t4" in result.output


def test_unknown_device_is_a_usage_error():
    result = run("memory", "resnet50", "--device", "a100-4gb")
    assert result.exit_code == 2
    assert "did you mean 'a100-40gb'" in result.output


def test_device_names_ignore_case_and_separators():
    assert device("H100_80GB") is DEVICES["h100-80gb"]


def test_summary_notes_the_training_memory():
    result = run("summary", "resnet18", "--batch", "4")
    assert "Training at batch 4 (fp32, SGD): autograd keeps" in result.output


def test_mixed_precision_keeps_fp32_weights_and_gradients_as_the_labels_say():
    # torch.autocast leaves the parameters (and so their .grad) in fp32; it casts a half copy per op.
    fp32 = json.loads(run("memory", "resnet50", "--format", "json").output)
    for precision in ("amp-fp16", "amp-bf16"):
        result = run("memory", "resnet50", "--precision", precision)
        assert result.exit_code == 0, result.output
        assert "Weights (fp32, with buffers)" in result.output and "Gradients (fp32)" in result.output
        item = json.loads(run("memory", "resnet50", "--precision", precision, "--format", "json").output)
        assert item["weights"] == fp32["weights"] == 4 * (25_557_032 + 53_120)
        assert item["gradients"] == fp32["gradients"] == 4 * 25_557_032
        # the half copies autocast makes are kept for backward, and said to be copies
        conv1 = next(layer for layer in item["per_layer"] if layer["name"] == "conv1")
        assert conv1["keeps"] == ["half copy of the input", "half copy of the parameters"]
        assert conv1["saved"] == 2 * 3 * 224 * 224 + 2 * 64 * 3 * 7 * 7
        fc = next(layer for layer in item["per_layer"] if layer["name"] == "fc")
        assert fc["keeps"] == ["input", "half copy of the parameters"]
    conv1 = next(layer for layer in fp32["per_layer"] if layer["name"] == "conv1")
    assert conv1["keeps"] == ["input"]


def test_autocast_in_pytorch_leaves_parameters_and_gradients_fp32():
    """What the labels claim, measured: under torch.autocast the module's parameters and buffers stay
    fp32, the layers compute in half, and backward leaves fp32 gradients on the parameters."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: the autocast check needs it")
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
                              torch.nn.Flatten(), torch.nn.Linear(8 * 6 * 6, 4))
    for half in (torch.bfloat16, torch.float16):
        net.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=half):
            output = net(torch.randn(2, 3, 8, 8))
        output.float().sum().backward()
        assert output.dtype == half
        assert {p.dtype for p in net.parameters()} == {p.grad.dtype for p in net.parameters()} == {torch.float32}
        assert {b.dtype for name, b in net.named_buffers() if name.endswith(("running_mean", "running_var"))} == \
            {torch.float32}
