"""Plain-data views of an analysis: the JSON contract and the notes under a table.

docs/json.md documents the JSON shape; every number is an exact Python int. Nothing is computed
here: the records come from :data:`archcalc.render.columns.LAYER_COLUMNS` and the findings from
:mod:`archcalc.pipeline`.
"""

from __future__ import annotations

from ..training import training_note
from ..units import human
from .columns import LAYER_COLUMNS


def layer_records(analysis, index: int = 0) -> list[dict]:
    """One dict per graph node (the input first) for configuration ``index``."""
    return [{c.key: c.value(row, index, analysis) for c in LAYER_COLUMNS} for row in analysis.rows]


def summary(result, index: int = 0, layers: bool = True) -> dict:
    """The JSON object for one configuration of a :class:`~archcalc.pipeline.ModelAnalysis`."""
    spec, analysis = result.spec, result.analysis
    config = analysis.configs[index]
    record = {
        "model": spec.name,
        "title": spec.title,
        "source": spec.source,
        "input": list(config.input_shape),
        "batch": config.batch,
        "dtype": analysis.dtype,
        "bytes_per_element": analysis.element_bytes,
        "totals": {k: int(v[index]) for k, v in result.totals.items()},
    }
    if layers:
        record["layers"] = layer_records(analysis, index)
    record["metadata"] = spec.metadata
    cost = result.training_cost
    if cost is not None:
        record["stochastic_depth"] = {
            "layers": cost.layers, "expected_layers": round(cost.expected_layers, 6),
            "macs": int(cost.macs[index]), "expected_macs": round(float(cost.expected_macs[index]), 1),
        }
    return record


def notes(findings) -> list[str]:
    """The findings of :meth:`~archcalc.pipeline.ModelAnalysis.findings` as sentences."""
    lines = []
    for spot in findings.hotspots:
        names = ", ".join(f"{name} ({share:.0%})" for name, share in spot.layers)
        count = len(spot.layers)
        lines.append(f"Most {spot.what}: {names} — {spot.share:.0%} in {count} layer{'s' if count > 1 else ''}")
    if findings.half_activations is not None and findings.half_params is not None:
        lines.append(f"Half of the activation memory is reached {findings.half_activations:.0%} of the way through "
                     f"the layers; half of the parameters only {findings.half_params:.0%} of the way through.")
    cost, index = findings.training, findings.index
    if findings.step_memory is not None:
        lines.append(training_note(findings.step_memory, index))
    if cost is not None:
        lines.append(f"Stochastic depth: a training pass runs on average {cost.expected_layers:.1f} of "
                     f"{cost.layers} layers with weights ({cost.depth_fraction:.0%}) and "
                     f"{human(cost.expected_macs[index])} of {human(int(cost.macs[index]))} MACs "
                     f"({cost.macs_fraction[index]:.1%}); inference runs every layer.")
    return lines
