"""The incremental engine's behaviour: what a round reads and runs again after an edit, and that watch and the
language server's sessions give the diagnostics of a cold check."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import BASE_FILES, REPO, write_project

import journeyc.pipeline
from journeyc.incremental.engine import Incremental
from journeyc.load import find_project
from journeyc.lsp.session import ProjectSession
from journeyc.pipeline import check_project
from journeyc.watch import run_round

CART = "growth/cart_recovery.journey"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    root = tmp_path / "journeys"
    shutil.copytree(REPO / "journeys", root, ignore=shutil.ignore_patterns("build"))
    return root


def cold(root: Path, unsaved: dict[str, str] | None = None):
    return check_project(find_project(str(root)), unsaved=unsaved)


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_edit_inside_one_journey_runs_only_the_checks_that_read_it(demo):
    engine = Incremental()
    files = find_project(str(demo))
    check_project(files, incremental=engine)
    every = engine.units.ran
    rewrite(demo / CART, "  wait 1 day\n", "  wait 2 days\n")
    engine.changed([CART])
    result = check_project(files, incremental=engine)
    assert result.diagnostics == cold(demo).diagnostics
    assert not engine.changed_interface
    assert 0 < engine.units.ran <= every // 5, (engine.units.ran, every)
    assert engine.units.replayed + engine.units.ran >= every


def test_a_comment_changes_nothing_and_runs_nothing(demo):
    engine = Incremental()
    files = find_project(str(demo))
    before = check_project(files, incremental=engine)
    rewrite(demo / CART, "  wait 1 hour\n", "  wait 1 hour  # an hour is enough\n")
    engine.changed([CART])
    after = check_project(files, incremental=engine)
    assert engine.units.ran == 0 and after.diagnostics == before.diagnostics
    assert after.resolved.files[CART] is before.resolved.files[CART]  # the same IR: the parse only differs in text


def test_a_file_not_named_as_changed_is_not_read_again(demo, monkeypatch):
    engine = Incremental()
    files = find_project(str(demo))
    check_project(files, incremental=engine)
    read: list[str] = []
    real = journeyc.pipeline.read_file_bytes
    monkeypatch.setattr(journeyc.pipeline, "read_file_bytes", lambda path: read.append(path.name) or real(path))
    engine.changed([CART])
    check_project(files, incremental=engine)
    assert [name for name in read if name.endswith(".journey")] == ["cart_recovery.journey"]
    read.clear()
    engine.changed(None)  # anything may have changed: every file is read
    check_project(files, incremental=engine)
    assert set(read) >= {Path(path).name for path in files.files}


def test_an_unsaved_text_is_seen_without_being_named(demo):
    engine = Incremental()
    files = find_project(str(demo))
    check_project(files, incremental=engine)
    text = (demo / CART).read_text(encoding="utf-8").replace("send email cart_reminder", "send email cart_remindr")
    result = check_project(files, unsaved={CART: text}, incremental=engine)
    assert "J105" in [d.code for d in result.diagnostics]
    assert result.diagnostics == cold(demo, {CART: text}).diagnostics
    back = check_project(files, incremental=engine)  # the editor closed it: back to the disk's text
    assert back.diagnostics == cold(demo).diagnostics


def test_a_changed_template_file_is_seen_when_named(demo):
    engine = Incremental()
    files = find_project(str(demo))
    check_project(files, incremental=engine)
    rewrite(demo / "templates/cart_reminder.mjml", "</mjml>", "{{ profile.no_such_trait }}</mjml>")
    engine.changed(["templates/cart_reminder.mjml"])
    result = check_project(files, incremental=engine)
    assert engine.changed_interface
    assert "J206" in [d.code for d in result.diagnostics]
    assert result.diagnostics == cold(demo).diagnostics


def test_a_message_moved_down_moves_the_place_a_did_you_mean_names(tmp_path):
    files = {**BASE_FILES, "other.journey": 'import "company.journey"\nimport "events.journey"\nimport "cart.journey"\n'
             'journey other {\n  owner growth\n  category promotional\n  trigger "Signed Up"\n  entry once\n'
             "  send email cart_remindr\n}\n"}  # fmt: skip
    root = write_project(tmp_path, files)
    engine = Incremental()
    project = find_project(str(root))
    first = check_project(project, incremental=engine)
    [hint] = [d.help for d in first.diagnostics if d.code == "J105"]
    rewrite(root / "cart.journey", "message cart_reminder", "\n\nmessage cart_reminder")
    engine.changed(["cart.journey"])
    second = check_project(project, incremental=engine)
    [moved] = [d.help for d in second.diagnostics if d.code == "J105"]
    assert hint != moved and moved == next(d.help for d in cold(root).diagnostics if d.code == "J105")


def test_old_versions_of_edited_files_are_forgotten(demo):
    engine = Incremental()
    files = find_project(str(demo))
    for n in range(30):
        rewrite(demo / CART, "wait 1 hour" if n == 0 else f"wait {n} hours", f"wait {n + 1} hours")
        engine.changed([CART])
        check_project(files, incremental=engine)
    assert len(engine.cache.entries) <= len(engine.known)


def test_watch_rounds_check_incrementally_and_as_a_cold_check(demo):
    engine = Incremental()
    first = run_round(str(demo), None, engine)
    assert first.result is not None and first.result.diagnostics == cold(demo).diagnostics
    rewrite(demo / CART, 'trigger "Checkout Started"', 'trigger "Checkout Startd"')
    second = run_round(str(demo), None, engine, (CART,))
    assert second.changed == (CART,) and engine.units.ran < engine.units.replayed
    assert second.result is not None and second.result.diagnostics == cold(demo).diagnostics
    assert "J102" in [d.code for d in second.result.diagnostics]


def test_a_session_checks_the_editor_s_texts_incrementally(demo):
    session = ProjectSession(find_project(str(demo)))
    session.check()
    text = (demo / CART).read_text(encoding="utf-8").replace("wait 1 day", "wait 1 dya")
    session.unsaved[CART] = text
    checked = session.check()
    assert checked.result.diagnostics == cold(demo, {CART: text}).diagnostics
    assert session.engine.units.ran < session.engine.units.replayed
    (demo / "growth/extra.journey").write_text('team extra "Extra"\n', encoding="utf-8")
    session.changed_on_disk(["growth/extra.journey"])
    assert session.check().result.diagnostics == cold(demo, {CART: text}).diagnostics
    assert "growth/extra.journey" in session.check().result.resolved.files
