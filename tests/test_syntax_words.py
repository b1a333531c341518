"""The language's words and values: what each mistake is reported as, on both parse paths.

Whole words (`ownergrowth` is one word), `seconds` as a unit, whole and bounded durations (J310, J311), numbers
journeyc can keep exactly (J312), invisible text-direction characters (J007), a quote that ends a text early
(J008), and hints for times and numbers written the way people say them.
"""

from __future__ import annotations

import json
import math
import textwrap

import pytest
from lark.exceptions import UnexpectedInput

from journeyc import ir
from journeyc.syntax.build_expr import DeclarationError
from journeyc.syntax.build_inline import build_inline
from journeyc.syntax.build_journey import JourneyBuilder
from journeyc.syntax.fast_parse import NotParsedError
from journeyc.syntax.parser import fast_parser, inline_parser, parse_source

HEAD = 'journey j "J" {\n  owner growth\n  category lifecycle\n  trigger "Signed Up"\n'


def journey(*lines: str) -> str:
    return HEAD + "".join(f"  {line}\n" for line in lines) + "}\n"


def diagnose(text: str) -> list[tuple[str, int, int, str, str | None]]:
    """(code, line, column, message, help) of each diagnostic parse_source gives."""
    _, diagnostics = parse_source(textwrap.dedent(text), "t.journey")
    return [(d.code, d.span.line, d.span.column, d.message, d.help) for d in diagnostics]


def both_paths(text: str) -> list[tuple[object, list[object]] | None]:
    """What FastParse and Lark (contextual lexer) each build of `text`: None when it does not parse."""
    results = []
    for parser, refused in ((fast_parser, NotParsedError), (inline_parser, (UnexpectedInput, DeclarationError))):
        builder = JourneyBuilder("t.journey")
        try:
            results.append((build_inline(*parser(), text, builder), builder.diagnostics))
        except refused:
            results.append(None)
    return results


# ---------------------------------------------------------------- whole words


@pytest.mark.parametrize(
    ("line", "word", "column", "keyword", "rest"),
    [
        ("ownergrowth", "ownergrowth", 3, "owner", "growth"),
        ("sendemail welcome", "sendemail", 3, "send", "email"),
        ("entry onceever", "onceever", 9, "once", "ever"),
        ("wait 1 hour exitnow", "exitnow", 15, "exit", "now"),
    ],
)
def test_a_keyword_glued_to_the_next_word_is_a_syntax_error_with_a_hint(
    line: str, word: str, column: int, keyword: str, rest: str
) -> None:
    text = journey(line)
    assert both_paths(text) == [None, None]
    [(code, at_line, at_column, message, help)] = diagnose(text)
    assert (code, at_line, at_column, message) == ("J001", 5, column, f'unexpected name "{word}"')
    assert help == f'put a space between "{keyword}" and "{rest}"'


def test_a_glued_declaration_keyword_is_refused_too() -> None:
    assert diagnose('categorylifecycle "Lifecycle"\n')[0][0] == "J001"
    assert diagnose('journey j "J" {\n  owner growth\n  categorylifecycle\n}\n')[0][4] == (
        'put a space between "category" and "lifecycle"'
    )


def test_words_that_are_keywords_elsewhere_still_name_things() -> None:
    """Reading words whole changes nothing where a name may stand: `value`, `category`, `entry` as properties."""
    text = 'event "E" {\n  value number\n  category string\n  entry datetime\n}\n'
    fast, lark = both_paths(text)
    assert fast is not None and fast == lark
    assert [p.name for p in fast[0]["events"][0].properties] == ["value", "category", "entry"]


def test_a_keyword_where_it_cannot_stand_is_still_called_a_word() -> None:
    """A keyword the parser does not expect is reported as the keyword it is ("word"), not as a name."""
    [(code, _, _, message, help)] = diagnose('segment s {\n  profile.tier == "gold"\n  journey j "J" {}\n}\n')
    assert (code, message) == ("J001", 'unexpected word "journey"')
    assert help == 'the declaration before this one may be missing its closing "}"'


# ---------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("step", "seconds"),
    [("wait 30 seconds", 30), ("wait 1 second", 1), ("wait second", 1), ('wait up to 45 seconds for "E"', 45)],
)
def test_seconds_are_a_unit(step: str, seconds: int) -> None:
    source, diagnostics = parse_source(journey(step), "t.journey")
    assert diagnostics == []
    first = source.journeys[0].steps[0]
    assert (first.timeout if isinstance(first, ir.WaitForStep) else first.duration).seconds == seconds


