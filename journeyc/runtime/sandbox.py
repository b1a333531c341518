"""The Jinja2 sandbox message templates are rendered in: missing values, and limits on what a render may cost.

`MessageSandbox` is Jinja2's immutable sandbox (a template cannot call unsafe attributes, nor change the customer's
data: no `profile.update(...)`, no `list.append`) with two differences:

- **A value that is None is missing.** A trait or property without a value reads as a missing value, exactly as
  one the data does not hold at all: `default(...)` replaces it, `{% if %}` finds it false, `==` compares it
  unequal to anything given, and showing it (`{{ profile.first_name }}`) fails the render. So a customer without
  a first name gets "Hi there", never "Hi None". A missing value read further (`profile.address.city`) stays
  missing.
- **Limits.** A render that would take more than these is stopped (`RenderLimitError`, a `render_error` in the
  outbox): deterministic counts, not a clock, so the same send gives the same outcome on every machine.

| limit | what counts |
|---|---|
| `MAX_VALUE` characters or items | one value made by an operator (`*`, `**`, `%`, `+`, `~`), a filter or a method: checked before it is made when its size is known in advance (a repeat `'a' * n`, a width `center(n)`, `"{:>n}"`, `"%nd"`, `join`, `replace`, `indent`), after otherwise |
| `MAX_INTEGER_BITS` bits | an integer made by `*` or `**` |
| `MAX_LOOP_TURNS` turns | all `{% for %}` loops of one render together |
| `MAX_WORK` characters | everything the operators, filters and methods of one render take and make |
| `MAX_OUTPUT` characters | the rendered text, and any block a render builds (a macro's, a `{% set %}` block's) |

`lipsum` (random text) is not available. Loops and `~` are counted by filters the sandbox puts around them when it
compiles a template (`compile_template`); render with `render_template`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from jinja2 import StrictUndefined, Template, Undefined, UndefinedError, nodes, pass_context
from jinja2.environment import TemplateExpression
from jinja2.runtime import Context, LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.visitor import NodeTransformer

MAX_VALUE = 100_000
MAX_INTEGER_BITS = 10_000
MAX_LOOP_TURNS = 100_000
MAX_WORK = 10_000_000
MAX_OUTPUT = 1_000_000

_LOOP = "journeyc_loop_turns"  # the filters put around loops and `~`; a user never writes them
_MADE = "journeyc_made_value"


class RenderLimitError(SecurityError):
    """A render went past one of the sandbox's limits (the message says which)."""


class MissingValue(StrictUndefined):
    """A value the customer's data does not have (absent, or None): false in `{% if %}`, unequal to any value,
    replaced by `default`, read further as missing; shown, iterated or computed with, it fails the render."""

    __slots__ = ()
    # Undefined's own answers, on purpose over the failing ones StrictUndefined declares (hence the ignores)
    __bool__ = Undefined.__bool__  # type: ignore[assignment]
    __eq__ = Undefined.__eq__  # type: ignore[assignment]
    __ne__ = Undefined.__ne__  # type: ignore[assignment]
    __hash__ = Undefined.__hash__  # type: ignore[assignment]

    def __getattr__(self, name: str) -> Any:
        if name[:2] == "__":
            raise AttributeError(name)
        return self

    __getitem__ = __getattr__


