"""Channel templates: every message's content as the files the runtime renders, one folder per channel.

The contract
------------
`channel_templates(project, read) -> {output path: file bytes}`. Paths are posix, relative to the build folder:
`templates/<channel name>/<message name>.<ext>`, where the channel's kind decides the files:

| kind     | files |
|----------|-------|
| email    | `<m>.html` (html), `<m>.txt` (text), `<m>.subject.txt`, `<m>.preheader.txt`, `<m>.from_name.txt`, `<m>.reply_to.txt` |
| sms      | `<m>.txt` |
| push     | `<m>.json` {"title", "body", "link", "image"} |
| in_app   | `<m>.json` {"title", "body", "button", "link", "image"} |
| whatsapp | `<m>.json` {"template", "language", "parameters": [every `parameter`, in order]} |
| webhook  | `<m>.json` {"url", "method", "body"} (the body is the JSON text template, kept as a string) |

A file is written only for a field the message has; a JSON file always holds every key of its kind, null for a
field the message leaves out. The first value wins if a field is given twice (the checks report that as J117).

`read(display_path)` returns the text of a project file (a path relative to the project root, as the checks
resolve it: the field's file joined to the folder of the .journey file that declares the message) or None.

Every string is a Jinja2 template the runtime fills in; this module never renders them, and keeps every
`{{ ... }}`, `{% ... %}` and `{# ... #}` byte for byte. The email html field is:
- an MJML document (its first tag is `<mjml>`): compiled to HTML here with mjml-python (mrml);
- an MJML fragment (its first tag is another `mj-` element, e.g. html \"\"\"<mj-text>...</mj-text>\"\"\"): made
  a document with the frame targets/templates/email_fragment.mjml.j2, then compiled;
- anything else: HTML, kept as it is.
mrml cannot parse Jinja2 that holds quotes or `<` inside an attribute or text (`href="{{ x | default("a") }}"`
fails), so every Jinja2 span is replaced by a placeholder before compiling and put back after. Placeholders
are letters and digits only, named from a hash of the source, so the output is the same on every run. After
compiling, every `{{ }}` and `{% %}` of the source must be back (template tags exactly once and in their
order) and the result must parse as a Jinja2 template; otherwise the file is not written and a problem says why.
`<mj-include>` is refused (nothing is read behind the project's back).

Files: UTF-8. JSON is `json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\\n"`. Text and HTML
files end with exactly one newline (trailing newlines of the value are dropped, one is added). Template files
read from disk have their line endings made `\\n`, so a checkout with CRLF builds the same bytes. Output
depends only on the project and the files read: sorted iteration, no time, no absolute paths, no hash seeds.

Problems (my choice: a second function rather than a second return value, so `channel_templates` keeps its
plain signature): `template_problems(project, read) -> [(message name, reason in plain words)]`, sorted. A
template file that is missing or outside the project, an MJML document that does not compile, or template
syntax the compiler dropped never raises: that one output file is left out and the problem is listed. A
channel or message name that is not an identifier cannot come from the grammar; it raises ValueError rather
than write a path that could leave the build folder.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from jinja2 import TemplateSyntaxError

from journeyc import ir
from journeyc.checks.analysis.template_trees import template_env
from journeyc.emit.frames import render_frame
from journeyc.runtime.template_spans import SyntaxSpan, syntax_spans

HTML_AUTOESCAPE_NOTE = (
    "The runtime renders these files with journeyc.runtime.render: a sandboxed Jinja2 environment "
    "(journeyc.runtime.sandbox) in which a missing or None value fails the render unless `default` replaces it, "
    "and which autoescapes only .html files: values put into an email's HTML are escaped, values put into .txt "
    "files and the strings of .json files are not, except that a webhook's url percent-encodes them, its body "
    "is built as JSON data, and header fields (subject, titles...) get no line breaks."
)
"""How the runtime must render what this module writes (the emitter itself renders nothing)."""

Reader = Callable[[str], "str | None"]

TEXT_FILES: dict[str, dict[str, str]] = {
    # kind -> field -> file suffix, for fields written as text files
    "email": {
        "subject": ".subject.txt",
        "preheader": ".preheader.txt",
        "text": ".txt",
        "from_name": ".from_name.txt",
        "reply_to": ".reply_to.txt",
    },
    "sms": {"text": ".txt"},
}
JSON_FIELDS: dict[str, tuple[str, ...]] = {
    # kind -> the keys of its .json file (each a field of that name)
    "push": ("title", "body", "link", "image"),
    "in_app": ("title", "body", "button", "link", "image"),
    "whatsapp": ("template", "language"),  # plus "parameters": every `parameter` field, in order
    "webhook": ("url", "method", "body"),
}

_NAME = re.compile(r"[^\W\d]\w*")  # NAME in journey.lark: letters, digits and underscores; no dots, no slashes


def channel_templates(project: ir.Project, read: Reader) -> dict[str, bytes]:
    """Every message's channel templates: output path (posix, relative to the build folder) -> file bytes."""
    return _emit(project, read).files


