"""Message templates: Jinja2 syntax, and that every variable they read exists in the schema.

A template may read `profile.<trait>`, `offer.<field>` and `trigger.<property>`. Trigger properties depend on
the journey that sends the message, so they are collected here and checked at each `send` (see journeys.py).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import partial

from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from journeyc import ir
from journeyc.checks.context import CheckContext, TemplateRead, did_you_mean
from journeyc.checks.template_safety import check_template_safety
from journeyc.runtime.plain_templates import ROOTS, PlainTemplate

OFFER_FIELDS = ("code", "value", "unit", "description", "title", "valid_until", "valid_days", "name")
_READABLE = "templates can read profile.<trait>, trigger.<property> and offer.<field>"
_ENV = SandboxedEnvironment(autoescape=False)


def template_env() -> SandboxedEnvironment:
    return _ENV


# Jinja2 parses, compiles and renders a template recursively, and so do the checks that walk its tree: a
# template nested thousands of levels deep (blocks, brackets, `not`s, filters) would exhaust Python's stack.
# Its loops become Python loops, of which Python compiles at most 20 inside one another. No message needs
# anything near either.
MAX_TEMPLATE_DEPTH = 50
MAX_TEMPLATE_LOOPS = 20


class TemplateTooDeepError(TemplateSyntaxError):
    """A template nested deeper than journeyc can process (J006), in words: "nested 62 levels deep"."""


def parse_template(ctx: CheckContext, text: str) -> nodes.Template:
    """The Jinja2 tree of a template, parsed by Jinja2 once per run (raises TemplateSyntaxError, and its
    TemplateTooDeepError for a template nested too deeply to process). Do not modify it."""
    cache: dict[str, nodes.Template | TemplateSyntaxError] = ctx.memo.setdefault("templates", {})  # type: ignore[assignment]
    if text not in cache:
        try:
            tree = _ENV.parse(text)
        except TemplateSyntaxError as error:
            cache[text] = error
        except RecursionError:
            cache[text] = TemplateTooDeepError("nested too deeply to parse", 1)
        else:
            cache[text] = _too_deep(tree) or tree
    found = cache[text]
    if isinstance(found, TemplateSyntaxError):
        raise found
    return found


def _too_deep(tree: nodes.Node) -> TemplateTooDeepError | None:
    """Whether the tree nests deeper than MAX_TEMPLATE_DEPTH, or its loops deeper than MAX_TEMPLATE_LOOPS, at its
    deepest node; found without recursion."""
    pending: list[tuple[nodes.Node, int, int]] = [(tree, 0, 0)]
    while pending:
        node, depth, loops = pending.pop()
        loops += isinstance(node, nodes.For)
        if depth > MAX_TEMPLATE_DEPTH or loops > MAX_TEMPLATE_LOOPS:
            what = f"{loops} loops nested" if loops > MAX_TEMPLATE_LOOPS else f"nested {depth} levels deep"
            return TemplateTooDeepError(what, getattr(node, "lineno", 1) or 1)
        pending.extend((child, depth + 1, loops) for child in node.iter_child_nodes())
    return None


def plain_template(ctx: CheckContext, text: str) -> PlainTemplate | None:
    """The template as a plain template (runtime/plain_templates.py), once per run; None when it is not plain or
    does not parse."""
    cache: dict[str, PlainTemplate | None] = ctx.memo.setdefault("plain templates", {})  # type: ignore[assignment]
    if text not in cache:
        try:
            cache[text] = PlainTemplate.from_tree(parse_template(ctx, text))
        except TemplateSyntaxError:
            cache[text] = None
    return cache[text]


def template_nodes(ctx: CheckContext, text: str, tree: nodes.Template) -> tuple[nodes.Node, ...]:
    """Every node of `tree` (the parsed `text`) in the order `find_all` lists them, once per distinct text: the
    checks filter this instead of walking the tree again for each kind of node they look for."""
    cache: dict[str, tuple[nodes.Node, ...]] = ctx.memo.setdefault("template nodes", {})  # type: ignore[assignment]
    found = cache.get(text)
    if found is None:
        every: list[nodes.Node] = []
        _add_descendants(tree, every)
        found = cache[text] = tuple(every)
    return found


def _add_descendants(node: nodes.Node, every: list[nodes.Node]) -> None:
    """`node.find_all(nodes.Node)` into a list, without a generator per level of the tree."""
    for child in node.iter_child_nodes():
        every.append(child)
        _add_descendants(child, every)


@dataclass(frozen=True)
class TemplateReads:
    """What a template's tree says to the checks, found once per distinct text (the same text is often reused)."""

    unknown_filters: tuple[tuple[str, int], ...]  # (filter, line) for filters Jinja2 does not have
    unknown_names: tuple[tuple[str, int], ...]  # (name, line) for variables read that are not a root
    attributes: tuple[tuple[str, str, int], ...]  # (variable, attribute, line) for `x.attr` of a global variable


