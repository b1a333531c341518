"""How many segments an SMS costs: GSM-7 or UCS-2 encoding, and the characters that decide between them.

GSM-7 (GSM 03.38) fits 160 characters in one SMS, or 153 per segment when the message is split; the characters
of its extension table (^ { } \\ [ ] ~ | € and form feed) take two. One character outside GSM-7 switches the whole
message to UCS-2: 70 characters in one SMS, 67 per segment, counted in UTF-16 code units (an emoji takes two).
A two-unit character is never split across segments, so segments are filled greedily.

`check_sms_length` reports J501 from a text already rendered with the longest plausible values (messages.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from journeyc import ir
from journeyc.checks.context import CheckContext
from journeyc.checks.templates import _FilePlacer, _InlinePlacer
from journeyc.diagnostics import Label

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[]~|€")
GSM_CHARACTERS = GSM_BASIC | GSM_EXTENSION

# The opt-out keywords US carriers honour (CTIA Messaging Principles and Best Practices), in capitals as texts
# show them: "Reply STOP to opt out".
OPT_OUT = re.compile(r"\b(?:STOP|QUIT|END|REVOKE|OPT[ -]?OUT|CANCEL|UNSUBSCRIBE)\b")

# encoding -> (characters in a single SMS, characters per segment of a split one)
LIMITS = {"GSM-7": (160, 153), "UCS-2": (70, 67)}

# Look-alikes that switch a message to UCS-2, with the GSM-7 text to use instead.
REPLACEMENTS: dict[str, tuple[str, str]] = {
    "’": ("a curly apostrophe", "'"),
    "‘": ("a curly quote", "'"),
    "“": ("a curly quote", '"'),
    "”": ("a curly quote", '"'),
    "–": ("an en dash", "-"),
    "—": ("an em dash", "-"),
    "…": ("an ellipsis", "..."),
    "\u00a0": ("a non-breaking space", " "),
    "\t": ("a tab", " "),
    "•": ("a bullet", "-"),
}


@dataclass(frozen=True)
class SmsSize:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # characters as the network counts them (GSM-7 septets or UTF-16 code units)
    segments: int
    extension_characters: int  # GSM-7 characters that count 2

    def allowed_units(self, max_segments: int) -> int:
        """How many characters fit in `max_segments` segments of this encoding."""
        single, per_segment = LIMITS[self.encoding]
        return single if max_segments <= 1 else per_segment * max_segments


def is_gsm(char: str) -> bool:
    return char in GSM_BASIC or char in GSM_EXTENSION


def is_gsm_text(text: str) -> bool:
    """Whether every character of the text is GSM-7 (one set operation, not a call per character)."""
    return GSM_CHARACTERS.issuperset(text)


def first_non_gsm(text: str) -> int | None:
    """The index of the first character that forces UCS-2, or None when the text is GSM-7."""
    if is_gsm_text(text):
        return None
    return next((i for i, char in enumerate(text) if not is_gsm(char)), None)


def _units(char: str, encoding: str) -> int:
    if encoding == "GSM-7":
        return 2 if char in GSM_EXTENSION else 1
    return len(char.encode("utf-16-le")) // 2


def sms_size(text: str) -> SmsSize:
    encoding = "GSM-7" if is_gsm_text(text) else "UCS-2"
    extension = sum(map(text.count, GSM_EXTENSION)) if encoding == "GSM-7" else 0
    # The sum of every character's units (`_units`), counted without a call per character.
    units = len(text) + extension if encoding == "GSM-7" else len(text.encode("utf-16-le")) // 2
    single, per_segment = LIMITS[encoding]
    segments = 1
    if units > single:
        segments, filled = 1, 0
        for width in (_units(char, encoding) for char in text):
            if filled + width > per_segment:
                segments, filled = segments + 1, 0
            filled += width
    return SmsSize(encoding=encoding, units=units, segments=segments, extension_characters=extension)


def describe_character(char: str) -> str:
    """A marketer's name for a character: "a curly apostrophe", "an emoji", "é (latin small letter e with acute)"."""
    if char in REPLACEMENTS:
        return REPLACEMENTS[char][0]
    if ord(char) >= 0x1F000 or unicodedata.category(char) == "So":
        return "an emoji or symbol"
    name = unicodedata.name(char, "")
    return name.lower() if name else f"U+{ord(char):04X}"


