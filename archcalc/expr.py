"""Safe arithmetic for specs: ``${...}`` expressions, evaluated without Python's eval.

Scaling rules need a little arithmetic — ``out: ${round(64 * width)}``, ``repeat: ${depths[2]}``,
``stride: ${2 if i == 0 else 1}``, ``${sum(repeats[:stage])}`` — and design-space rules a little
more: RegNet's widths are ``w0·wm^round(log((w0 + wa·j)/w0)/log(wm))`` for every block j, quantised,
``${[... for j in range(depth)]}``. Expressions are parsed with :mod:`ast` and only numbers, names
of spec variables, arithmetic, comparisons, conditionals, indexing and slicing, list
comprehensions and a few named functions are allowed.

Bounds keep a hostile spec from exhausting time or memory: lists made by an expression have at
most ``MAX_SEQUENCE`` elements, comprehensions run at most ``MAX_ITERATIONS`` iterations per
expression, numbers stay below ``MAX_MAGNITUDE`` and finite, exponents at most 64.
"""

from __future__ import annotations

import ast
import contextvars
import math
import operator
import re
from functools import lru_cache

_EXPRESSION = re.compile(r"\$\{([^{}]*)\}")


def make_divisible(value, divisor=8, min_value=None):
    """Round channels to a multiple of ``divisor``, never below 90% of ``value``.

    The rule MobileNet v2/v3 and EfficientNet use for their channel counts.
    """
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


MAX_SEQUENCE = 1_000_000   # elements a list or string made by an expression may have
MAX_ITERATIONS = 100_000   # comprehension loop iterations one expression may run


def _range(*args):
    numbers = range(*args)
    if len(numbers) > MAX_SEQUENCE:
        raise ValueError(f"range of {len(numbers):,} elements is too long")
    return list(numbers)


def _power(base, exponent):
    """``pow(base, exponent)`` with the limits of ``**``: no modulus, an exponent of at most 64."""
    if isinstance(exponent, (int, float)) and abs(exponent) > 64:
        raise ValueError(f"exponent {exponent} is too large")
    return base ** exponent


FUNCTIONS = {
    "min": min, "max": max, "abs": abs, "int": int, "float": float, "round": round, "len": len,
    "sum": sum, "ceil": math.ceil, "floor": math.floor, "sqrt": math.sqrt,
    "log": math.log, "log2": math.log2, "log10": math.log10, "exp": math.exp, "pow": _power,
    "make_divisible": make_divisible, "range": _range,
    "zip": lambda *lists: _range_checked(list(zip(*lists))),
    "enumerate": lambda items: _range_checked(list(enumerate(items))),
}


def _range_checked(items: list) -> list:
    if len(items) > MAX_SEQUENCE:
        raise ValueError(f"a list of {len(items):,} elements is too long")
    return items


_BINARY = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
_COMPARE = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
MAX_MAGNITUDE = 2**62


class ExpressionError(ValueError):
    """The expression is malformed or refers to something undefined."""


#: Comprehension iterations left for the expression being evaluated (reset by :func:`evaluate`).
_iterations_left: contextvars.ContextVar[list] = contextvars.ContextVar("iterations_left")


def evaluate(source: str, variables: dict):
    """Evaluate one expression (the text inside ``${...}``).

    >>> evaluate("2 if i == 0 else 1", {"i": 0})
    2
    """
    tree = _parse(source.strip())
    token = _iterations_left.set([MAX_ITERATIONS])
    try:
        return _eval(tree, variables)
    except ExpressionError:
        raise
    except (TypeError, ValueError, OverflowError, ArithmeticError, AttributeError, MemoryError) as error:
        # e.g. '3' > 2, -'a', int('x'): the expression is wrong, not archcalc
        raise ExpressionError(f"cannot evaluate '{source.strip()}': {error}") from None
    finally:
        _iterations_left.reset(token)


@lru_cache(maxsize=4096)
def _parse(source: str):
    """The expression's syntax tree; cached, since repeated blocks evaluate the same texts."""
    try:
        return ast.parse(source, mode="eval").body
    except SyntaxError as error:
        raise ExpressionError(f"cannot parse expression '{source}': {error.msg}") from None


