"""The rule catalogue: every diagnostic code, its family and default severity. Codes never change meaning."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from journeyc.diagnostics import Severity


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    family: str
    severity: Severity
    summary: str
    modules: tuple[str, ...] = ()  # the modules that report it, as dotted names (from REPORTED_BY)

    @property
    def files(self) -> tuple[str, ...]:
        """The files that report it, relative to the repository: `journeyc/checks/rules/flow.py`."""
        return tuple(module.replace(".", "/") + ".py" for module in self.modules)


FAMILIES = {
    "J0": "syntax",
    "J1": "names",
    "J2": "types and templates",
    "J3": "values",
    "J4": "flow",
    "J5": "messages",
    "J6": "contact policy",
    "J7": "cross-journey conflicts",
    "J8": "channels",
    "J9": "suppressions",
}

_RULES = [
    # syntax
    Rule("J001", "unexpected-token", "syntax", "error", "the file does not follow the language's grammar here"),
    Rule("J002", "unexpected-character", "syntax", "error", "a character that has no meaning in a .journey file"),
    Rule("J003", "unterminated-text", "syntax", "error", "a quoted text is missing its closing quote"),
    Rule("J004", "unexpected-end", "syntax", "error", "the file ends in the middle of a declaration"),
    Rule("J005", "unreadable-file", "syntax", "error", "a project file or folder cannot be read, or is not UTF-8 text"),
    Rule("J006", "nested-too-deeply", "syntax", "error", "blocks or parentheses nested deeper than journeyc allows"),
    Rule(
        "J007",
        "text-direction-character",
        "syntax",
        "error",
        "an invisible text-direction control character (Trojan Source)",
    ),
    Rule("J008", "quote-ends-text", "syntax", "error", "a double quote inside a one-line text ends it early"),
    # names
    Rule("J101", "duplicate-definition", "names", "error", "two declarations of the same kind share a name"),
    Rule("J102", "unknown-event", "names", "error", "an event that is not in the tracking plan"),
    Rule("J103", "unknown-property", "names", "error", "a property the event, shape or profile does not have"),
    Rule("J104", "unknown-segment", "names", "error", "a segment that is not declared"),
    Rule("J105", "unknown-message", "names", "error", "a message that is not declared"),
    Rule("J106", "unknown-offer", "names", "error", "an offer that is not declared"),
    Rule("J107", "unknown-channel", "names", "error", "a channel that is not declared"),
    Rule("J108", "unknown-team", "names", "error", "a team that is not declared"),
    Rule("J109", "unknown-category", "names", "error", "a message category that is not declared"),
    Rule("J110", "unknown-type", "names", "error", "a property type that is neither built in nor a declared shape"),
    Rule("J111", "import-not-found", "names", "error", "an import names a file or stdlib module that does not exist"),
    Rule("J112", "import-outside-project", "names", "error", "an import path leaves the project or the stdlib"),
    Rule("J113", "import-cycle", "names", "error", "files import each other in a circle"),
    Rule("J114", "missing-import", "names", "error", "a name defined in a file this file does not import"),
    Rule("J115", "segment-cycle", "names", "error", "a segment refers to itself through other segments"),
    Rule("J116", "missing-setting", "names", "error", "a required setting of a declaration is missing"),
    Rule("J117", "repeated-setting", "names", "error", "a setting that may appear once is given twice"),
    Rule("J118", "unknown-trigger-key", "names", "error", "`trigger.x` used where the journey has no trigger event"),
    Rule("J119", "build-name-collision", "names", "error", "two names would be built into one file on some disks"),
    # types and templates
    Rule("J201", "type-mismatch", "types and templates", "error", "values of different types are compared"),
    Rule("J202", "list-as-scalar", "types and templates", "error", "a list property used as a single value"),
    Rule("J203", "not-a-condition", "types and templates", "error", "a value used where a yes/no condition belongs"),
    Rule(
        "J204", "not-in-enum", "types and templates", "error", "a text compared with a choice the property never takes"
    ),
    Rule("J205", "template-syntax", "types and templates", "error", "a message template that Jinja2 cannot parse"),
    Rule(
        "J206",
        "unknown-template-variable",
        "types and templates",
        "error",
        "a template reads a value that does not exist",
    ),
    Rule("J207", "template-file-not-found", "types and templates", "error", "a message field names a missing file"),
    Rule("J208", "invalid-message-field", "types and templates", "error", "a field the channel kind does not have"),
    Rule(
        "J209", "missing-message-field", "types and templates", "error", "a field the channel kind requires is missing"
    ),
    Rule("J210", "wrong-channel", "types and templates", "error", "a message sent on a channel it was not written for"),
    Rule(
        "J211", "invalid-default", "types and templates", "error", "a default value that does not fit the property type"
    ),
    Rule(
        "J212",
        "misplaced-behaviour",
        "types and templates",
        "error",
        "a behaviour condition where it cannot be evaluated",
    ),
    Rule(
        "J213",
        "invalid-address-trait",
        "types and templates",
        "error",
        "a channel address or consent trait of the wrong type",
    ),
    Rule(
        "J214",
        "unescaped-customer-data",
        "types and templates",
        "warning",
        "`| safe`, Markup or `autoescape false` applied to a trait or property in email HTML",
    ),
    Rule(
        "J215",
        "template-over-limit",
        "types and templates",
        "error",
        "a literal power, repeat or width that no render can make",
    ),
    Rule("J216", "invalid-json-body", "types and templates", "error", "a webhook body that is not JSON"),
    # values
    Rule("J301", "invalid-duration", "values", "error", "a duration with an unknown unit or no length"),
    Rule("J302", "invalid-time", "values", "error", "a time of day that does not exist"),
    Rule("J303", "unknown-time-zone", "values", "error", "a time zone that is not in the IANA database"),
    Rule("J304", "weights-not-100", "values", "error", "experiment weights and holdout that do not add up to 100%"),
    Rule("J305", "invalid-number", "values", "error", "a number where a whole or positive number is required"),
    Rule("J306", "invalid-weekday", "values", "error", "a day name that is not a weekday"),
    Rule("J307", "invalid-channel-kind", "values", "error", "a channel kind journeyc does not know"),
    Rule("J308", "invalid-date", "values", "error", "a calendar date that does not exist"),
    Rule("J309", "invalid-offer-value", "values", "error", "an offer value that is not a percent or a currency amount"),
    Rule("J310", "fractional-duration", "values", "error", "a duration that is not a whole number of its unit"),
    Rule("J311", "duration-too-long", "values", "error", "a duration longer than 10 years"),
    Rule("J312", "number-too-large", "values", "error", "a number with more digits than journeyc keeps exactly"),
    Rule(
        "J313",
        "time-zone-trait",
        "values",
        "warning",
        "a time zone trait local times do not read, or a `timezone` trait that is not one",
    ),
    # flow (one journey)
    Rule("J401", "unreachable-step", "flow", "warning", "a step that no customer can reach"),
    Rule("J402", "wait-never-matches", "flow", "warning", "a wait for an event whose filter can never match"),
    Rule("J403", "repeats-without-pause", "flow", "warning", "a journey that can send again on every trigger event"),
    Rule("J404", "empty-branch", "flow", "warning", "a branch or experiment arm with no steps"),
    Rule(
        "J405", "goal-is-trigger", "flow", "warning", "the goal is the trigger event, so the journey converts at once"
    ),
    # messages
    Rule("J501", "sms-too-long", "messages", "warning", "an SMS longer than the allowed number of segments"),
    Rule("J502", "push-too-long", "messages", "warning", "a push title or body longer than a phone shows"),
    Rule("J503", "email-subject-too-long", "messages", "warning", "an email subject longer than inboxes show"),
    Rule("J504", "missing-unsubscribe", "messages", "error", "a promotional email without an unsubscribe link"),
    Rule("J505", "whatsapp-not-template", "messages", "error", "a WhatsApp message that is not an approved template"),
    Rule("J506", "offer-missing", "messages", "error", "a message that shows an offer, sent without one"),
    Rule("J507", "offer-not-shown", "messages", "warning", "an offer sent with a message that never shows it"),
    Rule("J508", "sms-without-opt-out", "messages", "warning", "a promotional SMS that does not say how to opt out"),
    # contact policy (one journey against the policy)
    Rule(
        "J601",
        "always-quiet-hours",
        "contact policy",
        "warning",
        "a send that always falls in quiet hours and is dropped",
    ),
    Rule("J602", "journey-over-cap", "contact policy", "warning", "one journey sends more than a cap allows"),
    Rule("J603", "consent-never-given", "contact policy", "error", "a send to customers who can never have consented"),
    Rule(
        "J604",
        "triggered-by-suppression",
        "contact policy",
        "error",
        "a promotion started by the event that suppresses it",
    ),
    # cross-journey conflicts
    Rule(
        "J701",
        "conflicting-offers",
        "cross-journey conflicts",
        "warning",
        "two journeys answer one moment with two offers",
    ),
    Rule("J702", "offer-code-conflict", "cross-journey conflicts", "error", "one offer code with two different values"),
    Rule(
        "J703",
        "redundant-messages",
        "cross-journey conflicts",
        "warning",
        "two journeys send the same nudge on two channels",
    ),
    Rule(
        "J704",
        "cap-budget-overrun",
        "cross-journey conflicts",
        "warning",
        "journeys together send more than a cap allows",
    ),
    Rule(
        "J705",
        "suppression-breach",
        "cross-journey conflicts",
        "warning",
        "a promotion reaches customers in a suppression window",
    ),
    # channels
    Rule("J801", "channel-not-shared", "channels", "error", "a journey sends on a channel its owner team may not use"),
    Rule(
        "J802",
        "channel-without-consent",
        "channels",
        "warning",
        "a non-transactional send on a channel with no consent trait",
    ),
    # suppressions
    Rule("J901", "unused-suppression", "suppressions", "warning", "an ignore comment that suppresses nothing"),
    Rule(
        "J902",
        "unknown-code",
        "suppressions",
        "warning",
        "an ignore comment or setting naming a code that does not exist",
    ),
]

# Where each rule is reported: module -> the codes it reports (a rule may be reported in several places: J101 by
# the parser's builders and by the symbol table). tests/test_rules.py checks that each module reports its codes and
# that no other module reports them.
REPORTED_BY: dict[str, tuple[str, ...]] = {
    "journeyc.syntax.syntax_errors": ("J001", "J002", "J003", "J004"),
    "journeyc.pipeline": ("J005",),
    "journeyc.syntax.parser": ("J005",),
    "journeyc.syntax.recovery": ("J006",),
    "journeyc.syntax.text_checks": ("J007", "J008"),
    "journeyc.resolve.symbols": ("J101", "J102", "J104", "J105", "J106", "J107", "J108", "J109", "J110", "J114"),
    "journeyc.syntax.build": ("J101", "J116", "J117", "J305", "J308", "J309"),
    "journeyc.syntax.build_journey": ("J101", "J117", "J305", "J306"),
    "journeyc.checks.rules.declarations": (
        "J103",
        "J110",
        "J117",
        "J204",
        "J208",
        "J209",
        "J211",
        "J213",
        "J303",
        "J307",
        "J313",
    ),
    "journeyc.checks.rules.expressions": ("J103", "J118", "J201", "J202", "J203", "J204", "J212"),
    "journeyc.resolve.imports": ("J111", "J112", "J113"),
    "journeyc.checks.rules.segments": ("J115",),
    "journeyc.checks.rules.journeys": ("J116", "J118", "J206", "J210", "J304"),
    "journeyc.resolve.modules": ("J119",),
    "journeyc.checks.rules.templates": ("J205", "J206", "J207"),
    "journeyc.checks.rules.template_safety": ("J214", "J215", "J216"),
    "journeyc.syntax.build_expr": ("J301", "J302", "J310", "J311", "J312"),
    "journeyc.checks.rules.flow": ("J401", "J402", "J403", "J404", "J405"),
    "journeyc.checks.rules.sms_length": ("J501",),
    "journeyc.checks.rules.messages": ("J502", "J503", "J504", "J505", "J506", "J507", "J508"),
    "journeyc.checks.rules.policy_fit": ("J601", "J602", "J603", "J604", "J801", "J802"),
    "journeyc.checks.rules.conflicts": ("J701", "J702", "J703"),
    "journeyc.checks.rules.cap_budget": ("J704",),
    "journeyc.checks.rules.suppression_breach": ("J705",),
    "journeyc.suppress": ("J901", "J902"),
}

RULES: dict[str, Rule] = {
    rule.code: replace(rule, modules=tuple(module for module, codes in REPORTED_BY.items() if rule.code in codes))
    for rule in _RULES
}

DOCS_DIR = Path(__file__).with_name("rule_docs")


def rule_doc(code: str) -> str | None:
    """The rule's documentation page (What it does / Why it matters / Example / How to fix), as Markdown."""
    path = DOCS_DIR / f"{code}.md"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def family_of(code: str) -> str:
    return FAMILIES.get(code[:2], "other")
