"""Exact rationals (archcalc.ratio) agree with Python's Fraction, whole-number fast paths included."""

from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from archcalc.ratio import Ratio

small = st.integers(-1000, 1000)
fraction = st.one_of(small.map(Fraction), st.builds(Fraction, small, st.integers(1, 60)))
column = st.lists(fraction, min_size=1, max_size=4)


def as_ratio(values: list[Fraction], count: int) -> Ratio:
    """Whole columns go in through the whole-number path, the rest as reduced num/den arrays."""
    values = (values * count)[:count]
    if all(v.denominator == 1 for v in values):
        return Ratio.of(np.array([v.numerator for v in values], np.int64), count)
    return Ratio.reduced(np.array([v.numerator for v in values], np.int64),
                         np.array([v.denominator for v in values], np.int64))


def as_fractions(ratio: Ratio) -> list[Fraction]:
    assert np.all(np.gcd(ratio.num, ratio.den) == 1), "not in lowest terms"
    assert np.all(ratio.den > 0)
    assert not ratio.whole or np.all(ratio.den == 1), "marked whole with a denominator"
    return [Fraction(int(n), int(d)) for n, d in zip(ratio.num, ratio.den)]


@given(column, column, st.integers(1, 4))
def test_arithmetic_matches_fractions(left, right, count):
    a, b = as_ratio(left, count), as_ratio(right, count)
    expected_a, expected_b = as_fractions(a), as_fractions(b)
    assert as_fractions(a + b) == [x + y for x, y in zip(expected_a, expected_b)]
    assert as_fractions(a - b) == [x - y for x, y in zip(expected_a, expected_b)]
    assert as_fractions(a * b) == [x * y for x, y in zip(expected_a, expected_b)]
    assert as_fractions(a.half()) == [x / 2 for x in expected_a]
    assert as_fractions(a.maximum(b)) == [max(x, y) for x, y in zip(expected_a, expected_b)]
    assert list(a.ceil()) == [-(-x.numerator // x.denominator) for x in expected_a]


def test_scalars_and_fractions_broadcast():
    assert as_fractions(Ratio.of(3, 2)) == [3, 3]
    assert as_fractions(Ratio.of(Fraction(1, 2), 3)) == [Fraction(1, 2)] * 3
    assert Ratio.of(Fraction(4, 1), 1).whole
