"""Every language construct parses into the right IR: names, types, flags, values, spans and step ids.

Each test parses a small text with `parse_source`, requires that it parses without a single diagnostic, and then
pins the IR field by field. Conditions are compared through `sx`, a compact spelling of every semantic field of
an expression (operators, thresholds, windows, filters, nesting), so a wrong tree, operator or threshold fails.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from journeyc import ir
from journeyc.syntax.parser import parse_source

FILE = "t.journey"


def parse(text: str, dedent: bool = True) -> ir.SourceFile:
    source = textwrap.dedent(text).lstrip("\n") if dedent else text
    sf, diagnostics = parse_source(source, FILE)
    assert diagnostics == []
    return sf


def at(span: ir.Span) -> tuple[int, int]:
    return (span.line, span.column)


def extent(span: ir.Span) -> tuple[int, int, int, int]:
    return (span.line, span.column, span.end_line, span.end_column)


def opnd(o: Any) -> Any:
    if isinstance(o, ir.Path):
        return ".".join(o.parts)
    if isinstance(o, ir.Const):
        return ("const", o.value)
    assert isinstance(o, ir.LastValue)
    return ("last", o.property, o.event)


def window(w: ir.Window | None) -> Any:
    if w is None:
        return None
    if w.kind == "since_entry":
        assert w.duration is None
        return "since entry"
    assert w.duration is not None
    return ("last", w.duration.seconds, w.duration.text)


def sx(e: Any) -> Any:
    """Every semantic field of a condition, spans left out."""
    if isinstance(e, ir.And):
        return ("and", *(sx(i) for i in e.items))
    if isinstance(e, ir.Or):
        return ("or", *(sx(i) for i in e.items))
    if isinstance(e, ir.Not):
        return ("not", sx(e.item))
    if isinstance(e, ir.Truthy):
        return ("truthy", opnd(e.operand))
    if isinstance(e, ir.Compare):
        return (e.op, opnd(e.left), opnd(e.right))
    if isinstance(e, ir.IsSet):
        return ("is not set" if e.negated else "is set", opnd(e.operand))
    if isinstance(e, ir.IsOneOf):
        return ("is not one of" if e.negated else "is one of", opnd(e.operand), *(v.value for v in e.values))
    if isinstance(e, ir.InSegment):
        return ("in segment", e.segment)
    if isinstance(e, ir.Behaviour):
        return (
            "behaviour",
            e.op,
            e.threshold,
            e.event,
            e.sum_of,
            window(e.window),
            sx(e.where) if e.where is not None else None,
        )
    if isinstance(e, ir.ListPredicate):
        return (e.quantifier, opnd(e.list), sx(e.where))
    raise AssertionError(f"unexpected node {e!r}")


def cond(text: str) -> Any:
    """The condition of a segment whose body is `text` (one line, on line 2, starting at column 3)."""
    sf = parse_source(f"segment s {{\n  {text}\n}}\n", FILE)
    assert sf[1] == []
    return sf[0].segments[0].condition


def T(name: str) -> tuple[str, str]:  # noqa: N802 - a truthy bare name, as sx spells it
    return ("truthy", name)


def C(value: Any) -> tuple[str, Any]:  # noqa: N802
    return ("const", value)


def any_(event: str, where: Any = None, win: Any = None) -> tuple:
    return ("behaviour", ">=", 1.0, event, None, win, where)


# ---------------------------------------------------------------- imports, teams, categories


def test_imports_stdlib_name_and_quoted_path():
    sf = parse(
        """
        import ecommerce
          import "catalog/events.journey"
        import "../shared/x.journey"
        """
    )
    assert [(i.target, i.is_stdlib) for i in sf.imports] == [
        ("ecommerce", True),
        ("catalog/events.journey", False),
        ("../shared/x.journey", False),
    ]
    assert extent(sf.imports[0].span) == (1, 1, 1, 17)
    assert extent(sf.imports[1].span) == (2, 3, 2, 34)
    assert all(i.span.file == FILE for i in sf.imports)


def test_teams_and_categories_with_and_without_title():
    sf = parse(
        """
        team growth "Growth marketing"
        team support
        category promotional "Offers and discounts"
        category lifecycle
        """
    )
    assert [(t.name, t.title) for t in sf.teams] == [("growth", "Growth marketing"), ("support", None)]
    assert [(c.name, c.title) for c in sf.categories] == [
        ("promotional", "Offers and discounts"),
        ("lifecycle", None),
    ]
    assert extent(sf.teams[0].span) == (1, 1, 1, 31)
    assert at(sf.teams[1].span) == (2, 1)
    assert at(sf.categories[0].span) == (3, 1)
    assert at(sf.categories[1].span) == (4, 1)


# ---------------------------------------------------------------- tracking plan


EVENT = """
event "Order Completed" {
  description "A customer completed an order"
  order_id   string
  total      number optional
  quantity   integer default 1
  paid       boolean default true
  placed_at  datetime optional "When it was placed"
  zone       timezone default "Europe/Paris"
  status     one of "new", "paid" optional
  tags       list of string optional
  products   list of product optional
  lines      list of { sku string  qty integer default 2 } optional
  address    { city string  zip string optional }
  ratio      number default 0.5
  note       string optional default "none" "A note"
}
"""


def test_event_name_description_and_every_property_type():
    sf = parse(EVENT)
    (event,) = sf.events
    assert event.name == "Order Completed"
    assert event.description == "A customer completed an order"
    assert extent(event.name_span) == (1, 7, 1, 24)
    assert extent(event.span) == (1, 1, 16, 2)

    props = {p.name: p for p in event.properties}
    assert list(props) == [
        "order_id",
        "total",
        "quantity",
        "paid",
        "placed_at",
        "zone",
        "status",
        "tags",
        "products",
        "lines",
        "address",
        "ratio",
        "note",
    ]
    scalar = ir.ScalarType
    assert props["order_id"].type == scalar(name="string")
    assert (props["order_id"].optional, props["order_id"].default, props["order_id"].description) == (
        False,
        None,
        None,
    )
    assert props["total"].type == scalar(name="number")
    assert props["total"].optional is True
    assert props["quantity"].type == scalar(name="integer")
    assert props["quantity"].default == 1 and type(props["quantity"].default) is int
    assert props["quantity"].optional is False
    assert props["paid"].type == scalar(name="boolean")
    assert props["paid"].default is True
    assert props["placed_at"].type == scalar(name="datetime")
    assert (props["placed_at"].optional, props["placed_at"].description) == (True, "When it was placed")
    assert props["zone"].type == scalar(name="timezone")
    assert props["zone"].default == "Europe/Paris"
    assert props["status"].type == ir.EnumType(values=("new", "paid"))
    assert props["status"].optional is True
    assert props["tags"].type == ir.ListType(item=scalar(name="string"))
    products = props["products"].type
    assert isinstance(products, ir.ListType)
    assert isinstance(products.item, ir.ShapeRef)
    assert products.item.name == "product"
    assert at(products.item.span) == (11, 22)
    assert props["lines"].type == ir.ListType(
        item=ir.ObjectType(
            fields=(
                ir.Property(name="sku", type=scalar(name="string"), span=props["lines"].type.item.fields[0].span),
                ir.Property(
                    name="qty",
                    type=scalar(name="integer"),
                    default=2,
                    span=props["lines"].type.item.fields[1].span,
                    default_span=props["lines"].type.item.fields[1].default_span,
                ),
            )
        )
    )
    assert props["lines"].optional is True
    assert at(props["lines"].type.item.fields[1].span) == (12, 36)
    assert props["lines"].type.item.fields[1].default_span is not None  # the `2` after `default`
    address = props["address"].type
    assert isinstance(address, ir.ObjectType)
    assert [(f.name, f.type, f.optional) for f in address.fields] == [
        ("city", scalar(name="string"), False),
        ("zip", scalar(name="string"), True),
    ]
    assert props["address"].optional is False
    assert props["ratio"].default == 0.5
    assert (props["note"].optional, props["note"].default, props["note"].description) == (True, "none", "A note")
    # Property spans: from the name to the end of the last suffix.
    assert extent(props["order_id"].span) == (3, 3, 3, 20)
    assert extent(props["status"].span) == (9, 3, 9, 43)


def test_event_without_body_and_with_empty_body():
    sf = parse('event "Signed Up"\nevent "Logged In" { }\n')
    assert [(e.name, e.description, e.properties) for e in sf.events] == [
        ("Signed Up", None, ()),
        ("Logged In", None, ()),
    ]
    assert extent(sf.events[0].span) == (1, 1, 1, 18)


def test_shape():
    sf = parse(
        """
        shape product {
          product_id string
          category   string optional
          price      number optional "Price in US dollars"
        }
        """
    )
    (shape,) = sf.shapes
    assert shape.name == "product"
    assert [(f.name, f.type, f.optional, f.description) for f in shape.type.fields] == [
        ("product_id", ir.ScalarType(name="string"), False, None),
        ("category", ir.ScalarType(name="string"), True, None),
        ("price", ir.ScalarType(name="number"), True, "Price in US dollars"),
    ]
    assert extent(shape.span) == (1, 1, 5, 2)


def test_profile():
    sf = parse(
        """
        profile {
          description "Customer traits"
          email        string optional
          timezone     timezone default "America/New_York"
          tier         one of "bronze", "silver", "gold" default "bronze"
          email_opt_in boolean default false
          visits       integer default 0 "Number of visits"
        }
        """
    )
    (profile,) = sf.profiles
    assert profile.description == "Customer traits"
    assert [(t.name, t.type, t.optional, t.default, t.description) for t in profile.traits] == [
        ("email", ir.ScalarType(name="string"), True, None, None),
        ("timezone", ir.ScalarType(name="timezone"), False, "America/New_York", None),
        ("tier", ir.EnumType(values=("bronze", "silver", "gold")), False, "bronze", None),
        ("email_opt_in", ir.ScalarType(name="boolean"), False, False, None),
        ("visits", ir.ScalarType(name="integer"), False, 0, "Number of visits"),
    ]
    assert profile.trait("email_opt_in").default is False
    assert at(profile.traits[2].span) == (5, 3)
    assert extent(profile.span) == (1, 1, 8, 2)


# ---------------------------------------------------------------- channels, segments, offers


def test_channel_every_setting():
    sf = parse(
        """
        channel sms {
          kind sms                      # email, sms, push, in_app, whatsapp or webhook
          owner growth
          shared with product, support
          address phone
          consent sms_opt_in
          description "Text messages"
        }
        channel email { kind email }
        """
    )
    sms, email = sf.channels
    assert sms.name == "sms"
    assert (sms.kind.name, at(sms.kind.span)) == ("sms", (2, 8))
    assert (sms.owner.name, at(sms.owner.span)) == ("growth", (3, 9))
    assert [(n.name, at(n.span)) for n in sms.shared_with] == [("product", (4, 15)), ("support", (4, 24))]
    assert (sms.address.name, at(sms.address.span)) == ("phone", (5, 11))
    assert (sms.consent.name, at(sms.consent.span)) == ("sms_opt_in", (6, 11))
    assert sms.description == "Text messages"
    assert extent(sms.span) == (1, 1, 8, 2)
    assert email.name == "email"
    assert email.kind.name == "email"
    assert (email.owner, email.shared_with, email.address, email.consent, email.description) == (
        None,
        (),
        None,
        None,
        None,
    )


def test_segment_title_description_and_condition():
    sf = parse(
        """
        segment dress_enthusiasts "Dress enthusiasts" {
          description "Buys dresses"
          (at least 3 "Product Viewed" in last 30 days where category == "dresses")
          and any "Order Completed" where any products where category == "dresses"
        }

        segment lapsed_customers {
          any "Order Completed" and no "Order Completed" in last 90 days
        }
        """
    )
    dress, lapsed = sf.segments
    assert (dress.name, dress.title, dress.description) == ("dress_enthusiasts", "Dress enthusiasts", "Buys dresses")
    assert sx(dress.condition) == (
        "and",
        (
            "behaviour",
            ">=",
            3.0,
            "Product Viewed",
            None,
            ("last", 30 * 86400, "30 days"),
            ("==", "category", C("dresses")),
        ),
        any_("Order Completed", ("any", "products", ("==", "category", C("dresses")))),
    )
    assert extent(dress.span) == (1, 1, 5, 2)
    assert (lapsed.name, lapsed.title, lapsed.description) == ("lapsed_customers", None, None)
    assert sx(lapsed.condition) == (
        "and",
        any_("Order Completed"),
        ("behaviour", "==", 0.0, "Order Completed", None, ("last", 90 * 86400, "90 days"), None),
    )
    assert at(lapsed.span) == (7, 1)


def test_offers_percent_sign_percent_word_currency_and_validity():
    sf = parse(
        """
        offer CART10 "Cart rescue" {
          code "CART10"
          value 10% off
          valid for 7 days
          description "Ten percent"
        }
        offer P15 { code "P15" value 15 percent off valid until 2026-12-31 }
        offer USD5 { code "USD5" value 5.5 USD }
        """
    )
    cart, p15, usd = sf.offers
    assert (cart.name, cart.title, cart.code, cart.description) == ("CART10", "Cart rescue", "CART10", "Ten percent")
    assert (cart.value.amount, cart.value.unit) == (10.0, "percent")
    assert at(cart.value.span) == (3, 3)
    assert cart.valid_for == ir.Duration(seconds=7 * 86400, text="7 days")
    assert cart.valid_until is None
    assert extent(cart.span) == (1, 1, 6, 2)
    assert (p15.title, p15.code, p15.value.amount, p15.value.unit) == (None, "P15", 15.0, "percent")
    assert (p15.valid_for, p15.valid_until) == (None, "2026-12-31")
    assert (usd.value.amount, usd.value.unit) == (5.5, "USD")
    assert (usd.valid_for, usd.valid_until, usd.description) == (None, None, None)


# ---------------------------------------------------------------- messages


MESSAGE = '''message cart_reminder on email {
  subject "You left something behind, {{ profile.first_name }}"
  preheader "Say \\"hi\\" \\\\ now\\nplease"
  html file "emails/cart_reminder.mjml"
  text """Hi "there", {{ profile.first_name | default("friend") }}
  raw \\n and \\" stay as written
