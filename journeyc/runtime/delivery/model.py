"""What a delivery is, what a provider answers, and the two ways a delivery can fail."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

KINDS = ("email", "sms", "push", "in_app", "whatsapp", "webhook")


@dataclass(frozen=True)
class Delivery:
    """One send the policy decided to make: who, what, where to, and its rendered content.

    `key` is the idempotency key "<project>/<user_id>/<run_id>/<step>": the same on every retry of the send, and
    unique per send. Providers derive what the far side deduplicates by from it (an email's Message-ID, a
    webhook's Idempotency-Key), so a retried send is recognised as the one before it.
    """

    key: str
    project: str
    user_id: str
    journey: str
    step: str
    channel: str  # the channel's name in the project ("email", "sms", "app_push", ...)
    kind: str  # the channel's kind: one of KINDS
    message: str
    category: str | None  # transactional, lifecycle, promotional, ...
    to: str | None  # the address read from the profile's address trait (email, phone, device token)
    content: Mapping[str, Any]  # the rendered fields, exactly as in the simulator outbox record's "content"
    offer: str | None = None
    arm: str | None = None
    # When the policy decided the send, and when it was first due if quiet hours deferred it (seconds since the
    # epoch). Given, they make the outbox record and the email's Date and unsubscribe expiry the same on a retry.
    time: float | None = None
    deferred_from: float | None = None
    run: str | None = None  # the run's id ("<journey>#<n>"), as the outbox records it


@dataclass(frozen=True)
class Receipt:
    """What a provider answers when it has handed the message on."""

    provider: str  # "smtp", "webhook", "file"
    detail: str  # the SMTP server's reply, the HTTP status, the outbox file's path


class TransientDeliveryError(Exception):
    """The send may work later (SMTP 4xx, HTTP 5xx/408/429, a timeout, a refused connection): retry it.

    `retry_after` is the wait in seconds the far side asked for (an HTTP Retry-After header), when it asked.
    """

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentDeliveryError(Exception):
    """The send can never work as it is (SMTP 5xx, HTTP 4xx, no address): the record ends `failed`, str() the reason."""


class Provider(Protocol):
    """Hands one delivery to the outside world. Synchronous: the live runtime calls it in a worker thread."""

    name: str

    def deliver(self, delivery: Delivery) -> Receipt:
        """Send it, or raise TransientDeliveryError / PermanentDeliveryError."""
        ...
