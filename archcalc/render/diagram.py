"""Architecture diagrams: the analysed graph as Graphviz DOT or Mermaid text, and SVG/PNG via ``dot``.

Layers are nodes (name, type and settings, parameters and MACs); edges carry the tensor shape that
flows along them (C×H×W, C×L, C×D×H×W or F, whatever rank the network has); blocks are clusters,
named by the prefix of their layers' names (``layer1.0/conv1`` lives in block ``layer1.0``).

Two simplifications keep big networks readable, both stated on the picture's title line:

- an element-wise layer that allocates nothing and has no weights (an in-place ReLU, a flatten view)
  is drawn inside the node it reads from ("conv1 + relu1") when it is that node's only reader;
  ``all_layers=True`` draws it as a node of its own;
- ``depth=N`` draws blocks nested up to N levels as clusters and collapses deeper blocks into one
  node each, with the block's summed parameters and MACs.

Only formatting happens here; every number comes from the engine's :class:`~archcalc.engine.Analysis`.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field

from ..conventions import NEW
from ..errors import ArchcalcError
from ..units import human

#: Okabe–Ito colours (colour-blind safe), lightened for fills behind black text; the type is also
#: written in every node, so colour is never the only cue.
FAMILY_FILL = {
    "input": "#ffffff",
    "conv": "#cce3f0",        # blue #0072B2
    "fc": "#f6d6c0",          # vermillion #D55E00
    "pool": "#f8e6bf",        # orange #E69F00
    "norm": "#e6e6e6",        # grey
    "activation": "#c2e7dc",  # bluish green #009E73
    "join": "#faf6c8",        # yellow #F0E442
    "shape": "#f0dbe7",       # reddish purple #CC79A7
    "block": "#dcecf8",       # sky blue #56B4E9
    "other": "#f2f2f2",
}
GRAPHVIZ_FORMATS = ("svg", "png")
INSTALL_GRAPHVIZ = ("SVG and PNG diagrams need Graphviz's 'dot' program: install the 'graphviz' package "
                    "(apt-get install graphviz, brew install graphviz), or use --format dot or mermaid")


@dataclass
class Box:
    """One drawn node: a layer (possibly with folded element-wise layers) or a collapsed block."""

    key: str
    title: str
    lines: list[str]
    family: str
    cluster: tuple[str, ...]


@dataclass
class Arrow:
    source: str
    target: str
    label: str


@dataclass
class Diagram:
    """What to draw, independent of the output language."""

    name: str
    caption: str
    notes: list[str] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)

    def clusters(self) -> list[tuple[str, ...]]:
        """Every cluster path that holds a box, parents before children."""
        paths = set()
        for box in self.boxes:
            for end in range(1, len(box.cluster) + 1):
                paths.add(box.cluster[:end])
        return sorted(paths, key=lambda p: (len(p), p))


def shape_text(shape) -> str:
    """A per-sample shape of any rank as the lectures write it: 64×56×56, 16×100, 512."""
    return "×".join(str(int(d)) for d in shape)


def _block_path(name: str) -> tuple[str, ...]:
    parts = name.split("/")[:-1]
    return tuple("/".join(parts[:end]) for end in range(1, len(parts) + 1))


def _foldable(row, readers, index: int) -> bool:
    """An element-wise layer with nothing of its own to show (in place or a view, no weights, no MACs)
    that is the only reader of its one input."""
    layer = row.layer
    return (layer is not None and layer.storage != NEW and len(row.node.inputs) == 1
            and not int(row.params.trainable[index]) and not int(row.macs[index])
            and len(readers[row.node.inputs[0]]) == 1)


def build(spec, analysis, depth: int | None = None, all_layers: bool = False, index: int = 0) -> Diagram:
    """The diagram of configuration ``index`` of an analysis."""
    graph = analysis.graph
    rows = analysis.rows
    readers = graph.consumers()
    config = analysis.configs[index]
    notes = []
    if not all_layers:
        notes.append("in-place and view layers drawn in the node they follow")
    if depth is not None:
        notes.append(f"blocks nested deeper than {depth} collapsed")
    diagram = Diagram(spec.name, f"{spec.title} — input {shape_text(config.input_shape)}"
                      + (f", batch {config.batch}" if config.batch != 1 else ""), notes)

    # Which drawn unit each graph node belongs to: itself, the node it folds into, or its block.
    unit: list[str] = []
    boxes: dict[str, Box] = {}
    members: dict[str, list] = {}
    block_keys: dict[str, str] = {}
    for row in rows:
        node = row.node
        path = _block_path(node.name)
        if depth is not None and len(path) > depth:
            key = block_keys.setdefault(path[depth], f"b{len(block_keys)}")
            unit.append(key)
            members.setdefault(key, []).append(row)
            if key not in boxes:
                boxes[key] = Box(key, path[depth].rsplit("/", 1)[-1], [], "block", path[:depth])
            continue
        producer = unit[node.inputs[0]] if node.inputs else None
        if (not all_layers and _foldable(row, readers, index) and producer not in members
                and boxes[producer].cluster == path):  # never drawn outside its own block
            key = producer
            unit.append(key)
            boxes[key].title += f" + {node.type_name}"
            continue
        key = f"n{node.index}"
        unit.append(key)
        title = node.name.rsplit("/", 1)[-1]  # the cluster around it names the block
        boxes[key] = Box(key, title, _layer_lines(row, index), row.layer.family if row.layer else "input", path)

    for key, block_rows in members.items():
        params = sum(int(r.params.trainable[index]) for r in block_rows)
        macs = sum(int(r.macs[index]) for r in block_rows)
        boxes[key].lines = [f"block · {len(block_rows)} layers", _cost(params, macs)]
    diagram.boxes = list(boxes.values())

    seen = set()
    for row in rows:
        target = unit[row.node.index]
        for source_index in row.node.inputs:
            source = unit[source_index]
            if source == target or (source, target) in seen:
                continue
            seen.add((source, target))
            diagram.arrows.append(Arrow(source, target, shape_text(d[index] for d in rows[source_index].output_shape)))
    return diagram


def _cost(params: int, macs: int) -> str:
    parts = []
    if params:
        parts.append(f"{human(params)} params")
    if macs:
        parts.append(f"{human(macs)} MACs")
    return " · ".join(parts)


def _layer_lines(row, index: int) -> list[str]:
    if row.layer is None:
        return [shape_text(d[index] for d in row.output_shape)]
    kind = " ".join(part for part in (row.node.type_name, row.description) if part)
    if kind == row.node.name.rsplit("/", 1)[-1]:  # 'fc' named fc: say it once
        kind = ""
    cost = _cost(int(row.params.trainable[index]), int(row.macs[index]))
    return [line for line in (kind, cost) if line]


def _full_caption(diagram: Diagram, separator: str) -> str:
    if not diagram.notes:
        return diagram.caption
    return f"{diagram.caption}{separator}({'; '.join(diagram.notes)})"


# ---- DOT ----

def _dot_string(text: str) -> str:
    """A quoted DOT string; a newline becomes DOT's centred line break."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(diagram: Diagram) -> str:
    """Graphviz DOT: top to bottom, one cluster per block."""
    out = [f"digraph {_dot_string(diagram.name)} {{",
           f"  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=12, labelloc=t, "
           f"label={_dot_string(_full_caption(diagram, chr(10)))}, nodesep=0.3, ranksep=0.35, newrank=true];",
           '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, color="#4d4d4d", '
           'penwidth=0.8, margin="0.12,0.05"];',
           '  edge [fontname="Helvetica", fontsize=9, color="#595959", fontcolor="#333333", arrowsize=0.6];']
    children: dict[tuple, list] = {}
    for path in diagram.clusters():
        children.setdefault(path[:-1], []).append(path)
    by_cluster: dict[tuple, list[Box]] = {}
    for box in diagram.boxes:
        by_cluster.setdefault(box.cluster, []).append(box)

    def emit(path: tuple, indent: str) -> None:
        for box in by_cluster.get(path, []):
            label = "\\n".join(_dot_string(line)[1:-1] for line in [box.title, *box.lines])
            out.append(f'{indent}{box.key} [label="{label}", fillcolor="{FAMILY_FILL.get(box.family, FAMILY_FILL["other"])}"];')
        for child in children.get(path, []):
            out.append(f"{indent}subgraph {_dot_string('cluster_' + child[-1])} {{")
            out.append(f'{indent}  label={_dot_string(child[-1].split("/")[-1])}; style="rounded,dashed"; '
                       f'color="#8c8c8c"; fontsize=10; labeljust=l;')
            emit(child, indent + "  ")
            out.append(f"{indent}}}")

    emit((), "  ")
    for arrow in diagram.arrows:
        out.append(f"  {arrow.source} -> {arrow.target} [label={_dot_string(' ' + arrow.label)}];")
    out.append("}")
    return "\n".join(out) + "\n"


