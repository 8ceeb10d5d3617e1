"""``archcalc memory``: the training step's memory as JSON (exact bytes) and as a terminal report."""

from __future__ import annotations

from .. import memory as inference
from ..devices import FRAMEWORK_ALLOWANCE
from .layout import FitColumn, FittedTable, Grid, Report, Styled, dropped_note


def _show_shape(shape, index):
    return [int(d[index]) for d in shape]


def record(spec, analysis, training, index: int = 0, fit: dict | None = None) -> dict:
    """The JSON object for one configuration (docs/json.md, "memory")."""
    config = analysis.configs[index]
    result = {
        "model": spec.name,
        "input": list(config.input_shape),
        "batch": config.batch,
        "optimizer": training.optimizer,
        "precision": training.precision,
        "weights": int(training.weights[index]),
        "gradients": int(training.gradients[index]),
        "optimizer_state": int(training.optimizer_state[index]),
        "input_batch": int(training.input_bytes[index]),
        "saved_activations": int(training.saved_activations[index]),
        "training_peak": int(training.training_peak[index]),
        "total": int(training.total[index]),
        "inference_peak": int(inference.inference_peak(analysis)[index]),
        "eager_inference_peak": int(inference.eager_inference_peak(analysis)[index]),
        "per_layer": [{"name": layer.name, "type": layer.type_name, "saved": int(layer.saved[index]),
                       "keeps": layer.keeps, "in_place": layer.in_place} for layer in training.per_layer],
    }
    if fit is not None:
        result["fit"] = {"device": fit["device"], "memory": fit["memory"], "usable": fit["usable"],
                         "max_batch": int(fit["max_batch"][index])}
    return result


def fit_for(training, memory: int, device: str | None, allowance: int) -> dict:
    usable = memory - allowance
    return {"device": device, "memory": memory, "usable": usable, "max_batch": training.max_batch(usable)}


def report(spec, analysis, training, fmt, index: int = 0, fit: dict | None = None,
           width: int | None = None) -> Report:
    """Per-layer saved bytes, then the step's totals and, with a device, the batch that fits;
    fitted to ``width`` columns like the summary (None: everything)."""
    item = record(spec, analysis, training, index, fit)
    layers = [layer for layer in item["per_layer"] if layer["keeps"]]
    columns = [
        FitColumn("Layer", [layer["name"] for layer in layers], 1, wraps=True),
        FitColumn("Type", [layer["type"] for layer in layers], 8, style="cyan"),
        FitColumn("Saved", [fmt.bytes(layer["saved"]) if layer["saved"] else "shared" for layer in layers], 1,
                  justify="right"),
        FitColumn("Keeps", [", ".join(layer["keeps"]) + (" (in place)" if layer["in_place"] else "")
                            for layer in layers], 2, wraps=True),
    ]
    title = (f"{spec.title or spec.name}: training memory, input {'×'.join(map(str, item['input']))}, "
             f"batch {item['batch']}, {item['precision']}, {item['optimizer']}")
    table = FittedTable(columns, width, title=title)
    totals = Grid([
        ("Weights (fp32, with buffers)", item["weights"]),
        ("Gradients (fp32)", item["gradients"]),
        (f"Optimizer state ({item['optimizer']})", item["optimizer_state"]),
        ("Input batch", item["input_batch"]),
        ("Saved activations (autograd, exact)", item["saved_activations"]),
        ("Training peak (forward + backward)", item["training_peak"]),
        ("Total: weights + state + input + peak", item["total"]),
        ("Inference peak (freed after last reader)", item["inference_peak"]),
        ("Inference peak (PyTorch eager lifetimes)", item["eager_inference_peak"]),
    ], justify="right", label_style=None)
    totals.rows = [(label, fmt.bytes(value)) for label, value in totals.rows]
    parts = [table, dropped_note(table.dropped, width), totals]
    if fit is not None:
        set_aside = fit["memory"] - fit["usable"]
        where = (f"on {fit['device']} ({fmt.bytes(fit['memory'])}, {fmt.bytes(set_aside)} set aside for the "
                 f"framework)" if fit["device"] else f"in {fmt.bytes(fit['memory'])} (nothing set aside)")
        parts.append(Styled(f"\nLargest batch {where}: {item['fit']['max_batch']:,}"))
    parts.append(Styled("\nPyTorch eager, CPU kernels' saved tensors (docs/memory.md); the peak includes parameter "
                        "gradients as backward allocates them.", "dim"))
    return Report(parts)


__all__ = ["record", "report", "fit_for", "FRAMEWORK_ALLOWANCE"]
