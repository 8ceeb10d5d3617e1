"""``archcalc check``: validate specs, then hold each model to its ``expect:`` block, to budgets
and to a committed baseline. Compute only: the result is a :class:`Report` of
:class:`~archcalc.errors.Problem` records; :mod:`archcalc.render.problems` turns it into text.

An ``expect:`` block pins numbers of the model at its own input (batch 1)::

    expect:
      params: 138357544                       # exact
      macs: {value: 15.47G, tolerance: 0.5%}  # relative tolerance (or an absolute one: 5M)
      activation_bytes: {max: 100MiB}          # bounds: min and/or max
      output: [1000]                           # or 1000, or "96x55x55"
      layers:
        conv1: {output: [96, 55, 55], params: 34944}

Counts accept human units (25M, 4G, 100MiB, 1.5GB; see :func:`archcalc.units.parse_quantity`).
A variant's ``expect`` adds to the file's top-level one; the same key in both: the variant's wins.

Exit codes: 0 all good; 1 a check failed (E501 expectation, E502 budget, E503 baseline drift,
or a warning under ``--strict``); 2 a spec is invalid or the command was misused.
"""

from __future__ import annotations

import errno
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import MAX_REPORTED_ERRORS, ArchcalcError, Location, Problem, did_you_mean, each_error
from .onnx_import import is_onnx_path, load_onnx_spec
from .pipeline import analyse_spec
from .spec import load_specs
from .units import human, parse_quantity
from .yamlsource import Mapping, read_text

#: Codes of failed checks (exit 1). Every other error means the input is invalid (exit 2).
FAILURE_CODES = frozenset({"E501", "E502", "E503"})

#: Totals an ``expect:`` block or a baseline may pin, with what each counts (docs/conventions.md).
TOTAL_KEYS: dict[str, str] = {
    "params": "trainable parameters (weights, biases, BatchNorm scale and shift)",
    "weights": "parameters without biases or normalisation",
    "buffers": "non-trainable buffers (BatchNorm running statistics)",
    "macs": "multiply-accumulates of conv and fc layers",
    "flops": "2 × MACs",
    "activations": "elements of all layer outputs, input included",
    "activation_bytes": "activations × bytes per element (fp32)",
    "peak_activation_bytes": "most activation bytes held at once in a freeing forward pass",
    "param_bytes": "(params + buffers) × bytes per element (fp32)",
}
#: Per-layer facts an ``expect: layers:`` entry may pin.
LAYER_KEYS: dict[str, str] = {
    "params": "trainable parameters of the layer",
    "weights": "weights of the layer without biases",
    "buffers": "non-trainable buffers of the layer",
    "macs": "multiply-accumulates of the layer",
    "activations": "elements the layer newly allocates",
}
SHAPE_KEY = "output"
COUNT_FORMS = ("value", "tolerance", "min", "max")
#: Budgets: command-line option name → total it limits.
BUDGETS: dict[str, str] = {
    "max_params": "params",
    "max_macs": "macs",
    "max_activation_bytes": "activation_bytes",
}
BASELINE_TOTALS = ("params", "weights", "buffers", "macs", "activations", "peak_activation_bytes")
BASELINE_VERSION = 1
SPEC_SUFFIXES = (".yaml", ".yml")


# ---- expectations: parsing with located errors ----

