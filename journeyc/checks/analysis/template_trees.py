"""Message templates as Jinja2 reads them: the tree of each distinct text, its nodes and what it reads, made once
per run and shared by the template, safety and length checks (and by the build and the site through
`template_env`)."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from journeyc.checks.context import CheckContext
from journeyc.runtime.plain_templates import ROOTS, PlainTemplate

_ENV = SandboxedEnvironment(autoescape=False)


def template_env() -> SandboxedEnvironment:
    return _ENV


def parse_template(ctx: CheckContext, text: str) -> nodes.Template:
    """The Jinja2 tree of a template, parsed by Jinja2 once per run (raises TemplateSyntaxError). Do not modify it."""
    cache = ctx.shared.template_trees
    if text not in cache:
        try:
            cache[text] = _ENV.parse(text)
        except TemplateSyntaxError as error:
            cache[text] = error
    found = cache[text]
    if isinstance(found, TemplateSyntaxError):
        raise found
    return found


def plain_template(ctx: CheckContext, text: str) -> PlainTemplate | None:
    """The template as a plain template (runtime/plain_templates.py), once per run; None when it is not plain or
    does not parse."""
    cache = ctx.shared.plain_templates
    if text not in cache:
        try:
            cache[text] = PlainTemplate.from_tree(parse_template(ctx, text))
        except TemplateSyntaxError:
            cache[text] = None
    return cache[text]


def template_nodes(ctx: CheckContext, text: str, tree: nodes.Template) -> tuple[nodes.Node, ...]:
    """Every node of `tree` (the parsed `text`) in the order `find_all` lists them, once per distinct text: the
    checks filter this instead of walking the tree again for each kind of node they look for."""
    cache = ctx.shared.template_nodes
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
    cache = ctx.shared.template_reads
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
