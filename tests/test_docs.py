"""The documentation shows what the tool does: output blocks are produced by archcalc and compared
here (``pytest --update-golden`` rewrites them), and every YAML example is a complete spec that
compiles, analyses and passes its own ``expect:`` block. A block fenced as ``yaml fragment`` shows
one key on its own and is not run; CI configuration (docs/ci.md) is not a spec either.

An output block is a ``console`` fence right after a marker naming the command and, in
parentheses, environment settings:

    <!-- output: archcalc summary vgg16 (COLUMNS=80) -->
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: Files whose YAML blocks are not specs (CI and pre-commit configuration).
NOT_SPECS = {"ci.md"}
MARKER = re.compile(r"<!-- output: archcalc (?P<command>[^(>]*?)(?: \((?P<env>[^)]*)\))? -->\n```console\n"
                    r"(?P<shown>.*?)```", re.S)
YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.S)      # "```yaml fragment" does not match


def produced(command: str, env: str | None) -> str:
    settings = dict(item.split("=", 1) for item in (env or "").split()) or None
    result = CliRunner().invoke(main, shlex.split(command), env=settings, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return f"$ archcalc {command}\n{result.output}"


def outputs():
    for doc in DOCS:
        for match in MARKER.finditer(doc.read_text(encoding="utf-8")):
            yield pytest.param(doc, match.group("command"), match.group("env"),
                               id=f"{doc.name}: {match.group('command')}")


@pytest.mark.parametrize("doc, command, env", list(outputs()))
def test_shown_output_is_what_the_tool_prints(doc, command, env, update_golden):
    text = doc.read_text(encoding="utf-8")
    match = next(m for m in MARKER.finditer(text) if m.group("command") == command and m.group("env") == env)
    expected = produced(command, env)
    if update_golden:
        start, end = match.span("shown")
        doc.write_text(text[:start] + expected + text[end:], encoding="utf-8")
        return
    assert match.group("shown") == expected, f"{doc.name} is stale; run pytest --update-golden"


def test_the_readme_shows_output():
    assert len([p for p in outputs() if p.values[0].name == "README.md"]) >= 2


def examples():
    for doc in DOCS:
        if doc.name in NOT_SPECS:
            continue
        for position, block in enumerate(YAML_BLOCK.findall(doc.read_text(encoding="utf-8"))):
            yield pytest.param(block, id=f"{doc.name}[{position}]")


@pytest.mark.parametrize("block", list(examples()))
def test_every_yaml_example_is_a_complete_spec(block, tmp_path):
    spec = tmp_path / "example.yaml"
    spec.write_text(block, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(spec)])
    assert result.exit_code == 0, result.output
    summary = CliRunner().invoke(main, ["summary", str(spec), "--format", "json"])
    assert summary.exit_code == 0, summary.output


def test_the_spec_language_page_has_its_examples():
    assert len([p for p in examples() if "spec-format" in p.id]) >= 6
