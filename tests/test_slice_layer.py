"""The 'slice' layer (channel split, spatial crop) and list slicing in expressions."""

from __future__ import annotations

import numpy as np
import pytest

from archcalc.errors import ArchcalcError
from archcalc.expr import ExpressionError, evaluate
from archcalc.layers import lookup

SPEC = """
input: 8x6x5
layers:
  - slice: {{name: part, {settings}}}
"""

# settings → output shape of an 8×6×5 input (Python's slice bounds)
SHAPES = [
    ("channels: [0, 4]", (4, 6, 5)),
    ("channels: [4, null]", (4, 6, 5)),
    ("channels: [-3, null]", (3, 6, 5)),
    ("channels: [2, -2]", (4, 6, 5)),
    ("height: [1, null], width: [1, null]", (8, 5, 4)),
    ("height: [0, -1], width: [2, 4]", (8, 5, 2)),
    ("channels: null", (8, 6, 5)),
]


@pytest.mark.parametrize("settings, shape", SHAPES)
def test_slice_shapes(inline, settings, shape):
    result = inline(SPEC.format(settings=settings))
    assert result.shape("part") == shape
    assert result.params("part") == 0 and result.macs("part") == 0
    assert result.activations("part") == 0  # a view


@pytest.mark.parametrize("settings, code", [
    ("channels: [4, 4]", "E302"),        # empty
    ("channels: [0, 9]", "E302"),        # beyond 8 channels
    ("channels: [-9, null]", "E302"),    # before the first channel
    ("height: [5, 2]", "E302"),          # reversed
    ("channels: 3", "E203"),             # not a [start, stop] pair
    ("width: [0.5, 2]", "E203"),
])
def test_slice_errors(inline, settings, code):
    with pytest.raises(ArchcalcError) as error:
        inline(SPEC.format(settings=settings))
    assert error.value.code == code
    assert error.value.location is not None and error.value.location.line == 4


def test_slice_of_a_flat_vector(inline):
    result = inline("""
        input: 10
        layers:
          - slice: {name: half, channels: [5, null]}
    """)
    assert result.shape("half") == (5,)
    with pytest.raises(ArchcalcError) as error:
        inline("""
            input: 10
            layers:
              - slice: {height: [0, 1]}
        """)
    assert error.value.code == "E305"


def test_slice_evaluates_per_configuration(inline):
    result = inline(SPEC.format(settings="height: [1, null], width: [0, -1]"), inputs=[(8, 6, 5), (3, 9, 4)])
    assert result.shape("part", 1) == (3, 8, 3)


def test_crop_moves_the_receptive_field(inline):
    # Cropping the first row and column: output (0, 0) is input (1, 1); a 1×1 window, no growth.
    result = inline(SPEC.format(settings="height: [1, null], width: [1, null]"))
    field = result.rows["part"].field
    assert (int(field.size[0].value()[0]), int(field.size[1].value()[0])) == (1, 1)
    assert (float(field.start[0].value()[0]), float(field.start[1].value()[0])) == (1.0, 1.0)


@pytest.mark.parametrize("settings, shape", SHAPES)
def test_slice_forward_agrees_with_the_engine(inline, settings, shape):
    result = inline(SPEC.format(settings=settings))
    layer = result.rows["part"].layer
    x = np.random.default_rng(0).standard_normal((2, 8, 6, 5)).astype(np.float32)
    assert layer.init_params([(8, 6, 5)], np.random.default_rng(1)) == {}
    y, macs = layer.forward([x], {})
    assert y.shape == (2, *shape) and macs == 0
    # NumPy's own slicing with the literal bounds is the independent reference.
    index = tuple(slice(None) if c is None else slice(*c) for c in (layer.channels, layer.height, layer.width))
    np.testing.assert_array_equal(y, x[(slice(None), *index)])


def test_slice_is_found_by_its_name_only():
    """'crop' is the center crop, no longer a spelling of slice."""
    assert lookup("Slice") is lookup("slice")
    assert lookup("crop") is not lookup("slice")


def test_expression_slicing():
    assert evaluate("sum(n[:2])", {"n": [1, 2, 3]}) == 3
    assert evaluate("n[1:]", {"n": [1, 2, 3]}) == [2, 3]
    assert evaluate("n[::-1][0]", {"n": [1, 2, 3]}) == 3
    with pytest.raises(ExpressionError):
        evaluate("n['a':]", {"n": [1, 2, 3]})
