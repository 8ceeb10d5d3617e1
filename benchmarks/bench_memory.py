"""Benchmark: training memory for 10,000 configurations in one walk against one walk each.

Run: python benchmarks/bench_memory.py. Prints times measured in one run; never an assertion.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archcalc.engine import Config, analyze  # noqa: E402
from archcalc.training import training_memory  # noqa: E402
from archcalc.zoo import catalog  # noqa: E402


def sweep(name: str = "resnet50", count: int = 10_000, sample: int = 50) -> None:
    graph = catalog()[name].graph()
    configs = [Config((3, 64 + i % 200, 64 + i % 200), 1 + i // 200) for i in range(count)]
    start = time.perf_counter()
    analysis = analyze(graph, configs)
    walked = time.perf_counter() - start
    result = training_memory(analysis, "adam")
    fits = result.max_batch(40 * 2**30)
    together = time.perf_counter() - start
    start = time.perf_counter()
    for config in configs[:sample]:
        training_memory(analyze(graph, [config]), "adam").max_batch(40 * 2**30)
    one = (time.perf_counter() - start) / sample
    print(f"{name}: {count:,} configurations (200 input sizes × 50 batches) in one walk: {together:.2f} s "
          f"(engine {walked:.2f} s, training memory and fit {together - walked:.2f} s)")
    print(f"{name}: one configuration per walk: {one * 1000:.1f} ms each, {one * count:.0f} s for {count:,} "
          f"({one * count / together:.0f}× the single walk); largest fitting batch ranges "
          f"{int(fits.min())}–{int(fits.max())}")


if __name__ == "__main__":
    sweep()
