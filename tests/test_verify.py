"""archcalc verify: the engine's shapes, MACs and parameter counts against a real NumPy forward pass.

Every layer type runs through small inline specs (the coverage test fails when a new type has
no case here), and every shipped spec runs at a small input. Numbers pinned by hand come from
closed forms written in the tests.
"""

from __future__ import annotations

import numpy as np
import pytest

from archcalc.engine import Config, analyze
from archcalc.errors import ArchcalcError
from archcalc.graph import Graph, Node
from archcalc.layers import REGISTRY
from archcalc.layers.base import Layer
from archcalc.layers.runtime import ceil_extra, scratch_bytes
from archcalc.verify import held_bytes, verify
from archcalc.zoo import catalog

from tests.conftest import spec_from_text

# (id, spec text, input shape, batch): each case is tiny; together they cover every layer type
# and the options that change shapes or work (padding forms, rounding, groups, dilation).
LAYER_CASES = [
    ("conv", "- conv: {out: 8, kernel: 3, padding: 1}", (3, 10, 10), 2),
    ("conv-no-bias-default-out", "- conv: {kernel: [3, 1], bias: false}", (4, 7, 6), 1),
    ("conv-floor", "- conv: {out: 4, kernel: 3, stride: 2, rounding: floor}", (3, 10, 10), 1),
    ("conv-ceil", "- conv: {out: 4, kernel: 3, stride: 2, rounding: ceil}", (3, 10, 10), 1),
    ("conv-ceil-drop", "- conv: {out: 4, kernel: 2, stride: 3, padding: 1, rounding: ceil}", (3, 9, 9), 1),
    ("conv-same-stride2", "- conv: {out: 6, kernel: 3, stride: 2, padding: same}", (3, 9, 8), 1),
    ("conv-valid", "- conv: {out: 6, kernel: 3, padding: valid}", (3, 9, 8), 1),
    ("conv-groups-dilation", "- conv: {out: 8, kernel: 3, groups: 2, dilation: 2, padding: [1, 2, 0, 3]}",
     (4, 11, 12), 2),
    ("conv-depthwise", "- conv: {kernel: 3, groups: depthwise, padding: 1, stride: 2, rounding: floor}",
     (6, 8, 8), 1),
    ("conv-1x1", "- conv: {out: 5, kernel: 1}", (3, 4, 4), 3),
    ("fc", "- flatten\n- fc: {out: 7}\n- fc: {out: 3, bias: false}", (2, 3, 3), 2),
    ("maxpool", "- maxpool: {kernel: 2}", (3, 8, 8), 1),
    ("maxpool-ceil-pad", "- maxpool: {kernel: 3, stride: 2, padding: 1, rounding: ceil}", (3, 10, 10), 1),
    ("maxpool-floor-dilation", "- maxpool: {kernel: 2, stride: 2, dilation: 2, rounding: floor}", (2, 9, 9), 1),
    ("maxpool-same", "- maxpool: {kernel: 3, stride: 2, padding: same}", (2, 7, 8), 1),
    ("avgpool", "- avgpool: {kernel: 3, stride: 1, padding: 1}", (3, 6, 6), 2),
    ("avgpool-exclude-pad-ceil",
     "- avgpool: {kernel: 2, stride: 2, padding: 1, count_include_pad: false, rounding: ceil}", (3, 6, 7), 1),
    ("global-pools", "- concat:\n    - [global_avgpool]\n    - [global_maxpool]", (5, 6, 7), 2),
    ("adaptive-avgpool", "- adaptive_avgpool: {size: [3, 4]}", (2, 10, 7), 2),
    ("adaptive-avgpool-identity", "- adaptive_avgpool: {size: 6}", (2, 6, 6), 1),
    ("bn", "- bn\n- bn: {affine: false, eps: 0.001}\n- bn: {scale: false}", (4, 5, 5), 2),
    ("bn-lrn-flat", "- flatten\n- bn\n- lrn: {size: 3}", (2, 2, 2), 2),
    ("lrn", "- lrn\n- norm: {size: 4, alpha: 0.001, beta: 0.5, k: 1}", (7, 3, 3), 1),
    ("activations", "\n".join(f"- {t}" for t in (
        "relu", "relu6", "leaky_relu: {slope: 0.2}", "elu: {alpha: 0.5}", "sigmoid", "hard_sigmoid",
        "tanh", "silu", "hard_swish", "gelu")), (3, 4, 4), 2),
    ("softmax", "- flatten\n- fc: {out: 6}\n- softmax", (2, 3, 3), 2),
    ("sample-norms-layer-scale", "- layer_norm\n- group_norm: {groups: 2}\n- instance_norm: {affine: true}\n"
     "- layer_scale\n- flatten\n- layer_norm: {affine: false}\n- layer_scale", (4, 3, 3), 2),
    ("gelu-tanh-mish-prelu", "- gelu: {approximate: tanh}\n- mish\n- prelu\n- prelu: {num_parameters: 3}",
     (3, 4, 4), 2),
    ("views", "- dropout: {p: 0.2}\n- identity\n- flatten\n- dropout", (3, 2, 2), 1),
    ("zeropad", "- zeropad: {padding: [1, 2, 0, 3]}\n- zeropad: {padding: 1}", (2, 3, 3), 1),
    ("channel-shuffle", "- channel_shuffle: {groups: 3}", (6, 2, 2), 1),
    ("slice", "- slice: {channels: [1, 4]}\n- slice: {height: [1, null], width: [0, -1]}", (5, 4, 4), 2),
    ("slice-flat", "- flatten\n- slice: {channels: [-3, null]}", (2, 2, 2), 1),
    ("channel-pad-stochastic-depth", """\
- add:
    - [conv: {out: 6, kernel: 1}, stochastic_depth: {p: 0.2}]
    - [channel_pad: {padding: [1, 2]}]""", (3, 4, 4), 2),
    ("concat-add", """\
- concat:
    - [conv: {out: 3, kernel: 1}]
    - [conv: {out: 5, kernel: 3, padding: 1}]
    - []
- add:
    - [conv: {out: 10, kernel: 3, padding: 1}]
    - []
    - [relu]""", (2, 5, 5), 2),
    ("mean", """\
- mean:
    - [conv: {out: 3, kernel: 3, padding: 1}]
    - []
    - [conv: {out: 3, kernel: 1}, relu]""", (3, 4, 4), 2),
    ("tensor-layers", """\
- permute: {dims: [1, 2, 0]}
- fc_last_axis: {out: 5}
- elementwise: {op: mul, constant: [5]}
- layer_norm_last_axis
- reduce: {op: mean, axes: [2]}
- elementwise: {op: sub, from: [layer_norm_last_axis1, reduce1]}
- reduce: {op: max, axes: [0], keepdims: false}
- reshape: {shape: [4, 5, 1]}
- elementwise: {op: erf}
- permute: {dims: [2, 0, 1]}
- reshape: {shape: [5, -1]}
- elementwise: {op: max, from: [reshape1, reshape1]}
- opaque: {op: Custom, shape: [3, 2]}""", (3, 4, 4), 2),
    # one and three spatial dimensions: C×L and C×D×H×W
    ("conv1d", "- conv1d: {out: 6, kernel: 5, stride: 2, padding: [1, 2], rounding: floor}", (3, 31), 2),
    ("conv3d", "- conv3d: {out: 4, kernel: [3, 1, 3], stride: [1, 2, 2], padding: [1, 0, 1], groups: 2, "
               "rounding: floor}",
     (2, 5, 6, 7), 2),
    ("conv3d-same-ceil", "- conv: {out: 3, kernel: 2, stride: 3, padding: same}\n"
                         "- conv: {out: 3, kernel: 2, stride: 2, rounding: ceil}", (2, 7, 8, 9), 1),
    ("pools1d", "- maxpool1d: {kernel: 3, stride: 2, padding: 1, rounding: ceil}\n"
                "- avgpool: {kernel: 2, count_include_pad: false, padding: 1, rounding: floor}\n"
                "- adaptive_avgpool: {size: 3}", (3, 17), 2),
    ("pools3d", "- maxpool3d: {kernel: [1, 3, 3], stride: [1, 2, 2], padding: [0, 1, 1], rounding: ceil}\n"
                "- avgpool3d: {kernel: 2, rounding: floor}\n"
                "- adaptive_avgpool: {size: [1, 2, 1]}", (2, 4, 9, 8), 2),
    ("global-pools-3d", "- concat:\n    - [global_avgpool]\n    - [global_maxpool]", (3, 2, 3, 4), 1),
    ("bn-zeropad-slice-3d", "- bn3d\n- zeropad: {padding: [1, 0, 0, 2, 1, 1]}\n"
                            "- slice: {depth: [1, null], width: [0, -1]}\n- channel_shuffle: {groups: 2}\n"
                            "- channel_pad: {padding: 1}", (4, 3, 3, 3), 2),
    ("bn-slice-1d", "- bn1d\n- slice: {length: [2, -1]}\n- zeropad: {padding: [3, 0]}", (3, 9), 1),
    # up-sampling and resizing
    ("conv-transpose", "- conv_transpose: {out: 6, kernel: 3, stride: 2, padding: 1, output_padding: 1}\n"
                       "- deconv: {out: 4, kernel: [2, 3], stride: [2, 1], dilation: [1, 2], groups: 2, bias: false}",
     (4, 5, 6), 2),
    ("conv-transpose-1d-3d", "- conv_transpose1d: {out: 3, kernel: 4, stride: 3, padding: 2}", (2, 7), 2),
    ("conv-transpose-3d", "- conv_transpose3d: {out: 2, kernel: [1, 2, 2], stride: [1, 2, 2]}", (3, 2, 3, 4), 1),
    ("upsample", "- upsample: {scale: 2}\n- upsample: {size: [7, 9], mode: bilinear}\n"
                 "- upsample: {scale: 1.5, mode: bicubic, align_corners: true}\n- upsample: {like: input}",
     (3, 4, 5), 2),
    ("upsample-1d-3d", "- upsample: {scale: 3, mode: linear}\n- flatten", (2, 5), 1),
    ("upsample-3d", "- upsample: {scale: [1, 2, 2], mode: trilinear, align_corners: false}", (2, 2, 3, 3), 1),
    ("crop-pixel-shuffle", "- conv: {name: small, out: 8, kernel: 3}\n- crop: {from: input, like: small}\n"
                           "- crop: {size: [3, 2]}\n- pixel_unshuffle: {factor: 1}\n"
                           "- conv: {out: 8, kernel: 1}\n- pixel_shuffle: {factor: 2}\n- pixel_unshuffle: {factor: 2}",
     (4, 7, 6), 2),
    ("mul-squeeze-excite", """\
- mul:
    - []
    - - global_avgpool
      - conv: {out: 2, kernel: 1}
      - relu
      - conv: {out: 8, kernel: 1}
      - sigmoid""", (8, 4, 4), 2),
]


