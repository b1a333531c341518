"""Seeded mutators of text: the hostile values and the edits the fuzzers apply to sources, logs and test files.

Every mutator takes a `random.Random` and returns the new text with a one-line description of what it did, so a
failure names its case (`seed` + description) and can be replayed exactly. Nothing here runs journeyc; the
oracles are in fuzz_oracles.py and the three fuzz test modules.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

GRAMMAR = Path(__file__).resolve().parent.parent / "journeyc" / "syntax" / "journey.lark"

# The .journey tokens, in the grammar's own order of preference (long strings before strings).
TOKEN = re.compile(
    r'(?P<long>"""(?:[^"]|"(?!""))*""")'
    r'|(?P<string>"(?:[^"\\\r\n]|\\.)*")'
    r"|(?P<comment>#[^\n]*)"
    r"|(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<name>[^\W\d]\w*)"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)",
    re.DOTALL,
)

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ODD_CHARACTERS = (
    *BIDI_CONTROLS,
    "\x00", "\r", "\r\n", "\n\r", "\t", "\x0b", "\x0c", "\x1b[31m", "\x1b]0;title\x07", "\x7f", "\x85",
    "\ufeff", "\u2028", "\u2029", "\u200b", "\u200d", "\u00a0", "\u0301", "e\u0301", "\ufffd", "\U0001f600",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\u4e2d\u6587", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "\ud7ff", "\U0010ffff", "\uffff", "Ⅸ", "٣", "ǅ", "ﬁ", "İ", "ß",
)  # fmt: skip
HUGE_NUMBERS = (
    "9" * 400, "1" + "0" * 5000, "9" * 20, "18446744073709551616", "9007199254740993", "1" + "0" * 308,
    "179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000",
    "0", "00", "0.0", "0.5", "1.5", "0.0000000000000000000001", "99999999999999999999.99999999999999999",
    "4294967296", "2147483648", "1" + "0" * 16, "3600", "86400", "100000", "10000000",
)  # fmt: skip
HOSTILE_NAMES = (
    "__init__", "__main__", "__class__", "__builtins__", "__file__", "None", "True", "False", "class", "def",
    "import", "lambda", "async", "await", "match", "case", "type", "self", "journeyc", "runtime", "run",
    "JourneyRun", "TRIGGER", "GOAL", "os", "sys", "_", "__", "_0", "é", "名前", "Ⅸ", "ǅx", "ﬁle", "İstanbul",
    "straße", "e\u0301", "x" * 255, "y" * 4096, "z" * 70000, "data", "templates", "manifest", "con", "nul",
)  # fmt: skip
HOSTILE_STRINGS = (
    "{{", "}}", "{%", "%}", "{#", "{{ }}", "{% if %}", "{% for x in y %}", "{% endfor %}", "{% endif %}",
    "{% raw %}", "{% endraw %}", "{% include 'x' %}", "{% extends 'y' %}", "{% import 'z' as q %}",
    "{% macro m() %}x{% endmacro %}", "{% set x = 1 %}", "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os }}", "{{ 'a' * 100000000 }}", "{{ profile.first_name | length ** 99999999 }}",
    "{{ 'a' | center(999999999) }}", "{{ '{0:>999999999}'.format(1) }}", "{{ range(999999999) | list }}",
    "{{ 9 ** 9 ** 9 }}", "{{ profile.first_name | safe }}", "{{ trigger.a.b.c.d }}", "{{ offer.code }}",
    "{{ profile.nope }}", "{{ x", "x }}", "{{ profile.first_name | nope }}", "{{ 1 / 0 }}",
    "<script>alert(1)</script>", "</mj-text>", "<mj-raw>", "]]>", "<!--", "&bogus;", "&#0;",
    "\\", "\\\\", '\\"', "\\n", "\\u202e", "\\x00", "'''", "%s %(x)s {0} {x}", "$(rm -rf /)", "`id`",
    "'); import os; os.system('id'); ('", '"""', "../../../etc/passwd", "/dev/zero", "C:\\\\x",
    "x\", \"admin\": true, \"y\": \"z", "a" * 10000, "Reply STOP", "https://x.example/{{ trigger.order_id }}",
)  # fmt: skip
ODD_PATHS = (
    "../../../../../../../../etc/passwd", "/etc/passwd", "/dev/zero", "/dev/null", "/proc/self/fd/0", ".", "..",
    "", "/", "//", "templates", "tests", "x\x00y.journey", "a" * 300 + ".journey", ("b" * 200 + "/") * 30 + "c",
    "~/.ssh/id_rsa", "\\\\server\\share\\x.journey", "C:/x.journey", "file:///etc/passwd",
    "https://example.com/x.journey", "stdlib/ecommerce.journey", "nowhere.journey", "../templates/welcome.mjml",
    "journeyc.toml", "events/sample.jsonl", "build/manifest.json", "café.journey", "\u202eyenruoj.x",
    "a/../../b.journey", "./././offers.journey", "offers.journey/", "OFFERS.JOURNEY",
)  # fmt: skip
ODD_TIMES = ("00:00", "23:59", "24:00", "99:99", "0:00", "12:60", "9:5")


