"""The rule catalogue: every rule is documented, and every documented example fails and its fix passes.

Each page in journeyc/rule_docs/ has an Example (a project snippet that must raise the rule) and a How to fix
(the same snippet corrected, which must not raise it). Both are checked on top of tests/fixtures/rule_base/.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO, check

from journeyc.rules import FAMILIES, RULES, family_of, rule_doc

BASE = Path(__file__).parent / "fixtures" / "rule_base"
SECTIONS = ("## What it does", "## Why it matters", "## Example", "## How to fix")
BLOCK = re.compile(r"```journey\n(.*?)```", re.S)
FILE_MARK = re.compile(r"^# file: (\S+)\n", re.M)
# Rules whose failing input cannot be written in a Markdown page: their fixtures are bytes, built here.
BYTE_FIXTURES: dict[str, tuple[bytes, bytes]] = {
    "J005": (
        b'import "company.journey"\nteam caf\xe9 "Caf\xe9"\n',
        'import "company.journey"\nteam cafe "Café"\n'.encode(),
    ),
    "J006": (
        b'import "company.journey"\nsegment deep { ' + b"(" * 70 + b'profile.tier == "gold"' + b")" * 70 + b" }\n",
        b'import "company.journey"\nsegment deep { ' + b"(" * 3 + b'profile.tier == "gold"' + b")" * 3 + b" }\n",
    ),
}


def split_files(block: str) -> dict[str, str]:
    """A code block's files: `# file: path` lines start a new file; a block without them is example.journey."""
    marks = list(FILE_MARK.finditer(block))
    if not marks:
        return {"example.journey": block}
    files = {}
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        files[mark.group(1)] = block[mark.end() : following.start() if following else len(block)]
    return files


def fixtures(code: str) -> tuple[dict[str, bytes], dict[str, bytes]]:
    if code in BYTE_FIXTURES:
        bad, good = BYTE_FIXTURES[code]
        return {"example.journey": bad}, {"example.journey": good}
    doc = rule_doc(code) or ""
    example, fix = doc.split("## How to fix", 1)
    bad_blocks, good_blocks = BLOCK.findall(example), BLOCK.findall(fix)
    assert bad_blocks and good_blocks, f"{code}: the Example and How to fix sections each need a ```journey block"
    encode = lambda files: {k: v.encode() for k, v in files.items()}  # noqa: E731
    return encode(split_files(bad_blocks[0])), encode(split_files(good_blocks[0]))


def run(tmp_path: Path, files: dict[str, bytes]):
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    for relative, data in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return check(root)


def test_the_base_project_is_clean(tmp_path):
    assert run(tmp_path, {}).diagnostics == []


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_has_a_page_with_the_four_sections(code):
    doc = rule_doc(code)
    assert doc is not None, f"journeyc/rule_docs/{code}.md is missing"
    rule = RULES[code]
    assert doc.startswith(f"# {code} {rule.name}\n")
    positions = [doc.find(section) for section in SECTIONS]
    assert -1 not in positions and positions == sorted(positions), f"{code}: sections missing or out of order"


@pytest.mark.parametrize("code", sorted(RULES))
def test_the_example_raises_the_rule_and_the_fix_does_not(code, tmp_path):
    bad, good = fixtures(code)
    failing = run(tmp_path / "bad", bad)
    assert code in {d.code for d in failing.diagnostics}, f"{code}: the example does not raise it"
    passing = run(tmp_path / "good", good)
    assert code not in {d.code for d in passing.diagnostics}, f"{code}: the fix still raises it"
    assert not [d for d in passing.diagnostics if d.severity == "error"], f"{code}: the fix has errors"


def test_codes_are_grouped_by_family():
    for code, rule in RULES.items():
        assert re.fullmatch(r"J\d{3}", code)
        assert rule.family == family_of(code) and code[:2] in FAMILIES
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert len({rule.name for rule in RULES.values()}) == len(RULES)


@pytest.mark.parametrize("code", sorted(RULES))
def test_explain_works_for_every_rule(code):
    from click.testing import CliRunner

    from journeyc.cli import main

    result = CliRunner().invoke(main, ["explain", code])
    assert result.exit_code == 0, result.output
    assert code in result.output and RULES[code].name in result.output
    for section in ("What it does", "Why it matters", "Example", "How to fix"):
        assert section in result.output


# ---------------------------------------------------------------- from a code to the code that reports it
def codes_written_in_each_module() -> dict[str, set[str]]:
    """Module (dotted) -> the rule codes its source writes as string literals (outside docstrings and comments)."""
    written: dict[str, set[str]] = {}
    for path in sorted((REPO / "journeyc").rglob("*.py")):
        module = ".".join(path.relative_to(REPO).with_suffix("").parts)
        if module == "journeyc.rules":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"J\d{3}", node.value):
                written.setdefault(module, set()).add(node.value)
    return written


WRITTEN = codes_written_in_each_module()


@pytest.mark.parametrize("code", sorted(RULES))
def test_each_rule_names_every_module_that_reports_it_and_no_other(code):
    rule = RULES[code]
    assert rule.modules, f"{code}: add the module that reports it to REPORTED_BY in journeyc/rules.py"
    reporting = sorted(module for module, codes in WRITTEN.items() if code in codes)
    assert sorted(rule.modules) == reporting
    assert all((REPO / file).is_file() for file in rule.files)


def test_no_module_reports_a_code_the_catalogue_does_not_have():
    assert set().union(*WRITTEN.values()) <= set(RULES)


def test_rule_checks_and_shared_helpers_live_apart():
    """checks/rules/ holds the modules that report rules, checks/analysis/ what they share and report nothing."""
    checks = REPO / "journeyc" / "checks"
    for folder, reports in (("rules", True), ("analysis", False)):
        modules = [path for path in sorted((checks / folder).glob("*.py")) if path.name != "__init__.py"]
        assert modules
        for path in modules:
            module = ".".join(path.relative_to(REPO).with_suffix("").parts)
            assert bool(WRITTEN.get(module)) == reports, module
