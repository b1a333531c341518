"""The conflict corpus: small realistic projects, each planting one cross-journey collision or a near miss.

Every folder of tests/conflict_corpus/ is a project on top of tests/fixtures/rule_base/ (teams, channels, the
contact policy) and tests/conflict_corpus/shared.journey (offers and messages); a case may replace the policy.
Its case.toml says what it plants (`kind`), why, and exactly which findings journeyc must report: each as the
code and the journeys (for J702, the offers) it names. Any other diagnostic, of any code, is a false alarm,
and a missing one a miss: the corpus asks for every planted collision found and no false alarm.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from conftest import check, render

from journeyc.diagnostics import Diagnostic

CORPUS = Path(__file__).parent / "conflict_corpus"
BASE = Path(__file__).parent / "fixtures" / "rule_base"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "case.toml").is_file())

Finding = tuple[str, frozenset[str]]  # a code and the journeys (or offers) it names


@dataclass(frozen=True)
class Outcome:
    kind: str
    expected: list[Finding]
    found: list[Finding]
    report: str

    @property
    def missed(self) -> list[Finding]:
        return _minus(self.expected, self.found)

    @property
    def false_alarms(self) -> list[Finding]:
        return _minus(self.found, self.expected)


def _minus(a: list[Finding], b: list[Finding]) -> list[Finding]:
    rest = list(b)
    out = []
    for item in a:
        if item in rest:
            rest.remove(item)
        else:
            out.append(item)
    return out


def named(d: Diagnostic, journeys: set[str], offers: set[str]) -> frozenset[str]:
    """The journeys a diagnostic names in quotes (J702: the offers it names), in its message, labels and notes."""
    words = " ".join([d.message, d.label or "", *(label.message for label in d.labels), *d.notes])
    if d.code == "J702":
        return frozenset(o for o in offers if re.search(rf"\boffer {re.escape(o)}\b", words))
    return frozenset(j for j in journeys if f'"{j}"' in words)


@cache
def outcome(case: str, tmp: Path) -> Outcome:
    spec = tomllib.loads((CORPUS / case / "case.toml").read_text(encoding="utf-8"))
    root = tmp / case
    shutil.copytree(BASE, root)
    shutil.copy(CORPUS / "shared.journey", root / "shared.journey")
    for source in (CORPUS / case).glob("*.journey"):
        shutil.copy(source, root / source.name)
    result = check(root)
    journeys, offers = set(result.project.journeys), set(result.project.offers)
    found = [(d.code, named(d, journeys, offers)) for d in result.diagnostics]
    expected = [(code, frozenset(names)) for code, *names in spec["expect"]]
    return Outcome(spec["kind"], expected, found, render(result))


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus")


def describe(findings: list[Finding]) -> str:
    return ", ".join(f"{code} {sorted(names)}" for code, names in findings) or "nothing"


@pytest.mark.parametrize("case", CASES)
def test_each_case_reports_exactly_what_it_plants(case: str, corpus_dir: Path):
    result = outcome(case, corpus_dir)
    assert sorted(result.found, key=str) == sorted(result.expected, key=str), (
        f"{case}: expected {describe(result.expected)}, found {describe(result.found)}\n\n{result.report}"
    )


def test_the_corpus_has_every_collision_found_and_no_false_alarm(corpus_dir: Path):
    outcomes = {case: outcome(case, corpus_dir) for case in CASES}
    planted = sum(len(o.expected) for o in outcomes.values())
    missed = {case: o.missed for case, o in outcomes.items() if o.missed}
    alarms = {case: o.false_alarms for case, o in outcomes.items() if o.false_alarms}
    found = planted - sum(len(m) for m in missed.values())
    summary = (
        f"{len(CASES)} cases ({sum(o.kind == 'collision' for o in outcomes.values())} collisions, "
        f"{sum(o.kind == 'near miss' for o in outcomes.values())} near misses): recall {found}/{planted}, "
        f"{sum(len(a) for a in alarms.values())} false alarms\n"
        + "".join(f"  missed in {case}: {describe(m)}\n" for case, m in missed.items())
        + "".join(f"  false alarm in {case}: {describe(a)}\n" for case, a in alarms.items())
    )
    assert not missed and not alarms, summary
    assert len(CASES) >= 40 and all(o.kind in ("collision", "near miss") for o in outcomes.values()), summary
    assert all(o.expected for o in outcomes.values() if o.kind == "collision"), summary
    assert all(not o.expected for o in outcomes.values() if o.kind == "near miss"), summary
