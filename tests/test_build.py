"""`journeyc build`: deterministic, readable, safe Python modules and data, and `build --check`."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, check, write_project
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from journeyc.build import build_outputs
from journeyc.cli import main
from journeyc.emit.pyliteral import identifier, string

JOURNEYS = REPO / "journeys"
EXAMPLES = sorted(p for p in (REPO / "examples").iterdir() if p.is_dir() and p.name != "conflicts")


class PythonFile(SingleFileSnapshotExtension):
    """A snapshot a reviewer opens as a .py file."""

    _write_mode = WriteMode.TEXT
    file_extension = "py"


class JsonFile(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "json"


def build(project: Path, out: Path, *extra: str, cwd: Path | None = None, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "journeyc", "build", str(project), "--out", str(out), *extra],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "build"
    process = build(JOURNEYS, out)
    assert process.returncode == 0, process.stderr
    return out


def test_the_demo_builds_one_module_per_journey(demo_build):
    modules = sorted(p.stem for p in (demo_build / "journeys").glob("*.py") if p.stem != "__init__")
    assert modules == sorted(check(JOURNEYS).project.journeys)
    manifest = json.loads((demo_build / "manifest.json").read_text())
    assert (manifest["generator"], manifest["manifest_version"]) == ("journeyc", 2)
    files = files_of(demo_build)
    assert manifest["files"] == {p: hashlib.sha256(b).hexdigest() for p, b in files.items() if p != "manifest.json"}
    cart = manifest["journeys"]["cart_recovery"]
    assert (cart["owner"], cart["category"], cart["source"], cart["module"]) == (
        "growth",
        "promotional",
        "growth/cart_recovery.journey",
        "journeys/cart_recovery.py",
    )
    text = json.dumps(manifest)
    assert str(REPO) not in text and "time" not in manifest


def test_the_same_sources_give_the_same_bytes_anywhere(tmp_path, demo_build):
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    copy = tmp_path / "copy"
    shutil.copytree(JOURNEYS, copy)
    process = build(Path("copy"), tmp_path / "second", cwd=tmp_path, env=env)
    assert process.returncode == 0, process.stderr
    assert files_of(tmp_path / "second") == files_of(demo_build)


def test_generated_modules_pass_ruff_and_compile(demo_build):
    for tool in (["check", "--no-cache", "--isolated"], ["format", "--check", "--no-cache", "--isolated"]):
        process = subprocess.run(
            [sys.executable, "-m", "ruff", *tool, str(demo_build)], capture_output=True, text=True, timeout=120
        )
        assert process.returncode == 0, process.stdout + process.stderr
    for module in sorted((demo_build / "journeys").glob("*.py")):
        compile(module.read_text(encoding="utf-8"), str(module), "exec")


def imported_modules(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add(node.module or "")
    return found


def test_generated_modules_import_only_the_runtime(demo_build):
    for module in sorted((demo_build / "journeys").glob("*.py")):
        imports = imported_modules(module.read_text(encoding="utf-8"))
        assert imports <= {"__future__", "journeyc.runtime"}, (module.name, imports)


def test_the_runtime_never_imports_the_compiler():
    runtime = REPO / "journeyc" / "runtime"
    for module in sorted(runtime.rglob("*.py")):
        for name in imported_modules(module.read_text(encoding="utf-8")):
            assert not name.startswith("journeyc") or name.startswith("journeyc.runtime"), (module, name)


DEMO_FILES = [
    *(f"journeys/{name}.py" for name in ("__init__", "cart_recovery", "new_arrivals_dresses", "one_time_password",
                                        "order_delivered", "order_shipped", "review_request", "service_recovery",
                                        "welcome_series", "winback")),
    "data/policy.json", "data/segments.json", "data/offers.json", "data/messages.json", "manifest.json",
]  # fmt: skip


@pytest.mark.parametrize("path", DEMO_FILES, ids=[p.replace("/", "-") for p in DEMO_FILES])
def test_the_demo_build_output(demo_build, snapshot, path):
    """The demo's output as single-file snapshots (tests/__snapshots__/test_build/...): what a reviewer reads."""
    extension = PythonFile if path.endswith(".py") else JsonFile
    assert (demo_build / path).read_text(encoding="utf-8") == snapshot.use_extension(extension)


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_builds(example, tmp_path):
    process = build(example, tmp_path / "out")
    assert process.returncode == 0, process.stderr
    assert (tmp_path / "out" / "manifest.json").is_file()


def test_a_project_with_errors_is_not_built(tmp_path):
    root = write_project(tmp_path / "bad", {"a.journey": 'journey x { owner nobody category lifecycle trigger "X" }\n'})
    process = build(root, tmp_path / "out")
    assert process.returncode == 1
    assert "J10" in process.stderr and not (tmp_path / "out").exists()


# ---------------------------------------------------------------- build --check


def run_cli(*args: str):
    return CliRunner().invoke(main, list(args))


