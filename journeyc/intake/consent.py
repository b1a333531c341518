"""Consent and deliverability changes that arrive by mail or from providers, into the customer's workflow at once.

- `GET /v1/unsubscribe/{token}`: a page that names the channel and has a button (mail clients and scanners fetch
  links: a GET changes nothing). `POST` of the same URL (the button, or RFC 8058's one-click
  `List-Unsubscribe=One-Click` from the mail client) verifies the token (runtime/unsubscribe.py) and sends the
  customer's workflow an identify setting the channel's consent trait to false, applied on arrival (`at_once`),
  then confirms. A forged, altered or expired token changes nothing: 400 and a page saying so.
- `POST /v1/feedback/{provider}`: a provider's delivery feedback as JSON, signed as journeyc's own webhooks are
  (`X-Journeyc-Timestamp`, `X-Journeyc-Signature: v1=<HMAC-SHA256 of "<timestamp>.<body>">`, the secret from
  `[intake] feedback-secret-env`): `{"type": "bounce" | "complaint" | "stop", "userId", "channel", "address"?,
  "bounceType"?: "hard" | "soft"}`. A hard bounce makes the address undeliverable (later sends to it are dropped
  with reason `undeliverable`); a complaint or a STOP reply withdraws that channel's consent; a soft bounce is
  only counted.
"""

from __future__ import annotations

import hashlib
import html
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from journeyc.intake.bodies import CALL_LIMIT, BodyError, read_body
from journeyc.intake.handoff import Handoff, UnavailableError
from journeyc.intake.metrics import Counters
from journeyc.runtime.delivery.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from journeyc.runtime.identity import ids_of
from journeyc.runtime.live import UNDELIVERABLE
from journeyc.runtime.segment_spec import LogEntry
from journeyc.runtime.unsubscribe import verify_token

FEEDBACK_TYPES = ("bounce", "complaint", "stop")


@dataclass
class Consent:
    """What the consent routes need: the project's id (tokens name it), the unsubscribe secret, the feedback
    secret, each channel's consent trait, where calls go, the counters."""

    project: str
    handoff: Handoff
    consent_traits: Mapping[str, str]  # channel name -> its consent trait
    unsubscribe_secret: str | None
    feedback_secret: str | None
    counters: Counters
    clock: Callable[[], float] = time.time

    async def withdraw(self, customer: str, trait: str, message_id: str) -> None:
        """Set `trait` to false for `customer` (a workflow's key) at once; UnavailableError when Temporal is not."""
        user_id, anonymous_id = ids_of(customer)
        entry = LogEntry(0, "identify", user_id, self.clock(), None, {trait: False}, anonymous_id,
                         message_id=message_id)  # fmt: skip
        await self.handoff.send([entry], at_once=True)

    async def undeliverable(self, customer: str, channel: str, address: str, message_id: str) -> None:
        user_id, anonymous_id = ids_of(customer)
        entry = LogEntry(0, UNDELIVERABLE, user_id, self.clock(), None, {"channel": channel, "address": address},
                         anonymous_id, message_id=message_id)  # fmt: skip
        await self.handoff.send([entry], at_once=True)


def consent_traits(channels: Mapping[str, Any]) -> dict[str, str]:
    """channel name -> consent trait, from a build's channels (data/channels.json)."""
    found = {}
    for name, channel in channels.items():
        trait = (channel.get("consent") or {}).get("name")
        if trait:
            found[name] = trait
    return found


