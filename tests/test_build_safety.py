"""`journeyc build` in a hostile build folder: links, foreign manifests, edited files, folders that are not folders.

A build folder is committed, so a pull request controls what is in it. Whatever is there, journeyc writes only
into the folder itself, removes only files it wrote (unchanged), and says why when it refuses.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from conftest import check, invoke_cleanly, write_project

from journeyc import build as build_module
from journeyc.build import build_outputs, write
from journeyc.build_folder import BuildFolder, BuildFolderError


@pytest.fixture
def project(make_project) -> Path:
    return make_project({"journeyc.toml": ""})


run = invoke_cleanly


def built(project: Path, out: Path) -> dict[str, bytes]:
    result = run("build", str(project), "--out", str(out))
    assert result.exit_code == 0, result.output
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def plant_link(path: Path, target: Path) -> None:
    """Replace the built file at `path` by a symbolic link to `target`, as a pull request could."""
    path.unlink()
    path.symlink_to(target)


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry below `folder`, links as their target (not followed)."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[key] = "-> " + os.readlink(path)
        elif path.is_file():
            found[key] = path.read_bytes()
    return found


# ---------------------------------------------------------------- links inside the build folder


def test_a_file_link_in_the_build_folder_is_refused_and_its_target_untouched(project, tmp_path):
    out = tmp_path / "out"
    built(project, out)
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    plant_link(out / "data" / "policy.json", outside)
    before = snapshot(out)
    (project / "cart.journey").write_text((project / "cart.journey").read_text().replace("1 hour", "2 hours"))
    result = run("build", str(project), "--out", str(out))
    assert result.exit_code == 2
    assert f"{out}/data/policy.json is a symbolic link" in result.output
    assert outside.read_text() == "precious"
    assert snapshot(out) == before  # refused before anything was written: the changed module is not either


def test_a_folder_link_in_the_build_folder_is_refused(project, tmp_path):
    out = tmp_path / "out"
    built(project, out)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    for child in sorted((out / "templates").rglob("*"), reverse=True):
        child.rmdir() if child.is_dir() else child.unlink()
    (out / "templates").rmdir()
    (out / "templates").symlink_to(elsewhere, target_is_directory=True)
    result = run("build", str(project), "--out", str(out))
    assert result.exit_code == 2
    assert f"{out}/templates is a symbolic link" in result.output
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]


def test_a_build_folder_that_is_a_link_is_refused(project, tmp_path):
    """A committed `build -> /somewhere` is the default --out of everyone who builds the project."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "build").symlink_to(elsewhere, target_is_directory=True)
    result = run("build", str(project))
    assert result.exit_code == 2
    assert "is a symbolic link; journeyc does not build through links" in result.output
    assert list(elsewhere.iterdir()) == []


def test_links_above_the_build_folder_are_the_users_choice(project, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "alias").symlink_to(real, target_is_directory=True)
    result = run("build", str(project), "--out", str(tmp_path / "alias" / "build"))
    assert result.exit_code == 0, result.output
    assert (real / "build" / "manifest.json").is_file()


