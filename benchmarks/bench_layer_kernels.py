"""How fast is each layer type's NumPy forward against PyTorch's? One run, side by side.

Run on demand:  python benchmarks/bench_layer_kernels.py [--repeat 7] [--batch 8] [--only gelu,prelu]

For every layer type whose forward ``archcalc verify`` runs through ``archcalc.kernels``, at the
feature-map sizes of ConvNeXt-T's four stages (96×56×56 … 768×7×7, batch 8), times our kernel and
the PyTorch call doing the same thing in turn (ours, torch, ours, torch, …), so both sides see the
same machine load, and prints per case the median CPU time of each and the median of the per-pair
ratios ours / torch; then one line per layer type: its worst stage. Target: every ratio at most 2
(verify's forward within 2× PyTorch's). Measurements only; nothing here is asserted.

CPU time of this process (threads included) is steadier than wall time on a shared machine. Run
with ``OPENBLAS_NUM_THREADS=1`` on a busy machine: torch is then set to one thread as well.
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
    import torch.nn.functional as F
except ImportError:
    torch = None

STAGES = [(96, 56), (192, 28), (384, 14), (768, 7)]


def cases(x, channels):
    """(layer type, our call, torch's call) at one feature map ``x`` of ``channels`` channels."""
    rng = np.random.default_rng(1)
    vector = rng.uniform(0.5, 1.5, channels).astype(np.float32)
    depthwise = rng.standard_normal((channels, 1, 3, 3), dtype=np.float32)
    dense = rng.standard_normal((channels, channels, 3, 3), dtype=np.float32) / channels
    up_2x2 = rng.standard_normal((channels, channels // 2, 2, 2), dtype=np.float32)   # U-Net's up-convolution
    up_4x4 = rng.standard_normal((channels, channels // 2, 4, 4), dtype=np.float32)   # DCGAN's, stride 2 pad 1
    size = x.shape[2:]
    double = tuple(2 * s for s in size)
    t = torch.from_numpy(x)
    tv = torch.from_numpy(vector)
    return [
        ("conv 3×3", lambda: kernels.conv(x, dense, padding=1), lambda: F.conv2d(t, torch.from_numpy(dense), padding=1)),
        ("depthwise 3×3", lambda: kernels.conv(x, depthwise, padding=1, groups=channels),
         lambda: F.conv2d(t, torch.from_numpy(depthwise), padding=1, groups=channels)),
        ("conv_transpose 2×2 s2", lambda: kernels.conv_transpose(x, up_2x2, stride=2),
         lambda: F.conv_transpose2d(t, torch.from_numpy(up_2x2), stride=2)),
        ("conv_transpose 4×4 s2 p1", lambda: kernels.conv_transpose(x, up_4x4, stride=2, padding=1),
         lambda: F.conv_transpose2d(t, torch.from_numpy(up_4x4), stride=2, padding=1)),
        ("max_pool 3×3 s2", lambda: kernels.max_pool(x, 3, 2, 1), lambda: F.max_pool2d(t, 3, 2, 1)),
        ("avg_pool 2×2 s2", lambda: kernels.avg_pool(x, 2, 2), lambda: F.avg_pool2d(t, 2, 2)),
        ("upsample nearest ×2", lambda: kernels.interpolate(x, double, "nearest"),
         lambda: F.interpolate(t, size=double, mode="nearest")),
        ("upsample bilinear ×2", lambda: kernels.interpolate(x, double, "bilinear", False),
         lambda: F.interpolate(t, size=double, mode="bilinear", align_corners=False)),
        ("batch_norm", lambda: kernels.batch_norm(x, vector, vector, vector, vector),
         lambda: F.batch_norm(t, tv, tv, tv, tv, training=False)),
        ("layer_norm", lambda: kernels.layer_norm(x, vector, vector, 1e-6),   # ConvNeXt: channels last and back
         lambda: F.layer_norm(t.permute(0, 2, 3, 1), (channels,), tv, tv, 1e-6).permute(0, 3, 1, 2).contiguous()),
        ("group_norm 32", lambda: kernels.group_norm(x, 32, vector, vector),
         lambda: F.group_norm(t, 32, tv, tv)),
        ("instance_norm", lambda: kernels.instance_norm(x), lambda: F.instance_norm(t)),
        ("layer_scale", lambda: kernels.layer_scale(x, vector), lambda: tv.reshape(-1, 1, 1) * t),
        ("relu", lambda: kernels.relu(x), lambda: F.relu(t)),
        ("silu", lambda: kernels.silu(x), lambda: F.silu(t)),
        ("hard_swish", lambda: kernels.hard_swish(x), lambda: F.hardswish(t)),
        ("gelu erf", lambda: kernels.gelu(x), lambda: F.gelu(t)),
        ("gelu tanh", lambda: kernels.gelu(x, "tanh"), lambda: F.gelu(t, approximate="tanh")),
        ("mish", lambda: kernels.mish(x), lambda: F.mish(t)),
        ("prelu per channel", lambda: kernels.prelu(x, vector * 0.25), lambda: F.prelu(t, tv * 0.25)),
    ]


def side_by_side(ours, theirs, repeat):
    """Median CPU ms of each, and the median of the per-pair ratios, timed in turn."""
    mine, other, ratios = [], [], []
    ours(), theirs()   # warm-up: first-touch page faults, torch's dispatch caches
    for _ in range(repeat):
        start = time.process_time()
        ours()
        middle = time.process_time()
        theirs()
        end = time.process_time()
        mine.append(middle - start)
        other.append(end - middle)
        ratios.append((middle - start) / max(end - middle, 1e-9))
    return 1e3 * statistics.median(mine), 1e3 * statistics.median(other), statistics.median(ratios)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--only", default="", help="comma-separated layer types (prefixes) to run")
    args = parser.parse_args()
    if torch is None:
        sys.exit("PyTorch is not installed: nothing to compare against")
    threads = int(os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or os.cpu_count())
    torch.set_num_threads(threads)
    torch.set_grad_enabled(False)
    only = [name for name in args.only.split(",") if name]
    print(f"load average {os.getloadavg()[0]:.2f}, {threads} thread(s), batch {args.batch}")
    print(f"{'layer type':<26}{'input':>12}{'ours ms':>10}{'torch ms':>10}{'ratio':>8}")
    worst: dict[str, float] = {}
    for channels, size in STAGES:
        x = np.random.default_rng(0).standard_normal((args.batch, channels, size, size), dtype=np.float32)
        for name, ours, theirs in cases(x, channels):
            if only and not any(name.startswith(prefix) for prefix in only):
                continue
            ours_ms, torch_ms, ratio = side_by_side(ours, theirs, args.repeat)
            worst[name] = max(worst.get(name, 0.0), ratio)
            print(f"{name:<26}{f'{channels}×{size}×{size}':>12}{ours_ms:>10.2f}{torch_ms:>10.2f}{ratio:>8.2f}")
    print("\nworst stage per layer type (ours / torch):")
    for name, ratio in worst.items():
        print(f"  {name:<26}{ratio:>6.2f}{'' if ratio <= 2 else '   over 2×'}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
