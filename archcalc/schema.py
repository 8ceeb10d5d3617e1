"""JSON Schema of the spec language, for editors (``archcalc schema > archcalc.schema.json``).

Generated, never hand-written per layer: each layer type's keys, their kinds and docs come from
the registered classes (:mod:`archcalc.layers.base` ``Key`` and the kinds' ``json_schema``);
the document structure comes from :mod:`archcalc.spec` and the ``expect:`` block from
:mod:`archcalc.check`. The schema helps an editor complete and flag values early; ``archcalc
check`` remains the judge (it knows blocks, expressions and shapes, which a schema cannot).
"""

from __future__ import annotations

import inspect

from .counting import CALLS
from . import check, spec
from .layers import ALIASES, REGISTRY
from .spec import ENTRY_KEYS
from .layers.base import REQUIRED

DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: Any value may be written as a ``${...}`` expression instead.
EXPRESSION = {"type": "string", "pattern": r"\$\{", "description": "a ${...} expression"}
QUANTITY = {"type": "string", "pattern": r"^\s*[0-9]*\.?[0-9]+([eE][+-]?[0-9]+)?\s*([KMGTkmgt][iI]?)?\s*[bB]?\s*$",
            "description": "a count with an optional unit: 25M, 4G, 100MiB, 1.5GB"}
_ENTRY_KEY_SCHEMAS = {
    "name": {"type": ["string", "integer"], "description": "layer name (default: type and a counter, e.g. conv3)"},
    "repeat": {"anyOf": [{"type": "integer", "minimum": 0}, EXPRESSION],
               "description": "repeat this entry; the index is 'i' (or the name given by 'index')"},
    "index": {"type": "string", "description": "name of the repeat index variable (default i)"},
    "from": {"anyOf": [{"type": ["string", "integer"]}, {"type": "array", "items": {"type": ["string", "integer"]}}],
             "description": "input layer(s) by name; 'input' is the network's or block's input"},
    "if": {"description": "include this entry only when the value (usually an expression) is true"},
    "output": {"anyOf": [{"type": "boolean"}, EXPRESSION],
               "description": "true: this layer is one of the network's outputs (kept to the end, never unused)"},
    "call": {"anyOf": [{"enum": list(CALLS)}, EXPRESSION],
             "description": "how the reference PyTorch code calls this layer (nn.Module, torch.nn.functional, "
                            "a tensor method, an operator, a subclass of the nn.Module): what module-hooking "
                            "counting tools see"},
    "train_only": {"anyOf": [{"type": "boolean"}, EXPRESSION],
                   "description": "a branch that runs only while training (auxiliary head): parameters always "
                                  "count, operations and memory only with --mode train"},
}
#: In the compiler's order; a key the compiler accepts without a schema here fails at import.
ENTRY_KEY_SCHEMAS = {key: _ENTRY_KEY_SCHEMAS[key] for key in ENTRY_KEYS}


def _doc(cls) -> str:
    return inspect.getdoc(cls) or ""


def key_schema(key) -> dict:
    """One layer key: its kind's schema (or an expression), its doc and default."""
    kind = getattr(key.kind, "json_schema", None)
    description = f"{key.doc} — {(key.kind.__doc__ or 'any value').strip()}"
    description += "; required" if key.default is REQUIRED else f"; default {key.default!r}"
    schema = {"description": description}
    if kind is not None:
        schema["anyOf"] = [kind, EXPRESSION]
    return schema


def keys_schema(cls) -> dict:
    """A mapping of a layer type's own keys (as under ``defaults:``)."""
    return {"type": "object", "properties": {name: key_schema(key) for name, key in cls.keys.items()},
            "additionalProperties": False}


def settings_schema(cls) -> dict:
    """What may follow a layer type's name: null, a mapping of its keys, or (joins) a list of branches."""
    properties = {name: {"$ref": f"#/$defs/keys.{cls.type_name}/properties/{name}"} for name in cls.keys}
    properties.update(ENTRY_KEY_SCHEMAS)
    options = [{"type": "null"},
               {"type": "object", "properties": properties, "additionalProperties": False}]
    if cls.joins:
        options.append({"type": "array", "description": "parallel branches, each a list of layers ([] = the input)",
                        "items": {"anyOf": [{"$ref": "#/$defs/layers"}, {"type": "null"}]}})
    return {"description": _doc(cls).split("\n\n")[0], "anyOf": options}


def layer_types() -> dict[str, type]:
    """Every name the spec language accepts for a layer type: names and aliases."""
    names = {name: cls for name, cls in REGISTRY.items()}
    names.update({alias: REGISTRY[target] for alias, target in ALIASES.items()})
    return names


def entry_schema() -> dict:
    properties = {name: {"$ref": f"#/$defs/layer.{cls.type_name}"} for name, cls in layer_types().items()}
    properties[spec.GROUP] = {"description": "a group of layers, to repeat them together",
                              "$ref": "#/$defs/layers"}
    properties.update(ENTRY_KEY_SCHEMAS)
    return {
        "anyOf": [
            {"type": "string", "description": "a layer type without settings (relu) or a block without arguments",
             "examples": sorted(layer_types())},
            {"type": "object", "minProperties": 1, "properties": properties,
             "additionalProperties": {"description": "a block defined under 'blocks:', with its arguments",
                                      "type": ["object", "null"]}},
        ],
    }


