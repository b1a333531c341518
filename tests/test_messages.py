"""Message content (J501-J507): SMS segments, push and subject lengths, unsubscribe links, WhatsApp templates,
and offers against the messages that show them."""

from __future__ import annotations

import pytest
from conftest import REPO, check, render

from journeyc.checks.analysis.sms import describe_character, first_non_gsm, gsm_replacement, sms_size

CHANNELS = """
channel push { kind push owner growth address phone consent sms_opt_in }
channel whatsapp { kind whatsapp owner growth address phone consent sms_opt_in }
"""


def project(make_project, messages: str, steps: str, category: str = "lifecycle", extra: dict | None = None):
    """The base project plus m.journey: `messages`, and a journey `j` of `category` running `steps`."""
    text = "\n".join(
        [
            'import "company.journey"',
            'import "events.journey"',
            'import "cart.journey"',
            CHANNELS,
            messages,
            'journey j "J" {',
            "  owner growth",
            f"  category {category}",
            '  trigger "Checkout Started" keyed by order_id',
            "  entry once",
            steps,
            "}",
        ]
    )
    return check(make_project({"m.journey": text, **(extra or {})}))


def found(result, code: str) -> list:
    return [d for d in result.diagnostics if d.code == code]


def sms(make_project, text: str, extra: dict | None = None):
    return project(make_project, f'message promo on sms {{\n  text """{text}"""\n}}', "send sms promo", extra=extra)


# --- segment maths -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),  # split: 153 per segment
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # the extension table counts 2
        ("[" + "a" * 159, "GSM-7", 161, 2),
        ("é" * 160, "GSM-7", 160, 1),  # é is in the basic table
        ("🎉" + "a" * 68, "UCS-2", 70, 1),  # an emoji is two UTF-16 units
        ("🎉" + "a" * 69, "UCS-2", 71, 2),
        ("’" + "a" * 133, "UCS-2", 134, 2),  # 67 per segment
        ("’" + "a" * 134, "UCS-2", 135, 3),
        ("a" * 66 + "🎉" + "a" * 66, "UCS-2", 134, 3),  # the emoji does not fit in the first segment's last unit
    ],
)
def test_sms_size(text, encoding, units, segments):
    size = sms_size(text)
    assert (size.encoding, size.units, size.segments) == (encoding, units, segments)


def test_characters_outside_gsm_are_named_with_a_replacement():
    assert first_non_gsm("Hello ’world") == 6
    assert first_non_gsm("Hello {world} €") is None
    assert describe_character("’") == "a curly apostrophe"
    assert gsm_replacement("’") == "'"
    assert gsm_replacement("ê") == "e"
    assert gsm_replacement("🎉") is None


# --- J501 sms-too-long -------------------------------------------------------------------------------------


def test_an_sms_of_160_plain_characters_is_one_segment(make_project):
    assert found(sms(make_project, "a" * 160), "J501") == []


def test_an_sms_of_161_characters_needs_two_segments(make_project):
    [d] = found(sms(make_project, "a" * 161), "J501")
    assert d.severity == "warning"
    assert d.message == 'the SMS "promo" needs 2 segments (161 characters with the longest plausible values; GSM-7)'
    assert (d.span.file, d.span.line, d.span.column) == ("m.journey", 9, 8)  # the text, quotes included
    assert d.label == "2 segments, at most 1 allowed"
    assert d.help == "cut at least 1 character to fit in 1 segment (160 with GSM-7)"


def test_extension_characters_count_two(make_project):
    assert found(sms(make_project, "a" * 150 + "[]~^|"), "J501") == []
    [d] = found(sms(make_project, "a" * 151 + "[]~^|"), "J501")
    assert "(161 characters" in d.message
    assert "5 characters of the GSM-7 extension table (^ { } \\ [ ] ~ | €) count 2" in d.notes


def test_a_placeholder_counts_as_its_stand_in(make_project):
    # profile.first_name stands for 12 characters: 148 + 12 = 160 fits, 149 + 12 = 161 does not.
    assert found(sms(make_project, "a" * 148 + "{{ profile.first_name }}"), "J501") == []
    [d] = found(sms(make_project, "a" * 149 + "{{ profile.first_name }}"), "J501")
    assert "(161 characters" in d.message
    assert "measured with profile.first_name as 12 characters" in d.notes


def test_stand_in_lengths_follow_the_type_and_the_name(make_project):
    text = "{{ trigger.order_id }}{{ trigger.value }}{{ profile.tier }}{{ profile.tracking_url }}" + "a" * 100
    [d] = found(sms(make_project, text), "J501")
    # order_id is a string (20), value a number (8), tier the longest choice ("bronze", "silver": 6), a link 60.
    assert "(194 characters" in d.message
    assert d.notes[0] == (
        "measured with trigger.order_id as 20, trigger.value as 8, profile.tier as 6, profile.tracking_url as 60"
        " characters"
    )


