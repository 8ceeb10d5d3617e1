"""Reading YAML safely while keeping where every key and value was written.

This is the only module that knows about YAML. It returns plain dicts, lists and scalars,
wrapped so that each mapping and list remembers the file:line:column of itself and of each
of its keys and items. Everything later works on these values and asks them for locations
when it has something to report.

Hardened for untrusted input: safe loading only (no Python tags), duplicate keys are errors,
size, alias expansion and nesting depth are bounded.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import ArchcalcError, Location

MAX_FILE_BYTES = 16 * 2**20
MAX_NODES = 2_000_000   # after alias expansion: stops "billion laughs"
MAX_DEPTH = 200

try:  # libyaml's parser is several times faster on large specs
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader

_SCALARS = yaml.constructor.SafeConstructor()
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null",
}


class Mapping(dict):
    """A dict that knows where it, its keys and its values were written."""

    location: Location
    key_locations: dict
    value_locations: dict

    def key_location(self, key) -> Location:
        return self.key_locations.get(key, self.location)

    def value_location(self, key) -> Location:
        return self.value_locations.get(key, self.location)


class Sequence(list):
    """A list that knows where it and each item were written."""

    location: Location
    item_locations: list

    def item_location(self, index: int) -> Location:
        return self.item_locations[index] if index < len(self.item_locations) else self.location


def location_of(value, default: Location | None = None) -> Location | None:
    return getattr(value, "location", default)


def _mark(file: str, mark) -> Location:
    return Location(file, mark.line + 1, mark.column + 1)


#: How a spec read from standard input is named in messages.
STDIN_NAME = "<stdin>"


def read_text(path: Path | str) -> str:
    """Read a spec as UTF-8, with located errors for the ways that can fail. ``-`` is standard input.

    Every source gets the same size limit, checked while reading (a pipe, /dev/zero and a FIFO
    have no size to ``stat``): at most ``MAX_FILE_BYTES + 1`` bytes are ever read.
    """
    import sys

    stdin = str(path) == "-"
    name = STDIN_NAME if stdin else str(path)
    where = Location(name, 1, 1)
    path = Path(path)
    try:
        if not stdin and path.is_dir():
            raise ArchcalcError("E104", f"{path} is a directory, expected a YAML file", where)
        if stdin:
            data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        else:
            with open(path, "rb") as stream:
                data = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ArchcalcError("E104", f"no such file: {path}", where) from None
    except OSError as error:
        raise ArchcalcError("E104", f"cannot read {name}: {error.strerror or error}", where) from None
    if len(data) > MAX_FILE_BYTES:
        raise ArchcalcError("E106", f"{name} holds more than {MAX_FILE_BYTES:,} bytes; specs are limited to "
                                    f"{MAX_FILE_BYTES:,} bytes", where)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise ArchcalcError("E103", f"byte 0x{data[error.start]:02x} is not valid UTF-8",
                            Location(name, line, column)) from None


def load(text: str, file: str = "<string>"):
    """Parse one YAML document into located plain data.

    Built from the parser's event stream without recursion, so nesting depth, alias
    expansion ("billion laughs") and tags are checked before anything is expanded: an alias
    costs the size of what it names, and the error points at the alias that went over.
    """
    try:
        return _build(text, file, _Loader)
    except yaml.MarkedYAMLError as error:
        if _Loader is not yaml.SafeLoader and "nesting depth" in str(error.problem):
            # libyaml (PyYAML ≥ 6.0.2) stops at its own depth while scanning ahead, before any
            # event reaches the builder; the pure-Python parser streams, so the limit that
            # fires — and the error the user sees — is archcalc's, whichever backend is installed.
            try:
                return _build(text, file, yaml.SafeLoader)
            except yaml.MarkedYAMLError as fallback_error:
                error = fallback_error
        raise _syntax_error(error, text, file) from None
    except yaml.reader.ReaderError as error:
        line, column = _position(text, error.position)
        character = error.character if isinstance(error.character, int) else ord(str(error.character)[:1] or "?")
        raise ArchcalcError("E101", f"character U+{character:04X} is not allowed in YAML (control characters "
                                    f"must be written as escapes in a double-quoted string)",
                            Location(file, line, column)) from None
    except yaml.YAMLError as error:
        raise ArchcalcError("E101", str(error), Location(file, 1, 1)) from None


def _build(text: str, file: str, loader):
    builder = _Builder(file)
    for event in yaml.parse(text, Loader=loader):
        builder.feed(event)
    if builder.document is _NOTHING:
        raise ArchcalcError("E105", "file is empty; expected a mapping with 'input' and 'layers'", Location(file, 1, 1))
    return builder.document


def _syntax_error(error, text: str, file: str) -> ArchcalcError:
    """E101 at the parser's mark, with a hint for tabs and for brackets left open at the end."""
    mark, problem = error.problem_mark or error.context_mark, error.problem or "invalid YAML"
    if mark is None:
        return ArchcalcError("E101", problem, Location(file, 1, 1))
    if 0 <= mark.index < len(text) and text[mark.index] == "\t" or "tab" in problem:
        problem += " (a tab: indent with spaces)"
    context = error.context_mark
    if context is not None and mark.index >= len(text.rstrip()):
        # The parser ran off the end of the file: the useful place is what was left open.
        what = (error.context or "this").replace("while parsing a ", "this ").replace("while scanning a ", "this ")
        return ArchcalcError("E101", f"{what} is never closed ({problem})", _mark(file, context))
    return ArchcalcError("E101", problem, _mark(file, mark))


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of a character index."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


