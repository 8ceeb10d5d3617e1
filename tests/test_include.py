"""``include:``: blocks from shipped specs (by name) and from relative files, with located errors."""

from __future__ import annotations

import textwrap

import pytest

from archcalc.engine import Config, analyze
from archcalc.errors import ArchcalcError
from archcalc.spec import blocks_with_includes, load_specs
from archcalc.totals import totals

from tests.conftest import spec_from_text

# MobileNetV3-Large written with the shipped spec's inverted residual, not a copy of it: the layer list
# and the table of bottlenecks are the paper's (Table 1); the blocks come from specs/mobilenet_v3.yaml.
MOBILENET_V3_LARGE = """\
name: mobilenet_v3_large_included
input: 3x224x224
rounding: floor
defaults:
  conv: {bias: false}
  bn: {eps: 0.001}
include:
  - mobilenet_v3: [inverted_residual]
vars:
  bneck:
    - [16, 3, 16, 16, false, RE, 1]
    - [16, 3, 64, 24, false, RE, 2]
    - [24, 3, 72, 24, false, RE, 1]
    - [24, 5, 72, 40, true, RE, 2]
    - [40, 5, 120, 40, true, RE, 1]
    - [40, 5, 120, 40, true, RE, 1]
    - [40, 3, 240, 80, false, HS, 2]
    - [80, 3, 200, 80, false, HS, 1]
    - [80, 3, 184, 80, false, HS, 1]
    - [80, 3, 184, 80, false, HS, 1]
    - [80, 3, 480, 112, true, HS, 1]
    - [112, 3, 672, 112, true, HS, 1]
    - [112, 5, 672, 160, true, HS, 2]
    - [160, 5, 960, 160, true, HS, 1]
    - [160, 5, 960, 160, true, HS, 1]
layers:
  - conv: {name: features.0.0, out: 16, kernel: 3, stride: 2, padding: 1}
  - bn: {name: features.0.1}
  - hard_swish: {name: features.0.2}
  - inverted_residual:
      name: features.${j + 1}
      inp: "${bneck[j][0]}"
      kernel: "${bneck[j][1]}"
      exp: "${bneck[j][2]}"
      oup: "${bneck[j][3]}"
      se: "${bneck[j][4]}"
      act: "${bneck[j][5]}"
      stride: "${bneck[j][6]}"
    repeat: "${len(bneck)}"
    index: j
  - conv: {name: features.16.0, out: 960, kernel: 1}
  - bn: {name: features.16.1}
  - hard_swish: {name: features.16.2}
  - global_avgpool: {name: avgpool}
  - flatten
  - fc: {name: classifier.0, out: 1280}
  - hard_swish: {name: classifier.1}
  - dropout: {name: classifier.2, p: 0.2}
  - fc: {name: classifier.3, out: 1000}
"""


def analysed_totals(spec):
    return {k: int(v[0]) for k, v in totals(analyze(spec.graph(), [Config(spec.input_shape())])).items()}


def test_a_shipped_block_builds_mobilenet_v3_large(model):
    spec = spec_from_text(MOBILENET_V3_LARGE)
    ours = analysed_totals(spec)
    assert ours["params"] == 5_483_032                 # torchvision's num_params for MobileNet_V3_Large
    shipped = model("mobilenet_v3_large").totals
    assert {k: ours[k] for k in ("params", "macs", "activations")} == {
        k: shipped[k] for k in ("params", "macs", "activations")}


def test_a_selection_brings_the_blocks_it_uses():
    spec = spec_from_text(MOBILENET_V3_LARGE)
    blocks = blocks_with_includes(spec.document, spec.file)
    assert sorted(blocks) == ["inverted_residual", "squeeze_excite"]
    assert blocks.value_location("inverted_residual").file.endswith("mobilenet_v3.yaml")


@pytest.mark.parametrize("include", ["mobilenet_v3", "mobilenet_v3_small", "[mobilenet_v3]",
                                     "{mobilenet_v3: null}"])
def test_every_way_of_naming_a_shipped_spec(include):
    spec = spec_from_text(f"input: 3x8x8\ninclude: {include}\nlayers: [relu]\n")
    assert sorted(blocks_with_includes(spec.document, spec.file)) == ["inverted_residual", "squeeze_excite"]


def write(directory, name, text):
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_relative_files_nested_and_diamond_includes(tmp_path):
    write(tmp_path, "lib/base.yaml", """\
        blocks:
          conv_bn:
            params: {out: null}
            layers: [conv: {out: "${out}", kernel: 3, padding: 1}, bn, relu]
        """)
    write(tmp_path, "lib/res.yaml", """\
        include: base.yaml
        blocks:
          residual:
            params: {out: null}
            layers:
              - add:
                  - [conv_bn: {out: "${out}"}, conv_bn: {out: "${out}"}]
                  - []
        """)
    write(tmp_path, "lib/wide.yaml", """\
        include: [base.yaml]
        blocks:
          wide: {layers: [conv_bn: {out: 32}]}
        """)
    path = write(tmp_path, "net/model.yaml", """\
        name: model
        input: 8x6x6
        include:
          - ../lib/res.yaml: [residual]
          - ../lib/wide.yaml
        layers:
          - residual: {out: 8}
          - wide
        """)
    spec = load_specs(path)[0]
    assert sorted(blocks_with_includes(spec.document, spec.file)) == ["conv_bn", "residual", "wide"]
    result = analysed_totals(spec)
    # two 3×3 convs 8→8 with bias (584 each) and their BN (16 each), then 8→32 (2,336) and BN (64)
    assert result["params"] == 2 * (8 * 8 * 9 + 8 + 16) + (8 * 32 * 9 + 32 + 64)


