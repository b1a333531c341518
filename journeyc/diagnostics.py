"""The Diagnostic model: every problem journeyc reports, in every output format, is one of these."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from journeyc.ir.base import Span
from journeyc.runtime.plan_types import printable

Severity = Literal["error", "warning"]


def visible(text: str) -> str:
    """`text` with every character a terminal would act on or hide (ESC, CR, NUL, bidi controls, zero-width
    marks) written as its escape (`\\u001b`, `\\u202e`): a diagnostic quotes the user's names and texts, and
    printing them raw would let a source rewrite the report. Line breaks (a CRLF is one) and tabs stay."""
    if text.replace("\n", "").replace("\t", "").isprintable():
        return text
    return printable(text.replace("\r\n", "\n"), keep="\n\t")


class Label(BaseModel):
    """A secondary place that explains a diagnostic; it may be in another file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    span: Span
    message: str

    @field_validator("message")
    @classmethod
    def _visible_message(cls, text: str) -> str:
        return visible(text)


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

    @field_validator("message", "label", "help")
    @classmethod
    def _visible_text(cls, text: str | None) -> str | None:
        return None if text is None else visible(text)

    @field_validator("notes")
    @classmethod
    def _visible_notes(cls, notes: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(visible(note) for note in notes)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.file, self.span.line, self.span.column, self.code, self.message)


def sorted_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Stable order: by file, line, column, then code; exact duplicates removed."""
    unique = {(d.sort_key(), d.label, d.help): d for d in diagnostics}
    return [unique[k] for k in sorted(unique)]
