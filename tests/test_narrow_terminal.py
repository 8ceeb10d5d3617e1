"""Tables in a narrow terminal: low-priority columns go (one line says which), shapes are abbreviated,
and no number or name is ever cut. Rendered through the CLI with COLUMNS fixing the width."""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner

from archcalc.cli import main
from archcalc.render.layout import FitColumn, fit, table_width
from archcalc.zoo import catalog


def run(*args, columns=None, **env):
    if columns is not None:
        env["COLUMNS"] = str(columns)
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.output


def table_lines(output):
    """The table's header and body rows: up to the first blank line after the rule."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if "─" in line) - 1
    end = next(i for i in range(start + 2, len(lines)) if not lines[i].strip())
    return lines[start:end]


@pytest.mark.parametrize("name", ["vgg16", "lenet5", "resnet50", "googlenet"])
def test_summary_at_80_columns_keeps_the_counts_and_every_name(name):
    out = run("summary", name, columns=80)
    header = table_lines(out)[0]
    for title in ("Layer", "Output", "Params", "MACs", "Activations"):
        assert title in header
    assert "…" not in out
    assert all(len(line) <= 80 for line in table_lines(out)), out
    rows = catalog()[name].graph().nodes
    for node in rows:
        if node.type_name in ("conv", "fc"):
            assert re.search(rf"\b{re.escape(node.name)}\b", out), node.name


def test_vgg16_at_80_columns_says_what_it_left_out():
    out = run("summary", "vgg16", columns=80)
    assert "RF, Type left out to fit 80 columns; COLUMNS=N or a pipe shows them." in out
    assert "conv1_1 " in out and "conv1_2 " in out
    assert "64×224²" in out                      # shapes abbreviated, exactly
    full = run("summary", "vgg16")
    assert "RF" in table_lines(full)[0] and "Type" in table_lines(full)[0] and "64×224×224" in full


def test_forty_columns_cut_nothing():
    out = run("summary", "resnet50", columns=40)
    assert "…" not in out
    assert "Params" in out and "MACs" in out
    # long names wrap onto a second line instead of being cut: '  layer1' then '.0/conv1' under it
    lines = table_lines(out)
    first = next(i for i, line in enumerate(lines) if line.startswith("   layer1 "))
    assert lines[first + 1].split()[0] == ".0/conv1"


def test_compare_and_verify_at_80_columns():
    out = run("compare", "alexnet", "googlenet", "vgg16", "resnet50", columns=80)
    assert "…" not in out and all(len(line) <= 80 for line in out.splitlines())
    assert "8.9× fewer" in out and "13.6× more" in out
    out = run("verify", "vgg16", "--input", "3x32x32", columns=80)
    assert "…" not in out
    assert all(len(line) <= 80 for line in table_lines(out))
    assert "Predicted MACs" in out and "Executed MACs" in out
    # conv1_2 on 64×32×32: 32·32·64·64·9 MACs, printed in full
    assert f"{32 * 32 * 64 * 64 * 9:,}" in out


def test_columns_env_wins_and_term_dumb_does_not_force_80():
    out = run("summary", "vgg16", columns=200, TERM="dumb")
    assert "left out" not in out and "RF" in table_lines(out)[0]


@pytest.mark.slow  # analyses every shipped spec (about 14 s); the per-spec checks run in the default tier
def test_list_at_80_columns():
    out = run("list", columns=80)
    assert "…" not in out and "138M" in out and "vgg16" in out


def test_fit_drops_lowest_priority_first_and_never_a_cell():
    columns = [FitColumn("Layer", ["a_long_layer_name"], 1, wraps=True), FitColumn("Params", ["1.79K"], 3),
               FitColumn("Kernel", ["3×3 s1 p1"], 7), FitColumn("RF", ["404"], 9)]
    layout = fit(columns, table_width([17, 6, 9]))
    assert [c.title for c in layout.columns] == ["Layer", "Params", "Kernel"]
    assert [c.title for c in layout.dropped] == ["RF"]
    layout = fit(columns, 20)
    assert [c.title for c in layout.columns] == ["Layer", "Params"] and layout.name_width >= 8
    assert fit(columns, None).columns == columns


@pytest.mark.parametrize("width", [None, 80, 40])
@pytest.mark.parametrize("report", ["summary", "compare", "verify", "several inputs"])
def test_plain_text_in_a_pipe_is_what_rich_draws(report, width):
    """Pipes get the layout as plain text, without loading rich's console; it must match rich."""
    import io

    from rich.console import Console

    from archcalc.engine import Config
    from archcalc.pipeline import analyse
    from archcalc.render.table import Formatter, compare_table, summary_table
    from archcalc.render.verify import verify_table
    from archcalc.verify import verify

    if report == "summary":
        made = summary_table(analyse("googlenet"), Formatter(), width)
    elif report == "several inputs":
        made = summary_table(analyse("resnet18", [(3, 224, 224), (3, 320, 320)]), Formatter(), width)
    elif report == "compare":
        made = compare_table([analyse(m) for m in ("alexnet", "googlenet", "vgg16")], Formatter(), width)
    else:
        made = verify_table(verify(catalog()["lenet5"].graph(), Config((1, 32, 32))), "LeNet-5", width)
    from archcalc.render.layout import FittedTable

    tables = [part for part in made.parts if isinstance(part, FittedTable)]
    assert tables
    for table in tables:
        console = Console(file=io.StringIO(), width=max(width or 10_000, table.needed_width), highlight=False,
                          soft_wrap=False)
        console.print(table.to_rich())
        drawn = [line.rstrip() for line in console.file.getvalue().splitlines()]
        assert table.lines() == drawn


