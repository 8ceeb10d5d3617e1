"""The counting tools' conventions, as data: how torchvision, torchinfo, fvcore, ptflops, thop and
Keras arrive at their figures from the same per-layer facts.

Each layer class states what a counting tool can observe of it in one method, ``counted``, which
returns a :class:`Counted`: the PyTorch operation it is (``op``, e.g. "conv", "relu", "max_pool")
and named per-sample terms (``macs``, ``bias_adds``, ``window_reads`` …). Three more terms come
from the engine's row for every layer: ``input_elements``, ``output_elements`` and ``params``.
How the reference implementation *calls* the layer — as an ``nn.Module``, a ``torch.nn.functional``
call, a tensor method (``x.mean``) or an operator (``a + b``) — is a fact of the spec (a layer
entry's ``call:`` key), since the tools that hook modules or patch functions see different things.

A :class:`Convention` maps (op, call) to the parts of its figure: coefficients of terms. A part is
counted over the whole batch, or once per image (``per="image"``: ptflops' module hooks divide by
the batch size, its patched functionals do not). An op a convention does not list is an error,
never zero: ops a tool skips are listed with no parts.

Figures were read off the tools' source (versions in :data:`TOOL_VERSIONS`) and are checked
against the tools themselves by tests/test_counting_torchvision.py (torchvision's own models) and
tests/test_counting_layers_oracle.py (every layer type, called every way a spec can say).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .errors import ArchcalcError

#: How a reference implementation invokes a layer. The default depends on the op (:data:`DEFAULT_CALL`).
#: "subclass" is a subclass of PyTorch's module (torchvision's LayerNorm2d is an nn.LayerNorm whose
#: forward calls F.layer_norm): tools that walk the class hierarchy or count parameters see the module,
#: tools that match the exact type (ptflops' pytorch backend) see only the functionals its forward calls.
CALLS = ("module", "functional", "method", "operator", "subclass")

#: Calls that are not modules unless a spec says otherwise: joins are operators or torch functions.
DEFAULT_CALL = {"add": "operator", "mul": "operator", "mean": "operator", "cat": "functional",
                "flatten": "functional", "slice": "operator", "channel_pad": "functional",
                "elementwise": "operator", "reduce": "method", "permute": "method", "reshape": "method"}

#: The tool versions whose source the rules below were read from (and the oracle tests ran).
TOOL_VERSIONS = {
    "torchvision": "torchvision 0.2x weights meta (num_params, _ops)",
    "torchinfo": "torchinfo 1.8.0",
    "fvcore": "fvcore 0.1.5.post20221221",
    "ptflops": "ptflops 0.7.5",
    "thop": "ultralytics-thop 2.2.3",
    "keras": "Keras model.summary()",
}


#: Shipped specs whose reference network (torchvision's own model) tests/test_counting_torchvision.py runs
#: every tool on, matching every figure exactly. tests/test_counting_layers_oracle.py checks every rule
#: layer by layer; other specs apply the same rules, and a layer whose reference code calls it other than
#: its spec says (``call:``) is the one way their figure can differ from the tool's.
VERIFIED_ON = (
    "alexnet_torchvision", "vgg11_torchvision", "vgg11_bn", "vgg13_torchvision", "vgg13_bn",
    "vgg16_torchvision", "vgg16_bn", "vgg19_torchvision", "vgg19_bn", "googlenet_torchvision",
    "inception_v3", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "wide_resnet50_2",
    "wide_resnet101_2", "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d", "densenet121",
    "densenet161", "densenet169", "densenet201", "squeezenet1_0", "squeezenet1_1", "mobilenet_v2",
    "mobilenet_v3_large", "mobilenet_v3_small", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0",
    "shufflenet_v2_x1_5", "shufflenet_v2_x2_0", "mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3",
    "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3", "efficientnet_b4",
    "efficientnet_b5", "efficientnet_b6", "efficientnet_b7", "r3d_18", "mc3_18", "r2plus1d_18", "s3d",
    "fcn_resnet50", "fcn_resnet101", "deeplabv3_resnet50", "deeplabv3_resnet101",
    "deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large", "convnext_tiny", "convnext_small",
    "convnext_base", "convnext_large", "efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l",
    "regnet_x_400mf", "regnet_x_800mf", "regnet_x_1_6gf", "regnet_x_3_2gf", "regnet_x_8gf",
    "regnet_x_16gf", "regnet_x_32gf", "regnet_y_400mf", "regnet_y_800mf", "regnet_y_1_6gf",
    "regnet_y_3_2gf", "regnet_y_8gf", "regnet_y_16gf", "regnet_y_32gf", "regnet_y_128gf",
)


@dataclass(frozen=True)
class Counted:
    """What a counting tool can observe of one layer: its PyTorch op and named per-sample terms.

    ``kind`` is the operator kind of fvcore's ``by_operator``-style breakdown ("conv",
    "depthwise conv", "pointwise conv", "fc", "norm", "activation", "pool", …).
    """

    op: str
    kind: str = "other"
    terms: dict = field(default_factory=dict)


def counted(op: str, kind: str = "other", **terms) -> Counted:
    """Shorthand for layer classes: ``counted("relu", "activation")``."""
    return Counted(op, kind, terms)


@dataclass(frozen=True)
class Part:
    """One part of a convention's rule for an op: Σ coefficient × term, labelled for the breakdown."""

    label: str
    terms: dict
    #: "batch": over the whole batch; "image": one image whatever the batch; "image/batch": one image,
    #: divided by the batch (ptflops' nn.Upsample hook counts the first image of the batch, and ptflops
    #: divides every module count by the batch size)
    per: str = "batch"