def keywords() -> list[str]:
    """Every keyword and punctuation mark of the grammar, read from journey.lark itself."""
    text = GRAMMAR.read_text(encoding="utf-8")
    return sorted(set(re.findall(r'(?m)^[A-Z_]+(?:\.\d)?: "([^"]+)"$', text)))


KEYWORDS = keywords()


@dataclass
class Token:
    kind: str
    text: str


def tokens(text: str) -> list[Token]:
    """The text as .journey tokens; joining their texts gives it back exactly."""
    return [Token(match.lastgroup or "other", match.group()) for match in TOKEN.finditer(text)]


def join(parts: list[Token]) -> str:
    return "".join(part.text for part in parts)


def pick_index(rng: random.Random, parts: list[Token], *kinds: str) -> int | None:
    """The index of a random token of one of `kinds` (any solid token without kinds), or None."""
    wanted = [i for i, t in enumerate(parts) if (t.kind in kinds if kinds else t.kind not in ("space", "comment"))]
    return rng.choice(wanted) if wanted else None


def quote(text: str) -> str:
    """`text` as a one-line .journey string (quotes and backslashes escaped, line breaks kept raw on purpose)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


Mutator = Callable[[random.Random, str], tuple[str, str]]


# ---------------------------------------------------------------- line edits (any text)
def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True) or [""]


def delete_line(rng: random.Random, text: str) -> tuple[str, str]:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    return "".join(lines[:i] + lines[i + 1 :]), f"delete line {i + 1}"


def duplicate_line(rng: random.Random, text: str) -> tuple[str, str]:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    return "".join(lines[: i + 1] + lines[i:]), f"duplicate line {i + 1}"


def swap_lines(rng: random.Random, text: str) -> tuple[str, str]:
    lines = _lines(text)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines), f"swap lines {i + 1} and {j + 1}"


def move_line(rng: random.Random, text: str) -> tuple[str, str]:
    lines = _lines(text)
    line = lines.pop(rng.randrange(len(lines)))
    j = rng.randrange(len(lines) + 1)
    lines.insert(j, line)
    return "".join(lines), f"move a line to line {j + 1}"


def truncate(rng: random.Random, text: str) -> tuple[str, str]:
    cut = rng.randrange(len(text) + 1)
    return text[:cut], f"truncate at character {cut}"


def insert_odd_character(rng: random.Random, text: str) -> tuple[str, str]:
    at = rng.randrange(len(text) + 1)
    odd = rng.choice(ODD_CHARACTERS)
    return text[:at] + odd + text[at:], f"insert {odd!r} at character {at}"


def line_endings(rng: random.Random, text: str) -> tuple[str, str]:
    choice = rng.choice(("crlf", "cr", "bom", "bom+crlf", "no final newline", "mixed"))
    if choice == "crlf":
        return text.replace("\n", "\r\n"), "CRLF line endings"
    if choice == "cr":
        return text.replace("\n", "\r"), "CR-only line endings"
    if choice == "bom":
        return "\ufeff" + text, "a UTF-8 BOM"
    if choice == "bom+crlf":
        return "\ufeff" + text.replace("\n", "\r\n"), "a BOM and CRLF line endings"
    if choice == "no final newline":
        return text.rstrip("\n"), "no final newline"
    lines = _lines(text)
    return "".join(line.replace("\n", rng.choice(("\n", "\r\n", "\r"))) for line in lines), "mixed line endings"


LINE_MUTATORS: tuple[Mutator, ...] = (delete_line, duplicate_line, swap_lines, move_line, insert_odd_character)


# ---------------------------------------------------------------- token edits (.journey sources)
def replace_with_keyword(rng: random.Random, text: str) -> tuple[str, str]:
    parts = tokens(text)
    i = pick_index(rng, parts)
    if i is None:
        return text, "no token to replace"
    word = rng.choice(KEYWORDS)
    old, parts[i].text = parts[i].text, word
    return join(parts), f"replace {old[:40]!r} with keyword {word!r}"


def replace_with_own_token(rng: random.Random, text: str) -> tuple[str, str]:
    parts = tokens(text)
    i, j = pick_index(rng, parts), pick_index(rng, parts)
    if i is None or j is None:
        return text, "no token to replace"
    old, parts[i].text = parts[i].text, parts[j].text
    return join(parts), f"replace {old[:40]!r} with {parts[j].text[:40]!r}"


def delete_token(rng: random.Random, text: str) -> tuple[str, str]:
    parts = tokens(text)
    i = pick_index(rng, parts)
    if i is None:
        return text, "no token to delete"
    old, parts[i].text = parts[i].text, ""
    return join(parts), f"delete token {old[:40]!r}"


def duplicate_token(rng: random.Random, text: str) -> tuple[str, str]:
    parts = tokens(text)
    i = pick_index(rng, parts)
    if i is None:
        return text, "no token to duplicate"
    parts[i].text = parts[i].text + " " + parts[i].text
    return join(parts), f"duplicate token {parts[i].text[:40]!r}"


def huge_number(rng: random.Random, text: str) -> tuple[str, str]:
    parts = tokens(text)
    i = pick_index(rng, parts, "number")
    if i is None:
        return text, "no number"
    new = rng.choice(HUGE_NUMBERS)
    old, parts[i].text = parts[i].text, new
    return join(parts), f"number {old!r} -> {new[:30]!r} ({len(new)} characters)"


def hostile_name(rng: random.Random, text: str) -> tuple[str, str]:
    """One name replaced, everywhere it appears as a name in this text (a declaration and its uses together)."""
    parts = tokens(text)
    i = pick_index(rng, parts, "name")
    if i is None:
        return text, "no name"
    old, new = parts[i].text, rng.choice(HOSTILE_NAMES)
    if old in KEYWORDS:  # a keyword: replace only this occurrence
        parts[i].text = new
    else:
        for part in parts:
            if part.kind == "name" and part.text == old:
                part.text = new
    return join(parts), f"name {old!r} -> {new[:30]!r} ({len(new)} characters)"


# Hostile text that is no template syntax: a project given it usually stays valid, so it reaches the build.
PLAIN_HOSTILE = tuple(s for s in HOSTILE_STRINGS + ODD_CHARACTERS if not any(m in s for m in ("{{", "{%", "{#")))


def hostile_string(
    rng: random.Random, text: str, pool: tuple[str, ...] = HOSTILE_STRINGS + ODD_CHARACTERS
) -> tuple[str, str]:
    parts = tokens(text)
    i = pick_index(rng, parts, "string", "long")
    if i is None:
        return text, "no string"
    hostile = rng.choice(pool)
    old = parts[i].text
    if parts[i].kind == "long":
        body = old[3:-3]
        at = rng.randrange(len(body) + 1)
        new = '"""' + body[:at] + hostile.replace('"""', '"') + body[at:] + '"""'
    else:
        body = old[1:-1]
        at = rng.randrange(len(body) + 1)
        new = '"' + body[:at] + quote(hostile)[1:-1] + body[at:] + '"'
    parts[i].text = new
    return join(parts), f"string {old[:30]!r}: insert {hostile[:40]!r}"


