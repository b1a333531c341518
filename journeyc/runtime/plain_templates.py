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
- `{% if test %}`, `{% elif test %}`, `{% else %}`, `{% endif %}`, where test is `root` or `root.attr`;
- for the runtime's render only (`from_tree(tree, runtime=True)`): `{% for name in root.attr %}...{% endfor %}`
  (no `else`, filter or recursion, none inside another), whose body is plain with `name` as one more root
  (`{{ item.name | default("An item") }}`); and tests `root.attr == 'text'` or `!=` (`profile.tier == "gold"`).
  The checks leave both out (they bound lengths from `reads`, `tests` and `texts`; a loop's length depends on its
  list).

`PlainTemplate.render` gives exactly what the message sandbox (runtime/sandbox.py) renders, or None whenever that
is not obvious from the values, and the caller then renders with Jinja2: a read of a missing value without a
default (Jinja2 fails the render), a root that is not a dict or None, a root not given at all, a loop over
anything but a list of at most `_MOST_ITEMS` items (the sandbox counts loops' turns), a render with a loop
longer than the sandbox's `MAX_OUTPUT`.
A value is missing when it is absent or None: `default` replaces it and `{% if %}` finds it false.
`PlainTemplate.renders` says whether `render` gives a text, counting its length instead of writing it;
`PlainTemplate.needs` what values are enough for it to (`Needs`: checked without walking the template, which
`MessageRenderer.renders` does first for every plain field of a message at once).
tests/test_plain_templates.py compares the two on random templates and values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes

from journeyc.runtime.sandbox import MAX_OUTPUT

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
    compare: tuple[str, str] | None = None  # ("==" or "!=", the text compared with): the runtime's render only


@dataclass(frozen=True, slots=True)
class Choice:
    """An `{% if %}` block: the first branch whose test is true is shown, else `otherwise`."""

    branches: tuple[tuple[Test, Parts], ...]
    otherwise: Parts


@dataclass(frozen=True, slots=True)
class Loop:
    """`{% for name in root.attr %}body{% endfor %}` (the runtime's render only)."""

    name: str
    items: Test
    body: Parts


Part = str | Read | Choice | Loop
Parts = tuple[Part, ...]
_UNSURE = object()  # a value only Jinja2 can decide about
_LONG = object()  # a bound on a render's length past MAX_OUTPUT (see `_measure`)
TESTED, SHOWN, NEEDED = 0, 1, 2  # how a value must be found (see `PlainTemplate.needs`), each stricter than the last
_MOST_ITEMS = 1000  # a loop over more is left to the sandbox, which counts loops' turns (MAX_LOOP_TURNS)


class PlainTemplate:
    __slots__ = ("parts",)

    def __init__(self, parts: Parts) -> None:
        self.parts = parts

    @classmethod
    def from_tree(cls, tree: nodes.Template, *, runtime: bool = False) -> PlainTemplate | None:
        """The template of Jinja2's tree, when it is plain (see the module's docstring); None otherwise.
        `runtime`: loops over a root's list and comparisons with text may be part of it (the runtime's render;
        not the checks, which read `reads`, `tests` and `texts`)."""
        parts = _parts(tree.body, ROOTS, runtime)
        return None if parts is None else cls(parts)

    def render(self, values: Mapping[str, Any], show: Show) -> str | None:
        """The rendered text, each value written by `show`; None when Jinja2 should render it."""
        out: list[str] = []
        return "".join(out) if _fill(self.parts, values, show, out) else None

    def renders(self, values: Mapping[str, Any], show: Show, stretch: int | None = None) -> bool:
        """Whether `render` gives a text for these values (`render(values, show) is not None`), found without
        writing the text: for a caller that only needs to know whether a message renders. `stretch`: when `show`
        never fails on a text (an exact str) and writes at most that many characters for each of its own, texts
        are counted without writing them (a loop's bound past MAX_OUTPUT then renders to find out)."""
        measured = _measure(self.parts, values, show, stretch, 0)
        if measured is _LONG:
            return self.render(values, show) is not None
        return measured is not None

    def needs(self, stretch: int) -> Needs:
        """What values are enough for `renders(values, show, stretch)` to hold, `show` writing any exact str
        (see `Needs`)."""
        needs = Needs(stretch)
        needs.gather(self.parts, None)
        return needs

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


class Needs:
    """Values enough for plain templates to render (`PlainTemplate.renders` with `stretch`: each exact str it shows
    counted, never written), whatever their branches take: each `root.attr` they read or test in any branch must
    be found as it needs (TESTED: its root a dict or None, as `_value` reads it; SHOWN, a read with a default: its
    value, when present, an exact str; NEEDED, a read without: present and an exact str); each list a loop goes
    through (but a false one whose loops are all in the branch its own test takes: `{% if trigger.products %}`)
    a list of at most _MOST_ITEMS, whose items (dicts or None) have the attributes its body reads and
    tests as they need; and a bound on what they write (their texts, in every branch, and their reads, each the
    longest value or default found, for each item and once more) at most MAX_OUTPUT, past which a loop fails.
    Enough, not needed: a branch not taken may read what is missing (the caller then asks `renders`)."""

    __slots__ = ("_lists", "_roots", "defaults", "items", "reads", "stretch", "texts", "unguarded", "values")

    def __init__(self, stretch: int) -> None:
        self.stretch = stretch
        self.values: dict[tuple[str, str], int] = {}  # (root, attr) -> how it must be found
        self.items: dict[tuple[str, str], dict[str, int]] = {}  # a loop's (root, attr) -> its items' attr -> how
        self.unguarded: set[tuple[str, str]] = set()  # the lists a loop goes through whatever they are
        self.texts = 0  # characters of texts, in every branch (a loop's body once)
        self.reads = 0  # reads, in every branch (a loop's body once)
        self.defaults = 0  # the longest default
        self._roots: tuple[tuple[int, str, int], ...] | None = None  # see `_ready`
        self._lists: tuple[tuple[int, str, tuple[tuple[str, int], ...], bool, bool], ...] = ()

    def gather(self, parts: Parts, loop: Loop | None, guarded: frozenset[tuple[str, str]] = frozenset()) -> None:
        """Add what these parts need (`loop`: the one they are the body of; `guarded`: the values found true by
        the tests of the branches they are in, which a read of them there needs as a default's: when present,
        an exact str)."""
        for part in parts:
            if type(part) is str:
                self.texts += len(part)
            elif type(part) is Read:
                self.reads += 1
                self.defaults = max(self.defaults, len(part.default or ""))
                sure = part.default is not None or (part.root, part.attr) in guarded
                self._need(part.root, part.attr, SHOWN if sure else NEEDED, loop)
            elif type(part) is Loop:
                key = (part.items.root, part.items.attr)
                self.items.setdefault(key, {})  # type: ignore[arg-type]
                if key not in guarded:  # (a loop in the branch its list's own test takes goes round only a true one)
                    self.unguarded.add(key)  # type: ignore[arg-type]
                self.gather(part.body, part, frozenset(g for g in guarded if g[0] != part.name))  # (its name hides)
            elif type(part) is Choice:
                for test, body in part.branches:
                    if test.attr is None:  # (a root alone reads `values[root]`, always there)
                        self.gather(body, loop, guarded)
                        continue
                    self._need(test.root, test.attr, TESTED, loop)
                    self.gather(body, loop, guarded | {(test.root, test.attr)} if test.compare is None else guarded)
                self.gather(part.otherwise, loop, guarded)

    def _need(self, root: str, attr: str, how: int, loop: Loop | None) -> None:
        if loop is not None and root == loop.name:  # (the item: the loop's name hides a root of that name)
            wanted = self.items[loop.items.root, loop.items.attr]  # type: ignore[index]
            wanted[attr] = max(how, wanted.get(attr, TESTED))
        else:
            self.values[root, attr] = max(how, self.values.get((root, attr), TESTED))

    def add(self, other: Needs) -> None:
        """What `other` needs too (for several templates at once: each one's bound is within the sum's)."""
        for key, how in other.values.items():
            self.values[key] = max(how, self.values.get(key, TESTED))
        for key, wanted in other.items.items():
            mine = self.items.setdefault(key, {})
            for attr, how in wanted.items():
                mine[attr] = max(how, mine.get(attr, TESTED))
        self.unguarded |= other.unguarded
        self.texts += other.texts
        self.reads += other.reads
        self.defaults = max(self.defaults, other.defaults)
        self.stretch = max(self.stretch, other.stretch)

    def met(self, roots: tuple[Any, ...]) -> bool:
        """Whether these values of ROOTS (in its order) are found as needed."""
        if self._roots is None:
            self._ready()
        for index, attr, how in self._roots:  # type: ignore[union-attr]
            holder = roots[index]
            if type(holder) is dict:
                value = holder.get(attr)
                if value is None:
                    if how == NEEDED:
                        return False
                elif how != TESTED and type(value) is not str:
                    return False
            elif holder is not None or how == NEEDED:
                return False
        return not self._lists or self._bounded(roots)

    def _bounded(self, roots: tuple[Any, ...]) -> bool:
        """`met` for the lists, once the roots' values are: their items, and the bound on what is written."""
        longest = self.defaults
        for index, attr, _ in self._roots:  # type: ignore[union-attr]
            holder = roots[index]
            value = holder.get(attr) if type(holder) is dict else None
            if type(value) is str and len(value) > longest:
                longest = len(value)
        count = 0
        for index, attr, wanted, strict, guarded in self._lists:
            holder = roots[index]
            items = holder.get(attr) if type(holder) is dict else None
            if guarded and not items:
                continue  # (its test is false: no loop goes through it)
            if type(items) is not list or len(items) > _MOST_ITEMS:
                return False
            count += len(items)
            for item in items:
                found = _found(item, wanted, strict)
                if found is None:
                    return False
                if found > longest:
                    longest = found
        return (self.texts + self.stretch * longest * self.reads) * (1 + count) <= MAX_OUTPUT

    def _ready(self) -> None:
        """The needs as (index of the root in ROOTS: outside a loop's body a read starts from one, attr, how), and
        the lists as (index, attr, their items' (attr, how), whether one of them is NEEDED, whether every loop
        through it is in a branch its test takes)."""
        self._roots = tuple((ROOTS.index(root), attr, how) for (root, attr), how in self.values.items())
        self._lists = tuple((ROOTS.index(root), attr, tuple(wanted.items()), NEEDED in wanted.values(),
                             (root, attr) not in self.unguarded) for (root, attr), wanted in self.items.items())  # fmt: skip


def _found(holder: Any, wanted: tuple[tuple[str, int], ...], strict: bool) -> int | None:
    """The length of the longest exact str of `wanted` in `holder` (0: none), or None when one is not found as
    it needs (see `Needs`); `strict`: one of them is NEEDED."""
    if type(holder) is dict:
        longest = 0
        for attr, how in wanted:
            value = holder.get(attr)
            if value is None:
                if how == NEEDED:
                    return None
            elif type(value) is str:
                if len(value) > longest:
                    longest = len(value)
            elif how != TESTED:
                return None
        return longest
    return 0 if holder is None and not strict else None


def _walk(parts: Parts) -> Iterator[Part]:
    for part in parts:
        yield part
        if isinstance(part, Choice):
            for _, body in part.branches:
                yield from _walk(body)
            yield from _walk(part.otherwise)
        elif isinstance(part, Loop):
            yield from _walk(part.body)


# --- recognition, on Jinja2's tree ------------------------------------------------------------------------------


def _parts(body: list[nodes.Node], names: tuple[str, ...], runtime: bool) -> Parts | None:
    """`names`: the roots a read may start from (ROOTS, and the name of the loop it is in); `runtime`: see
    `PlainTemplate.from_tree`."""
    parts: list[Part] = []
    for node in body:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                part = child.data if isinstance(child, nodes.TemplateData) else _read(child, names)
                if part is None:
                    return None
                parts.append(part)
        elif isinstance(node, nodes.If):
            choice = _choice(node, names, runtime)
            if choice is None:
                return None
            parts.append(choice)
        elif isinstance(node, nodes.For) and runtime and names is ROOTS:  # (not inside another loop)
            loop = _loop(node, names)
            if loop is None:
                return None
            parts.append(loop)
        else:
            return None
    return tuple(parts)


def _loop(node: nodes.For, names: tuple[str, ...]) -> Loop | None:
    if node.else_ or node.test is not None or node.recursive:
        return None
    target = node.target
    if not isinstance(target, nodes.Name) or target.ctx != "store" or target.name == "loop":
        return None
    items = _test(node.iter, names)
    if items is None or items.attr is None:
        return None
    body = _parts(node.body, (*names, target.name), True)
    return None if body is None else Loop(target.name, items, body)


def _read(node: nodes.Node, names: tuple[str, ...]) -> Read | None:
    default = None
    if isinstance(node, nodes.Filter):
        if node.name not in ("default", "d") or node.kwargs or node.dyn_args or node.dyn_kwargs:
            return None
        if len(node.args) != 1 or not isinstance(node.args[0], nodes.Const) or type(node.args[0].value) is not str:
            return None
        if node.node is None:  # a filter block, `{% filter default("x") %}`
            return None
        default, node = node.args[0].value, node.node
    test = _test(node, names)
    if test is None or test.attr is None:
        return None
    return Read(test.root, test.attr, default)


def _test(node: nodes.Node | None, names: tuple[str, ...]) -> Test | None:
    if isinstance(node, nodes.Name):
        return Test(node.name, None) if node.ctx == "load" and node.name in names else None
    if isinstance(node, nodes.Getattr) and node.ctx == "load" and not hasattr(dict, node.attr):
        root = _test(node.node, names)
        return Test(root.root, node.attr) if root is not None and root.attr is None else None
    return None


def _condition(node: nodes.Node, names: tuple[str, ...], runtime: bool) -> Test | None:
    """An `{% if %}`'s test: `root`, `root.attr`, or (`runtime`) `root.attr == 'text'` or `!=`."""
    if not (runtime and isinstance(node, nodes.Compare)):
        return _test(node, names)
    if len(node.ops) != 1 or node.ops[0].op not in ("eq", "ne"):
        return None
    const = node.ops[0].expr
    if not isinstance(const, nodes.Const) or type(const.value) is not str:
        return None
    read = _test(node.expr, names)
    if read is None or read.attr is None:
        return None
    return Test(read.root, read.attr, ("==" if node.ops[0].op == "eq" else "!=", const.value))


def _choice(node: nodes.If, names: tuple[str, ...], runtime: bool) -> Choice | None:
    branches: list[tuple[Test, Parts]] = []
    for branch in (node, *node.elif_):
        if branch is not node and (branch.elif_ or branch.else_):
            return None  # not a tree Jinja2's parser makes
        test, body = _condition(branch.test, names, runtime), _parts(branch.body, names, runtime)
        if test is None or body is None:
            return None
        branches.append((test, body))
    otherwise = _parts(node.else_, names, runtime)
    return None if otherwise is None else Choice(tuple(branches), otherwise)


# --- rendering --------------------------------------------------------------------------------------------------


def _shown(read: Read, values: Mapping[str, Any]) -> Any:
    """What a read writes: its value, or its default when the value is missing; _UNSURE when the render fails
    (a missing value without a default: the sandbox fails it, with its message) or only Jinja2 can tell."""
    holder = values.get(read.root, _UNSURE)  # (`_value` inline: this is most of a send's rendering)
    if type(holder) is dict:
        value = holder.get(read.attr)
    elif holder is None:
        value = None
    else:
        return _UNSURE
    if value is None:
        return _UNSURE if read.default is None else read.default
    return value


def _fill(parts: Parts, values: Mapping[str, Any], show: Show, out: list[str]) -> bool:
    for part in parts:
        if type(part) is str:
            out.append(part)
        elif type(part) is Read:
            value = _shown(part, values)
            if value is _UNSURE:
                return False
            out.append(show(value))
        elif type(part) is Loop:
            if not _turn(part, values, show, out):
                return False
        else:
            # a Choice (the ignore: `type(part) is str` is exact, so mypy keeps str's subclasses in the union)
            body = _branch(part, values)  # type: ignore[arg-type]
            if body is None or not _fill(body, values, show, out):
                return False
    return True


def _measure(parts: Parts, values: Mapping[str, Any], show: Show, stretch: int | None, length: int) -> Any:
    """`_fill` counting the text instead of writing it: its length after these parts (`length` before them), or
    None where `_fill` fails. Every value is written by `show`, which may fail, except a text when `stretch` is
    given (see `PlainTemplate.renders`: its length times `stretch` is counted, a bound), and a loop fails past
    MAX_OUTPUT counting all that came before, as `_turn` does (_LONG: a bound past it, which only `_fill` can
    decide)."""
    for part in parts:
        if type(part) is str:
            length += len(part)
        elif type(part) is Read:
            value = _shown(part, values)
            if value is _UNSURE:
                return None
            if type(value) is str and stretch is not None:
                length += len(value) * stretch
            else:
                length += len(show(value))
        elif type(part) is Loop:
            items = _value(values, part.items.root, part.items.attr)  # type: ignore[arg-type]  # (as in `_turn`)
            if type(items) is not list or len(items) > _MOST_ITEMS:
                return None
            inner = dict(values)
            for item in items:
                inner[part.name] = item
                measured = _measure(part.body, inner, show, stretch, length)
                if measured is None:
                    return None
                length = measured
            if length > MAX_OUTPUT:
                return None if stretch is None else _LONG
        else:
            body = _branch(part, values)  # type: ignore[arg-type]  # (a Choice: see `_fill`)
            measured = None if body is None else _measure(body, values, show, stretch, length)
            if measured is None or measured is _LONG:
                return measured
            length = measured
    return length


def _turn(loop: Loop, values: Mapping[str, Any], show: Show, out: list[str]) -> bool:
    """A loop's body for each item of its list, the item under the loop's name (in a copy of `values`)."""
    items = _value(values, loop.items.root, loop.items.attr)  # type: ignore[arg-type]  # (a loop's has an attr)
    if type(items) is not list or len(items) > _MOST_ITEMS:
        return False  # (None or missing: Jinja2 fails iterating it; anything else it decides)
    inner = dict(values)
    for item in items:
        inner[loop.name] = item
        if not _fill(loop.body, inner, show, out):
            return False
    return sum(map(len, out)) <= MAX_OUTPUT  # (beyond it the sandbox fails the render)


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
        if test.compare is not None:  # (a missing value is None here, Undefined in Jinja2: equal to no text)
            value = (value == test.compare[1]) == (test.compare[0] == "==")
        if value:
            return body
    return choice.otherwise
