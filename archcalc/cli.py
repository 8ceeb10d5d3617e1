"""Command-line wiring: options in, reporters out. No arithmetic and no formatting here.

Every command analyses through :mod:`archcalc.pipeline` and prints through :mod:`archcalc.render`.
Each command is one function below; option parsers shared by several commands sit above them.
"""

from __future__ import annotations

import io
import sys

import click

from .__main__ import INTERRUPTED
from .conventions import DTYPE_BYTES
from .errors import ArchcalcError

FORMATS = ("table", "json", "csv", "markdown")
#: Counts are int64 in the engine: a batch beyond this could not be multiplied out.
MAX_BATCH = 2**62


class _Group(click.Group):
    """Turns user errors into one located line on stderr and exit code 2 (traceback with --debug),
    and Ctrl-C into exit code 130."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ArchcalcError as error:
            if ctx.meta.get("archcalc.debug"):
                raise
            click.echo(str(error), err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            ctx.exit(INTERRUPTED)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="archcalc")
@click.option("--debug", is_flag=True, help="Show a traceback for errors.")
@click.pass_context
def main(ctx, debug):
    """What does this network cost? Shapes, parameters, MACs and memory of CNNs described in YAML.

    MODEL is a shipped spec (see 'archcalc list'), a path to a YAML file, or - for standard input.
    """
    from .render.encoding import fall_back_to_ascii

    ctx.meta["archcalc.debug"] = debug
    fall_back_to_ascii(sys.stdout)
    fall_back_to_ascii(sys.stderr)


# ---- option parsers shared by several commands ----

def _parse_inputs(text):
    from .spec import parse_shape

    return [parse_shape(part) for part in text.split(",")] if text else None


def _parse_batches(text):
    try:
        batches = [int(part) for part in str(text).split(",")]
    except ValueError:
        raise click.BadParameter(f"expected positive integers separated by commas, got {text!r}",
                                 param_hint="--batch") from None
    for batch in batches:
        if batch < 1:
            raise click.BadParameter(f"expected positive integers, got {batch}", param_hint="--batch")
        if batch > MAX_BATCH:
            raise click.BadParameter(f"{batch} is too large (counts are 64-bit; at most {MAX_BATCH:,})",
                                     param_hint="--batch")
    return batches


def _parse_sets(values):
    import yaml

    overrides = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--set")
        overrides[key.strip()] = yaml.safe_load(value)
    return overrides


def _quantity(ctx, param, value):
    from .units import parse_quantity

    if value is None:
        return None
    try:
        return parse_quantity(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


_input_option = click.option("--input", "inputs", metavar="CxHxW[,CxHxW…]",
                             help="Input shape(s); several sizes are evaluated in one walk.")


def _one_shape(ctx, param, value):
    from .spec import parse_shape

    return parse_shape(value) if value else None


def _shape_option(help_text: str = "Input shape (default: the spec's)."):
    """``--input CxHxW`` for commands that take one input size: parsed to a tuple (None if absent)."""
    return click.option("--input", "input_shape", metavar="CxHxW", callback=_one_shape, help=help_text)


_batch_option = click.option("--batch", default="1", show_default=True, metavar="N[,N…]", help="Batch size(s).")


def _one_batch(ctx, param, value):
    batches = _parse_batches(value)
    if len(batches) > 1:
        raise click.BadParameter(f"this command takes one batch size, got {value!r}", param_hint="--batch")
    return batches[0]


_one_batch_option = click.option("--batch", default="1", show_default=True, metavar="N", callback=_one_batch,
                                 help="Batch size.")
_dtype_option = click.option("--dtype", default="fp32", show_default=True,
                             type=click.Choice(sorted(DTYPE_BYTES), case_sensitive=False),
                             help="Element type for memory.")
_set_option = click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
                           help="Override a spec variable (e.g. --set aux=true).")
_units_options = [
    click.option("--exact", is_flag=True, help="Exact integers in the table instead of K/M/G."),
    click.option("--binary", is_flag=True, help="Binary units for bytes (KiB, MiB) instead of decimal."),
]


_mode_option = click.option("--mode", type=click.Choice(("eval", "train")), default="eval", show_default=True,
                            help="train also runs train-only branches (auxiliary heads): their MACs and memory.")
_depth_option = click.option("--depth", type=click.IntRange(min=1), metavar="N",
                             help="Collapse rows to blocks at nesting depth N, with subtotals.")


def _convention_names(value):
    from .counting import CONVENTIONS

    if value is None:
        return []
    names = [part.strip().lower() for part in value.split(",") if part.strip()]
    if names == ["all"]:
        return list(CONVENTIONS)
    unknown = [n for n in names if n not in CONVENTIONS]
    if unknown:
        raise click.BadParameter(f"unknown convention {unknown[0]!r}; expected all or one of {', '.join(CONVENTIONS)}")
    return names


def _units(f):
    for option in reversed(_units_options):
        f = option(f)
    return f


def _echo(text: str) -> None:
    click.echo(text, nl=not text.endswith("\n"))


# ---- commands ----

@main.command()
@click.argument("model")
@_input_option
@_batch_option
@_dtype_option
@_set_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="Output format; JSON and CSV carry exact integers (docs/json.md).")
@click.option("--all-layers", is_flag=True, help="Also show in-place activations, dropout and flatten rows.")
@click.option("--weights", "weights_only", is_flag=True,
              help="Show weights without biases instead of parameters, as the lecture tables count them.")
@click.option("--convention", metavar="NAME",
              help="Also give a counting tool's figure and how it is made up: torchvision, torchinfo, fvcore, "
                   "ptflops, ptflops-pytorch, thop, keras (see 'archcalc conventions').")
@_mode_option
@_depth_option
@_units
def summary(model, inputs, batch, dtype, sets, fmt, all_layers, weights_only, convention, mode, depth, exact,
            binary):
    """Per-layer table and totals for MODEL."""
    from .pipeline import analyse
    from .render import counting as counted
    from .render import data, formats

    result = analyse(model, _parse_inputs(inputs), _parse_batches(batch), dtype.lower(), _parse_sets(sets), mode)
    names = _convention_names(convention)
    if len(names) > 1:
        raise click.BadParameter("summary takes one convention; compare --conventions shows several",
                                 param_hint="--convention")
    count = len(result.configs)
    tools = [counting_results(names, result, i) for i in range(count)]
    if fmt == "json":
        formats.write_json_stream(sys.stdout.write, (counted.summary_json(data.summary(result, i), result.analysis,
                                                                          tools[i], depth, i)
                                                     for i in range(count)), count)
    elif fmt == "csv":
        if names:
            buffer = io.StringIO()
            formats.write_csv(buffer.write, result)
            sys.stdout.write(counted.summary_csv(buffer.getvalue(), tools))
        else:
            formats.write_csv(sys.stdout.write, result)
    elif fmt == "markdown":
        _echo(counted.summary_markdown(formats.to_markdown(result, binary), result.analysis, tools, depth))
    else:
        from .render.table import Formatter, fit_width, show, summary_table

        for warning in result.graph.warnings:
            click.echo(str(warning), err=True)
        formatter = Formatter(exact, binary)
        extra = counted.extra_totals(result.analysis, tools)
        if depth:
            counted.print_rich(counted.depth_report(result.spec, result.analysis, result.totals, formatter, depth))
            counted.print_rich(extra)
        else:
            show(summary_table(result, formatter, fit_width(), all_layers, weights_only, extra))


def counting_results(names, result, index=0):
    """The named counting conventions applied to configuration ``index`` of ``result``."""
    from .counting import apply_all

    return apply_all(names, result.analysis, result.totals, index) if names else []


@main.command()
@click.argument("models", nargs=-1, required=True)
@_one_batch_option
@_dtype_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="Output format; JSON and CSV carry exact integers (docs/json.md).")
@click.option("--conventions", "--convention", "conventions", metavar="all|NAME[,NAME…]",
              help="Add counting tools' figures: a name, several, or 'all' (one row per tool for each model).")
@_mode_option
@_depth_option
@_units
def compare(models, batch, dtype, fmt, conventions, mode, depth, exact, binary):
    """Several MODELS side by side, with ratios against the first."""
    from .pipeline import analyse
    from .render import counting as counted
    from .render import data, formats

    batches = [batch]
    results = [analyse(m, None, batches, dtype.lower(), mode=mode) for m in models]
    names = _convention_names(conventions)
    tools = [counting_results(names, r) for r in results]
    if fmt == "json":
        _echo(formats.to_json([counted.compare_json(data.summary(r, layers=False), r.analysis, found, depth)
                               for r, found in zip(results, tools)]))
    elif names and fmt in ("csv", "markdown"):
        _echo(counted.compare_conventions_text([r.spec.name for r in results], tools, fmt))
    elif fmt == "csv":
        _echo(formats.compare_csv(results))
    elif fmt == "markdown":
        _echo(formats.compare_markdown(results))
    else:
        from .render.table import Formatter, compare_table, fit_width, show

        formatter = Formatter(exact, binary)
        show(compare_table(results, formatter, fit_width()))
        for r, found in zip(results, tools):
            if found:
                counted.print_rich(counted.conventions_table(r.spec.name, found, fit_width()))
            if depth:
                counted.print_rich(counted.depth_report(r.spec, r.analysis, r.totals, formatter, depth))


@main.command(name="conventions")
def list_conventions():
    """What each counting tool's figure counts and what it skips.

    The conventions archcalc reproduces with summary --convention and compare --conventions.
    """
    from .render.counting import listing
    from .render.table import fit_width

    click.echo(listing(fit_width()))


@main.command(name="list")
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True,
              help="Output format; JSON has exact integers (docs/json.md).")
def list_models(fmt):
    """The shipped specs, with parameters and MACs at their input."""
    from .pipeline import analyse
    from .render import formats
    from .zoo import catalog

    entries = formats.list_entries(analyse(spec) for spec in catalog().values())  # each freed once listed
    if fmt == "json":
        _echo(formats.to_json(entries))
        return
    from .render.table import fit_width, list_table, show

    show(list_table(entries, fit_width()))


@main.command()
@click.argument("model", required=False)
@click.option("--all", "all_models", is_flag=True, help="Verify every shipped spec at its native input.")
@_shape_option()
@_one_batch_option
@_set_option
@click.option("--seed", default=0, show_default=True, metavar="N", help="Seed of the random input and weights.")
@click.option("--max-bytes", default="256MiB", show_default=True, callback=_quantity, metavar="BYTES",
              help="Scratch memory a convolution may hold at once (its window matrix), e.g. 64MiB.")
@click.option("--max-memory", callback=_quantity, metavar="BYTES",
              help="Refuse a run that would need more memory than this (default: what the system has "
                   "available), e.g. 8GiB.")
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True,
              help="Output format; JSON has exact integers (docs/verify.md).")
@click.pass_context
def verify(ctx, model, all_models, input_shape, batch, sets, seed, max_bytes, max_memory, fmt):
    """Run MODEL forward in NumPy and check it against the engine.

    Every layer's output shape, executed MACs and parameters are compared with the engine's.
    Exit code 0 when all layers agree, 1 on any mismatch, 2 for bad input.
    """
    import time

    from .engine import Config
    from .render import formats
    from .render import verify as report
    from .render.table import fit_width, make_console, show
    from .verify import available_memory
    from .verify import verify as run
    from .zoo import catalog, resolve

    if all_models == bool(model):
        raise ArchcalcError("E504", "name one MODEL, or use --all for every shipped spec")
    if all_models and input_shape:
        raise ArchcalcError("E504", "--all runs each spec at its own input; --input needs one MODEL")
    memory_limit = max_memory if max_memory is not None else available_memory()
    console = make_console()
    names = list(catalog()) if all_models else [model]
    results, titles, started = [], [], time.perf_counter()
    with report.LayerProgress(models=len(names) if all_models else None) as progress:
        for name in names:
            spec = resolve(name, _parse_sets(sets), input_shape)
            if input_shape:
                spec.check_input(input_shape)
            graph = spec.graph()
            shape = input_shape or spec.input_shape()
            with progress.track(spec.name) as on_layer:
                result = run(graph, Config(shape, batch), seed=seed, max_bytes=max_bytes, on_layer=on_layer,
                             max_memory=memory_limit)
            results.append(result)
            titles.append(spec.title)
            if all_models and fmt == "table":
                console.print(report.model_line(result, max(map(len, names))))
    if fmt == "json":
        records = [report.record(r) for r in results]
        _echo(formats.to_json(records if all_models else records[0]))
    elif all_models:
        console.print(report.all_verdict(results, time.perf_counter() - started))
    else:
        for warning in graph.warnings:
            click.echo(str(warning), err=True)
        show(report.verify_table(results[0], titles[0], fit_width()))
    ctx.exit(0 if all(r.ok for r in results) else 1)


@main.command()
@click.argument("name", required=False)
def layers(name):
    """The spec language's layer types, their keys and defaults.

    With NAME (a type or an alias such as Conv2d), that type's documentation.
    """
    from .render.layers import layer_help
    from .render.table import fit_width

    click.echo(layer_help(name, fit_width()))


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--max-params", callback=_quantity, metavar="N", help="Budget for trainable parameters (e.g. 25M).")
@click.option("--max-macs", callback=_quantity, metavar="N", help="Budget for multiply-adds (e.g. 4G).")
@click.option("--max-activation-bytes", callback=_quantity, metavar="BYTES",
              help="Budget for activation memory, all layer outputs in fp32 (e.g. 100MiB).")
@_shape_option("Input of the .onnx files among PATH (needed where their dimensions are dynamic); a YAML "
               "spec keeps its own input:.")
@click.option("--baseline", metavar="FILE", help="Fail when numbers drift from this baseline JSON.")
@click.option("--update-baseline", is_flag=True,
              help="Write the current numbers to --baseline FILE (by default to archcalc-baseline.json).")
@click.option("--strict", is_flag=True, help="Warnings (e.g. W401 unused output) fail the check too.")
@click.option("--format", "fmt", type=click.Choice(("human", "json", "github", "junit")), default="human",
              show_default=True, help="How problems are printed: github annotates a pull request's diff.")
@click.pass_context
def check(ctx, paths, max_params, max_macs, max_activation_bytes, input_shape, baseline, update_baseline, strict,
          fmt):
    """Validate specs for CI: expect: blocks, budgets, a baseline.

    Each model is checked against the numbers pinned in its expect: block, the budgets given here
    and the baseline. PATH is a spec file or a directory (searched recursively for *.yaml and *.yml).
    Exit code: 0 all good, 1 a check or budget failed, 2 invalid spec or usage.
    """
    from . import check as checking
    from .render.problems import render

    if baseline is not None and not baseline.strip():
        raise click.BadParameter("is empty; name a file, or leave the option out", param_hint="--baseline")
    if any(not path.strip() for path in paths):
        raise click.BadParameter("an empty PATH; name a spec file or a directory (. for the current one)",
                                 param_hint="PATH")
    limits = {"max_params": max_params, "max_macs": max_macs, "max_activation_bytes": max_activation_bytes}
    budgets = {checking.BUDGETS[k]: v for k, v in limits.items() if v is not None}
    target = (baseline or "archcalc-baseline.json") if update_baseline else None
    report = checking.run(paths, budgets, baseline, target, input_shape)
    click.echo(render(report, fmt, strict, color=fmt == "human"))  # click drops colours off a terminal
    ctx.exit(report.exit_code(strict))


@main.command()
def schema():
    """JSON Schema of the spec language, for editors and checks.

    Save it with 'archcalc schema > archcalc.schema.json' and name it in a spec's '$schema' key
    (or a '# yaml-language-server: $schema=…' comment).
    """
    from .render.formats import to_json
    from .schema import spec_schema

    click.echo(to_json(spec_schema()))


# ---- pictures: diagram, plot, report ----

def _write(output, content) -> None:
    """Text or bytes to the file ``output``, or to standard output."""
    if output is None:
        if isinstance(content, bytes):
            click.get_binary_stream("stdout").write(content)
        else:
            click.echo(content, nl=False)
        return
    with open(output, "wb") as handle:
        handle.write(content.encode("utf-8") if isinstance(content, str) else content)


def _format_from(output, fmt, choices, default):
    """--format, else the output file's extension, else ``default``."""
    if fmt:
        return fmt
    suffix = output.rsplit(".", 1)[-1].lower() if output and "." in output else ""
    aliases = {"gv": "dot", "mmd": "mermaid", "htm": "html"}
    suffix = aliases.get(suffix, suffix)
    return suffix if suffix in choices else default