class _Budget:
    """What one render has used so far."""

    __slots__ = ("turns", "work")

    def __init__(self) -> None:
        self.turns = 0
        self.work = 0

    def spend(self, work: int) -> None:
        self.work += work
        if self.work > MAX_WORK:
            raise RenderLimitError(f"the template does more than {MAX_WORK:,} characters of work")

    def counted(self, items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            self.turns += 1
            if self.turns > MAX_LOOP_TURNS:
                raise RenderLimitError(f"the template's loops turn more than {MAX_LOOP_TURNS:,} times")
            yield item


_BUDGET: ContextVar[_Budget | None] = ContextVar("journeyc_render_budget", default=None)
_DICT_ATTRIBUTES = frozenset(
    dir(dict)
)  # what `getattr(a_dict, name)` finds: dict's and object's (a dict has no __dict__)


class MessageSandbox(ImmutableSandboxedEnvironment):
    """The environment of message templates (see the module's docstring)."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(
        self, autoescape: bool = False, finalize: Callable[[Any], Any] | None = None, undefined: type = MissingValue
    ) -> None:
        super().__init__(autoescape=autoescape, finalize=finalize, undefined=undefined)
        self.globals.pop("lipsum", None)
        self.filters = {name: _bounded_filter(name, func) for name, func in self.filters.items()}
        self.filters[_LOOP] = _loop_turns
        self.filters[_MADE] = made

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            # `profile.first_name`, the usual read, at once: what Jinja2's getattr does for a dict and a name that
            # is not one of dict's attributes (after the AttributeError it raises and catches): `obj[attribute]`,
            # and a missing value for a key the dict does not have.
            value = obj.get(attribute)
        else:
            value = super().getattr(obj, attribute)
        return self.undefined(obj=obj, name=attribute) if value is None else value

    def getitem(self, obj: Any, argument: Any) -> Any:
        value = super().getitem(obj, argument)
        return self.undefined(obj=obj, name=argument) if value is None else value

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            _check_repeat(left, right)
        elif operator == "**":
            _check_power(left, right)
        elif operator == "%" and isinstance(left, str):
            _check_printf(left, right if isinstance(right, tuple) else (right,))
        return made(self.binop_table[operator](left, right), left, right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        """Call an object from sandboxed code: a method that would make too large a value is refused first."""
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            args = _check_text_method(owner, getattr(__obj, "__name__", ""), args, kwargs)
        elif isinstance(__obj, LoopContext) and args:  # a recursive loop's `loop(children)`
            args = (_loop_turns(__context, args[0]), *args[1:])
        # A macro's output is a block, already held to MAX_OUTPUT (`concat`); any other call makes a value.
        limit = MAX_OUTPUT if isinstance(__obj, Macro) else MAX_VALUE
        return made(super().call(__context, __obj, *args, **kwargs), *args, limit=limit)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """`"...".format(...)` and `format_map`: no width or precision above MAX_VALUE (see `_check_format`)."""
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        text: str = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            given = [*args, *kwargs.values()]
            if value.__name__ == "format_map" and args and isinstance(args[0], Mapping):
                given += list(args[0].values())
            _check_format(text, given)
            return wrapper(*args, **kwargs)

        return checked

    def concat(self, pieces: Iterable[str]) -> str:
        """A block's output (a macro, `{% set %}...{% endset %}`): counted against the output limit."""
        pieces = list(pieces)
        size = sum(map(len, pieces))
        if size > MAX_OUTPUT:
            raise RenderLimitError(f"a block of the template writes more than {MAX_OUTPUT:,} characters")
        budget = _BUDGET.get()
        if budget is not None:
            budget.spend(size)
        return "".join(pieces)

    def compile_template(self, text: str) -> Template:
        """The template compiled, its loops and `~` counted (raises TemplateSyntaxError)."""
        tree = self.parse(text)
        _Counted().visit(tree)
        tree.set_environment(self)
        return self.from_string(tree)

    def render_template(self, template: Template, values: Mapping[str, Any]) -> str:
        """The template (from `compile_template`) rendered with `values`, within the limits; raises whatever
        makes the render fail (RenderLimitError past a limit)."""
        token = _BUDGET.set(_Budget())
        try:
            context = template.new_context({**self.globals, **values}, shared=True)
            out: list[str] = []
            size = 0
            for piece in template.root_render_func(context):
                size += len(piece)
                if size > MAX_OUTPUT:
                    raise RenderLimitError(f"the template writes more than {MAX_OUTPUT:,} characters")
                out.append(piece)
            return "".join(out)
        finally:
            _BUDGET.reset(token)

    def evaluate(self, expression: TemplateExpression, values: Mapping[str, Any]) -> Any:
        """The value of an expression (from `compile_expression(..., undefined_to_none=False)`, e.g.
        `trigger.value * 2`), within the limits; a missing value fails."""
        token = _BUDGET.set(_Budget())
        try:
            value = expression(values)
        finally:
            _BUDGET.reset(token)
        if isinstance(value, Undefined):
            raise UndefinedError("the expression has no value")
        return made(value)


class _Counted(NodeTransformer):
    """Puts the counting filters around every loop's items and every `~`."""

    def visit_For(self, node: nodes.For) -> nodes.Node:  # noqa: N802 (Jinja2's visitor names)
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, _LOOP, [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:  # noqa: N802
        self.generic_visit(node)
        return nodes.Filter(node, _MADE, [], [], None, None, lineno=node.lineno)


@pass_context  # (never called while compiling: a filter that needs the context is not folded into a constant)
def _loop_turns(context: Context, items: Iterable[Any]) -> Iterable[Any]:
    budget = _BUDGET.get()
    return items if budget is None else budget.counted(items)


def made(value: Any, *inputs: Any, limit: int = MAX_VALUE) -> Any:
    """`value`, made from `inputs`, when it is within the limits (and counted as work); raises RenderLimitError."""
    size = _size(value)
    if size > limit:
        raise RenderLimitError(f"the template makes a value of more than {limit:,} characters or items")
    if type(value) is int and value.bit_length() > MAX_INTEGER_BITS:
        raise RenderLimitError(f"the template makes a number of more than {MAX_INTEGER_BITS:,} bits")
    budget = _BUDGET.get()
    if budget is not None:
        budget.spend(size + sum(map(_size, inputs)))
    return value


_SIZED = (str, list, tuple, dict, set, frozenset)
_SIZED_TYPES = frozenset(_SIZED)


def _size(value: Any) -> int:
    if type(value) in _SIZED_TYPES:
        return len(value)
    return len(value) if isinstance(value, _SIZED) else 1  # (a subclass: Markup, ...)


def _refuse(what: str) -> RenderLimitError:
    return RenderLimitError(f"the template {what}, more than the sandbox allows")


def _limit(size: Any, what: str) -> None:
    if isinstance(size, int) and size > MAX_VALUE:
        raise _refuse(what)


# --- what operators, methods and filters would make, known before they make it ----------------------------------


def _check_repeat(left: Any, right: Any) -> None:
    if isinstance(left, int) and not isinstance(right, int):
        left, right = right, left
    if isinstance(left, str | list | tuple) and isinstance(right, int):
        _limit(len(left) * right, "repeats a value too many times")
    elif isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INTEGER_BITS:
        raise _refuse("multiplies too large numbers")


def _check_power(base: Any, exponent: Any) -> None:
    if not (isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1 and exponent > 0):
        return
    if exponent > MAX_INTEGER_BITS or exponent * base.bit_length() > MAX_INTEGER_BITS:
        raise _refuse("raises a number to too high a power")


_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_DIGITS = re.compile(r"\d+")


def widest_printf(text: str) -> tuple[int, bool]:
    """The widest width or precision a `%` format (`"%5d" % x`, `| format`) writes, and whether one is taken
    from a value (`*`)."""
    widest, from_value = 0, False
    for spec in _PRINTF.finditer(text):
        for number in (spec.group(1), spec.group(2)):
            if number == "*":
                from_value = True
            elif number:
                widest = max(widest, int(number))
    return widest, from_value


def widest_format(text: str) -> tuple[int, bool]:
    """The widest number a `str.format` text writes in a field's format (`"{:>20}"`), and whether a format is
    taken from a value (`"{:>{}}"`). Raises ValueError for a text `str.format` refuses."""
    widest, from_value = 0, False
    for _, _, spec, _ in string.Formatter().parse(text):
        if spec:
            from_value = from_value or "{" in spec
            widest = max([widest, *map(int, _DIGITS.findall(spec))])
    return widest, from_value


def _check_printf(text: str, args: tuple[Any, ...]) -> None:
    """`"%5d" % x` and `| format`: no width or precision above MAX_VALUE, written or taken from a value (`*`)."""
    _check_widths(*widest_printf(text), args)


def _check_format(text: str, values: list[Any]) -> None:
    """`str.format`: no width or precision above MAX_VALUE, written in a field or taken from a value."""
    _check_widths(*widest_format(text), values)


def _check_widths(widest: int, from_value: bool, values: Iterable[Any]) -> None:
    if widest > MAX_VALUE or (from_value and any(isinstance(v, int) and v > MAX_VALUE for v in values)):
        raise _refuse("formats a value too wide")


def _joined_size(separator: str, items: list[Any]) -> int:
    return len(separator) * len(items) + sum(len(item) if isinstance(item, str) else 20 for item in items)


def _replaced_size(text: str, old: Any, new: Any) -> int:
    if not isinstance(old, str) or not isinstance(new, str):
        return len(text)
    return len(text) + (text.count(old) if old else len(text) + 1) * len(new)


def _check_text_method(text: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """A str method's arguments, checked (and a `join`'s items made a list, to be measured); raises RenderLimitError."""
    if name in ("center", "ljust", "rjust", "zfill"):
        _limit(args[0] if args else kwargs.get("width"), "pads a text too wide")
    elif name == "expandtabs":
        tabsize = args[0] if args else kwargs.get("tabsize", 8)
        _limit(len(text) + text.count("\t") * tabsize if isinstance(tabsize, int) else 0, "pads a text too wide")
    elif name == "join" and args:
        items = list(args[0])
        _limit(_joined_size(text, items), "joins too many or too long texts")
        return (items, *args[1:])
    elif name == "replace" and len(args) >= 2:
        _limit(_replaced_size(text, args[0], args[1]), "replaces into too long a text")
    elif name == "translate":
        raise _refuse("calls str.translate")
    return args


_CHECKED_FILTERS = frozenset({"center", "indent", "wordwrap", "replace", "join", "format", "batch", "slice", "sum"})


def _check_filter(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """A filter's arguments (the value first), checked before it runs; a `join`'s items made a list."""
    value, rest = (args[0], args[1:]) if args else (None, ())
    if name == "center":
        _limit(rest[0] if rest else kwargs.get("width"), "pads a text too wide")
    elif name == "indent" and isinstance(value, str):
        width = rest[0] if rest else kwargs.get("width", 4)
        each = width if isinstance(width, int) else len(width) if isinstance(width, str) else 0
        _limit(len(value) + (value.count("\n") + 1) * each, "indents a text too far")
    elif name == "wordwrap" and isinstance(value, str):
        wrap = rest[2] if len(rest) > 2 else kwargs.get("wrapstring")
        _limit(len(value) * (1 + (len(wrap) if isinstance(wrap, str) else 1)), "wraps a text too often")
    elif name == "replace" and isinstance(value, str) and len(rest) >= 2:
        _limit(_replaced_size(value, rest[0], rest[1]), "replaces into too long a text")
    elif name == "join" and value is not None and not isinstance(value, Undefined):
        items = list(value)
        separator = rest[0] if rest else kwargs.get("d", "")
        _limit(_joined_size(separator if isinstance(separator, str) else "", items), "joins too long texts")
        return (items, *rest)
    elif name == "format" and isinstance(value, str):
        _check_printf(value, (*rest, *kwargs.values()))
    elif name in ("batch", "slice"):
        _limit(rest[0] if rest else kwargs.get("linecount" if name == "batch" else "slices"), "makes too many groups")
    elif name == "sum":
        start = rest[1] if len(rest) > 1 else kwargs.get("start", 0)
        if not isinstance(start, int | float):
            raise _refuse("sums texts or lists")
    return args


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """The filter, its arguments checked before and its value after (see `made`)."""
    passes = getattr(func, "jinja_pass_arg", None)
    skip = 0 if passes is None else 1  # the context, evaluation context or environment Jinja2 passes first

    def bounded(*args: Any, **kwargs: Any) -> Any:
        checked = _check_filter(name, args[skip:], kwargs)
        return made(func(*args[:skip], *checked, **kwargs), *checked)

    def measured(*args: Any, **kwargs: Any) -> Any:  # a filter whose size is only known once it is made
        return made(func(*args, **kwargs), *args[skip:])

    if name not in _CHECKED_FILTERS:
        bounded = measured

    if passes is not None:
        bounded.jinja_pass_arg = passes  # type: ignore[attr-defined]  # Jinja2's marker, set on the function
    bounded.__name__ = getattr(func, "__name__", name)
    bounded.__doc__ = func.__doc__
    return bounded
