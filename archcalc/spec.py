"""The spec language: YAML documents → :class:`~archcalc.graph.Graph`.

A spec names an input shape and a list of layers. Each list entry is a layer type (or a block
defined in the same file) with its settings::

    - conv: {out: 64, kernel: 3, padding: 1}
      repeat: 2
    - relu
    - concat:                      # parallel branches joined along channels
        - [conv: {out: 64, kernel: 1}]
        - []                       # an empty branch is the input itself
    - add: {from: [conv2, shortcut]}   # the general form: name the inputs

Every entry may also carry ``name``, ``repeat`` (with ``i`` the 0-based index in expressions),
``from`` (the input layer(s) by name; ``input`` is the network's or block's input) and ``if``.
``${...}`` expressions use the file's ``vars`` and a block's parameters (see :mod:`archcalc.expr`).
docs/spec-format.md describes the language in full.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import expr
from .errors import ArchcalcError, ArchcalcErrors, Location, did_you_mean
from .graph import Graph, Node
from .layers import lookup
from .layers.base import REGISTRY, ALIASES
from .yamlsource import Mapping, Sequence, load, read_text

#: Keys any layer entry may carry besides its type.
ENTRY_KEYS = ("name", "repeat", "index", "from", "if", "output", "call", "train_only")
#: An entry type that groups layers (to repeat them together) without naming a scope.
GROUP = "seq"
#: Keys of a spec document.
TOP_KEYS = ("name", "title", "source", "description", "notes", "metadata", "accuracy", "input", "rounding",
            "defaults", "vars", "include", "blocks", "layers", "expect", "variants", "$schema")
VARIANT_KEYS = ("title", "source", "description", "notes", "metadata", "accuracy", "input", "vars", "expect")
#: Keys of ``accuracy:`` (reported ImageNet-1K validation accuracy, in percent, with where it was reported).
ACCURACY_KEYS = ("top1", "top5", "source", "eval")
#: Limits that keep a hostile spec from exhausting time, memory or the stack (E106).
MAX_LAYERS = 1_000_000       # entries instantiated, repetitions included
MAX_NESTING = 64             # blocks and branches inside one another


#: Words people reach for — PyTorch and Keras class names, paper names — and the layer type that
#: computes that concept here, written as :func:`concept_key` normalises them. A word whose type
#: is registered is accepted as that type; one whose type is not (yet) says so rather than
#: pointing at a similar-looking but different layer (layernorm is not LRN).
CONCEPT_WORDS = {
    "linear": "fc", "dense": "fc", "fullyconnected": "fc", "innerproduct": "fc", "gemm": "fc",
    "batchnorm": "bn", "batchnormalization": "bn",
    "localresponsenorm": "lrn", "localresponsenormalization": "lrn",
    "layernorm": "layer_norm", "layernormalization": "layer_norm", "groupnorm": "group_norm",
    "groupnormalization": "group_norm", "instancenorm": "instance_norm",
    "upsample": "upsample", "upsampling": "upsample", "interpolate": "upsample", "resize": "upsample",
    "convtranspose": "conv_transpose", "conv2dtranspose": "conv_transpose", "deconv": "conv_transpose",
    "deconvolution": "conv_transpose", "transposedconv": "conv_transpose",
    "layerscale": "layer_scale",
    "maxpooling": "maxpool", "averagepooling": "avgpool", "avgpooling": "avgpool",
    "globalaveragepooling": "global_avgpool", "globalavgpool": "global_avgpool",
    "adaptiveavgpool": "adaptive_avgpool", "globalmaxpooling": "global_maxpool",
    "concatenate": "concat", "cat": "concat", "sum": "add",
    "zeropadding": "zeropad", "cropping": "crop", "centercrop": "crop",
    "pixelshuffle": "pixel_shuffle", "depthtospace": "pixel_shuffle", "pixelunshuffle": "pixel_unshuffle",
    "spacetodepth": "pixel_unshuffle",
}
#: How to name a concept whose layer type is not registered.
CONCEPT_NAMES = {
    "layer_norm": "layer normalisation", "group_norm": "group normalisation",
    "instance_norm": "instance normalisation", "layer_scale": "a learned per-channel scale (LayerScale; 'mul' multiplies two inputs)",
    "upsample": "upsampling", "conv_transpose": "transposed convolution", "crop": "center cropping",
    "pixel_shuffle": "pixel shuffle (depth to space)", "pixel_unshuffle": "pixel unshuffle (space to depth)",
}

#: Words that name two different layers; never accepted, always answered with both.
AMBIGUOUS_WORDS = {
    "scale": "'layer_scale' (a learned per-channel factor, LayerScale) or 'mul' ('mul' multiplies two inputs)",
}


def concept_key(word: str) -> str:
    """'BatchNorm2d', 'batch_norm', 'Conv2D' → 'batchnorm', 'batchnorm', 'conv'."""
    key = re.sub(r"[\s_\-]", "", str(word)).lower()
    return re.sub(r"(?<=[a-z])[123]d$", "", key)


def concept_type(word: str) -> str | None:
    """The registered layer type a class or concept name stands for, when it is unambiguous."""
    target = CONCEPT_WORDS.get(concept_key(word))
    if target is not None:
        return target if lookup(target) is not None else None
    names = {}
    for name in list(REGISTRY) + list(ALIASES):
        names.setdefault(concept_key(name), set()).add(lookup(name).type_name)
    found = names.get(concept_key(word), set())
    return next(iter(found)) if len(found) == 1 else None


def layer_suggestion(word: str, choices) -> str:
    """What to tell a user whose layer type is unknown: the concept's layer type, that archcalc
    has none for the concept, or the nearest spelling."""
    if concept_key(word) in AMBIGUOUS_WORDS:
        return f"; did you mean {AMBIGUOUS_WORDS[concept_key(word)]}?"
    target = CONCEPT_WORDS.get(concept_key(word))
    if target is not None and lookup(target) is None:
        return f"; archcalc has no layer type for {CONCEPT_NAMES.get(target, target)}"
    if target is not None:
        return f" (did you mean '{target}'?)"
    return did_you_mean(word, choices)


def _error(code, message, location, layer=None):
    return ArchcalcError(code, message, location, layer)


def parse_shape(text, location: Location | None = None) -> tuple[int, ...]:
    """'3x224x224', '3×224×224' or [3, 224, 224] → (3, 224, 224)."""
    if isinstance(text, list):
        parts = text
    elif isinstance(text, str):
        parts = text.lower().replace("×", "x").replace("*", "x").split("x")
    else:
        parts = [text]
    try:
        if any(isinstance(p, (bool, float, list, dict)) for p in parts):
            raise ValueError
        shape = tuple(int(str(p).strip()) for p in parts)
        if not shape or any(d < 1 for d in shape):
            raise ValueError
    except ValueError:
        raise _error("E203", f"expected an input shape like 3x224x224 or [3, 224, 224], got {text!r}",
                     location) from None
    if any(d >= 2**62 for d in shape):
        raise _error("E306", f"input shape {text!r} has a dimension beyond 64-bit arithmetic", location)
    if not 1 <= len(shape) <= 4:
        raise _error("E203", f"input shape needs 2 to 4 dimensions (C×L, C×H×W or C×D×H×W) or 1 (features), "
                             f"got {len(shape)}", location)
    return shape


#: An input shape's layout by its rank: a flat vector of features, then 1, 2 or 3 spatial axes.
INPUT_LAYOUTS = {1: "F", 2: "C×L", 3: "C×H×W", 4: "C×D×H×W"}
RUN_AS = {1: "a network on a flat vector", 2: "a 1-D network", 3: "a 2-D network", 4: "a 3-D network"}


def _shape_text(shape) -> str:
    return "x".join(str(int(d)) for d in shape)


@dataclass
class ModelSpec:
    """One network of a spec file (a file with ``variants`` holds several)."""

    name: str
    file: str
    document: Mapping
    variant: Mapping | None = None
    overrides: dict = field(default_factory=dict)

    def _get(self, key, default=None):
        if self.variant is not None and key in self.variant:
            return self.variant[key]
        return self.document.get(key, default)

    @property
    def title(self) -> str:
        return str(self._get("title", self.name))

    @property
    def source(self) -> str:
        return str(self._get("source", ""))

    @property
    def metadata(self) -> dict:
        merged = dict(self.document.get("metadata") or {})
        if self.variant is not None:
            merged.update(self.variant.get("metadata") or {})
        return merged

    @property
    def accuracy(self) -> "Accuracy | None":
        """The reported accuracy (the variant's, else the file's), or None."""
        where = self.variant if self.variant is not None and "accuracy" in self.variant else self.document
        return _accuracy(where, where.get("accuracy"))

    @property
    def location(self) -> Location:
        return (self.variant or self.document).location

    def variables(self) -> dict:
        """The file's vars with the variant's and the caller's overrides, evaluated in order."""
        raw: dict = {}
        locations: dict = {}
        for source in (self.document.get("vars"), self.variant and self.variant.get("vars")):
            if source is None:
                continue
            if not isinstance(source, dict):
                raise _error("E203", "vars must be a mapping of names to values", getattr(source, "location", None))
            for key, value in source.items():
                raw[key] = value
                locations[key] = source.value_location(key)
        for key, value in self.overrides.items():
            if key not in raw:
                raise _error("E203", f"--set {key}: this spec has no variable '{key}'{did_you_mean(key, raw)}",
                             self.location)
            raw[key] = value
        values: dict = {}
        for key, value in raw.items():
            values[key] = _substitute(value, values, locations.get(key, self.location), None)
        return values

    def input_shape(self, variables: dict | None = None) -> tuple[int, ...]:
        where = (self.variant if self.variant is not None and "input" in self.variant else self.document)
        if "input" not in where:
            raise _error("E204", "missing required key 'input' (e.g. input: 3x224x224)", self.document.location)
        value = _substitute(where["input"], variables if variables is not None else self.variables(),
                            where.value_location("input"), None)
        return parse_shape(value, where.value_location("input"))

    def check_input(self, shape) -> None:
        """Refuse an input (``--input``) whose rank differs from the spec's own ``input:``.

        The layer rules are rank-generic, so VGG-16 given 3x224 would run, as a 1-D network:
        a number for a network nobody meant. The error names both shapes, e.g.
        ``vgg16 takes C×H×W input (3x224x224); got C×L (--input 3x224), which would run it as a 1-D
        network; give e.g. --input 3x224x224``.
        """
        own = self.input_shape()
        if len(shape) == len(own):
            return
        where = self.variant if self.variant is not None and "input" in self.variant else self.document
        raise _error("E504", f"{self.name} takes {INPUT_LAYOUTS[len(own)]} input ({_shape_text(own)}); got "
                             f"{INPUT_LAYOUTS[len(shape)]} (--input {_shape_text(shape)}), which would run it as "
                             f"{RUN_AS[len(shape)]}; give e.g. --input {_shape_text(own)}",
                     where.value_location("input"))

    def graph(self) -> Graph:
        """Compile the layers into a graph (raises ArchcalcError with locations)."""
        variables = self.variables()
        try:
            return _Compiler(self, variables).compile(self.input_shape(variables))
        except RecursionError:  # a backstop: MAX_NESTING and the loader's depth limit come first
            raise _error("E106", "the spec nests too deeply to compile", self.location) from None


