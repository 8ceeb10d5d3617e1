"""One self-contained HTML page about a model: title and source, totals, notes, the per-layer table
(sortable), the diagram and the per-layer charts.

Everything is inline — CSS, a few lines of script for sorting, SVG pictures — so the file opens
offline and makes no network request. The diagram needs Graphviz and the charts need matplotlib;
without them the page says so in place of the picture. Formatting only: every number comes from
the engine's analysis through :mod:`archcalc.render.data`.
"""

from __future__ import annotations

import html
import re

from ..layers.base import other_op_labels
from ..units import exact, human
from . import data

STYLE = """
:root { --ink: #1a1a1a; --muted: #5c5c5c; --rule: #d9d9d9; --band: #f5f7fa; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); background: #fff; }
main { max-width: 1240px; margin: 0 auto; padding: 28px 32px 60px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--accent); }
.source, .setting, .caption { color: var(--muted); margin: 2px 0; }
.totals { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 10px; margin: 18px 0 6px; }
.total { background: var(--band); border-radius: 6px; padding: 10px 14px; }
.total .label { color: var(--muted); font-size: 13px; }
.total .value { font-size: 21px; font-weight: 600; font-variant-numeric: tabular-nums; }
.total .list { font-size: 14px; font-variant-numeric: tabular-nums; }
.total .exact { color: var(--muted); font-size: 12.5px; font-variant-numeric: tabular-nums; }
ul.notes { padding-left: 20px; } ul.notes li { margin: 3px 0; }
.picture { border: 1px solid var(--rule); border-radius: 6px; padding: 8px; overflow: auto; max-height: 960px; }
.picture svg { max-width: 100%; height: auto; display: block; margin: 0 auto; }
.diagram svg { max-width: none; }
.missing { color: var(--muted); font-style: italic; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid #ececec; white-space: nowrap; }
th { position: sticky; top: 0; background: #fff; border-bottom: 2px solid var(--rule); text-align: left;
     cursor: pointer; user-select: none; }
th.num, td.num { text-align: right; }
th[aria-sort=ascending]::after { content: " ▲"; } th[aria-sort=descending]::after { content: " ▼"; }
tbody tr:nth-child(even) { background: var(--band); }
tr.quiet td { color: var(--muted); }
td.name { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
.table-wrap { max-height: 80vh; overflow: auto; border: 1px solid var(--rule); border-radius: 6px; }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; }
"""

# Click a column heading to sort by it (again to reverse); cells carry their exact value in data-sort.
SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (heading, column) {
    heading.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var ascending = heading.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var x = a.cells[column].dataset.sort, y = b.cells[column].dataset.sort;
        var nx = parseFloat(x), ny = parseFloat(y);
        var order = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""

COLUMNS = (("#", "index", True), ("Layer", "name", False), ("Type", "type", False), ("Kernel", "kernel", False),
           ("Output", "output_shape", False), ("Params", "params", True), ("MACs", "macs", True),
           ("Activations", "activations", True), ("Memory", "activation_bytes", True),
           ("Receptive field", "receptive_field", True))


def inline_svg(text: str) -> str:
    """An SVG document made fit to sit inside HTML: no XML prolog, doctype, metadata or namespace URLs
    (the HTML parser knows SVG's namespaces), so the page names no external address."""
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.DOTALL)
    text = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", text)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    return text


def _escape(value) -> str:
    return html.escape(str(value), quote=True)


def _total(label: str, value: str, detail: str = "") -> str:
    return (f'<div class="total"><div class="label">{_escape(label)}</div><div class="value">{_escape(value)}</div>'
            + (f'<div class="exact">{_escape(detail)}</div>' if detail else "") + "</div>")


def _totals(summary: dict) -> str:
    t = summary["totals"]
    bytes_label = f"{summary['dtype']}, batch {summary['batch']}"
    cards = [
        _total("Parameters (trainable)", human(t["params"]), f"{exact(t['params'])}"),
        _total("Weights without biases", human(t["weights"]), exact(t["weights"])),
        _total("Multiply-adds (MACs)", human(t["macs"]), f"{exact(t['macs'])} = {human(t['flops'])} FLOPs"),
        _total("Activations (all outputs)", human(t["activation_bytes"], suffix="B"),
               f"{exact(t['activations'])} elements, {bytes_label}"),
        _total("Inference peak", human(t["peak_activation_bytes"], suffix="B"), "held at once, freed after last use"),
        _total("Parameter memory", human(t["param_bytes"], suffix="B"), summary["dtype"]),
    ]
    if t.get("buffers"):
        cards.insert(2, _total("Buffers (BN running stats)", human(t["buffers"]), exact(t["buffers"])))
    labels = other_op_labels()
    others = [k for k in t if k in labels and t[k]]
    if others:
        listed = "".join(f"<div>{_escape(k.replace('_', ' '))} <b>{_escape(human(t[k]))}</b></div>" for k in others)
        cards.append(f'<div class="total"><div class="label">Other operations (apart from MACs)</div>'
                     f'<div class="list">{listed}</div></div>')
    return '<div class="totals">' + "".join(cards) + "</div>"


