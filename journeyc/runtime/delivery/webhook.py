"""SMS, push, in-app, WhatsApp and webhook channels: a signed HTTP POST of the delivery as JSON.

The body is the delivery as a JSON object with sorted keys. Headers: `Idempotency-Key` (the delivery's key, the
same on every retry, so the receiver can drop a second copy), `X-Journeyc-Timestamp` (seconds since the epoch)
and `X-Journeyc-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" with the shared secret>`. Receivers
check it with `verify_signature`, which also refuses an old timestamp (a replayed request).

Answers decide the error: 2xx is delivered; 408, 429, 5xx, timeouts and connection problems may pass
(TransientDeliveryError); any other answer will not (PermanentDeliveryError with the status and a short excerpt).
Redirects are not followed: a POST that is redirected would lose its body or its signature's meaning.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import ssl
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from journeyc.runtime.delivery.model import Delivery, PermanentDeliveryError, Receipt, TransientDeliveryError
from journeyc.runtime.delivery.settings import WebhookSettings
from journeyc.runtime.delivery.tls import system_tls

BODY_FIELDS: tuple[str, ...] = (
    "key",
    "project",
    "user_id",
    "journey",
    "step",
    "channel",
    "kind",
    "message",
    "category",
    "to",
)
BODY_FIELDS += ("content", "offer", "arm")
TIMESTAMP_HEADER = "X-Journeyc-Timestamp"
SIGNATURE_HEADER = "X-Journeyc-Signature"
TRANSIENT_STATUSES = (408, 429)  # and every 5xx
_EXCERPT = 200  # characters of an error answer kept in the reason


def webhook_body(delivery: Delivery) -> bytes:
    """The JSON body of a delivery's POST: its fields with sorted keys, compact, UTF-8."""
    fields: dict[str, Any] = {name: getattr(delivery, name) for name in BODY_FIELDS}
    fields["content"] = dict(delivery.content)
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(secret: str | bytes, timestamp: int | str, body: bytes) -> str:
    """The signature header's value: `v1=` and the hex HMAC-SHA256 of `<timestamp>.<body>`."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return "v1=" + hmac.new(key, f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str | bytes, timestamp: str, body: bytes, header: str, tolerance: float = 300, now: float | None = None
) -> bool:
    """Whether a request's body and timestamp were signed with `secret`, no more than `tolerance` seconds from now.

    `header` may hold several comma-separated `v1=` signatures (one per secret while a secret is rotated).
    """
    if not timestamp.isascii() or not timestamp.isdigit():
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        return False
    expected = sign(secret, timestamp, body).encode("ascii")
    candidates = [part.strip() for part in header.split(",")]
    return any(part.isascii() and hmac.compare_digest(expected, part.encode("ascii")) for part in candidates)


class WebhookProvider:
    """POSTs each delivery to one URL, signed; a connection per delivery, so threads need no coordination."""

    name = "webhook"

    def __init__(
        self,
        settings: WebhookSettings,
        secret: str,
        *,
        tls_context: ssl.SSLContext | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.secret = secret
        self.tls_context = tls_context
        self.clock = clock
        self.url = urlsplit(settings.url)

    def request(self, delivery: Delivery) -> tuple[bytes, dict[str, str]]:
        """The body and headers of a delivery's POST."""
        body = webhook_body(delivery)
        timestamp = str(int(self.clock()))
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": delivery.key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
            "User-Agent": "journeyc",
        }
        return body, headers

    def deliver(self, delivery: Delivery) -> Receipt:
        """POST the delivery; the receipt's detail is the HTTP status."""
        body, headers = self.request(delivery)
        url = self.url
        target = (url.path or "/") + (f"?{url.query}" if url.query else "")
        timeout = self.settings.timeout_seconds
        if url.scheme == "https":
            context = self.tls_context or system_tls()
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                url.hostname or "", url.port, timeout=timeout, context=context
            )
        else:
            connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=timeout)
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read(4096)
        except TimeoutError as error:
            raise TransientDeliveryError(f"webhook {url.netloc} did not answer in time") from error
        except ssl.SSLCertVerificationError as error:
            raise PermanentDeliveryError(f"webhook {url.netloc}: {error.verify_message or error}") from error
        except (OSError, http.client.HTTPException) as error:
            raise TransientDeliveryError(
                f"webhook {url.netloc}: {_one_line(str(error)) or type(error).__name__}"
            ) from error
        finally:
            connection.close()
        status = response.status
        if 200 <= status < 300:
            return Receipt(self.name, f"HTTP {status}")
        if 300 <= status < 400:
            location = response.getheader("Location") or "another address"
            raise PermanentDeliveryError(
                f"webhook answered HTTP {status}, a redirect to {location}: set the final address as the url"
            )
        excerpt = _one_line(answer.decode("utf-8", "replace"))[:_EXCERPT]
        reason = f"webhook answered HTTP {status}" + (f": {excerpt}" if excerpt else "")
        if status >= 500 or status in TRANSIENT_STATUSES:
            raise TransientDeliveryError(reason, retry_after=_seconds(response.getheader("Retry-After")))
        raise PermanentDeliveryError(reason)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _seconds(value: str | None) -> float | None:
    """A Retry-After header given in seconds (the date form is left to the retry policy)."""
    return float(value) if value is not None and value.strip().isdigit() else None
