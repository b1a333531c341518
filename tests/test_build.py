"""`journeyc build`: deterministic, readable, safe Python modules and data, and `build --check`."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BASE_FILES, REPO, check, write_project
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from journeyc import ir
from journeyc.build import _json as build_json
from journeyc.build import build_outputs
from journeyc.cli import main
from journeyc.emit.pyliteral import UnsafeValueError, identifier, literal, string
from journeyc.emit.python import journey_module
from journeyc.resolve.modules import module_name
from journeyc.runtime.simulator import Simulator

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


# ---------------------------------------------------------------- names that become files


def journey_named(name: str, wait: str = "1 day") -> str:
    return f"""
        journey {name} "A journey" {{
          owner growth
          category lifecycle
          trigger "Signed Up"
          wait {wait}
        }}
    """


def names_project(root: Path, *journeys: str) -> Path:
    body = 'import "company.journey"\nimport "events.journey"\n' + "".join(
        textwrap.dedent(journey_named(n)) for n in journeys
    )
    return write_project(root, {**BASE_FILES, "journeyc.toml": "", "names.journey": body})


def test_a_journey_named_init_gets_its_own_module_and_runs(tmp_path):
    """It used to overwrite journeys/__init__.py (the registry), exit 0, and never run."""
    result = check(names_project(tmp_path / "p", "__init__"))
    assert result.errors == 0, [d.message for d in result.diagnostics]
    outputs = build_outputs(result)
    module = f"journeys/{module_name('__init__')}.py"
    assert module in outputs and module != "journeys/__init__.py"
    namespace: dict = {}
    exec(outputs["journeys/__init__.py"], namespace)
    assert namespace["JOURNEYS"]["__init__"] == module_name("__init__")
    assert "__init__" in [journey.name for journey in Simulator(outputs).journeys]


@pytest.mark.parametrize("name", ["__init__", "__main__", "__x", "con", "NUL", "com1", "a" * 200, "日本" * 40])
def test_reserved_and_overlong_names_get_short_distinct_modules(name):
    module = module_name(name)
    assert module.isidentifier() and module.isascii() and len(module) <= 64
    assert not module.startswith("__") and module.casefold() not in {"con", "nul", "com1"}
    assert module == module_name(name)  # from the name alone: the same whatever else the project holds


@pytest.mark.parametrize(
    ("first", "second"),
    [("welcome", "Welcome"), ("café", "caf_u00e9_"), ("ABC", "abc"), ("Café", "café")],
)
def test_journeys_built_into_one_file_are_j119(tmp_path, first, second):
    result = check(names_project(tmp_path / "p", first, second))
    [diagnostic] = [d for d in result.diagnostics if d.code == "J119"]
    assert diagnostic.message == f'journey "{second}" and journey "{first}" would be built into the same file'
    assert diagnostic.span.line > diagnostic.labels[0].span.line
    process = build(tmp_path / "p", tmp_path / "out")
    assert process.returncode == 1 and not (tmp_path / "out").exists()


def test_channels_and_messages_sharing_a_template_path_are_j119(tmp_path):
    files = {**BASE_FILES, "journeyc.toml": ""}
    files["company.journey"] += "channel Email { kind email owner growth address email consent email_opt_in }\n"
    files["messages.journey"] = """
        import "company.journey"
        message hello on email { subject "Hi" text "Hi. Unsubscribe: https://x.example/u" }
        message Hello on email { subject "Hi" text "Hi. Unsubscribe: https://x.example/u" }
    """
    result = check(write_project(tmp_path / "p", files))
    messages = sorted(d.message for d in result.diagnostics if d.code == "J119")
    assert messages == [
        'channel "Email" and channel "email" would be built into the same file',
        'message "Hello" and message "hello" would be built into the same file',
    ]


# ---------------------------------------------------------------- what a reviewer reads


CONSTRUCTS = """
import "company.journey"
import "events.journey"

message hello on email { subject "Hi" text "Hi. Unsubscribe: https://x.example/u" }