_NOTHING = object()
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTORS = {tag: _SCALARS.yaml_constructors[tag] for tag in _SCALAR_TAGS}


class _Frame:
    """A mapping or sequence being built: the container, its expanded size, a pending key."""

    __slots__ = ("value", "size", "key", "key_where", "anchor")

    def __init__(self, value, anchor):
        self.value, self.size, self.key, self.key_where, self.anchor = value, 1, _NOTHING, None, anchor


class _Builder:
    """Turns parser events into located Mappings, Sequences and scalars."""

    def __init__(self, file: str):
        self.file = file
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple] = {}   # name → (value, expanded size)
        self.total = 0
        self.document = _NOTHING
        self.plain: dict = {}   # (text, implicit) → value: specs repeat the same few words and numbers

    def feed(self, event) -> None:
        kind = type(event)
        if kind is yaml.ScalarEvent:
            where = _mark(self.file, event.start_mark)
            self._add(self._scalar(event, where), 1, where, event.anchor, 1)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            self._open(event, kind is yaml.MappingStartEvent)
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            frame = self.stack.pop()
            self._add(frame.value, frame.size, frame.value.location, frame.anchor, 0)
        elif kind is yaml.AliasEvent:
            where = _mark(self.file, event.start_mark)
            if event.anchor not in self.anchors:
                raise ArchcalcError("E101", f"alias *{event.anchor} names no anchor defined before it", where)
            value, size = self.anchors[event.anchor]
            self._add(value, size, where, None, size)
        elif kind is yaml.DocumentStartEvent and self.document is not _NOTHING:
            raise ArchcalcError("E101", "a spec file holds one YAML document; found a second '---'",
                                _mark(self.file, event.start_mark))

    def _open(self, event, is_mapping: bool) -> None:
        where = _mark(self.file, event.start_mark)
        if len(self.stack) >= MAX_DEPTH:
            raise ArchcalcError("E106", f"YAML is nested more than {MAX_DEPTH} levels deep", where)
        expected = "tag:yaml.org,2002:map" if is_mapping else "tag:yaml.org,2002:seq"
        if event.tag not in (None, "!", expected):
            raise ArchcalcError("E107", f"tag {event.tag} is not allowed; specs hold plain data only", where)
        if is_mapping:
            value = Mapping()
            value.key_locations, value.value_locations = {}, {}
        else:
            value = Sequence()
            value.item_locations = []
        value.location = where
        self.total += 1
        self.stack.append(_Frame(value, event.anchor))

    def _scalar(self, event, where):
        if event.tag is None:
            key = (event.value, event.implicit)
            value = self.plain.get(key, _NOTHING)
            if value is _NOTHING:
                value = self.plain[key] = self._construct(event, where)
            return value
        return self._construct(event, where)

    def _construct(self, event, where):
        tag = event.tag
        if tag is None or tag == "!":
            tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
            if tag not in _CONSTRUCTORS:  # timestamps, '<<', '=': kept as the text written
                return event.value
        elif tag not in _CONSTRUCTORS:
            raise ArchcalcError("E107", f"tag {tag} is not allowed; specs hold plain data only", where)
        try:
            return _CONSTRUCTORS[tag](_SCALARS, yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark))
        except ValueError:  # e.g. an integer of more than 4,300 digits
            raise ArchcalcError("E306", f"number of {len(event.value):,} digits is beyond 64-bit integers",
                                where) from None
        except yaml.constructor.ConstructorError as error:
            raise ArchcalcError("E203", str(error.problem or error), where) from None

    def _add(self, value, size: int, where: Location, anchor, counted: int) -> None:
        """Place a finished value of expanded ``size`` into its parent (or make it the document).

        ``counted`` is how many values this adds to the document's expanded total: 1 for a
        scalar, the anchor's size for an alias, 0 for a closing container (its values were
        counted as they came).
        """
        self.total += counted
        if self.total > MAX_NODES:
            raise ArchcalcError("E106", f"document expands to more than {MAX_NODES:,} values (alias bomb?)", where)
        if anchor is not None:
            self.anchors[anchor] = (value, size)
        if not self.stack:
            self.document = value
            return
        frame = self.stack[-1]
        frame.size += size
        parent = frame.value
        if type(parent) is Sequence:
            parent.append(value)
            parent.item_locations.append(where)
        elif frame.key is _NOTHING:
            if isinstance(value, (dict, list)):
                raise ArchcalcError("E203", "mapping keys must be plain scalars", where)
            if value == "<<":
                raise ArchcalcError("E202", "YAML merge keys ('<<') are not supported; use a block with parameters",
                                    where)
            if value in parent:
                first = parent.key_locations[value]
                raise ArchcalcError("E102", f"duplicate key '{value}' (first defined at line {first.line}, "
                                            f"column {first.column})", where)
            frame.key, frame.key_where = value, where
        else:
            parent[frame.key] = value
            parent.key_locations[frame.key] = frame.key_where
            parent.value_locations[frame.key] = where
            frame.key = _NOTHING