def defaults_schema() -> dict:
    per_type = {name: {"$ref": f"#/$defs/keys.{cls.type_name}"} for name, cls in layer_types().items() if cls.keys}
    return {"type": "object", "properties": per_type,
            "description": "per layer type ({conv: {bias: false}}) or for any type that has the key"}


def expect_schema() -> dict:
    count = {"anyOf": [
        {"type": "integer", "minimum": 0}, QUANTITY,
        {"type": "object", "additionalProperties": False, "properties": {
            "value": {"anyOf": [{"type": "integer", "minimum": 0}, QUANTITY]},
            "tolerance": {"anyOf": [{"type": "number", "minimum": 0}, QUANTITY,
                                    {"type": "string", "pattern": r"^\s*[0-9]*\.?[0-9]+\s*%\s*$"}]},
            "min": {"anyOf": [{"type": "integer", "minimum": 0}, QUANTITY]},
            "max": {"anyOf": [{"type": "integer", "minimum": 0}, QUANTITY]},
        }},
    ]}
    shape = {"anyOf": [{"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1},
                       {"type": "integer", "minimum": 1}, {"type": "string", "pattern": r"^[0-9]+([x×][0-9]+)*$"}],
             "description": "output shape: [96, 55, 55], 96x55x55 or 1000"}
    totals = {key: dict(count, description=doc) for key, doc in check.TOTAL_KEYS.items()}
    layer = {key: dict(count, description=doc) for key, doc in check.LAYER_KEYS.items()}
    layer[check.SHAPE_KEY] = shape
    return {"type": "object", "additionalProperties": False,
            "description": "pinned numbers, checked by 'archcalc check' (docs/cli.md)",
            "properties": {**totals, check.SHAPE_KEY: shape,
                           "layers": {"type": "object", "description": "per layer, by name",
                                      "additionalProperties": {"type": "object", "properties": layer,
                                                               "additionalProperties": False}}}}


def include_schema() -> dict:
    """``include:``: spec names or relative paths, alone or mapped to the block names wanted."""
    source = {"type": "string", "description": "a shipped spec's name (mobilenet_v3) or a relative path to a YAML file"}
    selection = {"type": "object", "additionalProperties": {"anyOf": [
        {"type": "array", "items": {"type": "string"}}, {"type": "null"}]},
        "description": "spec name or path → the blocks wanted (null: all)"}
    return {"anyOf": [source, selection, {"type": "array", "items": {"anyOf": [source, selection]}}],
            "description": "blocks from other specs, used as if written here (docs/spec-format.md)"}


def spec_schema() -> dict:
    """The whole document: top-level keys, variants, blocks, layers and expect."""
    text = {"type": "string"}
    shape = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "integer", "minimum": 1}},
                       {"type": "integer", "minimum": 1}],
             "description": "input shape: 3x224x224, [3, 224, 224], or a number of features"}
    percent = {"type": "number", "exclusiveMinimum": 0, "maximum": 100}
    accuracy = {"type": "object", "additionalProperties": False, "required": ["top1", "source", "eval"],
                "description": "reported ImageNet-1K validation accuracy in percent, and where it was reported",
                "properties": {"top1": percent, "top5": {"anyOf": [percent, {"type": "null"}]},
                               "source": text, "eval": text}}
    common = {
        "$schema": {"type": "string", "description": "this schema, for editors"},
        "name": {"type": ["string", "integer"]}, "title": text, "source": text, "description": text,
        "notes": {}, "metadata": {"type": ["object", "null"]}, "accuracy": accuracy, "input": shape,
        "rounding": {"enum": ["exact", "floor", "ceil"],
                     "description": "non-integer output sizes: error (exact), or floor/ceil as frameworks do"},
        "defaults": defaults_schema(), "vars": {"type": ["object", "null"]},
        "include": include_schema(),
        "blocks": {"type": "object", "additionalProperties": {"$ref": "#/$defs/block"}},
        "layers": {"$ref": "#/$defs/layers"}, "expect": {"$ref": "#/$defs/expect"},
        "variants": {"type": "object", "additionalProperties": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/variant"}]}},
    }
    assert set(common) == set(spec.TOP_KEYS), "schema and spec.TOP_KEYS disagree"
    return {
        "$schema": DIALECT,
        "title": "archcalc network spec",
        "description": "A CNN described for archcalc: an input shape and a list of layers (docs/cli.md).",
        "type": "object",
        "properties": common,
        "required": ["layers"],
        "additionalProperties": False,
        "$defs": {
            "layers": {"type": "array", "items": {"$ref": "#/$defs/entry"}},
            "entry": entry_schema(),
            "block": {"type": "object", "required": ["layers"], "additionalProperties": False, "properties": {
                "description": text, "layers": {"$ref": "#/$defs/layers"},
                "params": {"anyOf": [{"type": "object"}, {"type": "array", "items": {"type": "string"}}],
                           "description": "parameter names with defaults (null = required), or a list of names"}}},
            "variant": {"type": "object", "additionalProperties": False,
                        "properties": {k: common[k] for k in spec.VARIANT_KEYS}},
            "expect": expect_schema(),
            **{f"layer.{name}": settings_schema(cls) for name, cls in REGISTRY.items()},
            **{f"keys.{name}": keys_schema(cls) for name, cls in REGISTRY.items()},
        },
    }
