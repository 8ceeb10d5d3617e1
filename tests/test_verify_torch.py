"""The layers' NumPy forward against PyTorch, where it is installed: same weights, same outputs.

The torch networks are written out by hand here, module by module, from what each spec says —
padding, ceil mode, groups, PyTorch's own pooling and normalisation semantics — so they are an
independent oracle for the values (not only the shapes) the forward pass computes.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import spec_from_text

torch = pytest.importorskip("torch")
F = torch.nn.functional


def run_forward(spec, batch, seed=0):
    """The spec's layers on a seeded input: (input, params by layer name, output)."""
    graph = spec.graph()
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, *spec.input_shape()), dtype=np.float32)
    values, params = {0: x}, {}
    for node in graph.nodes[1:]:
        inputs = [values[i] for i in node.inputs]
        params[node.name] = node.layer.init_params([a.shape[1:] for a in inputs], rng)
        values[node.index], _ = node.layer.forward(inputs, params[node.name])
    return x, params, values[graph.output.index]


def tensor(array):
    return torch.from_numpy(np.ascontiguousarray(array))


def load(module, arrays):
    """Copy NumPy parameters into a torch module (conv/linear weight+bias, BN affine+buffers)."""
    names = {"weight": "weight", "bias": "bias", "scale": "weight", "shift": "bias",
             "running_mean": "running_mean", "running_var": "running_var"}
    for key, array in arrays.items():
        getattr(module, names[key]).data.copy_(tensor(array))
    return module


SEQUENTIAL = """\
name: small_conv_net
input: 3x20x20
layers:
  - conv: {name: c1, out: 8, kernel: 3, padding: 1}
  - bn: {name: b1}
  - relu
  - maxpool: {name: p1, kernel: 3, stride: 2, rounding: ceil}
  - conv: {name: c2, out: 8, kernel: 3, groups: 2, padding: 1}
  - lrn: {name: n2}
  - conv: {name: c3, out: 16, kernel: 3, stride: 2, padding: same}
  - hard_swish
  - adaptive_avgpool: {size: 3}
  - avgpool: {name: p2, kernel: 2, stride: 2, padding: 1, count_include_pad: false, rounding: floor}
  - flatten
  - fc: {name: f1, out: 10}
  - softmax
"""


def test_small_conv_net_matches_torch():
    spec = spec_from_text(SEQUENTIAL)
    x, params, ours = run_forward(spec, batch=2)
    nn = torch.nn
    model = nn.Sequential(
        load(nn.Conv2d(3, 8, 3, padding=1), params["c1"]),
        load(nn.BatchNorm2d(8), params["b1"]),
        nn.ReLU(),
        nn.MaxPool2d(3, 2, ceil_mode=True),                      # 20 → 10
        load(nn.Conv2d(8, 8, 3, padding=1, groups=2), params["c2"]),
        nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0),
        nn.ZeroPad2d((0, 1, 0, 1)),                              # 'same', stride 2 on 10: 1 pixel after
        load(nn.Conv2d(8, 16, 3, stride=2), params["c3"]),       # 10 → 5
        nn.Hardswish(),
        nn.AdaptiveAvgPool2d(3),                                 # 5 → 3: windows [0,2) [1,4) [3,5)
        nn.AvgPool2d(2, 2, padding=1, count_include_pad=False),  # (3 + 2 − 2)/2 + 1 = 2.5 → 2
        nn.Flatten(),
        load(nn.Linear(64, 10), params["f1"]),
        nn.Softmax(dim=1),
    ).eval()
    with torch.no_grad():
        expected = model(tensor(x)).numpy()
    assert ours.shape == expected.shape == (2, 10)
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-6)


BRANCHY = """\
name: branchy
input: 4x6x6
layers:
  - conv: {name: stem, out: 8, kernel: 3, padding: 1, bias: false}
  - bn: {name: stem_bn, eps: 0.001}
  - gelu
  - add:
      - - conv: {name: a, out: 8, kernel: 3, padding: 2, dilation: 2}
        - elu: {alpha: 0.5}
        - conv: {name: b, out: 8, kernel: 1}
      - []
    name: res
  - mul:
      - []
      - - global_avgpool
        - conv: {name: se1, out: 2, kernel: 1}
        - silu
        - conv: {name: se2, out: 8, kernel: 1}
        - hard_sigmoid
    name: se
  - concat:
      - [maxpool: {kernel: 2}]
      - [avgpool: {kernel: 2}]
      - [conv: {name: dw, kernel: 3, stride: 2, padding: 1, groups: depthwise, rounding: floor}]
    name: cat
  - channel_shuffle: {groups: 3}
  - leaky_relu: {slope: 0.1}
  - zeropad: {padding: [0, 1, 1, 0]}
  - global_maxpool
  - flatten
  - fc: {name: head, out: 5, bias: false}
  - sigmoid
  - tanh
"""


def test_branches_joins_and_activations_match_torch():
    spec = spec_from_text(BRANCHY)
    x, params, ours = run_forward(spec, batch=3)
    p = {name.rsplit("/", 1)[-1]: arrays for name, arrays in params.items()}

    def conv(t, name, **options):
        return F.conv2d(t, tensor(p[name]["weight"]), tensor(p[name]["bias"]) if "bias" in p[name] else None,
                        **options)

    with torch.no_grad():
        t = conv(tensor(x), "stem", padding=1)
        bn = p["stem_bn"]
        t = F.gelu(F.batch_norm(t, tensor(bn["running_mean"]), tensor(bn["running_var"]), tensor(bn["scale"]),
                                tensor(bn["shift"]), training=False, eps=1e-3))
        t = t + conv(F.elu(conv(t, "a", padding=2, dilation=2), alpha=0.5), "b")
        gate = F.hardsigmoid(conv(F.silu(conv(t.mean(dim=(2, 3), keepdim=True), "se1")), "se2"))
        t = t * gate
        t = torch.cat([F.max_pool2d(t, 2), F.avg_pool2d(t, 2), conv(t, "dw", stride=2, padding=1, groups=8)], 1)
        t = F.leaky_relu(torch.nn.ChannelShuffle(3)(t), 0.1)
        t = F.pad(t, (1, 0, 0, 1))                               # (left, right, top, bottom)
        t = t.amax(dim=(2, 3))
        t = torch.tanh(torch.sigmoid(F.linear(t, tensor(p["head"]["weight"]))))
    assert ours.shape == tuple(t.shape) == (3, 5)
    np.testing.assert_allclose(ours, t.numpy(), rtol=1e-4, atol=1e-6)
