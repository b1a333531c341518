"""Properties, with hypothesis.

(a) Whatever a careless edit does to a real project (a deleted span, a duplicated or swapped line, a stray
    keyword, brace or quote, a truncated file), checking it never raises, and every diagnostic is well formed: a
    J-code, a file, a line and column inside that file, and a plain-words message without parser internals.
(b) Round trip: a generated project goes text -> IR -> `journeyc ir` JSON -> IR models -> the same JSON, the
    same every time, and the IR holds exactly what the text says.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BASE_FILES, REPO, check, examples, render
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeyc.cli import main
from journeyc.ir import Project
from journeyc.load import stdlib_dir

# ---------------------------------------------------------------- the project to mutate

DEMO = REPO / "journeys"


def _corpus() -> dict[str, str]:
    """The demo repository's files (relative path -> text) when it exists, else the base project of conftest."""
    if DEMO.is_dir():
        files = {}
        for path in sorted(DEMO.rglob("*")):
            relative = path.relative_to(DEMO)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                files[relative.as_posix()] = path.read_text(encoding="utf-8")
        if any(name.endswith(".journey") for name in files):
            return files
    return {name: textwrap.dedent(text).lstrip("\n") for name, text in BASE_FILES.items()}


CORPUS = _corpus()
JOURNEY_FILES = sorted(name for name in CORPUS if name.endswith(".journey"))

# What a careless edit inserts: keywords, punctuation, quotes, braces, odd characters.
TOKENS = [
    "{", "}", "(", ")", "{}", "}}", "{{", "{%", "%}", '"', '"""', "'", "\u201c", "\u201d", "#", ",", ".", ":", ";",
    "=", "==", "!=", "<", ">=", "%", "\\", "\n", "\t", "\r\n", " ", "\u00a0", "\u200b", "\ufeff", "\u2028",
    "\x00", "é", "☃", "𝔘", "中文",
    "import", "team", "category", "event", "shape", "profile", "channel", "segment", "offer", "message",
    "policy", "journey", "owner", "trigger", "entry", "goal", "exit", "exit on", "audience", "wait", "wait until",
    "wait up to", "send", "send email", "with offer", "if", "else", "else if", "experiment", "arm", "holdout",
    "where", "and", "or", "not", "any", "all", "no", "none", "at least", "at most", "exactly", "in last",
    "since entry", "in segment", "is set", "is not", "is one of", "last", "of", "list of", "one of", "optional",
    "default", "description", "value", "days", "hour", "dayz", "within", "keyed by", "every day at", "monday",
    "profile.", "trigger.", "offer.code", "true", "false", "0", "1", "-1", "1.5", "10%", "99999999999999999999",
    "25:00", "09:00", "2026-02-30", '"Order Completed"', '"Nope"', "unknown_name", "kind", "quiet hours",
    "limit", "suppress", "exempt", "priority", "html file", '"missing.mjml"', "subject", "text",
]  # fmt: skip

MUTATIONS = ["delete_span", "duplicate_line", "insert_token", "swap_lines", "truncate", "delete_line"]


@st.composite
def mutation(draw: st.DrawFn, text: str) -> str:
    kind = draw(st.sampled_from(MUTATIONS))
    lines = text.split("\n")
    if kind == "delete_span":
        start = draw(st.integers(0, len(text)))
        length = draw(st.integers(1, 60))
        return text[:start] + text[start + length :]
    if kind == "insert_token":
        at = draw(st.integers(0, len(text)))
        token = draw(st.sampled_from(TOKENS))
        return text[:at] + token + text[at:]
    if kind == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    index = draw(st.integers(0, len(lines) - 1))
    if kind == "duplicate_line":
        lines.insert(index, lines[index])
    elif kind == "delete_line":
        del lines[index]
    else:
        other = draw(st.integers(0, len(lines) - 1))
        lines[index], lines[other] = lines[other], lines[index]
    return "\n".join(lines)


@st.composite
def mutated_file(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(JOURNEY_FILES))
    text = CORPUS[name]
    for _ in range(draw(st.integers(1, 3))):
        text = draw(mutation(text))
    return name, text


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mutated") / "project"
    for name, text in CORPUS.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def write_mutation(root: Path, name: str, text: str) -> None:
    (root / name).write_text(text, encoding="utf-8", newline="")


def restore(root: Path, name: str) -> None:
    (root / name).write_text(CORPUS[name], encoding="utf-8", newline="")


# ---------------------------------------------------------------- what every diagnostic must look like

