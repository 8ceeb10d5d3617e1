"""Machine-readable formats: JSON (exact ints), CSV (one row per layer) and Markdown."""

from __future__ import annotations

import csv
import io
import json

from ..units import human
from . import data

CSV_COLUMNS = ("name", "type", "inputs", "output_shape", "kernel", "params", "buffers", "weights",
               "macs", "flops", "activations", "activation_bytes", "storage", "receptive_field")


def to_json(objects) -> str:
    return json.dumps(objects, indent=2, ensure_ascii=False)


def to_csv(spec, analysis) -> str:
    """One row per layer and configuration; shapes as 64x112x112."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    multi = len(analysis.configs) > 1
    writer.writerow((("input", "batch") if multi else ()) + CSV_COLUMNS)
    for index, config in enumerate(analysis.configs):
        for record in data.layer_records(analysis, index):
            values = []
            for column in CSV_COLUMNS:
                value = record[column]
                if column == "output_shape":
                    value = "x".join(map(str, value))
                elif column == "inputs":
                    value = " ".join(value)
                values.append(value)
            prefix = ["x".join(map(str, config.input_shape)), config.batch] if multi else []
            writer.writerow(prefix + values)
    return buffer.getvalue()


def to_markdown(spec, analysis, totals, binary: bool = False) -> str:
    """A GitHub-flavoured Markdown table per configuration, with totals and notes."""
    out = []
    for index, config in enumerate(analysis.configs):
        out.append(f"### {spec.title} — input {config.label} ({analysis.dtype})\n")
        out.append("| Layer | Type | Kernel | Output | Params | MACs | Activations | RF |")
        out.append("|---|---|---|---|---:|---:|---:|---:|")
        for r in data.layer_records(analysis, index):
            shape = "×".join(map(str, r["output_shape"]))
            out.append(f"| {r['name']} | {r['type']} | {r['kernel']} | {shape} | {r['params']:,} | "
                       f"{r['macs']:,} | {r['activations']:,} | {r['receptive_field']} |")
        t = {k: int(v[index]) for k, v in totals.items()}
        out.append(f"| **Total** | | | | **{t['params']:,}** | **{t['macs']:,}** | **{t['activations']:,}** | |")
        out.append("")
        out.append(f"- Parameters: {t['params']:,} trainable ({t['weights']:,} weights without biases), "
                   f"{t['buffers']:,} buffers")
        out.append(f"- Multiply-adds: {t['macs']:,} ({human(t['macs'])} MACs = {human(t['flops'])} FLOPs)")
        out.append(f"- Activations: {t['activations']:,} elements = {t['activation_bytes']:,} bytes "
                   f"({human(t['activation_bytes'], binary, 'B')}); inference peak "
                   f"{human(t['peak_activation_bytes'], binary, 'B')}")
        for note in data.notes(analysis, totals, index):
            out.append(f"- {note}")
        out.append("")
    return "\n".join(out)