@dataclass(frozen=True)
class Accuracy:
    """Reported ImageNet-1K validation accuracy in percent: ``top1`` and (when reported) ``top5``,
    the ``source`` that printed them and the ``eval`` protocol (crop, single model)."""

    top1: float
    top5: float | None
    source: str
    eval: str


def _accuracy(owner: Mapping, value) -> Accuracy | None:
    """Check an ``accuracy:`` mapping: only reported numbers, so where they come from is required."""
    if value is None:
        return None
    where = owner.value_location("accuracy")
    if not isinstance(value, Mapping):
        raise _error("E203", "accuracy must be a mapping such as {top1: 76.13, top5: 92.862, source: ..., eval: ...}",
                     where)
    _check_keys(value, ACCURACY_KEYS, "accuracy")
    for key in ("top1", "source", "eval"):
        if key not in value:
            raise _error("E204", f"accuracy needs '{key}' (keys: {', '.join(ACCURACY_KEYS)})", where)
    for key in ("top1", "top5"):
        number = value.get(key)
        if key == "top5" and number is None:
            continue
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not 0 < number <= 100:
            raise _error("E203", f"accuracy {key}: expected a percentage in (0, 100], got {number!r}",
                         value.value_location(key))
    if value.get("top5") is not None and value["top5"] < value["top1"]:
        raise _error("E203", f"accuracy top5 {value['top5']} is below top1 {value['top1']}", value.value_location("top5"))
    for key in ("source", "eval"):
        if not isinstance(value[key], str) or not value[key].strip():
            raise _error("E203", f"accuracy {key}: expected text saying where the number comes from, got "
                                 f"{value[key]!r}", value.value_location(key))
    top5 = value.get("top5")
    return Accuracy(float(value["top1"]), None if top5 is None else float(top5), value["source"], value["eval"])