def case_spec(text, shape):
    body = "\n".join("  " + line for line in text.splitlines())
    return spec_from_text(f"name: case\ninput: {'x'.join(map(str, shape))}\nlayers:\n{body}\n")


@pytest.mark.parametrize("text, shape, batch", [c[1:] for c in LAYER_CASES], ids=[c[0] for c in LAYER_CASES])
def test_every_layer_type_agrees_with_the_kernel(text, shape, batch):
    result = verify(case_spec(text, shape).graph(), Config(shape, batch))
    assert [c.problem() for c in result.mismatches] == []
    assert result.checked == len(result.layers) > 0
    assert result.output_finite


def test_layer_cases_cover_the_registry():
    """A new layer type must bring a case above (its forward is then checked automatically)."""
    covered = {node.type_name for _, text, shape, _ in LAYER_CASES for node in case_spec(text, shape).graph().nodes}
    assert set(REGISTRY) - covered == set()


def test_init_params_sizes_equal_param_counts_for_every_layer_type():
    rng = np.random.default_rng(1)
    seen = set()
    for _, text, shape, _ in LAYER_CASES:
        graph = case_spec(text, shape).graph()
        analysis = analyze(graph, [Config(shape)])
        for node, row in zip(graph.nodes[1:], analysis.rows[1:]):
            inputs = [tuple(int(d[0]) for d in analysis.rows[i].output_shape) for i in node.inputs]
            arrays = node.layer.init_params(inputs, rng)
            assert all(a.dtype == np.float32 for a in arrays.values()), node.name
            drawn = sum(a.size for a in arrays.values())
            assert drawn == int(row.params.trainable[0] + row.params.buffers[0]), node.name
            seen.add(node.type_name)
    assert seen == set(REGISTRY)


