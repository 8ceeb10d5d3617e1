"""The layer graph: what the spec compiler builds and the engine walks.

Nodes are stored in an order where every node comes after its inputs (the compiler only lets a
layer name earlier layers), so walking the list front to back is a topological walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import Location
from .layers.base import Layer


@dataclass
class Node:
    """One layer of the network (or its input, where ``layer`` is None)."""

    index: int
    name: str
    layer: Layer | None
    inputs: tuple[int, ...]
    location: Location | None = None
    #: Nesting depth in blocks and branches, for indenting tables.
    depth: int = 0
    #: An extra output of the network besides the last layer (e.g. an auxiliary classifier).
    output: bool = False
    #: How the reference implementation calls the layer (module, functional, method, operator), or None
    #: for the op's usual call; counting tools that hook modules or patch functions see the difference.
    call: str | None = None
    #: A branch that runs only while training (an auxiliary classifier): its parameters always count,
    #: its operations and memory only in train mode.
    train_only: bool = False

    @property
    def type_name(self) -> str:
        return self.layer.type_name if self.layer is not None else "input"


@dataclass
class Graph:
    name: str
    nodes: list[Node] = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def output(self) -> Node:
        return self.nodes[-1]

    def consumers(self) -> list[list[int]]:
        """For each node, the indices of the nodes that read its output."""
        readers: list[list[int]] = [[] for _ in self.nodes]
        for node in self.nodes:
            for source in node.inputs:
                readers[source].append(node.index)
        return readers

    def __len__(self) -> int:
        return len(self.nodes)
