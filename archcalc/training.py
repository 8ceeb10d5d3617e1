"""Memory of one training step under PyTorch eager execution (its CPU kernels), computed exactly.

The model, stated once (docs/memory.md explains it with a worked example):

- **saved activations**: the distinct storages autograd keeps for backward during one training
  forward — what each layer's ``saved_for_backward`` lists (:mod:`archcalc.backward`), each
  storage counted once. Parameters and buffers are not activations; the input batch is, when a
  layer keeps it. A layer none of whose inputs needs a gradient and which has no parameters has
  no backward node and keeps nothing.
- **storage**: a layer's output is a new tensor, except views (flatten, slice, identity) and
  in-place element-wise layers, which share their input's storage. An activation runs in place
  (as torchvision writes ``ReLU(inplace=True)``) wherever PyTorch allows it: nothing later reads
  its input, nothing has saved it for backward, it is not the network's input or an output, and
  the activation has an in-place kernel (GELU has none). A layer that is a view at inference but
  keeps a tensor of its own for backward (dropout, stochastic depth) computes a new output while
  training.
- **training peak**: the most bytes held at once during forward + backward, beyond the weights
  and the input batch. Forward: each tensor lives until its last reader, or until the backward
  of the first layer that saved it. Backward runs the layers in reverse: each allocates the
  gradient of its inputs (a tensor already receiving a gradient from another reader adds a
  temporary one into it), the parameter gradients on first use (they stay), then frees the
  gradient of its output and what it saved. The gradient of each network output is allocated
  when backward starts. Sampled after each layer, as after each aten op.
- **gradients** (fp32, one per trainable parameter) are part of the peak once allocated; the
  **optimizer state** is separate: SGD none, momentum one buffer, Adam/AdamW two, all fp32.
- **mixed precision** (``amp-fp16``, ``amp-bf16``, as autocast on CUDA): convolutions and linear
  layers — the layers that keep their weights — run in half precision, so every activation after
  them is half (2 bytes), as are activation gradients. They keep a half copy of their parameters
  until their backward, and a half copy of an fp32 input (the batch). Statistics, indices and the
  master weights, gradients and optimizer state stay fp32 / int64.

Every quantity is an int64 array with one entry per configuration (input size × batch); sizes
are affine in the batch (``fixed + per_sample × batch``), so the largest batch that fits a
memory is solved in closed form (:meth:`TrainingMemory.max_batch`), not searched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .backward import ITEM_BYTES
from .conventions import IN_PLACE, VIEW
from .errors import ArchcalcError
from .layers.base import elements, ensure_fits, product

#: Bytes per activation element for each precision choice.
PRECISIONS = {"fp32": 4, "amp-fp16": 2, "amp-bf16": 2}
#: fp32 buffers the optimizer keeps per trainable parameter.
OPTIMIZER_BUFFERS = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}
MASTER_BYTES = 4      # fp32 weights, gradients and optimizer state
HALF_BYTES = 2


@dataclass
class Storage:
    """One block of memory: ``fixed + per_sample × batch`` bytes (int64 arrays over configurations)."""

    what: str
    per_sample: np.ndarray
    fixed: np.ndarray
    producer: int
    members: list = field(default_factory=list)   # nodes whose output lives here
    savers: list = field(default_factory=list)    # nodes that keep it for backward

    def bytes(self, batch) -> np.ndarray:
        return self.fixed + product(self.per_sample, batch)


@dataclass
class LayerMemory:
    """What one layer keeps for backward. ``saved`` counts the storages it is the first to keep."""

    name: str
    type_name: str
    keeps: list
    saved: np.ndarray
    in_place: bool


@dataclass
class TrainingMemory:
    """One training step's memory, per configuration (bytes, int64 arrays)."""

    precision: str
    optimizer: str
    batch: np.ndarray
    weights: np.ndarray
    gradients: np.ndarray
    optimizer_state: np.ndarray
    input_bytes: np.ndarray
    saved_activations: np.ndarray
    training_peak: np.ndarray
    per_layer: list
    #: The live bytes after each step of the walk: fixed and per-sample parts, (steps × configurations).
    timeline_fixed: np.ndarray
    timeline_per_sample: np.ndarray
    input_per_sample: np.ndarray

    @property
    def total(self) -> np.ndarray:
        """Weights, optimizer state, the input batch and the step's peak."""
        return self.weights + self.optimizer_state + self.input_bytes + self.training_peak

    def max_batch(self, memory: int) -> np.ndarray:
        """The largest batch whose total fits ``memory`` bytes, per configuration (0: not even one).

        total(N) = weights + state + max over steps (fixed + per_sample·N) + input·N, and it fits
        when every step fits: N ≤ (memory − weights − state − fixed) / (per_sample + input), so the
        answer is the smallest such bound over the steps.
        """
        room = memory - self.weights - self.optimizer_state - self.timeline_fixed    # (steps, configs)
        slope = self.timeline_per_sample + self.input_per_sample
        with np.errstate(divide="ignore"):
            bound = np.where(slope > 0, np.floor_divide(room, np.maximum(slope, 1)), np.where(room >= 0, 2**62, -1))
        return np.maximum(bound.min(axis=0), 0)


