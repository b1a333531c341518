"""Rendering plain templates without compiling them: most message templates only show values.

Compiling a template to Python (`Environment.from_string`) costs more than everything else the length checks do
with it. A *plain* template holds only text, placeholders that show a root variable (`profile`, `trigger`,
`offer`), its attributes, or those through filters with constant arguments, and `{% if %}` / `{% elif %}` /
`{% else %}` blocks that test the same. For these, `plain_renderer` gives a function that renders what the
compiled template renders: it does what the generated code does, through the same environment (its `getattr`,
its filters, `str` on each value shown, `undefined` for a root not given). Any other template gets None, and is
compiled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

from jinja2 import nodes
from jinja2.environment import Environment

Render = Callable[[Mapping[str, object]], str]


def plain_renderer(tree: nodes.Template, env: Environment, roots: Sequence[str]) -> Render | None:
    """A function rendering `tree` with given values of `roots`, or None when the template is not plain.

    Only for an environment whose generated code writes each value as `str(value)`: no autoescape, no finalize,
    not async.
    """
    if env.autoescape is not False or env.finalize is not None or env.is_async:
        return None
    if not all(_plain_statement(node, env, roots) for node in tree.body):
        return None
    body = tree.body

    def render(values: Mapping[str, object]) -> str:
        return "".join(_pieces(body, env, values))

    return render


def _plain_statement(node: nodes.Node, env: Environment, roots: Sequence[str]) -> bool:
    if isinstance(node, nodes.Output):
        return all(isinstance(child, nodes.TemplateData) or _plain_value(child, env, roots) for child in node.nodes)
    if isinstance(node, nodes.If):
        return (
            _plain_value(node.test, env, roots)
            and all(_plain_statement(child, env, roots) for child in [*node.body, *node.else_])
            and all(_plain_statement(branch, env, roots) for branch in node.elif_)
        )
    return False


def _plain_value(node: nodes.Node, env: Environment, roots: Sequence[str]) -> bool:
    if isinstance(node, nodes.Name):
        return node.ctx == "load" and node.name in roots
    if isinstance(node, nodes.Getattr):
        return node.ctx == "load" and _plain_value(node.node, env, roots)
    if isinstance(node, nodes.Filter):
        return (
            node.node is not None
            and _plain_filter(env, node.name)
            and all(isinstance(arg, nodes.Const) for arg in node.args)
            and not node.kwargs
            and node.dyn_args is None
            and node.dyn_kwargs is None
            and _plain_value(node.node, env, roots)
        )
    return False


def _plain_filter(env: Environment, name: str) -> bool:
    """A filter of the environment that needs nothing from the running template (the environment at most, which
    `call_filter` passes as the generated code does)."""
    func = env.filters.get(name)
    passes = getattr(func, "jinja_pass_arg", None)
    return func is not None and (passes is None or passes.name == "environment")


def _pieces(body: list[nodes.Node], env: Environment, values: Mapping[str, object]) -> Iterator[str]:
    for node in body:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                yield child.data if isinstance(child, nodes.TemplateData) else str(_evaluate(child, env, values))
        else:
            yield from _pieces(_branch_taken(node, env, values), env, values)


def _branch_taken(node: nodes.If, env: Environment, values: Mapping[str, object]) -> list[nodes.Node]:
    for branch in (node, *node.elif_):
        if _evaluate(branch.test, env, values):
            return branch.body
    return node.else_


def _evaluate(node: nodes.Expr, env: Environment, values: Mapping[str, object]) -> object:
    if isinstance(node, nodes.Name):
        return values[node.name] if node.name in values else env.undefined(name=node.name)
    if isinstance(node, nodes.Getattr):
        return env.getattr(_evaluate(node.node, env, values), node.attr)
    assert isinstance(node, nodes.Filter) and node.node is not None
    value = _evaluate(node.node, env, values)
    return env.call_filter(node.name, value, [arg.value for arg in node.args])  # type: ignore[attr-defined]
