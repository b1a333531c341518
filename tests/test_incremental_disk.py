"""`journeyc check`'s cache in .journeyc/: a run on unchanged files shows the last result without checking, and
anything else (an edit, a new or removed file or template, other settings, another compiler, a broken cache) is
checked cold, with the same output as without a cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import invoke_cleanly

import journeyc.checks
from journeyc.cli import main
from journeyc.incremental import disk

MESSAGE = 'message extra on email {\n  subject "Hi"\n  html file "extra.mjml"\n}\n'


@pytest.fixture(autouse=True)
def user_cache(tmp_path, monkeypatch) -> None:
    """The user's cache folder (the key that signs parse caches) is the test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))


@pytest.fixture
def project(make_project) -> Path:
    root = make_project({"journeyc.toml": ""})
    (root / "cart.journey").write_text((root / "cart.journey").read_text() + MESSAGE, encoding="utf-8")
    return root


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *args])
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result.exit_code, result.output


def cold(root: Path, *args: str) -> tuple[int, str]:
    return run(str(root), "--no-cache", *args)


@pytest.fixture
def no_checking(monkeypatch):
    """Checking fails the test: the result must come from the cache."""

    def refuse(*args, **kwargs):
        raise AssertionError("checked although the cache was valid")

    def forbid() -> None:
        monkeypatch.setattr(journeyc.checks, "run_checks", refuse)  # the pipeline imports it when it checks

    return forbid


@pytest.mark.parametrize("output_format", ["full", "concise", "json", "sarif", "junit", "github"])
def test_an_unchanged_project_shows_the_last_result_without_checking(project, no_checking, output_format):
    first = run(str(project), "--output-format", output_format)
    assert (project / ".journeyc/check.json").is_file()
    no_checking()
    assert run(str(project), "--output-format", output_format) == first
    assert first[0] == 1 and "J207" in first[1]  # the template file is missing: an error, cached like any


def edits(root: Path) -> dict[str, object]:
    return {
        "an edited file": lambda: (root / "cart.journey").write_text(
            (root / "cart.journey").read_text().replace("cart_reminder with", "cart_remindr with"), encoding="utf-8"),
        "a new file": lambda: (root / "more.journey").write_text('team more "More"\n', encoding="utf-8"),
        "a removed file": lambda: (root / "cart.journey").unlink(),
        "a template that appears": lambda: (root / "extra.mjml").write_text("<mjml></mjml>", encoding="utf-8"),
        "other settings": lambda: (root / "journeyc.toml").write_text('ignore = ["J207"]\n', encoding="utf-8"),
        "a comment that moves the problems": lambda: (root / "cart.journey").write_text(
            "# a note\n" + (root / "cart.journey").read_text(), encoding="utf-8"),
    }  # fmt: skip


@pytest.mark.parametrize("change", list(edits(Path())))
def test_any_change_is_checked_again_with_the_output_of_a_cold_check(project, change):
    before = run(str(project))
    edits(project)[change]()
    after = cold(project)
    assert after != before  # each change shows in the output, so a stale cache would be seen
    assert run(str(project)) == after
    assert run(str(project)) == cold(project)  # and the cache written by that run is right too


def test_a_changed_template_is_checked_again(project):
    (project / "extra.mjml").write_text("<mjml><mj-body><mj-text>{{ profile.first_name }}</mj-text></mj-body></mjml>")
    run(str(project))
    (project / "extra.mjml").write_text("<mjml><mj-body><mj-text>{{ profile.nope }}</mj-text></mj-body></mjml>")
    code, output = run(str(project))
    assert (code, output) == cold(project) and "J206" in output


@pytest.mark.parametrize(
    "broken",
    [b"", b"{", b"not json at all", b'{"format": 1}', b"[1, 2, 3]", b'{"format": "1", "compiler": 3}'],
    ids=["empty", "cut", "garbage", "missing keys", "a list", "wrong types"],
)
def test_a_broken_cache_is_ignored_and_written_again(project, broken):
    expected = cold(project)
    cache = project / ".journeyc/check.json"
    cache.parent.mkdir()
    cache.write_bytes(broken)
    assert run(str(project)) == expected
    assert json.loads(cache.read_bytes())["format"] == disk.FORMAT


def test_diagnostics_that_do_not_parse_are_not_trusted(project):
    run(str(project))
    cache = project / ".journeyc/check.json"
    document = json.loads(cache.read_bytes())
    document["diagnostics"] = [{"code": "J999", "severity": "fatal"}]
    cache.write_text(json.dumps(document), encoding="utf-8")
    assert run(str(project)) == cold(project)