@main.command()
@click.argument("model")
@_shape_option()
@_set_option
@click.option("--format", "fmt", type=click.Choice(("dot", "mermaid", "svg", "png")),
              help="Output language (default: from -o's extension, else dot). svg and png need Graphviz.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@click.option("--depth", type=click.IntRange(min=0), metavar="N",
              help="Draw blocks nested up to N levels as clusters; collapse deeper blocks into one node each.")
@click.option("--all-layers", is_flag=True, help="Draw in-place activations and views as nodes of their own.")
def diagram(model, input_shape, sets, fmt, output, depth, all_layers):
    """Draw MODEL as a graph: Graphviz dot, Mermaid, SVG or PNG.

    Layers are nodes, tensor shapes label the edges, blocks are clusters.
    """
    from .pipeline import analyse
    from .render import diagram as drawing

    result = analyse(model, [input_shape] if input_shape else None, (1,), "fp32", _parse_sets(sets))
    picture = drawing.build(result.spec, result.analysis, depth, all_layers)
    fmt = _format_from(output, fmt, ("dot", "mermaid", "svg", "png"), "dot")
    if fmt == "mermaid":
        _write(output, drawing.to_mermaid(picture))
    elif fmt == "dot":
        _write(output, drawing.to_dot(picture))
    else:
        _write(output, drawing.render_graphviz(drawing.to_dot(picture), fmt))