def template_problems(project: ir.Project, read: Reader) -> list[tuple[str, str]]:
    """(message name, reason) for every template file `channel_templates` had to leave out, sorted."""
    return _emit(project, read).problems


@dataclass
class _Output:
    files: dict[str, bytes] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)


class TemplateError(Exception):
    """A template file cannot be written; the message says why, in plain words."""


class _FileError(TemplateError):
    """A field's template file is missing or outside the project (the message names it)."""


def _emit(project: ir.Project, read: Reader) -> _Output:
    out = _Output()
    for name in sorted(project.messages):
        message = project.messages[name]
        channel = project.channels.get(message.channel.name)
        if channel is None or channel.kind is None:
            out.problems.append((name, f'its channel "{message.channel.name}" is not declared with a kind'))
            continue
        kind = channel.kind.name
        if kind not in TEXT_FILES and kind not in JSON_FIELDS:
            out.problems.append((name, f'its channel "{channel.name}" has the unknown kind "{kind}"'))
            continue
        prefix = f"templates/{_safe_name(channel.name)}/{_safe_name(message.name)}"
        _emit_message(message, kind, prefix, read, out)
    out.files = dict(sorted(out.files.items()))
    out.problems.sort()
    return out


def _safe_name(name: str) -> str:
    """A channel or message name as a path part: the grammar makes it an identifier; anything else is refused."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a name the grammar allows: it cannot be part of an output path")
    return name


def _emit_message(message: ir.Message, kind: str, prefix: str, read: Reader, out: _Output) -> None:
    values: dict[str, list[str | TemplateError]] = {}
    origins: dict[str, str] = {}  # field -> where its first value comes from, for problems
    for item in message.fields:
        values.setdefault(item.name, []).append(_field_value(item, read))
        origins.setdefault(item.name, f"the {item.name} file {item.file}" if item.file else f"the inline {item.name}")

    def add(path: str, build: Callable[[], str], origin: str = "") -> None:
        try:
            payload = build().encode("utf-8")
        except TemplateError as problem:
            where = f"in {origin}, " if origin and not isinstance(problem, _FileError) else ""
            out.problems.append((message.name, f"{where}{problem}, so {path} was not written"))
            return
        except UnicodeEncodeError:
            out.problems.append((message.name, f"its text cannot be written as UTF-8, so {path} was not written"))
            return
        out.files[path] = payload

    def first(name: str) -> str | None:
        found = values.get(name)
        return None if not found else _value(found[0])

    for field_name, suffix in TEXT_FILES.get(kind, {}).items():
        if field_name in values:
            add(prefix + suffix, partial(_first_text_file, first, field_name))
    if kind == "email" and "html" in values:
        add(prefix + ".html", lambda: _text_file(email_html(first("html") or "")), origins["html"])
    if kind in JSON_FIELDS:

        def document() -> str:
            body: dict[str, Any] = {key: first(key) for key in JSON_FIELDS[kind]}
            if kind == "whatsapp":
                body["parameters"] = [_value(v) for v in values.get("parameter", [])]
            return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

        add(prefix + ".json", document)


def _value(value: str | TemplateError) -> str:
    if isinstance(value, TemplateError):
        raise value
    return value


def _field_value(item: ir.MessageField, read: Reader) -> str | TemplateError:
    """The field's template text: inline, or read from its file (line endings made \\n)."""
    if item.file is None:
        return item.text or ""
    written = item.file.replace("\\", "/")
    path = posixpath.normpath(posixpath.join(posixpath.dirname(item.span.file), written))
    if written.startswith("/") or path == ".." or path.startswith("../"):
        return _FileError(f'the template file "{item.file}" of its {item.name} field is outside the project')
    try:
        text = read(path)
    except (OSError, UnicodeError, ValueError):
        text = None
    if text is None:
        return _FileError(f'the template file "{item.file}" of its {item.name} field was not found (looked for {path})')
    return text.replace("\r\n", "\n")