def test_parameter_shapes_are_the_kernels_layout():
    """Closed forms: conv weight (O, C/groups, kh, kw) + bias; BN buffers and affine pair."""
    rng = np.random.default_rng(0)
    conv = REGISTRY["conv"](out=8, kernel=(3, 5), stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1),
                            groups=2, bias=True, rounding="exact")
    shapes = {k: v.shape for k, v in conv.init_params([(6, 9, 9)], rng).items()}
    assert shapes == {"weight": (8, 3, 3, 5), "bias": (8,)}
    bn = REGISTRY["bn"](eps=1e-5, affine=False)
    assert {k: v.shape for k, v in bn.init_params([(4, 2, 2)], rng).items()} == {
        "running_mean": (4,), "running_var": (4,)}


# ---- executed MACs, by closed forms written here (not from the engine) ----

def macs_of(text, shape, batch=1):
    return {c.name: c.actual_macs for c in verify(case_spec(text, shape).graph(), Config(shape, batch)).layers}


def test_executed_macs_closed_forms():
    # grouped, dilated conv: N·H'·W'·O·(C/g)·kh·kw with H' = 11+1+2-2·2-1+1 = 10, W' = 12+0+3-4-1+1 = 11
    assert macs_of("- conv: {name: c, out: 8, kernel: 3, groups: 2, dilation: 2, padding: [1, 2, 0, 3]}",
                   (4, 11, 12), 2)["c"] == 2 * 10 * 11 * 8 * 2 * 3 * 3
    # ceil mode: (10-3)/2 = 3.5 → 4, +1 = 5 outputs per axis
    assert macs_of("- conv: {name: c, out: 4, kernel: 3, stride: 2, rounding: ceil}", (3, 10, 10))["c"] == \
        5 * 5 * 4 * 3 * 3 * 3
    # 'same' with stride 2 on 9×8: ceil(9/2)·ceil(8/2) = 5·4 outputs
    assert macs_of("- conv: {name: c, out: 6, kernel: 3, stride: 2, padding: same}", (3, 9, 8))["c"] == \
        5 * 4 * 6 * 3 * 3 * 3
    # depthwise: each of 6 channels sees one input channel
    assert macs_of("- conv: {name: c, kernel: 3, groups: depthwise, padding: 1}", (6, 8, 8))["c"] == 8 * 8 * 6 * 9
    # fc on a batch of 3: 3·in·out
    assert macs_of("- flatten\n- fc: {name: f, out: 7}", (2, 3, 3), 3)["f"] == 3 * 18 * 7
    # pools, joins and activations execute no multiply-accumulates
    assert set(macs_of("- maxpool: {name: p, kernel: 2}\n- relu: {name: r}", (1, 4, 4)).values()) == {0}


