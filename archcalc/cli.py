"""Command-line wiring: options in, reporters out. No arithmetic and no formatting here.

Every command analyses through :mod:`archcalc.pipeline` and prints through :mod:`archcalc.render`.
Each command is one function below; option parsers shared by several commands sit above them.
"""

from __future__ import annotations

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
_batch_option = click.option("--batch", default="1", show_default=True, metavar="N[,N…]", help="Batch size(s).")
_dtype_option = click.option("--dtype", default="fp32", show_default=True,
                             type=click.Choice(sorted(DTYPE_BYTES), case_sensitive=False),
                             help="Element type for memory.")
_set_option = click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
                           help="Override a spec variable (e.g. --set aux=true).")
_units_options = [
    click.option("--exact", is_flag=True, help="Exact integers in the table instead of K/M/G."),
    click.option("--binary", is_flag=True, help="Binary units for bytes (KiB, MiB) instead of decimal."),
]


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
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--all-layers", is_flag=True, help="Also show in-place activations, dropout and flatten rows.")
@click.option("--weights", "weights_only", is_flag=True,
              help="Show weights without biases instead of parameters, as the lecture tables count them.")
@_units
def summary(model, inputs, batch, dtype, sets, fmt, all_layers, weights_only, exact, binary):
    """Per-layer table and totals for MODEL."""
    from .pipeline import analyse
    from .render import data, formats

    result = analyse(model, _parse_inputs(inputs), _parse_batches(batch), dtype.lower(), _parse_sets(sets))
    if fmt == "json":
        count = len(result.configs)
        formats.write_json_stream(sys.stdout.write,
                                  (data.summary(result, i) for i in range(count)), count)
    elif fmt == "csv":
        formats.write_csv(sys.stdout.write, result)
    elif fmt == "markdown":
        _echo(formats.to_markdown(result, binary))
    else:
        from .render.table import Formatter, fit_width, show, summary_table

        for warning in result.graph.warnings:
            click.echo(str(warning), err=True)
        show(summary_table(result, Formatter(exact, binary), fit_width(), all_layers, weights_only))


@main.command()
@click.argument("models", nargs=-1, required=True)
@_batch_option
@_dtype_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@_units
def compare(models, batch, dtype, fmt, exact, binary):
    """Several MODELS side by side, with ratios against the first."""
    from .pipeline import analyse
    from .render import data, formats

    batches = _parse_batches(batch)[:1]
    results = [analyse(m, None, batches, dtype.lower()) for m in models]
    if fmt == "json":
        _echo(formats.to_json([data.summary(r, layers=False) for r in results]))
    elif fmt == "csv":
        _echo(formats.compare_csv(results))
    elif fmt == "markdown":
        _echo(formats.compare_markdown(results))
    else:
        from .render.table import Formatter, compare_table, fit_width, show

        show(compare_table(results, Formatter(exact, binary), fit_width()))


@main.command(name="list")
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True)
def list_models(fmt):
    """The shipped specs: name, title, parameters and MACs at their native input."""
    from .pipeline import analyse
    from .render import formats
    from .zoo import catalog

    entries = formats.list_entries([analyse(spec) for spec in catalog().values()])
    if fmt == "json":
        _echo(formats.to_json(entries))
        return
    from .render.table import fit_width, list_table, show

    show(list_table(entries, fit_width()))


@main.command()
@click.argument("model", required=False)
@click.option("--all", "all_models", is_flag=True, help="Verify every shipped spec at its native input.")
@click.option("--input", "input_shape", metavar="CxHxW", help="Input shape (default: the spec's).")
@click.option("--batch", default=1, show_default=True, type=click.IntRange(min=1, max=MAX_BATCH),
              help="Batch size.")
@_set_option
@click.option("--seed", default=0, show_default=True, help="Seed of the random input and weights.")
@click.option("--max-bytes", default="256MiB", show_default=True, callback=_quantity,
              help="Scratch memory a convolution may hold at once (its window matrix), e.g. 64MiB.")
@click.option("--max-memory", callback=_quantity, metavar="BYTES",
              help="Refuse a run that would need more memory than this (default: what the system has "
                   "available), e.g. 8GiB.")
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True)
@click.pass_context
def verify(ctx, model, all_models, input_shape, batch, sets, seed, max_bytes, max_memory, fmt):
    """Run MODEL forward in NumPy; check every layer's shape and MACs against the engine.

    Exit code 0 when all layers agree, 1 on any mismatch, 2 for bad input.
    """
    import time

    from .engine import Config
    from .render import formats
    from .render import verify as report
    from .render.table import fit_width, make_console, show
    from .spec import parse_shape
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
            spec = resolve(name, _parse_sets(sets))
            graph = spec.graph()
            shape = parse_shape(input_shape) if input_shape else spec.input_shape()
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
    """The layer types the spec language knows, with their keys and defaults."""
    from .render.layers import layer_help

    click.echo(layer_help(name))


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--max-params", callback=_quantity, metavar="N", help="Budget for trainable parameters (e.g. 25M).")
@click.option("--max-macs", callback=_quantity, metavar="N", help="Budget for multiply-adds (e.g. 4G).")
@click.option("--max-activation-bytes", callback=_quantity, metavar="BYTES",
              help="Budget for activation memory, all layer outputs in fp32 (e.g. 100MiB).")
@click.option("--baseline", metavar="FILE", help="Fail when numbers drift from this baseline JSON.")
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

    if baseline is not None and not baseline.strip():
        raise click.BadParameter("is empty; name a file, or leave the option out", param_hint="--baseline")
    if any(not path.strip() for path in paths):
        raise click.BadParameter("an empty PATH; name a spec file or a directory (. for the current one)",
                                 param_hint="PATH")
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
