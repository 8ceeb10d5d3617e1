"""layer_norm, group_norm, instance_norm, layer_scale and the activations gelu (tanh), mish, prelu.

Each type in 1, 2 and 3 spatial dimensions (C×L, C×H×W, C×D×H×W) and on flat vectors where it
applies: shapes, parameters and other-op counts against closed forms written here, the NumPy
forward against the engine (``verify``), and against PyTorch's own modules (values, shapes and
parameter counts) with the same parameters.
"""

from __future__ import annotations

import numpy as np
import pytest

from archcalc import kernels
from archcalc.engine import Config, analyze
from archcalc.errors import ArchcalcError
from archcalc.graph import Graph, Node
from archcalc.layers import lookup
from archcalc.verify import verify

from tests.conftest import spec_from_text

SHAPES = {"flat": (12,), "1d": (12, 9), "2d": (12, 5, 6), "3d": (12, 3, 4, 5)}
FEATURE_MAPS = {k: v for k, v in SHAPES.items() if k != "flat"}


def layer(type_name, **settings):
    """A layer instance with its keys' defaults filled in, as the spec compiler would."""
    cls = lookup(type_name)
    values = {name: key.default for name, key in cls.keys.items() if not key.required}
    values.update(settings)
    return cls(**values)


def graph_of(*layers):
    """A straight chain of layers after the input (for ranks the spec parser may not take yet)."""
    graph = Graph("chain", [Node(0, "input", None, ())])
    for index, item in enumerate(layers, 1):
        graph.nodes.append(Node(index, f"l{index}", item, (index - 1,)))
    return graph


def facts(item, shape, batch=1):
    """(output shape, trainable params, buffers, MACs, other ops) of one layer on ``shape``."""
    row = analyze(graph_of(item), [Config(shape, batch)]).rows[1]
    other = {k: int(v[0]) for k, v in row.other_ops.items()}
    return (tuple(int(d[0]) for d in row.output_shape), int(row.params.trainable[0]),
            int(row.params.buffers[0]), int(row.macs[0]), other)


def size(shape):
    return int(np.prod(shape))


# ---- closed forms ----

@pytest.mark.parametrize("rank", SHAPES)
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_counts(rank, affine):
    shape = SHAPES[rank]
    per_element = 7 if affine else 5          # 5 to normalise, 2 for scale and shift
    assert facts(layer("layer_norm", affine=affine), shape, batch=3) == (
        shape, 2 * 12 if affine else 0, 0, 0, {"normalization": 3 * per_element * size(shape)})


@pytest.mark.parametrize("rank", SHAPES)
def test_group_norm_counts(rank):
    shape = SHAPES[rank]
    assert facts(layer("group_norm", groups=4), shape) == (shape, 24, 0, 0, {"normalization": 7 * size(shape)})
    assert facts(layer("group_norm", groups=3, affine=False), shape)[1:] == (0, 0, 0, {"normalization": 5 * size(shape)})


@pytest.mark.parametrize("rank", FEATURE_MAPS)
def test_instance_norm_counts_and_pytorch_default(rank):
    shape = SHAPES[rank]
    assert facts(layer("instance_norm"), shape) == (shape, 0, 0, 0, {"normalization": 5 * size(shape)})
    assert facts(layer("instance_norm", affine=True), shape)[1] == 24
    assert facts(layer("instance_norm", track_running_stats=True), shape) == (
        shape, 0, 24, 0, {"normalization": 2 * size(shape)})          # BN-like at inference: x·a + b


@pytest.mark.parametrize("rank", SHAPES)
def test_layer_scale_and_prelu_counts(rank):
    shape = SHAPES[rank]
    assert facts(layer("layer_scale"), shape) == (shape, 12, 0, 0, {"elementwise": size(shape)})
    assert facts(layer("prelu"), shape) == (shape, 1, 0, 0, {"elementwise": size(shape)})
    assert facts(layer("prelu", num_parameters="channels"), shape)[1] == 12
    assert facts(layer("prelu", num_parameters=12), shape)[1] == 12
    assert facts(layer("mish"), shape) == (shape, 0, 0, 0, {"elementwise": size(shape)})
    assert facts(layer("gelu", approximate="tanh"), shape) == (shape, 0, 0, 0, {"elementwise": size(shape)})


