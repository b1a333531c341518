"""What a template can do to the customer and to the runtime (J214, J215, J216).

- J214: `| safe`, `Markup(...)` or an `{% autoescape false %}` block applied, in an email's html, to what the
  customer's data says (a profile trait, a trigger property, or a loop variable or `set` name made from them):
  that text reaches the email as raw HTML.
- J215: a literal that makes a render go past the sandbox's limits (runtime/sandbox.py) whatever the values:
  a power `x ** 99999999`, a repeat `'a' * 100000000`, a width `center(999999999)`, `"{:>999999999}"`,
  `"%999999999d"`. Every send of the message would be a `render_error`.
- J216: a webhook body that is not JSON with templates in its strings and values (runtime/json_body.py), which
  the runtime cannot build.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from jinja2 import nodes

from journeyc import ir
from journeyc.checks.context import CheckContext
from journeyc.runtime.json_body import BodyError, JsonBody
from journeyc.runtime.sandbox import MAX_INTEGER_BITS, MAX_VALUE, MessageSandbox, widest_format, widest_printf

Place = Callable[[int, str | None], ir.Span]  # (template line, the text to point at) -> where it is
_UNTRUSTED = ("profile", "trigger")
_WIDTH_FILTERS = ("center", "indent", "batch", "slice")  # filters whose first argument sizes what they make
_WIDTH_METHODS = ("center", "ljust", "rjust", "zfill")
_BODY_ENV = MessageSandbox()
_RAW_HTML = re.compile(r"safe|Markup|autoescape")
# Every limit J215 reports needs a literal of 4 digits or more: a size above 100,000, an exponent above 10,000,
# or a power of a literal base of at least 1,024 (an exponent below 1,000 makes 10,000 bits only from there);
# or one written with underscores or in hexadecimal, octal or binary, as Jinja2 reads integers too.
_FOUR_DIGITS = re.compile(r"\d{4}|\d_\d|0[xob]", re.IGNORECASE)


def check_template_safety(
    ctx: CheckContext,
    message: ir.Message,
    field: ir.MessageField,
    text: str,
    every: tuple[nodes.Node, ...],
    place: Place,
) -> None:
    """J214-J216 for one field's template; `every` is each node of its tree (templates.template_nodes)."""
    channel = ctx.project.channels.get(message.channel.name)
    kind = channel.kind.name if channel is not None and channel.kind is not None else None
    # (Each rule needs a word or a number in the text: most templates are passed over without a walk.)
    if kind == "email" and field.name == "html" and _RAW_HTML.search(text):
        _check_raw_html(ctx, message, every, place)
    if _FOUR_DIGITS.search(text):
        _check_limits(ctx, message, text, every, place)
    if kind == "webhook" and field.name == "body":
        try:
            JsonBody.parse(text, _BODY_ENV)
        except BodyError as error:
            ctx.report(
                "J216",
                f'the webhook body of "{message.name}" cannot be built as JSON: {error}',
                field.value_span,
                "not JSON with templates in its strings",
                help='write JSON and put templates inside its strings, e.g. {"order": "{{ trigger.order_id }}"}, '
                'or as a whole value, e.g. {"total": {{ trigger.value }}}',
            )


# --- J214 -------------------------------------------------------------------------------------------------------


def _tainted_names(every: tuple[nodes.Node, ...]) -> set[str]:
    """Names a template sets (a loop variable, `{% set %}`) from a trait or a property, directly or not."""
    tainted: set[str] = set()
    while True:
        before = len(tainted)
        for node in every:
            if (isinstance(node, nodes.For) and _reads_untrusted(node.iter, tainted)) or (
                isinstance(node, nodes.Assign) and _reads_untrusted(node.node, tainted)
            ):
                tainted |= {n.name for n in _names(node.target)}
        if len(tainted) == before:
            return tainted


def _names(node: nodes.Node) -> list[nodes.Name]:
    return [node] if isinstance(node, nodes.Name) else list(node.find_all(nodes.Name))


def _reads_untrusted(node: nodes.Node, tainted: set[str]) -> bool:
    return any(n.ctx == "load" and (n.name in _UNTRUSTED or n.name in tainted) for n in _names(node))


