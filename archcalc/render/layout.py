"""Fitting a table into the terminal without cutting a number or a name; drawing it with rich on a
terminal and as plain text in a pipe (without loading rich's console at all: start-up time).

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

import textwrap

from rich.cells import cell_len

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
        texts = [self.title, self.footer] + [plain(c) for c in cells]
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


class Styled(str):
    """Text with a rich style (\"bold red\"); plain in a pipe."""

    def __new__(cls, text: str = "", style: str | None = None):
        styled = super().__new__(cls, text)
        styled.style = style
        return styled


def plain(cell) -> str:
    """A cell's text: a string, a :class:`Styled` string, or a tuple of them (a cell in parts)."""
    return "".join(cell) if isinstance(cell, tuple) else str(cell)


def to_text(cell):
    from rich.text import Text

    parts = cell if isinstance(cell, tuple) else (cell,)
    return Text.assemble(*((str(p), getattr(p, "style", None)) for p in parts))


class FittedTable:
    """A table laid out for a width (:func:`fit`), drawn by rich or as the same plain text."""

    def __init__(self, columns: list[FitColumn], width: int | None, title: str | None = None,
                 show_footer: bool = False, row_styles: list | None = None):
        self.layout = fit(columns, width)
        self.title, self.show_footer = title, show_footer
        self.count = len(columns[0].cells) if columns else 0
        self.row_styles = row_styles or [None] * self.count
        self.widths = [self.layout.name_width if c.wraps and self.layout.name_width else c.width(self.layout.short)
                       for c in self.layout.columns]
        #: printed at least this wide: a cell is never cut
        self.needed_width = table_width(self.widths)

    @property
    def dropped(self) -> list[str]:
        return [c.title.split("\n")[0] for c in self.layout.dropped]

    def _cells(self, column: FitColumn) -> list:
        return column.short if self.layout.short and column.short is not None else column.cells

    def to_rich(self):
        from rich import box
        from rich.table import Table

        table = Table(title=f"[bold]{self.title}[/bold]" if self.title else None, box=box.SIMPLE_HEAD,
                      header_style="bold", pad_edge=False, show_footer=self.show_footer, footer_style="bold")
        for column, width in zip(self.layout.columns, self.widths):
            wrap = column.wraps and self.layout.name_width is not None
            table.add_column(column.title, justify=column.justify, style=column.style, footer=column.footer,
                             no_wrap=not wrap, overflow="fold", width=width if wrap else None,
                             min_width=None if wrap else width)
        cells = [self._cells(c) for c in self.layout.columns]
        for index in range(self.count):
            table.add_row(*(to_text(column[index]) for column in cells), style=self.row_styles[index])
        return table

    def lines(self) -> list[str]:
        """The table as rich draws it in a pipe (box SIMPLE_HEAD, no edge padding), rstripped."""
        columns, widths = self.layout.columns, self.widths
        inner = table_width(widths) - 2

        def row(texts, bottom: bool = False) -> list[str]:
            split = []
            for column, width, text in zip(columns, widths, texts):
                pieces = []
                for line in text.split("\n"):
                    while cell_len(line) > width:        # only the wrapping name column folds
                        pieces.append(line[:width])
                        line = line[width:]
                    pieces.append(line)
                split.append(pieces)
            height = max(len(p) for p in split)
            if bottom:   # rich puts a short header at the bottom of a tall header row
                split = [[""] * (height - len(p)) + p for p in split]
            out = []
            for position in range(height):
                parts = []
                for column, width, pieces in zip(columns, widths, split):
                    text = pieces[position] if position < len(pieces) else ""
                    pad = width - cell_len(text)
                    parts.append(" " * pad + text if column.justify == "right" else text + " " * pad)
                out.append((" " + "   ".join(parts)).rstrip())
            return out

        lines = []
        if self.title:   # centred over the table; wrapped at its width as rich does
            for text in textwrap.wrap(self.title, inner + 2, break_on_hyphens=False):
                lines.append((" " * ((inner + 2 - cell_len(text)) // 2) + text).rstrip())
        lines.append("")
        lines += row([c.title for c in columns], bottom=True)
        lines.append(" " + "─" * inner)
        cells = [self._cells(c) for c in columns]
        for index in range(self.count):
            lines += row([plain(column[index]) for column in cells])
        if self.show_footer:
            lines.append("")
            lines += row([c.footer for c in columns])
        lines.append("")
        return lines


class Grid:
    """Label–value rows under a table (the totals): labels bold, values wrap at the width."""

    def __init__(self, rows: list[tuple[str, str]] | None = None):
        self.rows = rows or []

    def add_row(self, label: str, value: str) -> None:
        self.rows.append((label, value))

    def to_rich(self):
        from rich.table import Table

        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for label, value in self.rows:
            grid.add_row(label, value)
        return grid

    def lines(self, width: int | None) -> list[str]:
        label_width = max((cell_len(label) for label, _ in self.rows), default=0)
        room = None if width is None else max(width - label_width - 2, 10)
        lines = []
        for label, value in self.rows:
            wrapped = textwrap.wrap(value, room, break_on_hyphens=False) if room else [value]
            for position, text in enumerate(wrapped or [""]):
                lines.append(((label if position == 0 else "").ljust(label_width) + "  " + text).rstrip())
        return lines


class Report:
    """What a command prints: tables, lines (:class:`Styled`) and grids, in order."""

    def __init__(self, parts: list):
        self.parts = [p for p in parts if p is not None]

    @property
    def needed_width(self) -> int:
        return max([getattr(p, "needed_width", 0) for p in self.parts] + [0])

    def to_rich(self):
        from rich.console import Group

        return Group(*(to_text(p) if isinstance(p, str) else p.to_rich() for p in self.parts))

    def plain(self, width: int | None) -> str:
        lines = []
        for part in self.parts:
            if isinstance(part, Grid):
                lines += part.lines(width)
            elif isinstance(part, FittedTable):
                lines += part.lines()
            else:
                for line in str(part).split("\n"):
                    indent = line[:len(line) - len(line.lstrip())]
                    wrapped = textwrap.wrap(line, width, subsequent_indent=indent, break_on_hyphens=False) \
                        if width and cell_len(line) > width else [line]
                    lines += [text.rstrip() for text in wrapped]
        return "\n".join(lines) + "\n"


def dropped_note(dropped: list[str], width: int) -> Styled | None:
    """The one line saying which columns a narrow terminal left out."""
    if not dropped:
        return None
    names = list(dict.fromkeys(dropped))
    return Styled(f"  {', '.join(names)} left out to fit {width} columns; COLUMNS=N or a pipe shows "
                  f"{'them' if len(names) > 1 else 'it'}.", "dim")
