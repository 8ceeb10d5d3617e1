"""Fuzzing the whole check pipeline: whatever the text, the result is either a valid analysis or
located problems (ArchcalcError) — never any other exception, and every report renders.

Inputs: random YAML-ish text, and the shipped specs mutated (keys dropped, duplicated or renamed,
values replaced by random scalars and lists, lines deleted, duplicated or spliced with noise).
About 30 s in all; ``pytest --hypothesis-show-statistics`` shows how many cases ran, and
ARCHCALC_FUZZ_SCALE=10 runs ten times as many for a deeper search.
"""

from __future__ import annotations

import os
from pathlib import Path
import xml.etree.ElementTree as ET

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from archcalc.check import Report, analyse_model
from archcalc.errors import ArchcalcError, Problem
from archcalc.render.problems import render
from archcalc.spec import load_specs
from archcalc.zoo import specs_dir

SHIPPED = {path.name: path.read_text() for path in sorted(specs_dir().glob("*.yaml"))}


def fuzz(examples: int):
    examples = max(1, int(examples * float(os.environ.get("ARCHCALC_FUZZ_SCALE", "1"))))
    return settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                    phases=(Phase.explicit, Phase.generate, Phase.shrink))


def check_text(text: str) -> Report:
    """Everything ``archcalc check`` does with one file's text, asserting the fuzz property."""
    report = Report(files=["fuzz.yaml"], sources={"fuzz.yaml": text})
    try:
        specs = load_specs("fuzz.yaml", text)
    except ArchcalcError as error:
        report.file_problems.append(Problem.from_error(error))
        specs = []
    for spec in specs[:3]:
        report.models.append(analyse_model(spec))
    for problem in report.problems:
        assert problem.location is not None, problem
        # an error inside a block brought in by ``include:`` is located in the shipped file that holds it
        assert problem.location.file == "fuzz.yaml" or Path(problem.location.file).parent == specs_dir(), problem
        assert problem.location.line >= 1 and problem.location.column >= 1
    for fmt in ("human", "json", "github"):
        render(report, fmt)
    ET.fromstring(render(report, "junit"))
    return report


# ---- random values and text ----

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(["3", "same", "${i}", "${", "x", "", "conv", "1e9",
                                                                     "${2**64}", "${widths[9]}", "input", "3x0x0"]),
    st.text(max_size=8),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(["out", "kernel", "stride", "padding", "name", "from", "repeat", "if", "conv", "layers"]) | st.text(max_size=5),
    inner, max_size=4), max_leaves=12)
YAML_ALPHABET = st.sampled_from(list("abcx01239 :-[]{},&*!|>'\"#\n\t$%@`?~") + ["conv", "layers", "input", "${", "}"])


@fuzz(400)
@given(st.lists(YAML_ALPHABET, max_size=80).map("".join))
def test_random_text(text):
    check_text(text)


@fuzz(300)
@given(values)
def test_random_documents(document):
    check_text(yaml.safe_dump({"input": "3x16x16", "layers": document} if not isinstance(document, dict) else document))


# ---- mutated shipped specs ----

def _paths(node, prefix=()):
    """Every (container path, key or index) in plain YAML data."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield prefix, key
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield prefix, index
            yield from _paths(value, prefix + (index,))


def _at(node, path):
    for step in path:
        node = node[step]
    return node


@pytest.mark.slow  # 300 mutated shipped specs, each compiled
@fuzz(300)
@given(st.sampled_from(sorted(SHIPPED)), st.data())
def test_mutated_documents(name, data):
    document = yaml.safe_load(SHIPPED[name])
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        paths = list(_paths(document))
        container_path, key = data.draw(st.sampled_from(paths), label="where")
        container = _at(document, container_path)
        action = data.draw(st.sampled_from(["drop", "replace", "rename", "copy"]), label="action")
        if action == "drop":
            del container[key]
        elif action == "replace":
            container[key] = data.draw(values, label="value")
        elif action == "rename" and isinstance(container, dict):
            new = data.draw(st.sampled_from(["out", "kernel", "name", "from", "repeat", "params", "vars", "expect",
                                             "layers", "bogus", "seq", "concat", "add"]), label="new key")
            container[new] = container.pop(key)
        elif action == "copy" and isinstance(container, list):
            container.insert(key, container[key])
    check_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))


@pytest.mark.slow  # 300 mutated shipped specs, each compiled
@fuzz(300)
@given(st.sampled_from(sorted(SHIPPED)), st.data())
def test_mutated_text(name, data):
    lines = SHIPPED[name].splitlines()
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        if not lines:
            break
        at = data.draw(st.integers(0, len(lines) - 1), label="line")
        action = data.draw(st.sampled_from(["delete", "duplicate", "splice", "swap", "retype"]), label="action")
        if action == "delete":
            del lines[at]
        elif action == "duplicate":        # repeats a key (E102) or a layer
            lines.insert(at, lines[at])
        elif action == "splice":
            column = data.draw(st.integers(0, len(lines[at])), label="column")
            noise = data.draw(st.lists(YAML_ALPHABET, max_size=6).map("".join), label="noise")
            lines[at] = lines[at][:column] + noise + lines[at][column:]
        elif action == "swap":
            other = data.draw(st.integers(0, len(lines) - 1), label="other")
            lines[at], lines[other] = lines[other], lines[at]
        else:                               # a number or word replaced by another
            word = data.draw(st.sampled_from(["0", "-1", "3.5", "true", "'3'", "99999999999999999999", "[]", "{}",
                                              "null", "${x}", "relu", "7"]), label="word")
            tokens = lines[at].split(" ")
            tokens[data.draw(st.integers(0, len(tokens) - 1), label="token")] = word
            lines[at] = " ".join(tokens)
    check_text("\n".join(lines) + "\n")


def test_the_fuzz_harness_sees_errors_and_successes():
    """The property is not vacuous: a shipped spec analyses, a broken one reports a located error."""
    ok = check_text(SHIPPED["lenet5.yaml"])
    assert ok.models and ok.models[0].analysed and not ok.problems
    broken = check_text(SHIPPED["lenet5.yaml"].replace("kernel: 5}", "kernel: 50}", 1))
    assert [p.code for p in broken.problems] == ["E302"]
