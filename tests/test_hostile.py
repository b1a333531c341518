"""Hostile input never crashes journeyc.

Whatever the bytes on disk, `journeyc check` exits 0 (no errors) or 1 (errors), never 2 (which is kept for usage
and internal errors), never prints a traceback, and every error it reports names its code and `file:line:col`.
Each case also pins down the sensible answer: where the diagnostic points, or that the input is accepted.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import BASE_FILES, REPO, check, render, write_project

from journeyc.cli import main
from journeyc.syntax.parser import MAX_NESTING, MAX_SYNTAX_ERRORS

LOCATION = re.compile(r"(?m)^\s*--> (?P<file>.+):(?P<line>\d+):(?P<column>\d+)$")
HEADER = re.compile(r"(?m)^(error|warning)\[(J\d{3})\]: \S")
FIVE_MB = 5 * 1024 * 1024


# ---------------------------------------------------------------- helpers


def base_text(name: str) -> str:
    return textwrap.dedent(BASE_FILES[name]).lstrip("\n")


def invoke(*args: str) -> Result:
    """Run the CLI in-process; an exception escaping the command is a crash, whatever the exit code says."""
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"journeyc crashed: {result.exception!r}") from result.exception
    assert "Traceback" not in result.output
    return result


def check_json(path: Path) -> tuple[int, list[dict]]:
    """`journeyc check PATH --output-format json`: the exit code and the diagnostics, after sanity checks."""
    result = invoke("check", str(path), "--output-format", "json")
    assert result.exit_code in (0, 1), result.output
    document = json.loads(result.stdout)
    diagnostics = document["diagnostics"]
    errors = sum(1 for d in diagnostics if d["severity"] == "error")
    assert document["summary"]["errors"] == errors
    assert result.exit_code == (1 if errors else 0)
    for diagnostic in diagnostics:
        assert re.fullmatch(r"J\d{3}", diagnostic["code"]), diagnostic
        location = diagnostic["location"]
        assert location["file"] and location["line"] >= 1 and location["column"] >= 1, diagnostic
    return result.exit_code, diagnostics


def check_text(path: Path) -> Result:
    """`journeyc check PATH` (full format): every diagnostic header is followed by a `--> file:line:col`."""
    result = invoke("check", str(path), "--no-color")
    assert result.exit_code in (0, 1), result.output
    headers = HEADER.findall(result.stdout)
    assert len(LOCATION.findall(result.stdout)) == len(headers), result.stdout
    return result


def run_subprocess(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real `python -m journeyc`: the real exit code, and proof that nothing printed a traceback."""
    process = subprocess.run(
        [sys.executable, "-m", "journeyc", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=300,
        cwd=cwd,
    )
    assert "Traceback" not in process.stdout + process.stderr, process.stderr
    assert "internal error" not in process.stderr, process.stderr
    return process


def codes(diagnostics: list[dict]) -> list[str]:
    return [d["code"] for d in diagnostics]


def position(diagnostic: dict) -> tuple[str, int, int]:
    location = diagnostic["location"]
    return location["file"], location["line"], location["column"]


def line_col(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based line and column (in characters) of the `nth` occurrence of `needle` in `text`."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


@pytest.fixture
def record_reads(monkeypatch):
    """Every path journeyc reads with Path.read_bytes/read_text, resolved."""
    reads: list[Path] = []
    read_bytes, read_text = Path.read_bytes, Path.read_text

    def spy_bytes(self: Path) -> bytes:
        reads.append(self.resolve())
        return read_bytes(self)

    def spy_text(self: Path, *args, **kwargs) -> str:
        reads.append(self.resolve())
        return read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", spy_bytes)
    monkeypatch.setattr(Path, "read_text", spy_text)
    return reads


# ---------------------------------------------------------------- empty and near-empty input


def test_an_empty_file_is_a_clean_file(tmp_path):
    (tmp_path / "empty.journey").write_bytes(b"")
    result = check_text(tmp_path)
    assert result.exit_code == 0
    assert result.stdout == "checked 1 file, 0 journeys: no problems found\n"


def test_an_empty_file_beside_a_project_changes_nothing(make_project):
    root = make_project({"notes/empty.journey": ""})
    result = check_text(root)
    assert result.exit_code == 0
    assert result.stdout == "checked 4 files, 1 journey: no problems found\n"


def test_a_folder_without_journey_files_reports_zero_files(tmp_path):
    (tmp_path / "README.md").write_text("# not a journey\n", encoding="utf-8")
    result = check_text(tmp_path)
    assert result.exit_code == 0
    assert result.stdout == "checked 0 files, 0 journeys: no problems found\n"


def test_a_file_of_only_comments_is_clean(tmp_path):
    (tmp_path / "c.journey").write_text(
        '# a comment\n   # an indented one with "quotes", { braces } and """triples\n#\n# last, no newline',
        encoding="utf-8",
    )
    exit_code, diagnostics = check_json(tmp_path)
    assert (exit_code, diagnostics) == (0, [])


def test_whitespace_only_file_is_clean(tmp_path):
    (tmp_path / "w.journey").write_text("\n\n   \t\n\r\n  ", encoding="utf-8")
    assert check_json(tmp_path) == (0, [])


# ---------------------------------------------------------------- bytes that are not text


def test_binary_garbage_is_refused_at_the_first_bad_byte(tmp_path):
    rng = random.Random(20240601)
    data = b"team a\n" + bytes(rng.randrange(256) for _ in range(64 * 1024)) + b"\x00\x00\xff"
    (tmp_path / "garbage.journey").write_bytes(data)
    with pytest.raises(UnicodeDecodeError) as bad:
        data.decode("utf-8")
    before = data[: bad.value.start]
    expected_line = before.count(b"\n") + 1
    expected_column = bad.value.start - (before.rfind(b"\n") + 1) + 1

    process = run_subprocess("check", str(tmp_path), "--output-format", "json")
    assert process.returncode == 1, process.stderr
    diagnostics = json.loads(process.stdout)["diagnostics"]
    assert codes(diagnostics) == ["J005"]
    assert position(diagnostics[0]) == ("garbage.journey", expected_line, expected_column)
    assert f"0x{data[bad.value.start]:02x}" in diagnostics[0]["label"]


def test_random_unicode_text_gives_syntax_errors_not_a_crash(tmp_path):
    """Valid UTF-8 that is not the language: control characters, NUL, surrogates-free unicode, brackets."""
    rng = random.Random(7)
    alphabet = [chr(c) for c in (*range(0, 0x80), 0xA0, 0xE9, 0x2028, 0x200B, 0xFEFF, 0x1F600, 0x4E2D)]
    text = "".join(rng.choice(alphabet) for _ in range(20_000))
    (tmp_path / "noise.journey").write_text(text, encoding="utf-8")
    process = run_subprocess("check", str(tmp_path), "--output-format", "json")
    assert process.returncode == 1, process.stderr
    document = json.loads(process.stdout)
    assert document["summary"]["errors"] == len(document["diagnostics"]) >= 1
    lines = text.split("\n")
    for diagnostic in document["diagnostics"]:
        assert diagnostic["code"].startswith("J0"), diagnostic
        _, line, column = position(diagnostic)
        assert 1 <= line <= len(lines)
        assert 1 <= column <= len(lines[line - 1]) + 1


def test_invalid_utf8_points_at_the_bad_byte(make_project):
    root = make_project()
    (root / "latin1.journey").write_bytes('team a\n# caf\u00e9 au lait\nteam b "Caf\u00e9"\n'.encode("latin-1"))
    exit_code, diagnostics = check_json(root)
    assert exit_code == 1
    assert codes(diagnostics) == ["J005"]
    assert position(diagnostics[0]) == ("latin1.journey", 2, 6)
    assert diagnostics[0]["location"]["end_column"] == 7
    assert "0xe9" in diagnostics[0]["label"]
    assert "UTF-8" in diagnostics[0]["message"]


def test_invalid_utf8_in_an_imported_file_reports_only_the_encoding(make_project):
    """An unreadable file must not also make every event it declares 'unknown' in the files importing it."""
    root = make_project()
    events = root / "events.journey"
    events.write_bytes(events.read_bytes() + b"\n# caf\xe9\n")
    exit_code, diagnostics = check_json(root)
    assert exit_code == 1
    assert codes(diagnostics) == ["J005"], diagnostics


def test_nul_outside_a_text_is_an_unexpected_character(tmp_path):
    (tmp_path / "nul.journey").write_bytes(b"team a\n  \x00team b\n")
    result = check_text(tmp_path)
    assert result.exit_code == 1
    assert "\x00" not in result.stdout, "a raw NUL must not reach the terminal"
    _, diagnostics = check_json(tmp_path)
    assert codes(diagnostics) == ["J002"]
    assert position(diagnostics[0]) == ("nul.journey", 2, 3)
    assert "U+0000" in diagnostics[0]["message"]


def test_nul_inside_a_text_is_kept_or_reported_never_a_crash(tmp_path):
    (tmp_path / "nul.journey").write_bytes(b'team growth "Gr\x00owth"\nteam after\n')
    exit_code, diagnostics = check_json(tmp_path)
    if exit_code == 1:
        assert [(d["code"][:2], d["location"]["line"]) for d in diagnostics] == [("J0", 1)], diagnostics
    else:
        ir_result = invoke("ir", str(tmp_path))
        assert ir_result.exit_code == 0, ir_result.output
        teams = json.loads(ir_result.stdout)["teams"]
        assert teams["growth"]["title"] == "Gr\x00owth"
        assert "after" in teams


# ---------------------------------------------------------------- size


@pytest.mark.slow
def test_five_megabytes_of_valid_declarations_are_clean(tmp_path):
    description = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 16
    parts: list[str] = []
    size = count = 0
    while size < FIVE_MB:
        part = (
            f'team t{count} "{description}"\n'
            f'event "Event {count}" {{\n'
            f'  description "{description}"\n'
            "  order_id string\n"
            f'  total number optional "{description}"\n'
            "}\n"
        )
        parts.append(part)
        size += len(part)
        count += 1
    (tmp_path / "big.journey").write_text("".join(parts), encoding="utf-8")
    result = check_text(tmp_path)
    assert result.exit_code == 0, result.stdout[-2000:]
    assert result.stdout == "checked 1 file, 0 journeys: no problems found\n"
    project = check(tmp_path).project
    assert len(project.teams) == len(project.events) == count


@pytest.mark.slow
def test_five_megabytes_of_garbage_report_a_capped_number_of_errors(tmp_path):
    broken = size = 0
    parts: list[str] = []
    while size < FIVE_MB:
        parts.append(f"segment s{broken} {{ " + "]" * 2000 + "\n")
        size += len(parts[-1])
        broken += 1
    (tmp_path / "garbage.journey").write_text("".join(parts), encoding="utf-8")
    process = run_subprocess("check", str(tmp_path), "--output-format", "json")
    assert process.returncode == 1
    diagnostics = json.loads(process.stdout)["diagnostics"]
    assert broken > MAX_SYNTAX_ERRORS
    assert len(diagnostics) == MAX_SYNTAX_ERRORS + 1
    shown = [d for d in diagnostics if "more syntax errors" not in d["message"]]
    assert codes(shown) == ["J002"] * MAX_SYNTAX_ERRORS
    assert [position(d)[1:] for d in shown] == [(n + 1, len(f"segment s{n} {{ ") + 1) for n in range(MAX_SYNTAX_ERRORS)]
    summary = [d for d in diagnostics if "more syntax errors" in d["message"]]
    assert len(summary) == 1
    assert summary[0]["message"].startswith(f"{broken - MAX_SYNTAX_ERRORS} more syntax errors")


def test_the_not_shown_count_comes_after_the_errors_shown(tmp_path):
    """'N more errors are not shown ... fix the errors above first' must be the last diagnostic of the file."""
    (tmp_path / "g.journey").write_text(
        "".join(f"team t{n} ;\n" for n in range(MAX_SYNTAX_ERRORS + 5)), encoding="utf-8"
    )
    exit_code, diagnostics = check_json(tmp_path)
    assert exit_code == 1
    assert len(diagnostics) == MAX_SYNTAX_ERRORS + 1
    assert diagnostics[-1]["message"] == "5 more syntax errors in this file are not shown", [
        d["message"] for d in diagnostics[-3:]
    ]


def test_a_ten_thousand_character_line(make_project):
    long_title = "x" * 10_000
    team = f'team long "{long_title}" ;\n'
    conditions = " or ".join(['profile.tier == "gold"'] * 400)
    segment = f'import "company.journey"\nsegment s {{ {conditions} or profile.tierr == "gold" }}\n'
    root = make_project({"long.journey": team, "wide.journey": segment})
    exit_code, diagnostics = check_json(root)
    assert exit_code == 1
    found = {(d["code"], *position(d)) for d in diagnostics}
    assert found == {
        ("J002", "long.journey", *line_col(team, ";")),
        ("J103", "wide.journey", *line_col(segment, "profile.tierr")),
    }
    assert line_col(team, ";")[1] > 10_000
    result = check_text(root)
    assert "--> long.journey:1:{}\n".format(line_col(team, ";")[1]) in result.stdout


# ---------------------------------------------------------------- line endings, tabs, byte-order mark


def _mistakes() -> dict[str, str]:
    """The base project with mistakes found by every stage: syntax, names, templates (on a text's 2nd line)."""
    cart = base_text("cart.journey").replace("order_id == trigger.order_id", "order_number == trigger.order_id")
    cart = re.sub(r'(?m)^(\s*text )"([^"\n]*)"', r'\1"""\2\n  {{ profile.frist_name }} is waiting"""', cart, count=1)
    assert "frist_name" in cart
    return {**BASE_FILES, "cart.journey": cart, "bad.journey": "team x\nsegment s {\n  profile.tier == \n}\n"}


def test_crlf_line_endings_give_the_same_positions_as_lf(tmp_path):
    lf = write_project(tmp_path / "lf", _mistakes())
    crlf = write_project(tmp_path / "crlf", _mistakes())
    for file in crlf.glob("*.journey"):
        file.write_bytes(file.read_bytes().replace(b"\n", b"\r\n"))
    lf_exit, lf_diagnostics = check_json(lf)
    crlf_exit, crlf_diagnostics = check_json(crlf)
    assert sorted(codes(lf_diagnostics)) == ["J001", "J103", "J206"]
    assert (crlf_exit, crlf_diagnostics) == (lf_exit, lf_diagnostics)
    text = check_text(crlf).stdout
    assert "\r" not in text
    line, column = line_col(_mistakes()["cart.journey"], "profile.frist_name")
    assert f"--> cart.journey:{line}:{column}\n" in text


def test_crlf_project_is_clean_and_has_the_same_ir(tmp_path):
    lf = write_project(tmp_path / "lf", BASE_FILES)
    crlf = write_project(tmp_path / "crlf", BASE_FILES)
    for file in crlf.glob("*.journey"):
        file.write_bytes(file.read_bytes().replace(b"\n", b"\r\n"))
    lf_ir, crlf_ir = invoke("ir", str(lf)), invoke("ir", str(crlf))
    assert (lf_ir.exit_code, crlf_ir.exit_code) == (0, 0), crlf_ir.output
    assert crlf_ir.stdout == lf_ir.stdout


def test_a_tab_counts_as_one_column(make_project):
    cart = (
        base_text("cart.journey")
        .replace("  wait 1 hour", "\t\twait 1 hour;")
        .replace('  goal "Order Completed"', '\tgoal "Order Complete"')
    )
    root = make_project({"cart.journey": cart})
    exit_code, diagnostics = check_json(root)
    assert exit_code == 1
    assert [(d["code"], *position(d)) for d in diagnostics] == [("J002", "cart.journey", *line_col(cart, ";"))]
    assert line_col(cart, ";")[1] == 14  # two tabs, then `wait 1 hour` (11 characters), then `;`

    rendered = check_text(root).stdout.splitlines()
    source_row = next(i for i, row in enumerate(rendered) if row.endswith("wait 1 hour;"))
    code_line, caret_line = rendered[source_row], rendered[source_row + 1]
    assert "\t" not in code_line, "tabs are expanded in the code frame"
    assert caret_line.index("^") == code_line.index(";"), "the caret sits under the `;`"


def test_a_tab_before_a_semantic_error(make_project):
    cart = base_text("cart.journey").replace('  goal "Order Completed"', '\t\tgoal "Order Complete"')
    root = make_project({"cart.journey": cart})
    exit_code, diagnostics = check_json(root)
    assert exit_code == 1
    assert [(d["code"], *position(d)) for d in diagnostics] == [
        ("J102", "cart.journey", *line_col(cart, '"Order Complete"'))
    ]
    assert diagnostics[0]["location"]["column"] == 8
    assert diagnostics[0]["location"]["end_column"] == 8 + len('"Order Complete"')


def test_a_byte_order_mark_is_accepted(tmp_path):
    root = write_project(tmp_path / "bom", BASE_FILES)
    for file in root.glob("*.journey"):
        file.write_bytes(b"\xef\xbb\xbf" + file.read_bytes())
    result = check_text(root)
    assert result.exit_code == 0, result.stdout
    assert result.stdout == "checked 3 files, 1 journey: no problems found\n"


def test_a_byte_order_mark_does_not_shift_columns(tmp_path):
    """The mark is invisible in every editor: `;` in `team ;` is in column 6 with or without it."""
    (tmp_path / "bom.journey").write_bytes(b"\xef\xbb\xbfteam ;\n")
    (tmp_path / "plain.journey").write_bytes(b"team ;\n")
    exit_code, diagnostics = check_json(tmp_path)
    assert exit_code == 1
    assert [position(d) for d in diagnostics] == [("bom.journey", 1, 6), ("plain.journey", 1, 6)]


# ---------------------------------------------------------------- nesting


def _nested_ifs(levels: int) -> str:
    steps = "".join("  " * (i + 1) + f"if trigger.value > {i} {{\n" for i in range(levels))
    steps += "  " * (levels + 1) + "send email cart_reminder with offer CART10\n"
    steps += "".join("  " * (levels - i) + "}\n" for i in range(levels))
    return base_text("cart.journey").replace("  send email cart_reminder with offer CART10\n", steps)


def test_thirty_nested_ifs_are_fine(make_project):
    root = make_project({"cart.journey": _nested_ifs(30)})
    assert check_json(root) == (0, [])
    steps = check(root).project.journeys["cart_recovery"].steps
    depth = 0
    while steps and steps[-1].kind == "if":
        depth += 1
        steps = steps[-1].branches[0].steps
    assert depth == 30
    assert steps[0].kind == "send"


def test_two_hundred_nested_ifs_are_too_deep_not_a_recursion_error(make_project):
    cart = _nested_ifs(200)
    root = make_project({"cart.journey": cart})
    process = run_subprocess("check", str(root), "--output-format", "json")
    assert process.returncode == 1, process.stderr
    diagnostics = json.loads(process.stdout)["diagnostics"]
    assert codes(diagnostics) == ["J006"]
    file, line, column = position(diagnostics[0])
    assert file == "cart.journey"
    # It points at an `if` line deeper than the limit, at its `{`.
    source_line = cart.split("\n")[line - 1]
    assert source_line.strip().startswith("if trigger.value >")
    assert source_line[column - 1] == "{"
    assert line > line_col(cart, f"if trigger.value > {MAX_NESTING - 2} ")[0]


def test_thousands_of_nested_parentheses(make_project):
    depth = 5000
    segment = 'import "events.journey"\nsegment s {\n  ' + "(" * depth + 'any "Order Completed"' + ")" * depth + "\n}\n"
    root = make_project({"deep.journey": segment})
    process = run_subprocess("check", str(root), "--output-format", "json")
    assert process.returncode == 1
    diagnostics = json.loads(process.stdout)["diagnostics"]
    assert codes(diagnostics) == ["J006"]
    assert position(diagnostics[0])[:2] == ("deep.journey", 3)


def test_thousands_of_nots(make_project):
    segment = (
        'import "events.journey"\nsegment s {\n  ' + "not " * 5000 + 'any "Order Completed"\n}\n'
        'segment fine { any "Order Completed" where zzz == 1 }\n'
    )
    root = make_project({"nots.journey": segment})
    process = run_subprocess("check", str(root), "--output-format", "json")
    assert process.returncode == 1
    diagnostics = json.loads(process.stdout)["diagnostics"]
    # The deep declaration is refused where the run of `not`s starts; the one after it is still checked.
    assert [(d["code"], d["location"]["line"]) for d in diagnostics] == [("J006", 3), ("J103", 5)]


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, text",
    [
        ("nots", 'import "events.journey"\nsegment s {\n  ' + "not " * 300 + 'any "Order Completed"\n}\n'),
        ("lists", 'event "Deep" {\n  p ' + "list of " * 300 + "string\n}\n"),
    ],
)
def test_what_check_accepts_ir_can_print(make_project, name, text):
    """Deep but bracket-free nesting: if `check` says the project is fine, `ir` must print it (not exit 2)."""
    root = make_project({f"{name}.journey": text})
    checked = run_subprocess("check", str(root), "--output-format", "json")
    assert checked.returncode in (0, 1)
    diagnostics = json.loads(checked.stdout)["diagnostics"]
    printed = subprocess.run(
        [sys.executable, "-m", "journeyc", "ir", str(root)], capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in printed.stderr
    if checked.returncode == 0:
        assert printed.returncode == 0, printed.stderr
        assert json.loads(printed.stdout)["ir_version"]
    else:
        assert codes(diagnostics) == ["J006"]
        assert printed.returncode == 1, printed.stderr


# ---------------------------------------------------------------- imports that try to leave the project


@pytest.fixture
def outside(tmp_path) -> Path:
    """A file beside the project, with a syntax error: if journeyc ever read it, it would say so."""
    secret = tmp_path / "outside" / "secret.journey"
    secret.parent.mkdir()
    secret.write_text("team SECRET_TEAM_NAME\nsegment broken {\n", encoding="utf-8")
    return secret


def _assert_not_read(reads: list[Path], secret: Path, output: str) -> None:
    assert secret.resolve() not in reads
    assert "SECRET_TEAM_NAME" not in output
    assert "secret.journey:" not in output


@pytest.mark.parametrize(
    "target",
    ["../../etc/passwd", "../outside/secret.journey", "../outside/secret", "sub/../../outside/secret.journey"],
)
def test_a_relative_import_leaving_the_project_is_refused_unread(make_project, outside, record_reads, target):
    importer = f'import "company.journey"\nimport "{target}"\nteam after\n'
    root = make_project({"importer.journey": importer})
    result = check(root)
    assert [(d.code, d.span.file, d.span.line, d.span.column) for d in result.diagnostics] == [
        ("J112", "importer.journey", 2, 1)
    ], render(result)
    assert target in result.diagnostics[0].message
    _assert_not_read(record_reads, outside, render(result))
    assert not any(str(path).startswith("/etc") for path in record_reads)
    assert "after" in result.project.teams, "the rest of the file is still read"


def test_an_absolute_import_is_refused_unread(make_project, outside, record_reads):
    importer = f'import "{outside}"\nimport "/etc/passwd"\nimport "C:\\\\Windows\\\\win.ini"\n'
    root = make_project({"importer.journey": importer})
    result = check(root)
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("J112", 1), ("J112", 2), ("J112", 3)], render(
        result
    )
    _assert_not_read(record_reads, outside, render(result))
    assert not any(str(path).startswith("/etc") for path in record_reads)


@pytest.mark.slow
def test_an_absolute_import_through_the_cli(make_project, outside):
    root = make_project({"importer.journey": f'import "{outside}"\n'})
    process = run_subprocess("check", str(root), "--output-format", "json")
    assert process.returncode == 1
    diagnostics = json.loads(process.stdout)["diagnostics"]
    assert [(d["code"], *position(d)) for d in diagnostics] == [("J112", "importer.journey", 1, 1)]
    assert "SECRET_TEAM_NAME" not in process.stdout


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_a_symlinked_file_pointing_outside_is_not_read(make_project, outside, record_reads):
    root = make_project({"user.journey": 'import "link.journey"\nteam user_team\n'})
    (root / "link.journey").symlink_to(outside)
    result = check(root)
    _assert_not_read(record_reads, outside, render(result))
    # The import of the link is refused (as missing or as outside the project), at the import.
    assert [(d.code in {"J111", "J112"}, d.span.file, d.span.line) for d in result.diagnostics] == [
        (True, "user.journey", 1)
    ], render(result)
    assert "user_team" in result.project.teams


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_a_symlinked_folder_pointing_outside_is_not_read(make_project, outside, record_reads):
    root = make_project()
    (root / "linked").symlink_to(outside.parent, target_is_directory=True)
    result = check(root)
    _assert_not_read(record_reads, outside, render(result))
    assert result.diagnostics == [], render(result)
    exit_code, diagnostics = check_json(root)
    assert (exit_code, diagnostics) == (0, [])


# ---------------------------------------------------------------- odd names and odd characters


def test_a_file_named_with_unicode_and_spaces(make_project):
    folder, name = "équipe growth", "été 2024 ☀.journey"
    spring = 'import "../events.journey"\nsegment café_fans { any "Order Complete" }\n'
    root = make_project(
        {
            f"{folder}/{name}": spring,
            "z.journey": f'import "{folder}/{name}"\nsegment all_fans {{ in segment café_fans }}\n',
        }
    )
    exit_code, diagnostics = check_json(root)
    assert exit_code == 1
    assert [(d["code"], *position(d)) for d in diagnostics] == [
        ("J102", f"{folder}/{name}", *line_col(spring, '"Order Complete"'))
    ]
    result = check_text(root)
    assert f"--> {folder}/{name}:2:25" in result.stdout
    # The file on its own: its imports leave its folder, which (without a journeyc.toml) is the project.
    (root / "journeyc.toml").write_text("", encoding="utf-8")
    alone = invoke("check", str(root / folder / name), "--output-format", "json")
    assert alone.exit_code == 1
    assert [(d["code"], *position(d)) for d in json.loads(alone.stdout)["diagnostics"]] == [
        ("J102", f"{folder}/{name}", 2, 25)
    ]


def test_a_lone_closing_brace(tmp_path):
    (tmp_path / "brace.journey").write_text("}", encoding="utf-8")
    exit_code, diagnostics = check_json(tmp_path)
    assert exit_code == 1
    assert [(d["code"], *position(d)) for d in diagnostics] == [("J001", "brace.journey", 1, 1)]
    assert diagnostics[0]["message"] == 'unexpected "}"'


def test_an_unterminated_triple_quoted_text(make_project):
    message = (
        'import "company.journey"\n'
        "message welcome on email {\n"
        '  subject "Welcome"\n'
        '  text """Hello,\n'
        "  there\n"
        "}\n"
        "team after_the_text\n"
    )
    root = make_project({"welcome.journey": message})
    exit_code, diagnostics = check_json(root)
    assert exit_code == 1
    assert [(d["code"], *position(d)) for d in diagnostics] == [
        ("J003", "welcome.journey", *line_col(message, '"""'))
    ], "the diagnostic points at the opening triple quote"
    assert "after_the_text" in check(root).project.teams


def test_an_unterminated_text_at_the_very_end_of_the_file(tmp_path):
    (tmp_path / "t.journey").write_text('team growth "Growth', encoding="utf-8")
    exit_code, diagnostics = check_json(tmp_path)
    assert exit_code == 1
    assert [(d["code"], *position(d)) for d in diagnostics] == [("J003", "t.journey", 1, 13)]


def test_every_stdlib_module_is_clean_on_its_own(tmp_path):
    """The hostile tests rely on the stdlib being clean: a regression there would hide in every result."""
    stdlib = sorted((REPO / "stdlib").glob("*.journey"))
    assert stdlib
    (tmp_path / "all.journey").write_text("".join(f"import {p.stem}\n" for p in stdlib), encoding="utf-8")
    assert check_json(tmp_path) == (0, [])


# ---------------------------------------------------------------- numbers, invisible characters, glued words


@pytest.mark.parametrize("command", ["check", "ir", "build"])
def test_numbers_of_thousands_of_digits_are_diagnostics_not_internal_errors(make_project, tmp_path, command):
    """Python refuses to read integers of more than 4,300 digits, and a 400-digit threshold used to become
    `inf` in the generated module and `Infinity` in the IR's JSON."""
    huge, huger = "9" * 400, "7" * 5000
    root = make_project(
        {
            "cart.journey": base_text("cart.journey").replace(
                "wait 1 hour", f"wait {huger} days\n  if trigger.value > {huge} {{ exit }}"
            )
        }
    )
    args = [command, str(root)] + (["--out", str(tmp_path / "out")] if command == "build" else [])
    process = run_subprocess(*args)
    assert process.returncode == 1
    assert "Infinity" not in process.stdout and "inf" not in process.stdout.split()
    shown = process.stdout + process.stderr
    assert shown.count("error[J312]") == 2 or shown.count('"J312"') == 2, shown[-2000:]
    assert "(5000 digits) is too large" in shown and "(400 digits) is too large" in shown


def test_an_invisible_direction_override_cannot_hide_in_a_comment_or_a_text(make_project):
    text = base_text("cart.journey").replace(
        "wait 1 hour", 'wait 1 hour  # \u202eadmins only\n  if profile.tier == "gold\u2066" { exit }'
    )
    root = make_project({"cart.journey": text})
    exit_code, diagnostics = check_json(root)
    assert exit_code == 1
    found = [(d["code"], *position(d)) for d in diagnostics if d["code"] == "J007"]
    assert found == [
        ("J007", "cart.journey", *line_col(text, "\u202e")),
        ("J007", "cart.journey", *line_col(text, "\u2066")),
    ]


def test_glued_keywords_are_syntax_errors_not_silently_split(make_project):
    text = base_text("cart.journey").replace("owner growth", "ownergrowth")
    exit_code, diagnostics = check_json(make_project({"cart.journey": text}))
    assert exit_code == 1
    assert [(d["code"], d["message"]) for d in diagnostics] == [("J001", 'unexpected name "ownergrowth"')]