@dataclass(frozen=True)
class Convention:
    """One tool's way of counting: a headline figure (``ops``), a parameter count, and extras."""

    name: str
    tool: str
    counts: str
    skips: str
    #: (op, call) or op → parts of the headline figure. () means the tool counts the op as zero.
    rules: dict
    #: The headline figure's name in the tool's output.
    figure: str = "ops"
    #: Parameters: "all" (every parameter) or "with_buffers" (Keras: trainable + non-trainable).
    params: str = "all"
    #: Units of the headline figure as the tool prints it, for the breakdown ("1e9 MACs, 3 decimals").
    display: str = ""
    #: False when the tool has no operation count at all (Keras prints parameters only).
    has_ops: bool = True
    #: Extra named figures, each with its own rules (torchinfo's memory lines).
    extras: dict = field(default_factory=dict)
    #: Also report torchinfo's input, parameter and total sizes (bytes) beside the extras.
    memory_lines: bool = False
    #: What a subclass of a PyTorch module looks like to the tool: "module" when it walks the class
    #: hierarchy (thop) or needs no type at all; "functional" when it hooks exact types only (ptflops).
    subclass_seen_as: str = "module"


def _part(label, per="batch", **terms) -> tuple:
    return (Part(label, terms, per),)


NOTHING: tuple = ()

#: Ops without cost in every tool below: views, copies, concatenation, padding, dropout at inference;
#: and tensor arithmetic and reductions written as operators or methods (x * y, x.mean(dims)), which
#: no tool hooks.
FREE_OPS = ("flatten", "dropout", "identity", "pad", "channel_pad", "cat", "slice", "channel_shuffle",
            "stochastic_depth", "permute", "reshape", "elementwise", "reduce", "pixel_shuffle")


def _free(table: dict) -> dict:
    return {**{op: NOTHING for op in FREE_OPS}, **table}


ACTIVATIONS = ("relu", "relu6", "leaky_relu", "elu", "sigmoid", "hard_sigmoid", "tanh", "silu", "hard_swish",
               "gelu", "mish", "prelu")
SAMPLE_NORMS = ("layer_norm", "group_norm", "instance_norm")


def _all(ops, parts) -> dict:
    return {op: parts for op in ops}


