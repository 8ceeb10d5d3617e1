"""The terminal report: a lecture-style per-layer table, totals and notes.

On a terminal rich draws it in colour, fitted to the width (:mod:`archcalc.render.layout`): never
a cut number or name. In a pipe the same layout is written as plain text with every column, without
loading rich's console (it is a large part of start-up).
"""

from __future__ import annotations

import numpy as np
from ..conventions import NEW
from ..layers.base import other_op_labels
from ..units import exact as exact_int
from ..units import human
from . import data
from .columns import COLUMNS_BY_KEY, PER_CONFIG_KEYS, TABLE_KEYS, Formatter, shape_text
from .layout import FitColumn, FittedTable, Grid, Report, Styled, align_labels, dropped_note, terminal_width

#: Wide enough that a pipe never wraps or cuts a line.
PIPE_WIDTH = 100_000


def make_console(file=None, stderr: bool = False):
    """A rich console for a terminal (its ``width`` is the terminal's, or COLUMNS); in a pipe,
    unlimited. ``fit_width`` is the width tables are fitted to (None in a pipe)."""
    import sys

    from rich.console import Console

    stream = file or (sys.stderr if stderr else sys.stdout)
    width = terminal_width(stream)
    console = Console(file=file, stderr=stderr, highlight=False, soft_wrap=False, width=width or PIPE_WIDTH)
    console.fit_width = width
    return console


def show(report: Report, stream=None) -> None:
    """Print a report: with rich on a terminal, a table never narrower than it needs (the terminal
    wraps a line rather than rich cutting a cell) and the prose at the terminal's width; as plain
    text anywhere else."""
    import sys

    stream = stream or sys.stdout
    width = terminal_width(stream)
    if not stream.isatty():
        stream.write(report.plain(width))
        return
    report.print(make_console(stream), width)


def fit_width(stream=None) -> int | None:
    """The width tables are fitted to: the terminal's or COLUMNS; None (everything) in a pipe."""
    return terminal_width(stream)


def _hidden(row) -> bool:
    """Rows a lecture table leaves out: no parameters, no MACs, no new memory."""
    layer = row.layer
    return layer is not None and layer.storage != NEW and not np.any(row.params.trainable) and not np.any(row.macs)


def summary_table(result, fmt: Formatter, width: int | None = None, all_layers: bool = False,
                  weights_only: bool = False, extra: Grid | None = None) -> Report:
    """The per-layer table for a :class:`~archcalc.pipeline.ModelAnalysis`, fitted to ``width``
    columns (None: everything). ``weights_only`` shows weights without biases in place of
    parameters, as the lecture tables count them. ``extra`` (more totals: operator kinds, a
    counting convention) follows the totals, its values lined up with theirs."""
    analysis, totals = result.analysis, result.totals
    configs = analysis.configs
    multi = len(configs) > 1
    count_key = "weights" if weights_only else "params"
    count_of = (lambda r: r.params.weights) if weights_only else (lambda r: r.params.trainable)
    same_params = all(np.all(count_of(r) == count_of(r)[0]) for r in analysis.rows)
    rows = [r for r in analysis.rows if all_layers or not _hidden(r)]
    hidden = len(analysis.rows) - len(rows)
    columns = []
    for key in TABLE_KEYS:
        key = count_key if key == "params" else key
        spec = COLUMNS_BY_KEY[key]
        per_config = key in PER_CONFIG_KEYS or (key == count_key and not same_params)
        if key == "input_shape" and multi:
            continue
        for index in range(len(configs) if per_config else 1):
            title = spec.title + (f"\n{configs[index].label}" if multi and per_config else "")
            short_title = spec.title + (f"\n{_short_label(configs[index])}" if multi and per_config else "")
            footer = "Total" if key == "name" else fmt.count(totals[key][index]) if key in (
                count_key, "macs", "activations") else ""
            column = FitColumn(title, [spec.cell(r, index, fmt) for r in rows], spec.priority + index / 100,
                               justify="right" if spec.numeric else "left", footer=footer,
                               style={"type": "cyan", "kernel": "dim", "input_shape": "dim"}.get(key),
                               short=[spec.cell(r, index, fmt, True) for r in rows] if spec.shape else None,
                               wraps=key == "name", short_title=short_title)
            columns.append(column)
    setting = (f"input {shape_text(configs[0].input_shape)}, batch {configs[0].batch}, " if not multi else "") \
        + analysis.dtype
    table = FittedTable(columns, width, title=f"{result.spec.title} — {setting}", show_footer=True,
                        row_styles=["dim" if r.layer is None else None for r in rows])
    parts = [table, dropped_note(table.dropped, width)]
    if hidden:
        parts.append(Styled(f"  {hidden} row{'s' if hidden > 1 else ''} with no parameters, MACs or new memory "
                          f"{'are' if hidden > 1 else 'is'} hidden (--all-layers).", "dim"))
    for index in range(len(configs)):
        parts += _totals_block(result, fmt, index, multi)
    parts.append(extra)
    align_labels(parts)
    return Report(parts)


def _short_label(config) -> str:
    """A configuration's label with its shape abbreviated: '3×224²', '3×224² ×8'."""
    shape = shape_text(config.input_shape, True)
    return shape if config.batch == 1 else f"{shape} ×{config.batch}"


