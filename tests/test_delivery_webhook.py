"""Signed webhook POSTs, received by a real HTTP server on loopback (tests/receivers.py)."""

from __future__ import annotations

import json
import socket
import time

import pytest
import receivers
from receivers import WebhookReceiver, sample_delivery

from journeyc.runtime.delivery import (
    PermanentDeliveryError,
    Receipt,
    TransientDeliveryError,
    WebhookProvider,
    sign,
    verify_signature,
    webhook_body,
)
from journeyc.runtime.delivery.settings import WebhookSettings

webhook_receiver = receivers.webhook_receiver  # (the fixture)
SECRET = "test-webhook-secret"  # the fixture's

SMS = sample_delivery(
    key="loomwell/u-priya/run-7/3",
    channel="sms",
    kind="sms",
    message="cart_discount",
    category="promotional",
    to="+15550001",
    content={"text": "Priya, 10% off with CART10 — ends tonight"},
    offer="CART10",
    arm="b",
)


def provider_for(receiver: WebhookReceiver, secret: str = SECRET, timeout: float = 5) -> WebhookProvider:
    return WebhookProvider(WebhookSettings("sms", receiver.url("/sms?team=growth"), "SMS_SECRET", timeout), secret)


def test_the_post_is_signed_json_of_the_delivery_with_its_idempotency_key(webhook_receiver: WebhookReceiver) -> None:
    receipt = provider_for(webhook_receiver).deliver(SMS)

    assert receipt == Receipt("webhook", "HTTP 200")
    [request] = webhook_receiver.requests
    assert request.verified and request.status == 200
    assert request.path == "/sms?team=growth"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["idempotency-key"] == "loomwell/u-priya/run-7/3"
    assert request.headers["x-journeyc-signature"] == sign(
        SECRET, request.headers["x-journeyc-timestamp"], request.body
    )
    assert request.json == {
        "key": "loomwell/u-priya/run-7/3",
        "project": "loomwell",
        "user_id": "u-priya",
        "journey": "welcome_series",
        "step": "2",
        "channel": "sms",
        "kind": "sms",
        "message": "cart_discount",
        "category": "promotional",
        "to": "+15550001",
        "content": {"text": "Priya, 10% off with CART10 — ends tonight"},
        "offer": "CART10",
        "arm": "b",
    }
    assert request.body == webhook_body(SMS)
    assert list(json.loads(request.body)) == sorted(request.json)  # sorted keys: the same bytes on every machine


def test_a_request_signed_with_another_secret_is_refused_by_the_receiver(webhook_receiver: WebhookReceiver) -> None:
    with pytest.raises(PermanentDeliveryError, match="HTTP 401"):
        provider_for(webhook_receiver, secret="not-the-secret").deliver(SMS)
    assert not webhook_receiver.requests[0].verified
    assert webhook_receiver.received == {}


def test_the_signature_verifies_and_fails_for_any_change() -> None:
    body, now = webhook_body(SMS), 1_800_000_000
    header = sign(SECRET, str(now), body)

    assert verify_signature(SECRET, str(now), body, header, now=now + 299)
    assert not verify_signature(SECRET, str(now), body.replace(b"CART10", b"CART90"), header, now=now)  # body
    assert not verify_signature(SECRET, str(now + 1), body, header, now=now)  # timestamp
    assert not verify_signature("another secret", str(now), body, header, now=now)  # secret
    assert not verify_signature(SECRET, str(now), body, header, tolerance=300, now=now + 301)  # a replay, later
    assert not verify_signature(SECRET, "not a time", body, header, now=now)
    assert not verify_signature(SECRET, str(now), body, "v1=" + "0" * 64, now=now)
    assert not verify_signature(SECRET, str(now), body, "v1=é", now=now)
    rotated = f"{sign('old secret', str(now), body)}, {header}"  # both signatures while the secret is rotated
    assert verify_signature(SECRET, str(now), body, rotated, now=now)


