"""The `journeyc` command line: options, exit codes, how a project is found, and the output formats.

docs/cli.md is the contract: exit codes 0 / 1 / 2, the one-line summary, the version-1 JSON document and the IR.
Most cases run in-process with click's CliRunner; the ones that must prove the real exit code, the absence of a
traceback, or independence from the hash seed and the working folder run `python -m journeyc`.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result
from conftest import BASE_FILES, REPO, write_project

import journeyc
from journeyc.cli import main
from journeyc.load import stdlib_dir

ANSI = re.compile(r"\x1b\[[0-9;]*m")
IR_KEYS = [
    "ir_version",
    "files",
    "teams",
    "categories",
    "events",
    "shapes",
    "profile",
    "channels",
    "segments",
    "offers",
    "messages",
    "policy",
    "journeys",
]
KEYED_BY_NAME = ["teams", "categories", "events", "shapes", "channels", "segments", "offers", "messages", "journeys"]
DIAGNOSTIC_KEYS = ["code", "severity", "message", "location", "label", "related", "help", "notes"]
LOCATION_KEYS = ["file", "line", "column", "end_line", "end_column"]
DEMO_JOURNEYS = [
    "welcome_series",
    "cart_recovery",
    "new_arrivals_dresses",
    "review_request",
    "service_recovery",
    "order_shipped",
    "order_delivered",
    "one_time_password",
    "winback",
]


# ---------------------------------------------------------------- helpers


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args), prog_name="journeyc")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"journeyc crashed: {result.exception!r}") from result.exception
    assert "Traceback" not in result.output
    return result


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    process = subprocess.run(
        [sys.executable, "-m", "journeyc", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )
    assert "Traceback" not in process.stdout + process.stderr, process.stderr
    return process


def base_text(name: str) -> str:
    return textwrap.dedent(BASE_FILES[name]).lstrip("\n")


def broken_files() -> dict[str, str]:
    """The base project with three errors in two files, one of them pointing into the stdlib."""
    cart = base_text("cart.journey").replace('goal "Order Completed"', 'goal "Order Complete"')
    promo = (
        'offer CART10 { code "CART10B" value 5 USD off valid for 3 days }\nsegment viewers { any "Product Viewed" }\n'
    )
    return {"cart.journey": cart, "promo.journey": promo}


def ir_of(path: Path) -> str:
    result = invoke("ir", str(path))
    assert result.exit_code == 0, result.output
    return result.stdout


# ---------------------------------------------------------------- version and help


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag):
    result = invoke(flag)
    assert result.exit_code == 0
    assert result.stdout == f"journeyc, version {journeyc.__version__}\n"
    assert journeyc.__version__ == importlib.metadata.version("journeyc")


def test_top_level_help_lists_the_commands_and_how_a_project_is_found():
    result = invoke("--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: journeyc [OPTIONS] COMMAND [ARGS]...")
    for command in ("check", "ir", "schema"):
        assert re.search(rf"(?m)^  {command}\s+\S", result.stdout), command
    assert "journeyc.toml" in result.stdout
    assert "--version" in result.stdout


@pytest.mark.parametrize(
    "command, options",
    [
        ("check", ["--output-format [", "--color / --no-color", "--help"]),
        ("ir", ["--help"]),
        ("schema", ["--help"]),
    ],
)
def test_command_help(command, options):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    usage = result.stdout.splitlines()[0]
    if command == "schema":
        assert usage == "Usage: journeyc schema [OPTIONS]"
    else:
        assert usage == f"Usage: journeyc {command} [OPTIONS] [PATH]"
    assert "Options:" in result.stdout
    for option in options:
        assert option in result.stdout
    if command == "check":
        formats = re.search(r"--output-format \[([a-z|]+)\]", result.stdout)
        assert formats is not None
        assert {"full", "json"} <= set(formats.group(1).split("|"))


# ---------------------------------------------------------------- usage errors: exit 2, one message, no traceback


@pytest.mark.parametrize("args", [["check", "--bogus"], ["ir", "--bogus"], ["schema", "--bogus"], ["--bogus"]])
def test_an_unknown_option_is_a_usage_error(args):
    process = run(*args)
    assert process.returncode == 2
    assert process.stdout == ""
    assert re.search(r"(?m)^Usage: journeyc", process.stderr), process.stderr
    assert "No such option: --bogus" in process.stderr or "No such option '--bogus'" in process.stderr


def test_an_unknown_command_is_a_usage_error():
    process = run("chek")
    assert process.returncode == 2
    assert "Usage: journeyc" in process.stderr
    assert "chek" in process.stderr


@pytest.mark.parametrize("command", ["check", "ir"])
def test_a_path_that_does_not_exist(tmp_path, command):
    missing = tmp_path / "nowhere"
    process = run(command, str(missing))
    assert process.returncode == 2
    assert process.stdout == ""
    assert f"Usage: journeyc {command}" in process.stderr
    assert f"Error: '{missing}' does not exist" in process.stderr


@pytest.mark.parametrize("name", ["notes.txt", "company.journey.bak", "Makefile"])
def test_a_path_that_is_not_a_journey_file(make_project, name):
    root = make_project()
    (root / name).write_text("team growth\n", encoding="utf-8")
    process = run("check", str(root / name))
    assert process.returncode == 2
    assert process.stdout == ""
    assert "Usage: journeyc check" in process.stderr
    assert "is not a .journey file or a folder" in process.stderr


def test_no_path_and_no_project_says_how_a_project_is_found(tmp_path):
    (tmp_path / "stray.journey").write_text("team growth\n", encoding="utf-8")
    process = run("check", cwd=tmp_path)
    assert process.returncode == 2
    assert process.stdout == ""
    assert "Usage: journeyc check" in process.stderr
    assert "no project here" in process.stderr
    assert "journeyc.toml" in process.stderr


def test_a_broken_journeyc_toml_is_a_usage_error(make_project):
    root = make_project()
    (root / "journeyc.toml").write_text("this is = = not toml\n", encoding="utf-8")
    process = run("check", cwd=root)
    assert process.returncode == 2
    assert "journeyc.toml is not valid TOML" in process.stderr


def test_a_bogus_output_format(make_project):
    process = run("check", str(make_project()), "--output-format", "bogus")
    assert process.returncode == 2
    assert process.stdout == ""
    assert "Invalid value for '--output-format'" in process.stderr
    assert "'bogus' is not one of" in process.stderr
    assert "'full'" in process.stderr and "'json'" in process.stderr


# ---------------------------------------------------------------- finding the project


def test_no_path_inside_a_project_folder_checks_the_project(make_project):
    root = make_project()
    (root / "journeyc.toml").write_text("", encoding="utf-8")
    inner = root / "growth" / "drafts"
    inner.mkdir(parents=True)
    process = run("check", cwd=inner)
    assert process.returncode == 0, process.stdout + process.stderr
    assert process.stdout == "checked 3 files, 1 journey: no problems found\n"


def test_no_path_finds_a_tool_journeyc_table_in_pyproject(make_project):
    root = make_project(broken_files())
    (root / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.journeyc]\n', encoding="utf-8")
    process = run("check", cwd=root)
    assert process.returncode == 1
    assert process.stdout.endswith("checked 4 files, 1 journey: 3 errors and 0 warnings\n")


def test_a_pyproject_without_a_journeyc_table_is_not_a_project(make_project):
    root = make_project()
    (root / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    process = run("check", cwd=root)
    assert process.returncode == 2
    assert "no project here" in process.stderr


def test_hidden_and_build_folders_are_skipped(make_project):
    broken = "segment oops {\n"
    root = make_project({".git/x.journey": broken, "build/x.journey": broken, "node_modules/x.journey": broken})
    result = invoke("check", str(root))
    assert result.exit_code == 0, result.stdout
    assert result.stdout == "checked 3 files, 1 journey: no problems found\n"


def test_a_single_file_outside_a_project_is_checked_with_its_imports(make_project):
    root = make_project({"unrelated.journey": "segment broken {\n"})
    alone = invoke("check", str(root / "cart.journey"))
    assert alone.exit_code == 0, alone.stdout
    assert alone.stdout == "checked 3 files, 1 journey: no problems found\n"
    company = invoke("check", str(root / "company.journey"))
    assert company.stdout == "checked 1 file, 0 journeys: no problems found\n"
    ir = json.loads(invoke("ir", str(root / "cart.journey")).stdout)
    assert ir["files"] == ["cart.journey", "company.journey", "events.journey"]
    whole = invoke("check", str(root))
    assert whole.exit_code == 1
    assert "--> unrelated.journey:" in whole.stdout


def test_a_single_file_inside_a_project_reports_only_its_own_problems(make_project):
    files = broken_files()
    root = make_project({"cart.journey": files["cart.journey"], "growth/promo.journey": files["promo.journey"]})
    (root / "journeyc.toml").write_text("", encoding="utf-8")

    promo = invoke("check", str(root / "growth" / "promo.journey"), "--output-format", "json")
    assert promo.exit_code == 1
    document = json.loads(promo.stdout)
    assert [(d["code"], d["location"]["file"], d["location"]["line"]) for d in document["diagnostics"]] == [
        ("J101", "growth/promo.journey", 1),
        ("J114", "growth/promo.journey", 2),
    ]
    # Places elsewhere are still named relative to the project folder.
    assert document["diagnostics"][0]["related"][0]["location"]["file"] == "cart.journey"
    assert document["summary"] == {"files": 1, "journeys": 0, "errors": 2, "warnings": 0}

    cart = invoke("check", str(root / "cart.journey"))
    assert cart.exit_code == 1
    assert re.findall(r"(?m)^error\[(J\d{3})\]: ", cart.stdout) == ["J102"]
    assert cart.stdout.endswith("checked 1 file, 1 journey: 1 error and 0 warnings\n")

    company = invoke("check", str(root / "company.journey"))
    assert company.exit_code == 0
    assert company.stdout == "checked 1 file, 0 journeys: no problems found\n"


# ---------------------------------------------------------------- exit codes and the summary line


def test_a_clean_project_exits_0_with_the_summary(make_project):
    process = run("check", str(make_project()))
    assert process.returncode == 0
    assert process.stdout == "checked 3 files, 1 journey: no problems found\n"
    assert process.stderr == ""


def test_a_project_with_errors_exits_1_with_the_summary(make_project):
    process = run("check", str(make_project(broken_files())), "--no-color")
    assert process.returncode == 1
    assert process.stdout.endswith("\nchecked 4 files, 1 journey: 3 errors and 0 warnings\n")
    headers = re.findall(r"(?m)^error\[(J\d{3})\]: ", process.stdout)
    assert headers == ["J102", "J101", "J114"]
    for location in ("cart.journey:16:8", "promo.journey:1:7", "promo.journey:2:23"):
        assert f"--> {location}\n" in process.stdout


def test_the_summary_is_singular_for_one(tmp_path):
    (tmp_path / "one.journey").write_text("team ;\n", encoding="utf-8")
    result = invoke("check", str(tmp_path))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "checked 1 file, 0 journeys: 1 error and 0 warnings"


# ---------------------------------------------------------------- --output-format json


def _source_line(root: Path, file: str, line: int) -> str:
    path = stdlib_dir() / file.removeprefix("stdlib/") if file.startswith("stdlib/") else root / file
    return path.read_text(encoding="utf-8").split("\n")[line - 1]


def _spanned(root: Path, location: dict) -> str:
    assert location["line"] == location["end_line"]
    return _source_line(root, location["file"], location["line"])[location["column"] - 1 : location["end_column"] - 1]


def test_json_format_version_1(make_project):
    root = make_project(broken_files())
    result = invoke("check", str(root), "--output-format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert list(document) == ["version", "summary", "diagnostics"]
    assert document["version"] == 1
    assert list(document["summary"]) == ["files", "journeys", "errors", "warnings"]
    diagnostics = document["diagnostics"]
    assert document["summary"] == {
        "files": 4,
        "journeys": 1,
        "errors": sum(d["severity"] == "error" for d in diagnostics),
        "warnings": sum(d["severity"] == "warning" for d in diagnostics),
    }
    assert document["summary"]["errors"] == 3
    for diagnostic in diagnostics:
        assert list(diagnostic) == DIAGNOSTIC_KEYS
        assert re.fullmatch(r"J\d{3}", diagnostic["code"])
        assert diagnostic["severity"] in ("error", "warning")
        assert diagnostic["message"]
        assert diagnostic["label"] is None or isinstance(diagnostic["label"], str)
        assert diagnostic["help"] is None or isinstance(diagnostic["help"], str)
        assert isinstance(diagnostic["notes"], list)
        for location in [diagnostic["location"], *(r["location"] for r in diagnostic["related"])]:
            assert list(location) == LOCATION_KEYS
            assert not Path(location["file"]).is_absolute() and not location["file"].startswith(".")
            assert location["line"] >= 1 and location["column"] >= 1
        for related in diagnostic["related"]:
            assert list(related) == ["location", "message"]
    keys = [(d["location"]["file"], d["location"]["line"], d["location"]["column"], d["code"]) for d in diagnostics]
    assert keys == sorted(keys)

    by_code = {d["code"]: d for d in diagnostics}
    # Locations are 1-based and end_column is exclusive: the span is exactly the offending words.
    assert _spanned(root, by_code["J102"]["location"]) == '"Order Complete"'
    assert by_code["J102"]["location"] == {
        "file": "cart.journey", "line": 16, "column": 8, "end_line": 16, "end_column": 24,
    }  # fmt: skip
    assert _spanned(root, by_code["J101"]["location"]) == "CART10"
    assert by_code["J101"]["location"]["file"] == "promo.journey"
    assert [(r["location"]["file"], _spanned(root, r["location"])) for r in by_code["J101"]["related"]] == [
        ("cart.journey", "CART10")
    ]
    # A place in the stdlib is shown as stdlib/<module>.journey.
    assert _spanned(root, by_code["J114"]["location"]) == '"Product Viewed"'
    stdlib_places = [r["location"] for r in by_code["J114"]["related"]]
    assert [p["file"] for p in stdlib_places] == ["stdlib/ecommerce.journey"]
    assert _spanned(root, stdlib_places[0]) == '"Product Viewed"'


def test_json_format_is_plain_even_with_color(make_project):
    result = invoke("check", str(make_project(broken_files())), "--output-format", "json", "--color")
    assert result.exit_code == 1
    assert not ANSI.search(result.stdout)
    json.loads(result.stdout)


def test_json_format_keeps_unicode_readable(make_project):
    root = make_project({"café.journey": 'import "events.journey"\nsegment fans { any "Ordre Complété" }\n'})
    result = invoke("check", str(root), "--output-format", "json")
    assert result.exit_code == 1
    assert '"file": "café.journey"' in result.stdout
    assert json.loads(result.stdout)["diagnostics"][0]["message"] == 'unknown event "Ordre Complété"'


# ---------------------------------------------------------------- colour


def test_no_color_has_no_escapes_and_color_has_them(make_project):
    root = make_project(broken_files())
    plain = invoke("check", str(root), "--no-color")
    coloured = invoke("check", str(root), "--color")
    default = invoke("check", str(root))  # not a terminal: no colour
    assert plain.exit_code == coloured.exit_code == default.exit_code == 1
    assert not ANSI.search(plain.stdout)
    assert not ANSI.search(default.stdout)
    assert ANSI.search(coloured.stdout)
    assert ANSI.sub("", coloured.stdout) == plain.stdout


# ---------------------------------------------------------------- ir


def _sortable_project(tmp_path: Path) -> Path:
    """The base project plus names declared out of alphabetical order."""
    extra = (
        'import "company.journey"\nimport "events.journey"\n'
        "team zeta\nteam alpha\ncategory zz_last\ncategory aa_first\n"
        'segment zz_buyers { any "Order Completed" }\nsegment aa_reviewers { any "Product Reviewed" }\n'
        "message aa_welcome on email {\n"
        '  subject "Welcome"\n  text "Hello"\n}\n'
        "journey aa_welcome_series {\n"
        "  owner growth\n  category lifecycle\n"
        '  trigger "Signed Up"\n  send email aa_welcome\n}\n'
    )
    return write_project(tmp_path / "project", {**BASE_FILES, "more.journey": extra})


def test_ir_shape_and_sorted_keys(tmp_path):
    root = _sortable_project(tmp_path)
    document = json.loads(ir_of(root))
    assert list(document) == IR_KEYS
    assert document["ir_version"]
    assert document["files"] == ["cart.journey", "company.journey", "events.journey", "more.journey"]
    for kind in KEYED_BY_NAME:
        assert isinstance(document[kind], dict), kind
        assert list(document[kind]) == sorted(document[kind]), kind
    assert list(document["teams"]) == ["alpha", "growth", "support", "zeta"]
    assert list(document["journeys"]) == ["aa_welcome_series", "cart_recovery"]
    assert list(document["segments"]) == ["aa_reviewers", "zz_buyers"]
    journey = document["journeys"]["cart_recovery"]
    assert journey["name"] == "cart_recovery"
    assert journey["owner"]["name"] == "growth"
    assert journey["trigger"]["event"] == "Checkout Started"
    assert journey["span"]["file"] == "cart.journey" and journey["span"]["line"] >= 1
    assert [step["kind"] for step in journey["steps"]] == ["wait", "send"]


def test_ir_is_identical_across_runs(tmp_path):
    root = _sortable_project(tmp_path)
    assert ir_of(root) == ir_of(root)


@pytest.mark.slow
def test_ir_does_not_depend_on_the_hash_seed(tmp_path):
    root = _sortable_project(tmp_path)
    outputs = []
    for seed in ("0", "12345", "random"):
        process = run("ir", str(root), env={"PYTHONHASHSEED": seed})
        assert process.returncode == 0, process.stderr
        outputs.append(process.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    json.loads(outputs[0])


@pytest.mark.slow
def test_ir_does_not_depend_on_the_working_folder(tmp_path):
    root = _sortable_project(tmp_path)
    (root / "journeyc.toml").write_text("", encoding="utf-8")
    from_inside = run("ir", cwd=root)
    (root / "drafts" / "old").mkdir(parents=True)
    from_a_subfolder = run("ir", cwd=root / "drafts" / "old")
    from_outside = run("ir", str(root), cwd=tmp_path.parent)
    relative = run("ir", "project", cwd=tmp_path)
    assert from_inside.returncode == from_outside.returncode == relative.returncode == from_a_subfolder.returncode == 0
    assert from_inside.stdout == from_outside.stdout == relative.stdout == from_a_subfolder.stdout
    assert str(tmp_path) not in from_inside.stdout, "no absolute path in the IR"


def test_ir_of_a_project_with_errors_prints_diagnostics_not_a_partial_ir(make_project):
    process = run("ir", str(make_project(broken_files())))
    assert process.returncode == 1
    assert process.stdout == "", "no partial IR on stdout"
    assert re.findall(r"(?m)^error\[(J\d{3})\]", process.stderr) == ["J102", "J101", "J114"]
    assert "--> cart.journey:16:8" in process.stderr
    assert process.stderr.rstrip().endswith("checked 4 files, 1 journey: 3 errors and 0 warnings")
    assert not ANSI.search(process.stderr)


# ---------------------------------------------------------------- schema


def _schema() -> dict:
    result = invoke("schema")
    assert result.exit_code == 0
    return json.loads(result.stdout)


def test_schema_is_a_valid_json_schema_that_the_ir_satisfies(tmp_path):
    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    document = json.loads(ir_of(_sortable_project(tmp_path)))
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_schema_rejects_what_is_not_an_ir(tmp_path):
    validator = jsonschema.Draft202012Validator(_schema())
    document = json.loads(ir_of(_sortable_project(tmp_path)))
    wrong_team = json.loads(json.dumps(document))
    wrong_team["teams"]["growth"]["span"]["line"] = "one"
    wrong_step = json.loads(json.dumps(document))
    wrong_step["journeys"]["cart_recovery"]["steps"][0]["kind"] = "teleport"
    for broken in (wrong_team, wrong_step, {**document, "journeys": []}):
        assert not validator.is_valid(broken)


def test_schema_is_stable():
    assert invoke("schema").stdout == invoke("schema").stdout
    process = run("schema", env={"PYTHONHASHSEED": "777"})
    assert process.returncode == 0
    assert process.stdout == invoke("schema").stdout


def test_schema_takes_no_path(make_project):
    result = CliRunner().invoke(main, ["schema", str(make_project())], prog_name="journeyc")
    assert result.exit_code == 2
    assert "Usage: journeyc schema" in result.output


# ---------------------------------------------------------------- the demo repository and the examples

JOURNEYS = REPO / "journeys"
EXAMPLES_DIR = REPO / "examples"
# While examples/ does not exist yet, one placeholder case fails (on purpose) instead of silently collecting nothing.
EXAMPLES = sorted(p for p in EXAMPLES_DIR.iterdir() if p.is_dir()) if EXAMPLES_DIR.is_dir() else [EXAMPLES_DIR]


def test_the_demo_journeys_check_without_errors_and_every_warning_is_explained():
    """journeys/ has no errors; a warning it carries is a true finding its README explains (by code)."""
    assert JOURNEYS.is_dir(), "journeys/ is missing"
    result = invoke("check", str(JOURNEYS), "--no-color", "--output-format", "json")
    assert result.exit_code == 0, result.stdout[-3000:]
    report = json.loads(result.stdout)
    assert report["summary"]["errors"] == 0
    readme = (JOURNEYS / "README.md").read_text(encoding="utf-8")
    for diagnostic in report["diagnostics"]:
        assert diagnostic["severity"] == "warning"
        assert f"warning[{diagnostic['code']}]" in readme, f"{diagnostic['code']} is not explained in the README"


# examples/conflicts plants problems on purpose (tests/test_conflicts.py checks exactly which).
CLEAN_EXAMPLES = [p for p in EXAMPLES if p.name != "conflicts"]


@pytest.mark.parametrize("example", CLEAN_EXAMPLES, ids=[p.name for p in CLEAN_EXAMPLES])
def test_each_example_checks_clean(example):
    assert example.is_dir(), f"{example} is missing"
    result = invoke("check", str(example), "--no-color")
    assert result.exit_code == 0, result.stdout[-3000:]
    assert result.stdout.rstrip("\n").endswith(": no problems found"), result.stdout
    assert not result.stdout.startswith("checked 0 files"), "an example without .journey files"


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_each_example_has_a_readme(example):
    assert (example / "README.md").is_file()


def test_the_demo_ir_has_every_journey():
    assert JOURNEYS.is_dir(), "journeys/ is missing"
    result = invoke("ir", str(JOURNEYS))
    assert result.exit_code == 0, result.output[-3000:]
    journeys = json.loads(result.stdout)["journeys"]
    missing = sorted(set(DEMO_JOURNEYS) - set(journeys))
    assert not missing, f"missing journeys: {missing}"
    for name in DEMO_JOURNEYS:
        journey = journeys[name]
        assert journey["owner"]["name"], name
        assert journey["category"]["name"], name
        assert journey["trigger"]["kind"] in ("event", "segment", "schedule"), name
        assert isinstance(journey["steps"], list) and journey["steps"], name


def test_the_demo_ir_satisfies_the_schema():
    assert JOURNEYS.is_dir(), "journeys/ is missing"
    document = json.loads(invoke("ir", str(JOURNEYS)).stdout)
    jsonschema.validate(document, _schema())


def test_the_program_runs_without_the_cyclic_collector_except_watch(monkeypatch):
    """`journeyc` (the console script) turns the collector off for commands that end, not for `watch`."""
    import gc

    from journeyc import cli

    seen = []
    monkeypatch.setattr(cli, "main", lambda prog_name: seen.append((sys.argv[1], gc.isenabled())))
    try:
        for command in ("check", "build", "watch"):
            gc.enable()
            monkeypatch.setattr(sys, "argv", ["journeyc", command, "journeys"])
            cli.run()
    finally:
        gc.enable()
    assert seen == [("check", False), ("build", False), ("watch", True)]


# ---------------------------------------------------------------- rules --family


@pytest.mark.parametrize(
    ("selector", "prefix"), [("J6", "J6"), ("j6", "J6"), ("J6xx", "J6"), ("J70", "J70"), ("J", "J")]
)
def test_rules_family_takes_a_code_prefix_as_the_settings_do(selector, prefix):
    from journeyc.rules import RULES

    result = CliRunner().invoke(main, ["rules", "--family", selector, "--output-format", "json"])
    assert result.exit_code == 0, result.output
    codes = [rule["code"] for rule in json.loads(result.output)["rules"]]
    assert codes == sorted(code for code in RULES if code.startswith(prefix))


@pytest.mark.parametrize("selector", ["J99", "6", "J6 ", "contact", "J6x1"])
def test_rules_family_that_selects_nothing_is_a_usage_error(selector):
    result = CliRunner().invoke(main, ["rules", "--family", selector])
    if selector == "J6 ":  # a stray space is forgiven, as in a family name
        assert result.exit_code == 0
        return
    assert result.exit_code == 2
    assert "is neither a family" in result.output and "a code prefix such as J6" in result.output
