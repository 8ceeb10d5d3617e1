"""Fitting a table into the terminal without cutting a number or a name; drawing it with rich on a
terminal and as plain text in a pipe (without loading rich's console at all: start-up time).

When the natural table is wider than the terminal: shapes are abbreviated first (64×224×224 →
64×224², exact all the same), then the columns of lowest priority are left out (one line says
which), and only then do the wrapping columns (layer names, prose such as "Keeps") wrap onto more
lines: prose at spaces, names after a separator (``/``, ``.``, ``_``, ``-``). Cells are never
truncated: if even the essential columns do not fit, the table is printed at its natural width
and the terminal wraps it; the prose around it still wraps at the terminal's width, at word
boundaries. In a pipe nothing is left out and no line is wrapped.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

import textwrap

from rich.cells import cell_len

#: Columns of priority up to this number are never left out.
ESSENTIAL_PRIORITY = 5
#: The narrowest a wrapping column (layer names, prose) wraps to.
MIN_NAME_WIDTH = 8
#: Where a layer name may be broken, best first: after a "/", else a ".", else a "_" or "-".
NAME_SEPARATORS = ("/", ".", "_-")


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


def fold(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` cells, broken where a reader expects it. Prose breaks
    at spaces. A layer name breaks after a separator — ``/`` first, then ``.``, then ``_`` or ``-``
    — which stays at the end of the line to say the name goes on; its continuation lines are
    indented two more than the name (its nesting), room permitting. Only a run with no break is cut.

    >>> fold("    inception3a/3x3_reduce", 20)
    ['    inception3a/', '      3x3_reduce']
    """
    if cell_len(text) <= width:
        return [text]
    body = text.lstrip(" ")
    lead = text[:len(text) - len(body)]
    if " " in body:
        room = max(width - len(lead), 1)
        return [lead + line for line in textwrap.wrap(body, room, break_on_hyphens=False)]
    if width - len(lead) < MIN_NAME_WIDTH:     # too narrow to keep the nesting: the whole width
        body, lead = text, ""
    hanging = lead + "  " if width - len(lead) - 2 >= MIN_NAME_WIDTH else lead
    lines = []
    while cell_len(lead + body) > width:
        cut = _name_break(body, max(width - len(lead), 1))
        lines.append(lead + body[:cut])
        body, lead = body[cut:], hanging
    return lines + [lead + body]


def wrap_line(line: str, width: int | None, hanging: str | None = None) -> list[str]:
    """One line of prose at most ``width`` cells wide, broken at spaces only (a word longer than
    the width stays whole). Continuation lines start with ``hanging`` (default: the line's own
    indentation). ``width`` None (a pipe): the line as it is."""
    if not width or cell_len(line) <= width:
        return [line]
    indent = line[:len(line) - len(line.lstrip(" "))]
    return textwrap.wrap(line, width, initial_indent="", subsequent_indent=indent if hanging is None else hanging,
                         break_on_hyphens=False, break_long_words=False, drop_whitespace=True) or [line]


def wrap_lines(text: str, width: int | None) -> str:
    """Every line of ``text`` wrapped at ``width`` by :func:`wrap_line`."""
    return "\n".join(piece for line in text.split("\n") for piece in wrap_line(line, width))


def _name_break(name: str, room: int) -> int:
    """Where to end the first line of ``name`` (at most ``room`` long): after the last separator
    of the highest level that fits, else at ``room``."""
    for separators in NAME_SEPARATORS:
        cut = max((i + 1 for i, char in enumerate(name[:room]) if char in separators and i + 1 < len(name)),
                  default=0)
        if cut:
            return cut
    return room


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
    wraps: bool = False              # layer names and prose: may wrap (see fold), are never cut
    row_styles: list = field(default_factory=list)
    short_title: str | None = None   # the title beside the abbreviated cells ("MACs\n3×224²")

    def heading(self, short: bool) -> str:
        return self.short_title if short and self.short_title is not None else self.title

    def width(self, short: bool) -> int:
        cells = self.short if short and self.short is not None else self.cells
        texts = [self.heading(short), self.footer] + [plain(c) for c in cells]
        return max(cell_len(line) for text in texts for line in text.split("\n"))


