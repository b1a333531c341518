"""The rule catalogue: every diagnostic code, its family and default severity. Codes never change meaning."""

from __future__ import annotations

from dataclasses import dataclass

from journeyc.diagnostics import Severity


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    family: str
    severity: Severity
    summary: str


FAMILIES = {
    "J0": "syntax",
    "J1": "names",
    "J2": "types and templates",
    "J3": "values",
}

_RULES = [
    # syntax
    Rule("J001", "unexpected-token", "syntax", "error", "the file does not follow the language's grammar here"),
    Rule("J002", "unexpected-character", "syntax", "error", "a character that has no meaning in a .journey file"),
    Rule("J003", "unterminated-text", "syntax", "error", "a quoted text is missing its closing quote"),
    Rule("J004", "unexpected-end", "syntax", "error", "the file ends in the middle of a declaration"),
    Rule("J005", "unreadable-file", "syntax", "error", "the file is not UTF-8 text"),
    Rule("J006", "nested-too-deeply", "syntax", "error", "blocks or parentheses nested deeper than journeyc allows"),
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
]

RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}
