"""What a parsed file means, without where it was written: its IR with every position left out."""

from __future__ import annotations

from typing import Any

from journeyc import ir

_SPAN_FIELDS = frozenset(ir.Span.model_fields)
_POSITION_FIELDS = frozenset({"value_line", "value_column"})  # where a message's template text starts


def meaning(source: ir.SourceFile) -> dict[str, Any]:
    """The file's IR as plain data, spans and positions removed: two layouts of one file give equal meanings."""
    return _without_positions(source.model_dump())


def _without_positions(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _without_positions(item)
            for key, item in value.items()
            if key not in _POSITION_FIELDS and not (isinstance(item, dict) and item.keys() == _SPAN_FIELDS)
        }
    if isinstance(value, list | tuple):
        return [_without_positions(item) for item in value]
    return value
