"""``archcalc memory``: the training step's memory as JSON (exact bytes) and as a terminal report."""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from .. import memory as inference
from ..devices import FRAMEWORK_ALLOWANCE


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


def report(spec, analysis, training, fmt, index: int = 0, fit: dict | None = None) -> Group:
    """Per-layer saved bytes, then the step's totals and, with a device, the batch that fits."""
    item = record(spec, analysis, training, index, fit)
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False,
                  title=f"{spec.title or spec.name}: training memory, input {'×'.join(map(str, item['input']))}, "
                        f"batch {item['batch']}, {item['precision']}, {item['optimizer']}", title_justify="left")
    for column, justify in (("Layer", "left"), ("Type", "left"), ("Saved", "right"), ("Keeps", "left")):
        table.add_column(column, justify=justify, no_wrap=column != "Keeps")
    for layer in item["per_layer"]:
        if not layer["keeps"]:
            continue
        keeps = ", ".join(layer["keeps"]) + (" (in place)" if layer["in_place"] else "")
        table.add_row(layer["name"], layer["type"], fmt.bytes(layer["saved"]) if layer["saved"] else "shared", keeps)
    lines = [
        ("Weights (fp32, with buffers)", item["weights"]),
        ("Gradients (fp32)", item["gradients"]),
        (f"Optimizer state ({item['optimizer']})", item["optimizer_state"]),
        ("Input batch", item["input_batch"]),
        ("Saved activations (autograd, exact)", item["saved_activations"]),
        ("Training peak (forward + backward)", item["training_peak"]),
        ("Total: weights + state + input + peak", item["total"]),
        ("Inference peak (freed after last reader)", item["inference_peak"]),
        ("Inference peak (PyTorch eager lifetimes)", item["eager_inference_peak"]),
    ]
    totals = Table.grid(padding=(0, 2))
    totals.add_column()
    totals.add_column(justify="right")
    for label, value in lines:
        totals.add_row(label, fmt.bytes(value))
    parts = [table, totals]
    if fit is not None:
        name = fit["device"] or "the given memory"
        best = item["fit"]["max_batch"]
        parts.append(Text(f"\nLargest batch on {name} ({fmt.bytes(fit['memory'])}, "
                          f"{fmt.bytes(fit['memory'] - fit['usable'])} set aside for the framework): {best:,}"))
    parts.append(Text("\nPyTorch eager, CPU kernels' saved tensors (docs/memory.md); the peak includes parameter "
                      "gradients as backward allocates them.", style="dim"))
    return Group(*parts)


__all__ = ["record", "report", "fit_for", "FRAMEWORK_ALLOWANCE"]
