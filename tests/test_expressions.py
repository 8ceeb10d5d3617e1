"""The arithmetic ``${...}`` expressions offer: math functions and list comprehensions, their
limits, and a design-space rule written with them (RegNet's quantised stage widths)."""

from __future__ import annotations

import math

import pytest

from archcalc.errors import ArchcalcError
from archcalc.expr import MAX_ITERATIONS, ExpressionError, evaluate

from tests.conftest import spec_from_text


@pytest.mark.parametrize("text, value", [
    ("log(e_)", 1.0),
    ("log(8, 2)", 3.0),
    ("log2(1024)", 10.0),
    ("log10(1000)", 3.0),
    ("exp(0)", 1.0),
    ("pow(2, 10)", 1024),
    ("pow(2.5, 2)", 6.25),
    ("sqrt(49)", 7.0),
    ("ceil(2.1)", 3),
    ("floor(-2.1)", -3),
    ("round(2.5)", 2),                # half to even, as Python and torch.round
    ("round(3.5)", 4),
    ("round(2.345, 2)", 2.35),
    ("min(3, 1, 2)", 1),
    ("max([3, 1, 2])", 3),
    ("abs(-4)", 4),
    ("int(7.9)", 7),
    ("sum([1, 2, 3])", 6),
    ("len(range(5))", 5),
    ("[i * i for i in range(4)]", [0, 1, 4, 9]),
    ("[i for i in range(10) if i % 3 == 0]", [0, 3, 6, 9]),
    ("[a + b for a, b in zip([1, 2], [10, 20])]", [11, 22]),
    ("[i * w for i, w in enumerate([5, 6])]", [0, 6]),
    ("[x + y for x in [1, 2] for y in [10, 20]]", [11, 21, 12, 22]),
    ("sum([1 for w in widths if w == 64])", 2),
    ("[i for i in range(3)][-1] + i", 2 + 100),   # the loop variable does not leak out
])
def test_functions_and_comprehensions(text, value):
    result = evaluate(text, {"e_": math.e, "widths": [32, 64, 64], "i": 100})
    assert result == pytest.approx(value) and type(result) is type(value)


@pytest.mark.parametrize("text, message", [
    ("exp(1000)", "math range error"),
    ("log(0)", "math domain error"),
    ("log(-1)", "math domain error"),
    ("sqrt(-1)", "math domain error"),
    ("pow(2, 100)", "exponent 100 is too large"),
    ("pow(2, 3, 5)", "takes 2 positional arguments"),      # no modular form
    ("float('inf')", "not a finite number"),
    ("float('nan') + 1", "not a finite number"),
    ("1e308 * 10", "not a finite number"),
    ("2 ** 62 * 4", "too large"),
    ("[[j for j in range(1000)] for i in range(1000)]", f"more than {MAX_ITERATIONS:,} loop iterations"),
    ("[x for x in 3]", "iterates over a list"),
    ("[a for a, b in [1, 2]]", "cannot unpack"),
    ("[a for a.b in [1]]", "cannot be a loop variable"),
    ("[j for j in range(3)] + [j]", "undefined variable 'j'"),
    ("{j for j in range(3)}", "not allowed"),              # set comprehensions, generators: not offered
    ("sum(j for j in range(3))", "not allowed"),
    ("[__import__('os') for j in [1]]", "unknown function '__import__'"),
])
def test_limits_and_refusals(text, message):
    with pytest.raises(ExpressionError) as error:
        evaluate(text, {})
    assert message in str(error.value)


# ---- RegNet: stage widths and depths from the design parameters, in YAML ----
#
# torchvision's regnet.py, BlockParams.from_init_params (quoted in words):
#   widths_cont[j] = j·w_a + w_0 for j < depth (float32);
#   block_capacity = round(log(widths_cont / w_0) / log(w_m));
#   block_widths   = round(w_0 · w_m^block_capacity / 8) · 8;
#   a stage is a run of equal block widths (its depth the run's length);
#   then _adjust_widths_groups_compatibilty: w_bot = int(w · b), g = min(group_width, w_bot),
#   w_bot = _make_divisible(w_bot, g), width = int(w_bot / b).
# Worked by hand for RegNetX-400MF (depth 22, w_0 24, w_a 24.48, w_m 2.54, group width 16, b 1):
#   capacities 0 (j=0), 1 (j=1, 2), 2 (j=3..9: log(244.32/24)/log(2.54) = 2.49 at j=9), 3 (j=10..21);
#   block widths 24, 64, 152, 392 → depths 1, 2, 7, 12;
#   make_divisible by 16: 24 → 32, 64 → 64, 152 → 160, 392 → 400.
REGNET_X_400MF_WIDTHS = [32, 64, 160, 400]
REGNET_X_400MF_DEPTHS = [1, 2, 7, 12]

REGNET_DESIGN = """\
name: regnet_design
input: 3x224x224
vars:
  depth: 22
  w0: 24
  wa: 24.48
  wm: 2.54
  group_width: 16
  bottleneck_ratio: 1.0
  # each block's width: w0·wm^s, s its step in log space, quantised to a multiple of 8
  block_widths: "${[round(w0 * wm ** round(log((w0 + wa * j) / w0) / log(wm)) / 8) * 8 for j in range(depth)]}"
  # a stage is a run of equal widths
  starts: "${[j for j in range(depth) if j == 0 or block_widths[j] != block_widths[j - 1]]}"
  stage_depths: "${[end - start for start, end in zip(starts, starts[1:] + [depth])]}"
  # the bottleneck width made a multiple of its group width (the group no wider than it)
  bottlenecks: "${[int(block_widths[s] * bottleneck_ratio) for s in starts]}"
  group_widths: "${[min(group_width, b) for b in bottlenecks]}"
  stage_widths: "${[int(make_divisible(b, g) / bottleneck_ratio) for b, g in zip(bottlenecks, group_widths)]}"
layers:
  - seq:
      - conv: {name: "block${s + 1}_${i}", out: "${stage_widths[s]}", kernel: 1}
        repeat: "${stage_depths[s]}"
    repeat: "${len(stage_widths)}"
    index: s
"""