def table_width(widths) -> int:
    """Width of a SIMPLE_HEAD table without edge padding: cells, two spaces and a rule between."""
    return sum(widths) + 3 * len(widths) - 1


@dataclass
class Fit:
    columns: list
    short: bool
    dropped: list
    wrap_widths: dict = field(default_factory=dict)   # id(column) → the width it wraps to

    @property
    def name_width(self) -> int | None:
        """The width the first wrapping column wraps to (None: nothing wraps)."""
        return next(iter(self.wrap_widths.values()), None)


def fit(columns: list[FitColumn], width: int | None) -> Fit:
    """Which columns to show, in their order, for a terminal ``width`` columns wide (None: all)."""
    if width is None:
        return Fit(columns, False, [])
    for short in (False, True):
        if table_width([c.width(short) for c in columns]) <= width:
            return Fit(columns, short, [])
    kept = list(columns)
    dropped = []
    for column in sorted(columns, key=lambda c: -c.priority):
        if column.priority <= ESSENTIAL_PRIORITY or table_width([c.width(True) for c in kept]) <= width:
            break
        kept.remove(column)
        dropped.append(column)
    wrap_widths = {}
    if table_width([c.width(True) for c in kept]) > width:
        wrapping = [c for c in kept if c.wraps]
        if wrapping:
            # what the other columns and the gaps leave, shared in proportion to the natural widths
            room = width + 1 - 3 * len(kept) - sum(c.width(True) for c in kept if not c.wraps)
            natural = sum(c.width(True) for c in wrapping)
            for column in wrapping:
                share = room * column.width(True) // natural
                wrap_widths[id(column)] = min(column.width(True), max(MIN_NAME_WIDTH, share))
    return Fit(kept, True, dropped, wrap_widths)


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
        self.all_columns = columns
        self.widths = [self.layout.wrap_widths.get(id(c)) or c.width(self.layout.short) for c in self.layout.columns]
        #: printed at least this wide: a cell is never cut
        self.needed_width = table_width(self.widths)

    @property
    def dropped(self) -> list[str]:
        """Titles of the columns left out; a column repeated per input ("MACs\n3×320×320") is named
        once when every copy went, else with the input of each copy that went."""
        def base(column):
            return column.title.split("\n")[0]

        names = []
        for column in self.layout.dropped:
            copies = [c for c in self.all_columns if base(c) == base(column)]
            gone = all(c in self.layout.dropped for c in copies)
            names.append(base(column) if gone else column.title.replace("\n", " "))
        return list(dict.fromkeys(names))

    def _cells(self, column: FitColumn) -> list:
        cells = column.short if self.layout.short and column.short is not None else column.cells
        width = self.layout.wrap_widths.get(id(column))
        if width is None:
            return cells
        return ["\n".join(line for part in plain(cell).split("\n") for line in fold(part, width)) for cell in cells]

    def to_rich(self):
        from rich import box
        from rich.table import Table

        table = Table(title=f"[bold]{self.title}[/bold]" if self.title else None, box=box.SIMPLE_HEAD,
                      header_style="bold", pad_edge=False, show_footer=self.show_footer, footer_style="bold")
        for column, width in zip(self.layout.columns, self.widths):   # wrapping cells come folded (_cells)
            table.add_column(column.heading(self.layout.short), justify=column.justify, style=column.style, footer=column.footer,
                             no_wrap=True, min_width=width)
        cells = [self._cells(c) for c in self.layout.columns]
        for index in range(self.count):
            table.add_row(*(to_text(column[index]) for column in cells), style=self.row_styles[index])
        return table

    def lines(self) -> list[str]:
        """The table as rich draws it in a pipe (box SIMPLE_HEAD, no edge padding), rstripped."""
        columns, widths = self.layout.columns, self.widths
        inner = table_width(widths) - 2

        def row(texts, bottom: bool = False) -> list[str]:
            split = [text.split("\n") for text in texts]   # wrapping cells come folded (_cells)
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
        lines += row([c.heading(self.layout.short) for c in columns], bottom=True)
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
    """Label–value rows under a table (the totals): labels bold, values wrap at the width, at word
    boundaries. ``justify="right"`` lines short values (byte counts) up on their last digit.
    ``min_label_width`` lines the values up with another grid's (see :func:`align_labels`)."""

    def __init__(self, rows: list[tuple[str, str]] | None = None, justify: str = "left", label_style="bold"):
        self.rows = rows or []
        self.justify, self.label_style = justify, label_style
        self.min_label_width = 0

    def add_row(self, label: str, value: str) -> None:
        self.rows.append((label, value))

    @property
    def label_width(self) -> int:
        return max([cell_len(label) for label, _ in self.rows] + [self.min_label_width])

    @property
    def needed_width(self) -> int:
        """Never narrower than a label beside its value's longest word (a right-justified value
        whole): neither is cut."""
        values = [value if self.justify == "right" else word for _, value in self.rows for word in value.split()]
        return self.label_width + 2 + max((cell_len(value) for value in values), default=0)

    def to_rich(self):
        from rich.table import Table

        grid = Table.grid(padding=(0, 2))
        grid.add_column(style=self.label_style, no_wrap=True, min_width=self.label_width)
        grid.add_column(justify=self.justify)
        for label, value in self.rows:
            grid.add_row(label, value)
        return grid

    def __rich__(self):
        return self.to_rich()

    def lines(self, width: int | None) -> list[str]:
        label_width = self.label_width
        value_width = max((cell_len(value) for _, value in self.rows), default=0)
        room = None if width is None else max(width, self.needed_width) - label_width - 2
        lines = []
        for label, value in self.rows:
            wrapped = textwrap.wrap(value, room, break_on_hyphens=False, break_long_words=False) if room else [value]
            for position, text in enumerate(wrapped or [""]):
                if self.justify == "right":
                    text = text.rjust(min(value_width, room or value_width))
                lines.append(((label if position == 0 else "").ljust(label_width) + "  " + text).rstrip())
        return lines


