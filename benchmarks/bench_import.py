"""Benchmark of ONNX import: a ResNet-50-sized file (about 100 MB of float32 weights), generated here.

The file is ResNet-50 as an exporter writes it in eval mode (batch norm folded into the
convolutions, so every conv has a bias), built with ``onnx.helper`` and random weights, written to
a temporary directory. ``archcalc summary model.onnx --format json`` then runs in a child process;
reported: its wall time, and its peak resident memory (``os.wait4``'s ``ru_maxrss`` for that one
child) beside the file's size and the same command's memory on a tiny file (the interpreter and
libraries). Targets: ≤ 2 s wall, memory close to the file size. Measurements only, no assertions.

    .venv/bin/python benchmarks/bench_import.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TARGET_SECONDS = 2.0


def resnet50_onnx(path: str, rng=np.random.default_rng(0)) -> int:
    """Write ResNet-50 (torchvision's layout, BN folded) to ``path``; returns its parameter count."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, tensors = [], []
    count = [0]

    def conv(x, cin, cout, kernel, stride=1, name="conv"):
        weight = rng.standard_normal((cout, cin, kernel, kernel), dtype=np.float32)
        bias = rng.standard_normal(cout, dtype=np.float32)
        tensors.extend([numpy_helper.from_array(weight, f"{name}.weight"), numpy_helper.from_array(bias, f"{name}.bias")])
        count[0] += weight.size + bias.size
        pad = kernel // 2
        nodes.append(helper.make_node("Conv", [x, f"{name}.weight", f"{name}.bias"], [f"{name}.out"],
                                      name=f"/{name}/Conv", kernel_shape=[kernel, kernel], strides=[stride, stride],
                                      pads=[pad] * 4))
        return f"{name}.out"

    def relu(x, name):
        nodes.append(helper.make_node("Relu", [x], [f"{name}.relu"], name=f"/{name}/Relu"))
        return f"{name}.relu"

    x = relu(conv("input", 3, 64, 7, 2, "conv1"), "conv1")
    nodes.append(helper.make_node("MaxPool", [x], ["pool"], name="/maxpool/MaxPool", kernel_shape=[3, 3],
                                  strides=[2, 2], pads=[1, 1, 1, 1]))
    x, cin = "pool", 64
    for stage, (width, blocks, stride) in enumerate([(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)], start=1):
        for block in range(blocks):
            name = f"layer{stage}.{block}"
            s = stride if block == 0 else 1
            y = relu(conv(x, cin, width, 1, 1, f"{name}.conv1"), f"{name}.conv1")
            y = relu(conv(y, width, width, 3, s, f"{name}.conv2"), f"{name}.conv2")
            y = conv(y, width, 4 * width, 1, 1, f"{name}.conv3")
            shortcut = conv(x, cin, 4 * width, 1, s, f"{name}.downsample") if block == 0 else x
            nodes.append(helper.make_node("Add", [y, shortcut], [f"{name}.add"], name=f"/{name}/Add"))
            x, cin = relu(f"{name}.add", name), 4 * width
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"], name="/avgpool/GlobalAveragePool"))
    nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], name="/Flatten"))
    weight = rng.standard_normal((1000, 2048), dtype=np.float32)
    bias = rng.standard_normal(1000, dtype=np.float32)
    tensors.extend([numpy_helper.from_array(weight, "fc.weight"), numpy_helper.from_array(bias, "fc.bias")])
    count[0] += weight.size + bias.size
    nodes.append(helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="/fc/Gemm", transB=1))
    graph = helper.make_graph(nodes, "resnet50", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 224, 224])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 1000])], tensors)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return count[0]


def run(args: list[str]) -> tuple[float, int, str, float]:
    """(wall seconds, peak RSS bytes, stdout, CPU seconds) of one ``archcalc ARGS`` child process."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "archcalc", *args], stdout=subprocess.PIPE,
                               env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent)))
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"archcalc {' '.join(args)} failed")
    return wall, usage.ru_maxrss * 1024, output, usage.ru_utime + usage.ru_stime


def main() -> None:
    import json

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "resnet50.onnx")
        tiny = os.path.join(directory, "tiny.onnx")
        # Written by a child process: a child forked from a parent holding 100 MB of weights would
        # start its ru_maxrss at the parent's size.
        subprocess.run([sys.executable, __file__, "--write", path, tiny], check=True)
        size = os.path.getsize(path)
        params = int(Path(path + ".params").read_text())
        in_process = subprocess.run([sys.executable, "-c", IN_PROCESS, path], check=True, capture_output=True,
                                    text=True, env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent)))
        base_wall, base_rss, _, base_cpu = run(["summary", tiny, "--format", "json"])
        timings = []
        for _ in range(3):
            wall, rss, output, cpu = run(["summary", path, "--format", "json"])
            timings.append((wall, rss, cpu))
        reported = json.loads(output)["totals"]["params"]
        wall = min(t[0] for t in timings)
        rss = max(t[1] for t in timings)
        cpu = min(t[2] for t in timings)
        print(f"file: {size / 1e6:.1f} MB, {params:,} parameters (archcalc reports {reported:,})")
        print(f"import_onnx + analysis in one process, after the imports: {in_process.stdout.strip()}")
        print(f"archcalc summary tiny.onnx:      {base_wall:.2f} s wall, {base_cpu:.2f} s CPU, peak RSS {base_rss / 2**20:.0f} MiB "
              f"(interpreter, numpy, onnx)")
        print(f"archcalc summary resnet50.onnx:  {wall:.2f} s wall (best of 3; target ≤ {TARGET_SECONDS:.0f} s), "
              f"{cpu:.2f} s CPU, peak RSS {rss / 2**20:.0f} MiB = baseline + {(rss - base_rss) / 2**20:.0f} MiB "
              f"({(rss - base_rss) / size:.2f}× the file)")


IN_PROCESS = """
import sys, time
import onnx, onnx.shape_inference
from archcalc.engine import Config, analyze
from archcalc.zoo import resolve
started = time.perf_counter()
spec = resolve(sys.argv[1])
analyze(spec.graph(), [Config(spec.input_shape(), 1)])
print(f"{time.perf_counter() - started:.2f} s")
"""


def write_files(path: str, tiny: str) -> None:
    import onnx
    from onnx import TensorProto, helper

    Path(path + ".params").write_text(str(resnet50_onnx(path)))
    value = helper.make_tensor_value_info
    onnx.save(helper.make_model(helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "tiny",
                                                  [value("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                                                  [value("y", TensorProto.FLOAT, [1, 3, 8, 8])])), tiny)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        write_files(*sys.argv[2:4])
    else:
        main()