def test_offer_code_is_the_longest_code_it_is_sent_with(make_project):
    messages = """
offer SHORT { code "S5" value 5% off valid for 7 days }
offer LONG { code "SPRING-SALE-2026-VIP" value 20% off valid for 7 days }
message promo on sms {
  text \"\"\"Code {{ offer.code }} \"\"\"
}"""
    steps = "if trigger.value > 100 { send sms promo with offer LONG } else { send sms promo with offer SHORT }"
    padded = messages.replace("Code", "a" * 134 + " Code")
    [d] = found(project(make_project, padded, steps), "J501")
    assert "(161 characters" in d.message  # 134 + " Code " + 20 ("SPRING-SALE-2026-VIP") + " "
    assert "measured with offer.code as 20 characters" in d.notes


def test_a_curly_apostrophe_switches_to_ucs2_and_is_pointed_at(make_project):
    result = sms(make_project, "We’re " + "a" * 65)
    [d] = found(result, "J501")
    assert d.message == 'the SMS "promo" needs 2 segments (71 characters with the longest plausible values; UCS-2)'
    assert d.help == (
        """use ' instead of "’" and it fits in 1 segment of GSM-7 (71 of 160 characters);"""
        " or cut at least 1 character to fit in 1 segment (70 with UCS-2)"
    )
    assert d.notes == (
        '"’" (a curly apostrophe, at line 1, column 3 of the text) switches the message to UCS-2: 70 characters;'
        " use ' instead",
    )
    [label] = d.labels
    assert (label.span.line, label.span.column, label.span.end_column, label.message) == (
        9,
        13,
        14,
        "switches the SMS to UCS-2",
    )
    assert '  text """We’re aaa' in render(result)  # the user's own line, with both places marked


def test_one_emoji_makes_70_the_limit(make_project):
    assert found(sms(make_project, "🎉" + "a" * 68), "J501") == []
    [d] = found(sms(make_project, "🎉" + "a" * 69), "J501")
    assert "(71 characters" in d.message and "UCS-2" in d.message
    assert d.notes[0].startswith('"🎉" (an emoji or symbol, at line 1, column 1 of the text)')


def test_the_settings_may_allow_more_segments(make_project):
    settings = {"journeyc.toml": "sms-max-segments = 2\n"}
    assert found(sms(make_project, "a" * 306, settings), "J501") == []
    [d] = found(sms(make_project, "a" * 307, settings), "J501")
    assert d.message.startswith('the SMS "promo" needs 3 segments')
    assert d.help == "cut at least 1 character to fit in 2 segments (306 with GSM-7)"


@pytest.mark.parametrize(
    "template",
    [
        "{% for p in trigger.products %}{{ p.product_id }}{% endfor %}",  # a loop
        "{{ profile.first_name | frobnicate }}",  # an unknown filter
        "{{ nowhere.at_all }}",  # a root templates cannot read
        "{{ profile.first_name | round }}",  # a filter that fails on a stand-in
    ],
)
def test_templates_that_cannot_be_rendered_count_20_characters_a_placeholder(make_project, template):
    assert found(sms(make_project, "a" * 140 + template), "J501") == []
    [d] = found(sms(make_project, "a" * 141 + template), "J501")
    assert "(161 characters" in d.message


def test_hostile_templates_are_measured_without_rendering_them(make_project):
    """Rendered, these would never finish (or exhaust memory): each placeholder counts 20 characters instead."""
    doubling = "{% set a = 'xx' %}" + "{% set a = a ~ a %}" * 60 + "{{ a }}"
    for template in (doubling, "{{ 'x' * 1000000000000 }}", "{{ 9 ** 9 ** 9 ** 9 }}", "{{ '%999999999s' % 1 }}"):
        [d] = found(sms(make_project, "a" * 141 + template), "J501")
        assert "(161 characters" in d.message


# --- J502 push-too-long, J503 email-subject-too-long -------------------------------------------------------


def push(make_project, title: str, body: str):
    message = f'message nudge on push {{\n  title "{title}"\n  body "{body}"\n}}'
    return project(make_project, message, "send push nudge")


def test_push_title_and_body_limits(make_project):
    assert found(push(make_project, "t" * 50, "b" * 178), "J502") == []
    title, body = found(push(make_project, "t" * 51, "b" * 179), "J502")
    assert (
        title.message == 'the push title of "nudge" is 51 characters with the longest plausible values; phones show 50'
    )
    assert title.help == "cut at least 1 character, and put what matters first: the end is cut off"
    assert (title.span.line, title.span.column) == (9, 9)
    assert (
        body.message == 'the push body of "nudge" is 179 characters with the longest plausible values; phones show 178'
    )