def test_regnet_x_400mf_stages_from_its_design_parameters():
    spec = spec_from_text(REGNET_DESIGN)
    variables = spec.variables()
    assert variables["stage_widths"] == REGNET_X_400MF_WIDTHS
    assert variables["stage_depths"] == REGNET_X_400MF_DEPTHS
    assert variables["group_widths"] == [16, 16, 16, 16]
    names = [node.name for node in spec.graph().nodes[1:]]
    assert len(names) == sum(REGNET_X_400MF_DEPTHS) == 22 and names[:4] == ["block1_0", "block2_0", "block2_1",
                                                                             "block3_0"]


# Every RegNet torchvision builds: (depth, w_0, w_a, w_m, group_width), from its regnet.py.
TORCHVISION_REGNETS = {
    "regnet_y_400mf": (16, 48, 27.89, 2.09, 8), "regnet_y_800mf": (14, 56, 38.84, 2.4, 16),
    "regnet_y_1_6gf": (27, 48, 20.71, 2.65, 24), "regnet_y_3_2gf": (21, 80, 42.63, 2.66, 24),
    "regnet_y_8gf": (17, 192, 76.82, 2.19, 56), "regnet_y_16gf": (18, 200, 106.23, 2.48, 112),
    "regnet_y_32gf": (20, 232, 115.89, 2.53, 232), "regnet_y_128gf": (27, 456, 160.83, 2.52, 264),
    "regnet_x_400mf": (22, 24, 24.48, 2.54, 16), "regnet_x_800mf": (16, 56, 35.73, 2.28, 16),
    "regnet_x_1_6gf": (18, 80, 34.01, 2.25, 24), "regnet_x_3_2gf": (25, 88, 26.31, 2.25, 48),
    "regnet_x_8gf": (23, 80, 49.56, 2.88, 120), "regnet_x_16gf": (22, 216, 55.59, 2.1, 128),
    "regnet_x_32gf": (23, 320, 69.86, 2.0, 168),
}


def torchvision_block_params(depth, w_0, w_a, w_m, group_width, bottleneck=1.0):
    """torchvision's from_init_params, step by step in torch's float32 (the oracle)."""
    torch = pytest.importorskip("torch", reason="the oracle computes in torch's float32, as torchvision")
    widths_cont = torch.arange(depth) * w_a + w_0
    capacity = torch.round(torch.log(widths_cont / w_0) / math.log(w_m))
    block_widths = (torch.round(torch.divide(w_0 * torch.pow(w_m, capacity), 8)) * 8).int().tolist()
    splits = [w != wp for w, wp in zip(block_widths + [0], [0] + block_widths)]
    stage_widths = [w for w, t in zip(block_widths, splits[:-1]) if t]
    stage_depths = torch.diff(torch.tensor([d for d, t in enumerate(splits) if t])).int().tolist()
    adjusted = []
    for width in stage_widths:
        w_bot = int(width * bottleneck)
        g = min(group_width, w_bot)
        divisible = max(g, int(w_bot + g / 2) // g * g)     # torchvision's _make_divisible
        if divisible < 0.9 * w_bot:
            divisible += g
        adjusted.append(int(divisible / bottleneck))
    return adjusted, stage_depths


def test_the_oracle_reproduces_the_hand_worked_regnet_x_400mf():
    assert torchvision_block_params(22, 24, 24.48, 2.54, 16) == (REGNET_X_400MF_WIDTHS, REGNET_X_400MF_DEPTHS)


@pytest.mark.parametrize("name", TORCHVISION_REGNETS)
def test_every_torchvision_regnet_from_its_design_parameters(name):
    depth, w0, wa, wm, group_width = TORCHVISION_REGNETS[name]
    spec = spec_from_text(REGNET_DESIGN)
    spec.overrides = {"depth": depth, "w0": w0, "wa": wa, "wm": wm, "group_width": group_width}
    variables = spec.variables()
    assert (variables["stage_widths"], variables["stage_depths"]) == torchvision_block_params(*TORCHVISION_REGNETS[name])


def test_expression_errors_in_vars_are_located():
    spec = spec_from_text("""\
        input: 3x8x8
        vars:
          widths: "${[log(w) for w in [8, 0]]}"
        layers: [relu]
        """)
    with pytest.raises(ArchcalcError) as error:
        spec.variables()
    assert (error.value.code, error.value.location.line) == ("E205", 3)
    assert "log(): math domain error" in error.value.message


def test_the_documented_regnet_rule():
    """docs/spec-format.md's RegNet example, run as written."""
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "spec-format.md").read_text(encoding="utf-8")
    section = text[text.index("A design space written as its rule"):]
    example = section[section.index("```yaml\n") + len("```yaml\n"):section.index("```\n", section.index("```yaml"))]
    complete = example if "\ninput:" in "\n" + example else "input: 3x8x8\nlayers: [relu]\n" + example
    variables = spec_from_text(complete).variables()
    assert (variables["stage_widths"], variables["stage_depths"]) == (REGNET_X_400MF_WIDTHS, REGNET_X_400MF_DEPTHS)