def test_learned_factors_are_params_not_weights():
    """The lectures' weights count conv and fc weights only: normalisation, γ and slopes are not."""
    for item in (layer("layer_norm"), layer("group_norm", groups=2), layer("instance_norm", affine=True),
                 layer("layer_scale"), layer("prelu", num_parameters="channels")):
        row = analyze(graph_of(item), [Config((4, 3, 3))]).rows[1]
        assert int(row.params.trainable[0]) > 0 and int(row.params.weights[0]) == 0, item


def test_shape_errors():
    with pytest.raises(ArchcalcError) as error:
        facts(layer("group_norm", groups=5), (12, 4, 4))
    assert error.value.code == "E304" and "12 channels are not divisible by groups=5" in error.value.message
    with pytest.raises(ArchcalcError) as error:
        facts(layer("instance_norm"), (12,))
    assert error.value.code == "E305"
    with pytest.raises(ArchcalcError) as error:
        facts(layer("prelu", num_parameters=5), (12, 4, 4))
    assert error.value.code == "E303" and "12 channels" in error.value.message


def test_errors_in_a_spec_are_located():
    spec = spec_from_text("""\
        name: t
        input: 6x4x4
        layers:
          - group_norm: {groups: 4}
        """)
    with pytest.raises(ArchcalcError) as error:
        analyze(spec.graph(), [Config((6, 4, 4))])
    assert (error.value.code, error.value.location.line, error.value.layer) == ("E304", 4, "group_norm1")
    spec = spec_from_text("""\
        name: t
        input: 6x4x4
        layers:
          - gelu: {approximate: sigmoid}
        """)
    with pytest.raises(ArchcalcError) as error:
        spec.graph()
    assert (error.value.code, error.value.location.line, error.value.location.column) == ("E203", 4, 25)


def test_aliases_and_written_forms():
    """PyTorch's and Keras's class names, and the short forms (case and underscores are ignored)."""
    spec = spec_from_text("""\
        name: t
        input: 8x4x4
        layers:
          - LayerNorm: {eps: 1.0e-6}
          - LayerNormalization
          - GroupNorm: {groups: 2}
          - GroupNormalization: {groups: 4}
          - InstanceNorm2d: {affine: true}
          - LayerScale: {init: 0.1}
          - PReLU
          - GELU: {approximate: tanh}
          - Mish
          - Hardswish
          - hard_silu
          - Hardsigmoid
          - SiLU
          - swish
          - ELU
        """)
    assert [n.type_name for n in spec.graph().nodes[1:]] == [
        "layer_norm", "layer_norm", "group_norm", "group_norm", "instance_norm", "layer_scale", "prelu", "gelu",
        "mish", "hard_swish", "hard_swish", "hard_sigmoid", "silu", "silu", "elu"]


@pytest.mark.parametrize("written, shape, ok", [
    ("InstanceNorm1d", "4x9", True), ("InstanceNorm2d", "4x3x3", True), ("instance_norm3d", "4x2x3x3", True),
    ("InstanceNorm1d", "4x3x3", False), ("InstanceNorm2d", "4x2x3x3", False), ("InstanceNorm3d", "4x9", False),
])
def test_instance_norm_rank_aliases_check_the_input(written, shape, ok):
    spec = spec_from_text(f"name: t\ninput: {shape}\nlayers:\n  - {written}\n")
    dims = tuple(int(d) for d in shape.split("x"))
    if ok:
        assert analyze(spec.graph(), [Config(dims)]).rows[1].output_shape[0][0] == 4
        return
    with pytest.raises(ArchcalcError) as error:
        analyze(spec.graph(), [Config(dims)])
    expected = {"1": "C×L", "2": "C×H×W", "3": "C×D×H×W"}[written[-2]]
    assert error.value.code == "E305" and f"expects a {expected}" in error.value.message


