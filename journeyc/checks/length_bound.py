"""A cheap upper bound on a template's rendered length, so that most messages need no rendering to be measured.

messages.py renders a template with stand-in values only when this bound cannot prove it fits its limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from journeyc.checks.sms import LIMITS, is_gsm

_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.S)
_TAG = re.compile(r"\{%-?\s*(\w+)[^%]*%\}")
_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
_READ = re.compile(r"\b(?:profile|trigger|offer)\.\w+")
_DEFAULT_CALL = re.compile(r"default\(\s*(?:'[^']*'|\"[^\"]*\")\s*\)")
# `{{ profile.x }}`, maybe with `| default('...')`: it shows the trait's stand-in value and nothing else.
_TRAIT_READ = re.compile(r"-?\s*profile\.(\w+)\s*(?:\|\s*default\(\s*(?:'[^']*'|\"[^\"]*\")\s*\)\s*)?-?")


def surely_fits(template: str, kind: str, limit: int, longest: int, shown_trait: Callable[[str], str | None]) -> bool:
    """True only when even the longest values cannot make the rendered `template` exceed `limit`.

    A placeholder counts as `longest` characters a read, except a plain `{{ profile.x }}`, which counts the
    length of the trait's stand-in (`shown_trait(x)`, None when that is not a plain value). Only plain
    `{{ reads }}` (with `default('...')` and argument-less filters) are bounded; loops, calls and arithmetic are
    left to the full measure. Every character is counted twice for SMS (GSM-7 extension characters take two
    units); a text with a non-GSM character is not bounded.
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
    if kind == "sms" and not all(is_gsm(char) for char in template):
        return False
    total, last = 0, 0
    for match in _EXPRESSION.finditer(template):
        inner = _DEFAULT_CALL.sub("", match.group(1))
        if any(mark in inner for mark in ("(", "*", "%", "[")):
            return False
        literals = sum(len(text) - 2 for text in _LITERAL.findall(match.group(1)))
        trait = _TRAIT_READ.fullmatch(match.group(1))
        shown = shown_trait(trait.group(1)) if trait is not None else None
        if shown is not None and (kind != "sms" or all(is_gsm(char) for char in shown)):
            width = len(shown)
        else:
            width = max(1, len(_READ.findall(inner))) * longest
        total += match.start() - last + width + literals
        last = match.end()
    if "{{" in template[last:] or "}}" in template[last:]:
        return False
    total += len(template) - last
    if kind == "sms":
        single, multi = LIMITS["GSM-7"]
        return 2 * total <= (single if limit == 1 else multi * limit)
    return total <= limit
