"""'archcalc layers': the registry, documented from the layer classes themselves."""

from __future__ import annotations

import inspect

from ..errors import ArchcalcError, did_you_mean
from ..layers import ALIASES, REGISTRY, lookup
from ..layers.base import REQUIRED


def layer_help(name: str | None = None) -> str:
    if name is None:
        lines = ["Layer types (archcalc layers NAME for details):", ""]
        by_family: dict[str, list] = {}
        for cls in REGISTRY.values():
            by_family.setdefault(cls.family, []).append(cls)
        for family, classes in by_family.items():
            lines.append(f"{family}:")
            for cls in classes:
                summary = inspect.getdoc(cls).splitlines()[0] if cls.__doc__ else ""
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
             inspect.getdoc(cls) or "", "", "Keys:"]
    if not cls.keys:
        lines.append("  (none)")
    for key, spec in cls.keys.items():
        default = "required" if spec.default is REQUIRED else f"default {spec.default!r}"
        kind = (spec.kind.__doc__ or "").strip()
        lines.append(f"  {key:<18} {spec.doc} — {kind}; {default}")
    lines.append(f"\nOutput memory: {cls.storage}")
    return "\n".join(lines)
