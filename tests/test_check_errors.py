"""Bad input gives one clear, located error and nothing else breaks.

Every file in tests/error_cases/ starts with its expected first problem, ``# expect: LINE:COL CODE``
(optionally ``exit N``, default 2); one parametrized test runs each through ``archcalc check``.
A new case is a new file: no test code to touch. Cases that cannot be committed as files (bytes
that are not UTF-8, a file over the size limit, a 100,000-layer spec) are generated here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc.cli import main
from archcalc.errors import ERROR_CODES
from archcalc.yamlsource import MAX_DEPTH, MAX_FILE_BYTES

CASES = Path(__file__).parent / "error_cases"
HEADER = re.compile(r"^# expect: (\d+):(\d+) ([EW]\d{3})(?: exit (\d))?\s*$")


def header(path: Path):
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8")
    match = HEADER.match(first)
    assert match, f"{path.name}: first line must be '# expect: LINE:COL CODE', got {first!r}"
    line, column, code, exit_code = match.groups()
    return int(line), int(column), code, int(exit_code or 2)


def run_check(*args):
    result = CliRunner().invoke(main, ["check", "--format", "json", *map(str, args)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.output)


def first_problem(report):
    assert report["problems"], "expected a problem"
    p = report["problems"][0]
    return p["line"], p["column"], p["code"]


@pytest.mark.parametrize("path", sorted(CASES.glob("*.yaml")), ids=lambda p: p.stem)
def test_error_case(path):
    line, column, code, exit_code = header(path)
    assert code in ERROR_CODES
    status, report = run_check(path)
    assert first_problem(report) == (line, column, code)
    assert report["problems"][0]["file"] == str(path)
    assert status == exit_code


def test_human_output_quotes_the_line_with_a_caret():
    path = CASES / "kernel_string.yaml"
    line, column, code, _ = header(path)
    result = CliRunner().invoke(main, ["check", str(path)])
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{path}:{line}:{column}: error[{code}]: ")
    source = path.read_text().splitlines()[line - 1]
    assert lines[1].endswith(source)
    gutter = lines[1].index(source)
    assert lines[2].index("^") - gutter == column - 1
    assert result.exit_code == 2


def test_did_you_mean_for_unknown_layer_type_and_key():
    _, report = run_check(CASES / "unknown_layer_type.yaml")
    assert "did you mean 'conv'?" in report["problems"][0]["message"]
    _, report = run_check(CASES / "unknown_key.yaml")
    assert "did you mean 'kernel'?" in report["problems"][0]["message"]


def test_non_integer_output_shows_the_formula():
    # The lecture's example: W=10, F=3, P=0, S=2 → (10 − 3 + 0)/2 + 1 = 4.5.
    _, report = run_check(CASES / "non_integer_output.yaml")
    assert "(10 + 0 - 3)/2 + 1 = 4.5" in report["problems"][0]["message"]


@pytest.mark.parametrize("rounding, size", [("floor", (10 - 3) // 2 + 1), ("ceil", -(-(10 - 3) // 2) + 1)])
def test_rounding_is_opt_in(tmp_path, rounding, size):
    spec = tmp_path / "net.yaml"
    spec.write_text(f"input: 3x10x10\nrounding: {rounding}\nlayers:\n  - conv: {{out: 8, kernel: 3, stride: 2}}\n"
                    f"expect:\n  output: [8, {size}, {size}]\n")
    status, report = run_check(spec)
    assert report["problems"] == [] and status == 0


def test_warnings_fail_only_under_strict():
    path = CASES / "unused_output.yaml"
    assert CliRunner().invoke(main, ["check", str(path)]).exit_code == 0
    assert CliRunner().invoke(main, ["check", "--strict", str(path)]).exit_code == 1


def test_not_utf8(tmp_path):
    spec = tmp_path / "latin1.yaml"
    spec.write_bytes(b"input: 3x8x8\nlayers:\n  - conv: {name: caf\xe9, out: 8, kernel: 3}\n")
    status, report = run_check(spec)
    # byte 0xE9 is the 19th byte of line 3: '  - conv: {name: caf' is 20 characters, then the byte
    assert first_problem(report) == (3, len(b"  - conv: {name: caf") + 1, "E103")
    assert status == 2


def test_missing_file_and_empty_directory(tmp_path):
    status, report = run_check(tmp_path / "nope.yaml")
    assert first_problem(report) == (1, 1, "E104") and status == 2
    assert report["problems"][0]["file"] == str(tmp_path / "nope.yaml")
    (tmp_path / "empty").mkdir()
    status, report = run_check(tmp_path / "empty")
    assert first_problem(report) == (1, 1, "E104") and status == 2


def test_directory_where_a_file_is_expected_by_summary(tmp_path):
    result = CliRunner().invoke(main, ["summary", str(tmp_path / "")])
    assert result.exit_code == 2 and "E104" in result.output and "Traceback" not in result.output


def test_file_over_the_size_limit(tmp_path):
    spec = tmp_path / "huge.yaml"
    line = b"  - relu  # padding to make the file large\n"
    with spec.open("wb") as out:
        out.write(b"input: 3x8x8\nlayers:\n")
        out.write(line * (MAX_FILE_BYTES // len(line) + 1))
    assert spec.stat().st_size > MAX_FILE_BYTES
    status, report = run_check(spec)
    assert first_problem(report) == (1, 1, "E106") and status == 2


def test_nesting_deep_enough_to_overflow_a_recursive_parser(tmp_path):
    # 100,000 open brackets crashed a recursive YAML composer. The document's mapping is level 1,
    # so bracket number MAX_DEPTH would be level MAX_DEPTH + 1: refused there.
    spec = tmp_path / "deep.yaml"
    spec.write_text("input: 3x8x8\nlayers: " + "[" * 100_000 + "]" * 100_000 + "\n")
    status, report = run_check(spec)
    assert first_problem(report) == (2, len("layers: ") + MAX_DEPTH, "E106") and status == 2


@pytest.mark.slow  # compiles and analyses 100,000 layers
def test_hundred_thousand_layers(tmp_path):
    # 50,000 conv + 50,000 relu: each conv 8→8 channels, 3×3, padding 1 keeps 16×16.
    spec = tmp_path / "deep.yaml"
    body = "  - conv: {out: 8, kernel: 3, padding: 1}\n  - relu\n" * 50_000
    params_each = 8 * 8 * 3 * 3 + 8
    macs_each = 16 * 16 * 8 * 8 * 3 * 3
    spec.write_text(f"input: 8x16x16\nlayers:\n{body}expect:\n  params: {50_000 * params_each}\n"
                    f"  macs: {50_000 * macs_each}\n  output: [8, 16, 16]\n")
    status, report = run_check(spec)
    assert report["problems"] == [] and status == 0
    assert report["models"][0]["totals"]["params"] == 50_000 * params_each
