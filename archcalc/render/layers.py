"""'archcalc layers': the registry, documented from the layer classes themselves."""

from __future__ import annotations

import inspect
import re

from ..errors import ArchcalcError, did_you_mean
from ..layers import ALIASES, REGISTRY, lookup
from ..layers.base import REQUIRED
from .layout import wrap_line, wrap_lines


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


def layer_help(name: str | None = None, width: int | None = None) -> str:
    """The registry (``name`` None) or one layer type's documentation, wrapped at ``width`` (None:
    lines as written)."""
    if name is None:
        lines = ["Layer types (archcalc layers NAME for details):", ""]
        by_family: dict[str, list] = {}
        for cls in REGISTRY.values():
            by_family.setdefault(cls.family, []).append(cls)
        for family, classes in by_family.items():
            lines.append(f"{family}:")
            for cls in classes:
                summary = plain(inspect.getdoc(cls).splitlines()[0]) if cls.__doc__ else ""
                names = (*cls.aliases, *cls.rank_aliases)
                aliases = f" (also: {', '.join(names)})" if names else ""
                lines += wrap_line(f"  {cls.type_name:<16} {summary}{aliases}", width, " " * 19)
            lines.append("")
        joins = "/".join(name for name, cls in REGISTRY.items() if cls.joins)
        lines += wrap_line(f"Every layer also takes: name, repeat, index, from, if, output. "
                           f"{joins} also take a list of branches.", width)
        return "\n".join(lines)
    cls = lookup(name)
    if cls is None:
        raise ArchcalcError("E201", f"unknown layer type '{name}'{did_you_mean(name, list(REGISTRY) + list(ALIASES))}")
    names = (*cls.aliases, *cls.rank_aliases)
    lines = [f"{cls.type_name}" + (f" (also: {', '.join(names)})" if names else ""), "",
             wrap_lines(plain(inspect.getdoc(cls) or ""), width), "", "Keys:"]
    if not cls.keys:
        lines.append("  (none)")
    for key, spec in cls.keys.items():
        default = "required" if spec.default is REQUIRED else f"default {yaml_value(spec.default)}"
        kind = plain((spec.kind.__doc__ or "").strip())
        lines += wrap_line(f"  {key:<18} {plain(spec.doc)} — {kind}; {default}", width, " " * 21)
    lines.append(f"\nOutput memory: {cls.storage}")
    return "\n".join(lines)


def layer_types_markdown() -> str:
    """The table of layer types in docs/spec-format.md, generated from the registry (a test keeps
    the document current): type, other accepted names, keys, and the first line of its docs."""
    lines = ["| type | also accepted | keys | what it is |", "|---|---|---|---|"]
    for cls in sorted(REGISTRY.values(), key=lambda c: (c.family, c.type_name)):
        names = [*cls.aliases, *cls.rank_aliases]
        paragraph = inspect.getdoc(cls).split("\n\n")[0].replace("\n", " ") if cls.__doc__ else ""
        summary = re.split(r"(?<=\.)\s", paragraph, maxsplit=1)[0]   # its first sentence
        lines.append(f"| `{cls.type_name}` | {', '.join(f'`{n}`' for n in names)} | "
                     f"{', '.join(f'`{k}`' for k in cls.keys)} | {summary.replace('|', '∣')} |")
    return "\n".join(lines) + "\n"