def _eval(node, variables):
    kind = type(node)   # parsed nodes are exactly these classes: identity tests, the cheapest dispatch
    if kind is ast.Name:
        if node.id in variables:
            return variables[node.id]
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        raise ExpressionError(f"undefined variable '{node.id}'" + _known(variables))
    if kind is ast.Constant and (isinstance(node.value, (int, float, str, bool)) or node.value is None):
        return node.value
    if kind is ast.BinOp and type(node.op) in _BINARY:
        left, right = _eval(node.left, variables), _eval(node.right, variables)
        if isinstance(node.op, ast.Pow) and isinstance(right, (int, float)) and abs(right) > 64:
            raise ExpressionError(f"exponent {right} is too large")
        if isinstance(node.op, ast.Mult) and _repeated_length(left, right) > MAX_SEQUENCE:
            raise ExpressionError(f"the result would have more than {MAX_SEQUENCE:,} elements")
        try:
            result = _BINARY[type(node.op)](left, right)
        except (ZeroDivisionError, TypeError, OverflowError) as error:
            raise ExpressionError(str(error)) from None
        return _checked_number(result)
    if kind is ast.UnaryOp and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand, variables))
    if kind is ast.BoolOp:
        values = (_eval(v, variables) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if kind is ast.Compare and all(type(op) in _COMPARE for op in node.ops):
        left = _eval(node.left, variables)
        for op, comparator in zip(node.ops, node.comparators):
            right = _eval(comparator, variables)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if kind is ast.IfExp:
        return _eval(node.body if _eval(node.test, variables) else node.orelse, variables)
    if kind is ast.List or kind is ast.Tuple:
        return [_eval(element, variables) for element in node.elts]
    if kind is ast.Subscript:
        container = _eval(node.value, variables)
        if isinstance(node.slice, ast.Slice):  # depths[:stage] — a part of a list
            bounds = [None if b is None else _eval(b, variables)
                      for b in (node.slice.lower, node.slice.upper, node.slice.step)]
            try:
                return container[slice(*bounds)]
            except (TypeError, ValueError) as error:
                raise ExpressionError(f"cannot slice {container!r}: {error}") from None
        index = _eval(node.slice, variables)
        try:
            return container[index]
        except (IndexError, KeyError, TypeError) as error:
            raise ExpressionError(f"cannot index {container!r} with {index!r}: {error}") from None
    if kind is ast.Call and isinstance(node.func, ast.Name) and not node.keywords:
        if node.func.id not in FUNCTIONS:
            raise ExpressionError(f"unknown function '{node.func.id}'; available: {', '.join(sorted(FUNCTIONS))}")
        try:
            result = FUNCTIONS[node.func.id](*(_eval(a, variables) for a in node.args))
        except (TypeError, ValueError, OverflowError, ZeroDivisionError) as error:
            raise ExpressionError(f"{node.func.id}(): {error}") from None
        return _checked_number(result)
    if kind is ast.ListComp:
        return _comprehension(node, variables)
    raise ExpressionError(f"'{ast.unparse(node)}' is not allowed in an expression")


def _checked_number(result):
    """A number an expression produced, refused when infinite, NaN or beyond 64-bit counts."""
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        if isinstance(result, float) and not math.isfinite(result):
            raise ExpressionError(f"the result {result} is not a finite number")
        if abs(result) > MAX_MAGNITUDE:
            raise ExpressionError(f"value {result:.3g} is too large")
    return result


def _comprehension(node: ast.ListComp, variables: dict) -> list:
    """``[element for name in items if condition ...]``: names bound in a scope of their own."""
    local = dict(variables)
    results: list = []

    def generate(level: int) -> None:
        if level == len(node.generators):
            results.append(_eval(node.elt, local))
            if len(results) > MAX_SEQUENCE:
                raise ExpressionError(f"the list would have more than {MAX_SEQUENCE:,} elements")
            return
        generator = node.generators[level]
        if generator.is_async:
            raise ExpressionError("'async for' is not allowed in an expression")
        items = _eval(generator.iter, local)
        if not isinstance(items, (list, str)):
            raise ExpressionError(f"a comprehension iterates over a list, got {items!r}")
        budget = _iterations_left.get()
        for item in items:
            budget[0] -= 1
            if budget[0] < 0:
                raise ExpressionError(f"the expression runs more than {MAX_ITERATIONS:,} loop iterations")
            _bind(generator.target, item, local)
            if all(_eval(condition, local) for condition in generator.ifs):
                generate(level + 1)

    generate(0)
    return results


def _bind(target, value, scope: dict) -> None:
    """Assign a comprehension's loop value to its name, or unpack it into a tuple of names."""
    if isinstance(target, ast.Name):
        scope[target.id] = value
        return
    if isinstance(target, (ast.Tuple, ast.List)):
        if not isinstance(value, (list, tuple)) or len(value) != len(target.elts):
            raise ExpressionError(f"cannot unpack {value!r} into {len(target.elts)} names")
        for element, part in zip(target.elts, value):
            _bind(element, part, scope)
        return
    raise ExpressionError(f"'{ast.unparse(target)}' cannot be a loop variable")


def _repeated_length(left, right) -> int:
    """Length of ``sequence * count`` (either order), 0 when it is not a repetition."""
    for sequence, count in ((left, right), (right, left)):
        if isinstance(sequence, (str, list)) and isinstance(count, int):
            return len(sequence) * max(count, 0)
    return 0


def _known(variables) -> str:
    names = sorted(k for k in variables if not k.startswith("_"))
    return f"; defined here: {', '.join(names)}" if names else ""


def substitute(value, variables: dict):
    """Replace ``${...}`` in a string value.

    A string that is exactly one expression yields the expression's value (a number, list…);
    expressions inside longer strings are interpolated as text (``conv${i+1}``).
    Non-strings are returned unchanged.
    """
    if not isinstance(value, str) or "${" not in value:
        return value
    whole = _EXPRESSION.fullmatch(value.strip())
    if whole:
        return evaluate(whole.group(1), variables)
    return _EXPRESSION.sub(lambda m: str(evaluate(m.group(1), variables)), value)
