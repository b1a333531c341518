"""Shared IR pieces: source spans and value types every declaration uses."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from journeyc.runtime.durations import UNITS


class Node(BaseModel):
    """Base of every IR model: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Span(Node):
    """A range in a source file; lines and columns start at 1, the end is exclusive."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def sort_key(self) -> tuple[str, int, int]:
        return (self.file, self.line, self.column)


class Duration(Node):
    """A length of time as the user wrote it (`7 days`) and in seconds."""

    seconds: Annotated[int, Field(ge=0)]
    text: str


class TimeOfDay(Node):
    """A wall-clock time in the customer's local time zone, e.g. 21:00."""

    hour: Annotated[int, Field(ge=0, le=23)]
    minute: Annotated[int, Field(ge=0, le=59)]

    def __str__(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"

    @property
    def seconds(self) -> int:
        """Seconds after midnight."""
        return self.hour * UNITS["hour"] + self.minute * UNITS["minute"]


class Name(Node):
    """A reference to a declaration, with where it was written."""

    name: str
    span: Span