def _parse_sweep(text):
    """'3x128x128:3x640x640[:STEP]' → the input shapes from START towards STOP, STEP pixels apart (default
    32) along the dimension that changes most (STOP itself when it lies on that grid); other changing
    dimensions move in proportion."""
    from .spec import parse_shape

    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise click.BadParameter(f"expected START:STOP or START:STOP:STEP such as 3x128x128:3x640x640, got {text!r}")
    start, stop = parse_shape(parts[0]), parse_shape(parts[1])
    try:
        step = int(parts[2]) if len(parts) == 3 else 32
        if step < 1:
            raise ValueError
    except ValueError:
        raise click.BadParameter(f"STEP must be a positive integer, got {parts[2]!r}") from None
    if len(start) != len(stop) or start[0] != stop[0]:
        raise click.BadParameter(f"START and STOP need the same channels and rank, got {parts[0]} and {parts[1]}")
    widest = max(abs(b - a) for a, b in zip(start, stop))
    count = widest // step + 1
    if count < 2:
        raise click.BadParameter(f"{text!r} gives a single size; STOP must differ from START by at least STEP")
    return [tuple(a + round((b - a) * i * step / widest) for a, b in zip(start, stop)) for i in range(count)]


@main.command()
@click.argument("models", nargs=-1)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="The chart: .png or .svg.")
@click.option("--zoo", is_flag=True, help="Every shipped model with reported accuracy.")
@click.option("--per-layer", is_flag=True, help="Bars of parameters, MACs and memory for each layer of one MODEL.")
@click.option("--sweep", metavar="START:STOP[:STEP]",
              help="MACs and memory of one MODEL over input sizes, e.g. 3x128x128:3x640x640 (STEP 32 pixels).")
