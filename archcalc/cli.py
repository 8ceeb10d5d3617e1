"""Command-line wiring: options in, reporters out. No arithmetic and no formatting here."""

from __future__ import annotations

import sys

import click

from .errors import ArchcalcError

FORMATS = ("table", "json", "csv", "markdown")


class _Group(click.Group):
    """Turns user errors into one located line on stderr and exit code 2 (traceback with --debug)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ArchcalcError as error:
            if ctx.meta.get("archcalc.debug"):
                raise
            click.echo(str(error), err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="archcalc")
@click.option("--debug", is_flag=True, help="Show a traceback for errors.")
@click.pass_context
def main(ctx, debug):
    """What does this network cost? Shapes, parameters, MACs and memory of CNNs described in YAML.

    MODEL is a shipped spec (see 'archcalc list') or a path to a YAML file.
    """
    ctx.meta["archcalc.debug"] = debug


def _parse_inputs(text):
    from .spec import parse_shape

    return [parse_shape(part) for part in text.split(",")] if text else None


def _parse_batches(text):
    try:
        batches = [int(part) for part in str(text).split(",")]
        if any(b < 1 for b in batches):
            raise ValueError
        return batches
    except ValueError:
        raise click.BadParameter(f"expected positive integers separated by commas, got {text!r}") from None


def _parse_sets(values):
    import yaml

    overrides = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}")
        overrides[key.strip()] = yaml.safe_load(value)
    return overrides


def analyze_model(model, inputs=None, batches=(1,), dtype="fp32", overrides=None, mode="eval"):
    """Resolve, compile and analyse one model (a name, a path or a ModelSpec): the pipeline every
    command shares."""
    from .engine import Config, analyze
    from .spec import ModelSpec
    from .totals import totals
    from .zoo import resolve

    spec = model if isinstance(model, ModelSpec) and not overrides else resolve(model, overrides)
    graph = spec.graph()
    shapes = inputs or [spec.input_shape()]
    configs = [Config(shape, batch) for shape in shapes for batch in batches]
    analysis = analyze(graph, configs, dtype, mode)
    return spec, analysis, totals(analysis)


_input_option = click.option("--input", "inputs", metavar="CxHxW[,CxHxW…]",
                             help="Input shape(s); several sizes are evaluated in one walk.")
_batch_option = click.option("--batch", default="1", show_default=True, metavar="N[,N…]", help="Batch size(s).")
_dtype_option = click.option("--dtype", default="fp32", show_default=True,
                             help="Element type for memory: fp32, fp16, bf16, int8, fp64.")
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


@main.command()
@click.argument("model")
@_input_option
@_batch_option
@_dtype_option
@_set_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
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
    from .render import counting as counted
    from .render import data, formats

    spec, analysis, totals = analyze_model(model, _parse_inputs(inputs), _parse_batches(batch), dtype,
                                           _parse_sets(sets), mode)
    names = _convention_names(convention)
    if len(names) > 1:
        raise click.BadParameter("summary takes one convention; compare --conventions shows several",
                                 param_hint="--convention")
    results = [counting_results(names, analysis, totals, i) for i in range(len(analysis.configs))]
    if fmt == "json":
        objects = [counted.summary_json(data.summary(spec, analysis, totals, i), analysis, results[i], depth, i)
                   for i in range(len(analysis.configs))]
        click.echo(formats.to_json(objects[0] if len(objects) == 1 else objects))
    elif fmt == "csv":
        click.echo(counted.summary_csv(formats.to_csv(spec, analysis), results), nl=False)
    elif fmt == "markdown":
        click.echo(counted.summary_markdown(formats.to_markdown(spec, analysis, totals, binary), analysis,
                                            results, depth))
    else:
        from .render.table import Formatter, make_console, show, summary_table

        for warning in analysis.graph.warnings:
            click.echo(str(warning), err=True)
        formatter = Formatter(exact, binary)
        console = make_console()
        if depth:
            show(console, counted.depth_report(spec, analysis, totals, formatter, depth))
        else:
            show(console, summary_table(spec, analysis, totals, formatter, all_layers, weights_only))
        show(console, counted.extra_totals(analysis, results))


def counting_results(names, analysis, totals, index=0):
    from .counting import apply_all

    return apply_all(names, analysis, totals, index) if names else []


@main.command()
@click.argument("models", nargs=-1, required=True)
@_batch_option
@_dtype_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--conventions", "--convention", "conventions", metavar="all|NAME[,NAME…]",
              help="Add counting tools' figures: a name, several, or 'all' (one row per tool for each model).")
@_mode_option
@_depth_option
@_units
def compare(models, batch, dtype, fmt, conventions, mode, depth, exact, binary):
    """Several MODELS side by side, with ratios against the first."""
    from .render import counting as counted
    from .render import data, formats

    batches = _parse_batches(batch)[:1]
    results = [analyze_model(m, None, batches, dtype, mode=mode) for m in models]
    names = _convention_names(conventions)
    tools = [counting_results(names, r[1], r[2]) for r in results]
    if fmt == "json":
        objects = []
        for (spec, analysis, totals), found in zip(results, tools):
            record = {k: v for k, v in data.summary(spec, analysis, totals).items() if k != "layers"}
            objects.append(counted.compare_json(record, analysis, found, depth))
        click.echo(formats.to_json(objects))
        return
    if names and fmt in ("csv", "markdown"):
        click.echo(counted.compare_conventions_text([r[0].name for r in results], tools, fmt))
        return
    if fmt in ("csv", "markdown"):
        keys = list(results[0][2])
        rows = [["model"] + keys] + [[r[0].name] + [int(r[2][k][0]) for k in keys] for r in results]
        if fmt == "csv":
            click.echo("\n".join(",".join(map(str, row)) for row in rows))
        else:
            click.echo("| " + " | ".join(rows[0]) + " |\n|" + "---|" * len(keys + [0]))
            click.echo("\n".join("| " + " | ".join(f"{v:,}" if isinstance(v, int) else v for v in row) + " |"
                                 for row in rows[1:]))
        return
    from .render.table import Formatter, compare_table, make_console, show

    console = make_console()
    formatter = Formatter(exact, binary)
    show(console, compare_table([r[0].name for r in results], [r[2] for r in results],
                                [r[1] for r in results], formatter))
    for (spec, analysis, totals), found in zip(results, tools):
        if found:
            show(console, counted.conventions_table(spec.name, found))
        if depth:
            show(console, counted.depth_report(spec, analysis, totals, formatter, depth))


@main.command(name="conventions")
def list_conventions():
    """The counting tools' conventions archcalc reproduces: what each counts and what it skips."""
    from .render.counting import listing

    click.echo(listing())


