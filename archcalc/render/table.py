"""The terminal report: a lecture-style per-layer table, totals and notes, drawn with rich.

Colours only on a terminal; piped output is plain text (rich detects this), laid out wide enough
that nothing is cut.
"""

from __future__ import annotations

import numpy as np
from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..conventions import NEW
from ..layers.base import other_op_labels
from ..units import exact as exact_int
from ..units import human
from . import data


def make_console(file=None) -> Console:
    console = Console(file=file, highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console = Console(file=file, highlight=False, width=240, soft_wrap=False)
    return console


def show(console: Console, renderable) -> None:
    """Print; in a pipe, without the trailing spaces that pad table cells."""
    if console.is_terminal:
        console.print(renderable)
        return
    with console.capture() as capture:
        console.print(renderable)
    text = "\n".join(line.rstrip() for line in capture.get().splitlines())
    console.file.write(text + "\n")


class Formatter:
    """Numbers as the table shows them: human units by default, exact on request."""

    def __init__(self, exact: bool = False, binary: bool = False):
        self.exact, self.binary = exact, binary

    def count(self, value) -> str:
        value = int(value)
        if value == 0:
            return "—"
        return exact_int(value) if self.exact else human(value)

    def bytes(self, value) -> str:
        value = int(value)
        return f"{value:,} B" if self.exact else human(value, self.binary, "B")


def _hidden(row) -> bool:
    """Rows a lecture table leaves out: no parameters, no MACs, no new memory."""
    layer = row.layer
    return layer is not None and layer.storage != NEW and not np.any(row.params.trainable) and not np.any(row.macs)


def _shape(shape, index) -> str:
    return "×".join(str(int(d[index])) for d in shape)


def summary_table(spec, analysis, totals, fmt: Formatter, all_layers: bool = False,
                  weights_only: bool = False) -> Group:
    """The per-layer table. ``weights_only`` shows weights without biases in place of parameters,
    as the lecture tables count them."""
    configs = analysis.configs
    multi = len(configs) > 1
    count_key, count_title = ("weights", "Weights") if weights_only else ("trainable", "Params")
    counts = [getattr(r.params, count_key) for r in analysis.rows]
    same_params = all(np.all(c == c[0]) for c in counts)
    setting = (f"input {'×'.join(map(str, configs[0].input_shape))}, batch {configs[0].batch}, "
               if not multi else "") + analysis.dtype
    title = f"[bold]{spec.title}[/bold] — {setting}"
    table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False,
                  show_footer=True, footer_style="bold")
    table.add_column("Layer", footer="Total", no_wrap=True)
    table.add_column("Type", style="cyan", no_wrap=True)
    table.add_column("Kernel", style="dim", no_wrap=True)
    if not multi:
        table.add_column("Input", style="dim", no_wrap=True)
    per_config = [("Output", None), ("MACs", "macs"), ("Activations", "activations")]
    if same_params:
        table.add_column(count_title, justify="right",
                         footer=fmt.count(totals["weights" if weights_only else "params"][0]))
    for index, config in enumerate(configs):
        suffix = f"\n{config.label}" if multi else ""
        for title_, key in per_config:
            footer = fmt.count(totals[key][index]) if key else ""
            table.add_column(title_ + suffix, justify="right" if key else "left", footer=footer, no_wrap=True)
        if not same_params:
            table.add_column(count_title + suffix, justify="right",
                             footer=fmt.count(totals["weights" if weights_only else "params"][index]))
        table.add_column("RF" + suffix if multi else "RF", justify="right", no_wrap=True)
    hidden = 0
    for row, count in zip(analysis.rows, counts):
        if not all_layers and _hidden(row):
            hidden += 1
            continue
        node = row.node
        name = Text("  " * node.depth + node.name)
        cells = [name, node.type_name, row.description]
        if not multi:
            shapes = [_shape(shape, 0) for shape in row.input_shapes]
            cells.append(" + ".join(shapes) if len(shapes) <= 2 else f"{len(shapes)} inputs")
        if same_params:
            cells.append(fmt.count(count[0]))
        for index in range(len(configs)):
            activations = fmt.count(row.activations[index])
            if row.layer is not None and row.layer.storage != NEW:
                activations = Text("in place" if row.layer.storage == "inplace" else "view", style="dim")
            cells += [_shape(row.output_shape, index), fmt.count(row.macs[index]), activations]
            if not same_params:
                cells.append(fmt.count(count[index]))
            cells.append(str(int(row.receptive_field()[index])))
        table.add_row(*cells, style="dim" if row.layer is None else None)
    parts = [table]
    if hidden:
        parts.append(Text(f"  {hidden} layers without parameters, MACs or new memory (activations, dropout, "
                          f"flatten) are hidden; --all-layers shows them.", style="dim"))
    for index, config in enumerate(configs):
        parts.append(_totals_block(spec, analysis, totals, fmt, index, multi))
    return Group(*parts)


def _totals_block(spec, analysis, totals, fmt, index, multi) -> Group:
    t = {k: int(v[index]) for k, v in totals.items()}
    config = analysis.configs[index]
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
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
    for note in data.notes(analysis, totals, index):
        grid.add_row("Note", note)
    header = Text(f"\nTotals for input {config.label}" if multi else "", style="bold")
    return Group(header, grid) if multi else grid


def compare_table(names, totals_list, analyses, fmt: Formatter) -> Table:
    """Models side by side; each figure with its ratio against the first model (“12× fewer”)."""
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("", style="bold", no_wrap=True)
    for i, name in enumerate(names):
        table.add_column(name if not i else f"{name}\nvs {names[0]}", justify="right", no_wrap=True)
    metrics = [
        ("Parameters", "params", fmt.count), ("Weights (no biases)", "weights", fmt.count),
        ("MACs", "macs", fmt.count), ("FLOPs", "flops", fmt.count),
        ("Activations", "activations", fmt.count), ("Activation memory", "activation_bytes", fmt.bytes),
        ("Inference peak", "peak_activation_bytes", fmt.bytes), ("Parameter memory", "param_bytes", fmt.bytes),
    ]
    rows = [(label, [int(t[key][0]) for t in totals_list], show) for label, key, show in metrics]
    depth = [sum(1 for r in a.rows if r.layer is not None and r.layer.counts_toward_depth) for a in analyses]
    rows.append(("Layers with weights", depth, str))
    for label, values, show in rows:
        cells = [label, show(values[0])]
        for value in values[1:]:
            cells.append(Text.assemble(show(value), "  ", (f"{ratio(value, values[0]):>11}", "cyan")))
        table.add_row(*cells)
    table.add_row("Input", *(a.configs[0].label for a in analyses), style="dim")
    return table


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
