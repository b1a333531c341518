"""One-click unsubscribe tokens: they round-trip, and a forged, altered, expired or foreign one verifies to None."""

from __future__ import annotations

import base64
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeyc.runtime.unsubscribe import make_token, verify_token

SECRET = "an-unsubscribe-secret-of-32-chars!"
NOW = 1_776_175_200.0
EXPIRES = NOW + 90 * 86400


def test_a_token_verifies_to_its_customer_and_channel_until_it_expires() -> None:
    token = make_token(SECRET, "loomwell", "u-priya", "email", EXPIRES)

    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", token)  # goes into a URL as it is
    assert verify_token(SECRET, token, project="loomwell", now=NOW) == ("u-priya", "email")
    assert verify_token(SECRET.encode(), token, project="loomwell", now=EXPIRES - 1) == ("u-priya", "email")
    assert verify_token(SECRET, token, project="loomwell", now=EXPIRES) is None  # expired
    assert make_token(SECRET, "loomwell", "u-priya", "email", EXPIRES) == token  # the same on every retry


def test_a_token_does_not_verify_with_another_secret_or_for_another_project() -> None:
    token = make_token(SECRET, "loomwell", "u-priya", "email", EXPIRES)

    assert verify_token("another-secret-of-thirty-two-chars", token, project="loomwell", now=NOW) is None
    assert verify_token(SECRET, token, project="other-shop", now=NOW) is None


@pytest.mark.parametrize(
    "fields",
    [
        ["loomwell", "u-marcus", "email", int(EXPIRES)],  # someone else
        ["loomwell", "u-priya", "sms", int(EXPIRES)],  # another channel
        ["loomwell", "u-priya", "email", int(EXPIRES) + 10**8],  # a later expiry
    ],
)
def test_a_payload_changed_under_its_signature_does_not_verify(fields: list[object]) -> None:
    signature = make_token(SECRET, "loomwell", "u-priya", "email", EXPIRES).split(".")[1]
    payload = base64.urlsafe_b64encode(json.dumps(fields, separators=(",", ":")).encode()).rstrip(b"=").decode()

    assert verify_token(SECRET, f"{payload}.{signature}", project="loomwell", now=NOW) is None


def test_a_changed_or_cut_signature_does_not_verify() -> None:
    payload, signature = make_token(SECRET, "loomwell", "u-priya", "email", EXPIRES).split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]

    for forged in (f"{payload}.{flipped}", f"{payload}.{signature[:-1]}", f"{payload}.", payload, f"{payload}.é"):
        assert verify_token(SECRET, forged, project="loomwell", now=NOW) is None


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        make_token("", "loomwell", "u-priya", "email", EXPIRES)


@given(st.text(max_size=200))
def test_any_text_as_a_token_verifies_to_none_and_never_raises(text: str) -> None:
    assert verify_token(SECRET, text, project="loomwell", now=NOW) is None


@given(st.text(min_size=1), st.text(min_size=1), st.text(min_size=1))
def test_any_customer_and_channel_round_trip(project: str, user_id: str, channel: str) -> None:
    token = make_token(SECRET, project, user_id, channel, EXPIRES)
    assert verify_token(SECRET, token, project=project, now=NOW) == (user_id, channel)
