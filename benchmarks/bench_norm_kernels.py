"""How fast are the per-sample normalisation and newer activation kernels against PyTorch?

Run on demand:  python benchmarks/bench_norm_kernels.py [--repeat 5] [--batch 8]

For feature maps of ConvNeXt-T's four stages (96×56×56 … 768×7×7), prints the median CPU time of
``archcalc.kernels`` layer_norm, group_norm, instance_norm, layer_scale, gelu (erf and tanh), mish
and prelu beside PyTorch's module doing the same (LayerNorm channels-last after a permute, as
ConvNeXt does, with the copy back to channels-first), and the ratio ours / torch.
Target: every ratio at most 2 (verify's forward within 2× PyTorch's). Measurements only.

Measured (1 thread, batch 8, CPU time, a shared machine at load 10): layer_norm 0.5-0.9×,
instance_norm 0.6-0.9×, mish 0.6×, layer_scale 1.0-1.8×, gelu tanh 1.6×, group_norm 2.6-3.2×,
prelu 4-6×, gelu erf 5-6×. GELU's erf form is ~30 NumPy passes (a degree-9 polynomial, one exp)
against PyTorch's fused vector erf; it runs block by block so those passes stay in cache, which
took it from 12× to 5×. Before blocking and the float32 statistics, group_norm ran at 7×.
Set ``OPENBLAS_NUM_THREADS=1`` on a busy machine; torch uses as many threads as NumPy's BLAS.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

try:
    from archcalc import kernels
except ImportError:  # run from a source checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from archcalc import kernels

try:
    import torch
except ImportError:
    torch = None

STAGES = [(96, 56), (192, 28), (384, 14), (768, 7)]


def median_ms(run, repeat):
    """Median CPU time of this process (threads included): steadier than wall time on a shared
    machine, and the same measure for both sides."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return 1e3 * statistics.median(times)


def cases(x, channels):
    """(name, our call, torch's call or None)."""
    scale, shift = np.ones(channels, np.float32), np.zeros(channels, np.float32)
    ours = [
        ("layer_norm", lambda: kernels.layer_norm(x, scale, shift, 1e-6)),
        ("group_norm/32", lambda: kernels.group_norm(x, 32, scale, shift)),
        ("instance_norm", lambda: kernels.instance_norm(x)),
        ("layer_scale", lambda: kernels.layer_scale(x, scale)),
        ("gelu", lambda: kernels.gelu(x)),
        ("gelu/tanh", lambda: kernels.gelu(x, "tanh")),
        ("mish", lambda: kernels.mish(x)),
        ("prelu/C", lambda: kernels.prelu(x, scale)),
    ]
    if torch is None:
        return [(name, run, None) for name, run in ours]
    nn, t = torch.nn, torch.from_numpy(x)
    layer_norm = nn.LayerNorm(channels, eps=1e-6)
    group_norm, instance_norm = nn.GroupNorm(32, channels), nn.InstanceNorm2d(channels)
    gamma = torch.ones(channels, 1, 1)
    gelu, gelu_tanh, mish, prelu = nn.GELU(), nn.GELU(approximate="tanh"), nn.Mish(), nn.PReLU(channels)
    theirs = [
        lambda: layer_norm(t.permute(0, 2, 3, 1)).permute(0, 3, 1, 2).contiguous(),
        lambda: group_norm(t), lambda: instance_norm(t), lambda: gamma * t,
        lambda: gelu(t), lambda: gelu_tanh(t), lambda: mish(t), lambda: prelu(t),
    ]
    return [(name, run, other) for (name, run), other in zip(ours, theirs)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args()
    threads = int(os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or os.cpu_count())
    if torch is not None:
        torch.set_num_threads(threads)
        torch.set_grad_enabled(False)
    print(f"load average {os.getloadavg()[0]:.2f}, {threads} thread(s), batch {args.batch}")
    print(f"{'kernel':<15}{'input':>14}{'ours ms':>10}{'torch ms':>10}{'ratio':>8}")
    for channels, size in STAGES:
        x = np.random.default_rng(0).standard_normal((args.batch, channels, size, size), dtype=np.float32)
        for name, ours, theirs in cases(x, channels):
            ours_ms = median_ms(ours, args.repeat)
            torch_ms = median_ms(theirs, args.repeat) if theirs else float("nan")
            print(f"{name:<15}{f'{channels}×{size}×{size}':>14}{ours_ms:>10.1f}{torch_ms:>10.1f}"
                  f"{ours_ms / torch_ms:>8.2f}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
