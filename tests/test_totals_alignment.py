"""The lines under the summary table — totals, then operator kinds and a counting convention's
figure — share one label column: every value starts in the same column, in a pipe, at a set width
and on a terminal (rich)."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from archcalc.cli import main

TOTALS_LABELS = ("Parameters", "Multiply-adds", "Activations", "Inference peak", "Parameter memory")
EXTRA_LABELS = ("By operator", "Convention", "Checked", "vs plain MACs", "Params")


def run(*args, columns=None):
    env = {"COLUMNS": str(columns)} if columns else {}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def value_columns(output: str, labels) -> dict:
    """Where the value starts on each labelled line (the first line of each label)."""
    found = {}
    for line in output.splitlines():
        for label in labels:
            if line.startswith(label + "  ") and label not in found:
                found[label] = len(line) - len(line[len(label):].lstrip(" "))
    return found


@pytest.mark.parametrize("columns", [None, 80, 120])
def test_convention_lines_start_where_the_totals_values_do(columns):
    out = run("summary", "resnet50", "--convention", "fvcore", columns=columns)
    starts = value_columns(out, TOTALS_LABELS + EXTRA_LABELS + ("total()",))
    assert set(starts) == {*TOTALS_LABELS, *EXTRA_LABELS, "total()"}
    assert set(starts.values()) == {len("Parameter memory") + 2}, starts


def test_a_convention_with_longer_labels_widens_the_totals_too():
    out = run("summary", "resnet50", "--convention", "torchinfo", columns=100)
    starts = value_columns(out, TOTALS_LABELS + ("By operator", "estimated total size", "forward backward pass size"))
    assert set(starts.values()) == {len("forward backward pass size") + 2}, starts


def test_several_inputs_keep_one_label_column():
    out = run("summary", "resnet18", "--input", "3x224x224,3x320x320", "--convention", "fvcore", columns=80)
    starts = value_columns(out, TOTALS_LABELS + EXTRA_LABELS)
    assert len(set(starts.values())) == 1, starts


def test_on_a_terminal_rich_lines_them_up_as_well():
    from rich.console import Console

    from archcalc.counting import apply_all
    from archcalc.pipeline import analyse
    from archcalc.render.counting import extra_totals
    from archcalc.render.table import Formatter, summary_table

    result = analyse("resnet50")
    extra = extra_totals(result.analysis, [apply_all(["fvcore"], result.analysis, result.totals, 0)])
    buffer = io.StringIO()
    summary_table(result, Formatter(), 80, extra=extra).print(Console(file=buffer, width=80, color_system=None), 80)
    starts = value_columns("\n".join(line.rstrip() for line in buffer.getvalue().splitlines()),
                           TOTALS_LABELS + EXTRA_LABELS)
    assert len(starts) == len(TOTALS_LABELS + EXTRA_LABELS)
    assert set(starts.values()) == {len("Parameter memory") + 2}, starts


def test_with_depth_the_operator_line_follows_the_block_table():
    out = run("summary", "resnet50", "--depth", "1", "--convention", "fvcore")
    starts = value_columns(out, EXTRA_LABELS)
    assert len(starts) == len(EXTRA_LABELS) and len(set(starts.values())) == 1, starts
