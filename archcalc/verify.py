"""``archcalc verify``: a real NumPy forward pass checks every shape and MAC count the engine computes.

The walk runs the graph front to back (the compiler stores nodes in topological order) on a
seeded random float32 input, with seeded random weights drawn layer by layer. For each layer it
compares, against the engine's :class:`~archcalc.engine.Row`:

- the output shape the layer's forward actually produced (per sample) with the predicted shape;
- the multiply-accumulates the kernel actually executed — counted by the kernel from the
  dimensions of the matrix products it ran (:mod:`archcalc.kernels`) — with the predicted MACs
  (for the whole batch);
- the elements of the parameter arrays the layer drew for itself (``init_params``, shaped as its
  kernel needs them) with the predicted parameters (trainable + buffers).

Memory: each activation is released as soon as its last reader has run (``Graph.consumers``),
so a branch or a skip connection keeps its tensor until the join consumes it; the network's
outputs (the last layer and any marked ``output: true``) are kept. An in-place layer
(ReLU) writes its result back into its input's buffer when nothing else still reads that input,
as PyTorch's ``inplace=True`` does; views (flatten, dropout) share their input's buffer. After
every layer the walk adds up the bytes of the distinct buffers it holds; the largest sum is the
*measured* inference peak, reported beside the engine's estimate (:func:`memory.inference_peak`).
Weights exist only while their layer runs and are not activations; kernel scratch (the
convolution's window matrix) is bounded by ``max_bytes``.

The result is plain data (:class:`Verification`); :mod:`archcalc.render.verify` draws it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import memory
from .conventions import IN_PLACE
from .engine import Config, analyze
from .errors import ArchcalcError, Location
from .graph import Graph, Node
from .layers.runtime import FLOAT, scratch_bytes

DEFAULT_MAX_BYTES = 256 * 2**20


@dataclass
class LayerCheck:
    """One layer: what the engine predicted and what the forward pass did."""

    name: str
    type_name: str
    location: Location | None
    predicted_shape: tuple[int, ...]          # per sample
    predicted_macs: int                       # whole batch
    predicted_params: int                     # trainable + buffers
    actual_shape: tuple[int, ...] | None = None   # per sample; None when the layer did not run
    actual_macs: int | None = None
    actual_params: int | None = None          # elements of the arrays init_params drew
    error: str | None = None
    skipped: bool = False                     # not run: an earlier layer failed

    @property
    def shape_ok(self) -> bool:
        return self.actual_shape == self.predicted_shape

    @property
    def macs_ok(self) -> bool:
        return self.actual_macs == self.predicted_macs

    @property
    def params_ok(self) -> bool:
        return self.actual_params == self.predicted_params

    @property
    def ok(self) -> bool:
        return self.error is None and self.shape_ok and self.macs_ok and self.params_ok

    @property
    def ran(self) -> bool:
        return self.actual_shape is not None

    def problem(self) -> str:
        """What disagrees, in words ('' when the layer agrees)."""
        if self.error is not None:
            return self.error
        parts = []
        if not self.shape_ok:
            parts.append(f"shape predicted {shape_text(self.predicted_shape)}, actual {shape_text(self.actual_shape)}")
        if not self.macs_ok:
            parts.append(f"MACs predicted {self.predicted_macs:,}, executed {self.actual_macs:,}")
        if not self.params_ok:
            parts.append(f"parameters predicted {self.predicted_params:,}, drawn {self.actual_params:,}")
        return "; ".join(parts)


@dataclass
class Verification:
    """A whole forward pass: per-layer checks, the verdict, and what it cost."""

    model: str
    input_shape: tuple[int, ...]
    batch: int
    seed: int
    layers: list[LayerCheck]
    peak_bytes: int             # measured: most activation bytes held at once
    estimated_peak_bytes: int   # the engine's memory.inference_peak
    seconds: float
    output_finite: bool

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.layers)

    @property
    def mismatches(self) -> list[LayerCheck]:
        """Layers that disagree with the engine or whose forward failed (not those skipped after)."""
        return [check for check in self.layers if not check.ok and not check.skipped]

    @property
    def skipped(self) -> int:
        return sum(check.skipped for check in self.layers)

    @property
    def checked(self) -> int:
        """Layers that ran and were compared."""
        return sum(check.ran for check in self.layers)

    @property
    def executed_macs(self) -> int:
        return sum(check.actual_macs or 0 for check in self.layers)


def memory_needed(analysis, max_bytes: int) -> tuple[int, str]:
    """Bytes a forward pass needs at most, from the engine's own estimate, and how they add up:
    the activation peak (input included), the largest layer's weights (drawn while it runs) and
    the kernel scratch budget."""
    element = np.dtype(FLOAT).itemsize
    peak = int(memory.inference_peak(analysis)[0]) * element // analysis.element_bytes
    weights = max((int(r.params.trainable[0] + r.params.buffers[0]) * element for r in analysis.rows), default=0)
    total = peak + weights + max_bytes
    return total, (f"activation peak {human_bytes(peak)} + largest layer's weights {human_bytes(weights)} + "
                   f"kernel scratch {human_bytes(max_bytes)}")


def available_memory() -> int | None:
    """MemAvailable from /proc/meminfo (Linux), else None (no refusal without knowing)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def human_bytes(value: int) -> str:
    from .units import human

    return human(value, binary=True, suffix="B")


