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

try:  # libyaml's composer is several times faster on large specs
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


def read_text(path: Path | str) -> str:
    """Read a spec file as UTF-8, with located errors for the ways that can fail."""
    path = Path(path)
    where = Location(str(path), 1, 1)
    if path.is_dir():
        raise ArchcalcError("E104", f"{path} is a directory, expected a YAML file", where)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ArchcalcError("E106", f"file is {size:,} bytes; specs are limited to {MAX_FILE_BYTES:,} bytes", where)
        data = path.read_bytes()
    except FileNotFoundError:
        raise ArchcalcError("E104", f"no such file: {path}", where) from None
    except OSError as error:
        raise ArchcalcError("E104", f"cannot read {path}: {error.strerror or error}", where) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise ArchcalcError("E103", f"byte 0x{data[error.start]:02x} is not valid UTF-8",
                            Location(str(path), line, column)) from None


def load(text: str, file: str = "<string>"):
    """Parse one YAML document into located plain data."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = _mark(file, mark) if mark else Location(file, 1, 1)
        problem = error.problem or "invalid YAML"
        if "\t" in problem or "'\\t'" in problem:
            problem += " (use spaces, not tabs, to indent)"
        raise ArchcalcError("E101", problem, where) from None
    except yaml.YAMLError as error:
        raise ArchcalcError("E101", str(error), Location(file, 1, 1)) from None
    except RecursionError:
        raise ArchcalcError("E106", "YAML is nested too deeply", Location(file, 1, 1)) from None
    if node is None:
        raise ArchcalcError("E105", "file is empty; expected a mapping with 'input' and 'layers'", Location(file, 1, 1))
    budget = [MAX_NODES]
    return _convert(node, file, budget, 0)


def _convert(node, file: str, budget: list, depth: int):
    budget[0] -= 1
    where = _mark(file, node.start_mark)
    if budget[0] < 0:
        raise ArchcalcError("E106", f"document expands to more than {MAX_NODES:,} values (alias bomb?)", where)
    if depth > MAX_DEPTH:
        raise ArchcalcError("E106", f"YAML is nested more than {MAX_DEPTH} levels deep", where)
    if isinstance(node, yaml.ScalarNode):
        if node.tag not in _SCALAR_TAGS:
            raise ArchcalcError("E107", f"tag {node.tag} is not allowed; specs hold plain data only", where)
        return _SCALARS.construct_object(node)
    if isinstance(node, yaml.SequenceNode):
        if node.tag != "tag:yaml.org,2002:seq":
            raise ArchcalcError("E107", f"tag {node.tag} is not allowed; specs hold plain data only", where)
        result = Sequence(_convert(item, file, budget, depth + 1) for item in node.value)
        result.location = where
        result.item_locations = [_mark(file, item.start_mark) for item in node.value]
        return result
    if node.tag != "tag:yaml.org,2002:map":
        raise ArchcalcError("E107", f"tag {node.tag} is not allowed; specs hold plain data only", where)
    result = Mapping()
    result.location = where
    result.key_locations, result.value_locations = {}, {}
    for key_node, value_node in node.value:
        key = _convert(key_node, file, budget, depth + 1)
        key_where = _mark(file, key_node.start_mark)
        if isinstance(key, (dict, list)):
            raise ArchcalcError("E203", "mapping keys must be plain scalars", key_where)
        if key == "<<":
            raise ArchcalcError("E202", "YAML merge keys ('<<') are not supported; use a block with parameters", key_where)
        if key in result:
            first = result.key_locations[key]
            raise ArchcalcError("E102", f"duplicate key '{key}' (first defined at line {first.line})", key_where)
        result[key] = _convert(value_node, file, budget, depth + 1)
        result.key_locations[key] = key_where
        result.value_locations[key] = _mark(file, value_node.start_mark)
    return result
