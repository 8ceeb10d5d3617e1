"""Reports of the counting conventions, block subtotals and operator kinds: rich, Markdown and CSV."""

from __future__ import annotations

from rich import box
from rich.table import Table

from .. import counting
from ..units import human


def _exact(value) -> str:
    return "—" if value is None else f"{value:,}"


def terms_text(result: counting.Result) -> str:
    """'conv MACs 4,087,136,256 + batch norm 22,227,968 + …' (parts that are zero left out)."""
    parts = [f"{label} {value:,}" for label, value in result.parts.items() if value]
    return " + ".join(parts) if parts else "—"


def difference(result: counting.Result) -> str:
    if result.ops is None:
        return "—"
    delta = result.ops - result.macs
    return "same" if delta == 0 else f"{delta:+,}"


def convention_lines(result: counting.Result) -> list[tuple[str, str]]:
    """(label, text) lines for the summary's totals block."""
    convention = result.convention
    lines = [("Convention", f"{convention.name} — {convention.tool}")]
    if result.model is not None:
        lines.append(("Checked", checked_note(result.model)))
    if result.ops is not None:
        lines.append((convention.figure, f"{result.ops:,} ({human(result.ops)}) = {terms_text(result)}"))
        lines.append(("vs plain MACs", f"{difference(result)} ({result.macs:,} conv + fc MACs)"))
    lines.append(("Params", f"{result.params:,}" + (" (trainable + buffers)" if convention.params == "with_buffers"
                                                    else "")))
    for name, value in result.extras.items():
        lines.append((name.replace("_", " "), f"{value:,} B ({value / 1e6:.2f} MB)"))
    return lines


def checked_note(model: str) -> str:
    """Whether the tools themselves were run on this model's network (the oracle tests), or not."""
    if model in counting.VERIFIED_ON:
        return "every figure checked against the tools themselves on this network"
    return ("every rule checked against the tools layer by layer; this network itself not measured — a layer its "
            "reference code calls other than its spec says (call:) would differ")


#: The narrowest the Terms column of ``compare --conventions`` may be before the terms move below the table.
MIN_TERMS_WIDTH = 30


def conventions_table(model: str, results: list[counting.Result], width: int | None = None):
    """compare --conventions: one row per tool — figure, its terms, the difference to plain MACs.
    Where ``width`` leaves the Terms column too little room, the terms follow the table, one
    wrapped line per tool, instead of being squeezed out of it."""
    from rich.console import Group

    from .layout import Grid

    rows = [(result.convention.name, result.convention.figure, _exact(result.ops), difference(result),
             f"{result.params:,}") for result in results]
    headings = ("Convention", "Figure", "Value", "vs MACs", "Params")
    fixed = sum(max(len(cell) for cell in column) for column in zip(headings, *rows)) + 2 * len(headings)
    terms_inside = width is None or width - fixed >= MIN_TERMS_WIDTH
    table = Table(title=f"[bold]{model}[/bold] — every tool's figure from the same graph", box=box.SIMPLE_HEAD,
                  header_style="bold", pad_edge=False, caption=checked_note(model), caption_justify="left")
    for column, justify in zip(headings + ("Terms",), ("left", "left", "right", "right", "right", "left")):
        if column != "Terms" or terms_inside:
            table.add_column(column, justify=justify, no_wrap=column != "Terms")
    for row, result in zip(rows, results):
        table.add_row(*row, *([terms_text(result)] if terms_inside else []))
    if terms_inside:
        return table
    terms = Grid([(result.convention.name, f"{result.convention.figure} = {terms_text(result)}")
                  for result in results if result.ops is not None])
    return Group(table, "", terms)


def conventions_markdown(model: str, results: list[counting.Result]) -> str:
    out = [f"| {model}: convention | figure | value | vs MACs | params | terms |", "|---|---|---:|---:|---:|---|"]
    for r in results:
        out.append(f"| {r.convention.name} | {r.convention.figure} | {_exact(r.ops)} | {difference(r)} | "
                   f"{r.params:,} | {terms_text(r)} |")
    return "\n".join(out)


def conventions_csv_rows(model: str, results: list[counting.Result]) -> list[list]:
    return [[model, r.convention.name, "" if r.ops is None else r.ops, r.params,
             "" if r.ops is None else r.ops - r.macs, terms_text(r)] for r in results]


