"""Rendering the site's pages from the Jinja2 templates in targets/site/, and the helpers every page uses.

Pages are HTML5 written through Jinja2 with autoescaping on: every name, text and template of the project is
escaped wherever it lands (element text, attributes, the `srcdoc` of an email preview). Links are written relative
to the page (`../journeys/x.html` from a message page), so the site works from any folder, from file:// and from a
server alike. Data for the pages' scripts is in `.js` files (`window.JOURNEYC_... = {...};`) loaded by
`<script src>`: browsers refuse fetch() of local files.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from journeyc import __version__, ir
from journeyc.diagnostics import Diagnostic
from journeyc.emit.frames import targets_dir
from journeyc.render.full import render_full
from journeyc.site.names import slug


def site_templates() -> str:
    return str(targets_dir() / "site")


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(site_templates()),
        autoescape=select_autoescape(["html", "html.j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["version"] = __version__
    env.filters["plural"] = plural
    env.filters["percent"] = percent
    env.filters["slug"] = slug
    env.filters["breakable"] = breakable
    return env


@dataclass(frozen=True)
class Nav:
    """What every page's header needs: the project's name, and whether there is a simulation page."""

    project: str
    simulation: bool


def render_page(template: str, path: str, nav: Nav, title: str, **values: Any) -> bytes:
    """The page at `path` (from the site's root) rendered from `template`."""
    depth = path.count("/")
    html = environment().get_template(template).render(root="../" * depth, path=path, nav=nav, title=title, **values)
    return html.encode("utf-8")


def _js_value(value: Any) -> str:
    """A value as JavaScript (JSON, keys sorted: the same bytes every build; nothing that could end a script)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def js_data(variable: str, value: Any) -> bytes:
    """A script that sets `window.<variable>` to the value."""
    return f"window.{variable} = {_js_value(value)};\n".encode()


def js_call(function: str, *values: Any) -> bytes:
    """A script that calls the page's `function` with the values (a file loaded on demand hands its data over)."""
    return f"{function}({','.join(_js_value(v) for v in values)});\n".encode()


def breakable(name: str) -> Markup:
    """A name that a narrow column may break after each `_` (`one_time_<wbr>password`), escaped."""
    return Markup("_<wbr>").join(escape(part) for part in name.split("_"))


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else many or word + 's'}"


def percent(part: int, whole: int) -> str:
    """`part` of `whole` as a whole percentage ("—" of nothing)."""
    return f"{round(100 * part / whole)}%" if whole else "—"


@dataclass(frozen=True)
class SourceLine:
    number: int
    text: str


def source_lines(sources: dict[str, str], span: ir.Span) -> list[SourceLine]:
    """The lines of the declaration at `span`, numbered as in its file."""
    lines = sources.get(span.file, "").split("\n")
    last = min(max(span.end_line, span.line), len(lines))
    return [SourceLine(n, lines[n - 1].rstrip()) for n in range(span.line, last + 1)]


def touches(diagnostic: Diagnostic, span: ir.Span) -> bool:
    """Whether the diagnostic points inside `span` (its own place, or one of its labels: a conflict's other side)."""
    places = [diagnostic.span, *(label.span for label in diagnostic.labels)]
    return any(p.file == span.file and span.line <= p.line <= max(span.end_line, span.line) for p in places)


def diagnostics_text(diagnostics: Iterable[Diagnostic], sources: dict[str, str]) -> list[tuple[Diagnostic, str]]:
    """Each diagnostic with its full text form (what `journeyc check` prints, without colours)."""
    return [(d, render_full(d, sources)) for d in diagnostics]
