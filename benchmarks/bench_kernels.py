"""How fast is archcalc's NumPy conv2d? VGG-16 at 224x224, batch 1.

Run on demand:  python benchmarks/bench_kernels.py [--repeat 5]

For each VGG-16 convolution it prints the median time of ``archcalc.kernels.conv`` against
the bare ``np.matmul`` of the same M x N x K (weights (O, C·kh·kw) times a ready-made window
matrix (C·kh·kw, H_out·W_out): the ceiling for an im2col design) and against PyTorch's
``F.conv2d`` when torch is installed, run with the same number of threads as NumPy's BLAS.
Then the whole VGG-16 forward pass (conv, ReLU, max pool, fully-connected) both ways.
Targets: each conv within 1.3x the bare GEMM, the whole forward within 2x PyTorch.

Threads follow NumPy's BLAS (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, else every CPU available);
``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_kernels.py`` compares single-threaded, which is
steadier on a busy machine. The load average is printed before and after: two-thread figures
taken while other work competes for the cores are noise.
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

# (name, in channels, out channels, input size); every layer is 3x3, stride 1, padding 1.
VGG16_CONVS = [
    ("conv1_1", 3, 64, 224),
    ("conv1_2", 64, 64, 224),
    ("conv2_1", 64, 128, 112),
    ("conv2_2", 128, 128, 112),
    ("conv3_1", 128, 256, 56),
    ("conv3_2", 256, 256, 56),
    ("conv3_3", 256, 256, 56),
    ("conv4_1", 256, 512, 28),
    ("conv4_2", 512, 512, 28),
    ("conv4_3", 512, 512, 28),
    ("conv5_1", 512, 512, 14),
    ("conv5_2", 512, 512, 14),
    ("conv5_3", 512, 512, 14),
]
POOL_AFTER = {"conv1_2", "conv2_2", "conv3_3", "conv4_3", "conv5_3"}
VGG16_FCS = [(512 * 7 * 7, 4096), (4096, 4096), (4096, 1000)]


def blas_threads() -> int:
    """Threads NumPy's BLAS uses: its environment variables, else every CPU this process may use."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def load_average() -> str:
    if not hasattr(os, "getloadavg"):
        return "load average unknown"
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


def median_ms(fns, repeat: int) -> list[float]:
    """Median milliseconds of each function. The functions take turns within every round, so a
    noisy neighbour on a shared machine slows all of them alike and the ratios stay meaningful.

    PyTorch's OpenMP threads and OpenBLAS's threads slow each other down badly when calls
    alternate between them (each pool spins for a while after its work; conv1_2 ran 6-9x slower
    interleaved with PyTorch, even with 50 ms pauses), so PyTorch is never among ``fns`` with
    NumPy functions: each block starts after a pause that lets the other pool go idle."""
    time.sleep(0.5)
    for fn in fns:
        fn()  # warm-up: first-touch allocations, BLAS buffers, backend choices
    times = [[] for _ in fns]
    for _ in range(repeat):
        for fn, record in zip(fns, times):
            start = time.perf_counter()
            fn()
            record.append(time.perf_counter() - start)
    return [1e3 * statistics.median(record) for record in times]


def torch_ms(fn, repeat: int):
    """Median milliseconds of a PyTorch call, timed in a block of its own, or None without torch."""
    if torch is None:
        return None
    with torch.inference_mode():
        return median_ms([fn], repeat)[0]


def he_normal(rng, shape):
    fan_in = int(np.prod(shape[1:]))
    return (rng.standard_normal(shape, dtype=np.float32) * np.float32(np.sqrt(2.0 / fan_in))).astype(np.float32)


def bench_layer(rng, c: int, o: int, size: int, repeat: int) -> tuple:
    """(MACs, conv2d ms, bare GEMM ms, PyTorch ms or None) for one 3x3, padding-1 convolution."""
    x = rng.standard_normal((1, c, size, size), dtype=np.float32)
    w = he_normal(rng, (o, c, 3, 3))
    b = np.zeros(o, np.float32)
    k, p = c * 9, size * size
    weight_matrix = w.reshape(o, k)
    window_matrix = rng.standard_normal((k, p), dtype=np.float32)
    ours, gemm = median_ms(
        [lambda: kernels.conv(x, w, b, padding=(1, 1, 1, 1)), lambda: weight_matrix @ window_matrix], repeat
    )
    ref = None
    if torch is not None:
        tx, tw, tb = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)
        ref = torch_ms(lambda: F.conv2d(tx, tw, tb, padding=1), repeat)
    return o * k * p, ours, gemm, ref