def gsm_replacement(char: str) -> str | None:
    """The GSM-7 text to write instead of `char`, when there is an obvious one."""
    if char in REPLACEMENTS:
        return REPLACEMENTS[char][1]
    decomposed = unicodedata.normalize("NFKD", char)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain if plain and plain != char and all(is_gsm(c) for c in plain) else None


def characters(count: int) -> str:
    return f"{count} character" if count == 1 else f"{count} characters"


def check_sms_length(
    ctx: CheckContext,
    message: ir.Message,
    field: ir.MessageField,
    source: tuple[str, _InlinePlacer | _FilePlacer],
    rendered: str,
    measure_note: str | None,
) -> None:
    """J501: the text, rendered with the longest plausible values, needs more segments than the settings allow."""
    size = sms_size(rendered)
    most = ctx.config.sms_max_segments
    if size.segments <= most:
        return
    allowed = size.allowed_units(most)
    segments = "1 segment" if most == 1 else f"{most} segments"
    notes = [measure_note] if measure_note else []
    labels: list[Label] = []
    if size.extension_characters:
        notes.append(
            f"{size.extension_characters} characters of the GSM-7 extension table (^ {{ }} \\ [ ] ~ | €) count 2"
        )
    cut = f"cut at least {characters(size.units - allowed)} to fit in {segments} ({allowed} with {size.encoding})"
    if size.encoding == "UCS-2":
        note, label = _ucs2_reason(source, rendered, most, field)
        notes.append(note)
        labels += [label] if label is not None else []
        plain = "".join(c if is_gsm(c) else gsm_replacement(c) or c for c in rendered)
        if first_non_gsm(plain) is None and (gsm := sms_size(plain)).segments <= most:
            fits = f"{gsm.units} of {gsm.allowed_units(most)} characters"
            odd = list(dict.fromkeys(c for c in rendered if not is_gsm(c)))
            plainly = (
                f'use {gsm_replacement(odd[0])} instead of "{odd[0]}"' if len(odd) == 1 else "use plain characters"
            )
            cut = f"{plainly} and it fits in {segments} of GSM-7 ({fits}); or {cut}"
    ctx.report(
        "J501",
        f'the SMS "{message.name}" needs {size.segments} segments '
        f"({size.units} characters with the longest plausible values; {size.encoding})",
        field.value_span,
        f"{size.segments} segments, at most {most} allowed",
        help=cut,
        labels=tuple(labels),
        notes=tuple(notes),
    )


def _ucs2_reason(
    source: tuple[str, _InlinePlacer | _FilePlacer], rendered: str, most: int, field: ir.MessageField
) -> tuple[str, Label | None]:
    """Which character switched the SMS to UCS-2, where it is, and what GSM-7 would give instead."""
    template, placer = source
    shown = set(rendered)  # a character in a {# comment #} or a {% tag %} is never sent
    in_template = next((i for i, c in enumerate(template) if not is_gsm(c) and c in shown), None)
    text = template if in_template is not None else rendered
    index = in_template if in_template is not None else first_non_gsm(rendered) or 0
    char = text[index]
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    where = f"line {line}, column {column} of the text" if in_template is not None else "a value it shows"
    single, per_segment = LIMITS["UCS-2"]
    per = f"{single} characters" if most == 1 else f"{per_segment} characters per segment"
    note = f'"{char}" ({describe_character(char)}, at {where}) switches the message to UCS-2: {per}'
    replacement = gsm_replacement(char)
    if replacement is not None:
        note += f"; use {replacement} instead"
    others = {c for c in rendered if not is_gsm(c)} - {char}
    if others:
        note += f" (and {len(others)} more character{'s' if len(others) > 1 else ''} outside GSM-7)"
    if in_template is None:
        return note, None
    span = placer.span(line, template.split("\n")[line - 1], char)
    return note, (Label(span=span, message="switches the SMS to UCS-2") if span != field.value_span else None)
