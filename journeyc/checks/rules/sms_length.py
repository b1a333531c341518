"""An SMS longer than the settings allow (J501), measured on its text rendered with the longest plausible values
(rules/messages.py renders it), with the character that switched it to UCS-2 and what to write instead."""

from __future__ import annotations

from journeyc import ir
from journeyc.checks.analysis.sms import (
    LIMITS,
    characters,
    describe_character,
    first_non_gsm,
    gsm_replacement,
    is_gsm,
    sms_size,
)
from journeyc.checks.analysis.template_places import Placer
from journeyc.checks.context import CheckContext
from journeyc.diagnostics import Label


def check_sms_length(
    ctx: CheckContext,
    message: ir.Message,
    field: ir.MessageField,
    source: tuple[str, Placer],
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
    source: tuple[str, Placer], rendered: str, most: int, field: ir.MessageField
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
