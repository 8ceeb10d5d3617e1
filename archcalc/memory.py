"""Memory models: different honest answers to "how much activation memory?".

- ``all_outputs``: every tensor a layer newly allocates, summed over the graph (the input
  included). What a training step keeps for the backward pass, before framework tricks; the
  lecture tables' "total memory".
- ``inference_peak``: the most bytes held at once during a forward pass that frees each tensor
  as soon as its last reader has run (in-place layers and views share their input's memory).
"""

from __future__ import annotations

import numpy as np

from .conventions import NEW


def all_outputs(analysis) -> np.ndarray:
    """Bytes of all allocated activations, one entry per configuration."""
    return sum(row.activations for row in analysis.rows) * analysis.element_bytes


def inference_peak(analysis) -> np.ndarray:
    """Peak bytes of live activations during a freeing forward pass, per configuration."""
    nodes = analysis.graph.nodes
    owner = list(range(len(nodes)))           # which allocated tensor each node's output lives in
    for node in nodes[1:]:
        if node.layer.storage != NEW:
            owner[node.index] = owner[node.inputs[0]]
    last_use = list(range(len(nodes)))
    for node in nodes:
        for source in node.inputs:
            last_use[owner[source]] = max(last_use[owner[source]], node.index)
        last_use[owner[node.index]] = max(last_use[owner[node.index]], node.index)
    last_use[owner[-1]] = len(nodes)          # the network's outputs are kept
    for node in nodes:
        if node.output:
            last_use[owner[node.index]] = len(nodes)
    frees_at: dict[int, list[int]] = {}
    for tensor in set(owner):
        frees_at.setdefault(last_use[tensor], []).append(tensor)
    element_bytes = analysis.element_bytes
    live = np.zeros(len(analysis.configs), dtype=np.int64)
    peak = live.copy()
    for index, row in enumerate(analysis.rows):
        if owner[index] == index:
            live = live + row.activations * element_bytes
        peak = np.maximum(peak, live)
        for tensor in frees_at.get(index, ()):
            live = live - analysis.rows[tensor].activations * element_bytes
    return peak
