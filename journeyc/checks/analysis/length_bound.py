"""A cheap upper bound on a template's rendered length, so that most messages need no rendering to be measured.

messages.py renders a template with stand-in values only when this bound cannot prove it fits its limit.
"""

from __future__ import annotations

from collections.abc import Callable

from journeyc.checks.analysis.sms import LIMITS, is_gsm_text
from journeyc.runtime.plain_templates import PlainTemplate


def surely_fits(
    template: PlainTemplate, kind: str, limit: int, width: Callable[[str, str], int | None], gsm_values: bool
) -> bool:
    """True only when even the longest values cannot make the rendered `template` exceed `limit`.

    Only plain templates (runtime/plain_templates.py) are bounded: a read `{{ root.attr }}` counts
    `width(root, attr)` characters (the most its stand-in can show; None when that is not known, e.g. a list,
    which leaves the template to the full measure) plus its default's text; the text of every `if` branch counts.
    For SMS every character counts twice (GSM-7 extension characters take two units), and only when the
    template's text and every stand-in value of the project are GSM-7 (`gsm_values`): one value outside it would
    switch the whole message to UCS-2 and its smaller segments.
    """
    texts = list(template.texts())
    total = sum(map(len, texts))
    for read in template.reads():
        shown = width(read.root, read.attr)
        if shown is None:
            return False
        total += shown
        if read.default is not None:
            total += len(read.default)
            texts.append(read.default)
    if kind == "sms":
        if not (gsm_values and all(map(is_gsm_text, texts))):
            return False
        # A long message is cut greedily: a two-unit character that does not fit a segment's last unit starts
        # the next one, so each segment may hold one unit less.
        single, per_segment = LIMITS["GSM-7"]
        return 2 * total <= (single if limit <= 1 else (per_segment - 1) * limit)
    return total <= limit
