"""The spec language: each construct, and the errors it reports (code and location)."""

import pytest

from archcalc.engine import Config, analyze
from archcalc.errors import ArchcalcError
from tests.conftest import spec_from_text


def error_of(text):
    """The error a spec raises while compiling or analysing at its own input."""
    with pytest.raises(ArchcalcError) as info:
        spec = spec_from_text(text)
        analyze(spec.graph(), [Config(spec.input_shape())])
    return info.value


def test_small_worked_example(inline):
    # 32×32×3 input, 10 filters 5×5, stride 1, pad 2 → 32×32×10; 76 params per filter, 760 total
    net = inline("""
        input: 3x32x32
        layers:
          - conv: {out: 10, kernel: 5, padding: 2}
    """)
    assert net.shape("conv1") == (10, 32, 32)
    assert net.params("conv1") == 10 * (5 * 5 * 3 + 1) == 760


@pytest.mark.parametrize("stride, size", [(1, 5), (2, 3)])
def test_seven_by_seven_with_three_by_three(inline, stride, size):
    net = inline(f"""
        input: 1x7x7
        layers:
          - conv: {{out: 1, kernel: 3, stride: {stride}}}
    """)
    assert net.shape("conv1") == (1, size, size)


def test_non_integer_output_is_an_error_with_the_arithmetic():
    error = error_of("""
        input: 3x10x10
        layers:
          - conv: {name: conv3_1, out: 8, kernel: 3, stride: 2}
    """)
    assert error.code == "E301"
    assert (error.location.line, error.location.column) == (4, 5)
    assert error.layer == "conv3_1"
    assert "(10 + 0 - 3)/2 + 1 = 4.5 is not an integer" in error.message


@pytest.mark.parametrize("rounding, size", [("floor", 4), ("ceil", 5)])
def test_rounding_is_chosen_explicitly(inline, rounding, size):
    net = inline(f"""
        input: 3x10x10
        layers:
          - conv: {{out: 8, kernel: 3, stride: 2, rounding: {rounding}}}
    """)
    assert net.shape("conv1") == (8, size, size)


def test_spec_level_rounding_and_per_type_defaults(inline):
    net = inline("""
        input: 3x224x224
        rounding: floor
        defaults:
          maxpool: {rounding: ceil}
          conv: {bias: false}
        layers:
          - conv: {out: 64, kernel: 7, stride: 2, padding: 3}
          - maxpool: {kernel: 3, stride: 2}
    """)
    assert net.shape("conv1") == (64, 112, 112)     # floor(112.5)
    assert net.shape("maxpool1") == (64, 56, 56)    # ceil(55.5)
    assert net.params("conv1") == 64 * 3 * 49


def test_same_padding_follows_tensorflow(inline):
    net = inline("""
        input: 3x225x225
        layers:
          - conv: {out: 8, kernel: 3, stride: 2, padding: same}
          - conv: {out: 8, kernel: 5, padding: same}
          - conv: {out: 8, kernel: 3, padding: valid}
    """)
    assert net.shape("conv1") == (8, 113, 113)  # ceil(225 / 2)
    assert net.shape("conv2") == (8, 113, 113)
    assert net.shape("conv3") == (8, 111, 111)