def plain_hostile_string(rng: random.Random, text: str) -> tuple[str, str]:
    return hostile_string(rng, text, PLAIN_HOSTILE)


def other_number(rng: random.Random, text: str) -> tuple[str, str]:
    """A number replaced by another plausible one: a long wait, a zero, a fraction, a big cap."""
    parts = tokens(text)
    i = pick_index(rng, parts, "number")
    if i is None:
        return text, "no number"
    new = rng.choice(("0", "1", "2", "0.5", "1.5", "7", "59", "100", "365", "3650", "1000000"))
    old, parts[i].text = parts[i].text, new
    return join(parts), f"number {old!r} -> {new!r}"


def odd_import(rng: random.Random, text: str) -> tuple[str, str]:
    """An import's or a `file` field's path replaced by an odd one (or a new import of an odd path added)."""
    parts = tokens(text)
    places = [
        i
        for i, part in enumerate(parts)
        if part.kind == "string" and any(p.text in ("import", "file") for p in parts[max(0, i - 2) : i])
    ]
    path = rng.choice(ODD_PATHS)
    if not places:
        return f"import {quote(path)}\n" + text, f"add import of {path[:60]!r}"
    i = rng.choice(places)
    old, parts[i].text = parts[i].text, quote(path)
    return join(parts), f"path {old[:40]!r} -> {path[:60]!r}"