def subject(make_project, text: str):
    message = f'message note on email {{\n  subject "{text}"\n  text "Hello"\n}}'
    return project(make_project, message, "send email note")


def test_email_subject_limit_with_a_placeholder(make_project):
    assert found(subject(make_project, "s" * 48 + "{{ profile.first_name }}"), "J503") == []
    [d] = found(subject(make_project, "s" * 49 + "{{ profile.first_name }}"), "J503")
    assert (
        d.message == 'the subject of "note" is 61 characters with the longest plausible values; inboxes show about 60'
    )
    assert d.label == "61 characters, inboxes show about 60"
    assert d.notes == ("measured with profile.first_name as 12 characters",)


# --- J504 missing-unsubscribe ------------------------------------------------------------------------------


def email(make_project, body: str, category: str = "promotional", own: str = "", extra: dict | None = None):
    message = f'message deal on email {{\n  subject "A deal"\n  {body}\n  {own}\n}}'
    return project(make_project, message, "send email deal", category=category, extra=extra)


def test_a_promotional_email_without_unsubscribe_link(make_project):
    result = email(make_project, 'text "Big sale today"')
    [d] = found(result, "J504")
    assert d.severity == "error"
    assert d.message == 'the promotional email "deal" has no unsubscribe link'
    assert (d.span.line, d.span.column, d.span.end_column) == (8, 9, 13)  # the message's name
    assert [(label.span.line, label.message) for label in d.labels] == [(18, 'sent by the promotional journey "j"')]


@pytest.mark.parametrize(
    "body",
    [
        'text "Big sale. UNSUBSCRIBE at https://shop.example/u"',
        'html """<a href="https://shop.example/u">Unsubscribe</a>"""\n  text "Big sale"',
    ],
)
def test_an_unsubscribe_link_in_text_or_html_is_enough(make_project, body):
    assert found(email(make_project, body), "J504") == []


def test_an_unsubscribe_link_in_a_template_file(make_project):
    files = {"emails/deal.mjml": "<mj-text>Sale! <a href='https://shop.example/u'>unsubscribe</a></mj-text>"}
    result = email(make_project, 'html file "emails/deal.mjml"', extra=files)
    assert found(result, "J504") == []
    files = {"emails/deal.mjml": "<mj-text>Sale!</mj-text>"}
    assert len(found(email(make_project, 'html file "emails/deal.mjml"', extra=files), "J504")) == 1


def test_the_message_category_decides_over_the_journey(make_project):
    assert found(email(make_project, 'text "Hi"', own="category lifecycle"), "J504") == []
    [d] = found(email(make_project, 'text "Hi"', category="lifecycle", own="category promotional"), "J504")
    assert [(label.span.line, label.message) for label in d.labels] == [(11, "the message is promotional")]
    assert found(email(make_project, 'text "Hi"', category="lifecycle"), "J504") == []


# --- J505 whatsapp-not-template ----------------------------------------------------------------------------


def whatsapp(make_project, fields: str):
    return project(make_project, f"message ping on whatsapp {{\n  {fields}\n}}", "send whatsapp ping")


def test_whatsapp_needs_an_approved_template_name(make_project):
    assert found(whatsapp(make_project, 'template "order_update"\n  parameter "{{ trigger.order_id }}"'), "J505") == []
    [missing] = found(whatsapp(make_project, 'language "en"'), "J505")
    assert missing.message == 'the WhatsApp message "ping" names no approved template'
    assert missing.severity == "error"
    [computed] = found(whatsapp(make_project, 'template "{{ profile.tier }}_offer"'), "J505")
    assert computed.message == 'the WhatsApp template of "ping" is not the name of an approved template'
    assert (computed.span.line, computed.span.column) == (9, 12)
    assert computed.label == "computed text, not a template name"


# --- J506 offer-missing, J507 offer-not-shown --------------------------------------------------------------


def offer_project(make_project, text: str, send: str):
    message = f'message deal on email {{\n  subject "A deal"\n  text """{text} unsubscribe"""\n}}'
    return project(make_project, message, send, category="lifecycle")


def test_a_message_showing_an_offer_sent_without_one(make_project):
    result = offer_project(make_project, "Use {{ offer.code }} today.", "send email deal")
    [d] = found(result, "J506")
    assert d.message == '"deal" shows an offer, but this send gives it none'
    assert (d.span.line, d.span.column) == (17, 1)
    assert d.help == "add `with offer` and an offer's name to this send, or remove the offer from the message"
    [label] = d.labels
    assert (label.span.line, label.span.column, label.message) == (10, 18, "reads the offer here")
    assert (
        found(offer_project(make_project, "Use {{ offer.code }} today.", "send email deal with offer CART10"), "J506")
        == []
    )


def test_an_offer_read_only_under_if_offer_needs_no_offer(make_project):
    text = "Hello{% if offer %} use {{ offer.code }}{% endif %}."
    assert found(offer_project(make_project, text, "send email deal"), "J506") == []
    assert found(offer_project(make_project, text, "send email deal with offer CART10"), "J507") == []