"""
  category promotional
  description "The reminder"
}
'''


def test_message_every_field_form():
    sf = parse(MESSAGE, dedent=False)
    (message,) = sf.messages
    assert message.name == "cart_reminder"
    assert (message.channel.name, at(message.channel.span)) == ("email", (1, 26))
    assert (message.category.name, at(message.category.span)) == ("promotional", (8, 12))
    assert message.description == "The reminder"
    assert extent(message.span) == (1, 1, 10, 2)
    subject, preheader, html, text = message.fields
    assert [f.name for f in message.fields] == ["subject", "preheader", "html", "text"]

    assert subject.text == "You left something behind, {{ profile.first_name }}"
    assert (subject.file, subject.raw) == (None, False)
    assert extent(subject.span) == (2, 3, 2, 64)
    assert extent(subject.value_span) == (2, 11, 2, 64)

    assert preheader.text == 'Say "hi" \\ now\nplease'
    assert preheader.raw is False

    assert (html.file, html.text, html.raw) == ("emails/cart_reminder.mjml", None, False)
    assert extent(html.value_span) == (4, 13, 4, 40)

    # Triple quotes: newlines, quotes and backslashes are kept exactly as written.
    assert text.text == 'Hi "there", {{ profile.first_name | default("friend") }}\n  raw \\n and \\" stay as written\n'
    assert text.raw is True
    assert extent(text.value_span) == (5, 8, 7, 4)


def test_message_value_position_is_the_first_character_inside_the_quotes():
    sf = parse(MESSAGE, dedent=False)
    lines = MESSAGE.split("\n")
    positions = {f.name: (f.value_line, f.value_column) for f in sf.messages[0].fields}
    assert positions == {"subject": (2, 12), "preheader": (3, 14), "html": (4, 14), "text": (5, 11)}
    firsts = {f.name: lines[f.value_line - 1][f.value_column - 1] for f in sf.messages[0].fields}
    assert firsts == {"subject": "Y", "preheader": "S", "html": "e", "text": "H"}


def test_message_fields_of_other_channel_kinds():
    sf = parse(
        """
        message promo on push {
          title "Hello"
          body "World"
          link "https://example.com/x?a=1&b=2"
        }
        message wa on whatsapp { template "order_update" language "en" parameter "a" parameter "b" }
        """
    )
    push, wa = sf.messages
    assert [(f.name, f.text) for f in push.fields] == [
        ("title", "Hello"),
        ("body", "World"),
        ("link", "https://example.com/x?a=1&b=2"),
    ]
    assert push.category is None
    assert [(f.name, f.text) for f in wa.fields] == [
        ("template", "order_update"),
        ("language", "en"),
        ("parameter", "a"),
        ("parameter", "b"),
    ]


# ---------------------------------------------------------------- contact policy


def test_policy_every_item():
    sf = parse(
        """
        policy "House rules" {
          description "How often we write"
          priority transactional, lifecycle, promotional
          limit 3 messages per 7 days for promotional
          limit 1 message per day on sms
          limit 5 messages per 2 weeks for promotional, lifecycle on sms, email
          quiet hours 21:00 to 08:00 on sms, push then defer
          quiet hours 22:30 to 7:05 then drop
          suppress promotional for 14 days after "Product Reviewed" where rating <= 2
          suppress promotional, lifecycle for 12 hours after "Ticket Opened"
          exempt transactional from caps, quiet hours, suppression, consent
          exempt lifecycle from consent
        }
        """
    )
    (policy,) = sf.policies
    assert (policy.title, policy.description) == ("House rules", "How often we write")
    assert [(n.name, at(n.span)) for n in policy.priority] == [
        ("transactional", (3, 12)),
        ("lifecycle", (3, 27)),
        ("promotional", (3, 38)),
    ]

    def names(xs: tuple[ir.Name, ...]) -> list[str]:
        return [x.name for x in xs]

    caps = [(c.limit, c.window.seconds, c.window.text, names(c.categories), names(c.channels)) for c in policy.caps]
    assert caps == [
        (3, 7 * 86400, "7 days", ["promotional"], []),
        (1, 86400, "day", [], ["sms"]),
        (5, 14 * 86400, "2 weeks", ["promotional", "lifecycle"], ["sms", "email"]),
    ]
    assert extent(policy.caps[0].span) == (4, 3, 4, 46)
    quiet = [(q.start, q.end, names(q.channels), q.action) for q in policy.quiet_hours]
    assert quiet == [
        (ir.TimeOfDay(hour=21, minute=0), ir.TimeOfDay(hour=8, minute=0), ["sms", "push"], "defer"),
        (ir.TimeOfDay(hour=22, minute=30), ir.TimeOfDay(hour=7, minute=5), [], "drop"),
    ]
    first, second = policy.suppressions
    assert (names(first.categories), first.duration.seconds, first.duration.text, first.event) == (
        ["promotional"],
        14 * 86400,
        "14 days",
        "Product Reviewed",
    )
    assert at(first.event_span) == (9, 42)
    assert sx(first.where) == ("<=", "rating", C(2))
    assert (names(second.categories), second.duration.seconds, second.event, second.where) == (
        ["promotional", "lifecycle"],
        12 * 3600,
        "Ticket Opened",
        None,
    )
    assert [(names(e.categories), e.rules) for e in policy.exemptions] == [
        (["transactional"], ("caps", "quiet_hours", "suppression", "consent")),
        (["lifecycle"], ("consent",)),
    ]
    assert extent(policy.span) == (1, 1, 13, 2)


def test_policy_without_title():
    sf = parse("policy {\n  priority promotional\n}\n")
    assert sf.policies[0].title is None
    assert [n.name for n in sf.policies[0].priority] == ["promotional"]


# ---------------------------------------------------------------- journeys


JOURNEY = """
journey cart_recovery "Abandoned checkout recovery" {
  description "Bring them back"
  owner growth
  category promotional
  stage Purchase
  trigger "Checkout Started" where value > 0 keyed by order_id
  audience profile.email_opt_in
  entry once
  entry once ever
  entry at most once every 7 days
  entry at most 3 times
  entry one active run per order_id
  goal "Order Completed" where order_id == trigger.order_id within 7 days
  exit on "Order Cancelled" where order_id == trigger.order_id
  exit on "Account Deleted"

  wait 1 hour
  send email cart_reminder
  wait up to 2 days for "Order Completed" where total > 10 then {
    send cart_reminder
  } otherwise {
    wait until 10:00
    exit
  }
  if trigger.value >= 100 {
    send sms cart_discount with offer CART10
  } else if trigger.category == "shoes" {
    send push cart_nudge
    wait until monday at 10:30
  } else {
    send push cart_nudge
  }
  experiment subject_test {
    holdout 10%
    arm a 45% { send email a_msg }
    arm b 45 percent {
      send email b_msg
      wait until weekday at 09:15
    }
  }
  split s2 { arm x 100% { exit } }
  exit
}
"""


def test_journey_settings():
    sf = parse(JOURNEY)
    (j,) = sf.journeys
    assert (j.name, j.title, j.description, j.stage) == (
        "cart_recovery",
        "Abandoned checkout recovery",
        "Bring them back",
        "Purchase",
    )
    assert (j.owner.name, at(j.owner.span)) == ("growth", (3, 9))
    assert (j.category.name, at(j.category.span)) == ("promotional", (4, 12))
    assert extent(j.span) == (1, 1, 43, 2)

    trigger = j.trigger
    assert isinstance(trigger, ir.EventTrigger)
    assert trigger.event == "Checkout Started"
    assert extent(trigger.event_span) == (6, 11, 6, 29)
    assert sx(trigger.where) == (">", "value", C(0))
    assert (trigger.key.name, at(trigger.key.span)) == ("order_id", (6, 55))
    assert at(trigger.span) == (6, 11)

    assert sx(j.audience) == ("truthy", "profile.email_opt_in")
    assert [(r.kind, r.period, r.times, r.key.name if r.key else None) for r in j.entry] == [
        ("once", None, None, None),
        ("once", None, None, None),
        ("once_per", ir.Duration(seconds=7 * 86400, text="7 days"), None, None),
        ("max_times", None, 3, None),
        ("one_active", None, None, "order_id"),
    ]
    assert [at(r.span) for r in j.entry] == [(8, 9), (9, 9), (10, 9), (11, 9), (12, 9)]

    assert j.goal.event == "Order Completed"
    assert sx(j.goal.where) == ("==", "order_id", "trigger.order_id")
    assert j.goal.within == ir.Duration(seconds=7 * 86400, text="7 days")
    assert at(j.goal.event_span) == (13, 8)
    assert [(e.event, sx(e.where) if e.where else None) for e in j.exits] == [
        ("Order Cancelled", ("==", "order_id", "trigger.order_id")),
        ("Account Deleted", None),
    ]
    assert at(j.exits[1].span) == (15, 3)


def test_journey_steps_and_step_ids():
    (j,) = parse(JOURNEY).journeys
    s = j.steps
    assert [step.id for step in s] == ["1", "2", "3", "4", "5", "6", "7"]
    assert [step.kind for step in s] == ["wait", "send", "wait_for", "if", "experiment", "experiment", "exit"]

    assert s[0].duration == ir.Duration(seconds=3600, text="1 hour")
    assert at(s[0].span) == (17, 3)

    send = s[1]
    assert (send.channel.name, send.message.name, send.offer) == ("email", "cart_reminder", None)
    assert at(send.channel.span) == (18, 8)
    assert at(send.message.span) == (18, 14)

    wait_for = s[2]
    assert wait_for.event == "Order Completed"
    assert at(wait_for.event_span) == (19, 25)
    assert wait_for.timeout == ir.Duration(seconds=2 * 86400, text="2 days")
    assert sx(wait_for.where) == (">", "total", C(10))
    (then_send,) = wait_for.then
    assert (then_send.id, then_send.channel, then_send.message.name) == ("3.then.1", None, "cart_reminder")
    until, exit_ = wait_for.otherwise
    assert (until.id, until.time, until.weekday) == ("3.otherwise.1", ir.TimeOfDay(hour=10, minute=0), None)
    assert (exit_.id, exit_.kind) == ("3.otherwise.2", "exit")

    if_step = s[3]
    first, second = if_step.branches
    assert sx(first.condition) == (">=", "trigger.value", C(100))
    (discount,) = first.steps
    assert (discount.id, discount.channel.name, discount.message.name, discount.offer.name) == (
        "4.if1.1",
        "sms",
        "cart_discount",
        "CART10",
    )
    assert at(discount.offer.span) == (26, 39)
    assert sx(second.condition) == ("==", "trigger.category", C("shoes"))
    assert [(x.id, x.kind) for x in second.steps] == [("4.if2.1", "send"), ("4.if2.2", "wait_until")]
    assert (second.steps[1].time, second.steps[1].weekday) == (ir.TimeOfDay(hour=10, minute=30), "monday")
    assert [(x.id, x.message.name) for x in if_step.otherwise] == [("4.else.1", "cart_nudge")]

    experiment = s[4]
    assert (experiment.name, experiment.holdout) == ("subject_test", 10.0)
    assert at(experiment.holdout_span) == (34, 5)
    assert [(a.name, a.weight) for a in experiment.arms] == [("a", 45.0), ("b", 45.0)]
    assert [(x.id, x.message.name) for x in experiment.arms[0].steps] == [("5.a.1", "a_msg")]
    b_send, b_wait = experiment.arms[1].steps
    assert (b_send.id, b_wait.id) == ("5.b.1", "5.b.2")
    assert (b_wait.time, b_wait.weekday) == (ir.TimeOfDay(hour=9, minute=15), "weekday")

    split = s[5]
    assert (split.name, split.holdout, split.holdout_span) == ("s2", None, None)
    assert [(a.name, a.weight, [x.id for x in a.steps]) for a in split.arms] == [("x", 100.0, ["6.x.1"])]
    assert at(s[6].span) == (42, 3)


def test_nested_step_ids():
    sf = parse(
        """
        journey j {
          owner growth
          category lifecycle
          trigger "Signed Up"
          wait up to 1 day for "Logged In" then {
            if profile.vip {
              wait 2 days
              send welcome
            }
          }
        }
        """
    )
    (wait_for,) = sf.journeys[0].steps
    (if_step,) = wait_for.then
    assert if_step.id == "1.then.1"
    assert [x.id for x in if_step.branches[0].steps] == ["1.then.1.if1.1", "1.then.1.if1.2"]
    assert if_step.otherwise is None
    assert wait_for.otherwise == ()


def test_trigger_kinds_and_stage_as_text():
    sf = parse(
        """
        journey seg "Win back" {
          owner growth
          category lifecycle
          stage "Post purchase"
          trigger entering segment lapsed_customers
        }
        journey daily { owner growth category lifecycle trigger every day at 09:00 }
        journey weekly { owner growth category lifecycle trigger every monday at 10:30 }
        journey plain { owner growth category lifecycle trigger "Signed Up" }
        """
    )
    seg, daily, weekly, plain = sf.journeys
    assert seg.stage == "Post purchase"
    assert isinstance(seg.trigger, ir.SegmentTrigger)
    assert (seg.trigger.segment.name, at(seg.trigger.segment.span)) == ("lapsed_customers", (5, 28))
    assert isinstance(daily.trigger, ir.ScheduleTrigger)
    assert (daily.trigger.every, daily.trigger.at) == ("day", ir.TimeOfDay(hour=9, minute=0))
    assert (weekly.trigger.every, weekly.trigger.at) == ("monday", ir.TimeOfDay(hour=10, minute=30))
    assert isinstance(plain.trigger, ir.EventTrigger)
    assert (plain.trigger.event, plain.trigger.where, plain.trigger.key) == ("Signed Up", None, None)
    assert (plain.stage, plain.audience, plain.entry, plain.goal, plain.exits, plain.steps) == (
        None,
        None,
        (),
        None,
        (),
        (),
    )


def test_goal_without_filter_and_without_window():
    sf = parse(
        """
        journey j {
          owner growth
          category lifecycle
          trigger "Signed Up"
          goal "Order Completed"
        }
        journey k {
          owner growth
          category lifecycle
          trigger "Signed Up"
          goal "Order Completed" within 30 days
        }
        """
    )
    assert (sf.journeys[0].goal.event, sf.journeys[0].goal.where, sf.journeys[0].goal.within) == (
        "Order Completed",
        None,
        None,
    )
    assert sf.journeys[1].goal.where is None
    assert sf.journeys[1].goal.within == ir.Duration(seconds=30 * 86400, text="30 days")


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("30 minutes", 1800),
        ("1 minute", 60),
        ("2 hours", 7200),
        ("90 minutes", 5400),
        ("30 seconds", 30),
        ("1 second", 1),
        ("45 Seconds", 45),
        ("3 days", 3 * 86400),
        ("2 weeks", 14 * 86400),
        ("day", 86400),
    ],
)
def test_durations_in_seconds(written, seconds):
    sf = parse(f'journey j {{ owner g category c trigger "E" wait {written} }}\n')
    assert sf.journeys[0].steps[0].duration == ir.Duration(seconds=seconds, text=written)


# ---------------------------------------------------------------- conditions


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("a or b and c", ("or", T("a"), ("and", T("b"), T("c")))),
        ("a and b or c", ("or", ("and", T("a"), T("b")), T("c"))),
        ("a and b and c", ("and", T("a"), T("b"), T("c"))),
        ("a or b or c", ("or", T("a"), T("b"), T("c"))),
        ("a and b or c and d", ("or", ("and", T("a"), T("b")), ("and", T("c"), T("d")))),
        ("(a or b) and c", ("and", ("or", T("a"), T("b")), T("c"))),
        ("a and (b or c)", ("and", T("a"), ("or", T("b"), T("c")))),
        ("((a))", T("a")),
        ("not a", ("not", T("a"))),
        ("not a and b", ("and", ("not", T("a")), T("b"))),
        ("not a or b", ("or", ("not", T("a")), T("b"))),
        ("a and not b", ("and", T("a"), ("not", T("b")))),
        ("not (a or b)", ("not", ("or", T("a"), T("b")))),
        ("not not a", ("not", ("not", T("a")))),
    ],
)
def test_and_or_not_precedence_and_parentheses(text, tree):
    assert sx(cond(text)) == tree


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ('profile.tier == "gold"', ("==", "profile.tier", C("gold"))),
        ('profile.tier != "gold"', ("!=", "profile.tier", C("gold"))),
        ("trigger.value < 10", ("<", "trigger.value", C(10))),
        ("trigger.value <= 10.5", ("<=", "trigger.value", C(10.5))),
        ("trigger.value > 0", (">", "trigger.value", C(0))),
        ("trigger.value >= 100", (">=", "trigger.value", C(100))),
        ('profile.tier is "gold"', ("==", "profile.tier", C("gold"))),
        ('profile.tier is not "gold"', ("!=", "profile.tier", C("gold"))),
        ("profile.vip is true", ("==", "profile.vip", C(True))),
        ("profile.vip is not false", ("!=", "profile.vip", C(False))),
        ("profile.tier == trigger.tier", ("==", "profile.tier", "trigger.tier")),
        ('"gold" == profile.tier', ("==", C("gold"), "profile.tier")),
        ("profile.phone is set", ("is set", "profile.phone")),
        ("profile.phone is not set", ("is not set", "profile.phone")),
        ('profile.tier is one of "silver", "gold"', ("is one of", "profile.tier", "silver", "gold")),
        ('profile.tier is not one of "bronze"', ("is not one of", "profile.tier", "bronze")),
        ("trigger.count is one of 1, 2", ("is one of", "trigger.count", 1, 2)),
        ("profile.email_opt_in", ("truthy", "profile.email_opt_in")),
        ("in segment vip", ("in segment", "vip")),
        (
            'last category of "Product Viewed" == "dresses"',
            ("==", ("last", "category", "Product Viewed"), C("dresses")),
        ),
        ('last total of "Order Completed" > 10', (">", ("last", "total", "Order Completed"), C(10))),
    ],
)
def test_comparisons_and_simple_conditions(text, tree):
    assert sx(cond(text)) == tree


def test_is_one_of_values_are_consts_with_spans():
    c = cond('profile.tier is one of "silver", "gold"')
    assert [(v.value, extent(v.span)) for v in c.values] == [("silver", (2, 26, 2, 34)), ("gold", (2, 36, 2, 42))]
    assert extent(c.operand.span) == (2, 3, 2, 15)
    assert extent(c.span) == (2, 3, 2, 42)


@pytest.mark.parametrize(
    ("text", "op", "threshold"),
    [
        ('at least 3 "E"', ">=", 3.0),
        ('at most 3 "E"', "<=", 3.0),
        ('exactly 2 "E"', "==", 2.0),
        ('more than 4 "E"', ">", 4.0),
        ('fewer than 5 "E"', "<", 5.0),
        ('any "E"', ">=", 1.0),
        ('no "E"', "==", 0.0),
        ('none "E"', "==", 0.0),
    ],
)
def test_behaviour_thresholds(text, op, threshold):
    assert sx(cond(text)) == ("behaviour", op, threshold, "E", None, None, None)


def test_sum_behaviour():
    assert sx(cond('at least 500 total revenue of "Order Completed"')) == (
        "behaviour",
        ">=",
        500.0,
        "Order Completed",
        "revenue",
        None,
        None,
    )
    assert sx(cond('at most 2.5 total value of "E" in last 7 days where currency == "USD"')) == (
        "behaviour",
        "<=",
        2.5,
        "E",
        "value",
        ("last", 7 * 86400, "7 days"),
        ("==", "currency", C("USD")),
    )


def test_windows():
    assert sx(cond('any "E" in last 30 days')) == any_("E", win=("last", 30 * 86400, "30 days"))
    assert sx(cond('at least 2 "E" in last 12 hours')) == (
        "behaviour",
        ">=",
        2.0,
        "E",
        None,
        ("last", 12 * 3600, "12 hours"),
        None,
    )
    c = cond('no "E" since entry')
    assert sx(c) == ("behaviour", "==", 0.0, "E", None, "since entry", None)
    assert extent(c.window.span) == (2, 10, 2, 21)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        (
            'any "E" where a == 1 and b == 2',
            any_("E", ("and", ("==", "a", C(1)), ("==", "b", C(2)))),
        ),
        (
            'any "E" where a == 1 or b == 2 and c == 3',
            any_("E", ("or", ("==", "a", C(1)), ("and", ("==", "b", C(2)), ("==", "c", C(3))))),
        ),
        (
            'x and any "E" where a == 1 and b == 2',
            ("and", T("x"), any_("E", ("and", ("==", "a", C(1)), ("==", "b", C(2))))),
        ),
        (
            '(any "E" where a == 1) and b',
            ("and", any_("E", ("==", "a", C(1))), T("b")),
        ),
        (
            'x or any "E" where a == 1 or b',
            ("or", T("x"), any_("E", ("or", ("==", "a", C(1)), T("b")))),
        ),
        (
            'not any "E" where a == 1 and b == 2',
            ("not", any_("E", ("and", ("==", "a", C(1)), ("==", "b", C(2))))),
        ),
        (
            'x and not any "E" in last 7 days where a == 1',
            ("and", T("x"), ("not", any_("E", ("==", "a", C(1)), ("last", 7 * 86400, "7 days")))),
        ),
        (
            'at least 3 "E" since entry where a == 1 and in segment vip',
            ("behaviour", ">=", 3.0, "E", None, "since entry", ("and", ("==", "a", C(1)), ("in segment", "vip"))),
        ),
        (
            'any "E" where a == trigger.a and b is set and profile.vip',
            any_("E", ("and", ("==", "a", "trigger.a"), ("is set", "b"), ("truthy", "profile.vip"))),
        ),
    ],
)
def test_where_filters_read_greedily_to_the_end(text, tree):
    assert sx(cond(text)) == tree


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ('any products where category == "dresses"', ("any", "products", ("==", "category", C("dresses")))),
        ("all products where price > 10", ("all", "products", (">", "price", C(10)))),
        (
            'no products where category == "x" and price < 5',
            (
                "no",
                "products",
                ("and", ("==", "category", C("x")), ("<", "price", C(5))),
            ),
        ),
        ("any trigger.products where price > 10", ("any", "trigger.products", (">", "price", C(10)))),
        (
            'any "Order Completed" where any products where category == "dresses" and price > 50',
            any_(
                "Order Completed",
                ("any", "products", ("and", ("==", "category", C("dresses")), (">", "price", C(50)))),
            ),
        ),
        (
            'any "Order Completed" where total > 5 and all products where price > 1',
            any_("Order Completed", ("and", (">", "total", C(5)), ("all", "products", (">", "price", C(1))))),
        ),
        (
            "(any products where price > 1) or b",
            ("or", ("any", "products", (">", "price", C(1))), T("b")),
        ),
    ],
)
def test_list_predicates_and_nested_filters(text, tree):
    assert sx(cond(text)) == tree


def test_condition_spans():
    c = cond('at least 3 "Product Viewed" in last 30 days where category == "dresses" or b')
    # The filter reads to the end, so `or b` belongs to it.
    assert isinstance(c, ir.Behaviour)
    assert extent(c.span) == (2, 3, 2, 79)
    assert extent(c.event_span) == (2, 14, 2, 30)
    assert extent(c.window.span) == (2, 31, 2, 46)
    assert isinstance(c.where, ir.Or)
    assert extent(c.where.span) == (2, 53, 2, 79)
    compare, b = c.where.items
    assert extent(compare.span) == (2, 53, 2, 74)
    assert extent(b.span) == (2, 78, 2, 79)


def test_condition_spans_of_operands_and_connectives():
    c = cond('profile.tier == "gold" and in segment vip')
    assert isinstance(c, ir.And)
    assert extent(c.span) == (2, 3, 2, 44)
    compare, seg = c.items
    assert extent(compare.span) == (2, 3, 2, 25)
    assert extent(compare.left.span) == (2, 3, 2, 15)
    assert extent(compare.right.span) == (2, 19, 2, 25)
    assert extent(seg.span) == (2, 30, 2, 44)
    assert extent(seg.name_span) == (2, 41, 2, 44)
    last = cond('last category of "Product Viewed" == "x"').left
    assert extent(last.span) == (2, 3, 2, 36)
    assert extent(last.event_span) == (2, 20, 2, 36)
    lp = cond("any products where price > 1")
    assert extent(lp.span) == (2, 3, 2, 31)
    assert extent(lp.list.span) == (2, 7, 2, 15)
    n = cond("not a")
    assert extent(n.span) == (2, 3, 2, 8)


def test_conditions_span_several_lines():
    sf = parse(
        """
        segment s {
          a
          or b
          and c
        }
        """
    )
    c = sf.segments[0].condition
    assert sx(c) == ("or", T("a"), ("and", T("b"), T("c")))
    assert extent(c.span) == (2, 3, 4, 8)
    assert extent(c.items[1].span) == (3, 6, 4, 8)


# ---------------------------------------------------------------- words, comments, texts


def test_keywords_usable_as_property_names():
    sf = parse(
        """
        event "Checkout Started" {
          value    number
          category string
          total    number optional
          name     string
          last     string
          any      string
        }
        segment s { any "Checkout Started" where value > 0 and category == "x" and total >= 1 and name == "n" }
        journey j {
          owner growth
          category promotional
          trigger "Checkout Started" where value > 0 and total > 0 keyed by value
          if trigger.value >= 100 and trigger.category == "x" and trigger.total > 1 and trigger.name == "n" {
            exit
          }
          goal "Order Completed" where total == trigger.total within 1 day
          send m
        }
        """
    )
    assert [p.name for p in sf.events[0].properties] == ["value", "category", "total", "name", "last", "any"]
    assert sx(sf.segments[0].condition) == any_(
        "Checkout Started",
        ("and", (">", "value", C(0)), ("==", "category", C("x")), (">=", "total", C(1)), ("==", "name", C("n"))),
    )
    j = sf.journeys[0]
    assert j.category.name == "promotional"
    assert sx(j.trigger.where) == ("and", (">", "value", C(0)), (">", "total", C(0)))
    assert j.trigger.key.name == "value"
    assert sx(j.steps[0].branches[0].condition) == (
        "and",
        (">=", "trigger.value", C(100)),
        ("==", "trigger.category", C("x")),
        (">", "trigger.total", C(1)),
        ("==", "trigger.name", C("n")),
    )
    assert sx(j.goal.where) == ("==", "total", "trigger.total")
    assert sx(cond('last value of "E" > 1')) == (">", ("last", "value", "E"), C(1))
    assert sx(cond('at least 5 total total of "E"')) == ("behaviour", ">=", 5.0, "E", "total", None, None)


def test_comments_everywhere():
    sf = parse(
        """
        # a file comment
        import "events.journey" # after an import
        team growth # after a team
        event "E" { # after a brace
          # inside a body
          a number # after a property
        } # after a closing brace
        segment s {
          # before a condition
          any "E" # after the event
            where a > 1 # inside a filter
            and a < 9
        }
        journey j { # x
          owner growth # y
          category lifecycle
          trigger "E"
          if a # inside a condition
             or b {
            exit # inside a block
          } # after a block
          experiment t { # e
            arm a 100% { exit } # arm
          }
        }
        # the end, without a newline"""
    )
    assert [i.target for i in sf.imports] == ["events.journey"]
    assert [t.name for t in sf.teams] == ["growth"]
    assert [p.name for p in sf.events[0].properties] == ["a"]
    assert sx(sf.segments[0].condition) == any_("E", ("and", (">", "a", C(1)), ("<", "a", C(9))))
    j = sf.journeys[0]
    assert sx(j.steps[0].branches[0].condition) == ("or", T("a"), T("b"))
    assert [s.id for s in j.steps] == ["1", "2"]


