"""archcalc diagram: DOT and Mermaid text that match the analysed graph, SVG/PNG through Graphviz."""

import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest
from click.testing import CliRunner

from archcalc.cli import main
from archcalc.render import diagram as drawing
from tests.conftest import Result
from archcalc.zoo import resolve


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def picture(name, depth=None, all_layers=False):
    result = Result(resolve(name))
    return result, drawing.build(result.spec, result.analysis, depth, all_layers)


def dot_counts(text):
    nodes = re.findall(r"^\s+(\w+) \[label=", text, re.MULTILINE)
    edges = re.findall(r"^\s+(\w+) -> (\w+) \[", text, re.MULTILINE)
    return nodes, edges


def mermaid_counts(text):
    nodes = re.findall(r'^\s+(\w+)\["', text, re.MULTILINE)
    edges = re.findall(r"^\s+(\w+) -->\|", text, re.MULTILINE)
    return nodes, edges


def test_every_layer_and_connection_is_drawn_with_all_layers():
    result, picture_ = picture("googlenet_torchvision", all_layers=True)
    graph = result.graph
    connections = {(source, node.index) for node in graph.nodes for source in node.inputs}
    nodes, edges = dot_counts(drawing.to_dot(picture_))
    assert len(nodes) == len(graph.nodes) and len(edges) == len(connections)
    nodes, edges = mermaid_counts(drawing.to_mermaid(picture_))
    assert len(nodes) == len(graph.nodes) and len(edges) == len(connections)


def test_in_place_activations_fold_into_the_node_they_follow():
    # ResNet-18: 70 graph nodes; 17 in-place ReLUs (1 in the stem, 2 in each of 8 blocks) and the
    # flatten view each have a single producer, so 70 − 18 = 52 boxes, and a chain keeps n − 1 + 8
    # shortcut edges (every block's input also feeds its add).
    _, picture_ = picture("resnet18")
    assert len(picture_.boxes) == 52 and len(picture_.arrows) == 51 + 8
    assert any(box.title == "relu1" for box in picture("resnet18", all_layers=True)[1].boxes)
    assert "bn1 + relu" in [box.title for box in picture_.boxes]


def test_depth_zero_collapses_each_block_into_one_node():
    result, picture_ = picture("resnet18", depth=0)
    titles = [box.title for box in picture_.boxes]
    assert titles == ["input", "conv1", "bn1 + relu", "maxpool", "layer1.0", "layer1.1", "layer2.0", "layer2.1",
                      "layer3.0", "layer3.1", "layer4.0", "layer4.1", "avgpool + flatten", "fc"]
    assert len(picture_.arrows) == len(titles) - 1
    block = picture_.boxes[4]
    # layer1.0: two 3×3 convs 64→64 (36,864 weights each, no bias) and two BNs (128 each)
    assert block.lines == ["block · 7 layers", "74.0K params · 231M MACs"]
    assert 2 * 64 * 64 * 9 + 2 * 128 == sum(int(r.params.trainable[0]) for r in result.analysis.rows
                                             if r.name.startswith("layer1.0/"))
    labels = [arrow.label for arrow in picture_.arrows]
    assert labels[:4] == ["3×224×224", "64×112×112", "64×112×112", "64×56×56"] and labels[-1] == "512"


def test_nested_blocks_are_nested_clusters():
    _, picture_ = picture("googlenet_torchvision")
    clusters = picture_.clusters()
    assert ("inception3a",) in clusters and ("inception3a", "inception3a/branch2.0") in clusters
    text = drawing.to_dot(picture_)
    assert 'subgraph "cluster_inception3a" {' in text and 'subgraph "cluster_inception3a/branch2.0" {' in text


def test_shapes_of_any_rank():
    arrays = lambda *dims: tuple(np.array([d]) for d in dims)
    assert drawing.shape_text(d[0] for d in arrays(16, 100)) == "16×100"
    assert drawing.shape_text(d[0] for d in arrays(8, 4, 32, 32)) == "8×4×32×32"
    assert drawing.shape_text([1000]) == "1000"


