"""The engine: one walk over the graph computes every layer's facts for every configuration.

A configuration is an input shape and a batch size. All rules receive int64 arrays with one
entry per configuration, so analysing 10,000 input sizes costs one walk, not 10,000.
The engine returns data (:class:`Analysis`); totals live in :mod:`archcalc.totals` and
presentation in :mod:`archcalc.render`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import receptive
from .conventions import NEW, dtype_bytes
from .errors import ArchcalcError
from .graph import Graph, Node
from .layers.base import ParamCounts, elements, product


@dataclass(frozen=True)
class Config:
    """One configuration to evaluate: input shape (C, *spatial) or (F,) and batch size."""

    input_shape: tuple
    batch: int = 1

    @property
    def label(self) -> str:
        shape = "×".join(map(str, self.input_shape))
        return shape if self.batch == 1 else f"{shape} ×{self.batch}"


@dataclass
class Row:
    """Facts about one node, each an int64 array with one entry per configuration.

    MACs, other ops and activations are for the whole batch; shapes and params per sample.
    """

    node: Node
    input_shapes: list
    output_shape: tuple
    params: ParamCounts
    macs: np.ndarray
    other_ops: dict
    activations: np.ndarray
    #: The analysis's receptive fields, walked when first read.
    fields: receptive.Fields

    @property
    def field(self) -> receptive.Field:
        return self.fields.at(self.node.index)

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def layer(self):
        return self.node.layer

    def receptive_field(self) -> np.ndarray:
        """One number per configuration: the largest of the field's spatial axes."""
        return self.field.largest() * np.ones_like(self.macs)

    @property
    def description(self) -> str:
        """The layer's settings in a few words ('3×3 s1 p1'), for the input it receives."""
        if self.layer is None:
            return ""
        return self.layer.describe(len(self.input_shapes[0]) - 1 if self.input_shapes else None)


@dataclass
class Analysis:
    graph: Graph
    configs: list[Config]
    dtype: str
    rows: list[Row]
    #: "eval" or "train": whether train-only branches run.
    mode: str = "eval"

    @property
    def element_bytes(self) -> int:
        return dtype_bytes(self.dtype)

    @property
    def batch(self) -> np.ndarray:
        return np.array([c.batch for c in self.configs], dtype=np.int64)


def _as_vector(value, count: int) -> np.ndarray:
    array = np.asarray(value, dtype=np.int64)
    return np.full(count, array, dtype=np.int64) if array.ndim == 0 else array


def analyze(graph: Graph, configs: list[Config], dtype: str = "fp32", mode: str = "eval") -> Analysis:
    """Walk ``graph`` once for all ``configs``. In ``mode="eval"`` train-only branches keep their
    parameters but run nothing: no MACs, no other ops, no activation memory."""
    dtype_bytes(dtype)  # validate early
    count = len(configs)
    ranks = {len(c.input_shape) for c in configs}
    if len(ranks) != 1:
        raise ArchcalcError("E203", "all input shapes of one run need the same number of dimensions")
    batch = np.array([c.batch for c in configs], dtype=np.int64)
    input_shape = tuple(np.array([c.input_shape[d] for c in configs], dtype=np.int64) for d in range(ranks.pop()))
    input_node = graph.nodes[0]
    zero = np.zeros(count, np.int64)
    fields = receptive.Fields(input_shape)
    rows = [Row(input_node, [], input_shape, ParamCounts(zero, zero, zero), zero, {},
                product(elements(input_shape), batch), fields)]
    known: dict = {}
    for node in graph.nodes[1:]:
        rows.append(_evaluate(node, rows, batch, count, known, fields))
        if node.train_only and mode == "eval":
            rows[-1] = _idle(rows[-1])
    return Analysis(graph, list(configs), dtype, rows, mode)


def _facts_key(layer, inputs):
    """What a layer's facts depend on: its type, its settings and its input shapes (rules are pure)."""
    key = (type(layer), tuple(layer.settings.items()),
           tuple(tuple(d.tobytes() for d in shape) for shape in inputs))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _evaluate(node: Node, rows: list[Row], batch: np.ndarray, count: int, known: dict,
              fields: receptive.Fields) -> Row:
    """One node's row. Repeated layers (same type, settings and input shapes) are computed once."""
    layer = node.layer
    inputs = [rows[i].output_shape for i in node.inputs]
    try:
        key = _facts_key(layer, inputs)
        facts = known.get(key) if key is not None else None
        if facts is None:
            facts = _facts(layer, inputs, batch, count)
            if key is not None:
                known[key] = facts
        output, params, macs, other, activations, window = facts
        fields.add(window, node.inputs[:len(node.inputs) - layer.references()], output)
    except ArchcalcError as error:
        raise error.located(node.location, node.name) from None
    return Row(node, inputs, output, params, macs, dict(other), activations, fields)


def _facts(layer, inputs, batch, count) -> tuple:
    layer.check_rank(inputs)
    output = tuple(_as_vector(d, count) for d in layer.output_shape(inputs))
    counts = layer.param_counts(inputs)
    params = ParamCounts(*(_as_vector(v, count) for v in (counts.trainable, counts.buffers, counts.weights)))
    macs = product(_as_vector(layer.macs(inputs, output), count), batch)
    other = {k: product(_as_vector(v, count), batch) for k, v in layer.other_ops(inputs, output).items()}
    undeclared = set(other) - set(layer.other_op_labels)
    if undeclared:  # a defect in the layer class, not in the spec
        raise TypeError(f"{layer.type_name} counts other ops {sorted(undeclared)} it does not declare")
    allocated = elements(output) if layer.storage == NEW else np.zeros(count, np.int64)
    activations = product(allocated, batch)
    return output, params, macs, other, activations, layer.window(inputs)


def _idle(row: Row) -> Row:
    """A row of a layer that does not run: its shapes and parameters, and no work or memory."""
    zero = np.zeros_like(row.macs)
    return Row(row.node, row.input_shapes, row.output_shape, row.params, zero,
               {k: zero for k in row.other_ops}, zero, row.fields)
