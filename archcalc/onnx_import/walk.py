"""The walk over an imported graph: each node through its rule into spec layers, then the spec's text,
then the spec held to the file (every layer's shape to ONNX's inference, its parameters to the
node's constant operands)."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path

from ..errors import ArchcalcError
from .file import FileLocation
from .rules import RULES, Emit, NodeView, Unsupported
from .shapes import Value, shape_text


#: Constant inputs that are settings of the op, not its weights.
_SETTING_INPUTS = {"Resize": (1, 2, 3), "Upsample": (1,), "Clip": (1, 2), "Pad": (1, 2, 3), "Dropout": (1, 2)}
#: Constant inputs that are learned weights even when they hold one number (PReLU's shared slope).
_WEIGHT_INPUTS = {"PRelu": (1,)}
_FLOAT_TYPES = frozenset({1, 10, 11, 16})   # FLOAT, FLOAT16, DOUBLE, BFLOAT16


class Walk:
    """Every node of a graph, in order, through its rule: the spec layers, and what was not counted."""

    def __init__(self, path, nodes, values, shapes, opset, graph):
        self.path = path
        self.nodes = nodes
        self.values = values
        self.shapes = shapes
        self.opset = opset
        self.graph_outputs = [o.name for o in graph.output]
        self.readers: dict[str, list] = {}
        for node in nodes:
            for name in node.input:
                self.readers.setdefault(name, []).append(node)
        self.absorbed: set = set()
        self.absorbed_now: list = []
        #: Whether each initializer holds floating-point numbers (integer ones are shapes and indices).
        self.float_types = {t.name: t.data_type in _FLOAT_TYPES for t in graph.initializer}
        self.layers: list[dict] = []      # {"name", "type", "settings", "sources", "output", "expected"}
        self.unsupported: list = []
        self.names: set = {"input"}

    def is_read(self, name: str) -> bool:
        return bool(self.readers.get(name)) or name in self.graph_outputs

    def sole_reader(self, name: str):
        readers = self.readers.get(name, [])
        if len(readers) != 1 or name in self.graph_outputs:
            return None
        return readers[0]

    def absorb(self, *nodes) -> None:
        self.absorbed.update(id(n) for n in nodes)
        self.absorbed_now.extend(nodes)

    def constant_elements(self, proto) -> int:
        """Elements of the node's float constant operands of more than one element: its parameters
        (and buffers) as the file holds them. Resize's scales and region are settings, not weights."""
        total = 0
        for index, name in enumerate(proto.input):
            value = self.values.get(name) if name else None
            if value is None or not value.constant or value.shape is None or index in _SETTING_INPUTS.get(proto.op_type, ()):
                continue
            if value.data is not None and value.data.dtype.kind not in "fc":
                continue
            learned = index in _WEIGHT_INPUTS.get(proto.op_type, ())
            if self.float_types.get(name, True) and (math.prod(value.shape) > 1 or learned):
                total += math.prod(value.shape)
        return total

    def sample_shape(self, name: str, node) -> tuple:
        dims = self.shapes.get(name)
        if dims is None or any(d is None for d in dims):
            raise ArchcalcError("E108", f"ONNX shape inference leaves the shape of '{name}' unknown "
                                        f"({shape_text(dims) if dims else 'no shape'})",
                                FileLocation(self.path, 1, 1), node.name or node.op_type)
        if not dims or dims[0] != 1:
            raise Unsupported(f"its output {shape_text(dims)} does not keep the batch axis first")
        return tuple(int(d) for d in dims[1:])

    def run(self) -> None:
        for proto in self.nodes:
            if id(proto) in self.absorbed:
                continue
            outputs = [o for o in proto.output if o]
            if all(o in self.values and self.values[o].constant for o in outputs) and outputs:
                continue  # folded: a constant
            node = NodeView(proto, self)
            function = RULES.get(proto.op_type) if proto.domain in ("", "ai.onnx") else None
            try:
                if not node.activations():
                    raise Unsupported("no input is the activation and it cannot be folded to a constant")
                if function is None:
                    raise Unsupported("")
                self.absorbed_now = []
                emits = function(node)
            except Unsupported as reason:
                self.unsupported.append((proto.op_type, proto.name or proto.op_type, str(reason)))
                self._opaque(proto)
                continue
            self._add(proto, emits)

    def _layer_name(self, proto, suffix: str = "") -> str:
        parts = [p for p in proto.name.split("/") if p]
        qualified = ""
        for part in parts[:-1]:
            # PyTorch's scopes repeat their parent's path: /layer1/layer1.0/conv1, /down/down.0
            last = qualified.rpartition(".")[2]
            if not qualified or part.startswith(qualified + "."):
                qualified = part
            elif part.split(".")[0] == last and "." in part:
                qualified = f"{qualified.rpartition('.')[0]}.{part}".lstrip(".")
            else:
                qualified = f"{qualified}.{part}"
        base = (qualified or (parts[-1] if parts else proto.op_type.lower())) + suffix
        base = base.replace("/", ".").replace(":", "_") or proto.op_type.lower()
        candidates = [base]
        if parts and qualified:
            candidates.append(f"{qualified}.{parts[-1]}{suffix}")
        for candidate in candidates:
            if candidate not in self.names:
                self.names.add(candidate)
                return candidate
        count = 2
        while f"{base}_{count}" in self.names:
            count += 1
        self.names.add(f"{base}_{count}")
        return f"{base}_{count}"

    def _add(self, proto, emits: list[Emit]) -> None:
        params = sum(self.constant_elements(p) for p in (proto, *self.absorbed_now))
        for position, emit in enumerate(emits):
            suffix = "" if len(emits) == 1 or position == 0 else f".{position}"
            name = self._layer_name(proto, suffix)
            sources = [self.values[s].layer for s in emit.sources]
            expected = self.sample_shape(emit.output, proto) if "#" not in emit.output else None
            self.layers.append({"name": name, "type": emit.type, "settings": emit.settings, "sources": sources,
                                "output": emit.output, "expected": expected, "node": proto.name or proto.op_type,
                                "params": params if position == 0 else 0})
            self.values[emit.output] = Value(self.shapes.get(emit.output, (1, *(expected or ()))), layer=name)

    def _opaque(self, proto) -> None:
        """An unsupported node, when the caller proceeds anyway: a placeholder of its output's shape."""
        for output in [o for o in proto.output if o]:
            try:
                shape = self.sample_shape(output, proto)
            except Unsupported:
                continue
            name = self._layer_name(proto)
            sources = [self.values[s].layer for s in proto.input if s and not self.values[s].constant]
            self.layers.append({"name": name, "type": "opaque",
                                "settings": {"op": proto.op_type, "shape": list(shape)},
                                "sources": sources or ["input"], "output": output, "expected": shape,
                                "node": proto.name or proto.op_type, "params": 0})
            self.values[output] = Value(self.shapes.get(output), layer=name)

    def unsupported_message(self) -> str:
        counts = Counter(op for op, _, _ in self.unsupported)
        parts = []
        for op, count in counts.most_common():
            nodes = [f"'{name}'" + (f" ({reason})" if reason else "") for o, name, reason in self.unsupported if o == op]
            shown = ", ".join(nodes[:5]) + (f", … {len(nodes) - 5} more" if len(nodes) > 5 else "")
            parts.append(f"{op} ×{count}: {shown}")
        return ("ops archcalc cannot count: " + "; ".join(parts) +
                " (--allow-unsupported proceeds without them and lists them)")

    def _prune(self) -> list[dict]:
        """The layers the graph's outputs depend on, in order (nodes computing nothing used are dropped)."""
        by_name = {layer["name"]: layer for layer in self.layers}
        needed, stack = set(), []
        for output in self.graph_outputs:
            value = self.values.get(output)
            if value is None or value.constant or value.layer == "input":
                continue
            stack.append(value.layer)
        while stack:
            name = stack.pop()
            if name in needed or name == "input":
                continue
            needed.add(name)
            stack.extend(by_name[name]["sources"])
        if not needed:
            raise ArchcalcError("E108", "no graph output is computed from the input", FileLocation(self.path, 1, 1))
        return [layer for layer in self.layers if layer["name"] in needed]

    def document(self, name: str, sample: tuple, model) -> str:
        layers = self._prune()
        outputs = {self.values[o].layer for o in self.graph_outputs if o in self.values}
        producer = f"{model.producer_name} {model.producer_version}".strip()
        lines = [f"# Imported from {Path(self.path).name} by 'archcalc import'. Layer names are the graph's node",
                 "# names; parameters are the constant operands of each node (docs/import.md).",
                 f"name: {flow_scalar(name)}",
                 f"title: {flow_scalar(name + ' (ONNX)')}",
                 f"source: {flow_scalar(f'{Path(self.path).name}: ' + (producer + ', ' if producer else '') + f'opset {self.opset}')}",
                 f"input: {'x'.join(map(str, sample))}",
                 "rounding: floor   # ONNX's output sizes round down unless a node sets ceil_mode"]
        if self.unsupported:
            listed = "; ".join(f"{op} '{node}'" for op, node, _ in self.unsupported)
            lines.append(f"notes: {flow_scalar('Not counted (unsupported ops, placeholders of their output shape): ' + listed)}")
        lines.append("layers:")
        previous = "input"
        for position, layer in enumerate(layers):
            settings = {"name": layer["name"], **layer["settings"]}
            if layer["sources"] != [previous]:
                settings["from"] = layer["sources"][0] if len(layer["sources"]) == 1 else layer["sources"]
            if layer["name"] in outputs and position != len(layers) - 1:
                settings["output"] = True
            lines.append(f"  - {layer['type']}: {flow(settings)}")
            previous = layer["name"]
        self.kept = layers
        return "\n".join(lines) + "\n"

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
#: Words YAML 1.1 (PyYAML) reads as booleans or null.
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def flow(value) -> str:
    """A value in YAML flow style, for the few kinds a layer's settings hold (PyYAML's dumper is
    a tenth of a second per hundred layers)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        mantissa, e, exponent = text.partition("e")
        if e and "." not in mantissa:   # PyYAML reads 1e-06 as a string, 1.0e-06 as a number
            text = f"{mantissa}.0e{exponent}"
        return text
    if isinstance(value, str):
        return value if _PLAIN.fullmatch(value) and value.lower() not in _YAML_WORDS else json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return "{" + ", ".join(f"{key}: {flow(v)}" for key, v in value.items()) + "}"


def flow_scalar(text: str) -> str:
    return flow(text)


def check_against_onnx(text: str, walk: Walk, path: str, sample: tuple) -> None:
    """Analyse the spec once and hold every layer's output shape to ONNX's shape inference."""
    from ..engine import Config, analyze
    from ..spec import load_specs

    spec = load_specs(path, text)[0]
    analysis = analyze(spec.graph(), [Config(tuple(sample), 1)])
    rows = {row.name: row for row in analysis.rows}
    for layer in walk.kept:
        if layer["expected"] is None:
            continue
        row = rows[layer["name"]]
        actual = tuple(int(d[0]) for d in row.output_shape)
        if actual != tuple(layer["expected"]):
            raise ArchcalcError("E110", f"archcalc computes {shape_text(actual)} for this layer, ONNX's shape "
                                        f"inference {shape_text(layer['expected'])} (ONNX node '{layer['node']}')",
                                FileLocation(path, 1, 1), layer["name"])
        counted = int(row.params.trainable[0] + row.params.buffers[0])
        if counted != layer["params"]:
            raise ArchcalcError("E110", f"archcalc counts {counted:,} parameters and buffers for this layer, the "
                                        f"constant operands of ONNX node '{layer['node']}' hold {layer['params']:,}",
                                FileLocation(path, 1, 1), layer["name"])
