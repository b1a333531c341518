"""The types of the tracking plan and the profile as checks of the values a Segment call carries.

Each set of declared properties becomes one function, made once per log. The usual call is checked at once by
exact type. A call that does not pass is read again slowly, value by value, to make what can be made to fit (a
number sent as text, as Segment's spec sends `Product Reviewed.rating`; a whole number sent as 2.0) and to name
every other problem at its path in the call (`properties.products[2].price`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple


class Problem(NamedTuple):
    """What is wrong with a Segment call, and where: `field` is the path in the call ("userId", "traits.timezone",
    "properties.products[2].price"), empty for the call as a whole."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}" if self.field else self.reason


def shown(value: Any, longest: int = 40) -> str:
    """A value as a report shows it: JSON, with control characters (line breaks, terminal escape codes) and
    invisible direction marks escaped, cut to `longest` characters; a list or an object as [...] or {...}."""
    if isinstance(value, list):
        return "[...]"
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, str):
        text = value if len(value) <= longest else value[: longest - 1] + "\u2026"
        return (
            '"'
            + _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text.replace("\\", "\\\\").replace('"', '\\"'))
            + '"'
        )
    try:
        text = json.dumps(value)
    except ValueError:  # an integer of more digits than Python writes
        return "a very long number"
    return text if len(text) <= longest else text[: longest - 1] + "\u2026"


# C0 and C1 control characters, DEL, and the marks that reorder or hide text (bidirectional overrides, zero width).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")

# The types a scalar value may have, checked by exact type: values read from JSON are of these types, never of a
# subclass (and a boolean is not a number, though bool is a subclass of int).
_SCALAR_TYPES: dict[str, frozenset[type]] = {
    "string": frozenset({str}),
    "number": frozenset({int, float}),
    "integer": frozenset({int}),
    "boolean": frozenset({bool}),
    "datetime": frozenset({str}),
    "timezone": frozenset({str}),
}
_WORDS = {"string": "text", "number": "a number", "integer": "a whole number", "boolean": "true or false",
          "datetime": "a time (text)", "timezone": "a time zone name"}  # fmt: skip
# A number written as text: what a plain decimal numeral looks like, short enough to be a real value.
_NUMERAL = re.compile(r"-?(?:0|[1-9][0-9]{0,17})(?:\.[0-9]{1,17})?", re.ASCII)
_EXACT_INTEGERS = 2**53  # beyond this, a float no longer holds every whole number

Checked = Mapping[str, Any] | list[Problem]  # the values (made to fit, if they had to be) or what is wrong


def _anything(_value: Any) -> bool:
    return True


def scalar_types(spec: Mapping[str, Any]) -> frozenset[type] | None:
    """The exact types a value of a scalar type may have (None for other types): the fast check by `type(v) in`."""
    return _SCALAR_TYPES.get(spec.get("name", "")) if spec.get("kind") == "scalar" else None