@_shape_option("Input shape for --per-layer (default: the spec's).")
@_one_batch_option
@_dtype_option
@_set_option
def plot(models, output, zoo, per_layer, sweep, input_shape, batch, dtype, sets):
    """Charts of cost and accuracy, as PNG or SVG.

    Accuracy against multiply-adds for MODELS (bubble area = parameters), per-layer bars
    (--per-layer) or cost against input size (--sweep). Needs matplotlib: pip install 'archcalc[plot]'.
    """
    from .pipeline import analyse
    from .render import plot as charts
    from .zoo import catalog

    charts.pyplot()  # a missing matplotlib is reported before any work
    if input_shape and not per_layer:
        raise ArchcalcError("E504", "--input sets the input of --per-layer; the accuracy chart uses each spec's "
                                    "own input and --sweep its range")
    batches = [batch]
    if per_layer or sweep:
        if per_layer and sweep or len(models) != 1 or zoo:
            raise ArchcalcError("E504", "--per-layer and --sweep each take exactly one MODEL")
        if sweep:
            result = analyse(models[0], _parse_sweep(sweep), batches, dtype.lower(), _parse_sets(sets))
            native = result.spec.input_shape()
            figure = charts.sweep_chart(result.spec, result.analysis, result.totals, native)
        else:
            result = analyse(models[0], [input_shape] if input_shape else None, batches, dtype.lower(),
                             _parse_sets(sets))
            figure = charts.per_layer_chart(result.spec, result.analysis)
        charts.save(figure, output)
        return
    if zoo == bool(models):
        raise ArchcalcError("E504", "name the MODELS to compare, or use --zoo for every shipped model with accuracy")
    names = [name for name, spec in catalog().items() if spec.accuracy is not None] if zoo else list(models)
    points = []
    for name in names:
        result = analyse(name)
        spec = result.spec
        if spec.accuracy is None:
            click.echo(f"{name}: no reported accuracy in its spec, so it is left off the chart", err=True)
            continue
        points.append(charts.ComplexityPoint(spec.name, result.total("macs"), result.total("params"),
                                             spec.accuracy.top1, spec.accuracy.source))
    if not points:
        raise ArchcalcError("E504", "none of the models has a reported accuracy to plot (see docs/pictures.md)")
    charts.save(charts.complexity_chart(points), output)


