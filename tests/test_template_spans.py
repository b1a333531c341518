"""Where a template's Jinja2 syntax is (journeyc/runtime/template_spans.py), and webhook bodies built as JSON
data (journeyc/runtime/json_body.py), which rely on it."""

from __future__ import annotations

import json

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from journeyc.runtime.json_body import BodyError, JsonBody, Text, Value
from journeyc.runtime.template_spans import syntax_spans

ENV = SandboxedEnvironment()
DELIMITERS = {"expression": ("{{", "}}"), "tag": ("{%", "%}"), "comment": ("{#", "#}")}


def syntax_tokens(text: str) -> list[tuple[str, str]]:
    """Jinja2's tokens other than text, each value without the whitespace an end's `-` strips after it."""
    return [(kind, value.rstrip()) for _, kind, value in ENV.lex(text) if kind != "data"]


pieces = st.sampled_from(
    ["a", " ", "\n", "\r\n", "\r", "}", "{", "%", "#", "'}}'", "{{ x }}", "{{- y -}}", "{{ 'a}}' }}", "{%- if x %}",
     "{% endif -%}", "{# c }} #}", "{%+ raw %}{{ z }}{% endraw %}", "{{ {'k': [1]} }}", '{{ "%}" }}', "é"]
)  # fmt: skip


@pytest.mark.slow
@settings(max_examples=examples(1500), deadline=None)
@given(st.lists(pieces, max_size=10).map("".join))
def test_spans_are_where_the_lexer_reads_syntax(text):
    try:
        tokens = syntax_tokens(text)
    except TemplateSyntaxError:
        with pytest.raises(TemplateSyntaxError):
            syntax_spans(text, ENV)
        return
    try:
        spans = syntax_spans(text, ENV)
    except TemplateSyntaxError as error:
        assert "is not closed" in error.message  # the lexer stops at the end without an end token
        return
    previous = 0
    for span in spans:
        assert previous <= span.start < span.end
        opening, closing = DELIMITERS[span.kind]
        assert text.startswith(opening, span.start) and text.endswith(closing, span.start, span.end)
        previous = span.end
    # Only the spans hold syntax: lexed alone, one after the other, they give the text's tokens.
    assert syntax_tokens("".join(text[s.start : s.end] for s in spans)) == tokens


def test_the_inner_code_of_an_expression_and_crlf_offsets():
    text = "a\r\nb {{- trigger.order_id | default('}}') }}\r\n{% if x %}c{% endif %}"
    spans = syntax_spans(text, ENV)
    assert [text[s.start : s.end] for s in spans] == [
        "{{- trigger.order_id | default('}}') }}",
        "{% if x %}",
        "{% endif %}",
    ]
    assert text[spans[0].inner_start : spans[0].inner_end].strip() == "trigger.order_id | default('}}')"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [("a\n{{ x", "{{ is not closed", 2), ("{# never closed", "missing end of comment tag", 1)],
)
def test_unclosed_syntax_is_a_plain_error_with_its_line(text, message, line):
    with pytest.raises(TemplateSyntaxError) as error:
        syntax_spans(text, ENV)
    assert (error.value.message, error.value.lineno) == (message, line)


# --- webhook bodies -------------------------------------------------------------------------------------------


def build(body: str, values: dict) -> dict:
    """The body as the runtime builds it: strings as text templates, bare values evaluated."""
    parsed = JsonBody.parse(body, ENV)
    return json.loads(
        parsed.render(
            lambda text: ENV.from_string(text).render(values),
            lambda code: ENV.compile_expression(code)(values),
        )
    )


def test_a_body_is_read_once_into_data_with_templates_in_strings_and_values():
    # The template code is read as written (not as JSON): quotes inside it need no escaping.
    body = '{"a {{ k }}": "x \\"{{ v | default("d}") }}\\"", "n": {{ n }}, "l": [{{ l }}, "{# c #}t"], "z": 1}'
    parsed = JsonBody.parse(body, ENV)
    assert parsed.data == {
        Text("a {{ k }}"): Text('x "{{ v | default("d}") }}"'),
        "n": Value(" n "),
        "l": [Value(" l "), Text("{# c #}t")],
        "z": 1,
    }


def test_values_are_encoded_by_the_json_encoder():
    hostile = 'x", "admin": true, "y": "z'
    body = '{"name": "{{ name }}", "tags": {{ tags }}, "{{ name }}": {{ n }}, "none": {{ missing | default(none) }}}'
    built = build(body, {"name": hostile, "tags": ["a", '"b'], "n": 2.5})
    assert built == {"name": hostile, "tags": ["a", '"b'], hostile: 2.5, "none": None}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"a": 1,}', "it is not JSON: expecting property name enclosed in double quotes (line 1)"),
        ('{"a": {{ x }},\n "b": {% if y %}1{% endif %}}', "a template tag is written outside a JSON string (line 2)"),
        ('{"a": "{{ x"}', "its template syntax is not valid"),
        ('{"a": {{ x }} {{ y }}}', "it is not JSON: expecting ',' delimiter (line 1)"),
        ('{"a": NaN}', "it is not JSON: NaN is not a JSON value"),
    ],
)
def test_a_body_that_is_not_json_with_templates_is_refused_with_a_reason(body, reason):
    with pytest.raises(BodyError) as error:
        JsonBody.parse(body, ENV)
    assert str(error.value).startswith(reason)


def test_a_comment_outside_strings_is_dropped():
    assert build('{"a": 1 {# why #}}', {}) == {"a": 1}