journey deeply_nested_to_make_long_lines_in_the_generated_module "Every construct" {
  owner growth
  category lifecycle
  trigger "Signed Up"
  wait 2 days
  if profile.tier == "gold" {
    if profile.tier == "gold" {
      if profile.tier == "gold" {
        if profile.tier == "gold" {
          wait up to 1 day for "Order Completed" then {
            wait up to 500 weeks for "Order Completed" then {
              send email hello
            }
          }
        }
      }
    }
  } else if profile.tier == "silver" {
    if profile.tier == "gold" {
      exit
    }
  }
  wait up to 90 minutes for "Order Completed" otherwise {
    exit
  }
  wait until monday at 10:00
  experiment subject { holdout 10% arm a 45% { send email hello } arm b 45% { wait 1 hour } }
  exit
}
"""


def test_generated_modules_of_every_construct_pass_ruff_and_state_durations_in_words(tmp_path):
    """Nested `if`s (ruff's SIM102 would merge them) carry a `noqa`; waits say `# 2 days` beside the seconds."""
    root = write_project(tmp_path / "p", {**BASE_FILES, "journeyc.toml": "", "all.journey": CONSTRUCTS})
    result = check(root)
    assert result.errors == 0, [d.message for d in result.diagnostics]
    module = build_outputs(result)["journeys/deeply_nested_to_make_long_lines_in_the_generated_module.py"].decode()
    assert 'await journey.wait("1", seconds=172800)  # 2 days\n' in module
    assert "timeout=86400,  # 1 day\n" in module and "timeout=302400000,  # 500 weeks\n" in module
    assert "timeout=5400,  # 90 minutes\n" in module or "timeout=5400):  # 90 minutes\n" in module
    assert "if journey.test(  # noqa: SIM102\n" in module
    out = tmp_path / "out"
    assert build(root, out).returncode == 0
    for tool in (["check", "--no-cache", "--isolated"], ["format", "--check", "--no-cache", "--isolated"]):
        process = subprocess.run([sys.executable, "-m", "ruff", *tool, str(out)], capture_output=True, text=True)
        assert process.returncode == 0, process.stdout + process.stderr


def test_data_points_back_to_the_source_lines(demo_build):
    offers = json.loads((demo_build / "data" / "offers.json").read_text())
    segments = json.loads((demo_build / "data" / "segments.json").read_text())
    policy = json.loads((demo_build / "data" / "policy.json").read_text())
    messages = json.loads((demo_build / "data" / "messages.json").read_text())

    def line_of(source: str) -> str:
        file, line = source.rsplit(":", 1)
        return (JOURNEYS / file).read_text().splitlines()[int(line) - 1].strip()

    assert line_of(offers["CART10"]["source"]).startswith("offer CART10 ")
    assert line_of(segments["lapsed_customers"]["source"]).startswith("segment lapsed_customers ")
    assert line_of(messages["cart_reminder"]["source"]).startswith("message cart_reminder ")
    assert [line_of(cap["source"]) for cap in policy["caps"]] == [
        "limit 3 messages per 7 days for promotional",
        "limit 1 message per day for lifecycle, promotional on sms",
    ]
    for key in ("quiet_hours", "suppressions", "exemptions"):
        assert all(line_of(rule["source"]).split()[0] in ("quiet", "suppress", "exempt") for rule in policy[key])


def test_a_one_line_change_is_a_one_line_diff(tmp_path, demo_build):
    project = tmp_path / "project"
    shutil.copytree(JOURNEYS, project)
    offers = project / "offers.journey"
    offers.write_text(offers.read_text().replace("value 10% off", "value 12% off", 1))
    out = tmp_path / "out"
    assert build(project, out).returncode == 0
    before = (demo_build / "data" / "offers.json").read_text().splitlines()
    after = (out / "data" / "offers.json").read_text().splitlines()
    assert len(before) == len(after)
    assert [(a, b) for a, b in zip(before, after, strict=True) if a != b] == [
        ('      "amount": 10.0,', '      "amount": 12.0,')
    ]


# ---------------------------------------------------------------- numbers that must never reach a module


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 10**400, 2**53, -1e300])
def test_emitters_refuse_numbers_that_are_not_finite_or_absurd(value):
    with pytest.raises(UnsafeValueError):
        literal({"threshold": value})
    with pytest.raises(UnsafeValueError):
        build_json({"limit": [1, {"value": value}]})


def test_emitters_write_every_sensible_number_exactly():
    for value in (0, -1, 2**53 - 1, 0.1, 1e-300, 9007199254740991.0):
        assert ast.literal_eval(literal(value)) == value
        assert json.loads(build_json([value])) == [value]


def test_a_journey_module_never_holds_an_absurd_wait(tmp_path):
    journey = check(names_project(tmp_path / "p", "welcome")).project.journeys["welcome"]
    step = journey.steps[0]
    huge = journey.model_copy(
        update={"steps": (step.model_copy(update={"duration": ir.Duration(seconds=10**400, text="x")}),)}
    )
    with pytest.raises(UnsafeValueError, match="too large"):
        journey_module(huge, "", "0")