# ---- the NumPy forward agrees with the engine, in every rank ----

CHAIN = [("layer_norm", {}), ("group_norm", {"groups": 3}), ("layer_scale", {}), ("prelu", {}),
         ("prelu", {"num_parameters": "channels"}), ("gelu", {"approximate": "tanh"}), ("mish", {}),
         ("instance_norm", {"affine": True}), ("instance_norm", {}),
         ("instance_norm", {"track_running_stats": True})]


@pytest.mark.parametrize("rank", SHAPES)
def test_forward_agrees_with_the_engine(rank):
    chain = [layer(t, **s) for t, s in CHAIN if rank != "flat" or t != "instance_norm"]
    result = verify(graph_of(*chain), Config(SHAPES[rank], 2))
    assert [c.problem() for c in result.mismatches] == []
    assert result.checked == len(chain) and result.output_finite


# ---- PyTorch as the oracle: values, shapes, parameter counts ----

torch = pytest.importorskip("torch", reason="PyTorch is the oracle for these values")
nn = torch.nn


def run(item, shape, batch=2, seed=0):
    """Our forward on a seeded input: (input, params, output)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, *shape), dtype=np.float32) * 3
    params = item.init_params([shape], rng)
    output, macs = item.forward([x], params)
    assert macs == 0
    return x, params, output


def channels_last(module):
    """Apply a module over the channel axis, as ConvNeXt's permute → LayerNorm → permute does."""
    def apply(x):
        moved = x.movedim(1, -1)
        return module(moved).movedim(-1, 1)
    return apply


def compare(ours, module, x, expected_params, apply=None):
    with torch.no_grad():
        expected = (apply or module)(torch.from_numpy(x)).numpy()
    assert ours.shape == expected.shape == x.shape
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-5)
    assert sum(p.numel() for p in module.parameters()) == expected_params


def copy_affine(module, params):
    if "scale" in params:
        module.weight.data.copy_(torch.from_numpy(params["scale"]))
        module.bias.data.copy_(torch.from_numpy(params["shift"]))
    return module


@pytest.mark.parametrize("rank", SHAPES)
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_is_pytorch_layer_norm_over_channels(rank, affine):
    item = layer("layer_norm", eps=1e-6, affine=affine)
    x, params, ours = run(item, SHAPES[rank])
    module = copy_affine(nn.LayerNorm(12, eps=1e-6, elementwise_affine=affine), params)
    compare(ours, module, x, facts(item, SHAPES[rank])[1], apply=channels_last(module))


@pytest.mark.parametrize("rank", SHAPES)
@pytest.mark.parametrize("groups, affine", [(1, True), (4, True), (12, False)])
def test_group_norm_is_pytorch_group_norm(rank, groups, affine):
    item = layer("group_norm", groups=groups, affine=affine)
    x, params, ours = run(item, SHAPES[rank])
    module = copy_affine(nn.GroupNorm(groups, 12, affine=affine), params)
    compare(ours, module, x, facts(item, SHAPES[rank])[1])


@pytest.mark.parametrize("rank", FEATURE_MAPS)
@pytest.mark.parametrize("affine", [True, False])
def test_instance_norm_is_pytorch_instance_norm(rank, affine):
    shape = SHAPES[rank]
    item = layer("instance_norm", affine=affine)
    x, params, ours = run(item, shape)
    module_type = {2: nn.InstanceNorm1d, 3: nn.InstanceNorm2d, 4: nn.InstanceNorm3d}[len(shape)]
    module = copy_affine(module_type(12, affine=affine), params).eval()
    assert module_type(12).affine is False      # the default archcalc follows
    compare(ours, module, x, facts(item, shape)[1])