def test_ceil_extra_padding():
    # 10 + 0 − 3 = 7 → one more pixel makes a 5th complete window (start 8 < 10)
    assert ceil_extra(10, 3, 2, 0, 0) == 1
    # an exact division needs nothing
    assert ceil_extra(9, 3, 2, 0, 0) == 0
    # 9 + 2 − 2 = 9, 9 % 3 = 0: exact; 8 + 2 − 2 = 8 → start 9 ≥ 8 + 1: PyTorch drops the window
    assert ceil_extra(9, 2, 3, 1, 1) == 0
    assert ceil_extra(8, 2, 3, 1, 1) == 0
    # 7 + 1 + 1 − 2 = 7 → start 9 ≥ 7 + 1: dropped as well; with 8: span 8 → start 9 < 9 is false
    assert ceil_extra(7, 2, 3, 1, 1) == 0


# ---- memory: released after the last reader, peak measured from the arrays held ----

def test_peak_of_a_chain_releases_each_tensor_after_its_reader():
    text = "- conv: {out: 4, kernel: 1}\n- relu\n- conv: {out: 2, kernel: 1}"
    result = verify(case_spec(text, (3, 8, 8)).graph(), Config((3, 8, 8), 1))
    # input+conv1 = (3+4)·64 elements; then conv1 (ReLU in place) + conv2 = (4+2)·64
    assert result.peak_bytes == 4 * max(7 * 64, 6 * 64)
    assert result.estimated_peak_bytes == result.peak_bytes


