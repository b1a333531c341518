"""`journeyc fmt` on disk: files rewritten, --check and --diff write nothing, files that do not parse are left as
they are; and real edits of the demo project (tests/review_pairs.py), typed carelessly, come out as written there."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import REPO, check, invoke_cleanly
from review_pairs import PAIRS

from journeyc.fmt import format_source

MESSY = 'team growth\njourney j {\nowner growth\n    category promotional\n  trigger "X"\n  wait  1   day\n}\n'
TIDY = 'team growth\njourney j {\n  owner growth\n  category promotional\n  trigger "X"\n  wait 1 day\n}\n'
BROKEN = "journey k {\n  owner\n}\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "journeyc.toml").write_text("", encoding="utf-8")
    (root / "messy.journey").write_text(MESSY, encoding="utf-8")
    (root / "tidy.journey").write_text(TIDY.replace("journey j", "journey t").replace("team growth\n", ""))
    return root


def test_fmt_rewrites_what_is_not_in_the_layout_and_says_so(project):
    result = invoke_cleanly("fmt", str(project))
    assert result.exit_code == 0
    assert (project / "messy.journey").read_text(encoding="utf-8") == TIDY
    assert "formatted: " in result.output and "messy.journey" in result.output
    assert "1 file formatted, 1 already formatted" in result.output
    again = invoke_cleanly("fmt", str(project))
    assert again.exit_code == 0 and "0 files formatted, 2 already formatted" in again.output


def test_fmt_check_lists_the_files_and_writes_nothing(project):
    result = invoke_cleanly("fmt", str(project), "--check")
    assert result.exit_code == 1
    assert "would format: " in result.output and "tidy.journey" not in result.output
    assert (project / "messy.journey").read_text(encoding="utf-8") == MESSY
    invoke_cleanly("fmt", str(project))
    assert invoke_cleanly("fmt", str(project), "--check").exit_code == 0


def test_fmt_diff_prints_the_change_and_writes_nothing(project):
    result = invoke_cleanly("fmt", str(project), "--diff")
    assert result.exit_code == 1
    assert "\n-owner growth\n" in result.output and "\n+  owner growth\n" in result.output
    assert "-  wait  1   day\n+  wait 1 day\n" in result.output
    assert (project / "messy.journey").read_text(encoding="utf-8") == MESSY


def test_a_file_with_syntax_errors_is_left_alone_with_its_errors_shown(project):
    (project / "broken.journey").write_text(BROKEN, encoding="utf-8")
    result = invoke_cleanly("fmt", str(project))
    assert result.exit_code == 1
    assert (project / "broken.journey").read_text(encoding="utf-8") == BROKEN
    assert "error[J001]" in result.output and "broken.journey:3:1" in result.output
    assert "not formatted: " in result.output and "(it has syntax errors)" in result.output
    assert (project / "messy.journey").read_text(encoding="utf-8") == TIDY  # the others are formatted


def test_a_file_that_is_not_utf8_is_left_alone(project):
    data = b"team caf\xe9\n"
    (project / "latin.journey").write_bytes(data)
    result = invoke_cleanly("fmt", str(project))
    assert result.exit_code == 1 and "error[J005]" in result.output
    assert (project / "latin.journey").read_bytes() == data


def test_fmt_of_one_file_formats_only_that_file(project):
    (project / "other.journey").write_text("team   other\n", encoding="utf-8")
    result = invoke_cleanly("fmt", str(project / "messy.journey"))
    assert result.exit_code == 0 and "1 file formatted, 0 already formatted" in result.output
    assert (project / "other.journey").read_text(encoding="utf-8") == "team   other\n"


def test_fmt_outside_a_project_or_of_a_missing_file_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke_cleanly("fmt").exit_code == 2
    assert invoke_cleanly("fmt", str(tmp_path / "missing.journey")).exit_code == 2


def test_a_layout_that_would_change_the_meaning_is_refused_with_an_internal_error(project, monkeypatch):
    from journeyc import fmt

    real = fmt.layout  # a printer bug: the wait's length changes on the way
    monkeypatch.setattr(fmt, "layout", lambda parts: real(parts).replace("1 day", "2 days"))
    from click.testing import CliRunner

    from journeyc.cli import main

    result = CliRunner().invoke(main, ["fmt", str(project)])
    assert result.exit_code == 2
    assert "internal error: the layout of messy.journey would change what it means" in result.output
    assert "Traceback" not in result.output
    assert (project / "messy.journey").read_text(encoding="utf-8") == MESSY


def findings(root: Path) -> list[tuple[str, str, str]]:
    return [(d.code, d.message, d.span.file) for d in check(root).diagnostics]


def careless(text: str) -> str:
    """An edit as typed in a hurry: no indentation, spaces at line ends."""
    return "\n".join(line.strip() + ("  " if line.strip() else "") for line in text.split("\n"))


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_real_edits_typed_carelessly_come_out_as_the_project_writes_them(tmp_path, name):
    """Each before/after pair of journeys/ edits: the `after` text typed carelessly is formatted into the layout
    of the carefully written edit, and the project checks the same before and after `journeyc fmt`."""
    pair = PAIRS[name]
    clean, sloppy = tmp_path / "clean", tmp_path / "sloppy"
    for folder, typed in ((clean, lambda t: t), (sloppy, careless)):
        shutil.copytree(REPO / "journeys", folder, ignore=shutil.ignore_patterns("build", "tests"))
        edits = [(edit, lambda t: t) for edit in pair.before] + [(edit, typed) for edit in pair.after]
        for (file, text, replacement), how in edits:
            path = folder / file
            content = path.read_text(encoding="utf-8")
            assert content.count(text) == 1
            path.write_text(content.replace(text, how(replacement)), encoding="utf-8")
    before = findings(sloppy)
    edited = sorted({file for file, _, _ in pair.after})
    assert invoke_cleanly("fmt", str(sloppy)).exit_code == 0
    for file in edited:
        expected = format_source((clean / file).read_text(encoding="utf-8"), file).text
        assert (sloppy / file).read_text(encoding="utf-8") == expected, file
    assert findings(sloppy) == before