class TypeChecks:
    """Checks of values against declared types, shared by every event of a log (shapes may refer to themselves)."""

    def __init__(self, shapes: Mapping[str, Any]) -> None:
        self.shapes = shapes
        self._shape_checks: dict[str, Callable[[Any], bool]] = {}

    def properties(self, props: Iterable[Mapping[str, Any]], prefix: str) -> Callable[[Mapping[str, Any]], Checked]:
        """A function checking a set of values against declared properties (a property declared twice: by the
        last declaration); `prefix` is the path of the values in the call, such as "properties"."""
        declared = {prop["name"]: (bool(prop.get("optional")), prop["type"]) for prop in props}
        exact = {name: types for name, (_, spec) in declared.items() if (types := scalar_types(spec)) is not None}
        other_checks = {name: fits for name, (_, spec) in declared.items()
                        if name not in exact and (fits := self.fits(spec)) is not _anything}  # fmt: skip
        required = [name for name, (optional, _) in declared.items() if not optional]

        def check(values: Mapping[str, Any]) -> Checked:
            # The usual case at once: the values sent (a few of the many a plan declares) and the required ones.
            for name, value in values.items():
                if value is not None:
                    types = exact.get(name)
                    if types is None:
                        fits = other_checks.get(name)
                        if fits is not None and not fits(value):
                            return self.read_values(values, declared, prefix)
                    elif type(value) not in types:
                        return self.read_values(values, declared, prefix)
            for name in required:
                if values.get(name) is None:
                    return self.read_values(values, declared, prefix)
            return values

        return check

    def fits(self, spec: Mapping[str, Any]) -> Callable[[Any], bool]:
        """Whether a value is of the type as it is (nothing made to fit): the fast check."""
        kind = spec.get("kind")
        if kind == "scalar":
            types = _SCALAR_TYPES.get(spec.get("name", ""))
            return _anything if types is None else lambda v: type(v) in types
        if kind == "enum":
            values = list(spec.get("values", ()))
            return lambda v: type(v) is str and v in values
        if kind == "list":
            item = self.fits(spec["item"])
            return lambda v: type(v) is list and all(map(item, v))
        if kind == "shape":
            name = spec.get("name", "")
            return lambda v: type(v) is dict and self._shape(name)(v)
        if kind == "object":
            fields = self.properties(spec.get("fields", ()), "")
            return lambda v: type(v) is dict and fields(v) is v
        return _anything

    def _shape(self, name: str) -> Callable[[Any], bool]:
        """A named shape's fast check, made on first use."""
        if name not in self._shape_checks:
            shape = self.shapes.get(name)
            self._shape_checks[name] = _anything  # while it is being made
            self._shape_checks[name] = _anything if shape is None else self.fits(shape)
        return self._shape_checks[name]

    # ------------------------------------------------------------ the slow reading
    def read_values(self, values: Mapping[str, Any], declared: Mapping[str, tuple[bool, Any]], prefix: str) -> Checked:
        """The values with each declared one made to fit its type, or every problem found."""
        out = dict(values)
        problems: list[Problem] = []
        for name, (optional, spec) in declared.items():
            path = f"{prefix}.{name}" if prefix else name
            value = values.get(name)
            if value is None:
                if not optional:
                    problems.append(Problem(path, "missing (the tracking plan requires it)"))
                continue
            out[name], problem = self.read_value(value, spec, path)
            if problem is not None:
                problems.extend(problem)
        return problems or out

    def read_value(self, value: Any, spec: Mapping[str, Any], path: str) -> tuple[Any, list[Problem] | None]:
        """One value made to fit its type (or as it is), and its problems (None when it fits)."""
        kind = spec.get("kind")
        if kind == "shape":
            spec = self.shapes.get(spec.get("name", ""), {})
            kind = spec.get("kind")
        if kind == "scalar":
            fitted = _fitted_scalar(value, spec.get("name", ""))
            if fitted is _MISFIT:
                return value, [Problem(path, f"{shown(value)} is not {_WORDS[spec['name']]}")]
            return fitted, None
        if kind == "enum":
            values = list(spec.get("values", ()))
            if type(value) is str and value in values:
                return value, None
            return value, [Problem(path, f"{shown(value)} is not one of " + ", ".join(map(shown, values)))]
        if kind == "list":
            if type(value) is not list:
                return value, [Problem(path, f"{shown(value)} is not a list")]
            items: list[Any] = []
            problems: list[Problem] = []
            for n, item in enumerate(value):
                fitted, problem = (
                    self.read_value(item, spec["item"], f"{path}[{n}]") if item is not None else (None, None)
                )
                items.append(fitted)
                problems.extend(problem or ())
            return (value, problems) if problems else (items, None)
        if kind == "object":
            if type(value) is not dict:
                return value, [Problem(path, f"{shown(value)} is not an object")]
            declared = {prop["name"]: (bool(prop.get("optional")), prop["type"]) for prop in spec.get("fields", ())}
            fields = self.read_values(value, declared, path)
            return (value, fields) if type(fields) is list else (fields, None)
        return value, None


_MISFIT = object()


def _fitted_scalar(value: Any, name: str) -> Any:
    """A scalar value as its type wants it, or _MISFIT: a number may come as text ("4"), a whole number as 2.0."""
    types = _SCALAR_TYPES.get(name)
    if types is None or type(value) in types:
        return value
    if name in ("number", "integer") and type(value) is str and _NUMERAL.fullmatch(value):
        value = float(value) if "." in value else int(value)
    if name == "integer" and type(value) is float and value.is_integer() and abs(value) < _EXACT_INTEGERS:
        return int(value)
    return value if type(value) in types else _MISFIT