def _table(records: list[dict]) -> str:
    head = "".join(f'<th scope="col" class="{"num" if numeric else ""}">{_escape(title)}</th>'
                   for title, _, numeric in COLUMNS)
    body = []
    for index, record in enumerate(records):
        shape = "×".join(map(str, record["output_shape"]))
        cells = []
        for _, key, numeric in COLUMNS:
            if key == "index":
                cells.append(f'<td class="num" data-sort="{index}">{index}</td>')
            elif key == "name":
                indent = "&nbsp;&nbsp;" * record["depth"]
                cells.append(f'<td class="name" data-sort="{_escape(record["name"])}">{indent}{_escape(record["name"])}</td>')
            elif key == "output_shape":
                elements = 1
                for d in record["output_shape"]:
                    elements *= d
                cells.append(f'<td data-sort="{elements}">{_escape(shape)}</td>')
            elif key == "activation_bytes":
                value = record[key]
                shown = human(value, suffix="B") if value else ("in place" if record["storage"] == "inplace"
                                                                else "view" if record["storage"] == "view" else "—")
                cells.append(f'<td class="num" data-sort="{value}">{_escape(shown)}</td>')
            elif numeric:
                value = record[key]
                cells.append(f'<td class="num" data-sort="{value}" title="{exact(value)}">'
                             f'{_escape(human(value) if value else "—")}</td>')
            else:
                cells.append(f'<td data-sort="{_escape(record[key])}">{_escape(record[key])}</td>')
        quiet = ' class="quiet"' if record["storage"] != "new" and not record["params"] and not record["macs"] else ""
        body.append(f"<tr{quiet}>" + "".join(cells) + "</tr>")
    return (f'<div class="table-wrap"><table class="sortable" id="layers"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def _picture(svg: str | None, missing: str, kind: str) -> str:
    if svg is None:
        return f'<p class="missing">{_escape(missing)}</p>'
    return f'<div class="picture {kind}">{inline_svg(svg)}</div>'


def render(result, diagram_svg: str | None, diagram_missing: str, charts_svg: str | None,
           charts_missing: str) -> str:
    """The page for configuration 0 of a :class:`~archcalc.pipeline.ModelAnalysis`; pictures are SVG
    documents or None (with why)."""
    spec, analysis = result.spec, result.analysis
    summary = data.summary(result, 0)
    records = data.layer_records(analysis, 0)
    config = analysis.configs[0]
    setting = (f"Input {'×'.join(map(str, config.input_shape))}, batch {config.batch}, {analysis.dtype} "
               f"({analysis.element_bytes} bytes per element)")
    accuracy = spec.accuracy
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No request may leave the page: scripts and styles are inline, pictures are inline SVG.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">",
        f"<title>{_escape(spec.title)} — archcalc</title>",
        f"<style>{STYLE}</style></head><body><main>",
        f"<h1>{_escape(spec.title)}</h1>",
        f'<p class="setting">{_escape(spec.name)} · {_escape(setting)}</p>',
    ]
    if spec.source:
        parts.append(f'<p class="source">Source: {_escape(spec.source)}</p>')
    if accuracy is not None:
        top5 = f", top-5 {accuracy.top5:g}%" if accuracy.top5 is not None else ""
        parts.append(f'<p class="source">Reported accuracy: top-1 {accuracy.top1:g}%{top5} '
                     f'({_escape(accuracy.eval)}; {_escape(accuracy.source)})</p>')
    parts.append('<h2 id="totals">Totals</h2>')
    parts.append(_totals(summary))
    notes = data.notes(result.findings(0))
    if notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{_escape(n)}</li>" for n in notes) + "</ul>")
    parts.append('<p class="caption">MACs count conv and fc multiply-accumulates (1 MAC = 2 FLOPs); '
                 'activations are every layer output, the input included; in-place layers and views allocate '
                 'nothing (docs/conventions.md).</p>')
    parts.append('<h2 id="charts">Where the cost is</h2>')
    parts.append(_picture(charts_svg, charts_missing, "charts"))
    parts.append('<h2 id="diagram">Diagram</h2>')
    parts.append(_picture(diagram_svg, diagram_missing, "diagram"))
    parts.append(f'<h2 id="layers-heading">Layers ({len(records)})</h2>')
    parts.append('<p class="caption">Click a heading to sort; hover a number for its exact value.</p>')
    parts.append(_table(records))
    parts.append('<footer>Made by archcalc. Numbers come from its engine, exactly as '
                 '<code>archcalc summary</code> prints them.</footer>')
    parts.append(f"</main><script>{SCRIPT}</script></body></html>")
    return "\n".join(parts) + "\n"
