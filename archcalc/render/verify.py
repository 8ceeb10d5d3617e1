"""Reports of ``archcalc verify``: the per-layer table, the one-line-per-model list, JSON records
and the progress bar shown while layers run."""

from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from ..units import human
from .columns import shape_text as columns_shape_text
from .layers import plural
from .layout import FitColumn, FittedTable, Report, Styled, dropped_note
from ..verify import LayerCheck, Verification, shape_text

OK, FAIL = "✓", "✗"


def _count(value) -> str:
    return "—" if value is None else f"{value:,}"


def _bytes(value: int) -> str:
    return human(value, suffix="B")


def where(check: LayerCheck) -> str:
    """'vgg.yaml:14:7: conv 'conv3_1'' — how a failing layer is named."""
    location = f"{check.location}: " if check.location else ""
    return f"{location}{check.type_name} '{check.name}'"


def record(result: Verification) -> dict:
    """The JSON object for one model: exact integers, every layer, the verdict."""
    return {
        "model": result.model,
        "input": list(result.input_shape),
        "batch": result.batch,
        "seed": result.seed,
        "verdict": "ok" if result.ok else "mismatch",
        "layers_checked": result.checked,
        "executed_macs": result.executed_macs,
        "peak_bytes": result.peak_bytes,
        "estimated_peak_bytes": result.estimated_peak_bytes,
        "output_finite": result.output_finite,
        "seconds": round(result.seconds, 3),
        "not_run": result.skipped,
        "mismatches": [{"layer": c.name, "location": str(c.location) if c.location else None, "problem": c.problem()}
                       for c in result.mismatches],
        "layers": [{
            "name": c.name,
            "type": c.type_name,
            "location": str(c.location) if c.location else None,
            "predicted_shape": list(c.predicted_shape),
            "actual_shape": list(c.actual_shape) if c.actual_shape is not None else None,
            "predicted_macs": c.predicted_macs,
            "executed_macs": c.actual_macs,
            "predicted_params": c.predicted_params,
            "drawn_params": c.actual_params,
            "ok": c.ok,
            "error": c.error,
        } for c in result.layers],
    }


def verify_table(result: Verification, title: str | None = None, width: int | None = None) -> Report:
    """One row per layer — predicted against actual shape and MACs — then the verdict; fitted to
    ``width`` columns like the summary table (numbers are never cut)."""
    layers = result.layers
    marks = [Styled(OK, "green") if c.ok else Styled(FAIL, "bold red") for c in layers]

    def shapes(get, short):
        return [short_shape(get(c)) if short else shape_text(get(c)) for c in layers]

    columns = [
        FitColumn("Layer", [c.name for c in layers], 1, wraps=True),
        FitColumn("Type", [c.type_name for c in layers], 7, style="cyan"),
        FitColumn("Predicted shape", shapes(lambda c: c.predicted_shape, False), 2,
                  short=shapes(lambda c: c.predicted_shape, True)),
        FitColumn("Actual shape", shapes(lambda c: c.actual_shape, False), 3,
                  short=shapes(lambda c: c.actual_shape, True)),
        FitColumn("Predicted MACs", [_count(c.predicted_macs) for c in layers], 4, justify="right"),
        FitColumn("Executed MACs", [_count(c.actual_macs) for c in layers], 5, justify="right"),
        FitColumn("Params", [_count(c.actual_params) for c in layers], 6, justify="right"),
        FitColumn("", marks, 1),
    ]
    table = FittedTable(columns, width, title=title or result.model, row_styles=[None if c.ok else "red" for c in layers])
    return Report([table, dropped_note(table.dropped, width), *verdict(result)])


def short_shape(shape) -> str:
    return "—" if shape is None else columns_shape_text(shape, short=True)