def self_import(text: str, own_name: str) -> str:
    return f"import {quote(own_name)}\n" + text


def deep_nesting(rng: random.Random, text: str) -> tuple[str, str]:
    depth = rng.choice((10, 64, 200, 1000, 5000, 50_000))
    shape = rng.choice(("parens", "not", "braces", "if-blocks", "and-chain"))
    parts = tokens(text)
    i = pick_index(rng, parts, "name")
    if i is None:
        return text, "no name"
    if shape == "parens":
        parts[i].text = "(" * depth + parts[i].text + ")" * depth
    elif shape == "not":
        parts[i].text = "not " * depth + parts[i].text
    elif shape == "braces":
        parts[i].text = "{" * depth + parts[i].text + "}" * depth
    elif shape == "and-chain":
        parts[i].text = " and ".join([parts[i].text] * depth)
    else:
        parts[i].text = "if x == 1 {\n" * depth + parts[i].text + "\n}" * depth
    return join(parts), f"{shape} nested {depth} deep around {parts[i].text[:20]!r}"


def odd_time(rng: random.Random, text: str) -> tuple[str, str]:
    times = [m for m in re.finditer(r"\b\d{1,2}:\d{2}\b", text)]
    if not times:
        return text, "no time"
    match, new = rng.choice(times), rng.choice(ODD_TIMES)
    return text[: match.start()] + new + text[match.end() :], f"time {match.group()!r} -> {new!r}"


JOURNEY_MUTATORS: tuple[Mutator, ...] = (
    *LINE_MUTATORS,
    replace_with_keyword,
    replace_with_own_token,
    delete_token,
    duplicate_token,
    huge_number,
    hostile_name,
    hostile_name,
    hostile_string,
    hostile_string,
    hostile_string,
    odd_import,
    deep_nesting,
    odd_time,
    line_endings,
    truncate,
)


# ---------------------------------------------------------------- templates (Jinja inside MJML)
BROKEN_MARKUP = (
    "<mj-section>", "</mj-section>", "<mj-column>", "</mj-column>", "<mj-text>", "</mj-text>", "<mj-nope>",
    "<mj-include path=\"/etc/passwd\" />", "<mj-include path=\"../journeyc.toml\" />", "<mj-raw><script>x</script>",
    "<", ">", "</", "<!--", "-->", "<![CDATA[", "]]>", "&", "&bogus;", "&#0;", "&#x110000;", "<mj-text a=\"", "\"",
    "<mjml>", "</mjml>", "<mj-body>", "</mj-body>", "<mj-button href=\"javascript:alert(1)\">x</mj-button>",
    "<mj-image src=\"{{ profile.first_name }}\" />", "<mj-style>@import url(x)</mj-style>", "<?xml ?>", "<!DOCTYPE x>",
)  # fmt: skip