@dataclass(frozen=True)
class Expectation:
    """One pinned fact: ``path`` is ('params',) or ('layers', 'conv1', 'output')."""

    path: tuple
    location: Location
    shape: tuple | None = None          # for outputs
    value: int | None = None            # for counts
    tolerance: float = 0                # absolute, or relative when ``relative``
    relative: bool = False
    minimum: int | None = None
    maximum: int | None = None

    @property
    def label(self) -> str:
        if self.path[0] == "layers":
            return f"layer '{self.path[1]}' {self.path[2]}"
        return self.path[0]

    def holds(self, actual) -> bool:
        if self.shape is not None:
            return tuple(actual) == self.shape
        if self.minimum is not None and actual < self.minimum:
            return False
        if self.maximum is not None and actual > self.maximum:
            return False
        if self.value is None:
            return True
        allowed = self.tolerance * abs(self.value) if self.relative else self.tolerance
        return abs(actual - self.value) <= allowed

    def describe(self) -> str:
        """What was expected, as a user would write it: '15,470,000,000 ± 0.5%'."""
        if self.shape is not None:
            return show_shape(self.shape)
        parts = []
        if self.value is not None:
            text = f"{self.value:,}"
            if self.tolerance:
                text += f" ± {self.tolerance * 100:g}%" if self.relative else f" ± {self.tolerance:,g}"
            parts.append(text)
        if self.minimum is not None:
            parts.append(f"≥ {self.minimum:,}")
        if self.maximum is not None:
            parts.append(f"≤ {self.maximum:,}")
        return " and ".join(parts)


def show_shape(shape) -> str:
    return "×".join(str(d) for d in shape)


def _bad(message: str, location: Location, code: str = "E203") -> ArchcalcError:
    return ArchcalcError(code, message, location)


