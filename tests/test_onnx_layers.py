"""The tensor layer types (permute, reshape, fc_last_axis, elementwise, opaque): closed forms
written here, and their forward passes against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from archcalc.engine import Config, analyze
from archcalc.errors import ArchcalcError
from archcalc.totals import totals
from tests.conftest import spec_from_text


def run(layers: str, shape: str, batch: int = 1):
    body = "\n".join("  " + line for line in layers.strip().splitlines())
    spec = spec_from_text(f"name: t\ninput: {shape}\nlayers:\n{body}\n")
    dims = tuple(int(d) for d in shape.split("x"))
    analysis = analyze(spec.graph(), [Config(dims, batch)])
    return analysis, totals(analysis)


def out(analysis, name=None):
    row = analysis.rows[-1] if name is None else next(r for r in analysis.rows if r.name == name)
    return tuple(int(d[0]) for d in row.output_shape)


def test_permute_reorders_axes_and_costs_nothing():
    analysis, sums = run("- permute: {dims: [1, 2, 0]}", "6x4x5")
    assert out(analysis) == (4, 5, 6)
    assert (int(sums["params"][0]), int(sums["macs"][0])) == (0, 0)
    assert int(analysis.rows[-1].activations[0]) == 6 * 4 * 5   # a new tensor, as ONNX's Transpose


def test_permute_rejects_a_non_permutation():
    with pytest.raises(ArchcalcError, match="not an ordering"):
        run("- permute: {dims: [0, 0, 1]}", "6x4x5")


def test_reshape_infers_minus_one_and_is_a_view():
    analysis, _ = run("- reshape: {shape: [2, 3, -1]}", "6x4x5")
    assert out(analysis) == (2, 3, 20)
    assert int(analysis.rows[-1].activations[0]) == 0


def test_reshape_refuses_a_different_element_count():
    with pytest.raises(ArchcalcError, match="120 elements"):
        run("- reshape: {shape: [7, 17]}", "6x4x5")


def test_fc_last_axis_counts_like_nn_linear_at_every_position():
    # channels-last 4×5×6 → Linear(6, 10): weights 6·10 + 10 biases; MACs 4·5·6·10 per sample
    analysis, sums = run("- permute: {dims: [1, 2, 0]}\n- fc_last_axis: {out: 10}", "6x4x5", batch=3)
    assert out(analysis) == (4, 5, 10)
    assert int(sums["params"][0]) == 6 * 10 + 10
    assert int(sums["weights"][0]) == 6 * 10
    assert int(sums["macs"][0]) == 3 * 4 * 5 * 6 * 10


def test_fc_on_a_feature_map_stays_an_error():
    with pytest.raises(ArchcalcError, match="flat vector"):
        run("- fc: {out: 10}", "6x4x5")


def test_elementwise_constant_counts_as_parameters_unless_scalar():
    analysis, sums = run("- elementwise: {op: mul, constant: [6, 1, 1]}\n- elementwise: {op: add, constant: []}\n"
                         "- elementwise: {op: sqrt}", "6x4x5", batch=2)
    assert out(analysis) == (6, 4, 5)
    assert int(sums["params"][0]) == 6          # the per-channel scale; the scalar is a constant
    assert int(sums["macs"][0]) == 0
    assert int(sums["elementwise"][0]) == 3 * 2 * 6 * 4 * 5


def test_elementwise_broadcasts_two_inputs_from_the_right():
    analysis, sums = run("- global_avgpool: {name: mean}\n- elementwise: {op: sub, from: [input, mean]}", "6x4x5")
    assert out(analysis) == (6, 4, 5)
    assert int(sums["elementwise"][0]) == 6 * 4 * 5


def test_elementwise_arity_is_checked():
    with pytest.raises(ArchcalcError, match="second input or a constant"):
        run("- elementwise: {op: mul}", "6x4x5")
    with pytest.raises(ArchcalcError, match="no second operand"):
        run("- elementwise: {op: erf, constant: [6, 1, 1]}", "6x4x5")
    with pytest.raises(ArchcalcError, match="do not broadcast"):
        run("- elementwise: {op: mul, constant: [5, 1, 1]}", "6x4x5")


def test_opaque_has_the_given_shape_and_no_counts():
    analysis, sums = run("- opaque: {op: NonMaxSuppression, shape: [100, 4]}", "6x4x5")
    assert out(analysis) == (100, 4)
    assert (int(sums["params"][0]), int(sums["macs"][0])) == (0, 0)


def test_forwards_match_numpy():
    from archcalc.layers.tensor import Elementwise, LastAxisLinear, Permute, Reshape

    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 6, 4, 5), dtype=np.float32)
    y, _ = Permute(dims=(1, 2, 0)).forward([x], {})
    np.testing.assert_array_equal(y, x.transpose(0, 2, 3, 1))
    y, _ = Reshape(shape=(2, 3, -1)).forward([x], {})
    np.testing.assert_array_equal(y, x.reshape(2, 2, 3, 20))
    linear = LastAxisLinear(out=3, bias=True)
    params = linear.init_params([(4, 5, 6)], rng)
    channels_last = x.transpose(0, 2, 3, 1)
    y, macs = linear.forward([channels_last], params)
    np.testing.assert_allclose(y, channels_last @ params["weight"].T + params["bias"], rtol=1e-5, atol=1e-6)
    assert macs == 2 * 4 * 5 * 6 * 3
    scale = Elementwise(op="mul", constant=(6, 1, 1))
    params = scale.init_params([(6, 4, 5)], rng)
    y, macs = scale.forward([x], params)
    np.testing.assert_allclose(y, x * params["constant"])
    assert macs == 0
    y, _ = Elementwise(op="erf", constant=None).forward([np.array([[0.0, 0.5, -1.0]], np.float32)], {})
    np.testing.assert_allclose(y, [[0.0, 0.5204999, -0.8427008]], atol=1e-6)


def test_layer_norm_last_axis_counts_the_last_axis_and_matches_numpy():
    from archcalc.layers.tensor import LastAxisLayerNorm

    analysis, sums = run("- permute: {dims: [1, 2, 0]}\n- layer_norm_last_axis: {eps: 1.0e-6}", "6x4x5")
    assert out(analysis) == (4, 5, 6)
    assert int(sums["params"][0]) == 2 * 6
    layer = LastAxisLayerNorm(eps=1e-6, affine=True)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 5, 6), dtype=np.float32)
    params = layer.init_params([(4, 5, 6)], rng)
    y, _ = layer.forward([x], params)
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-6) * params["scale"] + params["shift"]
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)


def test_reduce_keeps_or_drops_axes_and_reads_every_element():
    analysis, sums = run("- reduce: {op: mean, axes: [0]}", "6x4x5", batch=2)
    assert out(analysis) == (1, 4, 5)
    assert int(sums["window_reads"][0]) == 2 * 6 * 4 * 5
    analysis, _ = run("- reduce: {op: sum, axes: [1, 2], keepdims: false}", "6x4x5")
    assert out(analysis) == (6,)
    with pytest.raises(ArchcalcError, match="not distinct axes"):
        run("- reduce: {op: max, axes: [3]}", "6x4x5")


@pytest.mark.parametrize("type_name", ["permute", "reshape", "fc_last_axis", "layer_norm_last_axis", "elementwise",
                                       "reduce", "opaque"])
def test_documented_examples_run(type_name):
    """Every ``Example:`` in the type's docs is a layer entry that compiles and runs as written."""
    import re

    from archcalc.layers import lookup
    from archcalc.verify import verify

    doc = lookup(type_name).__doc__
    examples = re.findall(r"``([^`]+)``", doc[doc.index("Example:"):])
    assert examples
    for example in examples:
        spec = spec_from_text(f"name: t\ninput: 64x4x4\nlayers:\n  - {example}\n")
        result = verify(spec.graph(), Config((64, 4, 4), 1))
        assert result.ok, example