TORCHVISION = Convention(
    name="torchvision",
    tool="torchvision weights meta",
    counts="num_params: every parameter; _ops ('GFLOPS'): conv and fc MACs without bias, eval mode",
    skips="bias adds, batch norm, activations, pooling, joins, layers that run only in training",
    rules=_free({
        # a property of the weights, published per image whatever batch one runs
        "conv": _part("conv MACs", "image", macs=1),
        "conv_transpose": _part("transposed conv MACs", "image", macs=1),
        "linear": _part("fc MACs", "image", macs=1),
        **_all(("batch_norm", "layer_scale", *SAMPLE_NORMS, "local_response_norm", "softmax", "max_pool", "avg_pool", "adaptive_avg_pool",
                "adaptive_max_pool", "add", "mul", "mean", "upsample", *ACTIVATIONS), NOTHING),
    }),
    figure="_ops",
    display="GMACs, 3 decimals",
)

TORCHINFO = Convention(
    name="torchinfo",
    tool=TOOL_VERSIONS["torchinfo"],
    counts="Total mult-adds: conv (weights + bias) × output positions × batch; every other module with "
           "parameters: batch × its parameters (batch norm 2C, fc in·out + out)",
    skips="modules without parameters (activations, pooling, dropout) and every functional call or operator",
    rules=_free({
        ("conv", "module"): _part("conv MACs", macs=1) + _part("conv bias", bias_adds=1),
        # "Conv" in the class name: (weights + bias) × output positions, which for a transposed conv
        # is not its MACs
        ("conv_transpose", "module"): _part("transposed conv parameters × output positions",
                                            params_at_output_positions=1),
        ("linear", "module"): _part("fc (in·out + out)", params=1),
        # functional calls are no modules: nothing counted, their parameters not in "Params size"
        **{(op, "functional"): NOTHING for op in ("conv", "conv_transpose", "linear", "batch_norm")},
        ("batch_norm", "module"): _part("batch norm parameters", params=1),
        **{(op, "module"): _part(f"{op} parameters", params=1) for op in (*SAMPLE_NORMS, "prelu")},
        **_all(("layer_scale", *SAMPLE_NORMS, "local_response_norm", "softmax", "max_pool", "avg_pool", "adaptive_avg_pool", "adaptive_max_pool",
                "add", "mul", "mean", "upsample", *ACTIVATIONS), NOTHING),
    }),
    figure="Total mult-adds",
    extras={
        # "x2 for gradients" (torchinfo/model_statistics.py): the outputs of leaf modules that hold parameters
        "forward_backward_pass_size": {
            ("conv", "module"): _part("conv outputs ×2", parameterised_output_bytes=2),
            ("conv_transpose", "module"): _part("transposed conv outputs ×2", parameterised_output_bytes=2),
            ("linear", "module"): _part("fc outputs ×2", parameterised_output_bytes=2),
            ("batch_norm", "module"): _part("batch norm outputs ×2", parameterised_output_bytes=2),
            **{(op, "module"): _part(f"{op} outputs ×2", parameterised_output_bytes=2)
               for op in (*SAMPLE_NORMS, "prelu", "layer_scale")},
        },
    },
    memory_lines=True,
)

FVCORE = Convention(
    name="fvcore",
    tool=TOOL_VERSIONS["fvcore"],
    counts="FlopCountAnalysis.total() ('flop' = one MAC): conv and linear MACs without bias, batch norm "
           "(eval) 2 × elements (1 × without affine), layer/group/instance norm 5 × elements (4 × without "
           "affine), adaptive_avg_pool2d 1 × input elements, upsample_nearest2d 1 and upsample_bilinear2d 4 × "
           "output elements",
    skips="bias adds, max/avg pooling, activations, add, mul, mean, softmax (unsupported-op warnings)",
    rules=_free({
        "conv": _part("conv MACs", macs=1),
        "conv_transpose": _part("transposed conv MACs", macs=1),
        "linear": _part("fc MACs", macs=1),
        "batch_norm": _part("batch norm", input_elements=1, affine_elements=1),
        **{op: _part(op.replace("_", " "), input_elements=4, affine_elements=1) for op in SAMPLE_NORMS},
        # handles for the 2-D nearest and bilinear kernels only; the other modes are unsupported ops
        "upsample": _part("upsample_nearest2d outputs", nearest2d_outputs=1)
        + _part("upsample_bilinear2d outputs ×4", bilinear_outputs=4),
        # a handle for aten::adaptive_avg_pool2d only: the 1-D and 3-D pools are unsupported ops
        ("adaptive_avg_pool", "module"): _part("adaptive_avg_pool2d inputs", input_elements_2d=1),
        ("adaptive_avg_pool", "functional"): _part("adaptive_avg_pool2d inputs", input_elements_2d=1),
        ("adaptive_avg_pool", "method"): NOTHING,   # x.mean(): aten::mean, unsupported
        **_all(("layer_scale", "local_response_norm", "softmax", "max_pool", "avg_pool", "adaptive_max_pool", "add",
                "mul", "mean", *ACTIVATIONS), NOTHING),
    }),
    figure="total()",
)

