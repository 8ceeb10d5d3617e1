"""Benchmarks of the engine and the command line, run on demand (make bench).

Prints ratios measured in one run on this machine; never used as assertions.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archcalc.engine import Config, analyze  # noqa: E402
from archcalc.totals import totals  # noqa: E402
from archcalc.zoo import catalog  # noqa: E402


def median_wall(command: list[str], repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def startup() -> None:
    archcalc = str(Path(sys.executable).with_name("archcalc"))
    bare = median_wall([sys.executable, "-c", "import numpy, yaml, rich, click"])
    summary = median_wall([archcalc, "summary", "vgg16"])
    listing = median_wall([archcalc, "list"])
    print(f"python -c 'import numpy, yaml, rich, click'   median {bare * 1000:7.1f} ms")
    print(f"archcalc summary vgg16                         median {summary * 1000:7.1f} ms  ({summary / bare:.2f}× the imports)")
    print(f"archcalc list  (every shipped spec)            median {listing * 1000:7.1f} ms  ({listing / bare:.2f}× the imports)")


def vectorized(sizes: int = 10_000, sample: int = 100) -> None:
    graph = catalog()["resnet50"].graph()
    configs = [Config((3, 64 + i, 64 + i)) for i in range(sizes)]
    start = time.perf_counter()
    totals(analyze(graph, configs))
    together = time.perf_counter() - start
    start = time.perf_counter()
    for config in configs[:sample]:
        totals(analyze(graph, [config]))
    one = (time.perf_counter() - start) / sample
    print(f"resnet50, {sizes:,} input sizes in one vectorized walk: {together:.3f} s")
    print(f"resnet50, one size per walk: {one * 1000:.2f} ms per walk (mean of {sample}) → "
          f"{one * sizes:.1f} s for {sizes:,}")
    print(f"ratio: {one * sizes / together:.0f}× faster vectorized")


if __name__ == "__main__":
    startup()
    vectorized()