@pytest.mark.parametrize("rank", FEATURE_MAPS)
@pytest.mark.parametrize("affine", [True, False])
def test_instance_norm_with_running_statistics_is_pytorchs_at_inference(rank, affine):
    shape = SHAPES[rank]
    item = layer("instance_norm", affine=affine, track_running_stats=True)
    x, params, ours = run(item, shape)
    module_type = {2: nn.InstanceNorm1d, 3: nn.InstanceNorm2d, 4: nn.InstanceNorm3d}[len(shape)]
    module = copy_affine(module_type(12, affine=affine, track_running_stats=True), params).eval()
    module.running_mean.copy_(torch.from_numpy(params["running_mean"]))
    module.running_var.copy_(torch.from_numpy(params["running_var"]))
    compare(ours, module, x, facts(item, shape)[1])
    running = {name: b.numel() for name, b in module.named_buffers() if name != "num_batches_tracked"}
    assert facts(item, shape)[2] == sum(running.values()) == 24    # mean and var, 12 each (the batch
    # counter is not counted, as for batch norm: docs/conventions.md)


@pytest.mark.parametrize("rank", SHAPES)
def test_layer_scale_is_convnext_gamma(rank):
    shape = SHAPES[rank]
    item = layer("layer_scale")
    x, params, ours = run(item, shape)

    class LayerScale(nn.Module):           # torchvision's CNBlock: gamma of shape (C, 1, 1) times x
        def __init__(self):
            super().__init__()
            self.gamma = nn.Parameter(torch.from_numpy(params["gamma"]).reshape(12, *([1] * (len(shape) - 1))))

        def forward(self, x):
            return self.gamma * x

    compare(ours, LayerScale(), x, facts(item, shape)[1])


@pytest.mark.parametrize("rank", SHAPES)
@pytest.mark.parametrize("count", [1, "channels"])
def test_prelu_is_pytorch_prelu(rank, count):
    item = layer("prelu", num_parameters=count)
    x, params, ours = run(item, SHAPES[rank])
    module = nn.PReLU(1 if count == 1 else 12)
    module.weight.data.copy_(torch.from_numpy(params["slope"]))
    compare(ours, module, x, facts(item, SHAPES[rank])[1])


@pytest.mark.parametrize("rank", SHAPES)
@pytest.mark.parametrize("type_name, settings, module", [
    ("gelu", {}, nn.GELU()),
    ("gelu", {"approximate": "tanh"}, nn.GELU(approximate="tanh")),
    ("mish", {}, nn.Mish()),
    ("silu", {}, nn.SiLU()),
    ("hard_swish", {}, nn.Hardswish()),
    ("hard_sigmoid", {}, nn.Hardsigmoid()),
    ("elu", {"alpha": 0.7}, nn.ELU(alpha=0.7)),
], ids=["gelu", "gelu-tanh", "mish", "silu", "hardswish", "hardsigmoid", "elu"])
def test_activations_are_pytorch_activations(rank, type_name, settings, module):
    item = layer(type_name, **settings)
    x, _, ours = run(item, SHAPES[rank])
    compare(ours, module, x, 0)


def test_gelu_forms_differ_where_pytorch_says():
    """The tanh form is an approximation: it differs from erf by up to ~5e-4 near |x| ≈ 2."""
    x = np.linspace(-4, 4, 801, dtype=np.float32).reshape(1, -1)
    exact, _ = layer("gelu").forward([x], {})
    approx, _ = layer("gelu", approximate="tanh").forward([x], {})
    gap = np.abs(exact - approx).max()
    assert 1e-4 < gap < 1e-3


# ---- the kernels on numbers worked out by hand ----

