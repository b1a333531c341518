"""The Jinja2 tree of the commonest templates, built without Jinja2's lexer and parser.

Message templates mostly show values and test them: `Hi {{ profile.first_name | default('there') }}`,
`{% if offer %} Code {{ offer.code }}{% endif %}`. Lexing and parsing each distinct text is most of what checking
a message costs, so `plain_tree` recognises the texts made only of

- text holding no `{{`, `{%` or `{#` (and no carriage return: Jinja2 rewrites line ends);
- `{{ root.attr }}`, maybe with `| default('text')` or `| d('text')` (quoted text holding no quote, backslash
  or line break), where root is `profile`, `trigger` or `offer`;
- `{% if root %}` or `{% if root.attr %}`, `{% elif ... %}`, `{% else %}` and `{% endif %}`, properly nested;

with spaces or nothing between the parts inside the braces, and builds for them the tree Jinja2's parser builds:
the same nodes with the same fields and line numbers (tests/test_checks_speed_plain_templates.py compares them).
Any other text gets None and is parsed by Jinja2, which also reports every syntax error.
"""

from __future__ import annotations

import re

from jinja2 import nodes
from jinja2.environment import Environment

_BEGIN = re.compile(r"\{[{%#]")  # where Jinja2's lexer ends a run of text
_NAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
_PLACEHOLDER = re.compile(
    rf"\{{\{{ *(?P<root>profile|trigger|offer)\.(?P<attr>{_NAME})"
    r"(?: *\| *(?P<filter>default|d) *\( *(?:'(?P<single>[^'\\\n]*)'|\"(?P<double>[^\"\\\n]*)\") *\))? *\}\}"
)
_TAG = re.compile(
    rf"\{{% *(?:(?P<test>if|elif) +(?P<root>profile|trigger|offer)(?:\.(?P<attr>{_NAME}))?|(?P<word>else|endif)) *%\}}"
)


class _Branches:
    """An `{% if %}` being read: the node, and whether its `{% else %}` has been seen."""

    def __init__(self, node: nodes.If, outer: list[nodes.Node]) -> None:
        self.node = node
        self.outer = outer  # the body the `if` is in, where reading resumes after `{% endif %}`
        self.in_else = False


def plain_tree(text: str, env: Environment) -> nodes.Template | None:
    """The tree `env.parse(text)` gives, when `text` is plain (see above) and `env` has Jinja2's default syntax;
    None otherwise."""
    if "\r" in text or not _default_syntax(env):
        return None
    source = text[:-1] if text.endswith("\n") else text  # Jinja2 drops one final line end
    body: list[nodes.Node] = []
    shown: list[nodes.Node] = []  # text and placeholders since the last tag: one Output node
    open_ifs: list[_Branches] = []
    position, line = 0, 1
    while (begin := _BEGIN.search(source, position)) is not None:
        data = source[position : begin.start()]
        if data:
            shown.append(nodes.TemplateData(data, lineno=line, environment=env))
            line += data.count("\n")
        placeholder = _PLACEHOLDER.match(source, begin.start())
        if placeholder is not None:
            shown.append(_shown_value(placeholder, line, env))
            position = placeholder.end()
            continue
        tag = _TAG.match(source, begin.start())
        if tag is None:
            return None
        _flush(shown, body, env)
        inner = _enter(tag, line, body, open_ifs, env)
        if inner is None:
            return None
        body, position = inner, tag.end()
    if source[position:]:
        shown.append(nodes.TemplateData(source[position:], lineno=line, environment=env))
    _flush(shown, body, env)
    if open_ifs:
        return None  # an `if` without `endif`
    return nodes.Template(body, lineno=1, environment=env)


def _default_syntax(env: Environment) -> bool:
    """Whether `env` reads templates as Jinja2 does by default (the syntax `plain_tree` knows)."""
    syntax = (env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string)
    syntax += (env.comment_start_string, env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix)
    syntax += (env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline)
    default = ("{%", "%}", "{{", "}}", "{#", "#}", None, None, False, False, "\n", False)
    return syntax == default and not env.extensions


def _flush(shown: list[nodes.Node], body: list[nodes.Node], env: Environment) -> None:
    """Text and placeholders read since the last tag become one Output node, as Jinja2's parser groups them."""
    if shown:
        body.append(nodes.Output(shown[:], lineno=shown[0].lineno, environment=env))
        shown.clear()


def _enter(
    tag: re.Match[str], line: int, body: list[nodes.Node], open_ifs: list[_Branches], env: Environment
) -> list[nodes.Node] | None:
    """The body the text after `tag` belongs to; None when the tags are not properly nested."""
    if tag["test"] == "if":
        node = nodes.If(_test(tag, line, env), [], [], [], lineno=line, environment=env)
        body.append(node)
        open_ifs.append(_Branches(node, body))
        return node.body
    if not open_ifs:
        return None  # elif, else or endif outside an if
    current = open_ifs[-1]
    if tag["word"] == "endif":
        open_ifs.pop()
        return current.outer
    if current.in_else:
        return None  # elif or else after else
    if tag["test"] == "elif":
        branch = nodes.If(_test(tag, line, env), [], [], [], lineno=line, environment=env)
        current.node.elif_.append(branch)
        return branch.body
    current.in_else = True
    return current.node.else_


def _test(tag: re.Match[str], line: int, env: Environment) -> nodes.Expr:
    root = nodes.Name(tag["root"], "load", lineno=line, environment=env)
    return root if tag["attr"] is None else nodes.Getattr(root, tag["attr"], "load", lineno=line, environment=env)


def _shown_value(placeholder: re.Match[str], line: int, env: Environment) -> nodes.Expr:
    root = nodes.Name(placeholder["root"], "load", lineno=line, environment=env)
    read = nodes.Getattr(root, placeholder["attr"], "load", lineno=line, environment=env)
    if placeholder["filter"] is None:
        return read
    default = placeholder["single"] if placeholder["single"] is not None else placeholder["double"]
    text = nodes.Const(default, lineno=line, environment=env)
    return nodes.Filter(read, placeholder["filter"], [text], [], None, None, lineno=line, environment=env)