def test_seconds_work_everywhere_a_duration_is_written() -> None:
    text = (
        'offer O { code "O" value 10% off valid for 90 seconds }\n'
        "policy { limit 1 message per 30 seconds }\n"
        'segment s { any "E" in last 45 seconds }\n'
        + HEAD
        + '  entry at most once every 10 seconds\n  goal "E" within 20 seconds\n}\n'
    )
    source, diagnostics = parse_source(text, "t.journey")
    assert diagnostics == []
    assert source.offers[0].valid_for.seconds == 90
    assert source.policies[0].caps[0].window.seconds == 30
    assert source.segments[0].condition.window.duration.seconds == 45
    assert source.journeys[0].entry[0].period.seconds == 10
    assert source.journeys[0].goal.within.seconds == 20


@pytest.mark.parametrize(
    ("duration", "message", "help"),
    [
        ("1.5 days", 'the duration "1.5 days" is not a whole number of days', "36 hours"),
        ("0.5 minutes", 'the duration "0.5 minutes" is not a whole number of minutes', "30 seconds"),
        ("2.5 weeks", 'the duration "2.5 weeks" is not a whole number of weeks', "420 hours"),
        ("1.5 seconds", 'the duration "1.5 seconds" is not a whole number of seconds', "whole number of seconds"),
    ],
)
def test_a_fractional_duration_is_reported_with_the_same_length_in_a_smaller_unit(
    duration: str, message: str, help: str
) -> None:
    [(code, line, column, said, hint)] = diagnose(journey(f"wait {duration}"))
    assert (code, line, column, said) == ("J310", 5, 8, message)
    assert hint is not None and hint.endswith(help)


def test_a_whole_duration_written_with_a_decimal_point_is_accepted() -> None:
    source, diagnostics = parse_source(journey("wait 2.0 days"), "t.journey")
    assert diagnostics == []
    assert source.journeys[0].steps[0].duration.seconds == 2 * 86400


@pytest.mark.parametrize("duration", ["100000 weeks", "3651 days", "999999999999999 seconds"])
def test_a_duration_over_ten_years_is_reported(duration: str) -> None:
    source, diagnostics = parse_source(journey(f"wait {duration}"), "t.journey")
    assert [(d.code, d.message) for d in diagnostics] == [
        ("J311", f'the duration "{duration}" is longer than 10 years')
    ]
    assert source.journeys[0].steps[0].duration.seconds == 3650 * 86400  # never beyond the limit in the IR


def test_ten_years_is_accepted() -> None:
    assert diagnose(journey("wait 3650 days")) == []


# ---------------------------------------------------------------- numbers


HUGE = "9" * 400


@pytest.mark.parametrize(
    "text",
    [
        journey(f"wait {HUGE} days"),
        journey(f"if trigger.x > {HUGE} {{ exit }}"),
        journey(f'if at least {HUGE} "E" {{ exit }}'),
        journey(f"entry at most {HUGE} times"),
        journey(f"experiment t {{ arm a {HUGE}% {{ exit }} }}"),
        f'offer O {{ code "O" value {HUGE}% off }}\n',
        f"policy {{ limit {HUGE} messages per day }}\n",
        f'event "E" {{ n number default {HUGE} }}\n',
        journey("wait " + "1" * 5000 + " days"),  # beyond Python's limit for reading integers
        journey("if trigger.x > 0." + "1" * 5000 + " { exit }"),
    ],
)
def test_a_number_too_large_is_one_diagnostic_on_both_paths_and_never_infinite(text: str) -> None:
    fast, lark = both_paths(text)
    assert fast is not None and fast == lark
    codes = [d.code for d in fast[1]]
    assert codes.count("J312") == 1 and "J301" not in codes
    source, _ = parse_source(text, "t.journey")
    numbers = _numbers(json.loads(source.model_dump_json()))
    assert all(math.isfinite(n) for n in numbers)


def _numbers(value: object) -> list[float]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return [value] if isinstance(value, int | float) and not isinstance(value, bool) else []


def test_the_number_is_shown_shortened_with_the_limit() -> None:
    [(code, _, column, message, help)] = diagnose(journey(f"if trigger.x > {HUGE} {{ exit }}"))
    assert (code, column, message) == ("J312", 18, "the number 999999999999...(400 digits) is too large")
    assert help == "journeyc keeps numbers of up to 15 digits before the decimal point"


def test_fifteen_digits_are_kept() -> None:
    source, diagnostics = parse_source(journey("if trigger.x > 999999999999999.5 { exit }"), "t.journey")
    assert diagnostics == []
    assert source.journeys[0].steps[0].branches[0].condition.right.value == 999999999999999.5


# ---------------------------------------------------------------- invisible text-direction characters


@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f"])
def test_a_direction_control_in_a_text_is_reported_with_its_name_and_position(char: str) -> None:
    text = f'team growth "Growth{char} team"\n'
    [(code, line, column, message, _)] = diagnose(text)
    import unicodedata

    assert (code, line, column) == ("J007", 1, 20)
    assert (
        message == f"invisible text-direction character U+{ord(char):04X} ({unicodedata.name(char).lower()}) in a text"
    )


