"""archcalc check: expectations, budgets, baseline, output formats, schema, pre-commit hook.

Numbers pinned here are closed-form: a 3×8×8 input through ``conv: {out: 8, kernel: 3}`` gives
8×6×6, 8·3·3·3 + 8 = 224 params, 6·6·8·(3·3·3) = 7,776 MACs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from archcalc.check import expectations_of
from archcalc.cli import main
from archcalc.spec import load_specs
from archcalc.zoo import catalog, specs_dir

ROOT = Path(__file__).resolve().parent.parent
SMALL = "input: 3x8x8\nlayers:\n  - conv: {name: conv1, out: 8, kernel: 3}\n"
PARAMS = 8 * 3 * 3 * 3 + 8          # 224
MACS = 6 * 6 * 8 * 3 * 3 * 3        # 7,776
ACTIVATIONS = 3 * 8 * 8 + 8 * 6 * 6  # input row + conv1 output = 480


def invoke(*args, cwd=None):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    return result


def write(tmp_path, text, name="net.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def problems(result):
    return json.loads(result.output)["problems"]


# ---- the zoo checks itself ----

def test_shipped_specs_pass_their_expectations():
    result = invoke("check", specs_dir())
    assert result.exit_code == 0, result.output
    assert "all checks passed" in result.output


def test_shipped_expectations_have_teeth(tmp_path):
    """Change one pinned number by one: the check must fail at that line."""
    text = (specs_dir() / "vgg.yaml").read_text()
    assert text.count("params: 138357544 ") == 1
    spec = write(tmp_path, text.replace("params: 138357544 ", "params: 138357545 "), "vgg.yaml")
    result = invoke("check", "--format", "json", spec)
    assert result.exit_code == 1
    (problem,) = problems(result)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "params: 138357544 " in l)
    assert (problem["line"], problem["code"]) == (line, "E501")
    assert "vgg16" in problem["message"] and "138,357,544" in problem["message"]


def test_every_shipped_model_pins_its_parameter_count(tmp_path):
    """A model added to the zoo without an independently sourced parameter count fails here.

    The pin may sit in the file's ``expect:`` or in the variant's (they are merged per model).
    """
    assert ("params",) not in expectations_of(load_specs(write(tmp_path, SMALL))[0])   # the check can fail
    unpinned = [name for name, spec in catalog().items() if ("params",) not in expectations_of(spec)]
    assert unpinned == []


# ---- expect: ----

@pytest.mark.parametrize("expect, ok", [
    (f"params: {PARAMS}", True),
    (f"params: {PARAMS + 1}", False),
    (f"macs: {MACS}", True),
    ("macs: 7.7K", False),                                     # 7,700 exactly
    ("macs: {value: 7.7K, tolerance: 1%}", True),               # |7,776 − 7,700| = 76 ≤ 77
    ("macs: {value: 7.7K, tolerance: 0.9%}", False),            # 76 > 69.3
    ("macs: {value: 7.7K, tolerance: 76}", True),
    ("macs: {value: 7.7K, tolerance: 75}", False),
    ("macs: {max: 8K}", True),
    ("macs: {min: 8K}", False),
    (f"activations: {ACTIVATIONS}", True),
    (f"activation_bytes: {{max: {ACTIVATIONS * 4}}}", True),    # fp32
    (f"activation_bytes: {{max: {ACTIVATIONS * 4 - 1}}}", False),
    ("output: [8, 6, 6]", True),
    ("output: 8x6x6", True),
    ("output: [8, 6, 5]", False),
    (f"layers: {{conv1: {{output: [8, 6, 6], params: {PARAMS}, weights: {PARAMS - 8}, macs: {MACS}}}}}", True),
    ("layers: {conv1: {params: 216}}", False),
])
def test_expect(tmp_path, expect, ok):
    spec = write(tmp_path, SMALL + f"expect:\n  {expect}\n")
    result = invoke("check", "--format", "json", spec)
    assert result.exit_code == (0 if ok else 1), result.output
    assert [p["code"] for p in problems(result)] == ([] if ok else ["E501"])


def test_failed_expectation_points_at_its_value(tmp_path):
    spec = write(tmp_path, SMALL + "expect:\n  layers:\n    conv1: {params: 216}\n")
    result = invoke("check", spec)
    first = result.output.splitlines()[0]
    assert first.startswith(f"{spec}:6:21: error[E501]:")  # line 6: "    conv1: {params: 216}"
    assert "is 224, expected 216 (off by +8" in first


def test_variant_expect_adds_to_the_file_expect(tmp_path):
    spec = write(tmp_path, SMALL + (
        "expect:\n  output: [8, 6, 5]\n"        # line 5: wrong for both variants
        "variants:\n"
        "  small:\n    expect: {params: 224}\n"
        "  wrong:\n    expect: {params: 225, output: [8, 6, 6]}\n"))   # line 10: the variant's output wins
    result = invoke("check", "--format", "json", spec)
    found = problems(result)
    assert result.exit_code == 1
    assert [(p["code"], p["line"], p["column"]) for p in found] == [("E501", 5, 11), ("E501", 10, 22)]
    assert found[0]["message"].startswith("small: output is 8×6×6, expected 8×6×5")
    assert found[1]["message"].startswith("wrong: params is 224, expected 225")


# ---- budgets ----

def test_budget_exceeded(tmp_path):
    spec = write(tmp_path, SMALL)
    assert invoke("check", spec, "--max-params", "224", "--max-macs", "7776").exit_code == 0
    result = invoke("check", spec, "--max-params", "0.2K", "--max-activation-bytes", "1KiB")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any("error[E502]" in l and "params 224" in l and "--max-params 200" in l for l in lines)
    assert any("activation_bytes 1,920" in l and "--max-activation-bytes 1,024" in l for l in lines)


def test_bad_budget_is_a_usage_error(tmp_path):
    result = invoke("check", write(tmp_path, SMALL), "--max-macs", "lots")
    assert result.exit_code == 2 and "25M" in result.output


# ---- baseline ----

def test_baseline_round_trip_and_drift(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = write(tmp_path, SMALL)
    baseline = tmp_path / "base.json"
    result = invoke("check", "net.yaml", "--baseline", baseline, "--update-baseline")
    assert result.exit_code == 0 and baseline.exists()
    recorded = json.loads(baseline.read_text())["models"]["net.yaml:net"]
    assert recorded["totals"]["params"] == PARAMS and recorded["output"] == [8, 6, 6]
    assert invoke("check", "net.yaml", "--baseline", baseline).exit_code == 0

    spec.write_text(SMALL.replace("out: 8", "out: 16"))      # 16·27 + 16 = 448 params
    result = invoke("check", "net.yaml", "--baseline", baseline)
    assert result.exit_code == 1
    assert "net: params 224 → 448 (+224, +100.000%) since the baseline" in result.output
    assert "output 8×6×6 → 16×6×6" in result.output
    assert "net.yaml:3:5: error[E503]: net: layer 'conv1'" in result.output

    assert invoke("check", "net.yaml", "--baseline", baseline, "--update-baseline").exit_code == 0
    assert invoke("check", "net.yaml", "--baseline", baseline).exit_code == 0


def test_missing_baseline_is_a_usage_error(tmp_path):
    result = invoke("check", write(tmp_path, SMALL), "--baseline", tmp_path / "none.json")
    assert result.exit_code == 2 and "--update-baseline" in result.output


@pytest.mark.parametrize("content, code", [
    ("{not json", "E101"),
    ("[]", "E203"),
    ('{"models": {"net.yaml:net": [1, 2]}}', "E203"),
    ('{"models": {"net.yaml:net": {"layers": {"conv1": 5}}}}', "E203"),
])
def test_broken_baseline_is_reported_not_a_crash(tmp_path, content, code):
    baseline = write(tmp_path, content, "base.json")
    result = invoke("check", "--format", "json", write(tmp_path, SMALL), "--baseline", baseline)
    assert result.exit_code == 2
    assert [(p["file"], p["code"]) for p in problems(result)] == [(str(baseline), code)]


# ---- output formats ----

def failing_specs(tmp_path):
    good = write(tmp_path, SMALL, "good.yaml")
    over = write(tmp_path, SMALL + "expect: {params: 1}\n", "over.yaml")
    bad = write(tmp_path, "input: 3x8x8\nlayers:\n  - conv: {out: 8, kernel: \"3\"}\n", "bad.yaml")
    return good, over, bad


def test_github_annotations(tmp_path):
    good, over, bad = failing_specs(tmp_path)
    result = invoke("check", "--format", "github", good, over, bad)
    assert result.exit_code == 2
    annotations = [l for l in result.output.splitlines() if l.startswith("::")]
    assert len(annotations) == 2
    parsed = {}
    for line in annotations:
        command, _, message = line[2:].partition("::")
        kind, _, properties = command.partition(" ")
        fields = dict(p.split("=", 1) for p in properties.split(","))
        parsed[fields["title"]] = (kind, fields["file"], int(fields["line"]), int(fields["col"]), message)
    assert parsed["archcalc E501"][:4] == ("error", str(over), 4, 18)  # "expect: {params: 1}": the value is column 18
    assert parsed["archcalc E203"][:4] == ("error", str(bad), 3, 28)
    assert "%0A" not in parsed["archcalc E203"][4] and "\n" not in parsed["archcalc E203"][4]


def test_github_escapes_newlines_and_commas():
    from archcalc.render.problems import _escape_data, _escape_property

    assert _escape_data("a\nb%") == "a%0Ab%25"
    assert _escape_property("a,b:c") == "a%2Cb%3Ac"


def test_junit_xml(tmp_path):
    good, over, bad = failing_specs(tmp_path)
    result = invoke("check", "--format", "junit", good, over, bad)
    root = ET.fromstring(result.output)
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "1")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {str(good), str(over), str(bad)}
    assert suites[str(good)].find("testcase").findall("*") == []
    failure = suites[str(over)].find("testcase/failure")
    assert failure.get("type") == "E501" and f"{over}:4:18" in failure.text
    error = suites[str(bad)].find("testcase/error")
    assert error.get("type") == "E203" and f"{bad}:3:28" in error.text


def test_json_report(tmp_path):
    good, over, bad = failing_specs(tmp_path)
    report = json.loads(invoke("check", "--format", "json", good, over, bad).output)
    assert report["exit_code"] == 2
    assert report["summary"] == {"files": 3, "models": 3, "errors": 1, "failures": 1, "warnings": 0}
    by_name = {m["name"]: m for m in report["models"]}
    assert by_name["good"]["ok"] and by_name["good"]["totals"]["macs"] == MACS
    assert not by_name["over"]["ok"] and not by_name["bad"]["analysed"]


def test_directories_recurse_over_yaml_and_yml(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    write(tmp_path / "a", SMALL, "one.yaml")
    write(tmp_path / "a" / "b", SMALL, "two.yml")
    write(tmp_path / "a", "not a spec", "notes.txt")
    report = json.loads(invoke("check", "--format", "json", tmp_path / "a").output)
    assert report["summary"]["files"] == 2 and report["exit_code"] == 0


def test_every_error_code_is_documented():
    from archcalc.errors import ERROR_CODES

    text = (ROOT / "docs" / "cli.md").read_text()
    section = text[text.index("## check"):]
    assert [code for code in ERROR_CODES if f"| {code} |" not in section] == []


# ---- schema ----

def test_schema_validates_every_shipped_spec():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(invoke("schema").output)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(specs_dir().glob("*.yaml"))
    assert files
    for path in files:
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text()))]
        assert errors == [], path.name


@pytest.mark.parametrize("layers, valid", [
    ("[{conv: {out: 8, kernel: 3}}]", True),
    ("[{conv: {out: 8, kernel: '${k}'}}]", True),
    ("[relu, {myblock: {width: 3}}]", True),
    ("[{conv: {out: 8, kernel: '3'}}]", False),
    ("[{conv: {out: 8, kernel: 0}}]", False),
    ("[{conv: {out: 8, kernal: 3}}]", False),
    ("[{maxpool: {kernel: 2, padding: [1, 1, 1, 1, 1, 1, 1]}}]", False),
])
def test_schema_is_generated_from_the_layer_classes(layers, valid):
    jsonschema = pytest.importorskip("jsonschema")
    from archcalc.schema import spec_schema

    validator = jsonschema.Draft202012Validator(spec_schema())
    document = yaml.safe_load(f"input: 3x8x8\nlayers: {layers}\n")
    assert validator.is_valid(document) == valid


def test_a_spec_may_name_the_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    from archcalc.schema import spec_schema

    text = "$schema: ./archcalc.schema.json\n" + SMALL
    assert invoke("check", write(tmp_path, text)).exit_code == 0
    assert jsonschema.Draft202012Validator(spec_schema()).is_valid(yaml.safe_load(text))


def test_schema_knows_every_registered_layer_type():
    from archcalc.layers import REGISTRY
    from archcalc.schema import spec_schema

    schema = spec_schema()
    for name, cls in REGISTRY.items():
        keys = schema["$defs"][f"keys.{name}"]["properties"]
        assert set(keys) == set(cls.keys)
        assert all(key.doc in keys[k]["description"] for k, key in cls.keys.items())


# ---- pre-commit ----

@pytest.mark.slow  # builds a pre-commit hook environment (~90 s)
def test_pre_commit_hook(tmp_path):
    """The hook in .pre-commit-hooks.yaml, run by pre-commit on a scratch repository."""
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    if not Path(pre_commit).exists() or shutil.which("git") is None:
        pytest.skip("pre-commit or git is not installed")
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "cache"), GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")

    def run(*args):
        return subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=600)

    run("git", "init", "-q")
    (repo / "specs" / "net.yaml").write_text(SMALL + f"expect: {{params: {PARAMS}}}\n")
    (repo / "notes.yaml").write_text("not: [a spec\n")     # outside specs/: the hook leaves it alone
    run("git", "add", ".")
    source = os.environ.get("ARCHCALC_HOOK_REPO", str(ROOT))
    ok = run(pre_commit, "try-repo", source, "archcalc-check", "--all-files")
    if ok.returncode != 0 and "archcalc check" not in ok.stdout:
        pytest.skip(f"pre-commit could not set up the hook here: {(ok.stdout + ok.stderr)[-500:]}")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    (repo / "specs" / "net.yaml").write_text(SMALL + "expect: {params: 1}\n")
    run("git", "add", ".")
    failed = run(pre_commit, "try-repo", source, "archcalc-check", "--all-files")
    assert failed.returncode != 0
    assert "specs/net.yaml:4:18: error[E501]" in failed.stdout