def align_labels(grids) -> None:
    """Give ``grids`` (printed one after another) one label column, so their values start in the
    same column: the totals, then the operator kinds and a counting convention's lines."""
    grids = [grid for grid in grids if isinstance(grid, Grid)]
    widest = max((grid.label_width for grid in grids), default=0)
    for grid in grids:
        grid.min_label_width = widest


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

    def print(self, console, width: int | None) -> None:
        """Draw with rich: a table never narrower than it needs (a cell is never cut), everything
        else wrapped at ``width`` — the terminal's — at word boundaries."""
        terminal = width or console.width
        for part in self.parts:
            console.width = max(terminal, getattr(part, "needed_width", 0))
            if isinstance(part, str):   # wrapped here, as in a pipe: continuation lines keep the indent
                part = Styled(wrap_lines(part, terminal), getattr(part, "style", None))
            console.print(to_text(part) if isinstance(part, str) else part.to_rich())
        console.width = terminal

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
                    wrapped = textwrap.wrap(line, width, subsequent_indent=indent, break_on_hyphens=False,
                                            break_long_words=False) if width and cell_len(line) > width else [line]
                    lines += [text.rstrip() for text in wrapped]
        return "\n".join(lines) + "\n"


def dropped_note(dropped: list[str], width: int) -> Styled | None:
    """The one line saying which columns a narrow terminal left out."""
    if not dropped:
        return None
    names = list(dict.fromkeys(dropped))
    return Styled(f"  {', '.join(names)} left out to fit {width} columns; COLUMNS=N or a pipe shows "
                  f"{'them' if len(names) > 1 else 'it'}.", "dim")