def training_memory(analysis, optimizer: str = "sgd", precision: str = "fp32") -> TrainingMemory:
    """Walk the analysed graph once: what each layer keeps, then the step's timeline."""
    if optimizer not in OPTIMIZER_BUFFERS:
        raise ArchcalcError("E504", f"unknown optimizer '{optimizer}'; expected one of {', '.join(OPTIMIZER_BUFFERS)}")
    if precision not in PRECISIONS:
        raise ArchcalcError("E504", f"unknown precision '{precision}'; expected one of {', '.join(PRECISIONS)}")
    walk = _Walk(analysis, precision)
    walk.forward()
    return walk.result(optimizer)


class _Walk:
    def __init__(self, analysis, precision):
        self.analysis = analysis
        self.nodes = analysis.graph.nodes
        self.rows = analysis.rows
        self.count = len(analysis.configs)
        self.zero = np.zeros(self.count, np.int64)
        self.activation_bytes = PRECISIONS[precision]
        self.amp = precision != "fp32"
        self.precision = precision
        self.readers = analysis.graph.consumers()
        self.outputs = {len(self.nodes) - 1} | {n.index for n in self.nodes if n.output}
        self.storages: list[Storage] = []
        self.home: list[int] = [0] * len(self.nodes)
        self.requires_grad = [False] * len(self.nodes)
        self.per_layer: list[LayerMemory] = []
        self.half_copies: dict[int, int] = {}       # node → storage of its half parameter copy
        self.output_bytes = [self.zero] * len(self.nodes)

    def new_storage(self, what, per_sample, producer, fixed=None) -> int:
        fixed = self.zero if fixed is None else np.asarray(fixed, np.int64) + self.zero
        self.storages.append(Storage(what, np.asarray(per_sample, np.int64) + self.zero, fixed, producer))
        return len(self.storages) - 1

    # ---- forward: storages and what is saved ----
    def forward(self):
        first = self.rows[0]
        self.output_bytes[0] = product(elements(first.output_shape), MASTER_BYTES)   # the batch is fp32
        self.home[0] = self.new_storage("input", self.output_bytes[0], 0)
        self.storages[0].members.append(0)
        for node in self.nodes[1:]:
            try:
                self.visit(node)
            except ArchcalcError as error:
                raise error.located(node.location, node.name) from None

    def can_overwrite(self, storage: int, node) -> bool:
        """PyTorch lets an op overwrite a tensor only if autograd did not save it; the network's
        input and outputs belong to the caller, and a later reader would see the new values."""
        held = self.storages[storage]
        later = any(r > node.index for m in held.members for r in self.readers[m])
        return storage != 0 and not held.savers and not later and not (set(held.members) & self.outputs)

    def visit(self, node):
        row, layer = self.rows[node.index], node.layer
        inputs, output = row.input_shapes, row.output_shape
        requires = any(self.requires_grad[i] for i in node.inputs) or bool(np.any(row.params.trainable > 0))
        self.requires_grad[node.index] = requires
        kept, in_place = layer.saved_for_backward(inputs, output, in_place=False), False
        source = self.home[node.inputs[0]]
        if layer.storage == IN_PLACE and requires and self.can_overwrite(source, node):
            variant = layer.saved_for_backward(inputs, output, in_place=True)
            if variant is not None:
                kept, in_place = variant, True
        owns = any(s.source == "own" for s in kept)
        self.output_bytes[node.index] = product(elements(output), self.activation_bytes)
        if in_place or (layer.storage == VIEW and not owns):
            self.home[node.index] = source
        else:
            self.home[node.index] = self.new_storage("output", self.output_bytes[node.index], node.index)
        self.storages[self.home[node.index]].members.append(node.index)
        if not requires:
            kept = []            # no backward node: nothing is saved
        first_saved = self.zero
        keeps = []
        for item in kept:
            storage = self.resolve(item, node, inputs)
            if storage is None:
                continue
            held = self.storages[storage]
            if not held.savers:
                first_saved = first_saved + held.bytes(self.analysis.batch)
            if node.index not in held.savers:
                held.savers.append(node.index)
            if item.source in ("weights", "input") and held.producer == node.index:
                keeps.append(held.what)     # a half copy autocast made for this layer, not the tensor itself
            else:
                keeps.append(item.describe() if held.producer == node.index or item.source != "own" else item.what)
        self.per_layer.append(LayerMemory(node.name, node.type_name, keeps, first_saved, in_place))

    def resolve(self, item, node, inputs) -> int | None:
        """The storage a Saved entry names, creating the layer's own tensors."""
        if item.source == "weights":
            if not self.amp:
                return None      # the parameters themselves: not activations
            trainable = self.rows[node.index].params.trainable
            storage = self.new_storage("half copy of the parameters", 0, node.index,
                                       product(trainable, HALF_BYTES))
            return storage
        if item.source == "output":
            return self.home[node.index]
        if item.source == "input":
            source = self.home[node.inputs[item.index]]
            if self.amp and source == 0 and self.weighted(node):
                per_sample = product(elements(inputs[item.index]), HALF_BYTES)
                return self.new_storage("half copy of the input", per_sample, node.index)
            return source
        item_bytes = self.activation_bytes if item.dtype == "activation" else ITEM_BYTES[item.dtype]
        size = product(np.asarray(item.elements, np.int64) + self.zero, item_bytes)
        if item.per_sample:
            return self.new_storage(item.what, size, node.index)
        return self.new_storage(item.what, 0, node.index, size)

    def weighted(self, node) -> bool:
        """Layers that keep their weights run in half under autocast."""
        kept = node.layer.saved_for_backward(self.rows[node.index].input_shapes, self.rows[node.index].output_shape)
        return any(s.source == "weights" for s in kept)

    # ---- the timeline of one step ----
    def result(self, optimizer) -> TrainingMemory:
        batch = self.analysis.batch
        rows = self.rows
        trainable = np.sum([r.params.trainable for r in rows], axis=0, dtype=np.int64)
        buffers = np.sum([r.params.buffers for r in rows], axis=0, dtype=np.int64)
        ensure_fits(np.asarray(trainable, np.float64) * 16)
        saved_total = self.zero
        for storage in self.storages:
            if storage.savers:
                saved_total = saved_total + storage.bytes(batch)
        fixed_steps, sample_steps = self.timeline()
        peak = (fixed_steps + sample_steps * batch).max(axis=0) if len(fixed_steps) else self.zero
        ensure_fits(np.asarray(peak, np.float64))
        input_per_sample = self.storages[0].per_sample
        return TrainingMemory(
            precision=self.precision, optimizer=optimizer, batch=batch,
            weights=product(trainable + buffers, MASTER_BYTES),
            gradients=product(trainable, MASTER_BYTES),
            optimizer_state=product(trainable, OPTIMIZER_BUFFERS[optimizer] * MASTER_BYTES),
            input_bytes=product(input_per_sample, batch),
            saved_activations=saved_total, training_peak=peak, per_layer=self.per_layer,
            timeline_fixed=fixed_steps, timeline_per_sample=sample_steps, input_per_sample=input_per_sample)

    def timeline(self):
        """Live bytes (fixed, per-sample) after each allocation, forward then backward."""
        nodes, count = self.nodes, self.count
        last = len(nodes)
        backward_free: dict[int, list[int]] = {}
        forward_free: dict[int, list[int]] = {}
        allocate: dict[int, list[int]] = {}
        for index, storage in enumerate(self.storages):
            if index == 0:
                continue       # the input batch is counted apart from the peak
            allocate.setdefault(storage.producer, []).append(index)
            if storage.savers:
                backward_free.setdefault(min(storage.savers), []).append(index)
            elif set(storage.members) & self.outputs:
                pass           # the caller holds the outputs through backward
            else:
                used = max([storage.producer] + [r for m in storage.members for r in self.readers[m]])
                forward_free.setdefault(used, []).append(index)
        live_fixed, live_sample = np.zeros(count, np.int64), np.zeros(count, np.int64)
        fixed_steps, sample_steps = [], []

        def sample():
            fixed_steps.append(live_fixed.copy())
            sample_steps.append(live_sample.copy())

        for node in nodes[1:]:
            for index in allocate.get(node.index, ()):
                live_fixed += self.storages[index].fixed
                live_sample += self.storages[index].per_sample
            sample()
            for index in forward_free.get(node.index, ()):
                live_fixed -= self.storages[index].fixed
                live_sample -= self.storages[index].per_sample
        # backward: the outputs' gradients first, then each layer in reverse
        has_grad = [False] * last
        for index in self.outputs:
            if self.requires_grad[index]:
                live_sample += self.output_bytes[index]
                has_grad[index] = True
        sample()
        params_done = set()
        for node in reversed(nodes[1:]):
            if not self.requires_grad[node.index] or not has_grad[node.index]:
                continue
            temporary = np.zeros(count, np.int64)
            for source in dict.fromkeys(node.inputs):
                if not self.requires_grad[source]:
                    continue
                if has_grad[source]:
                    temporary = temporary + self.output_bytes[source]
                else:
                    live_sample += self.output_bytes[source]
                    has_grad[source] = True
            trainable = self.rows[node.index].params.trainable
            if node.index not in params_done:
                live_fixed += product(trainable, MASTER_BYTES)
                params_done.add(node.index)
            live_sample += temporary
            sample()
            live_sample -= temporary
            live_sample -= self.output_bytes[node.index]     # its output's gradient
            for index in backward_free.get(node.index, ()):
                live_fixed -= self.storages[index].fixed
                live_sample -= self.storages[index].per_sample
        return np.array(fixed_steps, dtype=np.int64), np.array(sample_steps, dtype=np.int64)


def training_note(result: TrainingMemory, index: int = 0) -> str:
    """One line for summary's notes: the training memory at the summary's own batch (fp32, SGD)."""
    from .units import human

    batch = int(result.batch[index])
    return (f"Training at batch {batch} (fp32, SGD): autograd keeps {human(int(result.saved_activations[index]), suffix='B')}"
            f" of activations; the step needs {human(int(result.total[index]), suffix='B')} with weights, "
            f"gradients and the input (archcalc memory for the layers, optimizers and the batch that fits a GPU).")
