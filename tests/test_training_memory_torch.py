"""Training memory against PyTorch: what autograd saves, exactly, and the step's peak within 10%.

The torch network is built from the archcalc graph by tests/torch_networks.py, each layer type
written with PyTorch's own modules and functions, independently of archcalc's saved rules.
Saved tensors are measured with ``torch.autograd.graph.saved_tensors_hooks`` (distinct untyped
storages, parameters and buffers skipped) on the meta device — the same autograd code as on the
CPU, without computing (checked against the CPU below). The peak is the C heap in use (glibc
``mallinfo2``) sampled after every aten op during a real CPU step.
"""

from __future__ import annotations

import pytest

from archcalc.engine import Config, analyze
from archcalc.training import training_memory
from archcalc.zoo import catalog
from tests.reference_numbers import TORCHVISION

torch = pytest.importorskip("torch")   # the measurements need PyTorch; without it these tests skip

from tests.torch_networks import build, heap_in_use_function, measure_saved, measure_training_peak  # noqa: E402

#: Every shipped spec defined as torchvision defines it.
TORCHVISION_SPECS = [name for name in catalog() if name in TORCHVISION or name.endswith("_torchvision")]
#: A few of them in the default tier; the rest, minutes of work, in the slow tier.
QUICK = {"resnet18", "mobilenet_v3_small", "alexnet_torchvision"}
#: inception_v3's auxiliary head and DeepLabV3's image-pooling branch normalise a 1×1 map, which
#: batch norm refuses in training for one sample (one value per channel): they are measured at
#: batches 2 and 4 instead of 1 and 4.
BATCHES = {name: (2, 4) for name in ("inception_v3", "deeplabv3_resnet50", "deeplabv3_resnet101",
                                     "deeplabv3_mobilenet_v3_large")}


def slow_unless(quick: bool, *values):
    return pytest.param(*values, marks=() if quick else pytest.mark.slow)


def computed(name, batch, shape=None):
    spec = catalog()[name]
    analysis = analyze(spec.graph(), [Config(tuple(shape or spec.input_shape()), batch)])
    return training_memory(analysis)


@pytest.mark.parametrize("name, batch", [slow_unless(name in QUICK, name, batch) for name in TORCHVISION_SPECS
                                         for batch in BATCHES.get(name, (1, 4))])
def test_saved_activations_exact_for_torchvision_specs(name, batch):
    network, shape = build(catalog()[name])
    assert int(computed(name, batch).saved_activations[0]) == measure_saved(network, shape, batch)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(catalog()) - set(TORCHVISION_SPECS)))
def test_saved_activations_exact_for_the_other_specs(name):
    network, shape = build(catalog()[name])
    assert int(computed(name, 2).saved_activations[0]) == measure_saved(network, shape, 2)


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v3_small", "alexnet", "stochastic_depth_resnet110"])
@pytest.mark.slow
def test_the_meta_device_saves_what_the_cpu_saves(name):
    network, shape = build(catalog()[name])
    on_meta = measure_saved(network, shape, 1, "meta")
    network, shape = build(catalog()[name])
    assert measure_saved(network, shape, 1, "cpu") == on_meta


PEAK_CASES = [("resnet50", (3, 224, 224), 1), ("resnet18", (3, 112, 112), 2), ("mobilenet_v2", (3, 160, 160), 1),
              ("densenet121", (3, 112, 112), 2), ("efficientnet_b0", (3, 160, 160), 1),
              ("alexnet_torchvision", (3, 224, 224), 2), ("shufflenet_v2_x1_0", (3, 160, 160), 1),
              ("vgg11_bn", (3, 64, 64), 2), ("googlenet_torchvision", (3, 112, 112), 2)]


@pytest.mark.parametrize("name, shape, batch", [pytest.param(*case, marks=pytest.mark.slow) for case in PEAK_CASES]
                         + [("resnet18", (3, 64, 64), 2)])
