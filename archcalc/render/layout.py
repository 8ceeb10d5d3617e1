"""Fitting a table into the terminal without cutting a number or a name.

When the natural table is wider than the terminal: shapes are abbreviated first (64×224×224 →
64×224², exact all the same), then the columns of lowest priority are left out (one line says
which), and only then does the layer-name column wrap long names onto a second line. Cells are
never truncated: if even the essential columns do not fit, the table is printed at its natural
width and the terminal wraps it. In a pipe nothing is left out.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from rich import box
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

#: Columns of priority up to this number are never left out.
ESSENTIAL_PRIORITY = 5
#: The narrowest the layer-name column wraps to.
MIN_NAME_WIDTH = 8


def terminal_width(stream=None) -> int | None:
    """Columns to fit: ``COLUMNS`` when set, else the terminal's width; None for a pipe or file
    (the full table). ``TERM=dumb`` does not matter: the terminal reports its own size."""
    stream = stream or sys.stdout
    value = os.environ.get("COLUMNS", "")
    if value.strip().isdigit() and int(value) > 0:
        return int(value)
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        pass
    return None


@dataclass
class FitColumn:
    """A column with its cells; ``short`` holds the abbreviated cells (shapes) when there are any."""

    title: str
    cells: list
    priority: float
    justify: str = "left"
    style: str | None = None
    footer: str = ""
    short: list | None = None
    wraps: bool = False              # the layer-name column: may wrap, is never cut
    row_styles: list = field(default_factory=list)

    def width(self, short: bool) -> int:
        cells = self.short if short and self.short is not None else self.cells
        texts = [self.title, self.footer] + [c.plain if isinstance(c, Text) else str(c) for c in cells]
        return max(cell_len(line) for text in texts for line in text.split("\n"))


def table_width(widths) -> int:
    """Width of a SIMPLE_HEAD table without edge padding: cells, two spaces and a rule between."""
    return sum(widths) + 3 * len(widths) - 1


@dataclass
class Fit:
    columns: list
    short: bool
    dropped: list
    name_width: int | None


def fit(columns: list[FitColumn], width: int | None) -> Fit:
    """Which columns to show, in their order, for a terminal ``width`` columns wide (None: all)."""
    if width is None:
        return Fit(columns, False, [], None)
    for short in (False, True):
        if table_width([c.width(short) for c in columns]) <= width:
            return Fit(columns, short, [], None)
    kept = list(columns)
    dropped = []
    for column in sorted(columns, key=lambda c: -c.priority):
        if column.priority <= ESSENTIAL_PRIORITY or table_width([c.width(True) for c in kept]) <= width:
            break
        kept.remove(column)
        dropped.append(column)
    name_width = None
    if table_width([c.width(True) for c in kept]) > width:
        wrapping = [c for c in kept if c.wraps]
        if wrapping:
            others = table_width([c.width(True) for c in kept if not c.wraps]) + 3
            name_width = max(MIN_NAME_WIDTH, width - others)
    return Fit(kept, True, dropped, name_width)


def build(columns: list[FitColumn], width: int | None, title=None, show_footer: bool = False,
          row_styles: list | None = None) -> tuple[Table, list[str]]:
    """The rich Table for ``width`` and the titles of the columns left out."""
    layout = fit(columns, width)
    table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False,
                  show_footer=show_footer, footer_style="bold")
    for column in layout.columns:
        wrap = column.wraps and layout.name_width is not None
        table.add_column(column.title, justify=column.justify, style=column.style, footer=column.footer,
                         no_wrap=not wrap, overflow="fold",
                         width=layout.name_width if wrap else None,
                         min_width=None if wrap else column.width(layout.short))
    widths = [layout.name_width if c.wraps and layout.name_width else c.width(layout.short) for c in layout.columns]
    table.needed_width = table_width(widths)   # printed at least this wide: rich must not cut a cell
    count = len(columns[0].cells) if columns else 0
    for index in range(count):
        cells = [(c.short if layout.short and c.short is not None else c.cells)[index] for c in layout.columns]
        table.add_row(*cells, style=row_styles[index] if row_styles else None)
    return table, [c.title.split("\n")[0] for c in layout.dropped]


def dropped_note(dropped: list[str], width: int) -> Text | None:
    """The one line saying which columns a narrow terminal left out."""
    if not dropped:
        return None
    names = list(dict.fromkeys(dropped))
    return Text(f"  {', '.join(names)} left out to fit {width} columns; COLUMNS=N or a pipe shows "
                f"{'them' if len(names) > 1 else 'it'}.", style="dim")


def needed_width(renderable) -> int:
    """The widest table inside ``renderable`` (a Group of tables and text), as :func:`build` made it."""
    parts = getattr(renderable, "renderables", [renderable])
    return max([getattr(part, "needed_width", 0) for part in parts] + [needed_width(p) for p in parts
                                                                       if hasattr(p, "renderables")] + [0])
