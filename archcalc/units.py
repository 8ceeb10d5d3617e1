"""Human units: formatting counts and bytes for tables, parsing budgets like 25M or 100MiB.

Decimal prefixes (K = 1,000) are the default, as in the lecture tables; binary prefixes
(KiB = 1,024) on request. JSON and CSV never use these: they carry exact integers.
"""

from __future__ import annotations

import re

DECIMAL = (("T", 10**12), ("G", 10**9), ("M", 10**6), ("K", 10**3))
BINARY = (("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10))


def human(value: int | float, binary: bool = False, suffix: str = "") -> str:
    """Three significant digits with a prefix: 138357544 -> '138M', 60950432 B -> '61.0M'.

    >>> human(15_470_264_320)
    '15.5G'
    >>> human(60_950_432, binary=True, suffix="B")
    '58.1MiB'
    """
    value = int(value) if float(value).is_integer() else float(value)
    for prefix, scale in (BINARY if binary else DECIMAL):
        if abs(value) >= scale:
            scaled = value / scale
            digits = 0 if abs(scaled) >= 100 else 1 if abs(scaled) >= 10 else 2
            if prefix == "K" and suffix:  # SI: kB for 1,000 bytes, KiB for 1,024
                prefix = "k"
            return f"{scaled:.{digits}f}{prefix}{suffix}"
    return f"{value:,}{suffix}" if isinstance(value, int) else f"{value:.3g}{suffix}"


def exact(value: int) -> str:
    """Thousands-separated integer, as the lecture tables print weight counts."""
    return f"{int(value):,}"


_QUANTITY = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([KMGT]i?)?\s*(B)?\s*$", re.IGNORECASE)


def parse_quantity(text: str) -> int:
    """Parse '25M', '4G', '100MiB', '1.5GB', '138357544' into an integer.

    >>> parse_quantity("100MiB")
    104857600
    """
    match = _QUANTITY.match(str(text))
    if not match:
        raise ValueError(f"expected a number with an optional unit such as 25M, 4G or 100MiB, got {text!r}")
    number, prefix, _ = match.groups()
    scale = 1
    if prefix:
        table = dict(BINARY) if prefix.lower().endswith("i") else dict(DECIMAL)
        key = prefix[0].upper() + ("i" if prefix.lower().endswith("i") else "")
        scale = table[key]
    return int(round(float(number) * scale))
