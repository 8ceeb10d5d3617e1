"""Training memory: each layer's backward rule in closed form, the optimizer and precision rules,
and the closed-form batch fit. PyTorch measurements are in tests/test_training_memory_torch.py."""

from __future__ import annotations

import numpy as np
import pytest

from archcalc.engine import Config, analyze
from archcalc.errors import ArchcalcError
from archcalc.layers.base import Layer
from archcalc.training import training_memory
from archcalc.zoo import catalog
from tests.conftest import spec_from_text

F32 = 4


def memory(text, batch=1, inputs=None, **options):
    spec = spec_from_text(text)
    shapes = inputs or [spec.input_shape()]
    analysis = analyze(spec.graph(), [Config(s, batch) for s in shapes])
    return training_memory(analysis, **options)


def saved(text, batch=1, **options) -> int:
    return int(memory(text, batch, **options).saved_activations[0])


def per_layer(result) -> dict:
    return {layer.name: int(layer.saved[0]) for layer in result.per_layer}


CLASSIFIER = """\
name: classifier
input: 3x8x8
layers:
  - conv: {name: conv, out: 4, kernel: 3, padding: 1}
  - bn: {name: bn}
  - relu: {name: relu}
  - maxpool: {name: pool, kernel: 2}
  - flatten: {name: flat}
  - fc: {name: fc1, out: 10}
  - dropout: {name: drop, p: 0.5}
  - fc: {name: fc2, out: 5}
  - softmax: {name: prob}
"""


@pytest.mark.parametrize("batch", [1, 3])
def test_classifier_saved_activations_closed_form(batch):
    # conv keeps the batch (3·8·8); bn its input (4·8·8) and 2·4 fp32 statistics for the whole
    # batch; relu in place keeps the storage it overwrote (4·8·8), which max pooling keeps too,
    # plus its int64 indices (4·4·4 elements × 8 bytes); fc1 keeps the pooled map through the
    # flatten view (64); dropout a float mask (10); fc2 dropout's new output (10); softmax its output (5).
    per_sample = F32 * (3 * 64 + 4 * 64 + 4 * 64 + 64) + 8 * 64 + F32 * (10 + 10 + 5)
    assert saved(CLASSIFIER, batch) == batch * per_sample + F32 * 2 * 4
    layers = per_layer(memory(CLASSIFIER, batch))
    assert layers["relu"] == batch * F32 * 4 * 64
    assert layers["pool"] == batch * 8 * 64        # its input is relu's storage, already counted
    assert layers["flat"] == 0 and layers["drop"] == batch * F32 * 10


def conv_act_conv(activation: str) -> str:
    return f"""\
name: act
input: 2x6x6
layers:
  - conv: {{name: c1, out: 3, kernel: 1}}
  - {activation}: {{name: act}}
  - conv: {{name: c2, out: 3, kernel: 1}}
"""


MAP = F32 * 3 * 36   # one 3×6×6 map
BATCH_IN = F32 * 2 * 36


@pytest.mark.parametrize("activation, maps", [
    ("relu", 1),          # in place, keeps its result: the storage c2 keeps too
    ("sigmoid", 1), ("tanh", 1), ("leaky_relu", 1), ("elu", 1),
    ("relu6", 2),         # hardtanh_ keeps a copy of its input: copy + overwritten storage
    ("hard_sigmoid", 2), ("silu", 2), ("hard_swish", 2),
    ("gelu", 2),          # no in-place kernel: its input and its new output
])
def test_activation_rules(activation, maps):
    assert saved(conv_act_conv(activation)) == BATCH_IN + maps * MAP


def test_softmax_keeps_its_output():
    text = "name: s\ninput: [7]\nlayers:\n  - fc: {out: 4}\n  - softmax\n"
    assert saved(text) == F32 * (7 + 4)


def test_an_activation_whose_input_another_layer_reads_runs_out_of_place():
    # c1's output is read by relu and by the add: relu cannot overwrite it, so it keeps a new output.
    text = """\
name: fork
input: 2x4x4
layers:
  - conv: {name: c1, out: 2, kernel: 1}
  - leaky_relu: {name: act}
  - conv: {name: c2, out: 2, kernel: 1}
  - add: {from: [c2, c1]}
"""
    result = memory(text)
    assert not next(layer for layer in result.per_layer if layer.name == "act").in_place
    # input, leaky's input (c1's output), leaky's new output (kept by c2)
    assert int(result.saved_activations[0]) == F32 * (2 * 16) * 3


