"""Benchmark of ``archcalc verify --all``: every shipped spec at its native input, as a user runs it.

Runs the command in a child process and reports its wall time, CPU time and peak resident memory
(the child's ``ru_maxrss`` from ``os.wait4``, the figure ``resource.getrusage`` gives for it), then
each model's time and measured activation peak from the JSON output. Targets: whole zoo under a
minute, peak RSS under 2 GiB. Set ``OPENBLAS_NUM_THREADS=1`` to measure on a busy machine.
Measurements only; nothing here is an assertion.

    .venv/bin/python benchmarks/bench_verify.py              # the zoo, batch 1
    .venv/bin/python benchmarks/bench_verify.py --heavy      # also vgg16 at batch 32
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

TARGET_SECONDS = 60
TARGET_RSS = 2 * 2**30


def run(args: list[str]) -> tuple[float, float, int, object]:
    """(wall seconds, CPU seconds, peak RSS bytes, parsed JSON) of one ``archcalc verify ARGS`` process.

    ``os.wait4`` reports the resource usage of that one child (RUSAGE_CHILDREN would keep the
    largest child so far)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as errors:
        child = subprocess.Popen([sys.executable, "-m", "archcalc", "verify", *args, "--format", "json"],
                                 stdout=subprocess.PIPE, stderr=errors, text=True)
        output = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        if child.returncode not in (0, 1):
            errors.seek(0)
            sys.exit(f"archcalc verify {' '.join(args)} failed:\n{errors.read()}")
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss * 1024, json.loads(output)  # ru_maxrss is in kilobytes on Linux


def mib(value: int) -> str:
    return f"{value / 2**20:,.1f} MiB"


def zoo() -> None:
    wall, cpu, rss, results = run(["--all"])
    print(f"{'model':<28} {'layers':>6} {'verdict':>8} {'time':>8} {'measured peak':>14} {'estimated':>12}")
    for r in results:
        print(f"{r['model']:<28} {r['layers_checked']:>6} {r['verdict']:>8} {r['seconds']:>7.2f}s "
              f"{mib(r['peak_bytes']):>14} {mib(r['estimated_peak_bytes']):>12}")
    macs = sum(r["executed_macs"] for r in results)
    print(f"\narchcalc verify --all: {len(results)} models, {sum(r['layers_checked'] for r in results)} layers, "
          f"{macs / 1e9:.1f} G MACs executed")
    print(f"  wall time {wall:.1f} s (target < {TARGET_SECONDS} s: {'met' if wall < TARGET_SECONDS else 'MISSED'}); "
          f"{macs / 1e9 / wall:.1f} G MACs/s overall; CPU time {cpu:.1f} s (user + system, both cores)")
    print(f"  peak RSS  {mib(rss)} (target < {mib(TARGET_RSS)}: {'met' if rss < TARGET_RSS else 'MISSED'})")


def heavy() -> None:
    wall, _, rss, result = run(["vgg16", "--batch", "32"])
    print(f"\narchcalc verify vgg16 --batch 32: {result['verdict']}, wall {wall:.1f} s, peak RSS {mib(rss)}, "
          f"measured activation peak {mib(result['peak_bytes'])} (estimate {mib(result['estimated_peak_bytes'])})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heavy", action="store_true", help="also verify vgg16 at batch 32")
    options = parser.parse_args()
    zoo()
    if options.heavy:
        heavy()