PTFLOPS_ATEN = Convention(
    name="ptflops",
    tool=TOOL_VERSIONS["ptflops"] + ", backend='aten' (the one its README documents)",
    counts="aten.convolution MACs + one add per output when biased; aten.addmm/mm/bmm (fc) MACs + bias",
    skips="batch norm, activations, pooling, add, mul, every other aten op",
    rules=_free({
        "conv": _part("conv MACs", macs=1) + _part("conv bias", bias_adds=1),
        "conv_transpose": _part("transposed conv MACs", macs=1) + _part("transposed conv bias", bias_adds=1),
        "linear": _part("fc MACs", macs=1) + _part("fc bias", bias_adds=1),
        **_all(("batch_norm", "layer_scale", *SAMPLE_NORMS, "local_response_norm", "softmax", "max_pool", "avg_pool", "adaptive_avg_pool",
                "adaptive_max_pool", "add", "mul", "mean", "upsample", *ACTIVATIONS), NOTHING),
    }),
    figure="MACs",
)

# ptflops' pytorch backend: module hooks (per image: divided by the batch size) and patched
# torch.nn.functional calls (per batch: not divided). nn.ReLU, nn.ELU, nn.GELU and the pooling
# modules call the patched functionals, so they count twice; nn.ReLU6 runs F.hardtanh (not
# patched) and counts once; nn.SiLU and nn.Softmax have no hook but call F.silu / F.softmax.
_MODULE_AND_FUNCTIONAL = {"relu": "F.relu", "elu": "F.elu", "gelu": "F.gelu"}
_POOLS = {"max_pool": "F.max_pool2d", "avg_pool": "F.avg_pool2d", "adaptive_avg_pool": "F.adaptive_avg_pool2d",
          "adaptive_max_pool": "F.adaptive_max_pool2d"}
_MODULE_NAMES = {"relu": "nn.ReLU", "elu": "nn.ELU", "gelu": "nn.GELU", "max_pool": "nn.MaxPool2d",
                 "avg_pool": "nn.AvgPool2d", "adaptive_avg_pool": "nn.AdaptiveAvgPool2d",
                 "adaptive_max_pool": "nn.AdaptiveMaxPool2d"}