def test_hash_inside_text_is_not_a_comment():
    sf = parse('team growth "Growth #1"\nevent "Order #" { }\n')
    assert sf.teams[0].title == "Growth #1"
    assert sf.events[0].name == "Order #"


def test_text_escapes():
    sf = parse(
        r"""
        team growth "Say \"hi\""
        team support "back\\slash"
        team ops "two\nlines"
        team eng "tab\there"
        segment s { profile.note == "a\"b\\c\nd" }
        """
    )
    assert [t.title for t in sf.teams] == ['Say "hi"', "back\\slash", "two\nlines", "tab\there"]
    assert sx(sf.segments[0].condition) == ("==", "profile.note", C('a"b\\c\nd'))


def test_event_names_keep_escapes_decoded():
    sf = parse(r'event "Say \"Hi\"" { description "a \\ b" }' + "\n")
    assert sf.events[0].name == 'Say "Hi"'
    assert sf.events[0].description == "a \\ b"


# ---------------------------------------------------------------- a file using every construct


EVERYTHING = (
    """# every construct
import ecommerce
import "catalog/events.journey"
team growth "Growth marketing"
team support
category promotional "Offers and discounts"
category lifecycle

shape product {
  product_id string
  category   string optional
  price      number optional "Price in US dollars"
}
"""
    + EVENT
    + """
profile {
  description "Customer traits"
  timezone     timezone default "America/New_York"
  tier         one of "bronze", "silver", "gold" default "bronze"
  email_opt_in boolean default false
  phone        string optional
  sms_opt_in   boolean default false
}

channel sms {
  kind sms
  owner growth
  shared with product, support
  address phone
  consent sms_opt_in
  description "Texts"
}

segment dress_enthusiasts "Dress enthusiasts" {
  description "d"
  (at least 3 "Product Viewed" in last 30 days where category == "dresses")
  and any "Order Completed" where any products where category == "dresses"
  or profile.tier is one of "silver", "gold" and not profile.phone is not set
  or at least 500 total total of "Order Completed" or last category of "P" == "x" or in segment vip
  or profile.tier is not "gold" or no "E" or none "E" or exactly 1 "E" or more than 1 "E" or fewer than 9 "E"
  or all products where price > 1
}

offer CART10 "Cart rescue" { code "CART10" value 10% off valid for 7 days description "x" }
offer P10 { code "P10" value 10 percent off valid until 2026-12-31 }
offer USD5 { code "USD5" value 5 USD off }

"""
    + MESSAGE
    + """
policy "House rules" {
  description "p"
  priority transactional, lifecycle, promotional
  limit 3 messages per 7 days for promotional
  limit 1 message per day on sms
  quiet hours 21:00 to 08:00 on sms, push then defer
  quiet hours 21:00 to 08:00 then drop
  suppress promotional for 14 days after "Product Reviewed" where rating <= 2
  exempt transactional from caps, quiet hours, suppression, consent
}
"""
    + JOURNEY
    + """
journey seg { owner growth category lifecycle stage "Later" trigger entering segment lapsed }
journey daily { owner growth category lifecycle trigger every day at 09:00 }
journey weekly { owner growth category lifecycle trigger every monday at 10:00 }
"""
)