CSV_HEADER = ["model", "convention", "ops", "params", "difference_to_macs", "terms"]


def listing(columns: int | None = None) -> str:
    """archcalc conventions: one line each — what it counts, what it skips — wrapped at ``columns``
    (None: one line each)."""
    from .layout import wrap_line

    width = max(len(name) for name in counting.CONVENTIONS)
    hanging = " " * (width + 10)
    lines = []
    for name, convention in counting.CONVENTIONS.items():
        lines += wrap_line(f"{name:<{width}}  counts: {convention.counts}", columns, hanging)
        lines += wrap_line(f"{'':<{width}}  skips:  {convention.skips}", columns, hanging)
    return "\n".join(lines)


#: Blocks named in the note on blocks that run in stretches; the rest are counted.
STRETCHED_NAMED = 3


def stretches_note(blocks) -> str | None:
    """A sentence for blocks whose layers run in several stretches (other blocks' layers in between),
    each shown as one row: None when every block runs in one piece."""
    stretched = [b for b in blocks if b.stretches > 1]
    if not stretched:
        return None
    names = ", ".join(b.name for b in stretched[:STRETCHED_NAMED])
    if len(stretched) > STRETCHED_NAMED:
        names += f" and {len(stretched) - STRETCHED_NAMED} more"
    if len(stretched) == 1:
        return (f"{names} runs in {stretched[0].stretches} stretches, other blocks' layers in between: its row "
                f"sums all of its layers, stands where it starts and shows its last layer's output.")
    return (f"{names} run in stretches, other blocks' layers in between: each row sums all of its block's layers, "
            f"stands where the block starts and shows the block's last layer's output.")


def blocks_table(title: str, blocks, fmt, index: int = 0) -> Table:
    """summary --depth N: one row per block with its subtotals."""
    table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False,
                  caption=stretches_note(blocks), caption_justify="left")
    for column, justify in (("Block", "left"), ("Layers", "right"), ("Output", "left"), ("Params", "right"),
                            ("MACs", "right"), ("Activations", "right")):
        table.add_column(column, justify=justify, no_wrap=True)
    for block in blocks:
        shape = "×".join(str(int(d[index])) for d in block.output_shape)
        table.add_row(block.name, str(block.layers) if block.layers else "", shape, fmt.count(block.params[index]),
                      fmt.count(block.macs[index]), fmt.count(block.activations[index]))
    return table


def blocks_markdown(blocks, index: int = 0) -> str:
    out = ["| Block | Layers | Output | Params | MACs | Activations |", "|---|---:|---|---:|---:|---:|"]
    for b in blocks:
        shape = "×".join(str(int(d[index])) for d in b.output_shape)
        out.append(f"| {b.name} | {b.layers} | {shape} | {int(b.params[index]):,} | {int(b.macs[index]):,} | "
                   f"{int(b.activations[index]):,} |")
    note = stretches_note(blocks)
    return "\n".join(out + ([f"\n{note}"] if note else []))


def blocks_records(blocks, index: int = 0) -> list[dict]:
    return [{"name": b.name, "layers": b.layers, "output_shape": [int(d[index]) for d in b.output_shape],
             "params": int(b.params[index]), "macs": int(b.macs[index]),
             "activations": int(b.activations[index])} for b in blocks]


def by_operator_text(kinds: dict) -> str:
    return ", ".join(f"{kind} {human(v['macs'])} MACs / {human(v['params'])} params"
                     for kind, v in sorted(kinds.items(), key=lambda kv: -kv[1]["macs"]) if v["macs"] or v["params"])


# ---- what the CLI calls: one function per output format ----

def summary_json(record: dict, analysis, results: list, depth, index: int = 0) -> dict:
    """The summary JSON object with ``totals.convention``, ``totals.by_operator`` and (with --depth) ``blocks``."""
    from ..blocks import by_operator, collapse

    record["mode"] = analysis.mode
    if results:
        record["totals"]["convention"] = results[0].as_json()
    record["totals"]["by_operator"] = by_operator(analysis, index)
    if depth:
        record["blocks"] = blocks_records(collapse(analysis, depth), index)
    return record