def test_skip_connection_keeps_its_input_until_the_join():
    text = """\
- add:
    - - conv: {out: 4, kernel: 1}
      - relu
      - conv: {out: 4, kernel: 1}
    - []"""
    result = verify(case_spec(text, (4, 8, 8)).graph(), Config((4, 8, 8), 2))
    # while conv2 runs: the input (kept for the add), conv1's output and conv2's output
    assert result.peak_bytes == 4 * 2 * 3 * (4 * 64)
    assert result.estimated_peak_bytes == result.peak_bytes


def test_in_place_layer_whose_input_is_still_read_keeps_a_copy():
    """ReLU cannot overwrite a tensor the concat still reads: the walk holds both."""
    text = """\
- conv: {out: 4, kernel: 1}
- concat:
    - [relu]
    - []"""
    result = verify(case_spec(text, (2, 4, 4)).graph(), Config((2, 4, 4), 1))
    assert result.ok
    # at the concat: conv output + ReLU's own copy + the 8-channel concat
    assert result.peak_bytes == 4 * (4 + 4 + 8) * 16


def test_an_auxiliary_output_is_kept_to_the_end():
    text = """\
- conv: {name: trunk, out: 4, kernel: 1}
- flatten: {name: aux_flat}
- fc: {name: aux, out: 3, output: true}
- conv: {name: head, from: trunk, out: 2, kernel: 1}
- relu
- flatten
- fc: {out: 5}"""
    result = verify(case_spec(text, (2, 4, 4)).graph(), Config((2, 4, 4), 1))
    assert result.ok
    # at 'head': trunk (still read by head) + aux (kept) + head's output = (64 + 3 + 32) elements;
    # the input (32) and trunk (64) at the start make 96, less
    assert result.peak_bytes == 4 * (64 + 3 + 32)
    assert result.estimated_peak_bytes == result.peak_bytes


def test_held_bytes_counts_a_shared_buffer_once():
    base = np.zeros((2, 3, 4), np.float32)
    assert held_bytes([base, base.reshape(2, -1), base[:, 0]]) == base.nbytes


def test_a_tiny_scratch_budget_gives_the_same_verdict_and_is_reset():
    text = "- conv: {out: 8, kernel: 3, padding: 1}\n- conv: {out: 8, kernel: 3, stride: 2, rounding: floor}"
    before = scratch_bytes.get()
    result = verify(case_spec(text, (3, 16, 16)).graph(), Config((3, 16, 16), 3), max_bytes=512)
    assert result.ok
    assert scratch_bytes.get() == before


def test_same_seed_same_output_values():
    text = "- conv: {out: 4, kernel: 3}\n- relu\n- flatten\n- fc: {out: 3}"
    graph = case_spec(text, (2, 6, 6)).graph()
    first = verify(graph, Config((2, 6, 6), 1), seed=7)
    again = verify(graph, Config((2, 6, 6), 1), seed=7)
    assert first.ok and again.ok and first.peak_bytes == again.peak_bytes


# ---- failures are reported, never silently passed ----

