"""Values as conditions read them: their kinds, equality and order (never raising on customer data), paths into
nested objects, and numbers for sums. See data.py for the rules."""

from __future__ import annotations

import numbers
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from functools import partial
from typing import Any, Literal

__all__ = ["against", "as_number", "compare", "count_test", "equal", "path_source", "value_kind", "walk"]

Source = Literal["profile", "trigger", "event"]

_KINDS = {bool: "boolean", int: "number", float: "number", str: "text", list: "collection", dict: "collection"}


def value_kind(value: Any) -> str:
    """ "number", "text", "boolean", "collection" or "other"."""
    known = _KINDS.get(type(value))  # the common types at once; subclasses and the rest below
    if known is not None:
        return known
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (numbers.Real, Decimal)):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple, set, frozenset, Mapping)):
        return "collection"
    return "other"


def equal(a: Any, b: Any) -> bool:
    """`a == b` as a condition means it: both present, of one kind, and equal."""
    if a is None or b is None:
        return False
    kind = value_kind(a)
    if kind != value_kind(b):
        return False
    if kind == "other" and type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except Exception:
        return False


_OPS = ("==", "!=", "<", "<=", ">", ">=")


def compare(op: str, a: Any, b: Any) -> bool:
    """`a op b` as a condition means it (an unknown operator raises ValueError: a malformed condition)."""
    if op not in _OPS:
        raise ValueError(f"unknown comparison operator {op!r}")
    if op == "==":
        return equal(a, b)
    if op == "!=":
        return not equal(a, b)
    if a is None or b is None:
        return False
    kind = value_kind(a)
    if kind != value_kind(b) or kind in ("boolean", "collection"):
        return False
    if kind == "other" and type(a) is not type(b):
        return False
    try:
        if op == "<":
            return bool(a < b)
        if op == "<=":
            return bool(a <= b)
        if op == ">":
            return bool(a > b)
        return bool(a >= b)
    except Exception:
        return False


# Against a constant, the types whose plain comparison gives `compare`'s answer, by the constant's type: a str
# against a str, an int or float against an int or float (`type(True)` is bool, not int: booleans are not numbers).
_PLAIN: dict[type, tuple[type, ...]] = {str: (str,), int: (int, float), float: (int, float)}
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {"==": operator.eq, "!=": operator.ne, "<": operator.lt,
                                                    "<=": operator.le, ">": operator.gt, ">=": operator.ge}  # fmt: skip
_MIRRORED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}  # `c < v` is `v > c`


def against(op: str, constant: Any, constant_first: bool = False) -> Callable[[Any], bool]:
    """`compare(op, value, constant)` (or `compare(op, constant, value)`) as a function of the value, built once.

    Comparing with a constant is the usual case (`category == "dresses"`, `total >= 100`, a behaviour's threshold):
    for a value of a plain type (see `_PLAIN`) the plain comparison is the answer, and anything else (None, a
    boolean, a Decimal, a subclass, ...) takes `compare`."""
    plain = plain_test(op, constant, constant_first)
    if plain is None:
        if constant_first:
            return lambda value: compare(op, constant, value)
        return lambda value: compare(op, value, constant)
    test, types = plain
    if constant_first:
        return lambda value: test(value, constant) if type(value) in types else compare(op, constant, value)
    return lambda value: test(value, constant) if type(value) in types else compare(op, value, constant)


def plain_test(
    op: str, constant: Any, constant_first: bool = False
) -> tuple[Callable[[Any, Any], bool], tuple[type, ...]] | None:
    """For a constant of a plain type: the operator comparing a value with it, `test(value, constant)`, and the
    types of value for which that is `compare`'s answer (see `against`); None for any other constant."""
    plain = _PLAIN.get(type(constant))
    if plain is None or op not in _OPERATORS:
        return None
    return _OPERATORS[_MIRRORED[op] if constant_first else op], plain  # value <op> constant


def count_test(op: str, constant: Any) -> Callable[[int], bool]:
    """`compare(op, count, constant)` for a count (an int: a behaviour's `len`) as a function of the count, built
    once. Against a number (a threshold), that is the plain comparison: `partial(operator.le, 3.0)(count)` is
    `3.0 <= count`, `count >= 3.0`, called with no Python frame. Anything else goes through `against`."""
    if type(constant) in (int, float) and op in _OPERATORS:
        return partial(_OPERATORS[_MIRRORED[op]], constant)
    return against(op, constant)


def as_number(value: Any) -> float:
    """A property as a number for `sum_of`: missing or not a number (text, boolean) counts 0."""
    if value_kind(value) != "number":
        return 0
    return value if isinstance(value, (int, float)) else float(value)  # Decimal and float do not add


def walk(value: Any, parts: Iterable[str]) -> Any:
    """The value at `parts` inside nested mappings, None (missing) where one is absent or not a mapping."""
    for part in parts:
        if type(value) is not dict and not isinstance(value, Mapping):  # (a dict, the usual case, at once)
            return None
        value = value.get(part)
    return value


def path_source(parts: Sequence[str]) -> tuple[Source, Sequence[str]]:
    """Where a path reads, "profile", "trigger" or "event", and the parts it walks there."""
    if len(parts) > 1 and parts[0] == "profile":
        return "profile", parts[1:]
    if len(parts) > 1 and parts[0] == "trigger":
        return "trigger", parts[1:]
    return "event", parts
