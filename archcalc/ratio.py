"""Exact rationals, one per configuration: the receptive field's jumps, sizes and starts once
up-sampling layers step by fractions of a pixel."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np


@dataclass(frozen=True)
class Ratio:
    """Exact rationals num/den, one per configuration (int64 arrays, den > 0, in lowest terms)."""

    num: np.ndarray
    den: np.ndarray
    #: Every den is 1: whole numbers (no up-sampling yet) add and multiply without a gcd; a whole
    #: number added to a fraction keeps it in lowest terms, also without one.
    whole: bool = False

    @staticmethod
    def of(value, count: int) -> "Ratio":
        """An int, an int64 array, a Fraction or a Ratio as a Ratio of ``count`` entries."""
        if isinstance(value, Ratio):
            return value
        if isinstance(value, Fraction):
            return Ratio(np.full(count, value.numerator, np.int64), np.full(count, value.denominator, np.int64),
                         value.denominator == 1)
        array = np.asarray(value, dtype=np.int64)
        if array.shape != (count,):
            array = np.full(count, array, np.int64) if array.ndim == 0 else np.broadcast_to(array, (count,))
        return Ratio(array, np.ones(count, np.int64), True)

    @staticmethod
    def reduced(num, den) -> "Ratio":
        common = np.maximum(np.gcd(num, den), 1)   # gcd(0, 0) = 0
        num, den = num // common, den // common
        return Ratio(num, den, not (den != 1).any())

    def __add__(self, other: "Ratio") -> "Ratio":
        if self.whole and other.whole:
            return Ratio(self.num + other.num, self.den, True)
        if other.whole:
            return Ratio(self.num + other.num * self.den, self.den)   # stays in lowest terms
        if self.whole:
            return Ratio(self.num * other.den + other.num, other.den)
        return Ratio.reduced(self.num * other.den + other.num * self.den, self.den * other.den)

    def __sub__(self, other: "Ratio") -> "Ratio":
        return self + Ratio(-other.num, other.den, other.whole)

    def __mul__(self, other: "Ratio") -> "Ratio":
        if self.whole and other.whole:
            return Ratio(self.num * other.num, self.den, True)
        return Ratio.reduced(self.num * other.num, self.den * other.den)

    def half(self) -> "Ratio":
        return Ratio.reduced(self.num, 2 * self.den)

    def ceil(self) -> np.ndarray:
        return -(-self.num // self.den)

    def value(self) -> np.ndarray:
        return self.num / self.den

    def maximum(self, other: "Ratio") -> "Ratio":
        larger = self.num * other.den >= other.num * self.den
        return Ratio(np.where(larger, self.num, other.num), np.where(larger, self.den, other.den),
                     self.whole and other.whole)