def _text_file(text: str) -> str:
    return text.rstrip("\n") + "\n"


def _first_text_file(first: Callable[[str], str | None], name: str) -> str:
    """The text file of a message's field `name` (its first value)."""
    return _text_file(first(name) or "")


# --- email html -------------------------------------------------------------------------------------------------


class MjmlError(TemplateError):
    """The html field is MJML that cannot be compiled into an HTML template the runtime can fill in."""


def email_html(source: str) -> str:
    """The HTML of an email's html field: MJML (a document or a fragment) compiled, other HTML as it is.

    Raises TemplateError (MjmlError for the compiler's part), with a plain-words reason, when the MJML does not
    compile or the compiler lost template syntax.
    """
    try:
        spans = jinja_spans(source)
    except TemplateError:
        if _mjml_level(source, _protect(source, [])[1]) is None:
            return source  # HTML kept as it is: the runtime reports its template syntax
        raise
    protected, tokens = _protect(source, spans)
    level = _mjml_level(protected, tokens)
    if level is None:
        return source
    protected = protected.removeprefix("\ufeff")
    document, start = protected, 0
    if level != "document":
        document = render_frame("templates/email_fragment.mjml.j2", level=level, fragment=protected)
        start = document.index(protected)
    html = _compile_mjml(document, start, source, spans, tokens)
    return _restore(html, source, spans, tokens)


def jinja_spans(text: str) -> list[SyntaxSpan]:
    """Where the Jinja2 syntax is, as Jinja2's lexer reads it (runtime/template_spans.py). Raises TemplateError
    when the lexer refuses the text or a `{{`, `{%` or `{#` is not closed."""
    try:
        return syntax_spans(text, template_env())
    except TemplateSyntaxError as error:
        raise TemplateError(f"{error.message} (line {error.lineno})") from None


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


@dataclass(frozen=True)
class _Tokens:
    pattern: re.Pattern[str]
    names: tuple[str, ...]


def _protect(source: str, spans: list[SyntaxSpan]) -> tuple[str, _Tokens]:
    """The source with each Jinja2 span replaced by a placeholder of letters and digits that it cannot contain."""
    nonce = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    while f"jinja{nonce}" in source:
        nonce = hashlib.sha256(nonce.encode()).hexdigest()[:12]
    width = len(str(len(spans)))
    names = tuple(f"jinja{nonce}n{index:0{width}d}x" for index in range(len(spans)))
    parts: list[str] = []
    previous = 0
    for span, name in zip(spans, names, strict=True):
        parts += [source[previous : span.start], name]
        previous = span.end
    parts.append(source[previous:])
    return "".join(parts), _Tokens(re.compile(rf"jinja{nonce}n(\d{{{width}}})x"), names)


_LEADING = re.compile(r"(?:[\s\ufeff]+|<!--.*?-->|<\?xml.*?\?>)*", re.DOTALL)
_LEVELS = {
    "mj-head": "mjml",
    "mj-body": "mjml",
    "mj-section": "body",
    "mj-wrapper": "body",
    "mj-hero": "body",
    "mj-column": "section",
    "mj-group": "section",
}