def test_build_check_detects_missing_extra_and_changed_files(tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", str(JOURNEYS), "--out", str(out)).exit_code == 0
    assert run_cli("build", str(JOURNEYS), "--out", str(out), "--check").exit_code == 0
    (out / "journeys" / "winback.py").unlink()
    (out / "notes.txt").write_text("hand-written")
    changed = out / "data" / "offers.json"
    changed.write_text(changed.read_text() + " ")
    result = run_cli("build", str(JOURNEYS), "--out", str(out), "--check")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"missing: {out / 'journeys' / 'winback.py'}" in lines
    assert f"extra: {out / 'notes.txt'}" in lines
    assert f"changed: {out / 'data' / 'offers.json'}" in lines
    assert lines[-1].endswith("3 files differ from the sources; run `journeyc build`")


def test_build_refuses_to_overwrite_a_folder_it_did_not_write(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    result = run_cli("build", str(JOURNEYS), "--out", str(out))
    assert result.exit_code == 2
    assert (out / "precious.txt").read_text() == "keep me"


def test_rebuilding_removes_what_is_no_longer_produced(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(JOURNEYS, project)
    out = tmp_path / "out"
    assert run_cli("build", str(project), "--out", str(out)).exit_code == 0
    (project / "product" / "one_time_password.journey").unlink()
    result = run_cli("build", str(project), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert not (out / "journeys" / "one_time_password.py").exists()
    assert run_cli("build", str(project), "--out", str(out), "--check").exit_code == 0


# ---------------------------------------------------------------- hostile names and texts

HOSTILE_TEXTS = ['say "hi"', "it's", "both ' and \"", 'tri"""ple', "back\\slash\\", "{{ x }} {% if %}",
                 "</script>", "naïve 日本 😀", "line\\nbreak", "tab\\tch"]  # fmt: skip


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_string_literals_round_trip(text):
    assert ast.literal_eval(string(text)) == text


@pytest.mark.parametrize("name", ["class", "match", "_", "café", "日本", "None", "x1"])
def test_identifiers_are_safe(name):
    safe = identifier(name)
    assert safe.isidentifier() and safe.isascii()
    assert not __import__("keyword").iskeyword(safe)


def hostile_project(root: Path) -> Path:
    event = 'Order \\"Completed\\" \\\\ {{ x }} </script> \\n'  # as written in the .journey file
    return write_project(
        root,
        {
            "journeyc.toml": "",
            "company.journey": """
                import categories
                team growth "Growth \\"team\\" \\\\ {{ x }}"
                profile { email string optional  ok boolean default false }
                channel email { kind email owner growth address email consent ok }
            """,
            "events.journey": f'event "{event}" {{ order_id string }}\n',
            "j.journey": f"""
                import "company.journey"
                import "events.journey"
                offer class {{ code "C\\"\\"\\"'; import os #" value 10% off valid for 7 days }}
                message match on email {{
                  subject \"\"\"Hi \"quoted\" {{{{ offer.code }}}} </script>\"\"\"
                  text \"\"\"Unsubscribe: https://x.example/u
{{% raw %}}\\\\n{{{{ not a var }}}}{{% endraw %}}\"\"\"
                }}
                journey import "Title with \\"quotes\\" and \\\\ and 日本" {{
                  owner growth
                  category lifecycle
                  trigger "{event}" where order_id == "'; os.system('x')"
                  entry once
                  send email match with offer class
                  wait up to 1 day for "{event}" where order_id == trigger.order_id then {{
                    exit
                  }}
                }}
            """,
        },
    )


ALLOWED_TOP = {
    "JOURNEY",
    "TITLE",
    "OWNER",
    "CATEGORY",
    "STAGE",
    "SOURCE",
    "TRIGGER",
    "AUDIENCE",
    "ENTRY",
    "GOAL",
    "EXITS",
}


def test_hostile_names_and_texts_give_only_the_statements_the_compiler_means(tmp_path):
    root = hostile_project(tmp_path / "project")
    result = check(root)
    assert result.errors == 0, [d.message for d in result.diagnostics]
    outputs = build_outputs(result)
    modules = {
        path: body for path, body in outputs.items() if path.startswith("journeys/") and path != "journeys/__init__.py"
    }
    assert list(modules) == ["journeys/import_.py"]
    tree = ast.parse(modules["journeys/import_.py"])
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            assert node.module in ("__future__", "journeyc.runtime")
        elif isinstance(node, ast.Assign):
            [target] = node.targets
            assert isinstance(target, ast.Name)
            assert target.id in ALLOWED_TOP or target.id.startswith("CONDITION_")
            ast.literal_eval(node.value)  # data only: no calls, no names
        else:
            assert isinstance(node, ast.AsyncFunctionDef) and node.name == "run"
    run = next(n for n in tree.body if isinstance(n, ast.AsyncFunctionDef))
    calls = [n for n in ast.walk(run) if isinstance(n, ast.Call)]
    assert all(isinstance(c.func, ast.Attribute) and c.func.value.id == "journey" for c in calls)  # type: ignore[attr-defined]
    for node in ast.walk(run):
        assert not isinstance(node, ast.Import | ast.ImportFrom | ast.Lambda | ast.FunctionDef | ast.ClassDef)
    namespace = {}
    exec(compile(tree, "import_.py", "exec"), namespace)  # defining it runs nothing
    assert namespace["TITLE"] == 'Title with "quotes" and \\ and 日本'
    assert namespace["TRIGGER"]["event"] == 'Order "Completed" \\ {{ x }} </script> \n'


def test_a_template_that_cannot_be_compiled_stops_the_build(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(JOURNEYS, project)
    (project / "templates" / "welcome.mjml").write_text("<mjml><mj-body><mj-text>Hi</mj-body>\n")
    result = run_cli("build", str(project), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert 'error: message "welcome":' in result.output
    assert not (tmp_path / "out").exists()
