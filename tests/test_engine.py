"""The engine: vectorized walks, overflow guards, receptive fields, memory models."""

import pytest

from archcalc.engine import Config, analyze
from archcalc.errors import ArchcalcError
from archcalc.memory import inference_peak
from archcalc.totals import totals
from archcalc.zoo import catalog
from tests.conftest import spec_from_text


def test_one_walk_equals_many_single_walks():
    spec = catalog()["resnet50"]
    graph = spec.graph()
    sizes = [(3, s, s) for s in (64, 97, 224, 320, 449)]
    together = totals(analyze(graph, [Config(s, b) for s in sizes for b in (1, 3)]))
    for index, (shape, batch) in enumerate((s, b) for s in sizes for b in (1, 3)):
        alone = totals(analyze(graph, [Config(shape, batch)]))
        for key in alone:
            assert together[key][index] == alone[key][0], (key, shape, batch)


def test_batch_scales_macs_and_activations_not_params(model):
    one, many = model("alexnet"), model("alexnet", batch=128)
    assert many.totals["params"] == one.totals["params"]
    assert many.totals["macs"] == 128 * one.totals["macs"]
    assert many.totals["activations"] == 128 * one.totals["activations"]


def test_overflow_is_reported_not_wrapped():
    spec = spec_from_text("""
        input: 3x8x8
        layers:
          - conv: {out: 4000000000, kernel: 1}
          - flatten
          - fc: {out: 4000000000}
    """)
    with pytest.raises(ArchcalcError) as info:
        analyze(spec.graph(), [Config((3, 8, 8))])
    assert info.value.code == "E306" and info.value.layer == "fc1"


def test_three_stacked_3x3_see_7x7(inline):
    net = inline("""
        input: 8x32x32
        layers:
          - conv: {out: 8, kernel: 3, padding: 1, bias: false}
            repeat: 3
          - conv: {name: big, from: input, out: 8, kernel: 7, padding: 3, bias: false}
    """)
    assert int(net.rows["conv3"].receptive_field()[0]) == 7
    assert int(net.rows["big"].receptive_field()[0]) == 7
    three = sum(net.params(f"conv{i}") for i in (1, 2, 3))
    assert three == 3 * (9 * 8 * 8) and net.params("big") == 49 * 8 * 8


def test_receptive_field_with_strides(model):
    # AlexNet: r = 11 after conv1; pool1 adds (3-1)*4 = 8 → 19; conv2 adds (5-1)*8 = 32 → 51
    alexnet = model("alexnet")
    assert [int(alexnet.rows[n].receptive_field()[0]) for n in ("conv1", "pool1", "conv2")] == [11, 19, 51]


def test_inference_peak_on_a_residual_block(inline):
    net = inline("""
        input: 1x10x10
        layers:
          - add:
              - [conv: {out: 1, kernel: 3, padding: 1}, relu, conv: {out: 1, kernel: 3, padding: 1}]
              - []
    """)
    # input (100) stays alive for the shortcut: peak is input + conv1 + conv2 = 300, then add needs
    # input + conv2 + sum (conv1 freed) = 300 as well.
    assert int(inference_peak(net.analysis)[0]) == 300 * 4
    assert net.totals["activations"] == 400


def test_in_place_and_views_allocate_nothing(model):
    vgg = model("vgg16")
    for name, row in vgg.rows.items():
        if row.layer is not None and row.layer.type_name in ("relu", "dropout", "flatten"):
            assert vgg.activations(name) == 0


def test_fp16_halves_bytes(model):
    spec = catalog()["alexnet"]
    half = totals(analyze(spec.graph(), [Config((3, 227, 227))], "fp16"))
    assert int(half["activation_bytes"][0]) == 2 * model("alexnet").totals["activations"]