def test_mermaid_text():
    text = run("diagram", "lenet5", "--format", "mermaid").output
    assert text.startswith("flowchart TB\n")
    nodes, edges = mermaid_counts(text)
    assert nodes[0] == "n0" and len(edges) == len(nodes) - 1
    assert '-->|"6×28×28"|' in text


def test_dot_parses_and_renders_with_graphviz(tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz 'dot' is not installed (apt-get install graphviz)")
    _, picture_ = picture("resnet18", depth=1)
    text = drawing.to_dot(picture_)
    svg = subprocess.run(["dot", "-Tsvg"], input=text.encode(), capture_output=True, check=True).stdout
    root = ElementTree.fromstring(svg)
    groups = [g.get("class") for g in root.iter("{http://www.w3.org/2000/svg}g")]
    assert groups.count("node") == len(picture_.boxes) and groups.count("edge") == len(picture_.arrows)
    assert groups.count("cluster") == len(picture_.clusters())


@pytest.mark.parametrize("suffix, magic", [("svg", b"<?xml"), ("png", b"\x89PNG\r\n\x1a\n")])
def test_cli_renders_by_extension(tmp_path, suffix, magic):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz 'dot' is not installed (apt-get install graphviz)")
    path = tmp_path / f"lenet.{suffix}"
    result = run("diagram", "lenet5", "-o", str(path))
    assert result.exit_code == 0, result.output
    assert path.read_bytes().startswith(magic) and path.stat().st_size > 1000


def test_missing_graphviz_is_one_line_and_exit_2(tmp_path, monkeypatch):
    monkeypatch.setattr(drawing.shutil, "which", lambda name: None)
    result = CliRunner().invoke(main, ["diagram", "lenet5", "--format", "svg", "-o", str(tmp_path / "x.svg")])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "graphviz" in result.output
    assert run("diagram", "lenet5", "--format", "dot").exit_code == 0  # text needs nothing


def test_bad_spec_gives_the_located_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("input: 3x8x8\nlayers:\n  - conv: {out: 4, kernel: 9}\n")
    result = CliRunner().invoke(main, ["diagram", str(path)])
    assert result.exit_code == 2 and result.output.startswith(f"{path}:3:")


def test_an_onnx_model_is_drawn_like_a_spec(tmp_path):
    onnx = pytest.importorskip("onnx", reason="the onnx extra (pip install 'archcalc[onnx]') is not installed")
    from onnx import TensorProto, helper, numpy_helper

    weights = numpy_helper.from_array(np.zeros((8, 3, 3, 3), np.float32), "w")
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="relu")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
                              [helper.make_tensor_value_info("r", TensorProto.FLOAT, None)], [weights])
    path = tmp_path / "tiny.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    text = run("diagram", str(path), "--format", "mermaid").output
    assert text.startswith("flowchart TB")
    nodes_, edges = mermaid_counts(text)
    assert len(nodes_) == 2 and len(edges) == 1  # input → conv (+ relu folded in)
    assert '-->|"3×16×16"|' in text and "216 params · 55.3K MACs" in text  # 8·3·3·3; 16·16·216


@pytest.mark.parametrize("spec_text, edges", [
    ("input: 3x100\nlayers:\n  - conv: {out: 16, kernel: 5}\n  - relu\n  - flatten\n  - fc: {out: 4}\n",
     ["3×100", "1536"]),                                      # C×L: 16 channels × (100 − 5 + 1) = 1,536
    ("input: 2x8x16x16\nlayers:\n  - conv: {out: 4, kernel: 3, padding: 1}\n  - maxpool: {kernel: 2}\n"
     "  - flatten\n  - fc: {out: 10}\n", ["2×8×16×16", "4×8×16×16", "1024"]),   # C×D×H×W: 4·4·8·8 = 1,024
])
def test_shapes_of_every_rank_label_the_edges(tmp_path, spec_text, edges):
    path = tmp_path / "net.yaml"
    path.write_text(spec_text)
    text = run("diagram", str(path), "--format", "dot").output
    assert re.findall(r'-> \w+ \[label=" ([^"]+)"\]', text) == edges