# ---- Mermaid ----

def _mermaid_id(key: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in key)


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def to_mermaid(diagram: Diagram) -> str:
    """Mermaid flowchart (renders on GitHub, GitLab and in many editors)."""
    out = ["flowchart TB", f"  %% {_mermaid_text(_full_caption(diagram, ' '))}"]
    families = sorted({box.family for box in diagram.boxes})
    for family in families:
        out.append(f"  classDef {family} fill:{FAMILY_FILL.get(family, FAMILY_FILL['other'])},stroke:#4d4d4d,color:#000")
    children: dict[tuple, list] = {}
    for path in diagram.clusters():
        children.setdefault(path[:-1], []).append(path)
    by_cluster: dict[tuple, list[Box]] = {}
    for box in diagram.boxes:
        by_cluster.setdefault(box.cluster, []).append(box)

    def emit(path: tuple, indent: str) -> None:
        for box in by_cluster.get(path, []):
            label = "<br/>".join(_mermaid_text(line) for line in [box.title, *box.lines])
            out.append(f'{indent}{_mermaid_id(box.key)}["{label}"]:::{box.family}')
        for child in children.get(path, []):
            out.append(f'{indent}subgraph {_mermaid_id("cluster_" + child[-1])}["{_mermaid_text(child[-1].split("/")[-1])}"]')
            emit(child, indent + "  ")
            out.append(f"{indent}end")

    emit((), "  ")
    for arrow in diagram.arrows:
        out.append(f'  {_mermaid_id(arrow.source)} -->|"{_mermaid_text(arrow.label)}"| {_mermaid_id(arrow.target)}')
    return "\n".join(out) + "\n"


# ---- Graphviz rendering ----

def render_graphviz(dot_text: str, fmt: str) -> bytes:
    """Run ``dot -T<fmt>``; a missing Graphviz is a user error with the fix in one line."""
    if fmt not in GRAPHVIZ_FORMATS:
        raise ValueError(f"Graphviz output is one of {GRAPHVIZ_FORMATS}, got {fmt!r}")
    program = shutil.which("dot")
    if program is None:
        raise ArchcalcError("E504", INSTALL_GRAPHVIZ)
    extra = ["-Gdpi=144"] if fmt == "png" else []
    result = subprocess.run([program, f"-T{fmt}", *extra], input=dot_text.encode("utf-8"), capture_output=True,
                            check=False)
    if result.returncode != 0:
        raise RuntimeError(f"dot failed: {result.stderr.decode('utf-8', 'replace').strip()}")
    return result.stdout
