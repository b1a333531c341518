"""Real receivers on loopback for delivery tests: an SMTP server (aiosmtpd) and a webhook endpoint.

Both listen on 127.0.0.1 on a free port, run in a thread, count what they accept per idempotency key
(Message-ID, Idempotency-Key) and can be scripted: refuse the next messages, or hold the next ones for a while
and count a held one only if its sender is still connected when the hold ends (a sender killed mid-send did not
deliver). Use them as context managers or as the pytest fixtures `smtp_receiver` and `webhook_receiver` (a test
module takes one as `smtp_receiver = receivers.smtp_receiver`).
"""

from __future__ import annotations

import asyncio
import functools
import json
import select
import socket
import ssl
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from journeyc.runtime.delivery import Delivery, verify_signature

LOOPBACK = "127.0.0.1"


class _Counts:
    """What a receiver accepted, counted per key, with a condition to wait on from the test's thread."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.received: Counter[str] = Counter()  # key -> times accepted (a second copy counts twice)
        self.refusals: deque[Any] = deque()  # scripted answers for the next messages
        self.holds: deque[float] = deque()  # seconds to hold each of the next messages
        self.holding = 0  # messages held right now
        self.dropped = 0  # held messages whose sender went away before the answer

    def next_script(self) -> tuple[Any, float]:
        with self.changed:
            return (self.refusals.popleft() if self.refusals else None), (self.holds.popleft() if self.holds else 0.0)

    def wait_for(self, total: int, timeout: float = 10) -> bool:
        """Wait until `total` messages were accepted (duplicates included); whether they were."""
        return self.wait_until(lambda: sum(self.received.values()) >= total, timeout)

    def wait_until(self, condition: Callable[[], bool], timeout: float = 10) -> bool:
        """Wait until `condition()` holds (it reads the counts: `holding`, `dropped`, ...); whether it did."""
        with self.changed:
            return self.changed.wait_for(condition, timeout)

    def hold_started(self) -> None:
        with self.changed:
            self.holding += 1
            self.changed.notify_all()

    def hold_ended(self, dropped: bool) -> None:
        with self.changed:
            self.holding -= 1
            self.dropped += dropped
            self.changed.notify_all()


class _LoopbackController(Controller):
    """aiosmtpd's threaded controller, told the port the system chose (it binds to port 0)."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpReceiver(_Counts):
    """An SMTP server on 127.0.0.1 that keeps every message it accepts, parsed.

    `credentials` makes it ask for AUTH (over plain text: a loopback test server only). `tls` is a server
    context: with `implicit_tls` the connection is TLS from the start (security = "tls"), else the server offers
    and requires STARTTLS.
    """

    def __init__(
        self,
        *,
        credentials: tuple[str, str] | None = None,
        tls: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
    ) -> None:
        super().__init__()
        self.messages: list[EmailMessage] = []  # every accepted message, in order
        self.raw: list[bytes] = []  # each as it came (headers as the sender wrote them)
        self.envelopes: list[tuple[str, list[str]]] = []  # (MAIL FROM, RCPT TOs) of each
        self.peers: list[tuple[str, int]] = []  # the client's address and port of each: one port per connection
        self._transports: list[asyncio.BaseTransport] = []  # the connections messages came on
        self.credentials = credentials
        options: dict[str, Any] = {"server_hostname": "localhost", "port": 0, "hostname": LOOPBACK}
        if credentials is not None:
            options.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=tls is not None)
        if tls is not None and implicit_tls:
            options["ssl_context"] = tls
        elif tls is not None:
            options.update(tls_context=tls, require_starttls=True)
        self.controller = _LoopbackController(_SmtpHandler(self), **options)

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def refuse_next(self, count: int, reply: str = "451 4.3.0 try again later") -> None:
        """Answer the next `count` messages with `reply` instead of accepting them."""
        with self.changed:
            self.refusals.extend([reply] * count)

    def hold_next(self, count: int, seconds: float) -> None:
        """Hold each of the next `count` messages `seconds` before accepting it, if its sender still waits."""
        with self.changed:
            self.holds.extend([seconds] * count)

    def hang_up(self) -> None:
        """Close every connection a message came on, as a server closes idle connections (the client is not told
        until it next writes)."""
        loop = self.controller.loop
        closed = threading.Event()

        def close() -> None:
            for transport in self._transports:
                transport.close()
            loop.call_soon(closed.set)

        loop.call_soon_threadsafe(close)
        assert closed.wait(5)

    def by_message_id(self, message_id: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["Message-ID"] == message_id]

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self.credentials == (data.login.decode(), data.password.decode())
        return AuthResult(success=ok, handled=False)  # (handled=True would leave the client unanswered)

    def __enter__(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


class _SmtpHandler:
    def __init__(self, receiver: SmtpReceiver) -> None:
        self.receiver = receiver

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        receiver = self.receiver
        refusal, hold = receiver.next_script()
        if refusal is not None:
            return str(refusal)
        if hold:
            receiver.hold_started()
            try:
                await asyncio.sleep(hold)
            except asyncio.CancelledError:  # (aiosmtpd cancels the session when the client goes away)
                receiver.hold_ended(dropped=True)
                raise
            gone = server.transport is None or server.transport.is_closing()
            receiver.hold_ended(dropped=gone)
            if gone:
                return "451 4.4.2 the client went away"
        raw = envelope.original_content or b""
        message = BytesParser(policy=default_policy).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        with receiver.changed:
            receiver.messages.append(message)
            receiver.raw.append(raw)
            receiver.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
            receiver.peers.append(tuple(session.peer))
            if server.transport is not None:
                receiver._transports.append(server.transport)
            receiver.received[str(message["Message-ID"])] += 1
            receiver.changed.notify_all()
        return "250 2.0.0 accepted"


@dataclass
class WebhookRequest:
    """One request the webhook receiver answered (status None: held, and the sender went away)."""

    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    status: int | None

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver(_Counts):
    """An HTTP endpoint on 127.0.0.1 that checks each POST's signature and counts it per Idempotency-Key.

    A request with a bad signature gets 401 and is not counted. Scripted answers (`answer_next(500, 500)`) go to
    the next correctly signed requests; then 200. A key delivered before is answered 200 again and counted
    again in `received`, as the copy it is; `deliveries` keeps the first body of each key.
    """

    def __init__(self, secret: str, *, tolerance: float = 300) -> None:
        super().__init__()
        self.secret = secret
        self.tolerance = tolerance
        self.requests: list[WebhookRequest] = []
        self.deliveries: dict[str, Any] = {}  # Idempotency-Key -> the JSON body first accepted
        self.server = ThreadingHTTPServer((LOOPBACK, 0), _webhook_handler(self))
        self.server.daemon_threads = True
        # (polled every 50 ms, not 500: `shutdown` waits for the next poll, at the end of every test)
        serve = functools.partial(self.server.serve_forever, poll_interval=0.05)
        self.thread = threading.Thread(target=serve, name="webhook-receiver", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str = "/hook") -> str:
        return f"http://{LOOPBACK}:{self.port}{path}"

    def answer_next(self, *answers: int | tuple[int, dict[str, str]]) -> None:
        """Answer the next correctly signed requests with these statuses (and headers), in order; then 200."""
        with self.changed:
            self.refusals.extend(answers)

    def hold_next(self, count: int, seconds: float) -> None:
        """Hold each of the next `count` requests `seconds` before answering, counting it if its sender still waits."""
        with self.changed:
            self.holds.extend([seconds] * count)

    def handle(
        self, path: str, headers: dict[str, str], body: bytes, connection: socket.socket
    ) -> tuple[int | None, dict[str, str]]:
        """Decide the answer to one request: status and headers (None: the sender went away while it was held)."""
        verified = verify_signature(
            self.secret,
            headers.get("x-journeyc-timestamp", ""),
            body,
            headers.get("x-journeyc-signature", ""),
            self.tolerance,
        )
        status: int | None = 401
        extra: dict[str, str] = {}
        if verified:
            scripted, hold = self.next_script()
            status, extra = scripted if isinstance(scripted, tuple) else (scripted or 200, {})
            if 200 <= status < 300 and hold:
                self.hold_started()
                gone = _gone_within(connection, hold)
                self.hold_ended(dropped=gone)
                status = None if gone else status
        with self.changed:
            self.requests.append(WebhookRequest(path, headers, body, verified, status))
            key = headers.get("idempotency-key", "")
            if status is not None and 200 <= status < 300:
                self.received[key] += 1
                self.deliveries.setdefault(key, json.loads(body))
            self.changed.notify_all()
        return status, extra

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def _webhook_handler(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, extra = receiver.handle(self.path, headers, body, self.connection)
            if status is None:
                self.close_connection = True
                return
            answer = json.dumps({"status": status}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:  # (quiet in test output)
            pass

    return Handler


def _gone_within(connection: socket.socket, seconds: float) -> bool:
    """Wait up to `seconds`; whether the peer closed the connection meanwhile (it has nothing more to send)."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        readable, _, _ = select.select([connection], [], [], min(left, 0.05))
        if readable:
            try:
                if connection.recv(1, socket.MSG_PEEK) == b"":
                    return True
            except OSError:
                return True
            time.sleep(min(left, 0.05))  # (bytes to read, not a close: keep waiting)
    return False


def sample_delivery(**changes: Any) -> Delivery:
    """A personalised lifecycle email to Priya; `changes` replace fields (e.g. kind="sms", to="+15550001")."""
    content: Mapping[str, Any] = {
        "subject": "Welcome to Loomwell, Priya",
        "preheader": "Free shipping over $75",
        "html": '<html><body><div class="preheader">Free shipping over $75</div><p>Welcome, <b>Priya</b>.</p></body></html>',
        "text": "Welcome, Priya.\n\nThanks for joining Loomwell.",
    }
    fields: dict[str, Any] = {
        "key": "loomwell/u-priya/run-1/2",
        "project": "loomwell",
        "user_id": "u-priya",
        "journey": "welcome_series",
        "step": "2",
        "channel": "email",
        "kind": "email",
        "message": "welcome",
        "category": "lifecycle",
        "to": "priya.raman@example.com",
        "content": content,
        "time": 1776175200.0,  # 2026-04-14T14:00:00Z
    }
    fields.update(changes)
    return Delivery(**fields)


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    with SmtpReceiver() as receiver:
        yield receiver


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver("test-webhook-secret") as receiver:
        yield receiver


def smtp_settings(smtp: SmtpReceiver, unsubscribe_url: str, secret_env: str) -> str:
    """The `[delivery.email]` table of a journeyc.toml that sends through `smtp`, with one-click unsubscribe."""
    return f"""
[delivery.email]
provider = "smtp"
host = "127.0.0.1"
port = {smtp.port}
from = "Shop <hello@shop.example>"
security = "none"
unsubscribe-url = "{unsubscribe_url}"
unsubscribe-secret-env = "{secret_env}"
"""