def test_round_trip_through_json():
    sf = parse(EVERYTHING, dedent=False)
    # Every declaration kind is present, so the round trip covers every node type.
    for attr in (
        "imports",
        "teams",
        "categories",
        "events",
        "shapes",
        "profiles",
        "channels",
        "segments",
        "offers",
        "messages",
        "policies",
        "journeys",
    ):
        assert getattr(sf, attr), attr
    again = ir.SourceFile.model_validate_json(sf.model_dump_json())
    assert again == sf
    # Numbers keep their kind: an integer default stays an int, a threshold a float, a bool a bool.
    quantity = again.events[0].property("quantity")
    assert quantity.default == 1 and type(quantity.default) is int
    assert again.events[0].property("paid").default is True


def test_crlf_parses_identically_to_lf():
    lf = parse(EVERYTHING, dedent=False)
    crlf = parse(EVERYTHING.replace("\n", "\r\n"), dedent=False)
    assert crlf == lf


def test_crlf_triple_quoted_text_has_the_same_text_and_positions():
    text = 'message m on email {\n  text """line one\n  line two\n  """\n}\n'
    lf = parse(text, dedent=False).messages[0].fields[0]
    crlf = parse(text.replace("\n", "\r\n"), dedent=False).messages[0].fields[0]
    assert lf.text == "line one\n  line two\n  "
    assert crlf.text == lf.text
    assert (crlf.value_line, crlf.value_column) == (lf.value_line, lf.value_column) == (2, 11)


