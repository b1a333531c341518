"""The Diagnostic model: every problem journeyc reports, in every output format, is one of these."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from journeyc.ir.base import Span

Severity = Literal["error", "warning"]


class Label(BaseModel):
    """A secondary place that explains a diagnostic; it may be in another file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    span: Span
    message: str


class Diagnostic(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    severity: Severity
    message: str
    span: Span
    label: str | None = None
    labels: tuple[Label, ...] = ()
    help: str | None = None
    notes: tuple[str, ...] = ()

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.file, self.span.line, self.span.column, self.code, self.message)


def sorted_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Stable order: by file, line, column, then code; exact duplicates removed."""
    unique = {(d.sort_key(), d.label, d.help): d for d in diagnostics}
    return [unique[k] for k in sorted(unique)]
