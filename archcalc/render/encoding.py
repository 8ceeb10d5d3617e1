"""Output on a stream that cannot encode Unicode (``PYTHONIOENCODING=ascii``, a cp1252 redirect):
the few non-ASCII characters archcalc prints get ASCII stand-ins (``x`` for ``×``) instead of a
UnicodeEncodeError; rich draws its tables with ASCII rules on such a stream by itself."""

from __future__ import annotations

import codecs

#: Stand-ins for the characters archcalc's own text uses; anything else becomes '?'.
ASCII_STANDINS = {
    "×": "x", "—": "-", "–": "-", "…": "...", "✓": "ok", "✗": "X", "²": "^2", "³": "^3", "→": "->",
    "≈": "~", "±": "+/-", "≤": "<=", "≥": ">=", "·": "*", "“": '"', "”": '"', "‘": "'", "’": "'",
    "─": "-", "━": "=", "│": "|", "\u00a0": " ",
}
ERROR_HANDLER = "archcalc-ascii"


def _standins(error: UnicodeEncodeError):
    text = error.object[error.start:error.end]
    return "".join(ASCII_STANDINS.get(char, "?") for char in text), error.end


codecs.register_error(ERROR_HANDLER, _standins)


def fall_back_to_ascii(stream) -> bool:
    """Make ``stream`` write stand-ins for what its encoding cannot hold; True when it had to."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        "".join(ASCII_STANDINS).encode(encoding)
        return False
    except (UnicodeEncodeError, LookupError):
        pass
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors=ERROR_HANDLER)
            return True
        except (ValueError, TypeError, AttributeError):
            pass
    return False