def consent_routes(consent: Consent) -> dict[str, Route]:
    async def unsubscribe(request: Request) -> Response:
        token = request.path_params["token"]
        if consent.unsubscribe_secret is None:
            return _page(404, "Unsubscribe links are not set up here", "This address takes no unsubscribe links.")
        found = verify_token(consent.unsubscribe_secret, token, project=consent.project, now=consent.clock())
        if found is None:
            consent.counters.reject("bad_token")
            return _page(400, "This link does not work", "The link is not valid or has expired: nothing changed. "
                         "Use the link in a newer email, or ask us to unsubscribe you.")  # fmt: skip
        customer, channel = found
        trait = consent.consent_traits.get(channel)
        if trait is None:
            return _page(404, "Nothing to unsubscribe from", f"The channel {html.escape(channel)} needs no consent.")
        if request.method == "GET":
            return _page(200, "Unsubscribe?", f"Stop receiving {html.escape(channel)} messages that need your "
                         "consent. Messages about your orders and account still come.",
                         button="Unsubscribe")  # fmt: skip
        try:
            await consent.withdraw(customer, trait, "journeyc-unsubscribe-" + _digest(token))
        except UnavailableError:
            return _page(503, "Please try again", "We could not record this just now: nothing changed yet.",
                         retry=True)  # fmt: skip
        consent.counters.unsubscribed += 1
        return _page(200, "You are unsubscribed", f"You will no longer receive {html.escape(channel)} messages "
                     "that need your consent.")  # fmt: skip

    async def feedback(request: Request) -> Response:
        if consent.feedback_secret is None:
            return JSONResponse({"success": False, "reason": "feedback is not set up (intake.feedback-secret-env)"},
                                404)  # fmt: skip
        try:
            body = await read_body(request.stream(), CALL_LIMIT, request.headers.get("content-encoding"))
        except BodyError as error:
            return JSONResponse({"success": False, "reason": error.reason}, error.status)
        stamp = request.headers.get(TIMESTAMP_HEADER, "")
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not verify_signature(consent.feedback_secret, stamp, body, signature, now=consent.clock()):
            consent.counters.reject("unauthorized")
            return JSONResponse({"success": False, "reason": "the signature does not match"}, 401)
        problem, report = _feedback(body, consent.consent_traits)
        if problem is not None:
            consent.counters.reject("invalid")
            return JSONResponse({"success": False, "reason": problem}, 400)
        message_id = f"journeyc-feedback-{request.path_params['provider']}-" + _digest(body.decode("utf-8"))
        kind, customer, channel = report["type"], report["userId"], report["channel"]
        try:
            if kind == "bounce" and report.get("bounceType", "hard") == "hard":
                await consent.undeliverable(customer, channel, report["address"], message_id)
            elif kind in ("complaint", "stop"):
                await consent.withdraw(customer, consent.consent_traits[channel], message_id)
        except UnavailableError as error:
            return JSONResponse({"success": False, "reason": str(error)}, 503, headers={"Retry-After": "2"})
        consent.counters.feedback[kind] = consent.counters.feedback.get(kind, 0) + 1
        return JSONResponse({"success": True})

    return {
        "unsubscribe": Route("/v1/unsubscribe/{token}", unsubscribe, methods=["GET", "POST"]),
        "feedback": Route("/v1/feedback/{provider}", feedback, methods=["POST"]),
    }


def _feedback(body: bytes, traits: Mapping[str, str]) -> tuple[str | None, dict[str, Any]]:
    """The feedback report, or the problem with it."""
    try:
        report = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        return f"the body is not valid JSON: {error}", {}
    if type(report) is not dict:
        return "the body is not a JSON object", {}
    if report.get("type") not in FEEDBACK_TYPES:
        return f"type must be one of {', '.join(FEEDBACK_TYPES)}", {}
    for name in ("userId", "channel"):
        if type(report.get(name)) is not str or not report[name]:
            return f"{name} is missing (the customer and the channel the message went out on)", {}
    bounce = report["type"] == "bounce"
    if bounce and (type(report.get("address")) is not str or not report["address"]):
        return "a bounce names the address that bounced", {}
    if bounce and report.get("bounceType", "hard") not in ("hard", "soft"):
        return 'bounceType must be "hard" or "soft"', {}
    if not bounce and report["channel"] not in traits:
        return f"the channel {report['channel']!r} has no consent trait", {}
    return None, report


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _page(status: int, title: str, text: str, *, button: str | None = None, retry: bool = False) -> Response:
    form = f'<form method="post"><button type="submit">{html.escape(button)}</button></form>' if button else ""
    page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
            f"<body><main><h1>{html.escape(title)}</h1><p>{text}</p>{form}</main></body></html>")  # fmt: skip
    return HTMLResponse(page, status, headers={"Retry-After": "2"} if retry else None)
