"""How many segments an SMS costs: GSM-7 or UCS-2 encoding, and the characters that decide between them.

GSM-7 (GSM 03.38) fits 160 characters in one SMS, or 153 per segment when the message is split; the characters
of its extension table (^ { } \\ [ ] ~ | € and form feed) take two. One character outside GSM-7 switches the whole
message to UCS-2: 70 characters in one SMS, 67 per segment, counted in UTF-16 code units (an emoji takes two).
A two-unit character is never split across segments, so segments are filled greedily.

rules/sms_length.py reports an SMS over its segments (J501) with these figures and words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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
