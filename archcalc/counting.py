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
against the tools themselves by tests/test_counting_oracle.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import ArchcalcError

#: How a reference implementation invokes a layer. The default depends on the op (:data:`DEFAULT_CALL`).
CALLS = ("module", "functional", "method", "operator")

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


#: Shipped specs on which tests/test_counting_oracle.py runs every tool and matches every figure exactly.
#: Other specs apply the same rules; a layer whose reference call is not recorded in its spec (``call:``)
#: is the one way a figure can differ from the tool's.
VERIFIED_ON = ("resnet50", "vgg16_bn", "mobilenet_v2", "googlenet_torchvision", "densenet121", "shufflenet_v2_x1_0")


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
    per: str = "batch"   # "batch": over the whole batch; "image": one image whatever the batch


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
                "adaptive_max_pool", "add", "mul", "mean", *ACTIVATIONS), NOTHING),
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
        ("batch_norm", "module"): _part("batch norm parameters", params=1),
        **{(op, "module"): _part(f"{op} parameters", params=1) for op in (*SAMPLE_NORMS, "prelu")},
        **_all(("layer_scale", *SAMPLE_NORMS, "local_response_norm", "softmax", "max_pool", "avg_pool", "adaptive_avg_pool", "adaptive_max_pool",
                "add", "mul", "mean", *ACTIVATIONS), NOTHING),
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
               for op in (*SAMPLE_NORMS, "prelu")},
        },
    },
    memory_lines=True,
)

FVCORE = Convention(
    name="fvcore",
    tool=TOOL_VERSIONS["fvcore"],
    counts="FlopCountAnalysis.total() ('flop' = one MAC): conv and linear MACs without bias, batch norm "
           "(eval) 2 × elements (1 × without affine), adaptive_avg_pool2d 1 × input elements",
    skips="bias adds, max/avg pooling, activations, add, mul, mean, softmax (unsupported-op warnings)",
    rules=_free({
        "conv": _part("conv MACs", macs=1),
        "conv_transpose": _part("transposed conv MACs", macs=1),
        "linear": _part("fc MACs", macs=1),
        "batch_norm": _part("batch norm", input_elements=1, affine_elements=1),
        **{op: _part(op.replace("_", " "), input_elements=4, affine_elements=1) for op in SAMPLE_NORMS},
        ("adaptive_avg_pool", "module"): _part("adaptive_avg_pool2d inputs", input_elements=1),
        ("adaptive_avg_pool", "functional"): _part("adaptive_avg_pool2d inputs", input_elements=1),
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
                "adaptive_max_pool", "add", "mul", "mean", *ACTIVATIONS), NOTHING),
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
    counts="module hooks per image: conv/fc MACs + bias, batch norm elements (×2 affine), ReLU-family outputs, "
           "pool inputs; patched functionals per batch: F.relu/elu/gelu/silu/softmax and F.*pool* inputs",
    skips="sigmoid, tanh, hardswish, hardsigmoid, leaky_relu, the + and * operators, x.mean(); nn.ReLU and pool "
          "modules count twice (hook + the functional they call)",
    rules=_free({
        ("conv", "module"): _part("conv MACs", "image", macs=1) + _part("conv bias", "image", bias_adds=1),
        ("conv_transpose", "module"): _part("transposed conv MACs", "image", macs=1)
        + _part("transposed conv bias", "image", bias_adds=1),
        ("linear", "module"): _part("fc MACs", "image", macs=1) + _part("fc bias", "image", bias_adds=1),
        ("batch_norm", "module"): _part("batch norm", "image", input_elements=1, affine_elements=1),
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
    }),
    figure="MACs",
)

THOP = Convention(
    name="thop",
    tool=TOOL_VERSIONS["thop"],
    counts="conv and linear MACs without bias; batch norm 2 × elements, doubled when affine; AvgPool modules "
           "one add per averaged input + one divide per output; AdaptiveAvgPool modules likewise",
    skips="bias adds, ReLU-family, MaxPool, Dropout, joins, every functional call and method (x.mean)",
    rules=_free({
        ("conv", "module"): _part("conv MACs", macs=1),
        ("conv_transpose", "module"): _part("transposed conv MACs", macs=1),
        ("linear", "module"): _part("fc MACs", macs=1),
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
    ops: int | None
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
             "output_elements": elements(row.output_shape),
             "params": row.params.trainable,
             "output_bytes": output_bytes,
             # torchinfo keeps only the outputs of modules that hold parameters
             "parameterised_output_bytes": output_bytes if np.any(row.params.trainable) else 0}
    terms.update(facts.terms)
    return facts, terms


def call_of(node, op: str) -> str:
    return node.call or DEFAULT_CALL.get(op, "module")


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
    return total if part.per == "image" else total * batch


def apply(convention: Convention, analysis, totals: dict, index: int = 0) -> Result:
    """The convention's figure for configuration ``index`` of ``analysis``, with its parts.

    Layers that do not run (train-only branches in eval mode) are left out of the operations and of
    torchinfo's "Params size", which only sees modules that ran.
    """
    batch = int(analysis.configs[index].batch)
    parts: dict = {}
    extras: dict = {name: 0 for name in convention.extras}
    ran_params = 0
    per_row = [0] * len(analysis.rows)
    for position, row in enumerate(analysis.rows[1:], start=1):
        if row.node.train_only and analysis.mode == "eval":
            continue
        ran_params += int(row.params.trainable[index])
        if not convention.has_ops:
            continue
        facts, terms = row_terms(row, analysis.element_bytes)
        call = call_of(row.node, facts.op)
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
    ops = sum(parts.values()) if convention.has_ops else None
    return Result(convention, ops, params, parts, extras, int(totals["macs"][index]), per_row, analysis.graph.name)


def apply_all(names, analysis, totals, index: int = 0) -> list[Result]:
    """Several conventions by name; "all" is every one."""
    chosen = list(CONVENTIONS) if list(names) == ["all"] else list(names)
    return [apply(get(name), analysis, totals, index) for name in chosen]
