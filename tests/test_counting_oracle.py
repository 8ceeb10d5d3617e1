"""The counting tools themselves, run on networks written in torch (tests/torch_nets.py), against
archcalc's conventions on the matching shipped specs: every figure must agree exactly.

Needs torch and the tools (pip install --no-deps torchinfo fvcore ptflops ultralytics-thop, plus fvcore's
iopath, yacs, tabulate, termcolor, portalocker, tqdm); a tool that is not installed skips its tests with
the reason shown (pytest -rs). Slow tier: pytest -m slow tests/test_counting_oracle.py.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import warnings

import pytest

from archcalc import counting
from archcalc.pipeline import analyse

torch = pytest.importorskip("torch")   # the counting tools need it
pytestmark = pytest.mark.slow           # each tool runs a forward pass per network: minutes in all
from tests.torch_nets import NETWORKS  # noqa: E402  (needs torch)

#: torch network → (shipped spec, --set overrides, batch)
CASES = {
    "resnet50": ("resnet50", {}, 1),
    "resnet50@batch2": ("resnet50", {}, 2),      # ptflops-pytorch: module hooks per image, functionals per batch
    "vgg16_bn": ("vgg16_bn", {}, 1),
    "mobilenet_v2": ("mobilenet_v2", {}, 1),
    "googlenet": ("googlenet_torchvision", {"aux": True}, 1),   # aux heads present, not run in eval
    "densenet121": ("densenet121", {}, 1),
    "shufflenet_v2_x1_0": ("shufflenet_v2_x1_0", {}, 1),      # x.chunk, a view shuffle, x.mean([2, 3])
}
TOOLS = {"torchinfo": "torchinfo", "fvcore": "fvcore.nn", "ptflops": "ptflops", "ptflops-pytorch": "ptflops",
         "thop": "thop"}


def _tool(module: str):
    try:
        return importlib.import_module(module)
    except ImportError as error:
        pytest.skip(f"{module} is not installed ({error}); pip install torchinfo fvcore ptflops ultralytics-thop")


def _quietly(run):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.CRITICAL)
        try:
            return run()
        finally:
            logging.disable(logging.NOTSET)


def measure(tool: str, net, x) -> dict:
    """The tool's own figures for ``net`` on input ``x`` (batch included)."""
    module = _tool(TOOLS[tool])
    if tool == "torchinfo":
        stats = _quietly(lambda: module.summary(net, input_data=x, verbose=0, mode="eval"))
        return {"ops": stats.total_mult_adds, "params": stats.total_params,
                "forward_backward_pass_size": stats.total_output_bytes, "params_size": stats.total_param_bytes,
                "input_size": stats.total_input}
    if tool == "fvcore":
        def run():
            analysis = module.FlopCountAnalysis(net, x)
            analysis.unsupported_ops_warnings(False)
            analysis.uncalled_modules_warnings(False)
            return analysis.total(), dict(analysis.by_operator())
        ops, by_operator = _quietly(run)
        return {"ops": ops, "params": module.parameter_count(net)[""], "by_operator": by_operator}
    if tool.startswith("ptflops"):
        backend = "pytorch" if tool == "ptflops-pytorch" else "aten"
        macs, params = _quietly(lambda: module.get_model_complexity_info(
            net, tuple(x.shape[1:]), as_strings=False, print_per_layer_stat=False, backend=backend,
            input_constructor=lambda _: x))
        return {"ops": macs, "params": params}
    ops, params = _quietly(lambda: module.profile(net, inputs=(x,), verbose=False))
    return {"ops": int(ops), "params": int(params)}


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    name = request.param
    spec_name, overrides, batch = CASES[name]
    torch.manual_seed(0)
    net = NETWORKS[name.split("@")[0]]().eval()
    result = analyse(spec_name, batches=(batch,), overrides=overrides or None)
    return name, net, torch.randn(batch, *result.configs[0].input_shape), result.analysis, result.totals


_MEASURED: dict = {}


def measured(case, tool) -> dict:
    """Each tool runs once per network (the runs take seconds each)."""
    name, net, x, _, _ = case
    if (name, tool) not in _MEASURED:
        _MEASURED[name, tool] = measure(tool, net, x)
    return _MEASURED[name, tool]


@pytest.mark.parametrize("tool", list(TOOLS))
def test_convention_reproduces_the_tool(case, tool):
    name, net, x, analysis, totals = case
    result = counting.apply(counting.get(tool), analysis, totals)
    computed = {"ops": result.ops, "params": result.params, **result.extras}
    for key, value in measured(case, tool).items():
        if key != "by_operator":
            assert computed[key] == value, (name, tool, key, computed[key], value)


def test_torchvision_convention_is_the_parameter_sum_and_conv_fc_macs(case):
    """torchvision's _ops is conv + fc MACs per image: fvcore's conv and linear operators (no bias)."""
    name, net, x, analysis, totals = case
    result = counting.apply(counting.get("torchvision"), analysis, totals)
    assert result.params == sum(p.numel() for p in net.parameters())
    by_operator = measured(case, "fvcore")["by_operator"]
    assert result.ops * x.shape[0] == by_operator["conv"] + by_operator["linear"]


def test_the_specs_said_to_be_checked_are_the_ones_checked():
    assert set(counting.VERIFIED_ON) == {spec for spec, _, _ in CASES.values()}
