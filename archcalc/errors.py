"""Errors a user can cause, each with a stable code and, where known, the YAML location.

Rules (shape arithmetic, parameter counts) raise :class:`ArchcalcError` without a location;
the graph walker adds the layer name and the file:line:column on the way out, so a rule never
needs to know where its layer was written.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Every error code archcalc emits, with what it means. Codes are stable: CI logs and
#: editors may match on them. E1xx file and YAML syntax, E2xx spec schema, E3xx shape
#: arithmetic, E4xx graph structure, E5xx expectations and budgets.
ERROR_CODES: dict[str, str] = {
    "E101": "YAML syntax error (includes tabs used for indentation)",
    "E102": "duplicate key in a mapping (YAML would silently keep the last one)",
    "E103": "file is not valid UTF-8",
    "E104": "file or directory cannot be read",
    "E105": "file is empty or holds no mapping",
    "E106": "document too large (size limit, alias expansion or nesting depth)",
    "E107": "YAML tag not allowed (only plain data is loaded)",
    "E108": "not an ONNX model, or a corrupt or truncated one (the ONNX checker or shape inference rejects it)",
    "E109": "an optional dependency is not installed (e.g. onnx for .onnx files)",
    "E110": "an imported graph's shape disagrees with ONNX's shape inference",
    "E201": "unknown layer type or block",
    "E202": "unknown key",
    "E203": "value has the wrong type or is out of range",
    "E204": "required key is missing",
    "E205": "expression cannot be evaluated",
    "E210": "layer type has no training-memory rule (what it keeps for backward)",
    "E301": "output size is not an integer",
    "E302": "output size is zero or negative (window larger than the padded input)",
    "E303": "input shapes do not fit together (concat, add, multiply)",
    "E304": "channels are not divisible by groups",
    "E305": "layer received a tensor of the wrong rank (e.g. fc on C×H×W without flatten)",
    "E306": "a count would overflow a 64-bit integer",
    "E401": "reference to an undefined layer",
    "E402": "reference to a layer defined later (the graph must be acyclic)",
    "E403": "block uses itself (recursive blocks are not allowed)",
    "E404": "block arguments do not match its parameters",
    "E405": "layer takes a different number of inputs",
    "E406": "two layers have the same name",
    "E407": "specs include each other in a cycle",
    "E408": "a block name is defined twice (by an include)",
    "W401": "layer output is never used",
    "E501": "pinned expectation does not hold",
    "E502": "budget exceeded",
    "E503": "result drifted from the baseline",
    "E504": "usage error",
}


@dataclass(frozen=True)
class Location:
    """A 1-based position in a spec file."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class ArchcalcError(Exception):
    """A problem in the user's input: reported as one line, exit code 2, no traceback."""

    def __init__(self, code: str, message: str, location: Location | None = None,
                 layer: str | None = None, severity: str = "error"):
        super().__init__(message)
        self.code = code
        self.message = message
        self.location = location
        self.layer = layer
        self.severity = severity

    def located(self, location: Location | None, layer: str | None = None) -> "ArchcalcError":
        """Fill in location and layer name where the raiser did not know them."""
        if self.location is None and location is not None:
            self.location = location
        if self.layer is None and layer is not None:
            self.layer = layer
        return self

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        layer = f"{self.layer}: " if self.layer else ""
        return f"{where}{self.severity}[{self.code}]: {layer}{self.message}"


#: Independent errors of one spec shown at most; the rest are counted ("… and 3 more").
MAX_REPORTED_ERRORS = 20


class ArchcalcErrors(ArchcalcError):
    """Several independent errors found in one pass over a spec, reported together as a linter
    does; behaves as the first one where a single error is expected."""

    def __init__(self, errors: list[ArchcalcError]):
        first = errors[0]
        super().__init__(first.code, first.message, first.location, first.layer, first.severity)
        self.errors = list(errors)

    def located(self, location: Location | None, layer: str | None = None) -> "ArchcalcErrors":
        for error in self.errors:
            error.located(location, layer)
        return self

    def __str__(self) -> str:
        lines = [str(error) for error in self.errors[:MAX_REPORTED_ERRORS]]
        if len(self.errors) > MAX_REPORTED_ERRORS:
            lines.append(f"… and {len(self.errors) - MAX_REPORTED_ERRORS} more")
        return "\n".join(lines)


def each_error(error: ArchcalcError) -> list[ArchcalcError]:
    """The errors inside ``error`` (one, or several found in one pass)."""
    return list(getattr(error, "errors", [error]))


@dataclass(frozen=True)
class Problem:
    """A reported finding (error, warning or failed check) as plain data, for reporters."""

    code: str
    message: str
    location: Location | None = None
    layer: str | None = None
    severity: str = "error"

    @classmethod
    def from_error(cls, error: ArchcalcError) -> "Problem":
        return cls(error.code, error.message, error.location, error.layer, error.severity)


def did_you_mean(word: str, choices) -> str:
    """' (did you mean 'conv'?)' when a close match exists, else ''."""
    import difflib

    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""