@main.command()
@click.argument("model")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the page to FILE (default: standard output).")
@_shape_option()
@_one_batch_option
@_dtype_option
@_set_option
@click.option("--depth", type=click.IntRange(min=0), metavar="N", help="Collapse the diagram's blocks below depth N.")
@click.option("--no-charts", is_flag=True, help="Leave out the per-layer charts (they need matplotlib).")
@click.option("--no-diagram", is_flag=True, help="Leave out the diagram (it needs Graphviz).")
def report(model, output, input_shape, batch, dtype, sets, depth, no_charts, no_diagram):
    """One self-contained HTML page for MODEL.

    Totals, notes, a sortable layer table, the diagram and charts. The page works offline: styles, script and pictures are inline and it makes no network request.
    """
    from .pipeline import analyse
    from .render import diagram as drawing
    from .render import report as page

    result = analyse(model, [input_shape] if input_shape else None, [batch], dtype.lower(),
                     _parse_sets(sets))
    spec, analysis = result.spec, result.analysis
    diagram_svg, diagram_missing = None, "Diagram left out (--no-diagram)."
    if not no_diagram:
        try:
            dot_text = drawing.to_dot(drawing.build(spec, analysis, depth))
            diagram_svg = drawing.render_graphviz(dot_text, "svg").decode("utf-8")
        except ArchcalcError:
            diagram_missing = drawing.INSTALL_GRAPHVIZ + "."
    charts_svg, charts_missing = None, "Charts left out (--no-charts)."
    if not no_charts:
        from .render import plot as charts

        try:
            charts.pyplot()
            charts_svg = charts.to_svg_text(charts.per_layer_chart(spec, analysis, width=12))
        except ArchcalcError:
            charts_missing = "The " + charts.INSTALL_MATPLOTLIB + "."
    _write(output, page.render(result, diagram_svg, diagram_missing, charts_svg, charts_missing))


