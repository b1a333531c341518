"""Reading a project from disk: what cannot be read is an error at its path, never skipped, never a crash.

The tests run as root, where `chmod 000` stops nothing; unreadability is made real with named pipes, dangling
and looping links and folders where files belong, and simulated (monkeypatched) for permissions.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from conftest import check, invoke_cleanly, write_project

import journeyc.load
import journeyc.pipeline
from journeyc.load import UnreadableFileError


@pytest.fixture
def project(make_project) -> Path:
    return make_project({"journeyc.toml": ""})


run = invoke_cleanly


def deny_reading(monkeypatch, module, name: str) -> None:
    """`module.read_file_bytes` refuses the file called `name` as a file without read permission would be."""
    real = module.read_file_bytes

    def read(path: Path) -> bytes:
        if path.name == name:
            raise UnreadableFileError("permission denied")
        return real(path)

    monkeypatch.setattr(module, "read_file_bytes", read)


def unreadable(result) -> dict[str, str]:
    return {d.span.file: d.message for d in result.diagnostics if d.code == "J005"}


# ---------------------------------------------------------------- .journey files and folders of the project


def test_a_named_pipe_is_reported_not_waited_on(project):
    os.mkfifo(project / "pipe.journey")
    assert unreadable(check(project)) == {"pipe.journey": 'cannot read "pipe.journey": it is a named pipe, not a file'}
    result = run("check", str(project))
    assert result.exit_code == 1
    assert "error[J005]: cannot read" in result.output and "no problems found" not in result.output


def test_a_dangling_link_is_reported(project):
    (project / "gone.journey").symlink_to(project / "nowhere.journey")
    assert unreadable(check(project)) == {
        "gone.journey": 'cannot read "gone.journey": it is a symbolic link to something that does not exist'
    }


def test_a_link_loop_is_reported(project):
    (project / "loop.journey").symlink_to(project / "loop.journey")
    assert unreadable(check(project)) == {
        "loop.journey": 'cannot read "loop.journey": it is a symbolic link that leads back to itself'
    }


def test_a_folder_named_like_a_journey_file_is_reported(project):
    (project / "cart.journey").rename(project / "cart.tmp")
    (project / "cart.journey").mkdir()
    assert unreadable(check(project))["cart.journey"] == 'cannot read "cart.journey": it is a folder, not a file'


def test_a_folder_that_cannot_be_listed_is_reported(project, monkeypatch):
    write_project(project / "growth", {"more.journey": 'import "../company.journey"\n'})
    real = os.scandir

    def scandir(path):
        if Path(path).name == "growth":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(journeyc.load.os, "scandir", scandir)
    result = check(project)
    assert unreadable(result) == {"growth/": 'cannot read "growth/": permission denied'}
    assert result.errors == 1


def test_a_file_that_cannot_be_read_is_reported(project, monkeypatch):
    deny_reading(monkeypatch, journeyc.pipeline, "cart.journey")
    result = check(project)
    assert unreadable(result) == {"cart.journey": 'cannot read "cart.journey": permission denied'}
    assert "cart_recovery" not in result.project.journeys


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without read permission")
def test_a_file_without_read_permission_is_reported(project):
    (project / "cart.journey").chmod(0)
    try:
        assert unreadable(check(project)) == {"cart.journey": 'cannot read "cart.journey": permission denied'}
    finally:
        (project / "cart.journey").chmod(0o644)


def test_a_build_never_removes_modules_because_their_source_could_not_be_read(project, tmp_path):
    out = tmp_path / "out"
    assert run("build", str(project), "--out", str(out)).exit_code == 0
    (project / "cart.journey").unlink()
    os.mkfifo(project / "cart.journey")
    result = run("build", str(project), "--out", str(out))
    assert result.exit_code == 1 and "J005" in result.output
    assert (out / "journeys" / "cart_recovery.py").is_file()


# ---------------------------------------------------------------- imports and template files


def test_an_import_of_a_named_pipe_is_reported(tmp_path):
    """A single file outside a project: only what it imports is read, so the reader itself must say it."""
    solo = write_project(tmp_path / "solo", {"extra.journey": 'import "shared.journey"\n'})
    os.mkfifo(solo / "shared.journey")
    result = check(solo / "extra.journey")
    assert unreadable(result) == {"shared.journey": 'cannot read "shared.journey": it is a named pipe, not a file'}


def test_an_import_through_a_link_loop_is_a_diagnostic(project):
    (project / "a").symlink_to(project / "b")
    (project / "b").symlink_to(project / "a")
    write_project(project, {"extra.journey": 'import "a/x.journey"\n'})
    result = run("check", str(project), "--output-format", "concise")
    assert result.exit_code == 1
    assert 'J005 error: cannot read "a/x.journey": a symbolic link on its path leads back to itself' in result.output


@pytest.mark.parametrize(
    "target",
    ["a" * 300, "x/" + "b" * 300 + "/y", "c" * 5000],
    ids=["long name", "long folder", "very long"],
)
def test_an_import_of_an_impossibly_long_name_is_a_diagnostic(project, target):
    write_project(project, {"extra.journey": f'import "{target}"\n'})
    result = run("check", str(project), "--output-format", "concise")
    assert result.exit_code == 1
    assert "J111 error: the imported file" in result.output


def test_a_template_file_with_an_impossibly_long_name_is_a_diagnostic(project):
    write_project(
        project, {"extra.journey": f'import "company.journey"\nmessage m on email {{ text file "{"t" * 300}" }}\n'}
    )
    result = run("check", str(project), "--output-format", "concise")
    assert result.exit_code == 1 and "J207" in result.output


@pytest.mark.parametrize("field", ["import", "file"])
def test_a_nul_character_in_a_path_is_a_diagnostic(project, field):
    line = (
        'import "x\x00y"'
        if field == "import"
        else 'import "company.journey"\nmessage m on email { text file "x\x00y" }'
    )
    (project / "extra.journey").write_text(line + "\n")
    result = run("check", str(project), "--output-format", "concise")
    assert result.exit_code == 1
    assert ("J111" if field == "import" else "J207") in result.output


def test_a_chain_of_1100_imports_is_checked(tmp_path):
    files = {"journeyc.toml": ""}
    for n in range(1100):
        files[f"f{n:04d}.journey"] = f'import "f{n + 1:04d}.journey"\n' if n < 1099 else 'team last "Last"\n'
    root = write_project(tmp_path / "chain", files)
    result = run("check", str(root))
    assert result.exit_code == 0, result.output
    assert "checked 1100 files" in result.output


def test_a_long_import_cycle_is_found(tmp_path):
    files = {"journeyc.toml": ""}
    for n in range(1100):
        files[f"f{n:04d}.journey"] = f'import "f{(n + 1) % 1100:04d}.journey"\n'
    result = check(write_project(tmp_path / "ring", files))
    assert [d.code for d in result.diagnostics] == ["J113"]


# ---------------------------------------------------------------- the settings file


@pytest.mark.parametrize("kind", ["folder", "pipe", "dangling link"])
def test_an_unreadable_journeyc_toml_is_a_usage_error(project, kind):
    config = project / "journeyc.toml"
    config.unlink()
    if kind == "folder":
        config.mkdir()
    elif kind == "pipe":
        os.mkfifo(config)
    else:
        config.symlink_to(project / "nowhere.toml")
    result = run("check", str(project))
    assert result.exit_code == 2
    assert f"cannot read {config}" in result.output


def test_a_journeyc_toml_without_permission_is_a_usage_error(project, monkeypatch):
    deny_reading(monkeypatch, journeyc.load, "journeyc.toml")
    result = run("check", str(project))
    assert result.exit_code == 2
    assert "journeyc.toml: permission denied" in result.output
