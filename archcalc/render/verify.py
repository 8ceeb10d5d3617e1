"""Reports of ``archcalc verify``: the per-layer table, the one-line-per-model list, JSON records
and the progress bar shown while layers run."""

from __future__ import annotations

from contextlib import contextmanager

from rich import box
from rich.console import Console, Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ..units import human
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


def verify_table(result: Verification, title: str | None = None) -> Group:
    """One row per layer — predicted against actual shape and MACs — then the verdict."""
    table = Table(title=f"[bold]{title or result.model}[/bold]", box=box.SIMPLE_HEAD, header_style="bold",
                  pad_edge=False)
    table.add_column("Layer", no_wrap=True)
    table.add_column("Type", style="cyan", no_wrap=True)
    table.add_column("Predicted shape", no_wrap=True)
    table.add_column("Actual shape", no_wrap=True)
    table.add_column("Predicted MACs", justify="right", no_wrap=True)
    table.add_column("Executed MACs", justify="right", no_wrap=True)
    table.add_column("Params", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    for check in result.layers:
        mark = Text(OK, style="green") if check.ok else Text(FAIL, style="bold red")
        table.add_row(check.name, check.type_name, shape_text(check.predicted_shape), shape_text(check.actual_shape),
                      _count(check.predicted_macs), _count(check.actual_macs), _count(check.actual_params), mark,
                      style=None if check.ok else "red")
    return Group(table, *verdict(result))


def verdict(result: Verification) -> list[Text]:
    """The verdict under the table: agreement (or each disagreement, located), then memory."""
    run = f"input {shape_text(result.input_shape)}, batch {result.batch}, seed {result.seed}, {result.seconds:.2f} s"
    if result.ok:
        lines = [Text(f"{OK} all {len(result.layers)} layers agree with the engine: shapes, MACs and parameters "
                      f"({result.executed_macs:,} MACs executed; {run})", style="bold green")]
    else:
        count = len(result.mismatches)
        lines = [Text(f"{FAIL} {count} of {len(result.layers)} layer{'s' if len(result.layers) > 1 else ''} "
                      f"disagree{'s' if count == 1 else ''} with the engine ({run}):", style="bold red")]
        lines += [Text(f"  {where(check)}: {check.problem()}", style="red") for check in result.mismatches]
        if result.skipped:
            lines.append(Text(f"  {result.skipped} later layer{'s' if result.skipped > 1 else ''} could not run",
                              style="red"))
    lines.append(Text(f"Memory: {_bytes(result.peak_bytes)} of activations held at once at the peak "
                      f"(engine estimate {_bytes(result.estimated_peak_bytes)}; weights and kernel scratch "
                      f"not included)"))
    if not result.output_finite and result.checked == len(result.layers):
        lines.append(Text("Note: the network's output holds non-finite values (inf/NaN); shapes and MACs are "
                          "unaffected.", style="yellow"))
    return lines


def model_line(result: Verification, name_width: int = 18) -> Text:
    """One line for ``verify --all``: name, layers checked, verdict, time, measured peak
    (and the engine's estimate); the disagreeing layers follow, one per line."""
    count = len(result.mismatches)
    status = f"{OK} ok" if result.ok else f"{FAIL} {count} failed"
    line = Text(f"{result.model:<{name_width}} {result.checked:>5} layers  ")
    line.append(f"{status:<10}", style="green" if result.ok else "bold red")
    line.append(f" {result.seconds:6.2f} s  peak {_bytes(result.peak_bytes)}"
                f" (est. {_bytes(result.estimated_peak_bytes)})")
    for check in result.mismatches:
        line.append(f"\n    {where(check)}: {check.problem()}", style="red")
    return line


def all_verdict(results: list[Verification], seconds: float) -> Text:
    failed = [r.model for r in results if not r.ok]
    if not failed:
        return Text(f"{OK} {len(results)} models, {sum(r.checked for r in results)} layers: all agree "
                    f"({seconds:.1f} s)", style="bold green")
    return Text(f"{FAIL} {len(failed)} of {len(results)} models disagree: {', '.join(failed)} ({seconds:.1f} s)",
                style="bold red")


class LayerProgress:
    """A progress bar per model while its layers run — on a terminal (stderr) only; piped or
    redirected, it prints nothing at all."""

    def __init__(self, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self.progress = None
        if self.console.is_terminal:
            self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), TextColumn("{task.fields[layer]}"),
                                     console=self.console, transient=True)

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
        task = progress.add_task(model, total=None, layer="")

        def on_layer(position, total, node):
            progress.update(task, completed=position, total=total, layer=node.name)

        try:
            yield on_layer
        finally:
            progress.remove_task(task)