def load_specs(path: str | Path, text: str | None = None) -> list[ModelSpec]:
    """Read a spec file: one ModelSpec, or one per entry of its ``variants``."""
    file = str(path)
    document = load(read_text(path) if text is None else text, file)
    if not isinstance(document, Mapping):
        raise _error("E105", "a spec must be a mapping with at least 'input' and 'layers'", getattr(
            document, "location", Location(file, 1, 1)))
    _check_keys(document, TOP_KEYS, "spec")
    variants = document.get("variants")
    if variants is None:
        name = document.get("name") or Path(file).stem
        _accuracy(document, document.get("accuracy"))
        return [ModelSpec(str(name), file, document)]
    if not isinstance(variants, Mapping) or not variants:
        raise _error("E203", "variants must be a mapping of model names to their settings",
                     document.value_location("variants"))
    specs = []
    for name, settings in variants.items():
        settings = settings if settings is not None else _empty_mapping(variants.value_location(name))
        if not isinstance(settings, Mapping):
            raise _error("E203", f"variant '{name}' must be a mapping", variants.value_location(name))
        _check_keys(settings, VARIANT_KEYS, f"variant '{name}'")
        _accuracy(settings, settings.get("accuracy"))
        specs.append(ModelSpec(str(name), file, document, settings))
    return specs


def _empty_mapping(location) -> Mapping:
    result = Mapping()
    result.location, result.key_locations, result.value_locations = location, {}, {}
    return result


def _check_keys(mapping: Mapping, allowed, what: str) -> None:
    for key in mapping:
        if key not in allowed:
            raise _error("E202", f"unknown key '{key}' in {what}{did_you_mean(key, allowed)}",
                         mapping.key_location(key))


