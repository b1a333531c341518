"""Signed one-click unsubscribe tokens (RFC 8058): one customer, one channel, one project, until a moment.

A token is `<payload>.<signature>`, both base64url without padding: the payload is the JSON list
`[project, user_id, channel, expires_at]`, the signature an HMAC-SHA256 of the payload's text with the project's
unsubscribe secret. Anyone can read a token (it names the customer the email went to anyway); nobody without the
secret can make or change one. A forged, altered, expired or other project's token verifies to None, so the
intake that serves the URL changes nothing for it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

_PURPOSE = b"journeyc unsubscribe v1\n"  # keeps these signatures apart from anything else signed with the secret


def make_token(secret: str | bytes, project: str, user_id: str, channel: str, expires_at: float) -> str:
    """A URL-safe token that unsubscribes `user_id` from `channel` in `project`, valid until `expires_at`."""
    payload = json.dumps([project, user_id, channel, int(expires_at)], ensure_ascii=False, separators=(",", ":"))
    encoded = _encode(payload.encode("utf-8"))
    return f"{encoded}.{_encode(_signature(secret, encoded))}"


def verify_token(secret: str | bytes, token: str, *, project: str, now: float) -> tuple[str, str] | None:
    """(user_id, channel) of a token this secret signed for this project and not expired at `now`; else None."""
    encoded, dot, signature = token.partition(".")
    if not dot or not encoded.isascii() or not signature.isascii():
        return None
    expected = _encode(_signature(secret, encoded)).encode("ascii")
    if not hmac.compare_digest(expected, signature.encode("ascii")):
        return None
    try:
        fields = json.loads(_decode(encoded))
    except (ValueError, binascii.Error):  # (signed by us, so only a changed secret format could get here)
        return None
    if not isinstance(fields, list) or len(fields) != 4:
        return None
    token_project, user_id, channel, expires_at = fields
    if token_project != project or not isinstance(expires_at, int) or now >= expires_at:
        return None
    if not isinstance(user_id, str) or not isinstance(channel, str):
        return None
    return user_id, channel


def _signature(secret: str | bytes, encoded_payload: str) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not key:
        raise ValueError("the unsubscribe secret is empty")
    return hmac.new(key, _PURPOSE + encoded_payload.encode("ascii"), hashlib.sha256).digest()


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
