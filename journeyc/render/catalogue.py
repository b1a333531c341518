"""The rule catalogue for people: the `rules` table (text or JSON) and `explain`'s rule page as plain text."""

from __future__ import annotations

import difflib
import json
import re

from journeyc.rules import FAMILIES, RULES, Rule, rule_doc

RULES_URL = "https://journeyc.dev/rules/"
CATALOGUE_FORMAT_VERSION = 1
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def rule_url(code: str) -> str:
    return RULES_URL + code


def family_prefix(family: str) -> str:
    return next((prefix for prefix, name in FAMILIES.items() if name == family), "")


def rules_in(family: str | None = None) -> list[Rule]:
    """Rules sorted by code (which also groups them by family), optionally of one family."""
    return sorted((r for r in RULES.values() if family is None or r.family == family), key=lambda r: r.code)


def rules_selected(selector: str) -> list[Rule]:
    """`rules --family`: the rules of the family named `selector` (any case), or whose codes start with it as the
    settings' `select` does (`J6`, `j70`, `J6xx`); empty when it names neither."""
    text = selector.strip()
    if text.lower() in FAMILIES.values():
        return rules_in(text.lower())
    prefix = text.upper().removesuffix("XX").removesuffix("X")
    if not re.fullmatch(r"J\d{0,3}", prefix):
        return []
    return [rule for rule in rules_in() if rule.code.startswith(prefix)]


def find_rule(text: str) -> Rule | None:
    """The rule a user means by a code (any case: `j101`) or a rule name (`duplicate-definition`)."""
    wanted = text.strip()
    by_name = {rule.name: rule for rule in RULES.values()}
    return RULES.get(wanted.upper()) or by_name.get(wanted.lower())


def suggest_rule(text: str) -> str | None:
    """The code closest to a mistyped one (`J1O1`, `101`, `J10l`), or to a mistyped rule name."""
    wanted = text.strip().upper().translate(str.maketrans("OIL", "011"))
    if wanted.isdigit():
        wanted = "J" + wanted
    if wanted in RULES:
        return wanted
    one_off = [code for code in sorted(RULES) if len(code) == len(wanted) and _differences(code, wanted) == 1]
    if one_off:
        return one_off[0]
    names = difflib.get_close_matches(text.strip().lower(), [rule.name for rule in RULES.values()], n=1)
    if names:
        return next(rule.code for rule in RULES.values() if rule.name == names[0])
    codes = difflib.get_close_matches(wanted, sorted(RULES), n=1)
    return codes[0] if codes else None


def _differences(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b, strict=True))


def render_rules_text(rules: list[Rule]) -> str:
    """A table per family: code, name, default severity and summary, in aligned columns."""
    name_width = max((len(r.name) for r in rules), default=0)
    blocks: list[str] = []
    family: str | None = None
    for rule in rules:
        if rule.family != family:
            family = rule.family
            prefix = family_prefix(family)
            blocks.append(f"\n{family} ({prefix}xx)" if prefix else f"\n{family}")
        blocks.append(f"  {rule.code}  {rule.name.ljust(name_width)}  {rule.severity.ljust(7)}  {rule.summary}")
    return "\n".join(blocks).lstrip("\n")


def render_rules_json(rules: list[Rule]) -> str:
    document = {
        "version": CATALOGUE_FORMAT_VERSION,
        "rules": [
            {
                "code": r.code,
                "name": r.name,
                "family": r.family,
                "severity": r.severity,
                "summary": r.summary,
                "url": rule_url(r.code),
            }
            for r in rules
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def page_sections(markdown: str) -> dict[str, str]:
    """The page's `## ...` sections by heading, each as its Markdown body (code fences included)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_fence = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading and len(heading.group(1)) == 2:
            current = sections.setdefault(heading.group(2), [])
        elif current is not None:
            current.append(line)
    return {title: "\n".join(lines).strip("\n") for title, lines in sections.items()}


def full_description(rule: Rule) -> str:
    """The first paragraph of the page's "What it does" on one line; the summary when there is no page yet."""
    page = rule_doc(rule.code)
    body = page_sections(page).get("What it does", "") if page else ""
    paragraph = body.strip().split("\n\n")[0] if body.strip() else ""
    text = " ".join(line.strip() for line in paragraph.splitlines() if line.strip())
    return text or _sentence(rule.summary)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def markdown_to_text(markdown: str, indent: str = "  ") -> str:
    """Markdown as a terminal shows it: headings on their own lines, code blocks indented, no fences."""
    out: list[str] = []
    in_fence = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            if out and out[-1]:
                out.append("")  # a code block stands apart from the text around it
            continue
        if in_fence:
            out.append(indent * 2 + line if line.strip() else "")
            continue
        heading = _HEADING.match(line)
        if heading:
            if out and out[-1]:
                out.append("")
            out.append(heading.group(2))
            out.append("-" * len(heading.group(2)))
            continue
        out.append(indent + line if line.strip() else "")
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def render_explain(rule: Rule) -> str:
    """`journeyc explain`: the rule's code, name, family, default severity and the files that report it, then its
    page as plain text."""
    lines = [
        f"{rule.code} {rule.name}",
        "",
        f"family:            {rule.family}",
        f"default severity:  {rule.severity}",
        f"summary:           {rule.summary}",
        f"online:            {rule_url(rule.code)}",
        f"reported by:       {', '.join(rule.files)}",
    ]
    page = rule_doc(rule.code)
    if page is None:
        lines += ["", "This rule has no documentation page yet."]
        return "\n".join(lines)
    # The page's own title repeats the code and name printed above.
    first, _, rest = page.lstrip("\n").partition("\n")
    body = rest if _HEADING.match(first) and first.startswith("# ") else page
    lines += ["", markdown_to_text(body)]
    return "\n".join(lines)