def test_training_peak_within_ten_percent_of_the_heap(name, shape, batch):
    in_use = heap_in_use_function()
    if in_use is None:
        pytest.skip("the heap measurement needs glibc's mallinfo2")
    torch.set_num_threads(1)
    network, shape = build(catalog()[name], shape)
    measured = measure_training_peak(network, shape, batch, in_use)
    ours = int(computed(name, batch, shape).training_peak[0])
    assert abs(ours - measured) <= 0.10 * measured, (ours, measured)


def test_saved_activations_exact_for_sample_norms_and_newer_activations():
    from tests.conftest import spec_from_text
    from tests.test_training_memory import SAMPLE_NORMS

    spec = spec_from_text(SAMPLE_NORMS.replace("slope}", "slope, num_parameters: channels}")
                          + "  - gelu: {approximate: tanh}\n  - conv: {out: 2, kernel: 1}\n")
    network, shape = build(spec)
    ours = training_memory(analyze(spec.graph(), [Config(shape, 3)]))
    assert int(ours.saved_activations[0]) == measure_saved(network, shape, 3, "cpu")




def test_saved_activations_exact_for_tensor_layers():
    from tests.conftest import spec_from_text
    from tests.test_training_memory import TENSOR_OPS

    spec = spec_from_text(TENSOR_OPS)
    network, shape = build(spec)
    ours = training_memory(analyze(spec.graph(), [Config(shape, 3)]))
    assert int(ours.saved_activations[0]) == measure_saved(network, shape, 3, "cpu")


RESAMPLING = """\
name: resampling
input: 3x12x12
layers:
  - conv: {name: down, out: 4, kernel: 3, padding: 1}
  - relu
  - maxpool: {name: pool, kernel: 2}
  - conv: {name: bottom, out: 8, kernel: 3}
  - conv_transpose: {name: up, out: 4, kernel: 2, stride: 2}
  - crop: {name: skip, from: down, like: up}
  - concat: {from: [skip, up]}
  - upsample: {scale: 2, mode: bilinear, align_corners: false}
  - pixel_unshuffle: {factor: 2}
  - pixel_shuffle: {factor: 2}
  - conv: {out: 2, kernel: 1}
"""

AUDIO = """\
name: audio
input: 2x32
layers:
  - conv: {out: 4, kernel: 3, padding: same}
  - bn
  - relu
  - maxpool: {kernel: 2}
  - avgpool: {kernel: 2}
  - global_avgpool
  - flatten
  - fc: {out: 3}
"""

VIDEO = """\
name: video
input: 2x4x8x8
layers:
  - conv: {out: 4, kernel: 3, padding: 1}
  - bn
  - relu
  - maxpool: {kernel: 2}
  - adaptive_avgpool: {size: 1}
  - flatten
  - fc: {out: 3}
"""


@pytest.mark.parametrize("text", [RESAMPLING, AUDIO, VIDEO])
def test_saved_activations_exact_for_resampling_and_other_ranks(text):
    from tests.conftest import spec_from_text

    spec = spec_from_text(text)
    network, shape = build(spec)
    ours = training_memory(analyze(spec.graph(), [Config(shape, 2)]))
    assert int(ours.saved_activations[0]) == measure_saved(network, shape, 2, "cpu")


@pytest.mark.slow
@pytest.mark.parametrize("name", list(TORCHVISION))
def test_saved_activations_exact_on_torchvisions_own_models(name):
    """What autograd keeps in a training step of torchvision's model (its in-place ReLUs, stochastic depth
    noise, functional calls as it writes them), at the native input and batch 2, equals archcalc's count."""
    from archcalc.zoo import resolve
    from tests import torchvision_models

    build_args = torchvision_models.build_args(name, TORCHVISION[name])
    network = torchvision_models.build(torchvision_models.load(), name, **build_args)
    spec = resolve(torchvision_models.spec_of(name), torchvision_models.SPEC_VARIABLES.get(name))
    shape = spec.input_shape()
    analysis = analyze(spec.graph(), [Config(tuple(shape), 2)], mode="train")
    assert int(training_memory(analysis).saved_activations[0]) == measure_saved(network, shape, 2)