PTFLOPS_PYTORCH = Convention(
    name="ptflops-pytorch",
    tool=TOOL_VERSIONS["ptflops"] + ", backend='pytorch' (the default in its code)",
    counts="module hooks per image (exact types only): conv/fc MACs + bias, norm elements (×2 when affine, "
           "never for LayerNorm), "
           "ReLU-family outputs, pool inputs, Upsample outputs; patched functionals per batch: "
           "F.relu/elu/gelu/silu/prelu/softmax and F.*pool* inputs, F.interpolate outputs",
    skips="sigmoid, tanh, hardswish, hardsigmoid, leaky_relu, the + and * operators, x.mean(); nn.ReLU and pool "
          "modules count twice (hook + the functional they call)",
    rules=_free({
        ("conv", "module"): _part("conv MACs", "image", macs=1) + _part("conv bias", "image", bias_adds=1),
        ("conv_transpose", "module"): _part("transposed conv MACs", "image", macs=1)
        + _part("transposed conv bias", "image", bias_adds=1),
        # F.conv*d are not patched: a convolution module of a subclassed type is not counted at all
        ("conv", "functional"): NOTHING, ("conv_transpose", "functional"): NOTHING,
        ("linear", "module"): _part("fc MACs", "image", macs=1) + _part("fc bias", "image", bias_adds=1),
        # F.linear is not among the functionals it patches (its hook is written but not installed)
        ("linear", "functional"): NOTHING,
        ("batch_norm", "module"): _part("batch norm", "image", input_elements=1, affine_elements=1),
        ("batch_norm", "functional"): NOTHING,
        # nn.LayerNorm has elementwise_affine, not the `affine` the hook looks for: counted once
        ("layer_norm", "module"): _part("layer norm", "image", input_elements=1),
        **{(op, "module"): _part(op.replace("_", " "), "image", input_elements=1, affine_elements=1)
           for op in ("group_norm", "instance_norm")},
        **{(op, "functional"): NOTHING for op in SAMPLE_NORMS},
        ("prelu", "module"): _part("nn.PReLU hook (outputs)", "image", output_elements=1)
        + _part("F.prelu inside nn.PReLU", input_elements=1),
        ("prelu", "functional"): _part("F.prelu", input_elements=1),
        **{(op, "module"): _part(f"{_MODULE_NAMES[op]} hook (outputs)", "image", output_elements=1)
           + _part(f"{fn} inside {_MODULE_NAMES[op]}", input_elements=1) for op, fn in _MODULE_AND_FUNCTIONAL.items()},
        **{(op, "functional"): _part(fn, input_elements=1) for op, fn in _MODULE_AND_FUNCTIONAL.items()},
        ("relu6", "module"): _part("nn.ReLU6 hook", "image", output_elements=1),
        ("relu6", "functional"): _part("F.relu6", input_elements=1),
        ("leaky_relu", "module"): _part("nn.LeakyReLU hook", "image", output_elements=1),
        ("leaky_relu", "functional"): NOTHING,
        "silu": _part("F.silu", input_elements=1),
        "softmax": _part("F.softmax", input_elements=1),
        **_all(("sigmoid", "hard_sigmoid", "tanh", "hard_swish", "mish", "layer_scale"), NOTHING),
        **{(op, "module"): _part(f"{_MODULE_NAMES[op]} hook (inputs)", "image", input_elements=1)
           + _part(f"{fn} inside {_MODULE_NAMES[op]}", input_elements=1) for op, fn in _POOLS.items()},
        **{(op, "functional"): _part(fn, input_elements=1) for op, fn in _POOLS.items()},
        ("adaptive_avg_pool", "method"): NOTHING,
        ("add", "operator"): NOTHING, ("mul", "operator"): NOTHING, ("mean", "operator"): NOTHING,
        # nn.LocalResponseNorm has no hook; F.local_response_norm runs the patched x.mul(x), F.avg_pool3d
        # over the channel-padded squares, .mul(alpha) and .add(k)
        "local_response_norm": _part("F.local_response_norm (x.mul, F.avg_pool3d, .mul, .add)",
                                     input_elements=3, padded_elements=1),
        ("add", "method"): _part("torch.add", output_elements=1),
        ("mul", "method"): _part("torch.mul", output_elements=1),
        # nn.Upsample's hook counts its outputs and the F.interpolate it calls is patched: outputs when
        # given a size, input elements × scale^d when given a scale factor
        ("upsample", "module"): _part("nn.Upsample hook (first image's outputs ÷ batch)", "image/batch",
                                      output_elements=1)
        + _part("F.interpolate inside nn.Upsample", interpolate_elements=1),
        ("upsample", "functional"): _part("F.interpolate", interpolate_elements=1),
    }),
    figure="MACs",
    subclass_seen_as="functional",
)