def test_removing_never_follows_a_link(project, tmp_path):
    out = tmp_path / "out"
    built(project, out)
    outside = tmp_path / "outside.py"
    outside.write_text("keep me")
    module = out / "journeys" / "cart_recovery.py"
    plant_link(module, outside)
    cart = project / "cart.journey"
    cart.write_text(cart.read_text().replace("journey cart_recovery ", "journey cart_rescue "))
    result = run("build", str(project), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"kept: {out}/journeys/cart_recovery.py" in result.output
    assert module.is_symlink() and outside.read_text() == "keep me"


def test_build_check_reports_a_link_as_changed_without_following_it(project, tmp_path):
    out = tmp_path / "out"
    files = built(project, out)
    twin = tmp_path / "twin.json"
    twin.write_bytes(files["data/policy.json"])  # the same bytes: only following the link would call it equal
    plant_link(out / "data" / "policy.json", twin)
    result = run("build", str(project), "--out", str(out), "--check")
    assert result.exit_code == 1
    assert f"changed: {out}/data/policy.json" in result.output.splitlines()


def test_a_named_pipe_in_the_build_folder_is_never_opened(project, tmp_path):
    out = tmp_path / "out"
    built(project, out)
    (out / "data" / "policy.json").unlink()
    os.mkfifo(out / "data" / "policy.json")  # reading it would wait for a writer forever
    checked = run("build", str(project), "--out", str(out), "--check")
    assert checked.exit_code == 1 and f"changed: {out}/data/policy.json" in checked.output
    result = run("build", str(project), "--out", str(out))
    assert result.exit_code == 2 and "is not a regular file" in result.output


# ---------------------------------------------------------------- what --out may be


@pytest.mark.parametrize("kind", ["device", "file"])
def test_an_out_that_is_not_a_folder_is_a_usage_error(project, tmp_path, kind):
    target = "/dev/null" if kind == "device" else str(tmp_path / "a-file")
    if kind == "file":
        Path(target).write_text("x")
    result = run("build", str(project), "--out", target)
    assert result.exit_code == 2
    assert "not a folder" in result.output or "is a file" in result.output


def test_a_file_in_the_way_of_a_build_folder_is_refused(project, tmp_path):
    out = tmp_path / "out"
    built(project, out)
    (out / "data" / "policy.json").unlink()
    (out / "data" / "policy.json").mkdir()
    result = run("build", str(project), "--out", str(out))
    assert result.exit_code == 2
    assert f"{out}/data/policy.json is a folder where journeyc writes a file" in result.output


# ---------------------------------------------------------------- whose manifest is it?


def test_a_hand_written_manifest_does_not_make_a_folder_journeycs(project, tmp_path):
    """The report's case: --out on a source folder whose manifest.json lists the user's own files."""
    out = write_project(tmp_path / "app", {"src/important.py": "print('hi')\n", "README.md": "# app\n"})
    listed = {"src/important.py": "", "README.md": ""}
    (out / "manifest.json").write_text(json.dumps({"templates": listed, "data": listed, "journeys": {}}))
    before = snapshot(out)
    result = run("build", str(project), "--out", str(out))
    assert result.exit_code == 2
    assert "manifest.json was not written by journeyc" in result.output
    assert snapshot(out) == before


def test_a_web_apps_own_manifest_is_not_overwritten(project, tmp_path):
    out = write_project(tmp_path / "public", {"manifest.json": '{"name": "Shop", "icons": []}\n'})
    result = run("build", str(project), "--out", str(out))
    assert result.exit_code == 2
    assert (out / "manifest.json").read_text() == '{"name": "Shop", "icons": []}\n'


def journeyc_manifest(files: dict[str, str], **extra: object) -> str:
    return json.dumps({"generator": "journeyc", "manifest_version": 2, "files": files, **extra})


@pytest.mark.parametrize("listed", ["../outside.txt", "README.md", "/etc/passwd", "journeys/../../x.py", "data/x"])
def test_a_manifest_listing_a_file_journeyc_never_writes_is_refused(project, tmp_path, listed):
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "outside.txt").write_text("keep")
    (out / "README.md").write_text("keep")
    (out / "manifest.json").write_text(journeyc_manifest({listed: "0" * 64}))
    result = run("build", str(project), "--out", str(out))
    assert result.exit_code == 2
    assert "which is not a file journeyc writes" in result.output
    assert (tmp_path / "outside.txt").read_text() == "keep" and (out / "README.md").read_text() == "keep"


MALFORMED = {
    "not JSON": b"{ this is not json",
    "not UTF-8": b"\xff\xfe\x00",
    "a list": b"[1, 2, 3]",
    "no generator": b'{"manifest_version": 2, "files": {}}',
    "generator of another type": b'{"generator": 5, "manifest_version": 2, "files": {}}',
    "a version that is text": b'{"generator": "journeyc", "manifest_version": "2", "files": {}}',
    "files as a list": b'{"generator": "journeyc", "manifest_version": 2, "files": ["data/policy.json"]}',
    "a hash that is a number": b'{"generator": "journeyc", "manifest_version": 2, "files": {"data/policy.json": 1}}',
    "nested too deeply": b"[" * 100_000 + b"]" * 100_000,
    "an older journeyc's": b'{"manifest_version": 1, "journeyc_version": "0.1.0", "templates": {}, "data": {}}',
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_a_malformed_manifest_is_an_error_message(project, tmp_path, case):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_bytes(MALFORMED[case])
    (out / "notes.txt").write_text("keep")
    result = run("build", str(project), "--out", str(out))
    assert result.exit_code == 2
    assert "manifest.json" in result.output
    assert (out / "manifest.json").read_bytes() == MALFORMED[case] and (out / "notes.txt").read_text() == "keep"


def test_a_huge_manifest_is_refused_without_reading_it_all(project, tmp_path, monkeypatch):
    monkeypatch.setattr(build_module, "MAX_MANIFEST_BYTES", 1000)
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(journeyc_manifest({}, padding="x" * 2000))
    result = run("build", str(project), "--out", str(out))
    assert result.exit_code == 2
    assert "is larger than journeyc ever writes it" in result.output


def test_a_manifest_from_a_newer_journeyc_says_so(project, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"generator": "journeyc", "manifest_version": 9, "files": {}}))
    result = run("build", str(project), "--out", str(out))
    assert result.exit_code == 2 and "newer journeyc (manifest_version 9)" in result.output