@main.command(name="list")
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True)
def list_models(fmt):
    """The shipped specs: name, title, parameters and MACs at their native input."""
    from .render import formats
    from .zoo import catalog

    entries = []
    for name, shipped in catalog().items():
        spec, analysis, totals = analyze_model(shipped)
        entries.append({"name": name, "title": spec.title, "input": list(analysis.configs[0].input_shape),
                        "params": int(totals["params"][0]), "macs": int(totals["macs"][0])})
    if fmt == "json":
        click.echo(formats.to_json(entries))
        return
    from rich import box
    from rich.table import Table

    from .render.table import make_console, show
    from .units import human

    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    for column, justify in (("Name", "left"), ("Title", "left"), ("Input", "left"), ("Params", "right"),
                            ("MACs", "right")):
        table.add_column(column, justify=justify, no_wrap=column != "Title")
    for e in entries:
        table.add_row(e["name"], e["title"], "×".join(map(str, e["input"])), human(e["params"]), human(e["macs"]))
    show(make_console(), table)


@main.command()
@click.argument("model", required=False)
@click.option("--all", "all_models", is_flag=True, help="Verify every shipped spec at its native input.")
@click.option("--input", "input_shape", metavar="CxHxW", help="Input shape (default: the spec's).")
@click.option("--batch", default=1, show_default=True, type=click.IntRange(min=1), help="Batch size.")
@_set_option
@click.option("--seed", default=0, show_default=True, help="Seed of the random input and weights.")
@click.option("--max-bytes", default="256MiB", show_default=True,
              help="Scratch memory a convolution may hold at once (its window matrix), e.g. 64MiB.")
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True)
@click.pass_context
def verify(ctx, model, all_models, input_shape, batch, sets, seed, max_bytes, fmt):
    """Run MODEL forward in NumPy; check every layer's shape and MACs against the engine.

    Exit code 0 when all layers agree, 1 on any mismatch, 2 for bad input.
    """
    import time

    from .engine import Config
    from .render import formats
    from .render import verify as report
    from .render.table import make_console, show
    from .spec import parse_shape
    from .units import parse_quantity
    from .verify import verify as run
    from .zoo import catalog, resolve

    if all_models == bool(model):
        raise ArchcalcError("E504", "name one MODEL, or use --all for every shipped spec")
    if all_models and input_shape:
        raise ArchcalcError("E504", "--all runs each spec at its own input; --input needs one MODEL")
    try:
        budget = parse_quantity(max_bytes)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--max-bytes") from None
    console = make_console()
    names = list(catalog()) if all_models else [model]
    results, titles, started = [], [], time.perf_counter()
    with report.LayerProgress() as progress:
        for name in names:
            spec = resolve(name, _parse_sets(sets))
            graph = spec.graph()
            shape = parse_shape(input_shape) if input_shape else spec.input_shape()
            with progress.track(spec.name) as on_layer:
                result = run(graph, Config(shape, batch), seed=seed, max_bytes=budget, on_layer=on_layer)
            results.append(result)
            titles.append(spec.title)
            if all_models and fmt == "table":
                console.print(report.model_line(result, max(map(len, names))))
    if fmt == "json":
        records = [report.record(r) for r in results]
        click.echo(formats.to_json(records if all_models else records[0]))
    elif all_models:
        console.print(report.all_verdict(results, time.perf_counter() - started))
    else:
        for warning in graph.warnings:
            click.echo(str(warning), err=True)
        show(console, report.verify_table(results[0], titles[0]))
    ctx.exit(0 if all(r.ok for r in results) else 1)