def broken_markup(rng: random.Random, text: str) -> tuple[str, str]:
    at = rng.randrange(len(text) + 1)
    piece = rng.choice(BROKEN_MARKUP + HOSTILE_STRINGS[:30])
    return text[:at] + piece + text[at:], f"insert {piece[:40]!r} at character {at}"


def delete_tag(rng: random.Random, text: str) -> tuple[str, str]:
    tags = list(re.finditer(r"</?[\w-]+[^>]*>|\{[{%].*?[%}]\}", text, re.DOTALL))
    if not tags:
        return text, "no tag"
    match = rng.choice(tags)
    return text[: match.start()] + text[match.end() :], f"delete {match.group()[:40]!r}"


def nested_sections(rng: random.Random, text: str) -> tuple[str, str]:
    depth = rng.choice((50, 500, 3000))
    at = text.find("<mj-column>")
    if at < 0:
        return text, "no column"
    nest = "<mj-section><mj-column>" * depth + "x" + "</mj-column></mj-section>" * depth
    return text[:at] + nest + text[at:], f"{depth} nested sections"


def deep_template(rng: random.Random, text: str) -> tuple[str, str]:
    """Template syntax nested deep (blocks, loops, brackets, filters, signs) inserted at a random place."""
    depth = rng.choice((20, 21, 50, 51, 300, 3000))
    shape = rng.choice(("if", "for", "paren", "list", "filter", "neg", "not", "add"))
    piece = {
        "if": "{% if offer %}" * depth + "x" + "{% endif %}" * depth,
        "for": "{% for i in [1] %}" * depth + "x" + "{% endfor %}" * depth,
        "paren": "{{ " + "(" * depth + "1" + ")" * depth + " }}",
        "list": "{{ " + "[" * depth + "1" + "]" * depth + " }}",
        "filter": "{{ 'x'" + " | upper" * depth + " }}",
        "neg": "{{ " + "-" * depth + "1 }}",
        "not": "{{ " + "not " * depth + "offer }}",
        "add": "{{ " + " + ".join(["1"] * depth) + " }}",
    }[shape]
    at = rng.randrange(len(text) + 1)
    return text[:at] + piece + text[at:], f"{shape} template nesting {depth} deep at character {at}"


def deep_template_string(rng: random.Random, text: str) -> tuple[str, str]:
    """A .journey long string (a message text) given deeply nested template syntax."""
    parts = tokens(text)
    i = pick_index(rng, parts, "long")
    if i is None:
        return text, "no long string"
    body, what = deep_template(rng, parts[i].text[3:-3])
    parts[i].text = '"""' + body + '"""'
    return join(parts), what


TEMPLATE_MUTATORS: tuple[Mutator, ...] = (
    deep_template,
    *LINE_MUTATORS,
    broken_markup,
    broken_markup,
    delete_tag,
    delete_tag,
    nested_sections,
    line_endings,
    truncate,
)


# ---------------------------------------------------------------- raw bytes (any file)
def random_bytes(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    at = rng.randrange(len(data) + 1)
    size = rng.choice((1, 2, 8, 64))
    noise = bytes(rng.randrange(256) for _ in range(size))
    return data[:at] + noise + data[at:], f"insert {size} random bytes at byte {at}"


# Edits after which a project often stays valid, so that the build and the generated code see them.
GENTLE_MUTATORS: tuple[Mutator, ...] = (
    plain_hostile_string,
    plain_hostile_string,
    other_number,
    hostile_string,
    deep_template_string,
)


def mutate(rng: random.Random, text: str, mutators: tuple[Mutator, ...], rounds: int) -> tuple[str, list[str]]:
    """`rounds` mutations in a row, each picked at random from `mutators`."""
    done = []
    for _ in range(rounds):
        text, what = rng.choice(mutators)(rng, text)
        done.append(what)
    return text, done