def _mjml_level(protected: str, tokens: _Tokens) -> str | None:
    """`"document"` for MJML, a fragment's level, or None for HTML: decided by the first tag, past any whitespace,
    comments and template syntax."""
    i = 0
    while True:
        i = _LEADING.match(protected, i).end()  # type: ignore[union-attr]  # it can match nothing: never None
        token = tokens.pattern.match(protected, i)
        if token is None:
            break
        i = token.end()
    tag = re.match(r"<(mj[\w-]*)(?=[\s/>])", protected[i:])
    if tag is None:
        return None
    name = tag.group(1)
    if name == "mjml":
        return "document"
    if not name.startswith("mj-"):
        return None
    return _LEVELS.get(name, "column")


def _refuse_includes(path: str) -> str:
    raise OSError(f"mj-include is not supported ({path})")


def _compile_mjml(document: str, start: int, source: str, spans: list[SyntaxSpan], tokens: _Tokens) -> str:
    """Compile an MJML document; the source with placeholders starts at offset `start` in it."""
    import mjml  # mjml-python: the Rust mrml compiler; imported here so only builds with MJML load it

    try:
        return mjml.mjml2html(document, include_loader=_refuse_includes)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # mrml reports ValueError; a Rust panic arrives as a BaseException
        reason = str(error) or type(error).__name__
        where = re.search(r" in root template(?: at position (\d+):\d+)?$", reason)
        line = ""
        if where is not None:
            reason = reason[: where.start()]
            if where.group(1) is not None:
                offset = len(document.encode("utf-8", "surrogatepass")[: int(where.group(1))].decode("utf-8", "ignore"))
                line = f", near line {_source_line(offset - start, source, spans, tokens)}"
        if "include" in reason:
            reason = "mj-include is not supported: put the included MJML in the file"
        raise MjmlError(f"the MJML does not compile ({reason}{line})") from None


def _source_line(offset: int, source: str, spans: list[SyntaxSpan], tokens: _Tokens) -> int:
    """The source line of an offset into the protected text."""
    shift = 0  # source offset - protected offset, up to here
    for span, name in zip(spans, tokens.names, strict=True):
        if span.start - shift + len(name) > offset:
            break
        shift += (span.end - span.start) - len(name)
    return _line(source, max(offset + shift, 0))


def _restore(html: str, source: str, spans: list[SyntaxSpan], tokens: _Tokens) -> str:
    """The compiled HTML with the placeholders replaced by the source's Jinja2, checked to be whole."""
    seen: list[int] = [int(m.group(1)) for m in tokens.pattern.finditer(html)]
    counts = [0] * len(spans)
    for index in seen:
        counts[index] += 1
    for index, span in enumerate(spans):
        written = source[span.start : span.end]
        shown = written if len(written) <= 60 else written[:57] + "..."
        line = _line(source, span.start)
        if span.kind == "tag" and counts[index] != 1:
            what = "dropped" if counts[index] == 0 else "repeated"
            raise MjmlError(
                f"the MJML compiler {what} the template tag {shown} (line {line}): put template tags "
                "around whole elements inside mj-body, or inside mj-text or mj-raw"
            )
        if span.kind == "expression" and counts[index] == 0:
            raise MjmlError(
                f"the MJML compiler dropped {shown} (line {line}): the place it is written is not part of the HTML"
            )
    tags = [index for index in seen if spans[index].kind == "tag"]
    if tags != sorted(tags):
        raise MjmlError("the MJML compiler moved template tags out of their order")
    html = tokens.pattern.sub(lambda m: source[spans[int(m.group(1))].start : spans[int(m.group(1))].end], html)
    try:
        template_env().parse(html)
    except TemplateSyntaxError as error:
        raise MjmlError(f"the compiled HTML is not a valid template ({error.message})") from None
    return html
