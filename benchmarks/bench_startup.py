"""Start-up of ``archcalc summary vgg16`` next to the imports it cannot avoid (make bench).

Both commands run alternately in one process tree, so a busy machine slows both alike; the
ratio of the medians is the figure to watch (goal: at most 1.5×). Output goes to a pipe, as in
a script. Plain Python timing, hyperfine-style; never an assertion.

    python benchmarks/bench_startup.py [RUNS]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = [sys.executable, "-c", "import numpy, yaml, rich, click"]
COMMAND = [sys.executable, "-m", "archcalc", "summary", "vgg16"]


def wall(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("COLUMNS", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)   # measure as installed: with cached bytecode
    for command in (BASELINE, COMMAND):     # warm the file cache and the bytecode
        wall(command, env)
    baseline, command = [], []
    for _ in range(runs):
        baseline.append(wall(BASELINE, env))
        command.append(wall(COMMAND, env))
    b, c = statistics.median(baseline), statistics.median(command)
    print(f"python -c 'import numpy, yaml, rich, click'  median {b * 1000:6.1f} ms  "
          f"(min {min(baseline) * 1000:.1f}, {runs} runs)")
    print(f"archcalc summary vgg16                        median {c * 1000:6.1f} ms  "
          f"(min {min(command) * 1000:.1f}, {runs} runs)")
    print(f"ratio {c / b:.2f}× (medians), {min(command) / min(baseline):.2f}× (minima); goal ≤ 1.5×")


if __name__ == "__main__":
    main()