GRAMMAR = (REPO / "journeyc" / "syntax" / "journey.lark").read_text(encoding="utf-8")
TERMINAL_DEFINITIONS = dict(re.findall(r"^([A-Z][A-Z_0-9]*)(?:\.\d+)?\s*:\s*(.+?)\s*$", GRAMMAR, re.M))
# `TRIGGER: "trigger"`: a help text may use one such word as a placeholder (`with offer CODE`), never a list of them.
KEYWORD_TERMINALS = {name for name, rule in TERMINAL_DEFINITIONS.items() if rule == f'"{name.lower()}"'}
# `RBRACE`, `NAME`, `LONG_STRING`: never a word of a message.
OTHER_TERMINALS = (set(TERMINAL_DEFINITIONS) - KEYWORD_TERMINALS) | {"NAME", "RBRACE", "LBRACE", "STRING", "NUMBER"}
LARK_RULES = {
    name
    for pair in re.findall(r"^\??(_?[a-z][a-z_0-9]*)(?:\.\d+)?\s*:|-> ([a-z_0-9]+)", GRAMMAR, re.M)
    for name in pair
    if "_" in name
}
ALWAYS_INTERNAL = re.compile(r"__ANON|\$END|Token\(|Tree\(|NoneType|<class |Traceback|UnexpectedToken|lark\.")
CODE = re.compile(r"J\d{3}")
WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def user_words(sources: dict[str, str]) -> set[str]:
    """Every word the user (or the stdlib) wrote: a message may quote these, even if they look internal."""
    words: set[str] = set()
    for text in sources.values():
        words.update(WORD.findall(text))
    for path in stdlib_dir().glob("*.journey"):
        words.update(WORD.findall(path.read_text(encoding="utf-8")))
    return words


def leaks(text: str, allowed: set[str]) -> list[str]:
    found = [m.group() for m in ALWAYS_INTERNAL.finditer(text)]
    keywords = set()
    for word in WORD.findall(text):
        if word in allowed:
            continue
        # Terminals (`RBRACE`), rules (`journey_decl`), inlined rules (`_decl`, `_step`).
        inlined_rule = word.startswith("_") and word[1:2].islower()
        if word in OTHER_TERMINALS or word in LARK_RULES or inlined_rule:
            found.append(word)
        elif word in KEYWORD_TERMINALS:
            keywords.add(word)
    if len(keywords) >= 2:
        found.extend(sorted(keywords))
    return found


def text_of(root: Path, file: str, sources: dict[str, str]) -> str:
    if file in sources:
        return sources[file]
    if file.startswith("stdlib/"):
        return (stdlib_dir() / file.removeprefix("stdlib/")).read_text(encoding="utf-8")
    return (root / file).read_text(encoding="utf-8", errors="replace")


def assert_span_inside(root: Path, span, sources: dict[str, str]) -> None:
    assert span.file and not span.file.startswith("/"), span
    lines = text_of(root, span.file, sources).split("\n")
    assert 1 <= span.line <= len(lines), (span, len(lines))
    assert 1 <= span.column <= len(lines[span.line - 1]) + 1, (span, lines[span.line - 1])
    assert (span.end_line, span.end_column) >= (span.line, span.column), span
    assert span.end_line <= len(lines), span


def assert_well_formed(root: Path, result) -> None:
    allowed = user_words(result.sources)
    for diagnostic in result.diagnostics:
        assert CODE.fullmatch(diagnostic.code), diagnostic
        assert diagnostic.severity in ("error", "warning")
        assert diagnostic.message.strip(), diagnostic
        assert_span_inside(root, diagnostic.span, result.sources)
        for label in diagnostic.labels:
            assert_span_inside(root, label.span, result.sources)
            assert label.message.strip()
        for part in [diagnostic.message, diagnostic.label, diagnostic.help, *diagnostic.notes]:
            if part:
                assert not leaks(part, allowed), f"internal names {leaks(part, allowed)} in {part!r}"
        for label in diagnostic.labels:
            assert not leaks(label.message, allowed), label.message


# ---------------------------------------------------------------- (a) mutations


@pytest.mark.slow
@settings(
    max_examples=examples(150),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(change=mutated_file())
def test_a_mutated_project_gives_well_formed_diagnostics(project_copy, change):
    name, text = change
    write_mutation(project_copy, name, text)
    try:
        result = check(project_copy)  # what `journeyc check` runs; an exception here fails the test
        assert_well_formed(project_copy, result)
        rendered = render(result)
        assert rendered.count("-->") == len(result.diagnostics)
    finally:
        restore(project_copy, name)


@pytest.mark.slow
@settings(
    max_examples=examples(6),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(change=mutated_file())
def test_a_mutated_project_through_the_real_command(project_copy, change):
    name, text = change
    write_mutation(project_copy, name, text)
    try:
        for output_format in ("json", "full"):
            process = subprocess.run(
                [sys.executable, "-m", "journeyc", "check", str(project_copy), "--output-format", output_format],
                capture_output=True,
                text=True,
                encoding="utf-8",
                timeout=120,
            )
            assert "Traceback" not in process.stdout + process.stderr, process.stderr
            assert process.returncode in (0, 1), process.stderr
            assert process.stderr == ""
            if output_format == "json":
                document = json.loads(process.stdout)
                assert process.returncode == (1 if document["summary"]["errors"] else 0)
            else:
                assert process.stdout.splitlines()[-1].startswith("checked ")
    finally:
        restore(project_copy, name)


def test_the_mutations_start_from_the_demo_repository():
    if DEMO.is_dir():
        assert set(JOURNEY_FILES) == {p.relative_to(DEMO).as_posix() for p in DEMO.rglob("*.journey")}
    assert len(JOURNEY_FILES) >= 3


def test_the_unmutated_corpus_has_no_errors(project_copy):
    """The mutation test starts from a project without errors (journeys/ carries one explained warning)."""
    result = check(project_copy)
    assert result.errors == 0, render(result)


# ---------------------------------------------------------------- (b) round trip

KEYWORDS = {word.lower() for word in KEYWORD_TERMINALS}
NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,14}", fullmatch=True).filter(lambda n: n not in KEYWORDS)
TITLES = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r"), max_size=40)
UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400, "week": 604800}