def template_reads(ctx: CheckContext, text: str, tree: nodes.Template) -> TemplateReads:
    """The reads of `tree` (the parsed `text`), in the order the tree lists them."""
    cache: dict[str, TemplateReads] = ctx.memo.setdefault("template reads", {})  # type: ignore[assignment]
    found = cache.get(text)
    if found is None:
        every = template_nodes(ctx, text, tree)
        names = [n for n in every if isinstance(n, nodes.Name)]
        local_names = {n.name for n in names if n.ctx in ("store", "param")}
        filters = template_env().filters
        found = cache[text] = TemplateReads(
            unknown_filters=tuple(
                (n.name, n.lineno) for n in every if isinstance(n, nodes.Filter) and n.name not in filters
            ),
            unknown_names=tuple(
                (n.name, n.lineno)
                for n in names
                if n.ctx == "load" and n.name not in local_names and n.name not in ROOTS
            ),
            attributes=tuple(
                (n.node.name, n.attr, n.lineno)
                for n in every
                if isinstance(n, nodes.Getattr) and isinstance(n.node, nodes.Name) and n.node.name not in local_names
            ),
        )
    return found


def check_message_templates(ctx: CheckContext, message: ir.Message, file: str) -> None:
    for field in message.fields:
        if field.file is not None:
            _check_file_template(ctx, message, field, file)
        elif field.text is not None:
            _check_template(ctx, message, field, field.text, _InlinePlacer(field))


class _InlinePlacer:
    """Maps a line of an inline template to its place in the .journey file."""

    def __init__(self, field: ir.MessageField) -> None:
        self.field = field

    def span(self, template_line: int, source_line: str, needle: str | None) -> ir.Span:
        field = self.field
        if not field.raw and not _verbatim(field):
            # A single-line text with escapes: point at the whole text, columns do not map through escapes.
            return field.value_span
        line = field.value_line + template_line - 1
        column = (field.value_column if template_line == 1 else 1) + _offset(source_line, needle)
        width = len(needle) if needle else 1
        return ir.Span(file=field.span.file, line=line, column=column, end_line=line, end_column=column + width)


def _verbatim(field: ir.MessageField) -> bool:
    """True when a quoted text holds no escapes, so its value is exactly what the file shows between the quotes."""
    span = field.value_span
    return (
        field.text is not None
        and span.line == span.end_line
        and len(field.text) == span.end_column - span.column - 2
        and "\n" not in field.text
    )


class _FilePlacer:
    def __init__(self, path: str) -> None:
        self.path = path

    def span(self, template_line: int, source_line: str, needle: str | None) -> ir.Span:
        column = 1 + _offset(source_line, needle)
        width = len(needle) if needle else max(len(source_line.rstrip()), 1)
        return ir.Span(
            file=self.path, line=template_line, column=column, end_line=template_line, end_column=column + width
        )


def _offset(source_line: str, needle: str | None) -> int:
    if not needle:
        return 0
    found = re.search(r"\b" + re.escape(needle), source_line) if needle[0].isalnum() else None
    if found is None:
        index = source_line.find(needle)
        return max(index, 0)
    return found.start()