# ---- prose wraps at word boundaries; names fold after a separator ----

NAME_SEPARATORS = "/._-"
DROPPED_NOTE = "RF, Type, Kernel, Input, Activations, left out to fit 80 columns; COLUMNS=N or a pipe shows them. it."


def broken_words(narrow: str, wide: str) -> list[str]:
    """Tokens of ``narrow`` that are neither whole tokens of ``wide`` nor a piece of a layer name
    folded after a separator ("inception3a/" + "3x3_reduce"): words broken in the middle."""
    whole = set(wide.split()) | set(DROPPED_NOTE.split())

    def name_piece(token: str) -> bool:
        for word in whole:
            start = word.find(token)
            while start >= 0:
                end = start + len(token)
                if (start == 0 or word[start - 1] in NAME_SEPARATORS) and \
                        (end == len(word) or token[-1] in NAME_SEPARATORS):
                    return True
                start = word.find(token, start + 1)
        return False

    return [token for line in narrow.splitlines() if "─" not in line for token in line.split()
            if token not in whole and "²" not in token and not name_piece(token)]


def test_broken_words_finds_a_word_cut_in_two():
    wide = "the peak includes parameter gradients\n inception3a/3x3_reduce 18,528"
    assert broken_words("the peak includes pa\nrameter gradients", wide) == ["pa", "rameter"]
    assert broken_words(" inception3a/3x3_reduc\n e", wide) == ["inception3a/3x3_reduc", "e"]
    assert broken_words(" inception3a/\n   3x3_reduce 18,528\nthe peak includes\nparameter", wide) == []


@pytest.mark.parametrize("args", [
    ("memory", "resnet50", "--batch", "32", "--device", "a100-40gb"),
    ("memory", "nasnet_a_mobile", "--exact"),
    ("memory", "unet", "--memory", "11GiB"),
    ("summary", "googlenet", "--exact"),
    ("summary", "resnet50", "--input", "3x224x224,3x320x320"),
    ("layers", "conv"),
    ("conventions",),
])
def test_eighty_columns_break_no_word_and_no_line(args):
    narrow, wide = run(*args, columns=80), run(*args)
    assert broken_words(narrow, wide) == []
    assert [line for line in narrow.splitlines() if len(line) > 80] == []


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("report, columns", [("memory", 30), ("several inputs", 80)])
def test_on_a_terminal_prose_wraps_at_its_width_even_beside_a_wider_table(report, columns, monkeypatch):
    """A table that cannot fit is drawn at its natural width; the lines around it still wrap at
    the terminal's width, between words."""
    from archcalc.pipeline import analyse
    from archcalc.render import memory
    from archcalc.render.layout import FittedTable
    from archcalc.render.table import Formatter, show, summary_table
    from archcalc.training import training_memory

    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("NO_COLOR", "1")
    if report == "memory":
        result = analyse("resnet50", batches=[32])
        made = memory.report(result.spec, result.analysis, training_memory(result.analysis, "sgd", "fp32"),
                             Formatter(exact=True), 0, None, columns)
    else:
        made = summary_table(analyse("resnet50", [(3, 224, 224), (3, 320, 320)]), Formatter(exact=True), columns)
    table = next(part for part in made.parts if isinstance(part, FittedTable))
    assert table.needed_width > columns          # the point: this table is wider than the terminal
    terminal = _Terminal()
    show(made, terminal)
    drawn = [line.rstrip() for line in re.sub(r"\x1b\[[0-9;]*m", "", terminal.getvalue()).splitlines()]
    too_wide = {line for part in made.parts if getattr(part, "needed_width", 0) > columns
                for line in (part.lines() if isinstance(part, FittedTable) else part.lines(columns))}
    assert [line for line in drawn if len(line) > columns and line not in too_wide] == []
    assert broken_words("\n".join(line for line in drawn if line not in too_wide), made.plain(None)) == []