def test_500_twice_then_200_with_retries_is_one_delivery(webhook_receiver: WebhookReceiver) -> None:
    webhook_receiver.answer_next(500, 500)
    provider = provider_for(webhook_receiver)
    errors: list[str] = []
    for _attempt in range(5):  # what the activity's retry policy does, without its backoff
        try:
            receipt = provider.deliver(SMS)
            break
        except TransientDeliveryError as error:
            errors.append(str(error))
    assert receipt.detail == "HTTP 200"
    assert errors == ['webhook answered HTTP 500: {"status": 500}'] * 2
    assert [r.status for r in webhook_receiver.requests] == [500, 500, 200]
    assert webhook_receiver.received == {SMS.key: 1}
    assert {r.headers["idempotency-key"] for r in webhook_receiver.requests} == {SMS.key}


@pytest.mark.parametrize(
    ("status", "error", "reason"),
    [
        (408, TransientDeliveryError, "HTTP 408"),
        (429, TransientDeliveryError, "HTTP 429"),
        (503, TransientDeliveryError, "HTTP 503"),
        (400, PermanentDeliveryError, 'webhook answered HTTP 400: {"status": 400}'),
        (404, PermanentDeliveryError, "HTTP 404"),
        (410, PermanentDeliveryError, "HTTP 410"),
        (302, PermanentDeliveryError, "HTTP 302, a redirect"),
    ],
)
def test_answers_are_transient_or_permanent(
    webhook_receiver: WebhookReceiver, status: int, error: type[Exception], reason: str
) -> None:
    webhook_receiver.answer_next(status)
    with pytest.raises(error) as raised:
        provider_for(webhook_receiver).deliver(SMS)
    assert reason in str(raised.value)
    assert webhook_receiver.received == {}


def test_a_refused_connection_is_transient() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = WebhookProvider(WebhookSettings("sms", f"http://127.0.0.1:{port}/sms", "S"), SECRET)
    with pytest.raises(TransientDeliveryError, match=f"webhook 127.0.0.1:{port}"):
        provider.deliver(SMS)


def test_a_request_held_past_the_timeout_is_not_counted_and_its_retry_is_counted_once(
    webhook_receiver: WebhookReceiver,
) -> None:
    webhook_receiver.hold_next(1, 3.0)
    provider = provider_for(webhook_receiver, timeout=0.3)
    with pytest.raises(TransientDeliveryError, match="did not answer in time"):
        provider.deliver(SMS)
    assert webhook_receiver.wait_until(lambda: webhook_receiver.dropped == 1)
    provider.deliver(SMS)

    assert webhook_receiver.received == {SMS.key: 1}
    assert [r.status for r in webhook_receiver.requests] == [None, 200]


def test_a_second_copy_of_a_key_is_answered_and_counted_as_a_copy(webhook_receiver: WebhookReceiver) -> None:
    provider = provider_for(webhook_receiver)
    provider.deliver(SMS)
    provider.deliver(SMS)

    assert webhook_receiver.received == {SMS.key: 2}  # what a test of exactly-once delivery would catch
    assert list(webhook_receiver.deliveries) == [SMS.key]


def test_the_timestamp_is_the_providers_clock(webhook_receiver: WebhookReceiver) -> None:
    settings = WebhookSettings("sms", webhook_receiver.url(), "S")
    with pytest.raises(PermanentDeliveryError, match="HTTP 401"):
        WebhookProvider(settings, SECRET, clock=lambda: time.time() - 600).deliver(SMS)  # ten minutes slow

    [request] = webhook_receiver.requests
    assert not request.verified  # the receiver's tolerance is five minutes: an old request is a replay


def test_a_retry_after_answer_is_passed_on_to_the_retry_policy(webhook_receiver: WebhookReceiver) -> None:
    webhook_receiver.answer_next((429, {"Retry-After": "30"}), (503, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}))
    waits = []
    for _ in range(2):
        with pytest.raises(TransientDeliveryError) as raised:
            provider_for(webhook_receiver).deliver(SMS)
        waits.append(raised.value.retry_after)
    assert waits == [30.0, None]  # (a date is left to the retry policy's own backoff)