@main.command(name="import")
@click.argument("path", metavar="MODEL.onnx", required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the spec here (default: stdout).")
@_shape_option("Fix the input's dimensions (needed where they are dynamic, and with --torch).")
@click.option("--allow-unsupported", is_flag=True,
              help="Proceed past ops archcalc cannot count: placeholders of their shape, listed in the spec's notes.")
@click.option("--torch", "torch_factory", metavar="MODULE:FUNCTION",
              help="Export the torch.nn.Module this function returns (needs PyTorch and --input) instead of reading a file.")
def import_model(path, output, input_shape, allow_unsupported, torch_factory):
    """Turn an ONNX file into a readable YAML spec.

    Layer names come from the graph, and its branches and joins become from: keys.
    """
    import tempfile
    from pathlib import Path

    from .onnx_import import export_from_torch, import_onnx

    if bool(path) == bool(torch_factory) or (torch_factory and not input_shape):
        raise ArchcalcError("E504", "name one MODEL.onnx, or --torch MODULE:FUNCTION with --input")
    with tempfile.TemporaryDirectory() as directory:
        source = export_from_torch(torch_factory, input_shape, directory) if torch_factory else path
        imported = import_onnx(source, input_shape, allow_unsupported)
    for op_type, node, reason in imported.unsupported:
        click.echo(f"{path or torch_factory}: warning: {node}: {op_type} is not counted{f' ({reason})' if reason else ''}", err=True)
    if output:
        try:
            Path(output).write_text(imported.text, encoding="utf-8")
        except OSError as error:
            raise ArchcalcError("E104", f"cannot write {output}: {error.strerror or error}") from None
    else:
        click.echo(imported.text, nl=False)


@main.command()
@click.argument("model")
@_input_option
@_batch_option
@_set_option
@click.option("--optimizer", type=click.Choice(("sgd", "momentum", "adam", "adamw")), default="sgd",
              show_default=True, help="Optimizer whose state is counted (fp32 buffers per parameter: 0, 1, 2, 2).")
@click.option("--precision", type=click.Choice(("fp32", "amp-fp16", "amp-bf16")), default="fp32",
              show_default=True, help="fp32, or mixed precision as autocast runs it.")
@click.option("--device", metavar="NAME", help="Fit the largest batch on a known accelerator (e.g. a100-40gb, t4).")
@click.option("--memory", "memory_size", callback=_quantity, metavar="BYTES",
              help="Fit the largest batch in this much memory (e.g. 11GiB); nothing is set aside.")
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True,
              help="Output format; JSON has exact integers (docs/json.md).")
