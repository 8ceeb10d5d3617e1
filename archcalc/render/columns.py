"""The per-layer columns, defined once: JSON key, title, exact value, table cell and priority.

JSON records (:func:`archcalc.render.data.layer_records`), CSV, Markdown and the terminal table
all take their columns from :data:`LAYER_COLUMNS`. ``priority`` orders what a narrow terminal
keeps: 1 is kept longest; ``None`` marks a column the table and Markdown never show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..conventions import FLOPS_PER_MAC, NEW
from ..units import exact as exact_int
from ..units import human


class Formatter:
    """Numbers as a table shows them: human units by default, exact on request."""

    def __init__(self, exact: bool = False, binary: bool = False):
        self.exact, self.binary = exact, binary

    def count(self, value) -> str:
        value = int(value)
        if value == 0:
            return "—"
        return exact_int(value) if self.exact else human(value)

    def bytes(self, value) -> str:
        value = int(value)
        return f"{value:,} B" if self.exact else human(value, self.binary, "B")


def shape_text(shape, short: bool = False) -> str:
    """'64×224×224', or with ``short`` '64×224²' (equal spatial sizes written as a power)."""
    dims = [int(d) for d in shape]
    if short and len(dims) >= 3 and len(set(dims[1:])) == 1 and dims[1] > 1:
        power = {2: "²", 3: "³"}.get(len(dims) - 1)
        if power:
            return f"{dims[0]}×{dims[1]}{power}"
    return "×".join(map(str, dims))


def _ratio_at(ratio, index: int):
    """An exact ratio as an int when it is whole, else a float (an up-sampled jump: 0.5)."""
    num, den = int(ratio.num[index]), int(ratio.den[index])
    return num // den if den == 1 else num / den


def _shape_at(shape, index) -> list[int]:
    return [int(d[index]) for d in shape]


def _input_cell(row, index, fmt, short=False) -> str:
    shapes = [shape_text(_shape_at(s, index), short) for s in row.input_shapes]
    return " + ".join(shapes) if len(shapes) <= 2 else f"{len(shapes)} inputs"


def _activations_cell(row, index, fmt, short=False) -> str:
    if row.layer is not None and row.layer.storage != NEW:
        return "in place" if row.layer.storage == "inplace" else "view"
    return fmt.count(row.activations[index])


@dataclass(frozen=True)
class Column:
    """One per-layer fact. ``value(row, index, analysis)`` is the exact plain value (JSON, CSV);
    ``cell(row, index, fmt, short)`` the table text (``short``: abbreviated shapes)."""

    key: str
    title: str
    value: Callable
    cell: Callable | None = None
    priority: int | None = None
    numeric: bool = False
    shape: bool = False
    csv: bool = True


def _count_column(key, title, get, priority=None):
    return Column(key, title, lambda r, i, a: int(get(r)[i]),
                  lambda r, i, fmt, short=False: fmt.count(get(r)[i]), priority, numeric=True)


LAYER_COLUMNS: tuple[Column, ...] = (
    Column("name", "Layer", lambda r, i, a: r.name, lambda r, i, fmt, short=False: "  " * r.node.depth + r.name, 1),
    Column("type", "Type", lambda r, i, a: r.node.type_name, lambda r, i, fmt, short=False: r.node.type_name, 8),
    Column("inputs", "Inputs", lambda r, i, a: [a.graph.nodes[j].name for j in r.node.inputs]),
    Column("input_shape", "Input", lambda r, i, a: [_shape_at(s, i) for s in r.input_shapes], _input_cell, 6,
           shape=True, csv=False),
    Column("output_shape", "Output", lambda r, i, a: _shape_at(r.output_shape, i),
           lambda r, i, fmt, short=False: shape_text(_shape_at(r.output_shape, i), short), 2, shape=True),
    Column("kernel", "Kernel", lambda r, i, a: r.description, lambda r, i, fmt, short=False: r.description, 7),
    _count_column("params", "Params", lambda r: r.params.trainable, 3),
    _count_column("buffers", "Buffers", lambda r: r.params.buffers),
    _count_column("weights", "Weights", lambda r: r.params.weights, 3),
    _count_column("macs", "MACs", lambda r: r.macs, 4),
    Column("flops", "FLOPs", lambda r, i, a: int(r.macs[i]) * FLOPS_PER_MAC, numeric=True),
    Column("other_ops", "Other ops", lambda r, i, a: {k: int(v[i]) for k, v in sorted(r.other_ops.items())},
           csv=False),
    Column("activations", "Activations", lambda r, i, a: int(r.activations[i]), _activations_cell, 5, numeric=True),
    Column("activation_bytes", "Activation bytes", lambda r, i, a: int(r.activations[i]) * a.element_bytes, numeric=True),
    Column("storage", "Storage", lambda r, i, a: r.layer.storage if r.layer is not None else "new"),
    Column("receptive_field", "RF", lambda r, i, a: int(r.receptive_field()[i]),
           lambda r, i, fmt, short=False: str(int(r.receptive_field()[i])), 9, numeric=True),
    Column("receptive_field_hw", "RF per axis", lambda r, i, a: [int(size.ceil()[i]) for size in r.field.size],
           csv=False),
    Column("jump", "Jump", lambda r, i, a: [_ratio_at(jump, i) for jump in r.field.jump], csv=False),
    Column("depth", "Depth", lambda r, i, a: r.node.depth, csv=False),
)
COLUMNS_BY_KEY = {c.key: c for c in LAYER_COLUMNS}

#: The terminal table's columns in reading order (weights replace params with --weights).
TABLE_KEYS = ("name", "type", "kernel", "input_shape", "params", "output_shape", "macs", "activations",
              "receptive_field")
#: Columns repeated per configuration when several inputs are analysed at once.
PER_CONFIG_KEYS = ("output_shape", "macs", "activations", "receptive_field")