def test_lrn_rule():
    text = "name: n\ninput: 4x3x3\nlayers:\n  - conv: {out: 4, kernel: 1}\n  - lrn: {size: 5}\n"
    # conv: the batch; lrn: its input, squares padded by size − 1 channels, the power's base and result
    assert saved(text) == F32 * (4 * 9 + 4 * 9 + (4 + 4) * 9 + 2 * 4 * 9)


def test_squeeze_excitation_multiply_keeps_both_operands():
    text = """\
name: se
input: 4x5x5
layers:
  - conv: {name: c, out: 4, kernel: 1}
  - global_avgpool: {name: squeeze}
  - conv: {name: fc1, out: 2, kernel: 1}
  - relu
  - conv: {name: fc2, out: 4, kernel: 1}
  - sigmoid: {name: gate}
  - mul: {name: scale, from: [c, gate]}
"""
    # batch; gap keeps nothing; fc1 keeps the 4×1×1 mean; relu its 2×1×1 result (kept by fc2);
    # sigmoid in place on fc2's output, kept by it and by mul; mul also keeps c's 4×5×5 output.
    assert saved(text) == F32 * (4 * 25 + 4 + 2 + 4 + 4 * 25)


def test_pools():
    text = """\
name: pools
input: 2x8x8
layers:
  - conv: {name: c, out: 2, kernel: 1}
  - avgpool: {name: avg, kernel: 2}
  - adaptive_avgpool: {name: adaptive, size: 2}
  - global_maxpool: {name: gmax}
"""
    # batch; avg keeps c's output; adaptive keeps avg's output; global max its input + 2 int64 indices
    assert saved(text) == F32 * (2 * 64 + 2 * 64 + 2 * 16 + 2 * 4) + 8 * 2


def test_lopsided_padding_keeps_the_padded_copy():
    # 'same' with stride 2 on 8: total padding 1, after only — a separate pad op; conv keeps the padded copy.
    text = "name: p\ninput: 2x8x8\nlayers:\n  - conv: {out: 2, kernel: 2, stride: 2, padding: same}\n"
    assert saved(text) == F32 * 2 * 8 * 8
    text = "name: p\ninput: 2x8x8\nlayers:\n  - conv: {out: 2, kernel: 3, stride: 2, padding: same}\n"
    assert saved(text) == F32 * 2 * 9 * 9


def test_parameter_free_layers_on_the_input_keep_nothing():
    # No input needs a gradient and there are no parameters: no backward node.
    text = "name: p\ninput: 2x8x8\nlayers:\n  - maxpool: {kernel: 2}\n  - conv: {out: 2, kernel: 1}\n"
    assert saved(text) == F32 * 2 * 16


def test_stochastic_depth_keeps_a_per_sample_noise():
    text = """\
name: sd
input: 2x4x4
layers:
  - conv: {name: c, out: 2, kernel: 1}
  - stochastic_depth: {name: drop, p: 0.2}
  - add: {from: [drop, c]}
"""
    assert saved(text, batch=3) == 3 * F32 * (2 * 16 + 1)


def test_unknown_layer_type_is_an_error_not_zero():
    class Mystery(Layer):
        type_name = "mystery"

    with pytest.raises(ArchcalcError) as caught:
        Mystery().saved_for_backward([], ())
    assert caught.value.code == "E210"


@pytest.mark.parametrize("optimizer, buffers", [("sgd", 0), ("momentum", 1), ("adam", 2), ("adamw", 2)])
def test_optimizer_state_and_gradients(optimizer, buffers):
    result = memory(CLASSIFIER, optimizer=optimizer)
    params = (4 * 27 + 4) + 2 * 4 + (64 * 10 + 10) + (10 * 5 + 5)
    assert int(result.gradients[0]) == F32 * params
    assert int(result.optimizer_state[0]) == buffers * F32 * params
    assert int(result.weights[0]) == F32 * (params + 2 * 4)      # + batch norm's running statistics


def test_mixed_precision_halves_activations_and_copies_weights():
    text = conv_act_conv("relu")
    result = memory(text, precision="amp-fp16")
    # c1 keeps a half copy of the fp32 batch and of its parameters (3·2 + 3), relu's map is half,
    # c2 keeps a half copy of its parameters (3·3 + 3).
    assert int(result.saved_activations[0]) == 2 * (2 * 36) + 2 * (3 * 2 + 3) + 2 * 3 * 36 + 2 * (3 * 3 + 3)


