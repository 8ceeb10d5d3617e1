"""Stochastic depth: what a training pass is expected to cost when residual branches are dropped.

Huang et al. (2016) skip residual block l with probability 1 − p_l in every training step (with the
linear decay rule, p_l falls from 1 to p_L at the last block). By linearity of expectation, the
expected depth and the expected MACs of a training pass are sums over layers, each weighted by the
probability that it runs. Inference runs every layer, so the usual counts are the full-depth cost.

A spec marks a droppable branch with a layer that drops it (``stochastic_depth``) at its end. The layers dropped
with it are those whose output reaches the rest of the network only through it: the branch, not
the shortcut and not the block's input.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

def expected_cost(survival, costs, fixed=0.0):
    """Σ p_l · c_l + fixed: the expected cost of parts that run with probabilities p_l.

    Costs may be numbers or arrays (one entry per configuration).

    >>> expected_cost([1.0, 0.75, 0.5], [4, 4, 4], fixed=2)
    11.0
    """
    return fixed + sum(p * c for p, c in zip(survival, costs, strict=True))


def dropped_with(graph, drop: int, readers=None) -> set[int]:
    """Indices of the nodes that need not run when the branch ending at node ``drop`` is dropped.

    A node goes with the branch when every node that reads it does. Walking back from ``drop`` in
    decreasing index order decides each node after all of its readers (they come later in the graph).
    """
    readers = graph.consumers() if readers is None else readers
    dropped = {drop}
    pending = [-source for source in graph.nodes[drop].inputs]
    heapq.heapify(pending)
    seen = set()
    while pending:
        index = -heapq.heappop(pending)
        if index in seen or index == 0:
            continue
        seen.add(index)
        if readers[index] and all(reader in dropped for reader in readers[index]):
            dropped.add(index)
            for source in graph.nodes[index].inputs:
                heapq.heappush(pending, -source)
    return dropped - {drop}


def run_probabilities(graph) -> list[float]:
    """The probability that each node runs in a training step (1.0 without stochastic depth)."""
    readers = graph.consumers()
    probability = [1.0] * len(graph.nodes)
    for node in graph.nodes:
        if node.layer is not None and node.layer.drops_branch:
            for index in dropped_with(graph, node.index, readers):
                probability[index] *= 1.0 - node.layer.p
    return probability


@dataclass(frozen=True)
class TrainingCost:
    """Expected cost of a training pass next to the full depth; MACs per configuration."""

    layers: int                  # layers with weights at full depth
    expected_layers: float
    macs: np.ndarray             # full depth: what inference runs
    expected_macs: np.ndarray    # float64, forward pass of a training step

    @property
    def depth_fraction(self) -> float:
        return self.expected_layers / self.layers

    @property
    def macs_fraction(self) -> np.ndarray:
        return self.expected_macs / self.macs


def training_cost(analysis) -> TrainingCost | None:
    """Expected depth and MACs of a training pass, or None if no branch is ever dropped."""
    graph = analysis.graph
    if not any(node.layer is not None and node.layer.drops_branch for node in graph.nodes):
        return None
    probability = run_probabilities(graph)
    in_depth = [row.layer is not None and row.layer.counts_toward_depth for row in analysis.rows]
    depth_probability = [p for p, counted in zip(probability, in_depth) if counted]
    macs = np.sum([row.macs for row in analysis.rows], axis=0, dtype=np.int64)
    expected_macs = expected_cost(probability, [row.macs.astype(np.float64) for row in analysis.rows])
    return TrainingCost(len(depth_probability), expected_cost(depth_probability, [1] * len(depth_probability)),
                        macs, np.asarray(expected_macs, dtype=np.float64))
