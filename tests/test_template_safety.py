"""What a template can do to the customer and to the runtime: raw HTML from customer data (J214), literals past
the sandbox's limits (J215), webhook bodies that are not JSON (J216)."""

from __future__ import annotations

import pytest
from conftest import check, render

from journeyc.runtime.sandbox import MessageSandbox


def project(make_project, fields: str, channel: str = "email", extra: str = ""):
    text = "\n".join(
        [
            'import "company.journey"',
            'import "events.journey"',
            "channel hook { kind webhook owner growth }",
            extra,
            f"message m on {channel} {{",
            '  subject "Hi"' if channel == "email" else "",
            fields,
            "}",
            'journey j "J" { owner growth category transactional trigger "Checkout Started" entry once',
            f"  send {channel} m }}",
        ]
    )
    return check(make_project({"m.journey": text}))


def codes(result, code: str) -> list:
    return [d for d in result.diagnostics if d.code == code]


@pytest.mark.parametrize(
    "html",
    [
        "<p>{{ profile.first_name | safe }}</p>",
        "<p>{{ (profile.first_name ~ '!') | safe }}</p>",
        "{% for p in trigger.products %}{{ p.product_id | safe }}{% endfor %}",
        "{% set name = profile.first_name %}{% set shown = name %}{{ shown | safe }}",
        "{% autoescape false %}<p>{{ trigger.order_id }}</p>{% endautoescape %}",
        "{{ Markup(profile.first_name) }}",
    ],
)
def test_customer_data_written_as_raw_html_is_reported(make_project, html):
    result = project(make_project, f'  html """{html}"""')
    [diagnostic] = codes(result, "J214")
    assert diagnostic.severity == "warning"
    assert diagnostic.message.startswith('the html of "m" writes customer data as raw HTML with ')


@pytest.mark.parametrize(
    "fields",
    [
        '  html """<p>{{ offer.code | safe }} {{ \'<b>\' | safe }}</p>"""',  # the project's own text
        '  html """{% autoescape false %}<b>x</b>{% endautoescape %}{{ profile.first_name }}"""',
        '  text """{{ profile.first_name | safe }}"""',  # a text part is never escaped
    ],
)
def test_raw_html_of_the_projects_own_text_or_outside_html_is_not_reported(make_project, fields):
    assert codes(project(make_project, fields), "J214") == []


@pytest.mark.parametrize(
    ("template", "what"),
    [
        ("{{ trigger.order_id|length ** 99999999 }}", "raises a number to the power 99,999,999"),
        ("{{ 'a'|center(999999999) }}", 'asks "center" for a size of 999,999,999'),
        ('{{ "{0:>999999999}".format(1) }}', "formats a value 999,999,999 characters wide"),
        ("{{ 'a' * 100000000 }}", "repeats a text or list 100,000,000 times"),
        ("{{ 'a' * 100_000_000 }}", "repeats a text or list 100,000,000 times"),
        ("{{ ['a'] * 0x10000000 }}", "repeats a text or list 268,435,456 times"),
        ("{{ 1024 ** 999 }}", "raises a number to the power 999"),
        ("{{ '%999999999d' % 1 }}", "formats a value 999,999,999 characters wide"),
        ("{{ 'a'.ljust(999999999) }}", "pads a text to 999,999,999 characters"),
    ],
)
def test_a_literal_past_the_sandboxs_limits_is_reported_and_would_fail_every_render(make_project, template, what):
    result = project(make_project, f'  text """{template}"""')
    [diagnostic] = codes(result, "J215")
    assert diagnostic.severity == "error"
    assert diagnostic.message == f'a template of "m" {what}, which no render can do'
    env = MessageSandbox()
    values = {"trigger": {"order_id": "o-1"}}
    with pytest.raises(Exception, match="more than the sandbox allows"):
        env.render_template(env.compile_template(template), values)


@pytest.mark.parametrize(
    "template",
    [
        "{{ trigger.value ** 2 }}",
        "{{ '-' * 40 }}",
        "{{ 'a'|center(40) }}",
        '{{ "{:>8}".format(1) }}',
        "{{ 1 ** 10**9 }}",
    ],
)
def test_sizes_a_message_needs_are_not_reported(make_project, template):
    assert codes(project(make_project, f'  text """{template}"""'), "J215") == []


def test_a_webhook_body_that_is_not_json_is_reported(make_project):
    result = project(
        make_project,
        '  url "https://hooks.example/x"\n  body """{"order": "{{ trigger.order_id }}" {% if 1 %}, "a": 1{% endif %}}"""',
        channel="hook",
    )
    [diagnostic] = codes(result, "J216")
    assert "a template tag is written outside a JSON string (line 1)" in diagnostic.message
    assert "m.journey:" in render(result)


def test_a_webhook_body_with_templates_in_strings_and_values_is_clean(make_project):
    body = '{"order": "{{ trigger.order_id }}", "value": {{ trigger.value | default(0) }}, "tags": []}'
    result = project(make_project, f'  url "https://hooks.example/x"\n  body """{body}"""', channel="hook")
    assert codes(result, "J216") == []
    text_only = project(make_project, '  url "https://hooks.example/x"\n  body "not json"', channel="hook")
    assert len(codes(text_only, "J216")) == 1