THOP = Convention(
    name="thop",
    tool=TOOL_VERSIONS["thop"],
    counts="conv and linear MACs without bias; batch norm 2 × elements, doubled when affine; AvgPool modules "
           "one add per averaged input + one divide per output; AdaptiveAvgPool modules likewise; Upsample "
           "modules by mode per output",
    skips="bias adds, ReLU-family, MaxPool, Dropout, joins, functional calls but F.linear, methods (x.mean)",
    rules=_free({
        ("conv", "module"): _part("conv MACs", macs=1),
        ("conv_transpose", "module"): _part("transposed conv MACs", macs=1),
        ("linear", "module"): _part("fc MACs", macs=1),
        # the one functional thop counts: matrix products outside modules it has a rule for
        ("linear", "functional"): _part("F.linear MACs", macs=1),
        ("batch_norm", "module"): _part("batch norm", input_elements=2, affine_elements=2),
        **{(op, "module"): _part(op.replace("_", " "), input_elements=2, affine_elements=2) for op in SAMPLE_NORMS},
        ("prelu", "module"): _part("PReLU inputs", input_elements=1),
        ("avg_pool", "module"): _part("avg pool adds", averaged_elements=1) + _part("avg pool divides",
                                                                                   output_elements=1),
        ("adaptive_avg_pool", "module"): _part("adaptive avg pool adds", averaged_elements=1)
        + _part("adaptive avg pool divides", output_elements=1),
        ("softmax", "module"): _part("softmax (exp, add, divide)", softmax_ops=1),
        **_all(("max_pool", "adaptive_max_pool", "relu", "relu6", "leaky_relu"), NOTHING),
        # modules thop has no rule for count zero (it warns only with report_missing)
        **_all(("local_response_norm", "elu", "sigmoid", "hard_sigmoid", "tanh", "silu", "hard_swish", "gelu",
                "mish", "layer_scale", "add", "mul", "mean"), NOTHING),
        **{(op, "functional"): NOTHING for op in ("avg_pool", "adaptive_avg_pool", "softmax", "batch_norm", "prelu",
                                                  *SAMPLE_NORMS)},
        ("adaptive_avg_pool", "method"): NOTHING,
        # count_upsample: operations per output by mode (nearest 0, linear 5, bilinear 11, bicubic 259,
        # trilinear 31); F.interpolate is not seen
        ("upsample", "module"): _part("nn.Upsample (linear 5, bilinear 11, bicubic 259, trilinear 31 per output)",
                                      linear_outputs=5, bilinear_outputs=11, bicubic_outputs=259,
                                      trilinear_outputs=31),
        ("upsample", "functional"): NOTHING,
    }),
    figure="MACs",
)

KERAS = Convention(
    name="keras",
    tool=TOOL_VERSIONS["keras"],
    counts="Total params = trainable + non-trainable (batch norm moving mean and variance)",
    skips="Keras prints no operation count",
    rules={},
    figure="Total params",
    params="with_buffers",
    has_ops=False,
)

CONVENTIONS: dict[str, Convention] = {c.name: c for c in (TORCHVISION, TORCHINFO, FVCORE, PTFLOPS_ATEN,
                                                          PTFLOPS_PYTORCH, THOP, KERAS)}


def get(name: str) -> Convention:
    try:
        return CONVENTIONS[name.lower()]
    except KeyError:
        raise ArchcalcError("E504", f"unknown convention {name!r}; expected one of "
                                    f"{', '.join(CONVENTIONS)}") from None


# ---- applying a convention to an analysis ----

#: Bytes Python's sys.getsizeof adds to a torch storage's data (CPython 64-bit, torch 2.x): torchinfo's
#: "Input size" is sys.getsizeof(input.untyped_storage()).
TORCH_STORAGE_OVERHEAD = 64


@dataclass
class Result:
    """A convention applied to one configuration: the figure, its parts, params, extras."""

    convention: Convention
    ops: int | float | None
    params: int
    parts: dict            # label → int, in order of first appearance
    extras: dict           # name → int (torchinfo's memory lines, in bytes)
    macs: int              # plain MACs (archcalc's count) for the difference column
    per_row: list = field(default_factory=list)   # each row's share of ops (the input row first: 0)
    model: str | None = None                      # the graph's name

    def as_json(self) -> dict:
        result = {"name": self.convention.name, "figure": self.convention.figure, "ops": self.ops,
                  "params": self.params, "terms": dict(self.parts), "difference_to_macs":
                  None if self.ops is None else self.ops - self.macs}
        result.update(self.extras)
        return result