def test_properties_may_be_named_like_keywords_of_other_blocks():
    # `value`, `code`, `priority`, `kind` and `owner` are keywords in offers, policies and channels; after a
    # description or a property text they must still be read as property names.
    source = parse(
        """
        event "OTP Requested" {
          description "A customer asked for a code"
          code     string "The code"
          value    number optional "Worth"
          priority string default "high"
          kind     string optional
          owner    string optional
        }
        message otp on sms { description "The code" text "Your code is {{ trigger.code }}" }
        """
    )
    [event] = source.events
    assert [p.name for p in event.properties] == ["code", "value", "priority", "kind", "owner"]
    assert event.properties[2].default == "high"
    [message] = source.messages
    assert [f.name for f in message.fields] == ["text"]


def test_triple_quoted_text_is_raw_even_with_a_trailing_backslash():
    source = parse('message m on email {\n  subject "s"\n  text """C:\\\\path\\\\"""\n}\n', dedent=False)
    [message] = source.messages
    assert message.fields[1].text == "C:\\\\path\\\\"


def test_segment_description_followed_by_a_profile_condition():
    source = parse(
        """
        segment gold_members {
          description "Customers on the gold tier"
          profile.tier == "gold"
        }
        """
    )
    [segment] = source.segments
    assert segment.description == "Customers on the gold tier"
    assert sx(segment.condition)[0] == "=="


def test_a_zero_with_a_decimal_point_stays_a_decimal_number():
    """`0.0` once became the whole number 0 (a falsy value was taken for a number too large to keep)."""
    source, diagnostics = parse_source('segment s "S" { profile.tier == 0.0 or profile.tier == 0 }\n', "x.journey")
    assert not diagnostics
    condition = source.segments[0].condition
    values = [part.right.value for part in condition.items]
    assert [(v, type(v)) for v in values] == [(0.0, float), (0, int)]
