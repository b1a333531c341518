"""The intake's HTTP routes (Starlette): Segment's Tracking API, health and counters.

- `POST /v1/track`, `/v1/identify`, `/v1/alias`, `/v1/page`, `/v1/screen`, `/v1/group`: one call (its `type` is
  the route's when it has none); `POST /v1/batch`: `{"batch": [calls], "context"?, "integrations"?}`.
- Authentication as Segment's: the write key as the basic-auth user name with an empty password (or the body's
  `writeKey`); a wrong or missing key is 401.
- Answers: 200 `{"success": true}` once every accepted call is in its workflow; a request with refused calls
  still gets 200 when any call was accepted (Segment's libraries retry 5xx and 429 and drop on other 4xx: a 4xx
  would lose the good calls of a batch) with `accepted` and `rejected` (index, field, reason) listed; 400 with the
  same list when nothing was accepted; 413 for a body past its limit; 503 with `Retry-After` when Temporal did
  not take the calls in time (nothing of that request is acknowledged: send it again).
- `GET /healthz`, `GET /metrics` (metrics.py). One JSON line per request goes to `log`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from journeyc.intake.bodies import BATCH_LIMIT, CALL_LIMIT, BodyError, parse_json, read_body
from journeyc.intake.calls import CallChecker, Checked
from journeyc.intake.handoff import Handoff, UnavailableError
from journeyc.intake.metrics import Counters

SINGLE_CALLS = ("track", "identify", "alias", "page", "screen", "group")
RETRY_AFTER = "2"  # seconds a client waits before sending a refused (503) request again


@dataclass
class Intake:
    """What the routes share: the build's checks, where calls go, the write keys, the counters, the log."""

    checker: CallChecker
    handoff: Handoff
    write_keys: Collection[str]
    lateness: float = 60.0
    log: Callable[[dict[str, Any]], None] = lambda line: None
    counters: Counters = field(default_factory=Counters)
    clock: Callable[[], float] = time.time

    def authorized(self, request: Request, body: Any) -> bool:
        key = _basic_user(request.headers.get("authorization"))
        if key is None and type(body) is dict and type(body.get("writeKey")) is str:
            key = body["writeKey"]
        return key is not None and any(hmac.compare_digest(key.encode(), k.encode()) for k in self.write_keys)

    async def take(self, request: Request, kind: str | None) -> Response:
        """One request of calls (`kind`: a single call of that type; None: a batch), answered and logged."""
        started = time.monotonic()
        outcome: dict[str, Any] = {}
        try:
            response = await self._take(request, kind, outcome)
        except BodyError as error:
            self.counters.reject("too_large" if error.status == 413 else "malformed")
            response = _refused(error.status, error.reason)
        self.log({"time": round(self.clock(), 3), "method": request.method, "path": request.url.path,
                  "status": response.status_code, "ms": round((time.monotonic() - started) * 1000, 1), **outcome})  # fmt: skip
        return response

    async def _take(self, request: Request, kind: str | None, outcome: dict[str, Any]) -> Response:
        limit = CALL_LIMIT if kind is not None else BATCH_LIMIT
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit and request.headers.get("content-encoding") is None:
            raise BodyError(413, f"the body is larger than {limit // 1024} KB")
        body = parse_json(await read_body(request.stream(), limit, request.headers.get("content-encoding")))
        if not self.authorized(request, body):
            self.counters.reject("unauthorized")
            return JSONResponse({"success": False, "reason": "a valid write key is needed (basic auth user name)"},
                                401, headers={"WWW-Authenticate": 'Basic realm="journeyc"'})  # fmt: skip
        calls = _calls(body, kind)
        now = self.clock()
        checked = self.checker.check(calls, now, kind)
        outcome.update(calls=len(calls), accepted=len(checked.accepted), rejected=checked.refused_calls)
        try:
            await self.handoff.send(checked.accepted)
        except UnavailableError as error:
            self.counters.reject("unavailable", len(checked.accepted))
            outcome["reason"] = str(error)
            return JSONResponse({"success": False, "reason": str(error)}, 503, headers={"Retry-After": RETRY_AFTER})
        self._count(checked, now)
        return _answer(checked)

    def _count(self, checked: Checked, now: float) -> None:
        counters = self.counters
        counters.accepted += len(checked.accepted)
        counters.ignored += checked.ignored
        for rejection in {(r.index, r.code): r for r in checked.rejected}.values():
            counters.reject(rejection.code)
        for entry in checked.accepted:
            if entry.message_id is not None and counters.seen(entry.message_id):
                counters.duplicate += 1
            if entry.time < now - self.lateness:
                counters.late += 1


def _calls(body: Any, kind: str | None) -> list[Any]:
    if kind is not None:
        if type(body) is not dict:
            raise BodyError(400, "the body is not a JSON object")
        return [body]
    if type(body) is not dict or type(body.get("batch")) is not list:
        raise BodyError(400, 'a batch is a JSON object with a "batch" list of calls')
    shared = {name: body[name] for name in ("context", "integrations") if type(body.get(name)) is dict}
    calls: list[Any] = body["batch"]
    return [{**shared, **call} if shared and type(call) is dict else call for call in calls]


def _answer(checked: Checked) -> Response:
    if not checked.rejected:
        return JSONResponse({"success": True})
    rejected = [r.as_json() for r in checked.rejected]
    if checked.accepted or checked.ignored:
        return JSONResponse({"success": True, "accepted": len(checked.accepted), "rejected": rejected})
    return JSONResponse({"success": False, "accepted": 0, "rejected": rejected}, 400)


def _refused(status: int, reason: str) -> Response:
    return JSONResponse({"success": False, "reason": reason}, status)


def _basic_user(header: str | None) -> str | None:
    """The user name of a basic-auth header (the write key), or None."""
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[0] or None


def intake_app(intake: Intake, extra_routes: Mapping[str, Any] | None = None) -> Starlette:
    """The ASGI app: Segment's routes, /healthz and /metrics (and `extra_routes`: path -> Route)."""

    def single(kind: str) -> Callable[[Request], Any]:
        async def route(request: Request) -> Response:
            return await intake.take(request, kind)

        return route

    async def batch(request: Request) -> Response:
        return await intake.take(request, None)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def metrics(request: Request) -> Response:
        return PlainTextResponse(intake.counters.prometheus(), media_type="text/plain; version=0.0.4")

    routes = [Route(f"/v1/{kind}", single(kind), methods=["POST"]) for kind in SINGLE_CALLS]
    routes += [Route("/v1/batch", batch, methods=["POST"]), Route("/v1/import", batch, methods=["POST"]),
               Route("/healthz", healthz), Route("/metrics", metrics)]  # fmt: skip
    routes += list((extra_routes or {}).values())
    return Starlette(routes=routes)