def vgg16_weights(rng):
    convs = [(he_normal(rng, (o, c, 3, 3)), np.zeros(o, np.float32)) for _, c, o, _ in VGG16_CONVS]
    fcs = [(he_normal(rng, (o, i)), np.zeros(o, np.float32)) for i, o in VGG16_FCS]
    return convs, fcs


def forward_numpy(x, convs, fcs):
    for (name, *_), (w, b) in zip(VGG16_CONVS, convs):
        x = kernels.relu(kernels.conv(x, w, b, padding=(1, 1, 1, 1))[0])
        if name in POOL_AFTER:
            x = kernels.max_pool(x, (2, 2), (2, 2))[0]
    x = x.reshape(x.shape[0], -1)
    for i, (w, b) in enumerate(fcs):
        x = kernels.linear(x, w, b)[0]
        if i < len(fcs) - 1:
            x = kernels.relu(x)
    return x


def forward_torch(x, convs, fcs):
    for (name, *_), (w, b) in zip(VGG16_CONVS, convs):
        x = F.relu(F.conv2d(x, w, b, padding=1))
        if name in POOL_AFTER:
            x = F.max_pool2d(x, 2, 2)
    x = x.flatten(1)
    for i, (w, b) in enumerate(fcs):
        x = F.linear(x, w, b)
        if i < len(fcs) - 1:
            x = F.relu(x)
    return x


def as_tensors(layers):
    return [(torch.from_numpy(w), torch.from_numpy(b)) for w, b in layers]


def ratio(a, b) -> str:
    return "-" if a is None or b is None else f"{a / b:.2f}x"


def ms(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per measurement (median)")
    args = parser.parse_args()

    threads = blas_threads()
    if torch is not None:
        torch.set_num_threads(threads)
    print(f"numpy {np.__version__}, torch {torch.__version__ if torch else 'not installed'}, threads {threads}")
    print(f"median of {args.repeat} runs, VGG-16 at 224x224, batch 1, {load_average()}\n")

    rng = np.random.default_rng(0)
    rows = [(name, *bench_layer(rng, c, o, size, args.repeat)) for name, c, o, size in VGG16_CONVS]
    header = f"{'layer':8} {'GMAC':>6} {'conv2d ms':>10} {'GEMM ms':>8} {'torch ms':>9} {'vs GEMM':>8} {'vs torch':>9}"
    print(header)
    print("-" * len(header))
    for name, macs, ours, gemm, ref in rows:
        print(
            f"{name:8} {macs / 1e9:6.3f} {ms(ours):>10} {ms(gemm):>8} {ms(ref):>9} {ratio(ours, gemm):>8} {ratio(ours, ref):>9}"
        )
    total = [sum(r[i] for r in rows) if all(r[i] is not None for r in rows) else None for i in (2, 3, 4)]
    print("-" * len(header))
    print(
        f"{'all':8} {sum(r[1] for r in rows) / 1e9:6.3f} {ms(total[0]):>10} {ms(total[1]):>8} {ms(total[2]):>9} "
        f"{ratio(total[0], total[1]):>8} {ratio(total[0], total[2]):>9}"
    )

    convs, fcs = vgg16_weights(rng)
    x = rng.standard_normal((1, 3, 224, 224), dtype=np.float32)
    (ours,) = median_ms([lambda: forward_numpy(x, convs, fcs)], args.repeat)
    line = f"\nwhole VGG-16 forward (conv+ReLU+pool+fc): numpy {ours:.1f} ms"
    if torch is not None:
        tx, t_convs, t_fcs = torch.from_numpy(x), as_tensors(convs), as_tensors(fcs)
        ref = torch_ms(lambda: forward_torch(tx, t_convs, t_fcs), args.repeat)
        with torch.inference_mode():
            diff = np.abs(forward_numpy(x, convs, fcs) - forward_torch(tx, t_convs, t_fcs).numpy()).max()
        line += f", torch {ref:.1f} ms, ratio {ratio(ours, ref)} (max |difference| of logits {diff:.2e})"
    print(line)
    print(load_average())


if __name__ == "__main__":
    main()
