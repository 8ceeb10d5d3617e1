"""ONNX files → specs: ``archcalc summary model.onnx`` and ``archcalc import model.onnx``.

An ONNX graph is turned into the text of an ordinary spec (layer names from the graph's node
names, the DAG through ``from:``, the input from the graph), which is then loaded like any YAML
file — so an .onnx path and the spec ``archcalc import`` writes for it give identical numbers by
construction, and everything downstream (summary, compare, check, verify) works unchanged.

The file is counted as it is (docs/import.md):

- Every node that touches the activation becomes one layer (a few two- or three-node patterns
  that are one layer in the source framework become one: MatMul + bias Add is a linear layer,
  Reshape/Transpose/Reshape is a channel shuffle). An exporter's rewrites stay visible: a batch
  norm folded into the preceding convolution is a convolution with a bias.
- Constants are everything computed from initializers and ``Constant`` nodes alone, and shapes
  (``Shape`` of a tensor whose shape is known). Small ones (shape arithmetic, scalars, indices)
  are evaluated with ONNX's reference evaluator; large ones (weights) are only ever read by shape.
- A layer's parameters are the constant operands it consumes, counted for every node that
  consumes them: an initializer shared by two nodes counts twice, as each node holds it.
  Scalars are constants, not parameters.
- An op without a rule is never counted as zero: the import fails listing every such op, unless
  the caller allows it, and then the unsupported nodes are listed in the spec's notes.

Shapes come from ONNX's own shape inference (with the input's dynamic dimensions fixed), after
which the spec is analysed once and every layer's shape compared with ONNX's: any disagreement is
an error, never a silently different number.

In order: :mod:`.file` reads the file without its weights' bytes, :mod:`.shapes` infers shapes and
folds constants, :mod:`.rules` turns each node into layers (one function per op type), and
:mod:`.walk` runs the rules over the graph, writes the spec and holds it to the file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ArchcalcError
from .file import FileLocation, fail, first_line, read_model, sorted_nodes
from .shapes import SMALL, Value, dims_of, fold_constants, infer_shapes, shape_text, skeleton_model
from .walk import Walk, check_against_onnx

ONNX_SUFFIX = ".onnx"


def is_onnx_path(text: str) -> bool:
    return Path(str(text)).suffix.lower() == ONNX_SUFFIX


@dataclass
class Imported:
    """The result of an import: the spec's text, and what it could not count."""

    text: str
    name: str
    unsupported: list = field(default_factory=list)   # (op type, node name, reason)


def import_onnx(path: str, input_shape: tuple | None = None, allow_unsupported: bool = False) -> Imported:
    """Read ``path`` and return the text of an equivalent spec.

    ``input_shape`` (per sample, e.g. (3, 320, 320)) fixes the input's dimensions; it is needed
    when the file leaves some of them dynamic. Raises :class:`ArchcalcError` (E1xx file, E201
    unsupported ops, E4xx graph structure) naming the file and, where there is one, the node.
    """
    path = str(path)
    onnx, model = read_model(path)
    graph = model.graph
    nodes = sorted_nodes(graph, path)
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    initializers = {t.name: t for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in initializers]
    if len(inputs) != 1:
        names = ", ".join(i.name for i in inputs) or "none"
        raise fail("E504", path, f"archcalc analyses networks with one input; this graph has {len(inputs)}: {names}")
    (entry,) = inputs
    dims = dims_of(entry.type) or ()
    if len(dims) < 2:
        raise fail("E504", path, f"input '{entry.name}' has shape {shape_text(dims) or 'unknown'}; "
                                 f"expected a batch axis and then C×… or features")
    if input_shape is not None:
        if len(input_shape) != len(dims) - 1:
            raise fail("E504", path, f"--input {shape_text(input_shape)} has {len(input_shape)} dimensions; "
                                     f"input '{entry.name}' ({shape_text(dims)}) needs {len(dims) - 1} after the batch")
        sample = tuple(int(d) for d in input_shape)
    else:
        sample = dims[1:]
        if any(d is None or d < 1 for d in sample):
            raise fail("E504", path, f"input '{entry.name}' has dynamic dimensions {shape_text(dims)}; "
                                     f"give them with --input (e.g. --input "
                                     f"{'x'.join(str(d or 224) for d in sample)})")
    full_input = (1, *sample)

    # Shapes and constants: infer, fold what is constant, infer again with the folded values.
    skeleton = skeleton_model(onnx, model, nodes, entry.name, full_input, {})
    shapes = infer_shapes(onnx, skeleton, path, check=True)
    values: dict[str, Value] = {entry.name: Value(full_input, layer="input")}
    for name, tensor in initializers.items():
        data = None
        if math.prod(tensor.dims) <= SMALL and tensor.data_location != onnx.TensorProto.EXTERNAL:
            data = onnx.numpy_helper.to_array(tensor)
        values[name] = Value(tuple(tensor.dims), data=data)
    # Folding a constant can make a shape known that a Shape node then folds: alternate until done.
    folded: dict = {}
    while True:
        found = fold_constants(onnx, nodes, values, shapes, opset, path)
        if not found:
            break
        folded.update(found)
        skeleton = skeleton_model(onnx, model, nodes, entry.name, full_input, folded)
        shapes = infer_shapes(onnx, skeleton, path)
    del skeleton

    walk = Walk(path, nodes, values, shapes, opset, graph)
    walk.run()
    if walk.unsupported and not allow_unsupported:
        raise ArchcalcError("E201", walk.unsupported_message(), FileLocation(path, 1, 1))
    name = Path(path).stem
    document = walk.document(name, sample, model)
    imported = Imported(document, name, walk.unsupported)
    check_against_onnx(imported.text, walk, path, sample)
    return imported


def load_onnx_spec(path: str, input_shape: tuple | None = None, allow_unsupported: bool = False):
    """The :class:`~archcalc.spec.ModelSpec` of an .onnx file (what ``archcalc summary model.onnx`` analyses)."""
    from ..spec import load_specs

    imported = import_onnx(path, input_shape, allow_unsupported)
    return load_specs(str(path), imported.text)[0]


def export_from_torch(factory: str, input_shape: tuple, directory: str) -> str:
    """Export ``package.module:function`` (called without arguments, returning a ``torch.nn.Module``)
    to ONNX in ``directory``, in eval mode, on a random input of ``input_shape`` (per sample)."""
    import importlib

    try:
        import torch
    except ImportError:
        raise ArchcalcError("E109", "--torch needs PyTorch installed (pip install torch)") from None
    module_name, _, function_name = factory.partition(":")
    if not module_name or not function_name:
        raise ArchcalcError("E504", f"--torch expects package.module:function, got {factory!r}")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as error:
        raise ArchcalcError("E504", f"--torch {factory}: {error}") from None
    model = function()
    if not isinstance(model, torch.nn.Module):
        raise ArchcalcError("E504", f"--torch {factory} returned {type(model).__name__}, not a torch.nn.Module")
    path = str(Path(directory) / f"{function_name}.onnx")
    try:
        torch.onnx.export(model.eval(), torch.randn(1, *input_shape), path, dynamo=False)
    except Exception as error:  # the exporter's own errors: unsupported operators, wrong input shape
        raise ArchcalcError("E504", f"--torch {factory}: torch.onnx.export failed: {first_line(error)}") from None
    return path
