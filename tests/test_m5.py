"""M5 (a 1-D CNN on raw audio, C×L input) against a PyTorch network written out here from its paper.

The torch module follows Table 1 of Dai et al.; archcalc's spec must give the same parameter count
and multiply-adds, measured with forward hooks (tests/torch_oracle.py), and the closed form below.
"""

from __future__ import annotations

import pytest

from archcalc.zoo import resolve
from tests.conftest import Result

torch = pytest.importorskip("torch")
nn = torch.nn
from tests.torch_oracle import measure  # noqa: E402  (needs torch)


# ---- M5 (Dai, Dai, Qu, Li, Das. Very Deep Convolutional Neural Networks for Raw Waveforms.
#      ICASSP 2017, Table 1) -------------------------------------------------------------------

def m5(classes=10, widths=(128, 128, 256, 512)):
    """[80/4, 128] → pool 4 → [3, 128] → pool 4 → [3, 256] → pool 4 → [3, 512] → pool 4 → global
    average → softmax; every conv followed by batch norm and ReLU, outputs as long as the input / stride."""
    layers, cin = [], 1
    for index, width in enumerate(widths):
        kernel, stride, padding = (80, 4, 38) if index == 0 else (3, 1, 1)
        layers += [nn.Conv1d(cin, width, kernel, stride, padding), nn.BatchNorm1d(width), nn.ReLU(), nn.MaxPool1d(4)]
        cin = width
    return nn.Sequential(*layers, nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(cin, classes))


# 1×8000 (1 s at 8 kHz): conv1 2000 → 500 → 500 → 125 → 125 → 31 → 31 → 7 → mean → 10
M5_PARAMS = (80 * 128 + 128 + 3 * 128 * 128 + 128 + 3 * 128 * 256 + 256 + 3 * 256 * 512 + 512
             + 2 * (128 + 128 + 256 + 512) + 512 * 10 + 10)
M5_MACS = 2000 * 128 * 80 + 500 * 128 * 128 * 3 + 125 * 256 * 128 * 3 + 31 * 512 * 256 * 3 + 512 * 10


def test_m5_equals_pytorch():
    assert measure(m5(), (1, 8000)) == (M5_PARAMS, M5_MACS, (10,))
    result = Result(resolve("m5"))
    assert result.spec.input_shape() == (1, 8000)
    assert (result.totals["params"], result.totals["macs"]) == (M5_PARAMS, M5_MACS)


def test_m5_at_the_papers_input(model):
    """Table 1's clips are 4 s at 8 kHz: 32,000 samples, conv1 gives 8,000 × 128 as printed."""
    result = model("m5", [(1, 32000)])
    params, macs, _ = measure(m5(), (1, 32000))
    assert (result.totals["params"], result.totals["macs"]) == (params, macs)
    assert result.shape("conv1") == (128, 8000)