def test_a_wrong_mac_rule_is_a_mismatch(monkeypatch):
    conv = REGISTRY["conv"]
    original = conv.macs
    monkeypatch.setattr(conv, "macs", lambda self, inputs, output: original(self, inputs, output) + 1)
    result = verify(case_spec("- conv: {name: c, out: 2, kernel: 1}\n- relu", (1, 2, 2)).graph(), Config((1, 2, 2)))
    assert not result.ok
    (bad,) = result.mismatches
    assert bad.name == "c" and bad.location.line == 4
    assert bad.problem() == "MACs predicted 9, executed 8"   # 2·2·2·1 = 8 executed


def test_a_wrong_shape_rule_is_a_mismatch(monkeypatch):
    pool = REGISTRY["maxpool"]
    original = pool.output_shape

    def off_by_one(self, inputs):
        c, h, w = original(self, inputs)
        return c, h + 1, w

    monkeypatch.setattr(pool, "output_shape", off_by_one)
    result = verify(case_spec("- maxpool: {name: p, kernel: 2}", (1, 4, 4)).graph(), Config((1, 4, 4)))
    assert [c.problem() for c in result.mismatches] == ["shape predicted 1×3×2, actual 1×2×2"]


class _NoForward(Layer):
    type_name = "no_forward"

    def output_shape(self, inputs):
        return inputs[0]


def test_a_layer_without_forward_is_an_explicit_failure():
    with pytest.raises(ArchcalcError) as error:
        _NoForward().forward([np.zeros((1, 1), np.float32)], {})
    assert error.value.code == "E201"
    graph = Graph("g", [Node(0, "input", None, ()), Node(1, "mystery", _NoForward(), (0,)),
                        Node(2, "after", REGISTRY["relu"](), (1,))])
    result = verify(graph, Config((3,), 1))
    assert not result.ok
    assert [c.name for c in result.mismatches] == ["mystery"]
    assert "no forward implementation" in result.mismatches[0].problem()
    assert [(c.name, c.problem()) for c in result.layers if c.skipped] == [
        ("after", "not run: an earlier layer failed")]
    assert result.checked == 0


def test_a_kernel_refusal_is_a_failure_not_a_crash(monkeypatch):
    from archcalc.layers.pool import MaxPool

    def refuse(self, inputs, params):
        raise ValueError("window lies wholly in the padding")

    monkeypatch.setattr(MaxPool, "forward", refuse)
    result = verify(case_spec("- maxpool: {name: p, kernel: 2}", (1, 4, 4)).graph(), Config((1, 4, 4)))
    assert [c.name for c in result.mismatches] == ["p"]
    assert result.mismatches[0].problem().startswith("forward failed:")


# ---- the zoo, timm style: every shipped spec, new ones included automatically ----

def small_input(spec):
    """The spec's input shrunk to 64×64 or a little more where its arithmetic allows (stride-4
    stems need 67, Inception v4 75), else its native size (fixed-size pooling heads)."""
    native = spec.input_shape()
    if len(native) != 3:
        return native
    graph = spec.graph()
    for side in range(min(64, native[1]), min(80, native[1])):
        shape = (native[0], side, side * native[2] // native[1])
        try:
            analyze(graph, [Config(shape)])
            return shape
        except ArchcalcError:
            continue
    return native


#: One small model per family runs in the default tier; the whole zoo in the slow tier.
QUICK_VERIFY = {"lenet5", "alexnet", "vgg16", "googlenet", "resnet18", "mobilenet_v2", "shufflenet_v2_x0_5",
                "squeezenet1_0", "inception_naive"}


@pytest.mark.parametrize("name", [name if name in QUICK_VERIFY else pytest.param(name, marks=pytest.mark.slow)
                                  for name in catalog()])
def test_every_shipped_spec_agrees_with_the_kernel(name):
    spec = catalog()[name]
    graph = spec.graph()
    result = verify(graph, Config(small_input(spec), 1))
    assert [f"{c.name}: {c.problem()}" for c in result.mismatches] == []
    assert result.checked == len(graph.nodes) - 1
    # the measured peak follows the engine's model of freeing, views and in-place layers exactly,
    # including a ReLU on a tensor another branch still reads (NASNet's cells): it needs a copy
    assert result.peak_bytes == result.estimated_peak_bytes