def _check_file_template(ctx: CheckContext, message: ir.Message, field: ir.MessageField, file: str) -> None:
    assert field.file is not None
    path = posixpath.normpath(posixpath.join(posixpath.dirname(file), field.file.replace("\\", "/")))
    if path.startswith("../") or path == ".." or field.file.startswith("/"):
        ctx.error(
            "J207",
            f'the template file "{field.file}" is outside the project',
            field.value_span,
            "leaves the project folder",
            help="keep template files inside the project, next to the journey that uses them",
        )
        return
    text = ctx.read_template(path) if callable(ctx.read_template) else None
    if text is None:
        ctx.error(
            "J207",
            f'the template file "{field.file}" does not exist',
            field.value_span,
            f"looked for {path}",
            help="paths are relative to this .journey file's folder",
        )
        return
    ctx.template_texts[path] = text
    _check_template(ctx, message, field, text, _FilePlacer(path))


def _check_template(
    ctx: CheckContext, message: ir.Message, field: ir.MessageField, text: str, placer: _InlinePlacer | _FilePlacer
) -> None:
    if "{" not in text:
        # Plain text: nothing for Jinja2 to parse or resolve (but a webhook body must still be JSON).
        check_template_safety(ctx, message, field, text, (), lambda line, needle: placer.span(line, text, needle))
        return
    lines = text.split("\n")

    def line_of(n: int) -> str:
        return lines[n - 1] if 0 < n <= len(lines) else ""

    def place(lineno: int, needle: str | None) -> ir.Span:
        return placer.span(lineno, line_of(lineno), needle)

    try:
        tree = parse_template(ctx, text)
    except TemplateTooDeepError as error:
        ctx.error(
            "J006",
            "this template is nested too deeply to process",
            placer.span(error.lineno, line_of(error.lineno), None),
            error.message or "too deep",
            help=f"keep blocks, brackets, `not`s and filters under {MAX_TEMPLATE_DEPTH} levels, and loops under "
            f"{MAX_TEMPLATE_LOOPS}: split the template",
        )
        return
    except TemplateSyntaxError as error:
        lineno = error.lineno or 1
        ctx.error(
            "J205",
            f"this template is not valid: {_plain(error.message or 'syntax error')}",
            placer.span(lineno, line_of(lineno), None),
            "template error here",
            help="placeholders are written {{ profile.first_name }}; blocks {% if ... %} ... {% endif %}",
        )
        return
    reads = template_reads(ctx, text, tree)
    for name, lineno in reads.unknown_filters:
        ctx.error(
            "J205",
            f'unknown template filter "{name}"',
            placer.span(lineno, line_of(lineno), name),
            "not a Jinja2 filter",
            help=did_you_mean(name, sorted(template_env().filters)),
        )
    for name, lineno in reads.unknown_names:
        ctx.error(
            "J206",
            f'the template reads "{name}", which does not exist',
            placer.span(lineno, line_of(lineno), name),
            "unknown variable",
            help=did_you_mean(name, ROOTS) or _READABLE,
        )
    profile = ctx.project.profile
    trait_names = [t.name for t in profile.traits] if profile else []
    for root, attr, lineno in reads.attributes:
        if root not in ROOTS:
            continue
        written = f"{root}.{attr}"
        read = TemplateRead(attr, partial(placer.span, lineno, line_of(lineno), written))
        if root == "profile":
            if attr not in trait_names:
                ctx.error(
                    "J206",
                    f'the template reads {written}, but the profile has no trait "{attr}"',
                    read.span,
                    "unknown trait",
                    help=did_you_mean(attr, trait_names),
                )
        elif root == "offer":
            ctx.offer_uses.setdefault(message.name, []).append(read)
            if attr not in OFFER_FIELDS:
                ctx.error(
                    "J206",
                    f'the template reads {written}, but offers have no "{attr}"',
                    read.span,
                    "unknown offer field",
                    help=did_you_mean(attr, OFFER_FIELDS) or "offers have: " + ", ".join(OFFER_FIELDS),
                )
        elif root == "trigger":
            ctx.trigger_uses.setdefault(message.name, []).append(read)
    check_template_safety(ctx, message, field, text, template_nodes(ctx, text, tree), place)


def _plain(message: str) -> str:
    return message.rstrip(".").replace("'", '"')
