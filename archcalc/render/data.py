"""Plain-data views of an analysis: the JSON contract, CSV rows, notes for readers.

docs/json.md documents the JSON shape; everything is an exact Python int.
"""

from __future__ import annotations

from ..conventions import FLOPS_PER_MAC
from ..engine import Analysis
from ..stochastic import training_cost
from ..training import training_note
from ..units import human


def _int(array, index: int) -> int:
    return int(array[index])


def layer_records(analysis: Analysis, index: int = 0) -> list[dict]:
    """One dict per graph node (the input first) for configuration ``index``."""
    nodes = analysis.graph.nodes
    records = []
    for row in analysis.rows:
        layer = row.layer
        element_bytes = analysis.element_bytes
        records.append({
            "name": row.name,
            "type": row.node.type_name,
            "inputs": [nodes[i].name for i in row.node.inputs],
            "input_shape": [[_int(d, index) for d in shape] for shape in row.input_shapes],
            "output_shape": [_int(d, index) for d in row.output_shape],
            "kernel": layer.describe() if layer is not None else "",
            "params": _int(row.params.trainable, index),
            "buffers": _int(row.params.buffers, index),
            "weights": _int(row.params.weights, index),
            "macs": _int(row.macs, index),
            "flops": _int(row.macs, index) * FLOPS_PER_MAC,
            "other_ops": {k: _int(v, index) for k, v in sorted(row.other_ops.items())},
            "activations": _int(row.activations, index),
            "activation_bytes": _int(row.activations, index) * element_bytes,
            "storage": layer.storage if layer is not None else "new",
            "receptive_field": _int(row.receptive_field(), index),
            "receptive_field_hw": [_int(row.field.size[0], index), _int(row.field.size[1], index)],
            "jump": [_int(row.field.jump[0], index), _int(row.field.jump[1], index)],
            "depth": row.node.depth,
        })
    return records


def summary(spec, analysis: Analysis, totals: dict, index: int = 0) -> dict:
    """The JSON object for one configuration (docs/json.md)."""
    config = analysis.configs[index]
    result = {
        "model": spec.name,
        "title": spec.title,
        "source": spec.source,
        "input": list(config.input_shape),
        "batch": config.batch,
        "dtype": analysis.dtype,
        "bytes_per_element": analysis.element_bytes,
        "totals": {k: _int(v, index) for k, v in totals.items()},
        "layers": layer_records(analysis, index),
        "metadata": spec.metadata,
    }
    cost = training_cost(analysis)
    if cost is not None:
        result["stochastic_depth"] = {
            "layers": cost.layers, "expected_layers": round(cost.expected_layers, 6),
            "macs": _int(cost.macs, index), "expected_macs": round(float(cost.expected_macs[index]), 1),
        }
    return result


def notes(analysis: Analysis, totals: dict, index: int = 0) -> list[str]:
    """Where the memory, the parameters and the work are: what a teacher would point at."""
    records = layer_records(analysis, index)
    lines = []
    for key, what in (("activations", "activation memory"), ("params", "parameters"), ("macs", "multiply-adds")):
        total = _int(totals[key], index)
        if total <= 0:
            continue
        ranked = sorted(records, key=lambda r: r[key], reverse=True)
        top = [r for r in ranked[:3] if r[key] > 0]
        share = sum(r[key] for r in top) / total
        names = ", ".join(f"{r['name']} ({r[key] / total:.0%})" for r in top)
        lines.append(f"Most {what}: {names} — {share:.0%} in {len(top)} layer{'s' if len(top) > 1 else ''}")
    half = _half_point(records, "activations", _int(totals["activations"], index))
    half_params = _half_point(records, "params", _int(totals["params"], index))
    if half is not None and half_params is not None:
        position = lambda i: f"{i / max(len(records) - 1, 1):.0%}"
        lines.append(f"Half of the activation memory is reached {position(half)} of the way through the "
                     f"layers; half of the parameters only {position(half_params)} of the way through.")
    training = training_note(analysis, index)
    if training is not None:
        lines.append(training)
    cost = training_cost(analysis)
    if cost is not None:
        lines.append(f"Stochastic depth: a training pass runs on average {cost.expected_layers:.1f} of "
                     f"{cost.layers} layers with weights ({cost.depth_fraction:.0%}) and "
                     f"{human(cost.expected_macs[index])} of {human(int(cost.macs[index]))} MACs "
                     f"({cost.macs_fraction[index]:.1%}); inference runs every layer.")
    return lines


def _half_point(records, key, total):
    if total <= 0:
        return None
    running = 0
    for i, record in enumerate(records):
        running += record[key]
        if 2 * running >= total:
            return i
    return None
