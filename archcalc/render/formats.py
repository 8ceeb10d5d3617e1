"""Machine-readable formats: JSON (exact ints, streamed), CSV (one row per layer) and Markdown."""

from __future__ import annotations

import csv
import io
import json

from ..units import human
from . import data
from .columns import COLUMNS_BY_KEY, LAYER_COLUMNS, TABLE_KEYS, Formatter

CSV_COLUMNS = tuple(c.key for c in LAYER_COLUMNS if c.csv)


def to_json(objects) -> str:
    return json.dumps(objects, indent=2, ensure_ascii=False)


def write_json_stream(write, objects, count: int) -> None:
    """Write ``count`` objects from an iterator as one JSON value, holding one object at a time: a
    single object as itself, several as a list (10,000 input sizes need not fit in memory at once)."""
    if count == 1:
        write(to_json(next(iter(objects))) + "\n")
        return
    write("[\n")
    for position, item in enumerate(objects):
        text = "  " + to_json(item).replace("\n", "\n  ")
        write(text + (",\n" if position < count - 1 else "\n"))
    write("]\n")


def _csv_value(key, value):
    if key == "output_shape":
        return "x".join(map(str, value))
    if key == "inputs":
        return " ".join(value)
    return value


def write_csv(write, result) -> None:
    """One row per layer and configuration; shapes as 64x112x112. Written a configuration at a time."""
    analysis = result.analysis
    multi = len(analysis.configs) > 1
    columns = [c for c in LAYER_COLUMNS if c.csv]
    for index, config in enumerate(analysis.configs):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if index == 0:
            writer.writerow((("input", "batch") if multi else ()) + CSV_COLUMNS)
        prefix = ["x".join(map(str, config.input_shape)), config.batch] if multi else []
        for row in analysis.rows:
            writer.writerow(prefix + [_csv_value(c.key, c.value(row, index, analysis)) for c in columns])
        write(buffer.getvalue())


def to_csv(result) -> str:
    parts = []
    write_csv(parts.append, result)
    return "".join(parts)


MARKDOWN_KEYS = tuple(k for k in TABLE_KEYS if k != "input_shape")


def to_markdown(result, binary: bool = False) -> str:
    """A GitHub-flavoured Markdown table per configuration, with totals and notes."""
    analysis, exact = result.analysis, Formatter(exact=True)
    columns = [COLUMNS_BY_KEY[k] for k in MARKDOWN_KEYS]
    out = []
    for index, config in enumerate(analysis.configs):
        out.append(f"### {result.spec.title} — input {config.label} ({analysis.dtype})\n")
        out.append("| " + " | ".join(c.title for c in columns) + " |")
        out.append("|" + "".join("---:|" if c.numeric else "---|" for c in columns))
        for row in analysis.rows:
            out.append("| " + " | ".join(c.cell(row, index, exact).strip() for c in columns) + " |")
        t = {k: int(v[index]) for k, v in result.totals.items()}
        footer = {"name": "**Total**", "params": f"**{t['params']:,}**", "macs": f"**{t['macs']:,}**",
                  "activations": f"**{t['activations']:,}**"}
        out.append("| " + " | ".join(footer.get(c.key, "") for c in columns) + " |")
        out.append("")
        out.append(f"- Parameters: {t['params']:,} trainable ({t['weights']:,} weights without biases), "
                   f"{t['buffers']:,} buffers")
        out.append(f"- Multiply-adds: {t['macs']:,} ({human(t['macs'])} MACs = {human(t['flops'])} FLOPs)")
        out.append(f"- Activations: {t['activations']:,} elements = {t['activation_bytes']:,} bytes "
                   f"({human(t['activation_bytes'], binary, 'B')}); inference peak "
                   f"{human(t['peak_activation_bytes'], binary, 'B')}")
        for note in data.notes(result.findings(index)):
            out.append(f"- {note}")
        out.append("")
    return "\n".join(out)


def compare_rows(results) -> tuple[list[str], list[list]]:
    """Header and rows of ``compare`` as CSV or Markdown: one model per row, exact totals."""
    keys = list(results[0].totals)
    return ["model"] + keys, [[r.spec.name] + [r.total(k) for k in keys] for r in results]


def compare_csv(results) -> str:
    header, rows = compare_rows(results)
    return "\n".join(",".join(map(str, row)) for row in [header] + rows) + "\n"


def compare_markdown(results) -> str:
    header, rows = compare_rows(results)
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(f"{v:,}" if isinstance(v, int) else v for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def list_entries(results) -> list[dict]:
    """``archcalc list`` as data: name, title, native input, parameters and MACs."""
    return [{"name": r.spec.name, "title": r.spec.title, "input": list(r.configs[0].input_shape),
             "params": r.total("params"), "macs": r.total("macs")} for r in results]
