"""RegNet: the spec's stages against torchvision's width rule, written out here independently.

specs/regnet.yaml computes each stage's start and width in closed form; this test follows
torchvision's own procedure block by block (float32, as torch computes it), groups equal widths
into stages, and counts parameters and multiply-adds from that plan. torchvision's published
num_params and _ops are checked in tests/test_published_counts.py; its figures for the other
weights (SWAG at 384, linear-probe at 224) here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from archcalc.expr import make_divisible
from archcalc.zoo import resolve
from tests.conftest import Result
from tests.reference_numbers import TORCHVISION, TORCHVISION_OTHER_WEIGHTS

# The regnet_* builders' design points: depth, w_0, w_a, w_m, group_width, se_ratio
# (pytorch/vision torchvision/models/regnet.py, the same in every revision read).
DESIGN = {
    "regnet_x_400mf": (22, 24, 24.48, 2.54, 16, None),
    "regnet_x_800mf": (16, 56, 35.73, 2.28, 16, None),
    "regnet_x_1_6gf": (18, 80, 34.01, 2.25, 24, None),
    "regnet_x_3_2gf": (25, 88, 26.31, 2.25, 48, None),
    "regnet_x_8gf": (23, 80, 49.56, 2.88, 120, None),
    "regnet_x_16gf": (22, 216, 55.59, 2.1, 128, None),
    "regnet_x_32gf": (23, 320, 69.86, 2.0, 168, None),
    "regnet_y_400mf": (16, 48, 27.89, 2.09, 8, 0.25),
    "regnet_y_800mf": (14, 56, 38.84, 2.4, 16, 0.25),
    "regnet_y_1_6gf": (27, 48, 20.71, 2.65, 24, 0.25),
    "regnet_y_3_2gf": (21, 80, 42.63, 2.66, 24, 0.25),
    "regnet_y_8gf": (17, 192, 76.82, 2.19, 56, 0.25),
    "regnet_y_16gf": (18, 200, 106.23, 2.48, 112, 0.25),
    "regnet_y_32gf": (20, 232, 115.89, 2.53, 232, 0.25),
    "regnet_y_128gf": (27, 456, 160.83, 2.52, 264, 0.25),
}


def stage_plan(depth, w_0, w_a, w_m, group_width):
    """[(width, depth, group_width)] per stage, as BlockParams.from_init_params computes it."""
    widths_cont = np.arange(depth, dtype=np.float32) * np.float32(w_a) + np.float32(w_0)
    capacity = np.round(np.log(widths_cont / np.float32(w_0)) / np.float32(math.log(w_m)))
    block_widths = (np.round(np.float32(w_0) * np.power(np.float32(w_m), capacity) / 8) * 8).astype(int).tolist()
    plan = []
    for width in block_widths:
        if plan and plan[-1][0] == width:
            plan[-1][1] += 1
        else:
            plan.append([width, 1])
    stages = []
    for width, count in plan:   # bottleneck multiplier 1: the width is made divisible by the group width
        group = min(group_width, width)
        stages.append((make_divisible(width, group), count, group))
    return stages


def closed_form(design, resolution):
    """(params, MACs) of a RegNet from its stage plan: stem, X blocks (+SE), fc 1000."""
    depth, w_0, w_a, w_m, group_width, se_ratio = design
    size = (resolution + 1) // 2                       # 3×3/2 stem, padding 1
    params, macs = 3 * 9 * 32 + 2 * 32, size * size * 32 * 27
    width_in = 32
    for width, count, group in stage_plan(depth, w_0, w_a, w_m, group_width):
        for i in range(count):
            block_in = width_in if i == 0 else width
            out = (size + 1) // 2 if i == 0 else size   # stride 2 on a stage's first block
            hw_in, hw = size * size, out * out
            block = [(block_in * width, hw_in), (9 * width * group, hw), (width * width, hw)]  # a, b, c
            if i == 0:
                block.append((block_in * width, hw))     # projection (width and stride change)
            p = sum(w for w, _ in block) + 2 * width * len(block)
            m = sum(w * n for w, n in block)
            if se_ratio:
                squeeze = int(round(se_ratio * block_in))
                p += 2 * width * squeeze + squeeze + width
                m += 2 * width * squeeze
            params, macs = params + p, macs + m
            size = out
        width_in = width
    return params + width_in * 1000 + 1000, macs + width_in * 1000


@pytest.mark.parametrize("name", DESIGN)
def test_stages_follow_torchvisions_width_rule(model, name):
    result = model(name)
    for index, (width, count, group) in enumerate(stage_plan(*DESIGN[name][:5]), start=1):
        prefix = f"trunk_output.block{index}/block{index}-"
        blocks = sorted({row.name.split("/")[1] for row in result.analysis.rows if row.name.startswith(prefix)})
        assert len(blocks) == count, (index, blocks)
        last = f"{prefix}{count - 1}/"
        assert result.shape(last + "f.c.0")[0] == width
        # a 3×3 group conv of `width` channels in width/group groups holds width · group · 9 weights
        assert result.weights(last + "f.b.0") == width * group * 9
    assert f"trunk_output.block5/block5-0/f.a.0" not in result.rows   # four stages, none dropped


@pytest.mark.parametrize("name", DESIGN)
def test_params_and_macs_in_closed_form(model, name):
    resolution = TORCHVISION[name]["input"][1]
    params, macs = closed_form(DESIGN[name], resolution)
    totals = model(name).totals
    assert (totals["params"], totals["macs"]) == (params, macs)


def test_published_counts_cover_the_family():
    assert set(DESIGN) <= set(TORCHVISION)


@pytest.mark.parametrize("name, shape, gflops, source", TORCHVISION_OTHER_WEIGHTS,
                         ids=[f"{r[0]}@{r[1][1]}" for r in TORCHVISION_OTHER_WEIGHTS])
def test_macs_for_other_weights(name, shape, gflops, source):
    """torchvision's _ops for the SWAG weights, measured at their own crop size."""
    macs = Result(resolve(name), [shape]).totals["macs"]
    assert abs(macs / 1e9 - gflops) <= 0.0005 + 1e-9, (macs, gflops, source)
