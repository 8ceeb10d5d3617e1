"""Every counting convention against the counting tools themselves, run on torchvision's own models.

For each shipped spec derived from torchvision, the test builds torchvision's model (its Python
source, tests/torchvision_models.py), runs torchinfo, fvcore, ptflops (both backends) and thop on it,
and requires archcalc's figure under each convention for the matching spec to be equal: the operation
count, the parameter count, and torchinfo's memory lines. The figures depend on the module structure,
not on the input size, so most models run at a small input (quick, and a different size than the one
the published counts are checked at); nine run at their native input (ResNet-50, whose figures
docs/conventions.md tabulates, also at batch 2: ptflops' pytorch backend counts module hooks per image).

Needs torch, torchvision and the tools (see .ci/run); without one of them the tests skip, saying which.
Slow tier: pytest -m slow tests/test_counting_torchvision.py.
"""

from __future__ import annotations

import pytest

from archcalc import counting
from archcalc.pipeline import analyse
from tests.reference_numbers import TORCHVISION

torch = pytest.importorskip("torch")   # the counting tools and torchvision need it
pytestmark = pytest.mark.slow           # 78 models, five tools each
from tests import torchvision_models  # noqa: E402
from tests.counting_tools import TOOLS, measure  # noqa: E402

#: input shapes other than the small default
NATIVE = {"resnet50", "vgg16_bn", "mobilenet_v2", "googlenet", "densenet121", "shufflenet_v2_x1_0", "convnext_tiny"}
SMALL = {3: (3, 64, 64), 4: (3, 8, 64, 64)}   # by the rank of the native input
INPUT = {"inception_v3": (3, 299, 299),   # AuxLogits (5×5 pool, stride 3, then a 5×5 conv) needs Mixed_6e at 17×17
         "s3d": (3, 16, 224, 224)}    # its final 2×7×7 average pool needs the native size


def _cases():
    cases = {}
    for name, reference in TORCHVISION.items():
        shape = reference["input"] if name in NATIVE else INPUT.get(name, SMALL[len(reference["input"])])
        cases[torchvision_models.spec_of(name)] = (name, torchvision_models.build_args(name, reference),
                                                   torchvision_models.SPEC_VARIABLES.get(name), tuple(shape))
    return cases


CASES = _cases()


@pytest.fixture(scope="module", params=[*CASES, "resnet50@batch2"])
def case(request):
    spec, _, batch = request.param.partition("@batch")
    name, build, overrides, shape = CASES[spec]
    models = torchvision_models.load()
    batch = int(batch or 1)
    torch.manual_seed(0)
    net = torchvision_models.build(models, name, **build).eval()
    result = analyse(spec, inputs=[shape], batches=(batch,), overrides=overrides)
    return request.param, net, torch.randn(batch, *shape), result.analysis, result.totals


_MEASURED: dict = {}


def measured(case, tool) -> dict:
    """Each tool runs once per model."""
    key, net, x, _, _ = case
    if (key, tool) not in _MEASURED:
        _MEASURED[key, tool] = measure(tool, net, x)
    return _MEASURED[key, tool]


@pytest.mark.parametrize("tool", list(TOOLS))
def test_convention_reproduces_the_tool_on_torchvisions_model(case, tool):
    key, net, x, analysis, totals = case
    result = counting.apply(counting.get(tool), analysis, totals)
    computed = {"ops": result.ops, "params": result.params, **result.extras}
    for figure, value in measured(case, tool).items():
        if figure != "by_operator":
            assert computed[figure] == value, (key, tool, figure, computed[figure], value)


def test_torchvision_convention_is_the_parameter_sum_and_conv_fc_macs(case):
    """torchvision's _ops: conv + fc MACs per image, fvcore's conv and linear operators (no bias);
    num_params: the sum over the model's parameters."""
    key, net, x, analysis, totals = case
    result = counting.apply(counting.get("torchvision"), analysis, totals)
    assert result.params == sum(p.numel() for p in net.parameters())
    by_operator = measured(case, "fvcore")["by_operator"]
    assert result.ops * x.shape[0] == by_operator.get("conv", 0) + by_operator.get("linear", 0), key


def test_every_torchvision_derived_spec_is_checked():
    from archcalc.zoo import catalog

    assert set(CASES) <= set(catalog())
    assert set(counting.VERIFIED_ON) == set(CASES)