@_units
def memory(model, inputs, batch, sets, optimizer, precision, device, memory_size, fmt, exact, binary):
    """Training memory of MODEL, and the largest batch that fits.

    Weights, gradients, optimizer state, what autograd keeps for backward and the step's peak;
    with --device or --memory, the largest batch that fits.
    """
    from .devices import device as find_device
    from .pipeline import analyse
    from .render import formats
    from .render import memory as report
    from .training import training_memory

    if device and memory_size:
        raise ArchcalcError("E504", "give --device or --memory, not both")
    result = analyse(model, _parse_inputs(inputs), _parse_batches(batch), "fp32", _parse_sets(sets))
    spec, analysis = result.spec, result.analysis
    training = training_memory(analysis, optimizer, precision)
    fit = None
    if device:
        found = find_device(device)
        fit = report.fit_for(training, found.memory, found.name, found.memory - found.usable)
    elif memory_size is not None:
        fit = report.fit_for(training, memory_size, None, 0)
    count = len(analysis.configs)
    if fmt == "json":
        records = [report.record(spec, analysis, training, i, fit) for i in range(count)]
        click.echo(formats.to_json(records[0] if count == 1 else records))
        return
    from .render.table import Formatter, fit_width, show

    for index in range(count):
        show(report.report(spec, analysis, training, Formatter(exact, binary), index, fit, fit_width()))