def test_only_unedited_files_of_the_last_build_are_removed(project, tmp_path):
    out = tmp_path / "out"
    built(project, out)
    # A second journey, built; then edited by hand; then the journey is deleted from the sources.
    cart = project / "cart.journey"
    original = cart.read_text()
    second = original[original.index("journey cart_recovery") :].replace("cart_recovery", "cart_second")
    cart.write_text(original + "\n" + second.replace("cart_second", "cart_third"))
    cart.write_text(cart.read_text() + "\n" + second)
    built(project, out)
    edited = out / "journeys" / "cart_second.py"
    edited.write_text(edited.read_text() + "# my note\n")
    cart.write_text(original)
    result = run("build", str(project), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert not (out / "journeys" / "cart_third.py").exists()  # unchanged since journeyc wrote it: removed
    assert edited.read_text().endswith("# my note\n")  # changed by hand: kept and reported
    assert f"kept: {out}/journeys/cart_second.py" in result.output
    assert result.output.rstrip().endswith("1 removed, 1 kept")


def test_a_file_the_build_would_write_but_did_not_is_refused(project, tmp_path):
    out = tmp_path / "out"
    built(project, out)
    cart = project / "cart.journey"
    text = cart.read_text()
    cart.write_text(text + "\n" + text[text.index("journey cart_recovery") :].replace("cart_recovery", "mine"))
    (out / "journeys" / "mine.py").write_text("# a file of my own\n")
    result = run("build", str(project), "--out", str(out))
    assert result.exit_code == 2
    assert "journeys/mine.py was not written by journeyc" in result.output
    assert (out / "journeys" / "mine.py").read_text() == "# a file of my own\n"


def test_a_forged_hash_cannot_remove_a_file_journeyc_did_not_write(project, tmp_path):
    """Even a manifest that knows the bytes can only name files of the build's own shapes."""
    out = tmp_path / "out"
    built(project, out)
    manifest = json.loads((out / "manifest.json").read_text())
    own = out / "journeys" / "notes.py"
    own.write_text("# notes\n")
    manifest["files"]["journeys/notes.py"] = hashlib.sha256(b"# something else\n").hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest))
    result = run("build", str(project), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert own.read_text() == "# notes\n" and f"kept: {out}/journeys/notes.py" in result.output


def test_write_is_the_only_way_in_and_refuses_links_directly(project, tmp_path):
    """The library function, not only the command: what watch calls."""
    outputs = build_outputs(check(project))
    out = tmp_path / "out"
    write(outputs, out)
    plant_link(out / "data" / "events.json", tmp_path / "nowhere.json")
    with pytest.raises(BuildFolderError, match="is a symbolic link"):
        write(outputs, out)
    assert not (tmp_path / "nowhere.json").exists()


@pytest.mark.parametrize("fresh", [True, False], ids=["first build", "rebuild"])
def test_a_build_stopped_half_way_leaves_a_folder_the_next_build_accepts(project, tmp_path, monkeypatch, fresh):
    """Ctrl-C in `watch` can stop a build between two files: the next build must not call the folder foreign."""
    out = tmp_path / "out"
    if not fresh:
        built(project, out)
        cart = project / "cart.journey"
        text = cart.read_text()
        cart.write_text(text + "\n" + text[text.index("journey cart_recovery") :].replace("cart_recovery", "added"))
    outputs = build_outputs(check(project))
    real_write = BuildFolder.write
    calls = []

    def interrupted(self, path, payload):
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_write(self, path, payload)

    monkeypatch.setattr(BuildFolder, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write(outputs, out)
    monkeypatch.setattr(BuildFolder, "write", real_write)
    assert calls[0] == "manifest.json"  # first of all, the list of what this build may write
    result = run("build", str(project), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert run("build", str(project), "--out", str(out), "--check").exit_code == 0


# ---------------------------------------------------------------- paths as build prints them


def test_build_check_prints_paths_relative_to_where_it_runs(project, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("build", "project").exit_code == 0
    (project / "build" / "journeys" / "cart_recovery.py").unlink()
    result = run("build", "project", "--check")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "missing: project/build/journeys/cart_recovery.py",
        "project/build: 1 file differs from the sources; run `journeyc build`",
    ]
    monkeypatch.chdir(project)
    assert run("build", "--check").output.splitlines() == [
        "missing: build/journeys/cart_recovery.py",
        "build: 1 file differs from the sources; run `journeyc build`",
    ]
