"""What every layer type is made of: its keys (with kinds and defaults) and its rules.

A layer type is one class. Its ``keys`` are its YAML schema; its methods are small, pure,
vectorized rules: each receives input shapes as tuples of int64 NumPy arrays (one entry per
configuration being evaluated — several input sizes cost one walk) and returns arrays.
Classes register themselves with :func:`register`; nothing else needs to change to add one.

Rules raise :class:`~archcalc.errors.ArchcalcError` without a location; the engine adds the
layer's name and YAML position.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import numpy as np

from ..conventions import NEW
from ..errors import ArchcalcError

Shape = tuple  # of int64 arrays, one entry per configuration: (C, H, W) or (F,)

REQUIRED = object()
#: ``free_of`` of a layer type without parameters or multiply-adds (activations, pools, views, …).
NO_ARITHMETIC = frozenset({"params", "macs"})


# ---- value kinds: each turns a YAML value into a checked Python value or raises ValueError ----
# Each kind's docstring says in words what it accepts; its ``json_schema`` says the same for
# editors (archcalc schema). A kind without one is shown as "any value" with its docstring.

INTEGER_1 = {"type": "integer", "minimum": 1}
INTEGER_0 = {"type": "integer", "minimum": 0}


def json_schema(fragment: dict) -> Callable:
    """Decorator: attach the JSON Schema of what a kind accepts."""
    def attach(kind):
        kind.json_schema = fragment
        return kind
    return attach


class OutOfRange(ValueError):
    """A number too large for 64-bit arithmetic: reported as E306 rather than E203."""

    code = "E306"



def _integer(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ValueError(f"expected {what}, got {_show(value)}")
    if abs(value) >= 2**62:
        raise OutOfRange(f"{value:.3g} is too large for 64-bit arithmetic")
    return value


def _show(value) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, list):
        return f"list {value}"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def at_least(minimum: int) -> Callable:
    """The kind 'an integer ≥ minimum'."""
    what = f"an integer ≥ {minimum}"

    @json_schema({"type": "integer", "minimum": minimum})
    def convert(value) -> int:
        number = _integer(value, what)
        if number < minimum:
            raise ValueError(f"expected {what}, got {number}")
        return number

    convert.__doc__ = what
    return convert


positive_int = at_least(1)
non_negative_int = at_least(0)


def one_or_two(kind: Callable, names: str) -> Callable:
    """The kind 'one value of ``kind`` for both, or [first, second]' (channel padding)."""
    schema = kind.json_schema

    @json_schema({"anyOf": [schema, {"type": "array", "items": schema, "minItems": 2, "maxItems": 2}]})
    def convert(value) -> tuple:
        if isinstance(value, list):
            if len(value) != 2:
                raise ValueError(f"expected an integer or [{names}], got a list of {len(value)}")
            return kind(value[0]), kind(value[1])
        number = kind(value)
        return number, number

    convert.__doc__ = f"{kind.__doc__}, or [{names}]"
    return convert


MAX_SPATIAL_DIMS = 3


@json_schema({"anyOf": [INTEGER_1, {"type": "array", "items": INTEGER_1, "minItems": 1,
                                    "maxItems": MAX_SPATIAL_DIMS}]})
def sizes(value):
    """an integer ≥ 1 for every spatial dimension, or a list of one per dimension ([height, width])"""
    if isinstance(value, list):
        if not 1 <= len(value) <= MAX_SPATIAL_DIMS:
            raise ValueError(f"expected an integer or a list of 1 to {MAX_SPATIAL_DIMS} integers, "
                             f"got a list of {len(value)}")
        return tuple(positive_int(v) for v in value)
    return positive_int(value)


@json_schema({"anyOf": [{"type": "string", "pattern": "^([Ss][Aa][Mm][Ee]|[Vv][Aa][Ll][Ii][Dd])$"}, INTEGER_0,
                        {"type": "array", "items": INTEGER_0, "minItems": 1, "maxItems": 2 * MAX_SPATIAL_DIMS}]})
def padding(value):
    """'same', 'valid', an integer for every side, a list of one per spatial dimension ([height, width]), or
    (before, after) per dimension ([top, bottom, left, right])"""
    if isinstance(value, str):
        if value.lower() in ("same", "valid"):
            return value.lower()
        raise ValueError(f"expected 'same', 'valid', an integer or a list, got {_show(value)}")
    if isinstance(value, list):
        if not 1 <= len(value) <= 2 * MAX_SPATIAL_DIMS:
            raise ValueError(f"expected one value per spatial dimension or (before, after) per dimension, "
                             f"got a list of {len(value)}")
        return tuple(non_negative_int(v) for v in value)
    return non_negative_int(value)


@json_schema({"type": "boolean"})
def boolean(value) -> bool:
    """true or false"""
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {_show(value)}")
    return value


@json_schema({"type": "number"})
def number(value) -> float:
    """a number"""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {_show(value)}")
    return float(value)


@json_schema({"type": "number", "minimum": 0, "maximum": 1})
def probability(value) -> float:
    """a number in [0, 1]"""
    result = number(value)
    if not 0.0 <= result <= 1.0:
        raise ValueError(f"expected a number between 0 and 1, got {result}")
    return result


def choice(*options: str) -> Callable:
    def convert(value):
        if value not in options:
            raise ValueError(f"expected one of {', '.join(repr(o) for o in options)}, got {_show(value)}")
        return value
    convert.__doc__ = " | ".join(repr(o) for o in options)
    convert.json_schema = {"enum": list(options)}
    return convert


def optional(kind: Callable) -> Callable:
    def convert(value):
        return None if value is None else kind(value)
    convert.__doc__ = f"{kind.__doc__}, or null"
    if hasattr(kind, "json_schema"):
        convert.json_schema = {"anyOf": [kind.json_schema, {"type": "null"}]}
    return convert


ROUNDING = choice("exact", "floor", "ceil")


@json_schema({"type": ["string", "integer"]})
def layer_name(value) -> str:
    """the name of an earlier layer, or 'input' (the network's input)"""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"expected a layer name, got {_show(value)}")
    return str(value)


@dataclass(frozen=True)
class Key:
    """One YAML key of a layer type: how to read it, its default, what it means."""

    kind: Callable[[Any], Any]
    default: Any = REQUIRED
    doc: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass
class ParamCounts:
    """Parameters of one layer: trainable, non-trainable buffers, and weights alone."""

    trainable: Any = 0
    buffers: Any = 0
    weights: Any = 0


@dataclass(frozen=True)
class Window:
    """A sliding window as seen by the receptive-field walk: one entry per spatial axis.

    ``kernel`` is the effective (dilated) extent; ``pad_before`` may be an array when padding
    depends on the input size ('same' with stride > 1). ``kernel=None`` means the window
    covers the whole input (global pooling, fully connected).
    """

    kernel: tuple | None = None
    stride: tuple = ()
    pad_before: tuple = ()


GLOBAL = Window(kernel=None)


def rule_error(code: str, message: str) -> ArchcalcError:
    return ArchcalcError(code, message)


def elements(shape: Shape) -> np.ndarray:
    """Number of elements in a tensor of ``shape`` (per sample)."""
    return product(*shape)


def product(*factors) -> np.ndarray:
    """Multiply int64 arrays, refusing to wrap around: NumPy integer overflow is silent.

    The check is cheap in the common case: the product of each factor's largest magnitude
    bounds every entry; only when that bound reaches 2**63 are the entries checked one by one.
    """
    exact = np.int64(1)
    bound = 1.0
    for factor in factors:
        try:
            array = np.asarray(factor, dtype=np.int64)
        except OverflowError:
            raise rule_error("E306", f"the number {factor} is beyond 64-bit integers") from None
        exact = exact * array
        # One configuration is the common case: item() spares a NumPy reduction per factor.
        bound *= abs(array.item()) if array.size == 1 else float(np.abs(array).max()) if array.size else 0.0
    if bound >= 2.0**63:
        approx = np.float64(1.0)
        for factor in factors:
            approx = approx * np.asarray(factor, dtype=np.float64)
        ensure_fits(approx)
    return exact


def ensure_fits(approx) -> None:
    """Raise E306 when a float64 estimate of a count is beyond what int64 can hold."""
    magnitude = abs(np.asarray(approx, dtype=np.float64))
    if magnitude.size and magnitude.max() >= 2.0**63:
        raise rule_error("E306", f"a count reaches {float(magnitude.max()):.3g}, beyond 64-bit integers")


def show_shape(shape: Shape, index: int = 0) -> str:
    return "×".join(str(int(np.asarray(d).reshape(-1)[index])) for d in shape)


#: What a shape of each rank is, in words: (F,), C×L, C×H×W, C×D×H×W.
SHAPE_WORDS = {1: "a flat vector", 2: "a C×L sequence", 3: "a C×H×W feature map", 4: "a C×D×H×W volume"}


def expect_rank(layer: "Layer", shape: Shape, rank: int) -> None:
    """Refuse an input that is not of exactly ``rank`` (1 = flat vector, 3 = C×H×W, …)."""
    if len(shape) != rank:
        hint = SHAPE_WORDS[rank] + (" (add 'flatten' before it)" if rank == 1 else "")
        raise rule_error("E305", f"{layer.type_name} expects {hint}, but received {show_shape(shape)}")


def expect_feature_map(layer: "Layer", shape: Shape) -> int:
    """Refuse a flat vector; return the number of spatial dimensions (1, 2 or 3)."""
    if len(shape) < 2:
        raise rule_error("E305", f"{layer.type_name} expects a feature map with 1 to {MAX_SPATIAL_DIMS} spatial "
                                 f"dimensions (C×L, C×H×W or C×D×H×W), but received {show_shape(shape)}")
    return len(shape) - 1


class Layer:
    """Base of all layer types. Subclasses set ``type_name``, ``keys`` and override rules.

    Everything the rest of archcalc needs to know about a type is stated here, on its class:
    the spec compiler, the JSON Schema, ``archcalc layers``, the totals and the reports read
    these attributes instead of keeping lists of type names.
    """

    type_name: ClassVar[str] = ""
    #: Other names users write. Lookup ignores case and underscores, so ``Conv2d``, ``conv_2d`` and
    #: ``conv2d`` are one name; PyTorch and Keras class names are plain aliases.
    aliases: ClassVar[tuple[str, ...]] = ()
    #: Aliases that also check the number of spatial dimensions of the input: {"conv3d": (3,)}
    #: (0 = a flat vector).
    rank_aliases: ClassVar[dict[str, tuple[int, ...]]] = {}
    keys: ClassVar[dict[str, Key]] = {}
    #: How the output is stored: conventions.NEW, IN_PLACE or VIEW.
    storage: ClassVar[str] = NEW
    #: How many inputs the layer takes: (minimum, maximum or None for any).
    arity: ClassVar[tuple[int, int | None]] = (1, 1)
    #: Heading of the layer-type listing: "conv", "pool", "activation", "join", …
    family: ClassVar[str] = "other"
    #: A join: a spec may give it a list of parallel branches instead of settings.
    joins: ClassVar[bool] = False
    #: Counts toward a network's depth, "layers with weights" (conv, fc).
    counts_toward_depth: ClassVar[bool] = False
    #: Drops the residual branch it ends while training, with probability ``p`` (stochastic depth).
    drops_branch: ClassVar[bool] = False
    #: The labels :meth:`other_ops` returns, each with what it counts (docs/conventions.md).
    other_op_labels: ClassVar[dict[str, str]] = {}
    #: "params" and/or "macs" when the type never has them; otherwise it must override
    #: :meth:`param_counts` / :meth:`macs` (never count an unknown as zero).
    free_of: ClassVar[frozenset] = frozenset()
    #: Keys naming another layer whose output *shape* this layer reads (``like: LAYER``); the spec
    #: compiler adds that layer as a further input after the data input(s).
    reference_keys: ClassVar[tuple[str, ...]] = ()
    #: Set on the classes rank-checking aliases stand for: the accepted spatial ranks and the alias.
    spatial_ranks: ClassVar[tuple[int, ...] | None] = None
    written_as: ClassVar[str] = ""

    def __init__(self, **values):
        for name, key in self.keys.items():
            value = values.get(name, key.default)
            setattr(self, name, value)
        self.settings = {name: getattr(self, name) for name in self.keys}

    # ---- rules; every one takes a list of input shapes (tuples of arrays) ----
    def output_shape(self, inputs: list[Shape]) -> Shape:
        raise NotImplementedError

    def param_counts(self, inputs: list[Shape]) -> ParamCounts:
        """Only for types that declare ``free_of = {"params", …}``."""
        return ParamCounts()

    def macs(self, inputs: list[Shape], output: Shape):
        """Only for types that declare ``free_of = {"macs", …}``."""
        return 0

    def other_ops(self, inputs: list[Shape], output: Shape) -> dict:
        return {}

    def window(self, inputs: list[Shape]) -> Window | None:
        """The sliding window for the receptive-field walk; None for element-wise layers."""
        return None

    def describe(self, dims: int | None = None) -> str:
        """A few words for the table's 'kernel' column, e.g. '3×3 s1 p1', for an input with ``dims``
        spatial dimensions (None when not known)."""
        return ""

    def references(self) -> int:
        """How many of the inputs are shape references (the last ones), not data."""
        return sum(getattr(self, key) is not None for key in self.reference_keys)

    def check_rank(self, inputs: list[Shape]) -> None:
        """A rank-checking alias (conv3d) refuses an input of another rank."""
        if self.spatial_ranks is None or not inputs:
            return
        shape = inputs[0]
        if len(shape) - 1 not in self.spatial_ranks:
            expected = " or ".join(SHAPE_WORDS[rank + 1] for rank in self.spatial_ranks)
            raise rule_error("E305", f"{self.written_as} expects {expected}, but received {show_shape(shape)}")

    # ---- forward pass (archcalc verify): concrete NumPy arrays, batch first ----
    def init_params(self, input_shapes: list[tuple], rng) -> dict:
        """Random float32 parameter and buffer arrays for concrete per-sample input shapes.

        Their sizes must add up to what :meth:`param_counts` says (trainable + buffers).
        """
        return {}

    def forward(self, inputs: list, params: dict):
        """Run the layer on float32 arrays (N, C, *spatial) or (N, F).

        Returns ``(output, macs)`` where ``macs`` is the multiply-accumulates actually executed.
        A layer type without a forward is an explicit error, never a silent pass-through.
        """
        raise ArchcalcError("E201", f"layer type '{self.type_name}' has no forward implementation")

    def __repr__(self) -> str:
        return f"{self.type_name}({', '.join(f'{k}={v!r}' for k, v in self.settings.items())})"

    # ---- training memory (archcalc memory) ----
    def saved_for_backward(self, inputs: list[Shape], output: Shape, in_place: bool = False) -> list | None:
        """What autograd keeps for this layer's backward: a list of :class:`archcalc.backward.Saved`.

        ``in_place`` asks for the variant that overwrites its input; a layer without one returns
        None. A layer type that does not say is an error, never "keeps nothing".
        """
        raise ArchcalcError("E210", f"layer type '{self.type_name}' does not say what it keeps for backward, "
                                    f"so its training memory is unknown")


REGISTRY: dict[str, type[Layer]] = {}
ALIASES: dict[str, str] = {}
#: Every accepted name, normalised (:func:`name_key`), to the class it stands for.
_BY_NAME: dict[str, type[Layer]] = {}


def name_key(name: str) -> str:
    """How names are compared: without case and underscores (Conv2d == conv_2d == conv2d)."""
    return name.lower().replace("_", "")


def _check_rules(cls: type[Layer]) -> None:
    for fact, rule in (("params", "param_counts"), ("macs", "macs")):
        overridden = getattr(cls, rule) is not getattr(Layer, rule)
        if overridden and fact in cls.free_of:
            raise TypeError(f"layer type {cls.type_name!r} overrides {rule}() and also lists {fact!r} in free_of")
        if not overridden and fact not in cls.free_of:
            raise TypeError(f"layer type {cls.type_name!r} neither overrides {rule}() nor lists {fact!r} in "
                            f"free_of: state its {fact} rule, or declare that it has none")
    if "dims" not in inspect.signature(cls.describe).parameters:
        raise TypeError(f"layer type {cls.type_name!r}: describe() must take dims (the input's spatial rank)")
    known = other_op_labels()
    for label, description in cls.other_op_labels.items():
        if known.get(label, description) != description:
            raise TypeError(f"layer type {cls.type_name!r} describes other op {label!r} differently from "
                            f"another type: {description!r} vs {known[label]!r}")


def register(cls: type[Layer]) -> type[Layer]:
    """Class decorator: make a layer type known to the spec language by its name and aliases.

    Refuses a class that neither states its parameter and MAC rules nor declares itself free of
    them, a name already taken (case and underscores ignored) and other-op labels that disagree.
    """
    _check_rules(cls)
    entries = {cls.type_name: cls, **{alias: cls for alias in cls.aliases}}
    for alias, ranks in cls.rank_aliases.items():
        entries[alias] = type(cls.__name__, (cls,), {"spatial_ranks": ranks, "written_as": alias,
                                                     "__doc__": cls.__doc__, "__module__": cls.__module__})
    for name in entries:
        if name_key(name) in _BY_NAME or sum(name_key(n) == name_key(name) for n in entries) > 1:
            raise RuntimeError(f"layer type name {name!r} registered twice")
    REGISTRY[cls.type_name] = cls
    for name, target in entries.items():
        _BY_NAME[name_key(name)] = target
        if name != cls.type_name:
            ALIASES[name] = cls.type_name
    return cls


def lookup(name: str) -> type[Layer] | None:
    """The class a name written in a spec stands for (case and underscores ignored), or None."""
    return _BY_NAME.get(name_key(name))


def other_op_labels() -> dict[str, str]:
    """Every other-op label the registered types produce, with what it counts."""
    labels: dict[str, str] = {}
    for cls in REGISTRY.values():
        for label, description in cls.other_op_labels.items():
            labels.setdefault(label, description)
    return labels
