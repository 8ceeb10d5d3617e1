"""Every layer type, called every way a spec can say, against the counting tools themselves.

Each case is a small network in archcalc's spec language. tests/torch_networks.CountingNetwork turns
it into PyTorch code that calls each layer as the spec says (an nn.Module by default, or
``call: functional | method | operator | subclass``); torchinfo, fvcore, ptflops (both backends) and
thop then measure that code, and archcalc's figure under each convention must be equal. Together with
tests/test_counting_torchvision.py (torchvision's own models) this pins every rule of
archcalc/counting.py to a measurement, in 1, 2 and 3 spatial dimensions and at batch 1 and 3.

Needs torch and the tools (see .ci/run); without them the tests skip, saying which.
"""

from __future__ import annotations

import pytest

from archcalc import counting
from archcalc.pipeline import analyse_spec
from tests.conftest import spec_from_text

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.slow
from tests.counting_tools import TOOLS, measure  # noqa: E402
from tests.torch_networks import build_as_called  # noqa: E402

#: name → (input, the layers after a first 3×3 convolution to 8 channels named "stem")
CASES = {
    # activations, as modules and as functionals
    **{f"{act}_{call}": ("4x10x10", f"  - {act}: {{call: {call}}}\n")
       for act in ("relu", "relu6", "leaky_relu", "elu", "sigmoid", "tanh", "hard_sigmoid", "silu", "hard_swish",
                   "mish", "gelu", "prelu", "softmax")
       for call in ("module", "functional")},
    # subclasses of PyTorch's modules (torchvision's Conv3DSimple, LayerNorm2d)
    **{f"{layer}_subclass": ("4x10x10", f"  - {layer}: {{{keys}call: subclass}}\n")
       for layer, keys in (("conv", "out: 6, kernel: 3, "), ("bn", ""), ("relu", ""), ("maxpool", "kernel: 2, "),
                           ("global_avgpool", ""), ("prelu", ""), ("group_norm", "groups: 2, "))},
    "fc_subclass": ("4x5x5", "  - flatten\n  - fc: {out: 7, call: subclass}\n"),
    "gelu_tanh": ("4x10x10", "  - gelu: {approximate: tanh}\n"),
    "prelu_channels": ("4x10x10", "  - prelu: {num_parameters: channels}\n"),
    # pooling
    **{f"{pool}_{call}_{dims}d": (shape, f"  - {pool}: {{kernel: 3, stride: 2, padding: 1, call: {call}}}\n")
       for pool in ("maxpool", "avgpool") for call in ("module", "functional")
       for dims, shape in ((1, "4x17"), (2, "4x11x11"), (3, "4x7x9x9"))},
    "avgpool_ceil_exclude_pad": ("4x10x10", "  - avgpool: {kernel: 3, stride: 2, padding: 1, rounding: ceil, "
                                            "count_include_pad: false}\n"),
    **{f"global_avgpool_{call}": ("4x9x9", f"  - global_avgpool: {{call: {call}}}\n")
       for call in ("module", "functional", "method")},
    "global_maxpool": ("4x9x9", "  - global_maxpool\n"),
    "adaptive_avgpool": ("4x10x10", "  - adaptive_avgpool: {size: 3}\n"),
    "adaptive_avgpool_3d": ("4x5x10x10", "  - adaptive_avgpool: {size: [2, 3, 3]}\n"),
    # normalisation
    "bn": ("4x10x10", "  - bn\n"),
    "bn_no_affine": ("4x10x10", "  - bn: {affine: false}\n"),
    "bn_functional": ("4x10x10", "  - bn: {call: functional}\n"),
    "bn_1d": ("4x17", "  - bn\n"),
    "bn_3d": ("4x5x8x8", "  - bn\n"),
    **{f"layer_norm_{call}": ("4x10x10", f"  - layer_norm: {{call: {call}}}\n")
       for call in ("module", "functional", "subclass")},
    "layer_norm_no_affine": ("4x10x10", "  - layer_norm: {affine: false}\n"),
    **{f"group_norm_{call}": ("4x10x10", f"  - group_norm: {{groups: 2, call: {call}}}\n")
       for call in ("module", "functional")},
    **{f"instance_norm_{call}_{dims}d": (shape, f"  - instance_norm: {{affine: true, call: {call}}}\n")
       for call in ("module", "functional") for dims, shape in ((1, "4x17"), (2, "4x10x10"), (3, "4x5x8x8"))},
    "instance_norm_no_affine": ("4x10x10", "  - instance_norm\n"),
    "lrn": ("4x10x10", "  - lrn: {size: 5}\n"),
    "layer_scale_operator": ("4x10x10", "  - layer_scale: {call: operator}\n"),
    "layer_scale_module": ("4x10x10", "  - layer_scale\n"),
    # convolutions and fc
    "conv_no_bias_1d": ("4x17", "  - conv: {out: 6, kernel: 3, bias: false}\n"),
    "conv_grouped_3d": ("4x5x8x8", "  - conv: {out: 8, kernel: 3, groups: 2, padding: 1}\n"),
    "conv_depthwise": ("4x10x10", "  - conv: {kernel: 3, groups: depthwise}\n"),
    "conv_channels_last_linear": ("4x10x10", "  - conv: {out: 12, kernel: 1, channels_last_linear: true}\n"),
    **{f"conv_transpose_{dims}d": (shape, "  - conv_transpose: {out: 6, kernel: 3, stride: 2, padding: 1}\n")
       for dims, shape in ((1, "4x9"), (2, "4x7x7"), (3, "4x4x5x5"))},
    "conv_transpose_no_bias": ("4x7x7", "  - conv_transpose: {out: 6, kernel: 2, stride: 2, bias: false}\n"),
    "fc_module": ("4x5x5", "  - flatten\n  - fc: {out: 7}\n"),
    "fc_functional": ("4x5x5", "  - flatten\n  - fc: {out: 7, call: functional}\n"),
    "fc_no_bias": ("4x5x5", "  - flatten\n  - fc: {out: 7, bias: false}\n"),
    "dropout": ("4x5x5", "  - flatten\n  - dropout: {p: 0.5}\n  - fc: {out: 7}\n"),
    # resampling
    **{f"upsample_{mode}_{how.split(':')[0]}_{call}": (shape, f"  - upsample: {{{how}, mode: {mode}, call: {call}}}\n")
       for mode, shape in (("nearest", "4x6x6"), ("bilinear", "4x6x6"), ("bicubic", "4x6x6"), ("linear", "4x9"),
                           ("trilinear", "4x3x4x4"))
       for how in ("scale: 2", "size: 10" if mode != "trilinear" else "size: [5, 10, 10]")
       for call in ("module", "functional")},
    "upsample_nearest_3d": ("4x3x4x4", "  - upsample: {scale: 2}\n"),
    "upsample_like_input": ("4x12x12", "  - maxpool: {kernel: 2}\n  - upsample: {like: input, mode: bilinear}\n"),
    "pixel_shuffle": ("8x5x5", "  - conv: {out: 16, kernel: 1}\n  - pixel_shuffle: {factor: 2}\n"),
    "pixel_unshuffle": ("4x6x6", "  - pixel_unshuffle: {factor: 2}\n"),
    # joins and shapes
    "add_operator": ("4x6x6", "  - conv: {name: a, out: 8, kernel: 1}\n  - add: {from: [a, stem]}\n"),
    "add_method": ("4x6x6", "  - conv: {name: a, out: 8, kernel: 1}\n  - add: {from: [a, stem], call: method}\n"),
    "mul_method": ("4x6x6", "  - conv: {name: a, out: 8, kernel: 1}\n  - mul: {from: [a, stem], call: method}\n"),
    "concat": ("4x6x6", "  - conv: {name: a, out: 8, kernel: 1}\n  - concat: {from: [a, stem]}\n"),
    "zeropad": ("4x6x6", "  - zeropad: {padding: [1, 2, 0, 1]}\n"),
}
BATCHES = {"relu_module": (1, 3), "maxpool_module_2d": (1, 3), "upsample_bilinear_scale_module": (1, 3),
           "bn": (1, 3), "fc_functional": (1, 3), "layer_norm_subclass": (1, 3)}


def spec_text(name: str) -> str:
    shape, layers = CASES[name]
    first = "  - conv: {name: stem, out: 8, kernel: 3, padding: 1}\n"
    return f"name: {name}\ninput: {shape}\nlayers:\n{first}{layers}"


@pytest.fixture(scope="module", params=[(name, batch) for name in CASES for batch in BATCHES.get(name, (1,))],
                ids=lambda p: f"{p[0]}@{p[1]}")
def case(request):
    name, batch = request.param
    spec = spec_from_text(spec_text(name))
    result = analyse_spec(spec, batches=(batch,))
    torch.manual_seed(0)
    net, shape = build_as_called(spec)
    return name, net.eval(), torch.randn(batch, *shape), result.analysis, result.totals


@pytest.mark.parametrize("tool", list(TOOLS))
def test_each_layer_as_called_is_counted_as_the_tool_counts_it(case, tool):
    name, net, x, analysis, totals = case
    result = counting.apply(counting.get(tool), analysis, totals)
    computed = {"ops": result.ops, "params": result.params, **result.extras}
    for figure, value in measure(tool, net, x).items():
        if figure != "by_operator":
            assert computed[figure] == value, (name, x.shape[0], tool, figure, computed[figure], value)