# ---- include: blocks from other specs ----
# A spec's blocks are its own ``blocks`` and those it includes, in one namespace. An included block
# is used as if it were written in the including file: it sees that file's vars, defaults and
# rounding (its own file's are not read). Only blocks are taken from an included file.


def blocks_with_includes(document: Mapping, file: str) -> Mapping:
    """The blocks a spec can use: its own and the ones its ``include`` names (recursively).

    ``include`` is a name or path, a mapping of names/paths to the blocks wanted (null: all),
    or a list of either. Errors: a missing file or spec (E104), an include cycle (E407), one
    block name from two places (E408), a block the included file does not have (E201).
    """
    blocks, _origins = _blocks_and_origins(document, file, (_identity(file),))
    return blocks


def _identity(file) -> Path:
    return Path(file).resolve()


def _blocks_and_origins(document: Mapping, file: str, chain: tuple) -> tuple[Mapping, dict]:
    """(blocks by name, where each block was defined) — the latter tells a clash from a diamond."""
    own = document.get("blocks") or _empty_mapping(document.location)
    if not isinstance(own, Mapping):
        raise _error("E203", "blocks must be a mapping of block names to definitions",
                     document.value_location("blocks"))
    blocks = _empty_mapping(own.location)
    origins: dict = {}
    for name in own:
        _put_block(blocks, origins, name, own, (_identity(file), name))
    for source, wanted, where in _include_entries(document):
        path = _include_path(source, file, where)
        if _identity(path) in chain:
            cycle = " → ".join(p.name for p in chain + (_identity(path),))
            raise _error("E407", f"include '{source}' leads back to a spec that includes it ({cycle})", where)
        included = load(read_text(path), str(path))
        if not isinstance(included, Mapping):
            raise _error("E105", f"include '{source}': {path} holds no mapping with 'blocks'", where)
        their_blocks, their_origins = _blocks_and_origins(included, str(path), chain + (_identity(path),))
        for name in _selected_blocks(their_blocks, wanted, source, path):
            _put_block(blocks, origins, name, their_blocks, their_origins[name], (source, where))
    return blocks, origins


def _put_block(blocks: Mapping, origins: dict, name, source: Mapping, origin, include=None) -> None:
    """Add block ``name`` from ``source``; ``include`` is (what was included, where) for an included one."""
    if name in origins and origins[name] != origin:
        what, where = include
        raise _error("E408", f"include '{what}' brings block '{name}' (defined at {source.key_location(name)}), "
                             f"but a block of that name is already defined at {blocks.key_location(name)}; "
                             f"include only the blocks needed, or rename one", where)
    blocks[name] = source[name]
    blocks.key_locations[name] = source.key_location(name)
    blocks.value_locations[name] = source.value_location(name)
    origins[name] = origin


def _include_entries(document: Mapping):
    """(name or path, the block names wanted or None for all, location) for each include."""
    if "include" not in document:
        return
    value, where = document["include"], document.value_location("include")
    items = value if isinstance(value, list) else [value]
    for position, item in enumerate(items):
        item_where = value.item_location(position) if isinstance(value, Sequence) else where
        if isinstance(item, str):
            yield item, None, item_where
        elif isinstance(item, Mapping):
            for source, wanted in item.items():
                wanted_where = item.value_location(source)
                if wanted is not None and not (isinstance(wanted, list) and all(isinstance(w, str) for w in wanted)):
                    raise _error("E203", f"include '{source}': expected a list of block names (or null for all), "
                                         f"got {wanted!r}", wanted_where)
                yield str(source), wanted, item.key_location(source)
        else:
            raise _error("E203", "include takes a spec name or file path, a mapping of them to block names, "
                                 f"or a list of these; got {item!r}", item_where)


def _include_path(source: str, file: str, where: Location) -> Path:
    """A file path (it has a '/' or ends in .yaml/.yml; relative to the including file) or the name
    of a shipped spec: a file in specs/ (mobilenet_v3) or a model it defines (mobilenet_v3_large)."""
    if not source:
        raise _error("E203", "include needs a spec name or a file path", where)
    if Path(source).is_absolute():
        raise _error("E203", f"include '{source}': a file path must be relative to the including spec", where)
    if "/" in source or "\\" in source or source.endswith((".yaml", ".yml")):
        path = Path(file).parent / source
        if not path.is_file():
            raise _error("E104", f"include '{source}': no such file: {path}", where)
        return path
    from .zoo import catalog, specs_dir   # zoo reads specs with this module: imported when needed

    path = specs_dir() / f"{source}.yaml"
    if path.is_file():
        return path
    models = catalog()
    if source in models:
        return Path(models[source].file)
    names = [p.stem for p in specs_dir().glob("*.yaml")] + list(models)
    raise _error("E104", f"include '{source}': no shipped spec of that name{did_you_mean(source, names)} "
                         f"(a file path needs a '/' or a .yaml ending)", where)


