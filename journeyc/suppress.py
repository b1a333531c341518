"""Inline suppressions and the project's settings, applied to the checks' diagnostics.

    send sms cart_discount   # journeyc: ignore[J501]       this line
    # journeyc: ignore[J703, J704]                           on its own line: the next line of code
    # journeyc: ignore-file[J502]                            the whole file

Syntax errors (J0xx) cannot be suppressed: a file that does not parse cannot be trusted. A suppression that
suppresses nothing is itself reported (J901), as is a code that does not exist (J902).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from journeyc import ir
from journeyc.config import Config
from journeyc.diagnostics import Diagnostic
from journeyc.rules import RULES

_LONG_TEXT = re.compile(r'"""(?:[^"]|"(?!""))*"""')
_COMMENT = re.compile(r"#\s*journeyc:\s*(?P<kind>ignore|ignore-file)\[(?P<codes>[^\]]*)\]")


@dataclass
class Suppression:
    file: str
    line: int  # the comment's own line (1-based)
    column: int
    codes: tuple[str, ...]
    applies_to: int | None  # the line it covers; None for the whole file
    used: set[str] = field(default_factory=set)

    def covers(self, diagnostic: Diagnostic) -> bool:
        if diagnostic.span.file != self.file or diagnostic.code not in self.codes:
            return False
        return self.applies_to is None or diagnostic.span.line == self.applies_to


def find_suppressions(path: str, text: str) -> list[Suppression]:
    """Every `# journeyc: ignore[...]` comment of one file (outside quoted texts)."""
    if "journeyc:" not in text:
        return []
    lines = text.split("\n")
    inside_long_text = _long_text_lines(text)
    found: list[Suppression] = []
    for index, line in enumerate(lines):
        if index + 1 in inside_long_text:
            continue
        for match in _COMMENT.finditer(line):
            if line[: match.start()].count('"') % 2:
                continue  # inside a quoted text
            codes = tuple(code.strip() for code in match.group("codes").split(",") if code.strip())
            own_line = not line[: match.start()].strip()
            if match.group("kind") == "ignore-file":
                applies_to = None
            elif own_line:
                applies_to = _next_code_line(lines, index)
            else:
                applies_to = index + 1
            found.append(Suppression(path, index + 1, match.start() + 1, codes, applies_to))
    return found


def _long_text_lines(text: str) -> set[int]:
    """Lines (1-based) that a triple-quoted text covers after its opening line: comments there are text."""
    covered: set[int] = set()
    for match in _LONG_TEXT.finditer(text):
        first = text.count("\n", 0, match.start()) + 1
        last = first + match.group().count("\n")
        covered.update(range(first + 1, last + 1))
    return covered


def _next_code_line(lines: list[str], index: int) -> int:
    for later in range(index + 1, len(lines)):
        stripped = lines[later].strip()
        if stripped and not stripped.startswith("#"):
            return later + 1
    return index + 1


def apply_settings(diagnostics: list[Diagnostic], config: Config, sources: dict[str, str]) -> list[Diagnostic]:
    """Drop what is suppressed or not selected, set configured severities, report useless suppressions."""
    suppressions = [s for path in sorted(sources) for s in find_suppressions(path, sources[path])]
    kept: list[Diagnostic] = []
    for diagnostic in diagnostics:
        if not diagnostic.code.startswith("J0"):
            if not config.enabled(diagnostic.code, diagnostic.span.file):
                continue
            covering = [s for s in suppressions if s.covers(diagnostic)]
            if covering:
                for suppression in covering:
                    suppression.used.add(diagnostic.code)
                continue
        kept.append(_with_severity(diagnostic, config))
    for suppression in suppressions:
        kept.extend(_suppression_problems(suppression, config))
    return kept


def _with_severity(diagnostic: Diagnostic, config: Config) -> Diagnostic:
    severity = config.severity_of(diagnostic.code, diagnostic.severity)
    return diagnostic if severity == diagnostic.severity else diagnostic.model_copy(update={"severity": severity})


def _suppression_problems(suppression: Suppression, config: Config) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    span = ir.Span(
        file=suppression.file,
        line=suppression.line,
        column=suppression.column,
        end_line=suppression.line,
        end_column=suppression.column + 1,
    )
    for code in suppression.codes:
        if code not in RULES:
            problems.append(
                Diagnostic(
                    code="J902",
                    severity="warning",
                    message=f'"{code}" is not a journeyc rule',
                    span=span,
                    label="unknown code",
                    help="`journeyc rules` lists the codes",
                )
            )
        elif code.startswith("J0"):
            problems.append(
                Diagnostic(
                    code="J901",
                    severity="warning",
                    message=f"{code} is a syntax error and cannot be suppressed",
                    span=span,
                    label="has no effect",
                    help="fix the syntax error instead: a file that does not parse cannot be checked",
                )
            )
        elif code not in suppression.used and config.enabled(code, suppression.file):
            where = "in this file" if suppression.applies_to is None else f"on line {suppression.applies_to}"
            problems.append(
                Diagnostic(
                    code="J901",
                    severity="warning",
                    message=f"the suppression of {code} suppresses nothing",
                    span=span,
                    label=f"no {code} is reported {where}",
                    help="remove it, so that it does not hide a future problem",
                )
            )
    return [_with_severity(p, config) for p in problems if config.enabled(p.code, p.span.file)]