def _totals_block(result, fmt, index, multi) -> list:
    analysis = result.analysis
    t = {k: int(v[index]) for k, v in result.totals.items()}
    config = analysis.configs[index]
    grid = Grid()
    grid.add_row("Parameters", f"{exact_int(t['params'])} trainable ({human(t['params'])}); "
                               f"{exact_int(t['weights'])} weights without biases"
                               + (f"; {exact_int(t['buffers'])} buffers (BN running stats)" if t["buffers"] else ""))
    grid.add_row("Multiply-adds", f"{exact_int(t['macs'])} MACs ({human(t['macs'])}) = {human(t['flops'])} FLOPs "
                                  f"(1 MAC = 2 FLOPs; conv and fc only)")
    labels = other_op_labels()
    others = [k for k in t if k in labels]
    if others:
        grid.add_row("Other ops", ", ".join(f"{k.replace('_', ' ')} {human(t[k])}" for k in others))
    grid.add_row("Activations", f"{exact_int(t['activations'])} elements × {analysis.element_bytes} B = "
                                f"{fmt.bytes(t['activation_bytes'])} (all layer outputs, input included"
                                f"{', batch ' + str(config.batch) if config.batch != 1 else ''})")
    grid.add_row("Inference peak", f"{fmt.bytes(t['peak_activation_bytes'])} held at once when each tensor "
                                   f"is freed after its last use")
    grid.add_row("Parameter memory", fmt.bytes(t["param_bytes"]) + f" ({analysis.dtype})")
    for note in data.notes(result.findings(index)):
        grid.add_row("Note", note)
    return [Styled(f"\nTotals for input {config.label}", "bold"), grid] if multi else [grid]


COMPARE_METRICS = (("Parameters", "params", "count"), ("Weights (no biases)", "weights", "count"),
                   ("MACs", "macs", "count"), ("FLOPs", "flops", "count"), ("Activations", "activations", "count"),
                   ("Activation memory", "activation_bytes", "bytes"),
                   ("Inference peak", "peak_activation_bytes", "bytes"),
                   ("Parameter memory", "param_bytes", "bytes"))


def compare_table(results, fmt: Formatter, width: int | None = None) -> Report:
    """Models side by side; each figure with its ratio against the first model (“12× fewer”).
    In a narrow terminal the ratio goes under its figure, then the models split into several
    tables, each beside the first model; nothing is cut."""
    rows = [(label, [r.total(key) for r in results], getattr(fmt, kind)) for label, key, kind in COMPARE_METRICS]
    rows.append(("Layers with weights", [r.layers_with_weights() for r in results], str))
    names = [r.spec.name for r in results]

    def columns(models: list[int], stacked: bool) -> list[FitColumn]:
        labels = FitColumn("", [label for label, _, _ in rows] + ["Input"], 1, style="bold")
        result = [labels]
        for i in models:
            cells = []
            for _, values, show_value in rows:
                if i == 0:
                    cells.append(show_value(values[0]))
                elif stacked:
                    cells.append((show_value(values[i]), "\n", Styled(ratio(values[i], values[0]), "cyan")))
                else:
                    cells.append((show_value(values[i]), "  ", Styled(f"{ratio(values[i], values[0]):>11}", "cyan")))
            cells.append(results[i].configs[0].label)
            title = names[i] if not i else f"{names[i]}\nvs {names[0]}"
            result.append(FitColumn(title, cells, 1, justify="right"))
        return result

    def fits(cols) -> bool:
        return width is None or sum(c.width(False) for c in cols) + 3 * len(cols) - 1 <= width

    everything = list(range(len(results)))
    for stacked in (False, True):
        if fits(columns(everything, stacked)):
            return Report([FittedTable(columns(everything, stacked), width, row_styles=_compare_styles(rows))])
    groups, current = [], [0]
    for i in everything[1:]:
        if len(current) > 1 and not fits(columns(current + [i], True)):
            groups.append(current)
            current = [0]
        current.append(i)
    groups.append(current)
    return Report([FittedTable(columns(g, True), width, row_styles=_compare_styles(rows)) for g in groups])


def _compare_styles(rows) -> list:
    return [None] * len(rows) + ["dim"]


def ratio(value: int, base: int) -> str:
    """How value compares with base: '12.0× fewer', '3.2× more', '4% more', 'same'."""
    if value == base:
        return "same"
    if base == 0 or value == 0:
        return "—"
    high, low = max(value, base), min(value, base)
    word = "more" if value > base else "fewer"
    if high / low < 1.1:
        return f"{100 * (high - low) / low:.0f}% {word}" if (high - low) / low >= 0.005 else f"<1% {word}"
    return f"{high / low:.1f}× {word}"


def list_table(entries: list[dict], width: int | None = None) -> Report:
    """``archcalc list``: name, title, native input, parameters and MACs; titles wrap first."""
    columns = [
        FitColumn("Name", [e["name"] for e in entries], 1),
        FitColumn("Title", [e["title"] for e in entries], 2, wraps=True),
        FitColumn("Input", [shape_text(e["input"]) for e in entries], 3,
                  short=[shape_text(e["input"], True) for e in entries]),
        FitColumn("Params", [human(e["params"]) for e in entries], 1, justify="right"),
        FitColumn("MACs", [human(e["macs"]) for e in entries], 1, justify="right"),
    ]
    return Report([FittedTable(columns, width)])