def verify(graph: Graph, config: Config, *, seed: int = 0, max_bytes: int = DEFAULT_MAX_BYTES,
           on_layer: Callable[[int, int, Node], None] | None = None, max_memory: int | None = None) -> Verification:
    """Run ``graph`` on a random input of ``config`` and check every layer against the engine.

    ``on_layer(position, total, node)`` is called before each layer runs (for a progress bar).
    ``max_memory``: refuse (E504) before allocating anything when the run would need more.
    Raises :class:`ArchcalcError` when the spec itself is invalid (the engine rejects it).
    """
    # Every branch runs here, train-only ones (auxiliary heads) included, so the engine predicts
    # them as a training step would.
    analysis = analyze(graph, [config], mode="train")
    if max_memory is not None:
        needed, parts = memory_needed(analysis, max_bytes)
        if needed > max_memory:
            raise ArchcalcError("E504", f"verify needs about {human_bytes(needed)} ({parts}) and "
                                        f"{human_bytes(max_memory)} is available; use a smaller --input or --batch, "
                                        f"or --max-memory to allow more")
    estimated_peak = int(memory.inference_peak(analysis)[0])
    rng = np.random.default_rng(seed)
    token = scratch_bytes.set(max_bytes)
    started = time.perf_counter()
    try:
        # Random weights in very deep networks may overflow float32 (the verdict notes a
        # non-finite output); that changes no shape and no count, so NumPy's warnings are noise.
        with np.errstate(all="ignore"):
            checks, walk = _run(graph, analysis, config, rng, on_layer)
    finally:
        scratch_bytes.reset(token)
    return Verification(graph.name, tuple(config.input_shape), config.batch, seed, checks, walk.peak_bytes,
                        estimated_peak, time.perf_counter() - started, walk.output_finite())


def _run(graph, analysis, config, rng, on_layer) -> tuple[list[LayerCheck], "_Walk"]:
    """Every layer in graph order: predicted facts from the engine's row, actual ones from the walk."""
    try:
        data = rng.standard_normal((config.batch, *config.input_shape), dtype=FLOAT)
    except (MemoryError, ValueError) as error:
        raise ArchcalcError("E504", f"cannot allocate the input ({shape_text(config.input_shape)}, batch {config.batch}): "
                                    f"{type(error).__name__}; use a smaller --input or --batch") from None
    walk = _Walk(graph, data)
    checks = []
    layers = list(zip(graph.nodes[1:], analysis.rows[1:]))
    for position, (node, row) in enumerate(layers):
        if on_layer is not None:
            on_layer(position, len(layers), node)
        check = LayerCheck(node.name, node.type_name, node.location,
                           tuple(int(d[0]) for d in row.output_shape), int(row.macs[0]),
                           int(row.params.trainable[0] + row.params.buffers[0]))
        if walk.failed:
            check.error, check.skipped = "not run: an earlier layer failed", True
        else:
            walk.step(node, check, rng, config.batch)
        checks.append(check)
    return checks, walk


class _Walk:
    """The arrays a forward pass holds, released after their last reader, and their peak bytes."""

    def __init__(self, graph: Graph, data: np.ndarray):
        self.graph = graph
        self.readers_left = [len(readers) for readers in graph.consumers()]
        #: The network's outputs (the last layer, and any marked ``output: true``) are kept to the end.
        self.kept = {graph.output.index} | {node.index for node in graph.nodes if node.output}
        self.held: dict[int, np.ndarray] = {0: data}
        self.peak_bytes = held_bytes(self.held.values())
        self.failed = False

    def step(self, node: Node, check: LayerCheck, rng, batch: int) -> None:
        layer = node.layer
        inputs = [self.held[i] for i in node.inputs]
        try:
            params = layer.init_params([x.shape[1:] for x in inputs], rng)
            output, macs = layer.forward(inputs, params)
        except (ArchcalcError, ValueError) as error:
            self.failed = True
            check.error = f"forward failed: {getattr(error, 'message', error)}"
            return
        except MemoryError:
            raise ArchcalcError("E504", f"out of memory running {node.type_name} '{node.name}' with batch {batch}; "
                                        "try a smaller --batch or --max-bytes", node.location, node.name) from None
        check.actual_params = sum(int(array.size) for array in params.values())
        del params
        check.actual_shape = tuple(output.shape[1:])
        check.actual_macs = int(macs)
        if output.shape[0] != batch:
            check.error = f"batch dimension {output.shape[0]}, expected {batch}"
        if layer.storage == IN_PLACE and self._may_overwrite(node.inputs[0], output):
            np.copyto(inputs[0], output)
            output = inputs[0]
        self.held[node.index] = output
        self.peak_bytes = max(self.peak_bytes, held_bytes(self.held.values()))
        for source in node.inputs:
            self.readers_left[source] -= 1
            if self.readers_left[source] == 0 and source not in self.kept:
                self.held.pop(source, None)
        if self.readers_left[node.index] == 0 and node.index not in self.kept:
            del self.held[node.index]

    def _may_overwrite(self, source: int, output: np.ndarray) -> bool:
        """True when no later layer reads ``source``'s buffer: this layer is its last reader and no
        other held tensor is a view of it."""
        array = self.held[source]
        if (self.readers_left[source] != 1 or source in self.kept or not array.flags.writeable
                or array.shape != output.shape):
            return False
        root = id(_root(array))
        return not any(id(_root(other)) == root for index, other in self.held.items() if index != source)

    def output_finite(self) -> bool:
        final = self.held.get(self.graph.output.index)
        return final is not None and bool(np.isfinite(final).all())


def _root(array: np.ndarray) -> np.ndarray:
    """The array that owns the memory ``array`` is a view of."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def held_bytes(arrays) -> int:
    """Bytes of the distinct buffers behind ``arrays`` (views count once, with their owner)."""
    roots = {id(root): root.nbytes for root in map(_root, arrays)}
    return sum(roots.values())


def shape_text(shape) -> str:
    """'64×56×56' for a per-sample shape; '—' for a layer that did not run."""
    return "×".join(map(str, shape)) if shape is not None else "—"
