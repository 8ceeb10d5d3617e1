"""``summary --depth N``: each block is one row with all of its layers' subtotals, even when its
layers run in several stretches with other blocks' layers in between (a segmentation backbone's
output taken after the auxiliary head, FractalNet's columns met by joins); a note says so."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from archcalc.blocks import block_name, collapse
from archcalc.cli import main
from archcalc.zoo import catalog


def run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def layer_sums(net, prefix_of) -> dict:
    """Per block name: layers, params, MACs and activations summed straight from the layer rows."""
    sums: dict = {}
    for row in net.analysis.rows[1:]:
        entry = sums.setdefault(prefix_of(row.name), [0, 0, 0, 0])
        for position, value in enumerate((1, row.params.trainable[0], row.macs[0], row.activations[0])):
            entry[position] += int(value)
    return sums


def test_the_deeplab_backbone_is_one_row_with_its_output_layer(model):
    net = model("deeplabv3_resnet50")
    blocks = collapse(net.analysis, 1)
    assert [b.name for b in blocks] == ["input", "backbone", "aux_classifier", "aux", "classifier", "out"]
    backbone = blocks[1]
    # every layer named backbone.…, the identity backbone.out (run after the auxiliary head) included
    rows = [r for r in net.analysis.rows[1:] if r.name.startswith("backbone.")]
    assert rows[-1].name == "backbone.out"
    assert backbone.layers == len(rows) == 173
    assert int(backbone.params[0]) == sum(int(r.params.trainable[0]) for r in rows)
    assert int(backbone.macs[0]) == sum(int(r.macs[0]) for r in rows)
    assert int(backbone.activations[0]) == sum(int(r.activations[0]) for r in rows)
    assert tuple(int(d[0]) for d in backbone.output_shape) == (2048, 65, 65)
    assert backbone.stretches == 2 and all(b.stretches == 1 for b in blocks if b is not backbone)


@pytest.mark.parametrize("name", list(catalog()))
def test_every_block_appears_once_with_the_sums_of_its_layers(model, name):
    net = model(name)
    for depth in (1, 2, 3):
        blocks = collapse(net.analysis, depth)
        names = [b.name for b in blocks]
        assert len(names) == len(set(names)), (depth, names)
        expected = layer_sums(net, lambda layer: block_name(layer, depth))
        found = {b.name: [b.layers, int(b.params[0]), int(b.macs[0]), int(b.activations[0])] for b in blocks[1:]}
        assert found == expected, depth
        assert names == ["input", *expected], depth         # in the order each block's first layer runs


def test_the_table_shows_the_backbone_once_and_says_why_it_gathers_rows():
    out = run("summary", "deeplabv3_resnet50", "--depth", "1")
    assert [line.split()[:2] for line in out.splitlines() if line.startswith(" backbone")] == [["backbone", "173"]]
    note = " ".join(out.split())
    assert ("backbone runs in 2 stretches, other blocks' layers in between: its row sums all of its layers, stands "
            "where it starts and shows its last layer's output.") in note


def test_many_stretched_blocks_are_named_three_and_counted():
    out = " ".join(run("summary", "fractalnet", "--depth", "2").split())
    assert "block1/col3, block1/col2, block2/col3 and 7 more run in stretches" in out


def test_blocks_in_one_piece_get_no_note():
    out = run("summary", "resnet50", "--depth", "1")
    assert "stretches" not in out


def test_markdown_carries_the_note():
    out = run("summary", "fcn_resnet50", "--depth", "1", "--format", "markdown")
    assert "stretches" not in out
    out = run("summary", "deeplabv3_resnet50", "--depth", "1", "--format", "markdown")
    assert "| backbone | 173 | 2048×65×65 |" in out and "\nbackbone runs in 2 stretches" in out
