"""Reporters for ``archcalc check``: a :class:`~archcalc.check.Report` as human text, JSON,
GitHub Actions annotations or JUnit XML. No checking here — only presentation.

Every problem carries (file, line, column, code, message), 1-based, as the YAML parser marked it.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import click

from ..check import FAILURE_CODES

FORMATS = ("human", "json", "github", "junit")
MAX_QUOTED = 160   # characters of a source line shown around the column


def render(report, fmt: str, strict: bool = False, color: bool | None = None) -> str:
    return {"human": human, "json": to_json, "github": github, "junit": junit}[fmt](report, strict, color)


# ---- human ----

def text_of(problem) -> str:
    """The message, led by the layer's name when the message does not already say it."""
    layer = f"{problem.layer}: " if problem.layer and problem.layer not in problem.message else ""
    return layer + problem.message


def human(report, strict: bool = False, color: bool | None = None) -> str:
    """yamllint-style: the location, the code, the message, then the offending line with a caret."""
    style = (lambda text, **kw: click.style(text, **kw)) if color else (lambda text, **kw: text)
    out = []
    for problem in report.problems:
        where = f"{problem.location}: " if problem.location else ""
        tone = {"error": "red", "warning": "yellow"}.get(problem.severity, "white")
        out.append(f"{style(where, bold=True)}{style(problem.severity, fg=tone, bold=True)}"
                   f"[{problem.code}]: {text_of(problem)}")
        out += quote(report.sources.get(problem.location.file) if problem.location else None, problem.location,
                     style)
    out.append(summary_line(report, strict))
    return "\n".join(out)


def quote(text: str | None, location, style=lambda text, **kw: text) -> list[str]:
    """The source line of ``location`` and a caret under its column (tabs kept so the caret lines up)."""
    if not text or location is None or location.line < 1:
        return []
    lines = text.splitlines()
    if location.line > len(lines):
        return []
    line = lines[location.line - 1]
    column = max(location.column - 1, 0)
    start = 0
    if len(line) > MAX_QUOTED:   # show a window around the column of a very long line
        start = max(0, column - MAX_QUOTED // 2)
        line = ("…" if start else "") + line[start:start + MAX_QUOTED] + "…"
        column = column - start + (1 if start else 0)
    gutter = f"{location.line:>5} | "
    pad = "".join(c if c == "\t" else " " for c in line[:column])
    return [f"{gutter}{line}", " " * (len(gutter) - 2) + "| " + pad + style("^", fg="red", bold=True)]


def summary_line(report, strict: bool = False) -> str:
    problems = report.problems
    errors = sum(p.severity == "error" and p.code not in FAILURE_CODES for p in problems)
    failures = sum(p.severity == "error" and p.code in FAILURE_CODES for p in problems)
    warnings = sum(p.severity == "warning" for p in problems)
    scope = f"{len(report.models)} model{'s' * (len(report.models) != 1)} in {len(report.files)} " \
            f"file{'s' * (len(report.files) != 1)}"
    written = f"; baseline written to {report.baseline_written}" if report.baseline_written else ""
    if not problems:
        return f"ok: {scope}, all checks passed{written}"
    parts = [f"{n} {what}{'s' * (n != 1)}" for n, what in ((errors, "invalid-spec error"),
                                                          (failures, "failed check"), (warnings, "warning")) if n]
    verdict = {0: "ok", 1: "FAILED", 2: "INVALID"}[report.exit_code(strict)]
    return f"{verdict}: {scope}: {', '.join(parts)}{written}"


# ---- json ----

def problem_record(problem) -> dict:
    location = problem.location
    return {"file": location.file if location else None, "line": location.line if location else None,
            "column": location.column if location else None, "code": problem.code,
            "severity": problem.severity, "layer": problem.layer, "message": problem.message}


def to_json(report, strict: bool = False, color=None) -> str:
    problems = report.problems
    document = {
        "exit_code": report.exit_code(strict),
        "summary": {
            "files": len(report.files), "models": len(report.models),
            "errors": sum(p.severity == "error" and p.code not in FAILURE_CODES for p in problems),
            "failures": sum(p.severity == "error" and p.code in FAILURE_CODES for p in problems),
            "warnings": sum(p.severity == "warning" for p in problems),
        },
        "models": [{"file": m.file, "name": m.name, "analysed": m.analysed,
                    "ok": not any(p.severity == "error" for p in m.problems),
                    "totals": m.totals, "output": list(m.output)} for m in report.models],
        "problems": [problem_record(p) for p in problems],
        "baseline_written": report.baseline_written,
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


# ---- GitHub Actions ----

def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(report, strict: bool = False, color=None) -> str:
    """Workflow commands: ``::error file=F,line=L,col=C,title=archcalc E301::message``."""
    out = []
    for problem in report.problems:
        command = "warning" if problem.severity == "warning" else "error"
        properties = []
        if problem.location:
            properties += [f"file={_escape_property(problem.location.file)}", f"line={problem.location.line}",
                           f"col={problem.location.column}"]
        properties.append(f"title={_escape_property('archcalc ' + problem.code)}")
        out.append(f"::{command} {','.join(properties)}::{_escape_data(text_of(problem))}")
    out.append(summary_line(report, strict))
    return "\n".join(out)


# ---- JUnit XML ----

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    """XML 1.0 cannot carry most control characters: show them escaped instead."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def junit(report, strict: bool = False, color=None) -> str:
    """One testsuite per file, one testcase per model; failed checks are <failure>, invalid input <error>."""
    suites: dict[str, list] = {file: [] for file in report.files}
    for model in report.models:
        suites.setdefault(model.file, []).append((model.name, model.problems))
    seen_in_models = {(p.code, p.message, p.location) for m in report.models for p in m.problems}
    for problem in report.file_problems:
        if (problem.code, problem.message, problem.location) in seen_in_models:
            continue
        file = problem.location.file if problem.location else "archcalc"
        suites.setdefault(file, []).append(("(file)", [problem]))
    root = ET.Element("testsuites", name="archcalc check")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for file, cases in suites.items():
        if not cases:
            cases = [("(file)", [])]
        suite = ET.SubElement(root, "testsuite", name=_xml_text(file))
        counts = {"tests": 0, "failures": 0, "errors": 0}
        for name, problems in cases:
            case = ET.SubElement(suite, "testcase", classname=_xml_text(file), name=_xml_text(name))
            counts["tests"] += 1
            warnings, tags = [], set()
            for problem in problems:
                text = _xml_text(f"{problem.location or file}: {problem.code}: {text_of(problem)}")
                if problem.severity == "warning":
                    if strict:
                        ET.SubElement(case, "failure", type=problem.code, message=_xml_text(text_of(problem))).text = text
                        tags.add("failure")
                    warnings.append(text)
                    continue
                tag = "failure" if problem.code in FAILURE_CODES else "error"
                ET.SubElement(case, tag, type=problem.code, message=_xml_text(text_of(problem))).text = text
                tags.add(tag)
            if "error" in tags:
                counts["errors"] += 1
            elif "failure" in tags:
                counts["failures"] += 1
            if warnings:
                ET.SubElement(case, "system-out").text = "\n".join(warnings)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")
