"""Traps in the spec language where a wrong number could pass without an error: joins of one input,
the retired 'scale' alias, suggestions that point to a different concept, errors found one run
at a time, and the JSON Schema's entry keys."""

from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner

from archcalc.cli import main
from archcalc.errors import MAX_REPORTED_ERRORS, ArchcalcError, each_error
from archcalc.layers import lookup
from archcalc.spec import concept_key, concept_type, load_specs


def compile_errors(text: str) -> list[ArchcalcError]:
    try:
        load_specs("net.yaml", textwrap.dedent(text))[0].graph()
    except ArchcalcError as error:
        return each_error(error)
    return []


def located(errors):
    return [(e.location.line, e.location.column, e.code) for e in errors]


@pytest.mark.parametrize("join", ["add", "concat", "mul", "mean"])
def test_a_join_of_one_input_is_an_error(join):
    errors = compile_errors(f"""
        input: 3x8x8
        layers:
          - conv: {{out: 4, kernel: 3, padding: 1}}
          - {join}
    """)
    assert located(errors) == [(5, 5, "E405")]
    assert f"{join} joins two or more inputs" in errors[0].message


def test_a_join_of_one_branch_is_an_error():
    errors = compile_errors("""
        input: 3x8x8
        layers:
          - concat:
              - [conv: {out: 4, kernel: 1}]
    """)
    assert located(errors) == [(4, 5, "E405")]


def test_joins_of_two_inputs_still_compile():
    assert compile_errors("""
        input: 3x8x8
        layers:
          - conv: {name: a, out: 4, kernel: 3, padding: 1}
          - conv: {name: b, out: 4, kernel: 1}
          - add: {from: [a, b]}
          - mul: {from: [a, b]}
    """) == []


def test_scale_is_no_longer_mul():
    """'scale' was an alias of mul: a user reaching for a learned per-channel scale silently lost
    its parameters. Now it names LayerScale where that layer exists, and is an error otherwise."""
    text = """
        input: 8x4x4
        layers:
          - scale
    """
    if concept_type("scale") is None:
        errors = compile_errors(text)
        assert located(errors) == [(4, 5, "E201")]
        assert "LayerScale" in errors[0].message and "'mul' multiplies two inputs" in errors[0].message
    else:
        graph = load_specs("net.yaml", textwrap.dedent(text))[0].graph()
        assert graph.nodes[-1].type_name == "layer_scale" != "mul"
    assert lookup("scale") is None or lookup("scale").type_name != "mul"


@pytest.mark.parametrize("word, concept", [("layernorm", "layer normalisation"), ("LayerNorm", "layer normalisation"),
                                           ("GroupNorm", "group normalisation"),
                                           ("ConvTranspose2d", "transposed convolution"),
                                           ("Upsample", "upsampling")])
def test_suggestions_point_to_the_concept(word, concept):
    target = concept_type(word)
    errors = compile_errors(f"""
        input: 3x8x8
        layers:
          - {word}
    """)
    if target is not None:   # the concept has a layer type now: the class name is accepted as it
        assert errors == [] or all(e.code != "E201" for e in errors)
        return
    assert [e.code for e in errors] == ["E201"]
    message = errors[0].message
    assert f"no layer type for {concept}" in message
    assert "'norm'" not in message and "'lrn'" not in message and "'scale'" not in message


@pytest.mark.parametrize("word, layer_type, params", [
    ("Conv2d: {out: 4, kernel: 3}", "conv", 4 * 3 * 9 + 4),
    ("Linear: {out: 5}", "fc", 3 * 8 * 8 * 5 + 5),
    ("Dense: {out: 5}", "fc", 3 * 8 * 8 * 5 + 5),
    ("BatchNorm2d", "bn", 2 * 3),
])
def test_framework_class_names_are_accepted(word, layer_type, params):
    flatten = "  - flatten\n" if layer_type == "fc" else ""
    spec = load_specs("net.yaml", f"input: 3x8x8\nlayers:\n{flatten}  - {word}\n")[0]
    graph = spec.graph()
    assert graph.nodes[-1].type_name == layer_type
    from archcalc.pipeline import analyse_spec

    assert int(analyse_spec(spec).totals["params"][0]) == params


def test_concept_key_ignores_case_underscores_and_rank_suffix():
    assert concept_key("BatchNorm2d") == concept_key("batch_norm") == "batchnorm"
    assert concept_key("Conv2D") == "conv" and concept_key("conv3d") == "conv"


def test_every_independent_error_in_one_run(tmp_path):
    # ConvNeXt-style spec with three unknown layer types and a misspelt key
    spec = tmp_path / "convnext.yaml"
    spec.write_text(textwrap.dedent("""\
        input: 3x32x32
        layers:
          - conv: {out: 8, kernel: 4, stride: 4, paddin: 0}
          - channels_last_norm
          - conv: {out: 32, kernel: 1}
          - gelu
          - conv: {out: 8, kernel: 1}
          - global_response_norm
          - drop_pathh
    """))
    result = CliRunner().invoke(main, ["check", str(spec), "--format", "json"])
    assert result.exit_code == 2
    problems = json.loads(result.output)["problems"]
    assert [(p["line"], p["column"], p["code"]) for p in problems] == [
        (3, spec.read_text().splitlines()[2].index("paddin") + 1, "E202"), (4, 5, "E201"), (8, 5, "E201"),
        (9, 5, "E201")]
    assert "did you mean 'drop_path'" in problems[3]["message"]


def test_many_errors_are_capped(tmp_path):
    count = MAX_REPORTED_ERRORS + 5
    spec = tmp_path / "many.yaml"
    spec.write_text("input: 3x8x8\nlayers:\n" + "".join(f"  - nosuch{i}\n" for i in range(count)))
    result = CliRunner().invoke(main, ["summary", str(spec)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == MAX_REPORTED_ERRORS + 1 and lines[-1] == "… and 5 more"
    result = CliRunner().invoke(main, ["check", str(spec), "--format", "json"])
    problems = json.loads(result.output)["problems"]
    assert len(problems) == MAX_REPORTED_ERRORS + 1 and problems[-1]["message"].startswith("… and 5 more")


def test_schema_accepts_every_entry_key_the_compiler_does():
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    from archcalc.schema import ENTRY_KEY_SCHEMAS, spec_schema
    from archcalc.spec import ENTRY_KEYS

    schema = spec_schema()
    validator = jsonschema.Draft202012Validator(schema)
    text = "input: 3x8x8\nlayers:\n  - conv: {name: a, out: 4, kernel: 3, output: true}\n  - relu\n"
    assert validator.is_valid(yaml.safe_load(text))
    assert compile_errors(text) == []
    assert list(ENTRY_KEY_SCHEMAS) == list(ENTRY_KEYS)
