"""The `junit` format: JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines).

    testsuites            every checked file
      testsuite           one file
        testcase          one rule that fired in it (`J102 unknown-event`), one <failure> per problem;
                          a file without problems has one passing testcase, `journeyc check`

No timestamps or durations: the same project gives the same bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from journeyc.diagnostics import Diagnostic
from journeyc.render.concise import render_concise
from journeyc.rules import RULES

PASSING_CASE = "journeyc check"
# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\N{REPLACEMENT CHARACTER}", text)


def render_junit(diagnostics: list[Diagnostic], files: list[str], prefix: str = "") -> str:
    """The report for `files` (the files checked; files of diagnostics are added), paths behind `prefix`."""
    by_file: dict[str, dict[str, list[Diagnostic]]] = {file: {} for file in files}
    for diagnostic in diagnostics:
        by_file.setdefault(diagnostic.span.file, {}).setdefault(diagnostic.code, []).append(diagnostic)
    totals: dict[str, int] = defaultdict(int)
    root = ET.Element("testsuites", name="journeyc")
    for file in sorted(by_file):
        path = _xml_text(prefix + file)
        suite = ET.SubElement(root, "testsuite", name=path)
        cases = by_file[file]
        if not cases:
            ET.SubElement(suite, "testcase", name=PASSING_CASE, classname=path, file=path)
        for code in sorted(cases):
            rule = RULES.get(code)
            name = f"{code} {rule.name}" if rule else code
            case = ET.SubElement(suite, "testcase", name=name, classname=path, file=path)
            for diagnostic in cases[code]:
                failure = ET.SubElement(
                    case, "failure", message=_xml_text(diagnostic.message), type=diagnostic.severity
                )
                failure.text = _xml_text(_failure_text(diagnostic, prefix))
        counts = {
            "tests": max(len(cases), 1),
            "failures": len(cases),
            "errors": 0,
            "skipped": 0,
        }
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(totals[key]))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _failure_text(diagnostic: Diagnostic, prefix: str) -> str:
    lines = [prefix + render_concise(diagnostic)]
    lines += [
        f"  {prefix}{label.span.file}:{label.span.line}:{label.span.column}: {label.message}"
        for label in diagnostic.labels
    ]
    if diagnostic.help:
        lines.append(f"help: {diagnostic.help}")
    lines += [f"note: {note}" for note in diagnostic.notes]
    return "\n".join(lines)