def test_asymmetric_padding_dilation_and_groups(inline):
    net = inline("""
        input: 32x17x17
        layers:
          - conv: {out: 64, kernel: [1, 7], padding: [0, 3], groups: 4}
          - conv: {out: 64, kernel: 3, dilation: 2, padding: [1, 1, 2, 2]}
          - conv: {kernel: 3, padding: 1, groups: depthwise, bias: false}
    """)
    assert net.shape("conv1") == (64, 17, 17)
    assert net.params("conv1") == 64 * (32 // 4) * 7 + 64
    # dilated 3×3 spans 5: height (17 + 2 - 5) + 1 = 15, width (17 + 4 - 5) + 1 = 17
    assert net.shape("conv2") == (64, 15, 17)
    assert net.params("conv3") == 64 * 9
    assert net.macs("conv3") == 15 * 17 * 64 * 9


def test_repeat_index_blocks_and_branches(inline):
    net = inline("""
        input: 16x8x8
        vars: {widths: [4, 8]}
        blocks:
          pair:
            params: {width: null, extra: 0}
            layers:
              - concat:
                  - [conv: {name: a, out: "${width}", kernel: 1}]
                  - []
                name: join
              - conv: {name: b, out: "${width + extra}", kernel: 3, padding: 1}
        layers:
          - pair: {name: "p${i}", width: "${widths[i]}"}
            repeat: 2
          - seq:
              - conv: {name: "s${k}_${i}", out: 2, kernel: 1}
                repeat: 2
            repeat: 2
            index: k
    """)
    assert net.shape("p0/join") == (4 + 16, 8, 8)
    assert net.shape("p0/b") == (4, 8, 8)
    assert net.shape("p1/join") == (8 + 4, 8, 8)
    assert [r for r in net.rows if r.startswith("s")] == ["s0_0", "s0_1", "s1_0", "s1_1"]


def test_general_dag_with_from(inline):
    net = inline("""
        input: 8x4x4
        layers:
          - conv: {name: left, out: 8, kernel: 1}
          - conv: {name: right, from: input, out: 8, kernel: 3, padding: 1}
          - add: {name: sum, from: [left, right]}
          - mul: {from: [sum, gate]}
            if: false
          - global_avgpool: {name: gate, from: sum}
          - mul: {name: scaled, from: [sum, gate]}
    """)
    assert net.shape("sum") == (8, 4, 4)
    assert net.shape("scaled") == (8, 4, 4)
    assert net.totals["adds"] == 8 * 4 * 4


def test_variants_and_vars_override(tmp_path):
    from archcalc.spec import load_specs

    path = tmp_path / "fam.yaml"
    path.write_text("""
name: fam
input: 3x8x8
vars: {width: 4, double: "${width * 2}"}
layers:
  - conv: {out: "${double}", kernel: 1}
variants:
  small: {}
  big: {vars: {width: 16}, input: 3x16x16}
""")
    small, big = load_specs(path)
    assert small.name == "small" and big.name == "big"
    assert [n.layer.out for n in big.graph().nodes[1:]] == [32]
    assert big.input_shape() == (3, 16, 16)


@pytest.mark.parametrize("text, code, line, column", [
    ("input: 3x8x8\nlayers:\n  - cnov: {out: 4, kernel: 1}\n", "E201", 3, 5),
    ("input: 3x8x8\nlayers:\n  - conv: {out: 4, kernal: 1}\n", "E202", 3, 20),
    ("input: 3x8x8\nlayers:\n  - conv: {out: 4}\n", "E204", 3, 5),
    ("input: 3x8x8\nlayers:\n  - conv: {out: 4, kernel: \"3\"}\n", "E203", 3, 28),
    ("input: 3x8x8\nlayers:\n  - conv: {out: 4, kernel: true}\n", "E203", 3, 28),
    ("input: 3x8x8\nlayers:\n  - conv: {out: 4, kernel: 0}\n", "E203", 3, 28),
    ("input: 3x8x8\nlayers:\n  - conv: {out: 4, kernel: 9}\n", "E302", 3, 5),
    ("input: 3x8x8\nlayers:\n  - fc: {out: 4}\n", "E305", 3, 5),
    ("input: 3x8x8\nlayers:\n  - conv: {out: 4, kernel: 1, groups: 2}\n", "E304", 3, 5),
    ("input: 3x8x8\nlayers:\n  - add: {from: [input, nowhere]}\n", "E401", 3, 25),
    ("input: 3x8x8\nlayers:\n  - conv: {out: 4, kernel: \"${k}\"}\n", "E205", 3, 28),
    ("input: 3x8x8\nlayers:\n  - relu\n  - relu: {name: relu1}\n", "E406", 4, 5),
    ("input: 3x8x8\nblocks:\n  b: {layers: [b]}\nlayers:\n  - b\n", "E403", 3, 16),
    ("input: 3x8x8\nblocks:\n  b: {params: {w: null}, layers: [relu]}\nlayers:\n  - b: {x: 1}\n", "E404", 5, 9),
    ("input: 3x8x8\nlayers:\n  - conv: {out: 4, kernel: 1}\n    conv: {out: 4, kernel: 1}\n", "E102", 4, 5),
])
def test_errors_have_code_and_location(text, code, line, column):
    error = error_of(text)
    assert (error.code, error.location.line, error.location.column) == (code, line, column), str(error)


def test_unknown_type_suggests_the_closest():
    error = error_of("input: 3x8x8\nlayers:\n  - maxpol: {kernel: 2}\n")
    assert "did you mean 'maxpool'" in error.message


def test_unused_output_is_a_warning_not_an_error():
    spec = spec_from_text("""
        input: 3x8x8
        layers:
          - conv: {name: orphan, out: 4, kernel: 1}
          - conv: {from: input, out: 4, kernel: 1}
    """)
    graph = spec.graph()
    assert [(w.code, w.layer) for w in graph.warnings] == [("W401", "orphan")]


def test_expressions_are_safe():
    error = error_of("input: 3x8x8\nlayers:\n  - conv: {out: \"${__import__('os')}\", kernel: 1}\n")
    assert error.code == "E205"


def test_extra_outputs_are_not_unused():
    spec = spec_from_text("""
        input: 3x8x8
        layers:
          - conv: {name: head, out: 4, kernel: 1, output: true}
          - conv: {from: input, out: 4, kernel: 1}
    """)
    graph = spec.graph()
    assert not graph.warnings and graph.nodes[1].output


def test_pool_padding_beyond_half_the_window_is_refused():
    error = error_of("input: 3x8x8\nlayers:\n  - maxpool: {kernel: 2, padding: 2}\n")
    assert error.code == "E203" and "more than half the window" in error.message
