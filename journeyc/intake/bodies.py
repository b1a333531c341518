"""A request's body, read within its limit: size (before and after gzip), UTF-8, strict JSON, nesting depth.

Segment's limits: 32 KB per call, 500 KB per batch request. A body past its limit is refused with 413 as soon as
the limit is passed (a 10 MB body is not read to its end); a gzip body is inflated only up to the limit too.
JSON is read strictly (orjson): NaN and Infinity, invalid UTF-8 and nesting past `MAX_DEPTH` are refused with
400, each with its reason.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from typing import Any

import orjson

CALL_LIMIT = 32 * 1024  # bytes of one call (its JSON as sent)
BATCH_LIMIT = 500 * 1024  # bytes of a batch request
MAX_DEPTH = 16  # objects and lists inside a call's properties, traits or context


class BodyError(Exception):
    """A body the intake refuses: the HTTP status and the reason sent back."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_body(chunks: AsyncIterator[bytes], limit: int, encoding: str | None) -> bytes:
    """The body's bytes (inflated when `encoding` is gzip), at most `limit` of them; BodyError past it."""
    encoding = (encoding or "identity").strip().lower()
    if encoding not in ("identity", "gzip"):
        raise BodyError(415, f"content encoding {encoding!r} is not supported (send gzip or none)")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip" else None
    parts: list[bytes] = []
    size = 0
    try:
        async for chunk in chunks:
            if inflater is not None:
                chunk = inflater.decompress(chunk, limit + 1 - size)
                if inflater.unconsumed_tail:  # (more than the limit would come out of this chunk)
                    size = limit + 1
            size += len(chunk)
            if size > limit:
                raise BodyError(413, f"the body is larger than {limit // 1024} KB")
            parts.append(chunk)
        if inflater is not None:
            tail = inflater.flush()
            if len(tail) + size > limit:
                raise BodyError(413, f"the body is larger than {limit // 1024} KB")
            parts.append(tail)
            if not inflater.eof:
                raise BodyError(400, "the gzip body ends too soon")
    except zlib.error as error:
        raise BodyError(400, f"the body is not valid gzip ({error})") from None
    return b"".join(parts)


def parse_json(body: bytes) -> Any:
    """The body's JSON value; BodyError (400) for invalid UTF-8, invalid JSON (NaN and Infinity included)."""
    if not body.strip():
        raise BodyError(400, "the body is empty: send a JSON object")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BodyError(400, f"the body is not valid UTF-8 (byte {error.start})") from None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise BodyError(400, f"the body is not valid JSON: {error}") from None


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether objects and lists nest deeper than `limit` in `value`."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if type(item) is dict:
            item = item.values()
        elif type(item) is not list:
            continue
        if depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in item if type(child) is dict or type(child) is list)
    return False