def test_peak_is_affine_per_step_and_max_batch_is_exact():
    spec = catalog()["resnet18"]
    shape = (3, 64, 64)
    one = training_memory(analyze(spec.graph(), [Config(shape, 1)]), optimizer="adam")
    budget = 512 * 2**20
    best = int(one.max_batch(budget)[0])
    assert best > 1
    check = training_memory(analyze(spec.graph(), [Config(shape, best), Config(shape, best + 1)]), optimizer="adam")
    assert int(check.total[0]) <= budget < int(check.total[1])


def test_batches_and_sizes_in_one_walk_agree_with_separate_walks():
    spec = catalog()["mobilenet_v2"]
    configs = [Config((3, s, s), b) for s in (96, 128, 160) for b in (1, 5)]
    together = training_memory(analyze(spec.graph(), configs))
    for index, config in enumerate(configs):
        alone = training_memory(analyze(spec.graph(), [config]))
        assert int(together.saved_activations[index]) == int(alone.saved_activations[0])
        assert int(together.training_peak[index]) == int(alone.training_peak[0])


@pytest.mark.parametrize("name", list(catalog()))
def test_every_shipped_spec_has_training_memory(name):
    spec = catalog()[name]
    result = training_memory(analyze(spec.graph(), [Config(spec.input_shape(), 2)]))
    saved_total = int(result.saved_activations[0])
    # Everything saved is alive when backward starts; the peak leaves out the input batch, which is
    # among the saved tensors when the first layer keeps it.
    assert 0 < saved_total <= int(result.training_peak[0]) + int(result.input_bytes[0])
    assert sum(int(layer.saved[0]) for layer in result.per_layer) == saved_total   # each storage once
    assert np.all(result.max_batch(80 * 2**30) >= 0)


SAMPLE_NORMS = """\
name: sample_norms
input: 4x3x3
layers:
  - conv: {name: c1, out: 4, kernel: 1}
  - layer_norm: {name: ln}
  - group_norm: {name: gn, groups: 2}
  - instance_norm: {name: inorm, affine: true}
  - layer_scale: {name: scale}
  - mish: {name: act}
  - prelu: {name: slope}
  - conv: {name: c2, out: 4, kernel: 1}
"""


def test_sample_norm_rules():
    layers = per_layer(memory(SAMPLE_NORMS, batch=2))
    map_bytes = 2 * F32 * 4 * 9
    assert layers["ln"] == map_bytes + 2 * F32 * 2 * 9           # input + mean, inverse std per position
    assert layers["gn"] == map_bytes + 2 * F32 * 2 * 2           # … per group
    assert layers["inorm"] == map_bytes + 2 * F32 * 3 * 4        # … per channel, + the repeated scale
    assert layers["scale"] == map_bytes                          # γ·x keeps x
    assert layers["act"] == map_bytes                            # mish in place: a copy of its input
    assert layers["slope"] == map_bytes                          # prelu, out of place: its input (mish's storage)
    assert layers["c2"] == map_bytes                             # prelu's new output


TENSOR_OPS = """\
name: tensor_ops
input: 4x3x3
layers:
  - conv: {name: c1, out: 4, kernel: 1}
  - permute: {name: last, dims: [1, 2, 0]}
  - layer_norm_last_axis: {name: ln}
  - fc_last_axis: {name: fc, out: 6}
  - elementwise: {name: erf, op: erf}
  - elementwise: {name: scale, op: mul, constant: [6]}
  - elementwise: {name: square, op: pow, constant: []}
  - elementwise: {name: root, op: sqrt}
  - elementwise: {name: ratio, op: div, from: [root, erf]}
  - permute: {name: first, dims: [2, 0, 1]}
  - reduce: {name: peak, op: max, axes: [0]}
  - reduce: {name: average, op: mean, axes: [1, 2], from: first}
  - reshape: {name: flat, shape: [6], from: average}
  - fc: {out: 2}
"""


def test_tensor_layer_rules():
    # Elements kept per sample: c1 the batch (36); ln its input, the permuted copy (36), and 2 fp32
    # statistics per position (18); fc its input (36); erf its input (54); mul by a parameter nothing;
    # pow its base (54); sqrt its result (54); div both operands: sqrt's result (already kept) and
    # erf's output (54); max over channels its input (54) and result (9); mean, permute and reshape
    # nothing; the classifier its 6 features.
    assert saved(TENSOR_OPS, batch=3) == 3 * F32 * (36 + 36 + 18 + 36 + 54 + 54 + 54 + 54 + 54 + 9 + 6)
