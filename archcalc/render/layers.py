"""'archcalc layers': the registry, documented from the layer classes themselves."""

from __future__ import annotations

import inspect
import re

from ..errors import ArchcalcError, did_you_mean
from ..layers import ALIASES, REGISTRY, lookup
from ..layers.base import REQUIRED


def plain(text: str) -> str:
    """Docstring text for a terminal: ``code`` marks dropped."""
    return re.sub(r"``([^`]*)``", r"\1", text)


def yaml_value(value) -> str:
    """A default as a spec would write it: 1 for (1, 1), [1, 2] for (1, 2), true, null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        if value and all(v == value[0] for v in value):
            return yaml_value(value[0])
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    return str(value)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def layer_help(name: str | None = None) -> str:
    if name is None:
        lines = ["Layer types (archcalc layers NAME for details):", ""]
        by_family: dict[str, list] = {}
        for cls in REGISTRY.values():
            by_family.setdefault(cls.family, []).append(cls)
        for family, classes in by_family.items():
            lines.append(f"{family}:")
            for cls in classes:
                summary = plain(inspect.getdoc(cls).splitlines()[0]) if cls.__doc__ else ""
                aliases = f" (also: {', '.join(cls.aliases)})" if cls.aliases else ""
                lines.append(f"  {cls.type_name:<16} {summary}{aliases}")
            lines.append("")
        lines.append("Every layer also takes: name, repeat, index, from, if. "
                     "concat/add/mul also take a list of branches.")
        return "\n".join(lines)
    cls = lookup(name)
    if cls is None:
        raise ArchcalcError("E201", f"unknown layer type '{name}'{did_you_mean(name, list(REGISTRY) + list(ALIASES))}")
    lines = [f"{cls.type_name}" + (f" (also: {', '.join(cls.aliases)})" if cls.aliases else ""), "",
             plain(inspect.getdoc(cls) or ""), "", "Keys:"]
    if not cls.keys:
        lines.append("  (none)")
    for key, spec in cls.keys.items():
        default = "required" if spec.default is REQUIRED else f"default {yaml_value(spec.default)}"
        kind = plain((spec.kind.__doc__ or "").strip())
        lines.append(f"  {key:<18} {plain(spec.doc)} — {kind}; {default}")
    lines.append(f"\nOutput memory: {cls.storage}")
    return "\n".join(lines)