def quote(text: str) -> str:
    """A title as a double-quoted .journey text, with the language's escapes."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


STEP = st.one_of(
    st.tuples(st.just("wait"), st.integers(1, 500), st.sampled_from(sorted(UNITS))),
    st.tuples(st.just("send"), st.sampled_from(["email", ""]), st.booleans()),
)


@st.composite
def generated_project(draw: st.DrawFn) -> dict:
    names = draw(st.lists(NAMES, min_size=3, max_size=12, unique=True))
    teams = {f"t_{name}": draw(TITLES) for name in names[: len(names) // 2]}
    journeys = {
        f"j_{name}": {
            "title": draw(TITLES),
            "owner": draw(st.sampled_from(["growth", "support"])),
            "category": draw(st.sampled_from(["transactional", "lifecycle", "promotional"])),
            "trigger": draw(st.sampled_from(["Signed Up", "Checkout Started", "Order Completed"])),
            "steps": draw(st.lists(STEP, min_size=1, max_size=6)),
        }
        for name in names[len(names) // 2 :]
    }
    return {"teams": teams, "journeys": journeys}


def project_text(generated: dict) -> str:
    lines = ['import "company.journey"', 'import "events.journey"', 'import "cart.journey"', ""]
    lines += [f"team {name} {quote(title)}" for name, title in generated["teams"].items()]
    lines += [
        "message hello on email {",
        "  subject \"Hello {{ profile.first_name | default('friend') }}\"",
        '  text """Hi there. Unsubscribe: https://shop.example/u"""',
        "}",
        "message hello_offer on email {",
        '  subject "A gift for you"',
        '  text """Use {{ offer.code }}. Unsubscribe: https://shop.example/u"""',
        "}",
    ]
    for name, journey in generated["journeys"].items():
        lines += [f"journey {name} {quote(journey['title'])} {{", f"  owner {journey['owner']}"]
        lines += [f"  category {journey['category']}", f'  trigger "{journey["trigger"]}"', "  entry once"]
        for step in journey["steps"]:
            if step[0] == "wait":
                lines.append(f"  wait {step[1]} {step[2]}")
            else:
                channel = f"{step[1]} " if step[1] else ""
                message = "hello_offer with offer CART10" if step[2] else "hello"
                lines.append(f"  send {channel}{message}")
        lines.append("}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def roundtrip_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("roundtrip") / "project"
    for name, text in BASE_FILES.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def ir_json(root: Path) -> str:
    result = CliRunner().invoke(main, ["ir", str(root)], prog_name="journeyc")
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.slow
@settings(
    max_examples=examples(40),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(generated=generated_project())
def test_ir_round_trip(roundtrip_root, generated):
    (roundtrip_root / "generated.journey").write_text(project_text(generated), encoding="utf-8")

    first, second = ir_json(roundtrip_root), ir_json(roundtrip_root)
    assert first == second, "the same input gives the same JSON"
    # The JSON is the IR: loading it back into the models and dumping it again changes nothing.
    assert Project.model_validate_json(first).model_dump_json(indent=2) + "\n" == first

    document = json.loads(first)
    for kind in ("teams", "journeys", "messages", "offers", "events"):
        assert list(document[kind]) == sorted(document[kind]), kind
    for name, title in generated["teams"].items():
        assert document["teams"][name]["title"] == title
        assert document["teams"][name]["span"]["file"] == "generated.journey"
    for name, journey in generated["journeys"].items():
        built = document["journeys"][name]
        assert built["title"] == journey["title"]
        assert built["owner"]["name"] == journey["owner"]
        assert built["category"]["name"] == journey["category"]
        assert built["trigger"] == {**built["trigger"], "kind": "event", "event": journey["trigger"]}
        assert [step["kind"] for step in built["steps"]] == [step[0] for step in journey["steps"]]
        for step, node in zip(journey["steps"], built["steps"], strict=True):
            if step[0] == "wait":
                assert node["duration"]["seconds"] == step[1] * UNITS[step[2]]
            else:
                assert node["message"]["name"] == ("hello_offer" if step[2] else "hello")
                assert (node["offer"] or {}).get("name") == ("CART10" if step[2] else None)
                assert (node["channel"] or {}).get("name") == (step[1] or None)