def _check_raw_html(ctx: CheckContext, message: ir.Message, every: tuple[nodes.Node, ...], place: Place) -> None:
    tainted: set[str] | None = None
    for node in every:
        shown: nodes.Node
        if isinstance(node, nodes.Filter) and node.name == "safe" and node.node is not None:
            how, shown, needle = "| safe", node.node, "safe"
        elif isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name == "Markup":
            how, shown, needle = "Markup(...)", node, "Markup"
        elif isinstance(node, nodes.ScopedEvalContextModifier) and _turns_escaping_off(node):
            how, shown, needle = "{% autoescape false %}", node, "autoescape"
        else:
            continue
        tainted = _tainted_names(every) if tainted is None else tainted
        if not _reads_untrusted(shown, tainted):
            continue
        ctx.report(
            "J214",
            f'the html of "{message.name}" writes customer data as raw HTML with {how}',
            place(node.lineno, needle),
            "not escaped",
            help="remove it: values are escaped so that a trait or a property cannot add HTML or scripts to the "
            "email; keep raw HTML in the template itself",
        )


def _turns_escaping_off(node: nodes.ScopedEvalContextModifier) -> bool:
    return any(
        option.key == "autoescape" and isinstance(option.value, nodes.Const) and not option.value.value
        for option in node.options
    )


# --- J215 -------------------------------------------------------------------------------------------------------


def _check_limits(
    ctx: CheckContext, message: ir.Message, text: str, every: tuple[nodes.Node, ...], place: Place
) -> None:
    found = ctx.shared.template_limits
    if text not in found:  # once per distinct text: the same text is often reused
        found[text] = tuple((node.lineno, *over) for node in every if (over := _over_limit(node)) is not None)
    for lineno, what, needle in found[text]:
        ctx.report(
            "J215",
            f'a template of "{message.name}" {what}, which no render can do',
            place(lineno, needle),
            "over the sandbox's limit",
            help=f"values a template makes may hold up to {MAX_VALUE:,} characters and numbers "
            f"{MAX_INTEGER_BITS:,} bits; every send of this message would fail to render",
        )


def _over_limit(node: nodes.Node) -> tuple[str, str] | None:
    """(what it does, the text to point at) when `node` goes past a limit of the sandbox whatever the values."""
    if isinstance(node, nodes.Pow) and _int(node.right) is not None:
        exponent, base = _int(node.right) or 0, _int(node.left)
        bits = exponent * (abs(base).bit_length() if base is not None else 1)
        if base not in (0, 1, -1) and (exponent > MAX_INTEGER_BITS or bits > MAX_INTEGER_BITS):
            return f"raises a number to the power {exponent:,}", "**"
    if isinstance(node, nodes.Mul):
        for times, value in ((node.left, node.right), (node.right, node.left)):
            count = _int(times)
            if count is not None and count > MAX_VALUE and _is_sequence_literal(value):
                return f"repeats a text or list {count:,} times", "*"
    if isinstance(node, nodes.Filter) and node.name in _WIDTH_FILTERS and _widest(node.args[:1]) > MAX_VALUE:
        return f'asks "{node.name}" for a size of {_widest(node.args[:1]):,}', node.name
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
        method, owner = node.node.attr, node.node.node
        if method in _WIDTH_METHODS and _widest(node.args[:1]) > MAX_VALUE:
            return f"pads a text to {_widest(node.args[:1]):,} characters", method
        if method in ("format", "format_map") and _literal_text(owner) is not None:
            return _format_over(_format_width(_literal_text(owner) or ""), "format")
    if isinstance(node, nodes.Mod) and _literal_text(node.left) is not None:
        return _format_over(widest_printf(_literal_text(node.left) or "")[0], "%")
    if isinstance(node, nodes.Filter) and node.name == "format" and _literal_text(node.node) is not None:
        return _format_over(widest_printf(_literal_text(node.node) or "")[0], "format")
    return None


def _format_over(width: int, needle: str) -> tuple[str, str] | None:
    return (f"formats a value {width:,} characters wide", needle) if width > MAX_VALUE else None


def _format_width(text: str) -> int:
    try:
        return widest_format(text)[0]
    except ValueError:
        return 0  # not a format Python reads: the render fails with its own message


def _int(node: nodes.Node | None) -> int | None:
    if isinstance(node, nodes.Const) and type(node.value) is int:
        return node.value
    return None


def _widest(args: Iterable[nodes.Node]) -> int:
    return max([0, *(value for arg in args if (value := _int(arg)) is not None)])


def _literal_text(node: nodes.Node | None) -> str | None:
    return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None


def _is_sequence_literal(node: nodes.Node) -> bool:
    return _literal_text(node) is not None or isinstance(node, nodes.List | nodes.Tuple)
