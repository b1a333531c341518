"""Email over SMTP: one multipart message per delivery, with a Message-ID the retries of a send share.

The message is multipart/alternative (the text part, then the HTML part, both as built from the templates; a
preheader stays inside the HTML where the build put it). Its Message-ID is derived from the idempotency key, so a
send retried after a crash carries the same Message-ID and the far side can drop the second copy. Non-transactional
email gets RFC 8058 one-click unsubscribe headers when an unsubscribe URL is configured.

Server replies decide the error: 4xx and connection problems may pass (TransientDeliveryError), 5xx will not
(PermanentDeliveryError with the server's reply as the reason).
"""

from __future__ import annotations

import hashlib
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, parseaddr
from typing import cast

from journeyc.runtime.delivery.model import Delivery, PermanentDeliveryError, Receipt, TransientDeliveryError
from journeyc.runtime.delivery.settings import SmtpSettings
from journeyc.runtime.delivery.tls import system_tls
from journeyc.runtime.durations import UNITS
from journeyc.runtime.unsubscribe import make_token

ONE_CLICK = "List-Unsubscribe=One-Click"  # RFC 8058's List-Unsubscribe-Post value


def message_id(key: str, sender: str) -> str:
    """`<first 32 hex digits of sha256(key)@domain of the sender>`: the same for every retry of one send."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            domain = "localhost"
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@{domain}>"


def header_safe(value: object) -> str:
    """A header value on one line: a line break in a rendered subject would end the header (header injection)."""
    return " ".join(part.strip() for part in str(value).splitlines() if part.strip())


KEEP_IDLE_SECONDS = 10.0  # a connection unused this long is closed rather than used again (servers wait minutes)
KEEP_AT_MOST = 8  # connections kept open between deliveries, per provider (one per activity thread in use)


class SmtpProvider:
    """Sends each email delivery to one SMTP server.

    Connections are kept open between deliveries and used again (one delivery at a time on each; threads take one
    from the provider's pool and give it back): opening one costs a TCP handshake, the greeting and EHLO, plus TLS
    and AUTH where configured, which is more than sending a short message. A kept connection the server has
    closed, or that it refuses to start a new message on, is replaced once by a new one: nothing was sent on it.
    """

    name = "smtp"

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        username: str | None = None,
        password: str | None = None,
        unsubscribe_secret: str | None = None,
        tls_context: ssl.SSLContext | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.credentials = (username, password) if username is not None and password is not None else None
        self.unsubscribe_secret = unsubscribe_secret
        self.tls_context = tls_context
        self.clock = clock
        # smtplib would ask the DNS for this machine's full name on every connection (socket.getfqdn).
        self.local_hostname = socket.gethostname() or "localhost"
        self._kept: list[tuple[smtplib.SMTP, float]] = []  # idle connections and when each was last used
        self._lock = threading.Lock()

    def compose(self, delivery: Delivery) -> EmailMessage:
        """The email for a delivery; PermanentDeliveryError when it cannot be made (not email, no address, no body)."""
        if delivery.kind != "email":
            raise PermanentDeliveryError(
                f'the smtp provider sends email only; channel "{delivery.channel}" is of kind {delivery.kind}'
            )
        to = _address(delivery.to)
        content = delivery.content
        text, html, subject = content.get("text"), content.get("html"), content.get("subject")
        if not text and not html:
            raise PermanentDeliveryError(f'message "{delivery.message}" has neither a text nor an html part')
        when = delivery.time if delivery.time is not None else self.clock()
        email = EmailMessage()
        email["From"] = self.settings.sender
        email["To"] = to
        email["Subject"] = header_safe(subject or "")
        email["Date"] = format_datetime(datetime.fromtimestamp(int(when), UTC), usegmt=True)
        email["Message-ID"] = message_id(delivery.key, self.settings.sender)
        url = self.unsubscribe_url(delivery, when)
        if url is not None:
            # Stored as is and written unfolded (see `_send`): folded, a long URL would become an RFC 2047
            # encoded word that mail clients do not read as a URL.
            email.set_raw("List-Unsubscribe", f"<{url}>")
            email["List-Unsubscribe-Post"] = ONE_CLICK
        if text:
            email.set_content(str(text))
            if html:
                email.add_alternative(str(html), subtype="html")
        else:
            email.set_content(str(html), subtype="html")
        return email

    def unsubscribe_url(self, delivery: Delivery, sent_at: float) -> str | None:
        """The one-click unsubscribe URL for a non-transactional email, when unsubscribing is configured."""
        template, secret = self.settings.unsubscribe_url, self.unsubscribe_secret
        if template is None or secret is None or delivery.category == "transactional":
            return None
        expires_at = sent_at + self.settings.unsubscribe_valid_days * UNITS["day"]
        token = make_token(secret, delivery.project, delivery.user_id, delivery.channel, expires_at)
        return template.replace("{token}", token)

    def deliver(self, delivery: Delivery) -> Receipt:
        """Send the email; the receipt's detail is the server's answer to the message."""
        email = self.compose(delivery)
        sender = parseaddr(self.settings.sender)[1]
        to = _address(delivery.to)
        client = self._take()
        try:
            if client is not None:
                try:
                    self._start(client, sender, to, email)
                except (smtplib.SMTPServerDisconnected, smtplib.SMTPSenderRefused, OSError):
                    # (closed by the server while idle, or refusing more messages on it: nothing was sent)
                    _close(client)
                    client = None
            if client is None:
                client = self._connect()
                self._start(client, sender, to, email)
            code, reply = client.data(email.as_bytes(policy=self._policy(email, sender, to)))
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)
        except (smtplib.SMTPException, OSError) as error:
            if client is not None:
                _close(client)
            raise _failure(error) from error
        except BaseException:
            if client is not None:
                _close(client)
            raise
        self._give_back(client)
        return Receipt(self.name, f"{code} {_text(reply)}")

    def close(self) -> None:
        """Say goodbye on every kept connection (a worker that stops)."""
        with self._lock:
            kept, self._kept = self._kept, []
        for client, _ in kept:
            _close(client)

    def _take(self) -> smtplib.SMTP | None:
        """The connection used last, if one is kept and was used recently; the stale ones are closed."""
        now = time.monotonic()
        stale: list[smtplib.SMTP] = []
        taken = None
        with self._lock:
            while self._kept and taken is None:
                client, used = self._kept.pop()
                if now - used <= KEEP_IDLE_SECONDS:
                    taken = client
                else:
                    stale.append(client)
            stale += [client for client, used in self._kept if now - used > KEEP_IDLE_SECONDS]
            self._kept = [(client, used) for client, used in self._kept if now - used <= KEEP_IDLE_SECONDS]
        for client in stale:
            _close(client)
        return taken

    def _give_back(self, client: smtplib.SMTP) -> None:
        with self._lock:
            if len(self._kept) < KEEP_AT_MOST:
                self._kept.append((client, time.monotonic()))
                return
        _close(client)

    def _connect(self) -> smtplib.SMTP:
        """A new connection, greeted, secured and logged in as configured."""
        s = self.settings
        context = self.tls_context or system_tls()
        if s.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, local_hostname=self.local_hostname, timeout=s.timeout_seconds, context=context
            )
        else:
            client = smtplib.SMTP(s.host, s.port, local_hostname=self.local_hostname, timeout=s.timeout_seconds)
        try:
            if s.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            client.ehlo_or_helo_if_needed()
            if self.credentials is not None:
                client.login(*self.credentials)
        except BaseException:
            _close(client)
            raise
        return client

    def _start(self, client: smtplib.SMTP, sender: str, to: str, email: EmailMessage) -> None:
        """MAIL and RCPT (smtplib's sendmail would drop the server's answer to the message, which DATA gives)."""
        options = ["SMTPUTF8", "BODY=8BITMIME"] if not (sender + to).isascii() else []
        if options and not client.has_extn("smtputf8"):
            raise PermanentDeliveryError("the smtp server does not accept addresses that are not ASCII (SMTPUTF8)")
        code, reply = client.mail(sender, options)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        code, reply = client.rcpt(to)
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({to: (code, reply)})

    @staticmethod
    def _policy(email: EmailMessage, sender: str, to: str) -> EmailPolicy:
        # An EmailMessage() carries email.policy.default, an EmailPolicy (typeshed types the attribute as the base)
        policy = cast(EmailPolicy, email.policy).clone(linesep="\r\n", refold_source="none")  # (ours stay folded)
        return policy.clone(utf8=True) if not (sender + to).isascii() else policy


def _address(to: str | None) -> str:
    if not to:
        raise PermanentDeliveryError("no email address")
    _, address = parseaddr(to)
    local, _, domain = address.rpartition("@")
    if address != to.strip() or not local or not domain or any(c.isspace() or ord(c) < 32 for c in address):
        raise PermanentDeliveryError(f'"{header_safe(to)[:100]}" is not an email address')
    return address


def _failure(error: Exception) -> Exception:
    """The delivery error an smtplib or socket error means: by reply code, else by what went wrong."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()))
        return _by_code(code, reply)
    if isinstance(error, smtplib.SMTPResponseException):
        return _by_code(error.smtp_code, error.smtp_error)
    if isinstance(error, smtplib.SMTPNotSupportedError):  # STARTTLS or AUTH asked of a server that offers neither
        return PermanentDeliveryError(f"smtp server: {_text(str(error))}")
    if isinstance(error, ssl.SSLCertVerificationError):
        return PermanentDeliveryError(f"smtp server's certificate: {error.verify_message or error}")
    if isinstance(error, TimeoutError):
        return TransientDeliveryError("smtp server did not answer in time")
    return TransientDeliveryError(f"smtp server: {_text(str(error)) or type(error).__name__}")


def _by_code(code: int, reply: bytes | str) -> Exception:
    reason = f"smtp {code} {_text(reply)}".rstrip()
    return PermanentDeliveryError(reason) if code >= 500 else TransientDeliveryError(reason)


def _text(reply: bytes | str) -> str:
    """A server's reply on one short line."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())[:300]


def _close(client: smtplib.SMTP) -> None:
    """QUIT, whatever the server says: once the message is accepted, a failing goodbye changes nothing."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        client.close()