def _selected_blocks(blocks: Mapping, wanted, source: str, path: Path) -> list:
    """The blocks wanted from an included file, with every block they use (their names written
    as layer types inside them); all of them when ``wanted`` is None."""
    if wanted is None:
        return list(blocks)
    for position, name in enumerate(wanted):
        if name not in blocks:
            where = wanted.item_location(position) if isinstance(wanted, Sequence) else None
            raise _error("E201", f"include '{source}': {path.name} has no block '{name}'"
                                 f"{did_you_mean(name, blocks)}; blocks: {', '.join(map(str, blocks)) or 'none'}",
                         where)
    selected: list = []
    stack = list(reversed(wanted))
    while stack:
        name = stack.pop()
        if name in selected:
            continue
        selected.append(name)
        stack.extend(used for used in _names_used(blocks[name]) if used in blocks and used not in selected)
    return selected


def _names_used(definition) -> set:
    """Every string written as a key or a bare entry inside a block definition."""
    found: set = set()
    stack = [definition]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            found.update(k for k in value if isinstance(k, str))
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            found.add(value)
    return found


def _substitute(value, variables, location, layer):
    """Evaluate ${...} in a value (recursively through lists), with located errors."""
    try:
        if isinstance(value, list):
            return [_substitute(v, variables, location, layer) for v in value]
        return expr.substitute(value, variables)
    except expr.ExpressionError as error:
        raise _error("E205", str(error), location, layer) from None
    except RecursionError:
        raise _error("E205", "expression is nested too deeply", location, layer) from None


def _written_names(items) -> dict:
    """Layer names written literally anywhere in a list of entries → where (for E402 messages)."""
    found: dict = {}
    stack = [items]
    while stack:
        value = stack.pop()
        if isinstance(value, Mapping):
            for key, item in value.items():
                if key == "name" and isinstance(item, (str, int)) and "${" not in str(item):
                    found.setdefault(str(item), value.value_location(key))
                stack.append(item)
        elif isinstance(value, list):
            stack.extend(value)
    return found


@dataclass
class _Scope:
    """Names, counters and variables of one level of nesting (network, block or branch)."""

    prefix: str
    variables: dict
    input_index: int
    parent: "_Scope | None" = None
    depth: int = 0
    names: dict = field(default_factory=dict)
    counters: dict = field(default_factory=dict)
    blocks_in_use: tuple = ()

    def auto_name(self, type_name: str) -> str:
        self.counters[type_name] = self.counters.get(type_name, 0) + 1
        return f"{type_name}{self.counters[type_name]}"

    def resolve(self, name: str):
        scope = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            if name == "input":
                return scope.input_index
            scope = scope.parent
        return None

    def known_names(self):
        scope, names = self, ["input"]
        while scope is not None:
            names += list(scope.names)
            scope = scope.parent
        return names


