"""Plain templates: the one definition of the common message template, and its render without compiling.

Most message templates only show values and test them: `Hi {{ profile.first_name | default("there") }}`,
`{% if offer %}Code {{ offer.code }}{% endif %}`. Compiling such a text to Python costs more than everything
else a send does with it, so the runtime renders them directly, the checks measure them directly and bound their
length without rendering (checks/analysis/length_bound.py). This module is the one place that decides which templates
that applies to; it reads Jinja2's own tree (`Environment.parse`), never the text, so Jinja2 alone reads template
syntax (whitespace control, comments, raw blocks and line ends are already dealt with in the tree).

A template is plain when its tree holds only

- text;
- `{{ root.attr }}`, where root is `profile`, `trigger` or `offer` and attr is not the name of a method of dict
  (`profile.items` reads the dict's method, not a trait);
- `{{ root.attr | default('text') }}` (or `| d('text')`): one text argument;
- `{% if test %}`, `{% elif test %}`, `{% else %}`, `{% endif %}`, where test is `root` or `root.attr`.

`PlainTemplate.render` gives exactly what the message sandbox (runtime/sandbox.py) renders, or None whenever that
is not obvious from the values, and the caller then renders with Jinja2: a read of a missing value without a
default (Jinja2 fails the render), a root that is not a dict or None, a root not given at all.
A value is missing when it is absent or None: `default` replaces it and `{% if %}` finds it false.
tests/test_plain_templates.py compares the two on random templates and values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes

ROOTS = ("profile", "trigger", "offer")
Show = Callable[[Any], str]  # how a value is written: str, an HTML escape, a URL quote


@dataclass(frozen=True, slots=True)
class Read:
    """`{{ root.attr }}`, maybe `| default('text')`."""

    root: str
    attr: str
    default: str | None


@dataclass(frozen=True, slots=True)
class Test:
    """The test of an `{% if %}` or `{% elif %}`: `root` (attr None) or `root.attr`."""

    root: str
    attr: str | None


@dataclass(frozen=True, slots=True)
class Choice:
    """An `{% if %}` block: the first branch whose test is true is shown, else `otherwise`."""

    branches: tuple[tuple[Test, Parts], ...]
    otherwise: Parts


Part = str | Read | Choice
Parts = tuple[Part, ...]
_UNSURE = object()  # a value only Jinja2 can decide about


class PlainTemplate:
    __slots__ = ("parts",)

    def __init__(self, parts: Parts) -> None:
        self.parts = parts

    @classmethod
    def from_tree(cls, tree: nodes.Template) -> PlainTemplate | None:
        """The template of Jinja2's tree, when it is plain (see the module's docstring); None otherwise."""
        parts = _parts(tree.body)
        return None if parts is None else cls(parts)

    def render(self, values: Mapping[str, Any], show: Show) -> str | None:
        """The rendered text, each value written by `show`; None when Jinja2 should render it."""
        out: list[str] = []
        return "".join(out) if _fill(self.parts, values, show, out) else None

    def reads(self) -> Iterator[Read]:
        """Every `{{ root.attr }}` of the template, in every branch, in order."""
        return (part for part in _walk(self.parts) if isinstance(part, Read))

    def tests(self) -> Iterator[Test]:
        """Every test of its `{% if %}` blocks."""
        for part in _walk(self.parts):
            if isinstance(part, Choice):
                yield from (test for test, _ in part.branches)

    def texts(self) -> Iterator[str]:
        """Every piece of literal text, in every branch."""
        return (part for part in _walk(self.parts) if isinstance(part, str))


def _walk(parts: Parts) -> Iterator[Part]:
    for part in parts:
        yield part
        if isinstance(part, Choice):
            for _, body in part.branches:
                yield from _walk(body)
            yield from _walk(part.otherwise)


# --- recognition, on Jinja2's tree ------------------------------------------------------------------------------


def _parts(body: list[nodes.Node]) -> Parts | None:
    parts: list[Part] = []
    for node in body:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                part = child.data if isinstance(child, nodes.TemplateData) else _read(child)
                if part is None:
                    return None
                parts.append(part)
        elif isinstance(node, nodes.If):
            choice = _choice(node)
            if choice is None:
                return None
            parts.append(choice)
        else:
            return None
    return tuple(parts)


def _read(node: nodes.Node) -> Read | None:
    default = None
    if isinstance(node, nodes.Filter):
        if node.name not in ("default", "d") or node.kwargs or node.dyn_args or node.dyn_kwargs:
            return None
        if len(node.args) != 1 or not isinstance(node.args[0], nodes.Const) or type(node.args[0].value) is not str:
            return None
        if node.node is None:  # a filter block, `{% filter default("x") %}`
            return None
        default, node = node.args[0].value, node.node
    test = _test(node)
    if test is None or test.attr is None:
        return None
    return Read(test.root, test.attr, default)


def _test(node: nodes.Node | None) -> Test | None:
    if isinstance(node, nodes.Name):
        return Test(node.name, None) if node.ctx == "load" and node.name in ROOTS else None
    if isinstance(node, nodes.Getattr) and node.ctx == "load" and not hasattr(dict, node.attr):
        root = _test(node.node)
        return Test(root.root, node.attr) if root is not None and root.attr is None else None
    return None


def _choice(node: nodes.If) -> Choice | None:
    branches: list[tuple[Test, Parts]] = []
    for branch in (node, *node.elif_):
        if branch is not node and (branch.elif_ or branch.else_):
            return None  # not a tree Jinja2's parser makes
        test, body = _test(branch.test), _parts(branch.body)
        if test is None or body is None:
            return None
        branches.append((test, body))
    otherwise = _parts(node.else_)
    return None if otherwise is None else Choice(tuple(branches), otherwise)


# --- rendering --------------------------------------------------------------------------------------------------


def _fill(parts: Parts, values: Mapping[str, Any], show: Show, out: list[str]) -> bool:
    for part in parts:
        if type(part) is str:
            out.append(part)
        elif type(part) is Read:
            holder = values.get(part.root, _UNSURE)  # (inlined `_value`: this is most of a send's rendering)
            if type(holder) is dict:
                value = holder.get(part.attr)
            elif holder is None:
                value = None
            else:
                return False
            if value is None:
                if part.default is None:
                    return False  # a missing value shown: the sandbox fails the render, with its message
                value = part.default
            out.append(show(value))
        else:
            # a Choice (the ignore: `type(part) is str` is exact, so mypy keeps str's subclasses in the union)
            body = _branch(part, values)  # type: ignore[arg-type]
            if body is None or not _fill(body, values, show, out):
                return False
    return True


def _value(values: Mapping[str, Any], root: str, attr: str) -> Any:
    """A root's attribute: None when it is missing (absent or None), _UNSURE when Jinja2 must decide."""
    holder = values.get(root, _UNSURE)
    if type(holder) is dict:
        return holder.get(attr)
    return None if holder is None else _UNSURE


def _branch(choice: Choice, values: Mapping[str, Any]) -> Parts | None:
    for test, body in choice.branches:
        value = values.get(test.root, _UNSURE) if test.attr is None else _value(values, test.root, test.attr)
        if value is _UNSURE:
            return None
        if value:
            return body
    return choice.otherwise