def row_terms(row, element_bytes: int) -> tuple[Counted, dict]:
    """What a tool can observe of one row: the layer's op and every term, per sample — the layer's
    own terms and the generic ones (elements in and out, parameters, output bytes)."""
    from .layers.base import elements   # imported here: the layer modules import this module

    facts = row.layer.counted(row.input_shapes, row.output_shape)
    output_bytes = elements(row.output_shape) * element_bytes
    terms = {"input_elements": sum(elements(s) for s in row.input_shapes),
             # the same, for ops some tools count in two spatial dimensions only
             "input_elements_2d": sum(elements(s) for s in row.input_shapes) * (len(row.input_shapes[0]) == 3),
             "output_elements": elements(row.output_shape),
             "params": row.params.trainable,
             "output_bytes": output_bytes,
             # torchinfo keeps only the outputs of modules that hold parameters
             "parameterised_output_bytes": output_bytes if np.any(row.params.trainable) else 0}
    terms.update(facts.terms)
    return facts, terms


def call_of(node, op: str) -> str:
    return node.call or DEFAULT_CALL.get(op, "module")


def seen_call(convention: Convention, call: str) -> str:
    """How the tool sees a layer called as ``call`` (a module subclass is a module or its functionals)."""
    return convention.subclass_seen_as if call == "subclass" else call


def rule_for(convention_rules: dict, op: str, call: str, convention: Convention, node):
    for key in ((op, call), op):
        if key in convention_rules:
            return convention_rules[key]
    raise ArchcalcError("E201", f"the {convention.name} convention has no rule for {op} called as a {call} "
                                f"(layer '{node.name}')")


def part_value(part: Part, terms: dict, index: int, batch: int) -> int:
    """Σ coefficient × term for configuration ``index``, over the batch unless counted per image."""
    total = 0
    for term, coefficient in part.terms.items():
        values = np.asarray(terms[term]).reshape(-1)
        total += coefficient * int(values[index % values.size])
    if part.per == "image/batch":
        return Fraction(total, batch)
    return total if part.per == "image" else total * batch


def _whole(value):
    """An int, or a float where a tool's division by the batch leaves a fraction (as the tool prints it)."""
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    return value


def apply(convention: Convention, analysis, totals: dict, index: int = 0) -> Result:
    """The convention's figure for configuration ``index`` of ``analysis``, with its parts.

    Layers that do not run (train-only branches in eval mode) are left out of the operations and of
    torchinfo's "Params size", which only sees the parameters of leaf modules that ran (not those a
    functional call or an operator uses, which belong to the module that makes the call).
    """
    batch = int(analysis.configs[index].batch)
    parts: dict = {}
    extras: dict = {name: 0 for name in convention.extras}
    ran_params = 0
    per_row = [0] * len(analysis.rows)
    for position, row in enumerate(analysis.rows[1:], start=1):
        if row.node.train_only and analysis.mode == "eval":
            continue
        if not convention.has_ops:
            continue
        facts, terms = row_terms(row, analysis.element_bytes)
        call = seen_call(convention, call_of(row.node, facts.op))
        if call == "module":
            ran_params += int(row.params.trainable[index])
        for part in rule_for(convention.rules, facts.op, call, convention, row.node):
            value = part_value(part, terms, index, batch)
            parts[part.label] = parts.get(part.label, 0) + value
            per_row[position] += value
        for name, rules in convention.extras.items():
            for part in rules.get((facts.op, call), rules.get(facts.op, NOTHING)):
                extras[name] += part_value(part, terms, index, batch)
    params = int(totals["params"][index])
    if convention.params == "with_buffers":
        params += int(totals["buffers"][index])
    if convention.memory_lines:
        input_bytes = int(np.prod(analysis.configs[index].input_shape)) * batch * analysis.element_bytes
        extras["input_size"] = input_bytes + TORCH_STORAGE_OVERHEAD
        extras["params_size"] = ran_params * analysis.element_bytes   # "Params size": modules that ran
        extras["estimated_total_size"] = (extras["input_size"] + extras["forward_backward_pass_size"]
                                          + extras["params_size"])
    parts = {label: _whole(value) for label, value in parts.items()}
    per_row = [_whole(value) for value in per_row]
    ops = sum(parts.values()) if convention.has_ops else None
    return Result(convention, ops, params, parts, extras, int(totals["macs"][index]), per_row, analysis.graph.name)


def apply_all(names, analysis, totals, index: int = 0) -> list[Result]:
    """Several conventions by name; "all" is every one."""
    chosen = list(CONVENTIONS) if list(names) == ["all"] else list(names)
    return [apply(get(name), analysis, totals, index) for name in chosen]
