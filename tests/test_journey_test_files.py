"""journeyc.journey_tests.files: whatever a test file holds, reading it gives a test or the file's problems in
plain words, never an exception of another kind (which would stop `journeyc test` with an internal error)."""

from __future__ import annotations

import json
import math
import string
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from journeyc.journey_tests.files import MAX_SPAN, TestFileError, read_test

JOURNEYS = {"cart_recovery"}
START = "2026-03-02T15:00:00Z"


def toml_value(value: Any) -> str:
    """A value as TOML (inline): texts as JSON strings (valid TOML basic strings), tables inline."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else "inf"
            if value == math.inf
            else "-inf"
            if value == -math.inf
            else repr(value)
        )
    if isinstance(value, (int, str)):
        return json.dumps(value) if isinstance(value, str) else str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return "{" + ", ".join(f"{json.dumps(key)} = {toml_value(item)}" for key, item in value.items()) + "}"


times = st.one_of(
    st.sampled_from(["+0m", "+1h", "+2d 3h", "+99999999999999999999d", "+", "+1x", START, "2999-01-01T00:00:00Z",
                     "0001-01-01T00:00:00Z", "not a time", ""]),
    st.builds(lambda n, unit: f"+{n}{unit}", st.integers(0, 10**30), st.sampled_from("wdhms")),
)  # fmt: skip
# Texts of the Basic Multilingual Plane without surrogates: JSON escapes them as TOML reads them.
keys = st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)), max_size=5)
scalars = st.one_of(st.text(string.printable, max_size=8), st.integers(-(2**70), 2**70), st.floats(), st.booleans())
anything = st.recursive(
    st.one_of(scalars, times),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)),
    max_leaves=6,
)
texts = st.one_of(st.sampled_from(["heather", "Hi", "None", ""]), anything)


def table(settings: dict[str, st.SearchStrategy], required: tuple[str, ...] = ()) -> st.SearchStrategy:
    """Tables of settings: well formed (the required ones, some others, values of their kinds) or not (any
    value, a setting missing, an unknown one)."""
    optional = {key: values for key, values in settings.items() if key not in required}
    well_formed = st.fixed_dictionaries({key: settings[key] for key in required}, optional=optional)
    noisy = st.builds(
        lambda known, extra: {**known, **extra},
        st.fixed_dictionaries({}, optional={key: st.one_of(values, anything) for key, values in settings.items()}),
        st.dictionaries(st.sampled_from(["at_", "x"]), anything, max_size=1),
    )
    return st.one_of(well_formed, noisy)


customers = st.sampled_from(["heather", "bob"])
offsets = st.builds(lambda n, unit: f"+{n}{unit}", st.integers(0, 100), st.sampled_from("dhm"))
event_tables = table(
    {"at": offsets, "customer": customers, "event": st.just("Checkout Started"), "properties": st.just({})},
    required=("customer", "event"),
)
expect_tables = table(
    {
        "customer": customers,
        "message": st.just("cart_reminder"),
        "channel": st.just("email"),
        "at": offsets,
        "within": st.lists(offsets, min_size=2, max_size=2),
        "status": st.just("sent"),
        "reason": st.just("consent"),
        "contains": st.one_of(texts, st.lists(texts, max_size=2)),
        "not_contains": st.one_of(texts, st.lists(texts, max_size=2)),
        "fields": st.one_of(texts, st.lists(texts, max_size=2)),
    },
    required=("customer", "message"),
)
documents = table(
    {
        "journey": st.just("cart_recovery"),
        "start": st.just(START),
        "until": offsets,
        "customers": st.dictionaries(customers, st.just({"email": "a@b.c"})),
        "events": st.lists(event_tables, max_size=3),
        "expect": st.lists(expect_tables, max_size=3),
    },
    required=("journey", "start"),
)


@pytest.mark.slow
@settings(max_examples=examples(500), deadline=None)
@given(documents)
def test_any_test_file_reads_as_a_test_or_as_its_problems(document):
    text = "\n".join(f"{json.dumps(key)} = {toml_value(value)}" for key, value in document.items())
    try:
        test = read_test(text, "t.test.toml", JOURNEYS)
    except TestFileError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.startswith("t.test.toml") and "Traceback" not in problem
        return
    assert test.journey == "cart_recovery"
    for expectation in test.expectations:
        assert expectation.low <= expectation.high
        assert abs(expectation.high - test.start) <= MAX_SPAN
    assert all(abs(event.time - test.start) <= MAX_SPAN for event in test.events)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('journey = "cart_recovery"\nstart = "2026-03-02T15:00:00Z"\nexpect = [{ customer = "a", message = 3 }]',
         't.test.toml:3: expect 1: "message" must be a text such as "cart_reminder", not a number'),
        ('journey = "cart_recovery"\nstart = 2026-03-02\n',
         't.test.toml:2: "start" must be a time such as "2026-03-02T10:00:00Z", not a date without a time of day'),
        ('journey = "cart_recovery"\nstart = "+1h"\n',
         't.test.toml:2: "+1h" is not a time such as "2026-03-02T10:00:00Z"'),
        ('journey = "cart_recovery"\nstart = "2026-03-02T15:00:00Z"\n[customers]\n  "ana maria" = 4\n',
         't.test.toml:4: customer "ana maria": its traits must be a table such as [customers.ana maria]'),
        ('journey = "cart_recovery"\nstart = "2026-03-02T15:00:00Z"\nuntil = "+1h"\n[[expect]]\n# a comment\n'
         'message = "m"\n', 't.test.toml:4: expect 1: "customer" must be a text such as "heather", it is missing'),
        ('journey = "cart_recovery"\nstart = "2026-03-02T15:00:00Z"\n[[expect]\n',
         't.test.toml:3:9: not valid TOML: expected \']]\' at the end of an array declaration'),
        ('journey = "cart_recovery"\nstart = "2026-03-02T15:00:00Z"\nevents = [\n',
         't.test.toml:4: not valid TOML: invalid value'),
    ],
)  # fmt: skip
def test_each_problem_names_its_line_when_it_can(text, problem):
    with pytest.raises(TestFileError) as raised:
        read_test(text, "t.test.toml", JOURNEYS)
    assert raised.value.problems == [problem]
