"""Peak memory of ``summary --format json`` over 10,000 input sizes (make bench).

The records are streamed one configuration at a time, so the peak resident memory stays near
what the engine's walk needs (its arrays hold one entry per size) however many sizes there are.
Prints the child process's peak RSS and wall time; never an assertion.

    python benchmarks/bench_json_stream.py [MODEL] [SIZES]
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    model = sys.argv[1] if len(sys.argv) > 1 else "resnet18"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    # ResNet rounds down (floor), so every size is valid; one argument stays under the 128 KiB
    # a single command-line argument may hold on Linux
    sizes = ",".join(f"3x{s}x{s}" for s in range(64, 64 + count))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        done = subprocess.run([sys.executable, "-m", "archcalc", "summary", model, "--input", sizes,
                               "--format", "json"], stdout=sink, stderr=subprocess.PIPE, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(done.stderr.decode(errors="replace"))
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"summary {model} --format json, {count:,} input sizes: peak RSS {peak_kib / 2**20:.2f} GiB, "
          f"{seconds:.1f} s")


if __name__ == "__main__":
    main()