def test_an_offer_the_message_never_shows(make_project):
    [d] = found(offer_project(make_project, "Hello.", "send email deal with offer CART10"), "J507")
    assert d.severity == "warning"
    assert d.message == 'the offer CART10 is sent with "deal", which never shows it'
    assert (d.span.line, d.span.column, d.span.end_column) == (17, 28, 34)
    assert d.label == "the customer never sees this offer"
    assert d.help == "show it in the message, e.g. `Your code: {{ offer.code }}`, or remove `with offer CART10`"
    assert found(offer_project(make_project, "Hello.", "send email deal"), "J507") == []


def test_a_broken_template_is_not_taken_for_one_without_the_offer(make_project):
    result = offer_project(make_project, "Use {{ offer.code today.", "send email deal with offer CART10")
    assert "J205" in {d.code for d in result.diagnostics}
    assert found(result, "J507") == []


def test_the_base_project_raises_no_message_rule(make_project):
    assert [d.code for d in check(make_project()).diagnostics if d.code.startswith("J50")] == []


def test_several_characters_outside_gsm_are_counted_and_replaced(make_project):
    [d] = found(sms(make_project, "“Sale” – " + "a" * 62), "J501")
    assert d.notes[-1] == (
        '"“" (a curly quote, at line 1, column 1 of the text) switches the message to UCS-2: 70 characters;'
        ' use " instead (and 2 more characters outside GSM-7)'
    )
    assert d.help.startswith("use plain characters and it fits in 1 segment of GSM-7 (71 of 160 characters)")


def test_an_sms_text_in_a_template_file(make_project):
    message = 'message promo on sms {\n  text file "sms/promo.txt"\n}'
    result = project(make_project, message, "send sms promo", extra={"sms/promo.txt": "Hi ’" + "a" * 70})
    [d] = found(result, "J501")
    assert (d.span.line, d.span.column) == (9, 13)  # the file name
    [label] = d.labels
    assert (label.span.file, label.span.line, label.span.column) == ("sms/promo.txt", 1, 4)


def test_a_template_text_used_twice_is_checked_for_each_message(make_project):
    """Templates are analysed once per distinct text; each message still gets its own findings, at its own place."""
    text = "Hi {{ profil.first_name }}, your code {{ offer.code }} for {{ trigger.nope }}"
    messages = "\n".join(f'message {name} on push {{\n  title "Hi"\n  body "{text}"\n}}' for name in ("one", "two"))
    result = project(make_project, messages, "send push one\n  send push two")
    unknown = [d for d in found(result, "J206") if "profil" in d.message]
    lines = result.sources["m.journey"].split("\n")
    body_lines = [n for n, line in enumerate(lines, start=1) if line.startswith("  body ")]
    assert [d.span.line for d in unknown] == body_lines and len(body_lines) == 2
    assert all(lines[d.span.line - 1][d.span.column - 1 :].startswith("profil") for d in unknown)
    assert [d.message for d in unknown] == ['the template reads "profil", which does not exist'] * 2
    assert len(found(result, "J506")) == 2  # both sends lack the offer both messages show
    assert len([d for d in result.diagnostics if "trigger.nope" in d.message]) == 2


# --- J508: promotional SMS say how to opt out ------------------------------------------------------------------


def test_a_promotional_sms_without_an_opt_out_keyword(make_project):
    result = project(
        make_project, 'message promo on sms { text "20% off linen today" }', "send sms promo", category="promotional"
    )
    [diagnostic] = found(result, "J508")
    assert diagnostic.message == 'the promotional SMS "promo" does not say how to opt out'
    assert diagnostic.severity == "warning"
    assert "sent by the promotional journey" in render(result)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("20% off linen today. Reply STOP to opt out", "promotional"),
        ("20% off linen today. Text END to end these texts", "promotional"),
        ("Your order has shipped", "lifecycle"),  # only promotions
        ("Your order has shipped", "transactional"),
    ],
)
def test_an_opt_out_keyword_or_a_message_that_is_not_a_promotion_is_not_reported(make_project, text, category):
    result = project(make_project, f'message promo on sms {{ text "{text}" }}', "send sms promo", category=category)
    assert found(result, "J508") == []


def test_a_stop_in_prose_is_not_an_opt_out(make_project):
    # Carriers react to the keyword: "stop by our store" says nothing about opting out.
    result = project(
        make_project, 'message promo on sms { text "Stop by our store: 20% off" }', "send sms promo", "promotional"
    )
    assert len(found(result, "J508")) == 1


def test_the_demo_company_says_how_to_opt_out():
    result = check(REPO / "journeys")
    assert [d.code for d in result.diagnostics if d.code.startswith("J5")] == []