class _Compiler:
    def __init__(self, spec: ModelSpec, variables: dict):
        self.spec = spec
        document = spec.document
        self.file = spec.file
        self.variables = variables
        self.blocks = blocks_with_includes(document, self.file)
        self.rounding = document.get("rounding", "exact")
        if self.rounding not in ("exact", "floor", "ceil"):
            raise _error("E203", f"rounding must be 'exact', 'floor' or 'ceil', got {self.rounding!r}",
                         document.value_location("rounding"))
        self.defaults = document.get("defaults") or _empty_mapping(document.location)
        if not isinstance(self.defaults, Mapping):
            raise _error("E203", "defaults must be a mapping", document.value_location("defaults"))
        self.graph = Graph(spec.name)
        #: Independent errors found so far (unknown types and keys, joins of one input), reported together.
        self.errors: list[ArchcalcError] = []
        self.full_names: dict[str, int] = {}
        self.instances = 0

    # ---- entry points ----
    def compile(self, input_shape) -> Graph:
        document = self.spec.document
        if "layers" not in document:
            raise _error("E204", "missing required key 'layers' (a list of layers)", document.location)
        layers = document["layers"]
        if not isinstance(layers, Sequence) or not layers:
            raise _error("E203", "layers must be a non-empty list", document.value_location("layers"))
        self.graph.nodes.append(Node(0, "input", None, (), document.value_location("input")
                                     if "input" in document else document.location))
        self.input_shape = input_shape
        scope = _Scope("", dict(self.variables), 0)
        try:
            self._sequence(layers, scope, 0)
        except ArchcalcError as error:
            if not self.errors:
                raise
            raise ArchcalcErrors(self.errors + [error]) from None
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise ArchcalcErrors(self.errors)
        self._warn_unused()
        return self.graph

    # ---- sequences, entries, repetition ----
    def _sequence(self, items: Sequence, scope: _Scope, current: int) -> int:
        if not isinstance(items, list):
            raise _error("E203", "expected a list of layers", getattr(items, "location", None))
        for position, item in enumerate(items):
            where = items.item_location(position) if isinstance(items, Sequence) else None
            current = self._entry(item, where, scope, current)
        return current

    def _entry(self, item, where: Location, scope: _Scope, current: int) -> int:
        type_name, args, common, key_where = self._split_entry(item, where)
        variables = scope.variables
        if "${" in type_name:  # a layer or block type chosen by a variable: ${block}
            type_name = str(_substitute(type_name, variables, key_where, None))
        if "if" in common and not _substitute(common["if"][0], variables, common["if"][1], None):
            return current
        count = 1
        if "repeat" in common:
            value, value_where = common["repeat"]
            count = _substitute(value, variables, value_where, None)
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise _error("E203", f"repeat expects an integer ≥ 0, got {count!r}", value_where)
            if count > MAX_LAYERS:
                raise _error("E106", f"repeat {count:,} is more than the {MAX_LAYERS:,} layers a spec may have",
                             value_where)
        index_name = "i"
        if "index" in common:
            index_name = str(common["index"][0])
            if not index_name.isidentifier():
                raise _error("E203", f"index must be a variable name, got {index_name!r}", common["index"][1])
        for index in range(count):
            local = dict(variables, **{index_name: index}) if "repeat" in common else variables
            current = self._instance(type_name, args, common, where, key_where, scope, current, local,
                                     index if "repeat" in common and count > 1 else None)
        return current

    def _split_entry(self, item, where):
        """An entry → (type name, settings mapping or branch list, common keys, type key location)."""
        if isinstance(item, str):
            return item, None, {}, where
        if not isinstance(item, Mapping):
            raise _error("E203", f"expected a layer (a name such as relu, or a mapping such as "
                                 f"conv: {{...}}), got {item!r}", where)
        type_keys = [k for k in item if k not in ENTRY_KEYS]
        if len(type_keys) != 1:
            found = ", ".join(map(str, type_keys)) or "none"
            raise _error("E203", f"a layer entry needs exactly one layer type key, found: {found}", where)
        type_name = type_keys[0]
        args = item[type_name]
        common = {k: (item[k], item.value_location(k)) for k in ENTRY_KEYS if k in item}
        if isinstance(args, Mapping):
            for key in ENTRY_KEYS:
                if key in args:
                    if key in common:
                        raise _error("E102", f"'{key}' given twice for this layer", args.key_location(key))
                    common[key] = (args[key], args.value_location(key))
        return str(type_name), args, common, item.key_location(type_name)

    def _instance(self, type_name, args, common, where, key_where, scope, current, variables, index):
        self.instances += 1
        if self.instances > MAX_LAYERS:
            raise _error("E106", f"the spec expands to more than {MAX_LAYERS:,} layers", where)
        if scope.depth > MAX_NESTING:
            raise _error("E106", f"blocks and branches nest more than {MAX_NESTING} levels deep", where)
        name = self._name(type_name, common, scope, variables, index)
        inputs = self._inputs(common, scope, current, name)
        first_node = len(self.graph.nodes)
        if type_name == GROUP:
            result = self._group(args, where, scope, current, variables, common)
            self._mark_calls(common, self.graph.nodes[first_node:], variables, name)
            return result
        if type_name in self.blocks:
            result = self._block(type_name, args, name, inputs, where, key_where, scope, variables)
        elif isinstance(args, list):
            result = self._branches(type_name, args, name, inputs, where, key_where, scope, variables)
        else:
            result = self._layer(type_name, args, name, inputs, where, key_where, scope, variables)
        scope.names[name] = result
        if "output" in common and _substitute(common["output"][0], variables, common["output"][1], name) is True:
            self.graph.nodes[result].output = True
        self._mark_calls(common, self.graph.nodes[first_node:], variables, name)
        return result

    @staticmethod
    def _mark_calls(common, nodes, variables, name):
        """``call:`` and ``train_only:`` apply to every layer the entry made (all of a block's)."""
        from .counting import CALLS

        if "call" in common:
            call = _substitute(common["call"][0], variables, common["call"][1], name)
            if call not in CALLS:
                raise _error("E203", f"call expects one of {', '.join(CALLS)}, got {call!r}", common["call"][1], name)
            for node in nodes:
                node.call = call
        if "train_only" in common:
            flag = _substitute(common["train_only"][0], variables, common["train_only"][1], name)
            if not isinstance(flag, bool):
                raise _error("E203", f"train_only expects true or false, got {flag!r}", common["train_only"][1], name)
            for node in nodes:
                node.train_only = node.train_only or flag

    def _group(self, items, where, scope, current, variables, common) -> int:
        """``seq: [...]``: layers grouped to be repeated together, named as if written inline."""
        if not isinstance(items, list):
            raise _error("E203", "seq takes a list of layers", where)
        for key in ("name", "from"):
            if key in common:
                raise _error("E202", f"seq does not take '{key}'; put it on a layer inside", common[key][1])
        inner = _Scope(scope.prefix, variables, scope.input_index, scope.parent, scope.depth,
                       scope.names, scope.counters, scope.blocks_in_use)
        return self._sequence(items, inner, current)

    def _name(self, type_name, common, scope, variables, index) -> str:
        if "name" in common:
            value, value_where = common["name"]
            explicit = "${" in str(value)
            name = str(_substitute(value, variables, value_where, None))
            if index is not None and not explicit:
                name = f"{name}_{index + 1}"
            if not name or "/" in name:
                raise _error("E203", f"layer names must be non-empty and must not contain '/', got {name!r}",
                             value_where)
            return name
        return scope.auto_name(type_name)

    def _inputs(self, common, scope, current, name) -> list[int]:
        if "from" not in common:
            return [current]
        written, value_where = common["from"]
        value = _substitute(written, scope.variables, value_where, name)
        references = value if isinstance(value, list) else [value]
        if not references:
            raise _error("E203", "from needs at least one layer name", value_where, name)
        indices = []
        for position, reference in enumerate(references):
            if isinstance(written, Sequence) and len(written) == len(references):
                value_where = written.item_location(position)
            if isinstance(reference, (list, dict)):
                raise _error("E203", f"'from' expects layer names, got {reference!r}", value_where, name)
            index = scope.resolve(str(reference))
            if index is None:
                index = self.full_names.get(str(reference))
            if index is None:
                later = _written_names(self.spec.document.get("layers")).get(str(reference))
                if later is not None:
                    raise _error("E402", f"'from' names '{reference}', which is defined later (line {later.line}); "
                                         f"a layer reads only layers above it, so the graph has no cycles",
                                 value_where, name)
                raise _error("E401", f"'from' names '{reference}', which is not defined before this layer"
                                     f"{did_you_mean(reference, scope.known_names())}", value_where, name)
            indices.append(index)
        return indices

    # ---- the three kinds of entry ----
    def _layer(self, type_name, args, name, inputs, where, key_where, scope, variables) -> int:
        cls = lookup(type_name) or lookup(concept_type(type_name) or "")
        if cls is None:
            # An independent error: noted, and the entry stands in as an identity so that the
            # rest of the spec is still read and its other errors reported in the same run.
            choices = list(REGISTRY) + list(ALIASES) + list(self.blocks)
            self.errors.append(_error("E201", f"unknown layer type '{type_name}'"
                                              f"{layer_suggestion(type_name, choices)}", key_where,
                                      self._full(scope, name)))
            return self._add(scope, name, REGISTRY["identity"](), inputs[:1], where)
        if args is not None and not isinstance(args, Mapping):
            raise _error("E203", f"settings of {type_name} must be a mapping such as "
                                 f"{type_name}: {{key: value}}, got {args!r}", key_where, name)
        args = args if args is not None else {}
        values = {}
        for key, value in args.items():
            if key in ENTRY_KEYS:
                continue
            if key not in cls.keys:
                self.errors.append(_error("E202", f"unknown key '{key}' for {cls.type_name}"
                                                  f"{did_you_mean(key, list(cls.keys) + list(ENTRY_KEYS))}; "
                                                  f"keys: {', '.join(cls.keys) or 'none'}",
                                          args.key_location(key), self._full(scope, name)))
                continue
            values[key] = self._convert(cls, key, value, args.value_location(key), variables,
                                        self._full(scope, name))
        for key, spec_key in cls.keys.items():
            if key in values:
                continue
            default = self._default(cls, key)
            if default is not None:
                values[key] = self._convert(cls, key, default[0], default[1], variables, self._full(scope, name))
            elif spec_key.required:
                raise _error("E204", f"{cls.type_name} needs '{key}' ({spec_key.doc})", key_where,
                             self._full(scope, name))
        for key in cls.reference_keys:  # like: LAYER reads that layer's shape: a further input
            if values.get(key) is not None:
                inputs = [*inputs, self._reference(values[key], args, key, scope, name)]
        low, high = cls.arity
        if len(inputs) < low or (high is not None and len(inputs) > high):
            expected = f"{low}" if low == high else f"at least {low}"
            raise _error("E405", f"{cls.type_name} takes {expected} input(s), got {len(inputs)}", where,
                         self._full(scope, name))
        if cls.joins and len(inputs) < 2:
            self.errors.append(_error("E405", f"{cls.type_name} joins two or more inputs (from: [a, b], or a list of "
                                              f"branches), got {len(inputs)}; alone it would change nothing",
                                      where, self._full(scope, name)))
        return self._add(scope, name, cls(**values), inputs, where)

    def _reference(self, reference, args, key, scope, name) -> int:
        """The node a ``like:`` key names: 'input' is the network's input."""
        index = 0 if reference == "input" else scope.resolve(reference)
        if index is None:
            index = self.full_names.get(reference)
        if index is None:
            where = args.value_location(key) if isinstance(args, Mapping) and key in args else None
            raise _error("E401", f"'{key}' names '{reference}', which is not defined before this layer"
                                 f"{did_you_mean(reference, scope.known_names())}", where, self._full(scope, name))
        return index

    def _default(self, cls, key):
        """Spec-level defaults: per layer type (defaults: {conv: {bias: false}}) or for any type."""
        for scope in (self.defaults.get(cls.type_name), self.defaults):
            if isinstance(scope, Mapping) and key in scope and not isinstance(scope[key], Mapping):
                return scope[key], scope.value_location(key)
        if key == "rounding":
            return self.rounding, self.spec.document.value_location("rounding")
        return None

    def _convert(self, cls, key, value, value_where, variables, layer_name):
        value = _substitute(value, variables, value_where, layer_name)
        try:
            return cls.keys[key].kind(value)
        except ValueError as error:
            raise _error(getattr(error, "code", "E203"), f"{cls.type_name} '{key}': {error}", value_where,
                         layer_name) from None

    def _branches(self, type_name, branches, name, inputs, where, key_where, scope, variables) -> int:
        if lookup(type_name) is None or not lookup(type_name).joins:
            joins = ", ".join(name for name, cls in REGISTRY.items() if cls.joins)
            raise _error("E203", f"only {joins} take a list of branches; "
                                 f"'{type_name}' needs a mapping of settings", key_where, self._full(scope, name))
        if len(inputs) != 1:
            raise _error("E405", "a join with branches starts all branches from one input", where,
                         self._full(scope, name))
        outputs = []
        for position, branch in enumerate(branches):
            branch_where = branches.item_location(position) if isinstance(branches, Sequence) else where
            if branch is None:
                branch = []
            if not isinstance(branch, list):
                raise _error("E203", "each branch is a list of layers ([] for the input itself)", branch_where,
                             self._full(scope, name))
            # Branch layers are named in the enclosing scope (inception3a/3x3, layer1.0/conv1),
            # like torchvision's names; only nesting depth records the branch.
            child = _Scope(scope.prefix, variables, scope.input_index, scope.parent, scope.depth + 1,
                           scope.names, scope.counters, scope.blocks_in_use)
            outputs.append(self._sequence(branch, child, inputs[0]))
        return self._layer(type_name, None, name, outputs, where, key_where, scope, variables)

    def _block(self, block_name, args, name, inputs, where, key_where, scope, variables) -> int:
        if block_name in scope.blocks_in_use:
            raise _error("E403", f"block '{block_name}' uses itself (through "
                                 f"{' → '.join(scope.blocks_in_use + (block_name,))})", key_where, name)
        definition = self.blocks[block_name]
        block_where = self.blocks.value_location(block_name)
        if not isinstance(definition, Mapping) or "layers" not in definition:
            raise _error("E203", f"block '{block_name}' needs a 'layers' list", block_where)
        _check_keys(definition, ("params", "layers", "description"), f"block '{block_name}'")
        params = definition.get("params") or {}
        params_where = definition.value_location("params")
        if isinstance(params, list):
            if not all(isinstance(p, str) and p.isidentifier() for p in params):
                raise _error("E203", f"block '{block_name}' params must be names, got {params!r}", params_where)
            params = {p: None for p in params}
        if not isinstance(params, dict) or not all(isinstance(p, str) and p.isidentifier() for p in params):
            raise _error("E203", f"block '{block_name}' params must map names to defaults (null = required)",
                         params_where)
        if args is not None and not isinstance(args, Mapping):
            raise _error("E404", f"block '{block_name}' takes a mapping of arguments, got {args!r}", key_where, name)
        args = args or {}
        bound = dict(self.variables)
        for key, value in args.items():
            if key in ENTRY_KEYS:
                continue
            if key not in params:
                raise _error("E404", f"block '{block_name}' has no parameter '{key}'"
                                     f"{did_you_mean(key, params)}; parameters: {', '.join(map(str, params)) or 'none'}",
                             args.key_location(key), name)
            bound[key] = _substitute(value, variables, args.value_location(key), name)
        for key, default in params.items():
            if key in args:
                continue
            if default is None:
                raise _error("E404", f"block '{block_name}' needs parameter '{key}'", key_where, name)
            bound[key] = _substitute(default, bound, block_where, name)
        if len(inputs) != 1:
            raise _error("E405", f"block '{block_name}' takes one input, got {len(inputs)}", where, name)
        # A block sees only its own names and its input; names inside do not leak out.
        child = _Scope(f"{scope.prefix}{name}/", bound, inputs[0], None, scope.depth + 1,
                       blocks_in_use=scope.blocks_in_use + (block_name,))
        return self._sequence(definition["layers"], child, inputs[0])

    # ---- bookkeeping ----
    def _full(self, scope, name) -> str:
        return f"{scope.prefix}{name}"

    def _add(self, scope, name, layer, inputs, where) -> int:
        full = self._full(scope, name)
        if full in self.full_names:
            first = self.graph.nodes[self.full_names[full]].location
            raise _error("E406", f"layer name '{full}' is already used"
                                 f"{f' at line {first.line}' if first else ''}", where, full)
        index = len(self.graph.nodes)
        self.graph.nodes.append(Node(index, full, layer, tuple(inputs), where, scope.depth))
        self.full_names[full] = index
        return index

    def _warn_unused(self) -> None:
        readers = self.graph.consumers()
        for node in self.graph.nodes[:-1]:
            if not readers[node.index] and not node.output:
                self.graph.warnings.append(ArchcalcError(
                    "W401", "output is never used (only the last layer is the network's output)",
                    node.location, node.name, severity="warning"))