def compare_json(record: dict, analysis, results: list, depth) -> dict:
    from ..blocks import by_operator, collapse

    record["mode"] = analysis.mode
    record["totals"]["by_operator"] = by_operator(analysis)
    if results:
        record["conventions"] = [r.as_json() for r in results]
        if len(results) == 1:
            record["totals"]["convention"] = results[0].as_json()
    if depth:
        record["blocks"] = blocks_records(collapse(analysis, depth))
    return record


def summary_csv(layer_csv: str, results_per_config: list) -> str:
    """The per-layer CSV with one more column: each layer's share of the convention's figure."""
    if not results_per_config or not results_per_config[0]:
        return layer_csv
    name = results_per_config[0][0].convention.name
    lines = layer_csv.splitlines()
    out = [lines[0] + f",ops_{name}"]
    shares = [value for results in results_per_config for value in results[0].per_row]
    out += [f"{line},{share}" for line, share in zip(lines[1:], shares)]
    return "\n".join(out) + "\n"


def summary_markdown(text: str, analysis, results_per_config: list, depth) -> str:
    from ..blocks import by_operator, collapse

    extra = []
    for index, results in enumerate(results_per_config):
        label = f" (input {analysis.configs[index].label})" if len(results_per_config) > 1 else ""
        for result in results:
            extra.append(f"\n#### Convention {result.convention.name}{label}\n")
            extra += [f"- {title}: {value}" for title, value in convention_lines(result)]
        extra.append(f"- By operator{label}: {by_operator_text(by_operator(analysis, index))}")
    if depth:
        extra.append(f"\n#### Blocks at depth {depth}\n")
        extra.append(blocks_markdown(collapse(analysis, depth)))
    return text + "\n".join(extra) + "\n"


def depth_report(spec, analysis, totals, fmt, depth: int):
    """summary --depth N: the block table, with the model's totals as its footer."""
    from ..blocks import collapse

    table = blocks_table(f"[bold]{spec.title}[/bold] — blocks at depth {depth}, input {analysis.configs[0].label}",
                         collapse(analysis, depth), fmt)
    table.columns[0].footer = "Total"
    table.columns[3].footer = fmt.count(totals["params"][0])
    table.columns[4].footer = fmt.count(totals["macs"][0])
    table.columns[5].footer = fmt.count(totals["activations"][0])
    table.show_footer = True
    return table


def extra_totals(analysis, results_per_config: list):
    """Below the summary: totals by operator kind, and the chosen convention's figure with its terms
    (a :class:`~archcalc.render.layout.Grid`, lined up with the totals by ``summary_table``)."""
    from ..blocks import by_operator
    from .layout import Grid

    grid = Grid()
    for index, results in enumerate(results_per_config):
        if len(results_per_config) > 1:     # one set of lines per input size and batch: say which
            config = analysis.configs[index]
            grid.add_row("For", f"input {'×'.join(str(int(d)) for d in config.input_shape)}, "
                                f"batch {int(config.batch)}")
        grid.add_row("By operator", by_operator_text(by_operator(analysis, index)))
        for result in results:
            for title, text in convention_lines(result):
                grid.add_row(title, text)
    if analysis.mode == "train" or any(r.node.train_only for r in analysis.rows):
        skipped = sum(1 for r in analysis.rows if r.node.train_only)
        grid.add_row("Mode", f"{analysis.mode}: {skipped} layers run only in training"
                     + (" and are counted" if analysis.mode == "train" else
                        " (parameters counted, MACs and memory not; --mode train counts them)"))
    return grid


def compare_conventions_text(models: list, tools: list, fmt: str) -> str:
    if fmt == "csv":
        rows = [CSV_HEADER] + [row for model, found in zip(models, tools) for row in conventions_csv_rows(model, found)]
        return "\n".join(",".join(f'"{v}"' if isinstance(v, str) and ("," in v or " " in v) else str(v) for v in row)
                         for row in rows)
    return "\n\n".join(conventions_markdown(model, found) for model, found in zip(models, tools))


def print_rich(renderable, stream=None) -> None:
    """Print a rich renderable: in colour on a terminal; in a pipe as plain text without the
    trailing spaces that pad table cells."""
    import sys

    from .table import make_console

    stream = stream or sys.stdout
    console = make_console(stream)
    if stream.isatty():
        console.print(renderable)
        return
    with console.capture() as capture:
        console.print(renderable)
    stream.write("\n".join(line.rstrip() for line in capture.get().splitlines()) + "\n")