def verdict(result: Verification) -> list[Styled]:
    """The verdict under the table: agreement (or each disagreement, located), then memory."""
    run = f"input {shape_text(result.input_shape)}, batch {result.batch}, seed {result.seed}, {result.seconds:.2f} s"
    if result.ok:
        lines = [Styled(f"{OK} {'all ' if len(result.layers) > 1 else ''}{plural(len(result.layers), 'layer')} "
                      f"{'agree' if len(result.layers) > 1 else 'agrees'} with the engine: shapes, MACs and parameters "
                      f"({result.executed_macs:,} MACs executed; {run})", "bold green")]
    else:
        count = len(result.mismatches)
        lines = [Styled(f"{FAIL} {count} of {len(result.layers)} layer{'s' if len(result.layers) > 1 else ''} "
                      f"disagree{'s' if count == 1 else ''} with the engine ({run}):", "bold red")]
        lines += [Styled(f"  {where(check)}: {check.problem()}", "red") for check in result.mismatches]
        if result.skipped:
            lines.append(Styled(f"  {result.skipped} later layer{'s' if result.skipped > 1 else ''} could not run",
                              "red"))
    lines.append(Styled(f"Memory: {_bytes(result.peak_bytes)} of activations held at once at the peak "
                      f"(engine estimate {_bytes(result.estimated_peak_bytes)}; weights and kernel scratch "
                      f"not included)"))
    if not result.output_finite and result.checked == len(result.layers):
        lines.append(Styled("Note: the network's output holds non-finite values (inf/NaN); shapes and MACs are "
                          "unaffected.", "yellow"))
    return lines


def model_line(result: Verification, name_width: int = 18) -> Text:
    """One line for ``verify --all``: name, layers checked, verdict, time, measured peak
    (and the engine's estimate); the disagreeing layers follow, one per line."""
    count = len(result.mismatches)
    status = f"{OK} ok" if result.ok else f"{FAIL} {count} failed"
    line = Text(f"{result.model:<{name_width}} {result.checked:>5} {'layer ' if result.checked == 1 else 'layers'}  ")
    line.append(f"{status:<10}", style="green" if result.ok else "bold red")
    line.append(f" {result.seconds:6.2f} s  peak {_bytes(result.peak_bytes)}"
                f" (est. {_bytes(result.estimated_peak_bytes)})")
    for check in result.mismatches:
        line.append(f"\n    {where(check)}: {check.problem()}", style="red")
    return line


def all_verdict(results: list[Verification], seconds: float) -> Text:
    failed = [r.model for r in results if not r.ok]
    if not failed:
        return Text(f"{OK} {plural(len(results), 'model')}, {plural(sum(r.checked for r in results), 'layer')}: "
                    f"{'all agree' if len(results) > 1 else 'agrees'} "
                    f"({seconds:.1f} s)", style="bold green")
    return Text(f"{FAIL} {len(failed)} of {len(results)} models disagree: {', '.join(failed)} ({seconds:.1f} s)",
                style="bold red")


class LayerProgress:
    """Progress while layers run — on a terminal (stderr) only; piped or redirected, it prints
    nothing at all. With ``models`` (``verify --all``) a second bar counts the models: 12/75."""

    def __init__(self, console: Console | None = None, models: int | None = None):
        self.console = console or Console(stderr=True)
        self.progress = None
        self.models_task = None
        if self.console.is_terminal:
            self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), TextColumn("{task.fields[layer]}"),
                                     console=self.console, transient=True)
            if models is not None:
                self.models_task = self.progress.add_task("models", total=models, layer="")

    def __enter__(self) -> "LayerProgress":
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()

    @contextmanager
    def track(self, model: str):
        """Yields an ``on_layer`` for :func:`archcalc.verify.verify` advancing a bar named ``model``
        (None when there is no terminal); the bar goes away when the block ends."""
        if self.progress is None:
            yield None
            return
        progress = self.progress
        if self.models_task is not None:
            progress.update(self.models_task, layer=model)
        task = progress.add_task(model, total=None, layer="")

        def on_layer(position, total, node):
            progress.update(task, completed=position, total=total, layer=node.name)

        try:
            yield on_layer
        finally:
            progress.remove_task(task)
            if self.models_task is not None:
                progress.advance(self.models_task)