def error_of(text, file="test.yaml"):
    with pytest.raises(ArchcalcError) as error:
        specs = load_specs(file, textwrap.dedent(text))
        specs[0].graph()
    return error.value


def located(error):
    return error.code, error.location.line, error.location.column


def test_missing_files_and_names_are_located(tmp_path):
    error = error_of("input: 3x8x8\ninclude:\n  - blocks/none.yaml\nlayers: [relu]\n", str(tmp_path / "t.yaml"))
    assert located(error) == ("E104", 3, 5) and "no such file" in error.message
    error = error_of("input: 3x8x8\ninclude: mobilenet_v4\nlayers: [relu]\n")
    assert located(error) == ("E104", 2, 10) and "did you mean 'mobilenet_v3'" in error.message
    error = error_of("input: 3x8x8\ninclude: /etc/blocks.yaml\nlayers: [relu]\n")
    assert located(error) == ("E203", 2, 10) and "relative" in error.message


def test_unknown_block_names_are_located():
    error = error_of("input: 3x8x8\ninclude:\n  mobilenet_v3: [squeeze_excite, inverted_residul]\nlayers: [relu]\n")
    assert located(error) == ("E201", 3, 34)
    assert "has no block 'inverted_residul' (did you mean 'inverted_residual'?)" in error.message


def test_include_cycles_are_refused(tmp_path):
    write(tmp_path, "a.yaml", "include: b.yaml\nblocks: {a: {layers: [relu]}}\n")
    write(tmp_path, "b.yaml", "blocks: {b: {layers: [relu]}}\ninclude: [c.yaml]\n")
    write(tmp_path, "c.yaml", "include: a.yaml\n")
    error = error_of("input: 3x8x8\ninclude: a.yaml\nlayers: [relu]\n", str(tmp_path / "main.yaml"))
    assert located(error) == ("E407", 1, 10) and error.location.file.endswith("c.yaml")
    assert "main.yaml → a.yaml → b.yaml → c.yaml → a.yaml" in error.message
    error = error_of("input: 3x8x8\ninclude: self.yaml\nlayers: [relu]\n", str(write(tmp_path, "self.yaml", "")))
    assert error.code == "E407"


def test_block_name_clashes_are_refused(tmp_path):
    write(tmp_path, "one.yaml", "blocks: {stem: {layers: [relu]}}\n")
    write(tmp_path, "two.yaml", "blocks: {stem: {layers: [relu6]}}\n")
    error = error_of("input: 3x8x8\ninclude: [one.yaml, two.yaml]\nlayers: [stem]\n", str(tmp_path / "m.yaml"))
    assert located(error) == ("E408", 2, 21) and "block 'stem'" in error.message and "one.yaml:1:10" in error.message
    error = error_of("input: 3x8x8\nblocks: {stem: {layers: [relu]}}\ninclude: one.yaml\nlayers: [stem]\n",
                     str(tmp_path / "m.yaml"))
    assert located(error) == ("E408", 3, 10)


@pytest.mark.parametrize("include, column", [("3", 10), ("[[a]]", 11), ("{mobilenet_v3: squeeze_excite}", 25)])
def test_malformed_includes_are_located(include, column):
    error = error_of(f"input: 3x8x8\ninclude: {include}\nlayers: [relu]\n")
    assert located(error) == ("E203", 2, column)


def test_errors_inside_an_included_block_point_into_its_file(tmp_path):
    write(tmp_path, "lib.yaml", "blocks:\n  widen:\n    layers:\n      - conv: {out: \"${width}\", kernel: 1}\n")
    error = error_of("input: 3x8x8\ninclude: lib.yaml\nlayers: [widen]\n", str(tmp_path / "m.yaml"))
    assert error.code == "E205" and error.location.file.endswith("lib.yaml") and error.location.line == 4
    assert "undefined variable 'width'" in error.message
    # the including spec's vars are what an included block sees
    spec = load_specs(str(tmp_path / "m.yaml"), "input: 3x8x8\nvars: {width: 5}\ninclude: lib.yaml\nlayers: [widen]\n")[0]
    assert analysed_totals(spec)["params"] == 3 * 5 + 5


def test_the_documented_example_is_mobilenet_v3_large():
    """docs/spec-format.md's complete include example, run as written."""
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "spec-format.md").read_text(encoding="utf-8")
    section = text[text.index("## Including blocks from other specs"):]
    example = section[section.index("```yaml\n") + len("```yaml\n"):section.index("```\n", section.index("```yaml"))]
    spec = load_specs("docs_example.yaml", example)[0]
    assert analysed_totals(spec)["params"] == 5_483_032     # torchvision's num_params