@main.command()
@click.argument("name", required=False)
def layers(name):
    """The layer types the spec language knows, with their keys and defaults."""
    from .render.layers import layer_help

    click.echo(layer_help(name))


def _quantity(ctx, param, value):
    from .units import parse_quantity

    if value is None:
        return None
    try:
        return parse_quantity(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--max-params", callback=_quantity, metavar="N", help="Budget for trainable parameters (e.g. 25M).")
@click.option("--max-macs", callback=_quantity, metavar="N", help="Budget for multiply-adds (e.g. 4G).")
@click.option("--max-activation-bytes", callback=_quantity, metavar="BYTES",
              help="Budget for activation memory, all layer outputs in fp32 (e.g. 100MiB).")
@click.option("--baseline", type=click.Path(dir_okay=False), metavar="FILE",
              help="Fail when numbers drift from this baseline JSON.")
@click.option("--update-baseline", is_flag=True,
              help="Write the current numbers to the baseline (--baseline FILE, default archcalc-baseline.json).")
@click.option("--strict", is_flag=True, help="Warnings (e.g. W401 unused output) fail the check too.")
@click.option("--format", "fmt", type=click.Choice(("human", "json", "github", "junit")), default="human",
              show_default=True)
@click.pass_context
def check(ctx, paths, max_params, max_macs, max_activation_bytes, baseline, update_baseline, strict, fmt):
    """Validate specs and check their expect: blocks, budgets and baseline (for CI).

    PATH is a spec file or a directory (searched recursively for *.yaml and *.yml).
    Exit code: 0 all good, 1 a check or budget failed, 2 invalid spec or usage.
    """
    from . import check as checking
    from .render.problems import render

    limits = {"max_params": max_params, "max_macs": max_macs, "max_activation_bytes": max_activation_bytes}
    budgets = {checking.BUDGETS[k]: v for k, v in limits.items() if v is not None}
    target = (baseline or "archcalc-baseline.json") if update_baseline else None
    report = checking.run(paths, budgets, baseline, target)
    click.echo(render(report, fmt, strict, color=fmt == "human"))  # click drops colours off a terminal
    ctx.exit(report.exit_code(strict))


@main.command()
def schema():
    """JSON Schema of the spec language, for editor completion and checks.

    Save it with 'archcalc schema > archcalc.schema.json' and name it in a spec's '$schema' key
    (or a '# yaml-language-server: $schema=…' comment).
    """
    from .render.formats import to_json
    from .schema import spec_schema

    click.echo(to_json(spec_schema()))


def run() -> None:  # pragma: no cover - python -m archcalc
    main(prog_name="archcalc")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
