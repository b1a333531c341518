"""Message templates: Jinja2 syntax, and that every variable they read exists in the schema.

A template may read `profile.<trait>`, `offer.<field>` and `trigger.<property>`. Trigger properties depend on
the journey that sends the message, so they are collected here and checked at each `send` (see journeys.py).
"""

from __future__ import annotations

import posixpath
from functools import partial

from jinja2 import TemplateSyntaxError

from journeyc import ir
from journeyc.checks.analysis.template_places import FilePlacer, InlinePlacer, Placer
from journeyc.checks.analysis.template_trees import parse_template, template_env, template_nodes, template_reads
from journeyc.checks.context import CheckContext, TemplateRead, did_you_mean
from journeyc.checks.rules.template_safety import check_template_safety
from journeyc.runtime.plain_templates import ROOTS

OFFER_FIELDS = ("code", "value", "unit", "description", "title", "valid_until", "valid_days", "name")
_READABLE = "templates can read profile.<trait>, trigger.<property> and offer.<field>"


def check_message_templates(ctx: CheckContext, message: ir.Message, file: str) -> None:
    for field in message.fields:
        if field.file is not None:
            _check_file_template(ctx, message, field, file)
        elif field.text is not None:
            _check_template(ctx, message, field, field.text, InlinePlacer(field))


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
    _check_template(ctx, message, field, text, FilePlacer(path))


def _check_template(ctx: CheckContext, message: ir.Message, field: ir.MessageField, text: str, placer: Placer) -> None:
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
