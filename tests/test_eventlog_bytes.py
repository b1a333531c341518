"""read_log over the bytes of a file opened in binary mode (as `journeyc simulate` reads a log) reads what it reads
over the same file in text mode with errors="replace" and lines ending at \\n (as it read logs before): every
entry, rejection, warning and duplicate, whatever the bytes (invalid UTF-8, byte order marks, CR, surrogates)."""

from __future__ import annotations

import io

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from test_eventlog import EVENTS, GOOD, IDENTIFY, SHAPES, track, typed

from journeyc.runtime.eventlog import ReadLog, read_log


def as_text(log: bytes) -> ReadLog:
    with io.TextIOWrapper(io.BytesIO(log), encoding="utf-8", errors="replace", newline="\n") as handle:
        return read_log(handle, EVENTS, SHAPES)


def as_bytes(log: bytes) -> ReadLog:
    with io.BytesIO(log) as handle:
        return read_log(handle, EVENTS, SHAPES)


def outcome(read: ReadLog):
    """Everything read_log gives, with the type of each value spelled out (1 and 1.0 differ)."""
    return (
        [typed(tuple(entry)) for entry in read.entries],
        [(r.line, r.reason, r.user_id, r.time) for r in read.rejected],
        [(r.line, r.reason, r.user_id, r.time) for r in read.warnings],
        read.duplicates,
    )


# A call with a messageId: invalid bytes in two messageIds may read as the same text ("m\ufffd"): a duplicate.
WITH_ID = '{"type": "identify", "userId": "u%s", "messageId": "m%s", "timestamp": "2026-03-02T10:00:00Z"}'
BOM = b"\xef\xbb\xbf"
NASTY = [
    b"\xff", b"\xfe", b"\x80", b"\xc0\x80", b"\xe2\x82", b"\xf4\x90\x80\x80", b"\xf0\x9f\x98",  # not UTF-8
    b"\xed\xa0\x80", b"\xed\xb0\x80", b"\xed\xa0\xbd\xed\xb8\x80",  # surrogates written as UTF-8 (CESU-8)
    b"\\ud800", b"\\udc00x", b"\\ud83d\\ude00",  # lone surrogates (and a pair) as JSON escapes
    BOM, b"\r", b"\r\n", b"\n", b"\x0c", b"\x00", b"\x1b", b" ", b"\t",
    "\u00e9".encode(), "\U0001f600".encode(), "\u2028".encode(), "\x85".encode(), "\ufffd".encode(),
    b"12345678901234567890123", b"-9223372036854775809", b"NaN", b"1e999", b'"', b"\\", b"{", b"}", b",",
]  # fmt: skip
GOOD_LINES = [
    (IDENTIFY % ('"u1"', '"a%sb"')).encode(),  # %s: where a nasty piece goes (inside a string)
    (WITH_ID % ("%s", "%s")).encode(),
    (WITH_ID % ("2", "%s")).encode(),
    track(**GOOD).encode(),
    (IDENTIFY % ('"u1"', "%s")).encode(),  # (outside a string)
]


@st.composite
def nasty_lines(draw) -> bytes:
    line = draw(st.sampled_from(GOOD_LINES))
    while b"%s" in line:
        line = line.replace(b"%s", b"".join(draw(st.lists(st.sampled_from(NASTY), max_size=2))), 1)
    for _ in range(draw(st.integers(0, 2))):  # anywhere in the line
        at = draw(st.integers(0, len(line)))
        line = line[:at] + draw(st.sampled_from(NASTY)) + line[at:]
    return draw(st.sampled_from([b"", BOM, BOM + BOM])) + line + draw(st.sampled_from([b"", b"\r", b" "]))


LOGS = st.builds(
    lambda lines, last_newline: b"\n".join(lines) + (b"\n" if last_newline else b""),
    st.lists(nasty_lines() | st.sampled_from([b"", b" ", b"\r", BOM]), max_size=6),
    st.booleans(),
)


@pytest.mark.slow
@settings(max_examples=examples(1500))
@given(LOGS)
def test_a_log_read_as_bytes_is_read_as_the_same_log_read_as_text(log):
    assert outcome(as_bytes(log)) == outcome(as_text(log))


@pytest.mark.parametrize(
    "log",
    [
        (IDENTIFY % ('"u1"', '"caf\xe9"')).encode("latin-1"),  # a file saved as Latin-1: U+FFFD
        (IDENTIFY % ('"u1"', '"\ud83d"')).encode("utf-8", "surrogatepass"),  # a surrogate written as UTF-8
        BOM + (IDENTIFY % ('"u1"', "1")).encode() + b"\r\n" + BOM + BOM + b"{}\r\n\r\n  \n",
        (IDENTIFY % ('"u\xff1"', "1")).encode("latin-1"),  # the userId itself
        b"\n".join((WITH_ID % ("1", x)).encode("latin-1") for x in ("\xff", "\xfe", "ok")),  # two read as "m\ufffd"
        (IDENTIFY % ('"u1"', "18446744073709551616")).encode() + b"\n" + b"\xff" * 3,  # no newline at the end
    ],
)
def test_nasty_bytes_are_read_as_text_mode_reads_them(log):
    assert outcome(as_bytes(log)) == outcome(as_text(log))


def test_bytes_that_are_not_utf8_are_read_as_replacement_characters():
    log = b"\n".join([(IDENTIFY % ('"u1"', '"caf\xe9"')).encode("latin-1"), BOM + (WITH_ID % ("1", "\xff")).encode("latin-1"),
                      (WITH_ID % ("2", "\xfe")).encode("latin-1"), b"\xff{}"])  # fmt: skip
    read = as_bytes(log)
    assert [(entry.line, entry.user_id, dict(entry.data), entry.message_id) for entry in read.entries] == [
        (1, "u1", {"v": "caf\ufffd"}, None),
        (2, "u1", {}, "m\ufffd"),
    ]
    assert read.duplicates == 1  # line 3: "m\xfe" reads as "m\ufffd" too
    assert [(r.line, r.reason) for r in read.rejected] == [(4, "not JSON (Expecting value)")]
