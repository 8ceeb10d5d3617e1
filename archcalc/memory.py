"""Memory models: different honest answers to "how much activation memory?".

- all outputs: every tensor a layer newly allocates, summed over the graph (the input
  included) — the ``activation_bytes`` total of :mod:`archcalc.totals`. What a training step
  keeps for the backward pass, before framework tricks; the lecture tables' "total memory".
- ``inference_peak``: the most bytes held at once during a forward pass that frees each tensor
  as soon as its last reader has run (in-place layers and views share their input's memory).
- ``eager_inference_peak``: the same under PyTorch eager lifetimes, where Python references
  keep tensors longer: the caller holds the input batch throughout, and a block (a module's
  ``forward``) holds its input argument until it returns — a residual block's ``x`` lives until
  its last layer, whichever branch reads it last.
- Training memory (saved activations, the step's peak) is :mod:`archcalc.training`.
"""

from __future__ import annotations

import numpy as np

from .conventions import NEW, VIEW
from .layers.base import product


def inference_peak(analysis) -> np.ndarray:
    """Peak bytes of live activations during a freeing forward pass, per configuration.

    Views share their input's memory. An in-place layer overwrites its input only when nothing
    later reads that memory (it is the last reader, and the memory is not a network output);
    otherwise it needs a buffer of its own — as a forward pass that must keep the input does.
    """
    return _peak(analysis, analysis.graph.consumers())


def eager_inference_peak(analysis) -> np.ndarray:
    """Peak bytes of live activations under PyTorch eager lifetimes, per configuration.

    As :func:`inference_peak`, but the input batch stays alive to the end (the caller holds it),
    and whatever a block reads from outside stays alive until the block's last layer (its
    ``forward`` holds the argument until it returns). Blocks are the name prefixes of nested
    layers (``layer1.0/conv1`` is in block ``layer1.0``).
    """
    nodes = analysis.graph.nodes
    readers = [list(r) for r in analysis.graph.consumers()]
    readers[0].append(len(nodes) - 1)
    block_end: dict[str, int] = {}
    for node in nodes:
        for prefix in _blocks(node.name):
            block_end[prefix] = node.index
    for node in nodes:
        for prefix in _blocks(node.name):
            for source in node.inputs:
                if not nodes[source].name.startswith(prefix + "/"):
                    readers[source].append(block_end[prefix])
    return _peak(analysis, readers)


def _blocks(name: str) -> list[str]:
    parts = name.split("/")[:-1]
    return ["/".join(parts[:i + 1]) for i in range(len(parts))]


def _peak(analysis, readers) -> np.ndarray:
    nodes = analysis.graph.nodes
    kept = {len(nodes) - 1} | {node.index for node in nodes if node.output}
    owner = list(range(len(nodes)))           # which buffer each node's output lives in
    last_reader = [max(r, default=-1) for r in readers]   # per buffer: the last node reading any of it
    holds_output = [index in kept for index in range(len(nodes))]
    for node in nodes:
        if node.layer is None or node.layer.storage == NEW:
            continue
        buffer = owner[node.inputs[0]]
        if node.layer.storage == VIEW or (last_reader[buffer] <= node.index and not holds_output[buffer]):
            owner[node.index] = buffer
            last_reader[buffer] = max(last_reader[buffer], last_reader[node.index])
            holds_output[buffer] = holds_output[buffer] or holds_output[node.index]
    last_use = {}
    for node in nodes:
        buffer = owner[node.index]
        last_use[buffer] = max(last_use.get(buffer, -1), node.index, *readers[node.index])
    for index in kept:
        last_use[owner[index]] = len(nodes)   # the network's outputs are kept
    # Bytes allocated and freed at each node, then the running total by cumulative sums: the
    # walk is vectorized over the nodes as well as the configurations.
    count = len(analysis.configs)
    allocated = np.zeros((len(nodes), count), dtype=np.int64)
    freed = np.zeros((len(nodes) + 1, count), dtype=np.int64)
    by_rank: dict[int, list[int]] = {}
    for index in set(owner):
        by_rank.setdefault(len(analysis.rows[index].output_shape), []).append(index)
    for buffers in by_rank.values():   # every buffer of one rank at once: (buffers, rank, configurations)
        shapes = np.array([analysis.rows[index].output_shape for index in buffers], dtype=np.int64)
        sizes = product(*shapes.transpose(1, 0, 2), analysis.batch) * analysis.element_bytes
        allocated[buffers] = sizes
        np.add.at(freed, [last_use[index] for index in buffers], sizes)
    live = np.cumsum(allocated, axis=0)
    live[1:] -= np.cumsum(freed[:-2], axis=0)   # what node i frees is gone from node i + 1 on
    return np.maximum(live.max(axis=0), 0)