def test_a_direction_control_in_a_comment_is_reported() -> None:
    [(code, line, column, message, _)] = diagnose("team growth\n# only admins \u202e may read this\nteam support\n")
    assert (code, line, column) == ("J007", 2, 15)
    assert message.endswith("(right-to-left override) in a comment")


def test_a_direction_control_outside_texts_is_reported_as_itself_on_both_paths() -> None:
    text = journey('if profile.tier == "gold" \u2066{ exit }')
    assert both_paths(text) == [None, None]
    [(code, line, column, message, _)] = diagnose(text)
    assert (code, line, column) == ("J007", 5, 29)
    assert message.endswith("(left-to-right isolate) outside a text")


def test_direction_controls_are_counted_line_by_line_and_capped() -> None:
    text = "".join(f'team t{n} "T\u202e{n}"\n' for n in range(30))
    diagnostics = diagnose(text)
    assert [(line, column) for _, line, column, _, _ in diagnostics[:20]] == [
        (n + 1, len(f'team t{n} "T') + 1) for n in range(20)
    ]
    assert diagnostics[20][3] == "10 more invisible text-direction characters in this file are not shown"
    assert len(diagnostics) == 21


# ---------------------------------------------------------------- a quote that ends a text early


FIELDS = 'message m on email {{\n  {field}\n  text "Unsubscribe: https://shop.example/u"\n}}\n'


@pytest.mark.parametrize(
    "field",
    [
        'subject "Welcome, {{ profile.first_name | default("there") }}"',  # parses as two fields
        'subject "Welcome, {{ profile.first_name | default("5") }}"',  # a syntax error
        'subject "Hi {% if profile.tier == "gold" %}VIP{% endif %}"',
        'subject "She said "hi" to me"',
    ],
)
def test_a_quote_inside_a_one_line_text_is_one_diagnostic(field: str) -> None:
    text = FIELDS.format(field=field)
    column = 2 + field.index('"', field.index('"') + 1) + 1  # the second quote of the line
    [(code, line, at, message, help)] = diagnose(text)
    assert (code, line, at, message) == ("J008", 2, column, "a double quote inside this text ends it early")
    assert help is not None and "single quotes" in help and '"""' in help and '\\"' in help


def test_the_quote_stops_the_declaration_on_both_paths_and_keeps_its_name_known() -> None:
    text = FIELDS.format(field='subject "Welcome, {{ profile.first_name | default("there") }}"')
    fast_parser_, callbacks = fast_parser()
    with pytest.raises(NotParsedError):
        build_inline(fast_parser_, callbacks, text, JourneyBuilder("t.journey"))
    with pytest.raises(DeclarationError) as refused:
        build_inline(*inline_parser(), text, JourneyBuilder("t.journey"))
    assert refused.value.diagnostic.code == "J008"
    source, _ = parse_source(text, "t.journey")
    assert [(u.kind, u.name) for u in source.unparsed] == [("message", "m")]


@pytest.mark.parametrize(
    "field",
    [
        "subject \"Welcome, {{ profile.first_name | default('there') }}\"",
        'subject "Welcome, {{ profile.first_name | default(\\"there\\") }}"',
        'subject """Welcome, {{ profile.first_name | default("there") }}"""',
        'subject "a {{ x }}" preheader "b"',
    ],
)
def test_the_ways_to_write_quotes_inside_a_text_are_accepted(field: str) -> None:
    source, diagnostics = parse_source(FIELDS.format(field=field), "t.journey")
    assert diagnostics == []
    subject = source.messages[0].fields[0]
    assert subject.name == "subject"
    assert subject.text in ("Welcome, {{ profile.first_name | default('there') }}", "a {{ x }}") or (
        subject.text == 'Welcome, {{ profile.first_name | default("there") }}'
    )


# ---------------------------------------------------------------- hints for times and numbers in words


@pytest.mark.parametrize(
    ("step", "help"),
    [
        ("wait until 9am", "write the time as hours and minutes, on a 24-hour clock: `wait until 09:00`"),
        ("wait until 9 pm", "write the time as hours and minutes, on a 24-hour clock: `wait until 21:00`"),
        ("wait until 12am", "write the time as hours and minutes, on a 24-hour clock: `wait until 00:00`"),
        ("wait until 9", "write the time as hours and minutes, on a 24-hour clock: `wait until 09:00`"),
        (
            "wait until monday at 10am",
            "write the time as hours and minutes, on a 24-hour clock: `wait until monday at 10:00`",
        ),
        ("wait until 9:30pm", "times are written on a 24-hour clock: `wait until 21:30`"),
        ("wait three days", "numbers are written as digits: `wait 3 days`"),
        ("wait a day", "numbers are written as digits: `wait 1 day`"),
        ("wait twenty minutes", "numbers are written as digits: `wait 20 minutes`"),
    ],
)
def test_times_and_numbers_as_people_say_them_get_a_hint(step: str, help: str) -> None:
    [(code, line, _, _, hint)] = diagnose(journey(step))
    assert (code, line, hint) == ("J001", 5, help)
