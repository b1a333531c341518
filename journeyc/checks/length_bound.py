"""A cheap upper bound on a template's rendered length, so that most messages need no rendering to be measured.

messages.py renders a template with stand-in values only when this bound cannot prove it fits its limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from journeyc.checks.sms import LIMITS, is_gsm_text

_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.S)
_TAG = re.compile(r"\{%-?\s*(\w+)[^%]*%\}")
# A plain read, maybe with `| default('...')`, with or without whitespace control: nothing else is bounded.
_PLAIN_READ = re.compile(
    r"-?\s*(?P<root>profile|trigger|offer)\.(?P<attr>\w+)\s*"
    r"(?:\|\s*(?:default|d)\(\s*(?P<default>'[^'\\]*'|\"[^\"\\]*\")\s*\)\s*)?-?\s*"
)


def surely_fits(
    template: str, kind: str, limit: int, width: Callable[[str, str], int | None], gsm_values: bool
) -> bool:
    """True only when even the longest values cannot make the rendered `template` exceed `limit`.

    Only plain `{{ root.attr }}` reads (maybe with `| default('...')`) and `{% if %}` blocks are bounded: a read
    counts `width(root, attr)` characters (the most its stand-in can show; None when that is not known, e.g. a
    list, which leaves the template to the full measure) plus its default's text; every `if` branch counts. For
    SMS every character counts twice (GSM-7 extension characters take two units), and only when the template
    and every stand-in value of the project are GSM-7 (`gsm_values`): one value outside it would switch the
    whole message to UCS-2 and its smaller segments.
    """
    if "{#" in template:
        return False
    if "{%" in template:
        # `{% if %}` blocks: count every branch (an upper bound); any other block needs the full measure.
        if any(tag.group(1) not in ("if", "elif", "else", "endif") for tag in _TAG.finditer(template)):
            return False
        template = _TAG.sub("", template)
        if "{%" in template:
            return False
    if kind == "sms" and not (gsm_values and is_gsm_text(template)):
        return False
    total, last = 0, 0
    for match in _EXPRESSION.finditer(template):
        read = _PLAIN_READ.fullmatch(match.group(1))
        if read is None:
            return False
        shown = width(read.group("root"), read.group("attr"))
        if shown is None:
            return False
        default = read.group("default")
        total += match.start() - last + shown + (len(default) - 2 if default else 0)
        last = match.end()
    if "{{" in template[last:] or "}}" in template[last:]:
        return False
    total += len(template) - last
    if kind == "sms":
        # A long message is cut greedily: a two-unit character that does not fit a segment's last unit starts
        # the next one, so each segment may hold one unit less.
        single, per_segment = LIMITS["GSM-7"]
        return 2 * total <= (single if limit <= 1 else (per_segment - 1) * limit)
    return total <= limit