@pytest.mark.parametrize("output_format", ["full", "concise"])
def test_the_text_kept_with_the_cache_is_shown_unless_a_terminal_would_act_on_it(project, output_format):
    expected = run(str(project), "--output-format", output_format)
    cache = project / ".journeyc/check.json"
    document = json.loads(cache.read_bytes())
    assert expected[1].startswith(document["shown"][output_format])  # what that run showed, before its summary
    document["shown"][output_format] = "kept\ttext"
    cache.write_text(json.dumps(document), encoding="utf-8")
    code, output = run(str(project), "--output-format", output_format)
    assert (code, output.splitlines()[0]) == (expected[0], "kept\ttext")  # shown as kept, not rendered again
    for unsafe in ("\x1b[2J", "\r", "\u202e", "\x00"):
        document["shown"][output_format] = f"kept{unsafe}text"
        cache.write_text(json.dumps(document), encoding="utf-8")
        assert run(str(project), "--output-format", output_format) == expected


def test_a_run_in_another_format_renders_the_cached_diagnostics(project, no_checking):
    run(str(project), "--output-format", "full")
    concise, coloured = cold(project, "--output-format", "concise"), cold(project, "--output-format", "full", "--color")
    no_checking()
    assert run(str(project), "--output-format", "concise") == concise
    assert run(str(project), "--output-format", "full", "--color") == coloured


def test_a_cache_of_another_compiler_is_not_used(project, monkeypatch, no_checking):
    run(str(project))
    monkeypatch.setattr(disk, "compiler_fingerprint", lambda: "another journeyc")
    expected = cold(project)
    assert run(str(project)) == expected  # checked: the cache is another compiler's
    no_checking()
    assert run(str(project)) == expected  # and now cached for this one


def test_the_fingerprint_covers_journeyc_s_own_files_and_stdlib():
    disk.compiler_fingerprint.cache_clear()
    first = disk.compiler_fingerprint()
    assert len(first) == 64 and first == disk.compiler_fingerprint()


def test_a_folder_that_cannot_hold_the_cache_changes_nothing(project):
    (project / ".journeyc").write_text("a file where the cache folder would be", encoding="utf-8")
    assert run(str(project)) == cold(project)
    assert (project / ".journeyc").read_text(encoding="utf-8") == "a file where the cache folder would be"


def test_no_cache_writes_nothing_and_a_lone_file_gets_no_cache(tmp_path, project):
    cold(project)
    assert not (project / ".journeyc").exists()
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "a.journey").write_text('team a "A"\n', encoding="utf-8")
    assert invoke_cleanly("check", str(lone / "a.journey")).exit_code == 0
    assert not (lone / ".journeyc").exists()


def test_the_cache_folder_is_ignored_by_git_and_by_the_project(project):
    run(str(project))
    assert (project / ".journeyc/.gitignore").read_text(encoding="utf-8").endswith("*\n")
    assert run(str(project)) == cold(project)  # .journeyc is not part of the project's files


# ---------------------------------------------------------------- the parse cache
@pytest.fixture
def key_home(tmp_path) -> Path:
    """The user's cache folder, where the key that signs parse caches lives."""
    return tmp_path / "user-cache"


def parses(monkeypatch) -> list[str]:
    """The files parsed from now on."""
    import journeyc.syntax.parser as parser

    found: list[str] = []
    real = parser.parse_source

    def counting(text, path, is_stdlib=False):
        found.append(path)
        return real(text, path, is_stdlib)

    monkeypatch.setattr(parser, "parse_source", counting)  # the parse cache imports it when it parses
    return found


def test_after_an_edit_only_the_edited_file_is_parsed_again(project, key_home, monkeypatch):
    run(str(project))
    assert (key_home / "journeyc/cache.key").stat().st_mode & 0o777 == 0o600
    edits(project)["an edited file"]()
    parsed = parses(monkeypatch)
    output = run(str(project))
    assert parsed == ["cart.journey"]  # the others come from the cache
    assert output == cold(project)


def test_a_parse_cache_not_signed_with_the_user_s_key_is_never_unpickled(project, key_home, monkeypatch):
    import pickle

    run(str(project))
    cache = project / ".journeyc/parsed.pickle"
    for data in (cache.read_bytes()[:-1] + b"x", b"journeyc parse cache 1\n" + b"\0" * 32 + pickle.dumps(("x", {}))):
        cache.write_bytes(data)
        (project / ".journeyc/check.json").unlink()

        def refuse(*args, **kwargs):
            raise AssertionError("an unsigned cache was unpickled")

        monkeypatch.setattr(pickle, "loads", refuse)
        assert run(str(project)) == cold(project)
        monkeypatch.undo()
        monkeypatch.setenv("XDG_CACHE_HOME", str(key_home))


def test_another_user_s_parse_cache_is_ignored(project, key_home, tmp_path, monkeypatch):
    run(str(project))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))
    (project / ".journeyc/check.json").unlink()
    parsed = parses(monkeypatch)
    output = run(str(project))
    assert "company.journey" in parsed  # parsed again: the cache's signature is not this user's
    assert output == cold(project)


def test_a_parse_cache_of_another_compiler_is_ignored(project, key_home, monkeypatch):
    run(str(project))
    monkeypatch.setattr(disk, "compiler_fingerprint", lambda: "another journeyc")
    parsed = parses(monkeypatch)
    output = run(str(project))
    assert "company.journey" in parsed
    assert output == cold(project)