def test_layer_norm_kernel_by_hand():
    """Channels 1, 2, 3 at one position: mean 2, variance 2/3, so ∓√(3/2) and 0."""
    x = np.array([1, 2, 3], np.float32).reshape(1, 3, 1)

    y = kernels.layer_norm(x, eps=0.0)
    np.testing.assert_allclose(y.reshape(-1), [-np.sqrt(1.5), 0, np.sqrt(1.5)], rtol=1e-6)
    y = kernels.layer_norm(x, np.array([2, 2, 2], np.float32), np.array([1, 0, -1], np.float32), eps=0.0)
    np.testing.assert_allclose(y.reshape(-1), [1 - 2 * np.sqrt(1.5), 0, 2 * np.sqrt(1.5) - 1], rtol=1e-6)


def test_group_and_instance_norm_kernels_by_hand():
    """Two groups of two channels over two positions: group 0 holds 0, 2, 4, 6 (mean 3, var 5)."""

    x = np.array([[[0, 2], [4, 6], [1, 1], [1, 1]]], np.float32)
    y = kernels.group_norm(x, 2, eps=1e-12)
    np.testing.assert_allclose(y[0, :2].reshape(-1), (np.array([0, 2, 4, 6]) - 3) / np.sqrt(5), rtol=1e-6)
    assert np.all(y[0, 2:] == 0)                      # a constant group normalises to 0 (eps > 0)
    y = kernels.instance_norm(x, eps=1e-12)
    np.testing.assert_allclose(y[0, 0], [-1, 1], rtol=1e-6)
    with pytest.raises(ValueError, match="groups=3"):
        kernels.group_norm(x, 3)


def test_prelu_gelu_tanh_and_layer_scale_kernels_by_hand():

    x = np.array([[[-2.0, 3.0], [-4.0, 5.0]]], np.float32)
    np.testing.assert_array_equal(kernels.prelu(x, np.array([0.5], np.float32)), [[[-1, 3], [-2, 5]]])
    np.testing.assert_array_equal(kernels.prelu(x, np.array([0.5, 0.25], np.float32)), [[[-1, 3], [-1, 5]]])
    np.testing.assert_array_equal(kernels.layer_scale(x, np.array([2, -1], np.float32)), [[[-4, 6], [4, -5]]])
    v = 1.5
    tanh_form = 0.5 * v * (1 + np.tanh(np.sqrt(2 / np.pi) * (v + 0.044715 * v ** 3)))
    np.testing.assert_allclose(kernels.gelu(np.float32([v]), "tanh"), [tanh_form], rtol=1e-6)


NEW_TYPES = ("layer_norm", "group_norm", "instance_norm", "layer_scale", "prelu", "gelu", "mish")


@pytest.mark.parametrize("type_name", NEW_TYPES)
def test_documented_examples_run(type_name):
    """Every ``Example:`` in the type's docs is a layer entry that compiles and runs as written."""
    import re

    doc = lookup(type_name).__doc__
    examples = re.findall(r"``([^`]+)``", doc[doc.index("Example:"):])
    assert examples
    for example in examples:
        spec = spec_from_text(f"name: t\ninput: 64x4x4\nlayers:\n  - {example}\n")
        result = verify(spec.graph(), Config((64, 4, 4), 1))
        assert result.ok, example


@pytest.mark.parametrize("shape", ["12", "12x9", "12x5x6", "12x3x4x5"])
def test_a_spec_of_every_rank_verifies(shape):
    """Written as a user would, at every input rank: the engine and the forward pass agree."""
    maps = "" if "x" not in shape else "\n  - InstanceNorm: {affine: true, track_running_stats: true}\n  - instance_norm"
    spec = spec_from_text(f"""\
name: t
input: {shape}
layers:
  - layer_norm: {{eps: 1.0e-6}}
  - group_norm: {{groups: 3}}
  - layer_scale
  - prelu: {{num_parameters: channels}}
  - gelu: {{approximate: tanh}}
  - mish{maps}
""")
    result = verify(spec.graph(), Config(tuple(int(d) for d in shape.split("x")), 2))
    assert [c.problem() for c in result.mismatches] == [] and result.ok