def _count(value, what: str, location: Location) -> int:
    """A count: an integer ≥ 0 or a quantity with a unit ('15.47G', '100MiB')."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _bad(f"{what}: expected a count such as 138357544, 25M or 100MiB, got {value!r}", location)
    if isinstance(value, float) and not value.is_integer():
        raise _bad(f"{what}: expected a whole count, got {value!r} (write 1.5M, not 1500000.5)", location)
    try:
        number = int(value) if not isinstance(value, str) else parse_quantity(value)
    except (ValueError, OverflowError) as error:
        raise _bad(f"{what}: {error}", location) from None
    if number < 0:
        raise _bad(f"{what}: expected a count ≥ 0, got {value!r}", location)
    if number >= 2**63:
        raise _bad(f"{what}: {value!r} is beyond 64-bit integers", location, "E306")
    return number


_PERCENT = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*%\s*$")


def _tolerance(value, what: str, location: Location) -> tuple[float, bool]:
    """'0.5%' → (0.005, relative); 5M or 1000 → (absolute, not relative)."""
    if isinstance(value, str):
        match = _PERCENT.match(value)
        if match:
            return float(match.group(1)) / 100, True
    return float(_count(value, f"{what} tolerance", location)), False


def _shape(value, what: str, location: Location) -> tuple:
    """[96, 55, 55], 1000 or '96x55x55'."""
    if isinstance(value, str):
        parts = value.lower().replace("×", "x").split("x")
    elif isinstance(value, list):
        parts = value
    else:
        parts = [value]
    try:
        if not parts or any(isinstance(p, bool) or isinstance(p, (list, dict, float)) for p in parts):
            raise ValueError
        shape = tuple(int(str(p).strip()) for p in parts)
        if any(d < 1 for d in shape):
            raise ValueError
    except ValueError:
        raise _bad(f"{what}: expected a shape such as [96, 55, 55], 96x55x55 or 1000, got {value!r}",
                   location) from None
    return shape


def _one(path: tuple, value, location: Location) -> Expectation:
    what = ".".join(map(str, ("expect",) + path))
    if path[-1] == SHAPE_KEY:
        return Expectation(path, location, shape=_shape(value, what, location))
    if not isinstance(value, dict):
        return Expectation(path, location, value=_count(value, what, location))
    for key in value:
        if key not in COUNT_FORMS:
            raise _bad(f"unknown key '{key}' in {what}{did_you_mean(key, COUNT_FORMS)}; "
                       f"keys: {', '.join(COUNT_FORMS)}", value.key_location(key), "E202")
    if not any(k in value for k in ("value", "min", "max")):
        raise _bad(f"{what} needs 'value' (with an optional 'tolerance'), 'min' or 'max'", location, "E204")
    if "tolerance" in value and "value" not in value:
        raise _bad(f"{what}: 'tolerance' needs a 'value'", value.key_location("tolerance"), "E204")
    number = _count(value["value"], what, value.value_location("value")) if "value" in value else None
    tolerance, relative = (_tolerance(value["tolerance"], what, value.value_location("tolerance"))
                           if "tolerance" in value else (0.0, False))
    low = _count(value["min"], f"{what}.min", value.value_location("min")) if "min" in value else None
    high = _count(value["max"], f"{what}.max", value.value_location("max")) if "max" in value else None
    if low is not None and high is not None and low > high:
        raise _bad(f"{what}: min {low:,} is larger than max {high:,}", value.key_location("min"))
    return Expectation(path, value.value_location("value") if "value" in value else location,
                       value=number, tolerance=tolerance, relative=relative, minimum=low, maximum=high)


def parse_expect(block, location: Location) -> dict[tuple, Expectation]:
    """An ``expect:`` mapping → expectations by path. Raises located E2xx errors."""
    if block is None:
        return {}
    if not isinstance(block, Mapping):
        raise _bad(f"expect must be a mapping such as {{params: 138357544, output: [1000]}}, got {block!r}",
                   location)
    result: dict[tuple, Expectation] = {}
    allowed = list(TOTAL_KEYS) + [SHAPE_KEY, "layers"]
    for key, value in block.items():
        where = block.value_location(key)
        if key == "layers":
            if not isinstance(value, Mapping):
                raise _bad("expect.layers must map layer names to {output: …, params: …}", where)
            for name, facts in value.items():
                facts_where = value.value_location(name)
                if not isinstance(facts, Mapping) or not facts:
                    raise _bad(f"expect.layers.{name} must be a mapping such as {{output: [96, 55, 55]}}",
                               facts_where)
                for fact, pinned in facts.items():
                    if fact not in LAYER_KEYS and fact != SHAPE_KEY:
                        choices = [SHAPE_KEY, *LAYER_KEYS]
                        raise _bad(f"unknown key '{fact}' in expect.layers.{name}{did_you_mean(fact, choices)}; "
                                   f"keys: {', '.join(choices)}", facts.key_location(fact), "E202")
                    path = ("layers", str(name), fact)
                    result[path] = _one(path, pinned, facts.value_location(fact))
        elif key in TOTAL_KEYS or key == SHAPE_KEY:
            result[(key,)] = _one((key,), value, where)
        else:
            raise _bad(f"unknown key '{key}' in expect{did_you_mean(key, allowed)}; keys: {', '.join(allowed)}",
                       block.key_location(key), "E202")
    return result


def expectations_of(spec) -> dict[tuple, Expectation]:
    """The file's top-level ``expect`` with the variant's on top (same path: the variant's wins)."""
    document, variant = spec.document, spec.variant
    merged = parse_expect(document.get("expect"), document.value_location("expect"))
    if variant is not None:
        merged.update(parse_expect(variant.get("expect"), variant.value_location("expect")))
    return merged


# ---- analysing one model ----

@dataclass
class ModelResult:
    """One model of a spec file: its numbers (when it compiled) and what was found."""

    name: str
    file: str
    location: Location
    totals: dict = field(default_factory=dict)
    output: tuple = ()
    rows: dict = field(default_factory=dict)         # layer name → engine Row (first configuration)
    problems: list = field(default_factory=list)

    @property
    def analysed(self) -> bool:
        return bool(self.totals)

    def layer(self, name: str) -> dict:
        """A layer's facts as plain ints: {"output": (…), "params": n, "weights", "buffers", "macs", "activations"}."""
        row = self.rows[name]
        return {"output": tuple(int(d[0]) for d in row.output_shape),
                "params": int(row.params.trainable[0]), "weights": int(row.params.weights[0]),
                "buffers": int(row.params.buffers[0]), "macs": int(row.macs[0]),
                "activations": int(row.activations[0])}

    def layer_location(self, name: str) -> Location:
        return self.rows[name].node.location if name in self.rows else self.location

    def facts(self) -> dict:
        """What a baseline records for this model."""
        layers = {}
        for name in self.rows:
            facts = self.layer(name)
            layers[name] = {"output": list(facts["output"]), "params": facts["params"], "macs": facts["macs"]}
        return {"totals": {k: self.totals[k] for k in BASELINE_TOTALS}, "output": list(self.output),
                "layers": layers}


def model_location(spec) -> Location:
    """Where a model is named: its key under ``variants``, else the file's ``name`` or first key."""
    document = spec.document
    variants = document.get("variants")
    if spec.variant is not None and isinstance(variants, Mapping):
        return variants.key_location(spec.name)
    if "name" in document:
        return document.key_location("name")
    return document.location


def analyse_model(spec) -> ModelResult:
    """Compile and analyse a model at its own input, batch 1; errors become problems."""
    result = ModelResult(spec.name, spec.file, model_location(spec))
    try:
        expectations = expectations_of(spec)
        analysed = analyse_spec(spec)
    except ArchcalcError as error:
        errors = each_error(error.located(result.location))
        result.problems += [Problem.from_error(e) for e in errors[:MAX_REPORTED_ERRORS]]
        if len(errors) > MAX_REPORTED_ERRORS:
            result.problems.append(Problem(errors[0].code, f"… and {len(errors) - MAX_REPORTED_ERRORS} more errors "
                                                           f"in {result.name}", result.location))
        return result
    result.problems += [Problem.from_error(w) for w in analysed.graph.warnings]
    result.totals = {k: int(v[0]) for k, v in analysed.totals.items()}
    result.output = tuple(int(d[0]) for d in analysed.rows[-1].output_shape)
    result.rows = {row.name: row for row in analysed.rows}
    result.problems += check_expectations(result, expectations)
    return result


def check_expectations(result: ModelResult, expectations: dict) -> list[Problem]:
    problems = []
    for path, expectation in expectations.items():
        if path[0] == "layers":
            name, fact = path[1], path[2]
            if name not in result.rows:
                problems.append(Problem("E401", f"expect.layers names '{name}', which {result.name} does not have"
                                                f"{did_you_mean(name, result.rows)}", expectation.location))
                continue
            actual = result.layer(name)[fact]
        else:
            actual = result.output if path[0] == SHAPE_KEY else result.totals[path[0]]
        if not expectation.holds(actual):
            problems.append(Problem("E501", f"{result.name}: {expectation.label} is {_show(actual)}, "
                                            f"expected {expectation.describe()}{_off_by(actual, expectation)}",
                                    expectation.location))
    return problems


def _show(value) -> str:
    return show_shape(value) if isinstance(value, tuple) else f"{value:,}"


def _off_by(actual, expectation: Expectation) -> str:
    if expectation.value is None or isinstance(actual, tuple):
        return ""
    difference = actual - expectation.value
    return f" (off by {difference:+,}{_percent(difference, expectation.value)})"


def _percent(difference: int, base: int) -> str:
    """', +0.003%' — left out when the base is 0 or the change is below 0.001%."""
    if not base or abs(difference / base) < 1e-5:
        return ""
    return f", {difference / base:+.3%}"


# ---- budgets ----

def check_budgets(result: ModelResult, budgets: dict[str, int]) -> list[Problem]:
    """``budgets`` maps a total ('params', 'macs', 'activation_bytes') to its limit."""
    problems = []
    option = {total: name for name, total in BUDGETS.items()}
    for total, limit in budgets.items():
        actual = result.totals[total]
        if actual > limit:
            ratio = f"{actual / limit:.2f}×" if limit else "∞×"
            problems.append(Problem(
                "E502", f"{result.name}: {total} {_amount(actual, total)} exceeds the budget "
                        f"--{option[total].replace('_', '-')} {_amount(limit, total)}, {ratio} the limit",
                result.location))
    return problems


def _amount(value: int, total: str) -> str:
    """Exact, then short: 15,470,264,320 (15.5G); bytes in binary units: 60,950,432 (58.1MiB)."""
    binary = total.endswith("bytes")
    short = human(value, binary, "B" if binary else "")
    exact = f"{value:,}"
    return exact if short.rstrip("B") == exact else f"{exact} ({short})"


# ---- baseline ----

def baseline_key(result: ModelResult) -> str:
    """'specs/vgg.yaml:vgg16', with the path relative to the working directory when inside it."""
    path = Path(result.file)
    try:
        path = path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        pass
    return f"{path.as_posix()}:{result.name}"


def read_baseline(path: str | Path) -> dict:
    path = Path(path)
    where = Location(str(path), 1, 1)
    try:
        if not path.is_file():
            raise ArchcalcError("E104", f"baseline {path} does not exist; create it with --update-baseline", where)
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ArchcalcError("E104", f"cannot read baseline {path}: {error}", where) from None
    except json.JSONDecodeError as error:
        raise ArchcalcError("E101", f"baseline is not valid JSON: {error.msg}",
                            Location(str(path), error.lineno, error.colno)) from None
    except RecursionError:
        raise ArchcalcError("E106", "baseline is nested too deeply to be one written by --update-baseline",
                            where) from None
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise ArchcalcError("E203", "baseline must be an object with 'models' (written by --update-baseline)", where)
    for key, entry in data["models"].items():
        layers = entry.get("layers", {}) if isinstance(entry, dict) else None
        if not (isinstance(entry, dict) and isinstance(entry.get("totals", {}), dict) and isinstance(layers, dict)
                and all(isinstance(facts, dict) for facts in layers.values())):
            raise ArchcalcError("E203", f"baseline entry '{key}' is malformed; rewrite it with --update-baseline", where)
    return data["models"]


def write_baseline(path: str | Path, models: dict) -> None:
    """JSON with one line per total and per layer, so a reviewer reads the change in a diff."""
    line = lambda value: json.dumps(value, ensure_ascii=False)
    entries = []
    for key, facts in sorted(models.items()):
        layers = ",\n".join(f"    {line(name)}: {line(layer)}" for name, layer in facts.get("layers", {}).items())
        entries.append(f"  {line(key)}: {{\n   \"totals\": {line(facts.get('totals', {}))},\n"
                       f"   \"output\": {line(facts.get('output'))},\n   \"layers\": {{\n{layers}\n   }}\n  }}")
    text = f"{{\n \"archcalc_baseline\": {BASELINE_VERSION},\n \"models\": {{\n" + ",\n".join(entries) + "\n }\n}\n"
    write_atomically(Path(path), text)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError as error:
        raise ArchcalcError("E104", f"cannot read {path}: {error.strerror or error}", Location(str(path), 1, 1)) \
            from None


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` all at once: a temporary file in the same directory, flushed
    to disk, then renamed over the old one. On any failure (a full disk, a read-only or missing
    directory) the old file is untouched and the error is a located E104."""
    where = Location(str(path), 1, 1)
    directory = path.parent if str(path.parent) else Path(".")
    temporary = None
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        else:
            os.chmod(temporary, 0o644)
        os.replace(temporary, path)
        temporary = None
    except OSError as error:
        raise ArchcalcError("E104", f"cannot write baseline {path}: {error.strerror or error}; "
                                    f"the previous baseline is unchanged", where) from None
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass


MAX_LAYER_DRIFTS = 10


def check_baseline(result: ModelResult, recorded: dict | None) -> list[Problem]:
    """One E503 per drifted total or layer, each pointing at the model or the layer's line."""
    if recorded is None:
        return [Problem("E503", f"{result.name} is not in the baseline; record it with --update-baseline",
                        result.location)]
    now = result.facts()
    problems = []
    for key in BASELINE_TOTALS:
        before, after = recorded.get("totals", {}).get(key), now["totals"][key]
        if before != after:
            problems.append(Problem("E503", f"{result.name}: {key} {_change(before, after)} since the baseline",
                                    result.location))
    if recorded.get("output") != now["output"]:
        problems.append(Problem("E503", f"{result.name}: output {_change(recorded.get('output'), now['output'])} "
                                        f"since the baseline", result.location))
    old_layers = recorded.get("layers", {})
    drifts = []
    for name, facts in now["layers"].items():
        before = old_layers.get(name)
        if before is None:
            drifts.append((name, "is new since the baseline"))
            continue
        changes = [f"{k} {_change(before.get(k), v)}" for k, v in facts.items() if before.get(k) != v]
        if changes:
            drifts.append((name, "; ".join(changes) + " since the baseline"))
    removed = [name for name in old_layers if name not in now["layers"]]
    for name, text in drifts[:MAX_LAYER_DRIFTS]:
        problems.append(Problem("E503", f"{result.name}: layer '{name}' {text}",
                                result.layer_location(name), name))
    if len(drifts) > MAX_LAYER_DRIFTS:
        problems.append(Problem("E503", f"{result.name}: {len(drifts) - MAX_LAYER_DRIFTS} more layers changed "
                                        f"since the baseline", result.location))
    if removed:
        shown = ", ".join(removed[:MAX_LAYER_DRIFTS]) + (" …" if len(removed) > MAX_LAYER_DRIFTS else "")
        problems.append(Problem("E503", f"{result.name}: {len(removed)} layer(s) removed since the baseline: "
                                        f"{shown}", result.location))
    return problems


def _change(before, after) -> str:
    """'138,357,544 → 138,361,640 (+4,096, +0.003%)' or '96×55×55 → 96×54×54'."""
    if isinstance(before, int) and isinstance(after, int) and not isinstance(before, bool):
        return f"{before:,} → {after:,} ({after - before:+,}{_percent(after - before, before)})"
    show = lambda v: show_shape(v) if isinstance(v, (list, tuple)) else "missing" if v is None else str(v)
    return f"{show(before)} → {show(after)}"


# ---- the whole run ----

@dataclass
class Report:
    """Everything ``archcalc check`` found: per file, per model, with the sources for quoting."""

    files: list = field(default_factory=list)
    models: list = field(default_factory=list)            # ModelResult
    file_problems: list = field(default_factory=list)     # problems not tied to one model
    sources: dict = field(default_factory=dict)           # file → text, to quote offending lines
    baseline_written: str | None = None

    @property
    def problems(self) -> list[Problem]:
        """All problems, each once (variants of one file share their layers and their errors)."""
        found, seen = [], set()
        for problem in self.file_problems + [p for m in self.models for p in m.problems]:
            key = (problem.code, problem.message, problem.location)
            if key not in seen:
                seen.add(key)
                found.append(problem)
        return found

    def exit_code(self, strict: bool = False) -> int:
        problems = self.problems
        errors = [p for p in problems if p.severity == "error"]
        if any(p.code not in FAILURE_CODES for p in errors):
            return 2
        if errors or (strict and problems):
            return 1
        return 0


def _walk_specs(root: Path, problems: list) -> list[Path]:
    """Spec files under ``root``, recursively. Everything that cannot be followed is a located
    E104 — a dangling or looping ``*.yaml`` symlink, an unreadable directory — never skipped in
    silence (a CI gate that skips a file it cannot read would say "ok")."""
    found = []

    def unreadable(error: OSError) -> None:
        where = error.filename or root
        problems.append(Problem("E104", f"cannot read directory {where}: {error.strerror or error}",
                                Location(str(where), 1, 1)))

    for directory, subdirectories, names in os.walk(root, onerror=unreadable):
        subdirectories.sort()
        for name in sorted(names):
            path = Path(directory) / name
            if path.suffix not in SPEC_SUFFIXES:
                continue
            try:
                path.stat()
            except OSError as error:
                reason = "a symlink loop" if error.errno == errno.ELOOP else \
                    "a dangling symlink" if path.is_symlink() else error.strerror or str(error)
                problems.append(Problem("E104", f"cannot read {path}: {reason}", Location(str(path), 1, 1)))
                continue
            if path.is_file():
                found.append(path)
    return found


def collect_files(paths) -> tuple[list[str], list[Problem]]:
    """Files named or found under directories (recursively, *.yaml and *.yml), in order, once each."""
    files, problems, seen = [], [], set()
    for text in paths:
        path = Path(text)
        where = Location(str(path), 1, 1)
        try:
            is_dir, exists = path.is_dir(), path.exists() or path.is_symlink()
        except OSError as error:
            problems.append(Problem("E104", f"cannot read {path}: {error.strerror or error}", where))
            continue
        if is_dir:
            before = len(problems)
            found = _walk_specs(path, problems)
            if not found and len(problems) == before:
                problems.append(Problem("E104", f"{path} holds no *.yaml or *.yml files", where))
        elif exists:
            found = [path]
        else:
            problems.append(Problem("E104", f"no such file or directory: {path}", where))
            continue
        for file in found:
            try:
                key = str(file.resolve()) if file.exists() else str(file)
            except OSError:
                key = str(file)
            if key not in seen:
                seen.add(key)
                files.append(str(file))
    return files, problems


def run(paths, budgets: dict[str, int] | None = None, baseline: str | None = None,
        update_baseline: str | None = None, onnx_input: tuple | None = None) -> Report:
    """Check every spec under ``paths``. ``baseline``: compare with that file;
    ``update_baseline``: (re)write that file with the numbers of every model that analysed;
    ``onnx_input``: the per-sample input of the .onnx files (a YAML spec pins its expectations at
    its own ``input:``, so it keeps it)."""
    report = Report()
    files, report.file_problems = collect_files(paths)
    report.files = files
    if onnx_input is not None and files and not any(is_onnx_path(file) for file in files):
        report.file_problems.append(Problem(
            "E504", f"--input {show_shape(onnx_input)} sets the input of .onnx files, and none is among the "
                    f"checked paths; a YAML spec is checked at its own input:"))
    recorded = None
    if baseline and not update_baseline:
        try:
            recorded = read_baseline(baseline)
        except ArchcalcError as error:
            report.file_problems.append(Problem.from_error(error))
    for file in files:
        try:
            if is_onnx_path(file):
                specs = [load_onnx_spec(file, onnx_input)]   # positions in its messages are those of 'archcalc import'
            else:
                text = read_text(file)
                report.sources[file] = text
                specs = load_specs(file, text)
        except ArchcalcError as error:
            report.file_problems.append(Problem.from_error(error))
            continue
        results = [analyse_model(spec) for spec in specs]
        for result in results:
            if result.analysed:
                result.problems += check_budgets(result, budgets or {})
                if recorded is not None:
                    result.problems += check_baseline(result, recorded.get(baseline_key(result)))
        if recorded is not None and results:
            report.file_problems += _removed_models(results, recorded)
        report.models += results
    if update_baseline:
        _update_baseline(report, update_baseline)
    return report


def _removed_models(results: list, recorded: dict) -> list[Problem]:
    """Models the baseline has for this file that the file no longer defines."""
    prefix = baseline_key(results[0]).rpartition(":")[0] + ":"
    names = {r.name for r in results}
    return [Problem("E503", f"{key.rpartition(':')[2]} is in the baseline but no longer in this file",
                    Location(results[0].file, 1, 1))
            for key in recorded if key.startswith(prefix) and key.rpartition(":")[2] not in names]


def _update_baseline(report: Report, path: str) -> None:
    """Refresh the entries of the models analysed now and drop models gone from the checked files;
    keep every other entry (other files, and models that failed to analyse this time)."""
    try:
        models = read_baseline(path) if _exists(Path(path)) else {}
    except ArchcalcError as error:
        report.file_problems.append(Problem.from_error(error))
        return
    present = {baseline_key(m): m for m in report.models}
    checked_files = {key.rpartition(":")[0] for key in present}
    models = {k: v for k, v in models.items()
              if k.rpartition(":")[0] not in checked_files or (k in present and not present[k].analysed)}
    for key, result in present.items():
        if result.analysed:
            models[key] = result.facts()
    try:
        write_baseline(path, models)
    except ArchcalcError as error:
        report.file_problems.append(Problem.from_error(error))
        return
    report.baseline_written = str(path)
