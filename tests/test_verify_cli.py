"""'archcalc verify' on the command line: exit codes 0/1/2, the table, JSON for CI, --all."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from rich.console import Console

from archcalc import zoo
from archcalc.cli import main
from archcalc.engine import Config
from archcalc.layers import REGISTRY
from archcalc.render.verify import LayerProgress
from archcalc.verify import verify

from tests.conftest import spec_from_text

SPEC = """\
name: tiny
input: 3x8x8
layers:
  - conv: {name: conv1, out: 4, kernel: 3, padding: 1}
  - relu
  - maxpool: {name: pool1, kernel: 2}
  - flatten
  - fc: {name: fc1, out: 5}
"""


@pytest.fixture
def spec_file(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(SPEC)
    return str(path)


def run(*args):
    return CliRunner().invoke(main, ["verify", *args])


def test_agreement_exits_0_with_a_row_per_layer(spec_file):
    result = run(spec_file, "--batch", "2")
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines() if line.split()[:1] in (["conv1"], ["fc1"])]
    # conv1: 2·8·8·4·3·3·3 MACs; fc1: 2·(4·4·4)·5
    assert rows[0][2:6] == ["4×8×8", "4×8×8", "13,824", "13,824"]
    assert rows[1][2:6] == ["5", "5", "640", "640"]
    assert "all 5 layers agree" in result.output


def test_json_output_parses(spec_file):
    result = run(spec_file, "--input", "3x6x6", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["verdict"] == "ok" and data["input"] == [3, 6, 6] and data["batch"] == 1
    conv = data["layers"][0]
    assert conv["predicted_shape"] == conv["actual_shape"] == [4, 6, 6]
    assert conv["executed_macs"] == 6 * 6 * 4 * 27
    assert conv["drawn_params"] == 4 * 27 + 4
    assert data["peak_bytes"] == data["estimated_peak_bytes"] > 0


def test_a_mismatch_exits_1_naming_layer_and_location(spec_file, monkeypatch):
    conv = REGISTRY["conv"]
    original = conv.macs
    monkeypatch.setattr(conv, "macs", lambda self, inputs, output: 2 * original(self, inputs, output))
    result = run(spec_file)
    assert result.exit_code == 1
    assert f"{spec_file}:4:5: conv 'conv1': MACs predicted 13,824, executed 6,912" in result.output
    as_json = run(spec_file, "--format", "json")
    assert as_json.exit_code == 1
    data = json.loads(as_json.output)
    assert data["verdict"] == "mismatch"
    assert data["mismatches"] == [{"layer": "conv1", "location": f"{spec_file}:4:5",
                                   "problem": "MACs predicted 13,824, executed 6,912"}]


@pytest.mark.parametrize("args", [
    ["no_such_model"],
    [],                                            # neither MODEL nor --all
    ["lenet5", "--all"],
    ["--all", "--input", "1x32x32"],
    ["lenet5", "--input", "3xbig"],
    ["lenet5", "--input", "1x30x31"],              # C1 5×5 → 26×27 → S2 2×2: 13.5 is not an integer
    ["lenet5", "--batch", "0"],
    ["lenet5", "--max-bytes", "lots"],
])
def test_bad_input_exits_2(args):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_all_prints_one_line_per_model(monkeypatch):
    small = {name: zoo.catalog()[name] for name in ("lenet5", "inception_reduced")}
    monkeypatch.setattr(zoo, "catalog", lambda: small)
    result = run("--all")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split()[:4] for line in lines[:2]] == [["lenet5", "12", "layers", "✓"],
                                                       ["inception_reduced", "8", "layers", "✓"]]
    assert "2 models, 20 layers: all agree" in lines[-1]
    as_json = json.loads(run("--all", "--format", "json").output)
    assert [r["model"] for r in as_json] == ["lenet5", "inception_reduced"]


def test_progress_only_on_a_terminal():
    graph = spec_from_text(SPEC).graph()
    quiet = LayerProgress(Console(file=io.StringIO(), force_terminal=False))
    with quiet, quiet.track("tiny") as on_layer:
        assert on_layer is None
    seen = []
    live = LayerProgress(Console(file=io.StringIO(), force_terminal=True))
    with live, live.track("tiny") as on_layer:
        verify(graph, Config((3, 8, 8)), on_layer=lambda p, t, n: (seen.append((p, t, n.name)), on_layer(p, t, n)))
    assert seen[0] == (0, 5, "conv1") and seen[-1] == (4, 5, "fc1")
