"""Email over SMTP, received by a real SMTP server on loopback (tests/receivers.py)."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
import receivers
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from receivers import SmtpReceiver, sample_delivery

from journeyc.runtime.delivery import (
    PermanentDeliveryError,
    SmtpProvider,
    TransientDeliveryError,
    message_id,
    providers_from_settings,
    read_delivery_settings,
)
from journeyc.runtime.delivery import smtp as smtp_module
from journeyc.runtime.delivery.settings import SmtpSettings
from journeyc.runtime.unsubscribe import verify_token

smtp_receiver = receivers.smtp_receiver  # (the fixture)

SENDER = "Loomwell <hello@loomwell.example>"
UNSUBSCRIBE_SECRET = "an-unsubscribe-secret-of-32-chars!"
UNSUBSCRIBE_URL = "http://127.0.0.1:8000/v1/unsubscribe/{token}"


def provider_for(receiver: SmtpReceiver, **changes: object) -> SmtpProvider:
    settings = SmtpSettings(
        route="email",
        host="127.0.0.1",
        port=receiver.port,
        sender=SENDER,
        security="none",
        timeout_seconds=5,
        unsubscribe_url=UNSUBSCRIBE_URL,
        unsubscribe_secret_env="UNSUBSCRIBE_SECRET",
    )
    return SmtpProvider(replace(settings, **changes), unsubscribe_secret=UNSUBSCRIBE_SECRET)


def test_an_email_arrives_with_both_parts_the_personalisation_and_the_headers(smtp_receiver: SmtpReceiver) -> None:
    delivery = sample_delivery()
    receipt = provider_for(smtp_receiver).deliver(delivery)

    assert (receipt.provider, receipt.detail) == ("smtp", "250 2.0.0 accepted")
    [email] = smtp_receiver.messages
    assert email["From"] == SENDER
    assert email["To"] == "priya.raman@example.com"
    assert email["Subject"] == "Welcome to Loomwell, Priya"
    assert email["Message-ID"] == message_id(delivery.key, SENDER)
    assert email["Message-ID"].endswith("@loomwell.example>")
    assert email["Date"] == "Tue, 14 Apr 2026 14:00:00 +0000"  # the delivery's time, the same on a retry
    assert email.get_content_type() == "multipart/alternative"
    text, html = (part.get_content() for part in email.iter_parts())
    assert "Welcome, Priya." in text
    assert "<p>Welcome, <b>Priya</b>.</p>" in html
    assert '<div class="preheader">Free shipping over $75</div>' in html  # the preheader stays in the HTML
    assert smtp_receiver.envelopes == [("hello@loomwell.example", ["priya.raman@example.com"])]


def test_non_transactional_email_has_one_click_unsubscribe_headers_with_a_signed_token(
    smtp_receiver: SmtpReceiver,
) -> None:
    provider_for(smtp_receiver).deliver(sample_delivery(category="promotional"))

    [email], [raw] = smtp_receiver.messages, smtp_receiver.raw
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = email["List-Unsubscribe"]
    assert header.startswith("<http://127.0.0.1:8000/v1/unsubscribe/") and header.endswith(">")
    assert f"List-Unsubscribe: {header}\r\n".encode() in raw  # a URL on the line, not an RFC 2047 encoded word
    token = header.removeprefix("<http://127.0.0.1:8000/v1/unsubscribe/").removesuffix(">")
    sent_at = sample_delivery().time or 0
    assert verify_token(UNSUBSCRIBE_SECRET, token, project="loomwell", now=sent_at) == ("u-priya", "email")
    assert verify_token(UNSUBSCRIBE_SECRET, token, project="loomwell", now=sent_at + 91 * 86400) is None  # 90 days
    assert verify_token("another-secret-of-thirty-two-chars", token, project="loomwell", now=sent_at) is None


def test_transactional_email_and_email_without_an_unsubscribe_url_have_no_unsubscribe_headers(
    smtp_receiver: SmtpReceiver,
) -> None:
    provider_for(smtp_receiver).deliver(sample_delivery(category="transactional", key="k/1"))
    provider_for(smtp_receiver, unsubscribe_url=None, unsubscribe_secret_env=None).deliver(sample_delivery(key="k/2"))
    provider_for(smtp_receiver).deliver(sample_delivery(category=None, key="k/3"))

    transactional, unconfigured, uncategorised = smtp_receiver.messages
    assert "List-Unsubscribe" not in transactional and "List-Unsubscribe-Post" not in transactional
    assert "List-Unsubscribe" not in unconfigured
    assert "List-Unsubscribe" in uncategorised  # only transactional email goes without


def test_the_message_id_is_the_same_for_every_delivery_of_one_key(smtp_receiver: SmtpReceiver) -> None:
    provider = provider_for(smtp_receiver)
    provider.deliver(sample_delivery())
    provider.deliver(sample_delivery())  # a retry after a crash, say
    provider.deliver(sample_delivery(key="loomwell/u-priya/run-1/5"))

    first, retry, other = (m["Message-ID"] for m in smtp_receiver.messages)
    assert first == retry != other
    assert smtp_receiver.received == {first: 2, other: 1}  # the far side sees the copy as the same message


def test_a_line_break_in_a_rendered_subject_cannot_add_a_header_or_a_recipient(smtp_receiver: SmtpReceiver) -> None:
    subject = "Hi Priya\r\nBcc: everyone@example.com\nX-Evil: 1"
    provider_for(smtp_receiver).deliver(sample_delivery(content={**sample_delivery().content, "subject": subject}))

    [email] = smtp_receiver.messages
    assert email["Subject"] == "Hi Priya Bcc: everyone@example.com X-Evil: 1"
    assert "Bcc" not in email and "X-Evil" not in email
    assert smtp_receiver.envelopes[0][1] == ["priya.raman@example.com"]


def test_a_text_only_email_is_a_single_text_part(smtp_receiver: SmtpReceiver) -> None:
    provider_for(smtp_receiver).deliver(sample_delivery(content={"subject": "Your code", "text": "Code: 123456"}))

    [email] = smtp_receiver.messages
    assert email.get_content_type() == "text/plain"
    assert email.get_content().strip() == "Code: 123456"


def test_a_4xx_reply_is_transient_and_a_5xx_reply_is_permanent_with_the_servers_words(
    smtp_receiver: SmtpReceiver,
) -> None:
    provider = provider_for(smtp_receiver)
    smtp_receiver.refuse_next(1, "451 4.3.0 mailbox busy, try later")
    with pytest.raises(TransientDeliveryError, match=r"451 4\.3\.0 mailbox busy, try later"):
        provider.deliver(sample_delivery())
    smtp_receiver.refuse_next(1, "550 5.1.1 no such user here")
    with pytest.raises(PermanentDeliveryError) as failed:
        provider.deliver(sample_delivery())
    assert str(failed.value) == "smtp 550 5.1.1 no such user here"
    assert smtp_receiver.messages == []
    provider.deliver(sample_delivery())
    assert len(smtp_receiver.messages) == 1


def test_deliveries_one_after_another_share_one_connection_and_each_arrives_once(smtp_receiver: SmtpReceiver) -> None:
    provider = provider_for(smtp_receiver)
    keys = [f"key-{n}" for n in range(5)]
    for key in keys:
        provider.deliver(sample_delivery(key=key))

    assert [m["Message-ID"] for m in smtp_receiver.messages] == [message_id(key, SENDER) for key in keys]
    assert len(set(smtp_receiver.peers)) == 1  # one connection, kept open between deliveries


def test_a_kept_connection_the_server_closed_is_replaced_and_the_message_sent_once(smtp_receiver: SmtpReceiver) -> None:
    provider = provider_for(smtp_receiver)
    provider.deliver(sample_delivery(key="first"))
    smtp_receiver.hang_up()  # (as a server closes a connection left idle)
    provider.deliver(sample_delivery(key="second"))

    assert smtp_receiver.received == {message_id("first", SENDER): 1, message_id("second", SENDER): 1}
    assert len(set(smtp_receiver.peers)) == 2


def test_a_connection_idle_too_long_or_after_a_refusal_is_not_used_again(
    smtp_receiver: SmtpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = provider_for(smtp_receiver)
    provider.deliver(sample_delivery(key="first"))
    monkeypatch.setattr(smtp_module, "KEEP_IDLE_SECONDS", 0.0)
    provider.deliver(sample_delivery(key="after a pause"))  # (the kept one is too old: a new connection)
    monkeypatch.undo()
    smtp_receiver.refuse_next(1, "451 4.3.0 try again later")
    with pytest.raises(TransientDeliveryError):
        provider.deliver(sample_delivery(key="refused"))
    provider.deliver(sample_delivery(key="refused"))  # (its retry: the refused connection was closed)

    assert len(smtp_receiver.messages) == 3
    assert len(set(smtp_receiver.peers)) == 3


def test_threads_delivering_at_once_each_take_a_connection_of_their_own(smtp_receiver: SmtpReceiver) -> None:
    provider = provider_for(smtp_receiver)
    keys = [f"key-{n}" for n in range(40)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda key: provider.deliver(sample_delivery(key=key)), keys))

    assert smtp_receiver.received == {message_id(key, SENDER): 1 for key in keys}
    assert len(set(smtp_receiver.peers)) <= 6 and len(provider._kept) <= smtp_module.KEEP_AT_MOST


def test_closing_the_provider_says_goodbye_on_its_kept_connections(smtp_receiver: SmtpReceiver) -> None:
    provider = provider_for(smtp_receiver)
    provider.deliver(sample_delivery())
    [(client, _)] = provider._kept
    provider.close()

    assert provider._kept == [] and client.sock is None  # (smtplib drops its socket once closed)
    provider.deliver(sample_delivery(key="later"))  # a closed provider opens a new connection when used again
    assert len(set(smtp_receiver.peers)) == 2


def test_a_refused_connection_is_transient() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = SmtpSettings(route="email", host="127.0.0.1", port=port, sender=SENDER, security="none")
    with pytest.raises(TransientDeliveryError, match="smtp server"):
        SmtpProvider(settings).deliver(sample_delivery())


def test_a_message_held_past_the_timeout_is_not_counted_and_its_retry_is_counted_once(
    smtp_receiver: SmtpReceiver,
) -> None:
    provider = provider_for(smtp_receiver, timeout_seconds=0.3)
    smtp_receiver.hold_next(1, 3.0)
    with pytest.raises(TransientDeliveryError):
        provider.deliver(sample_delivery())
    assert smtp_receiver.wait_until(lambda: smtp_receiver.dropped == 1)
    provider.deliver(sample_delivery())

    assert smtp_receiver.received == {message_id(sample_delivery().key, SENDER): 1}


def test_what_the_smtp_provider_cannot_send_is_a_permanent_failure(smtp_receiver: SmtpReceiver) -> None:
    provider = provider_for(smtp_receiver)
    cases = {
        "sends email only": sample_delivery(kind="sms", channel="sms"),
        "no email address": sample_delivery(to=None),
        "is not an email address": sample_delivery(to="priya@example.com\r\nBcc: x@example.com"),
        "neither a text nor an html part": sample_delivery(content={"subject": "Hi"}),
    }
    for reason, delivery in cases.items():
        with pytest.raises(PermanentDeliveryError, match=reason):
            provider.deliver(delivery)
    assert smtp_receiver.messages == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # (a loopback test server)
def test_credentials_come_from_the_environment_and_a_refused_login_is_permanent(tmp_path: Path) -> None:
    table = {"provider": "smtp", "host": "127.0.0.1", "from": SENDER, "security": "none"}
    table |= {"username-env": "SMTP_USER", "password-env": "SMTP_PASSWORD"}
    settings = read_delivery_settings({"email": table}, "journeyc.toml")
    with SmtpReceiver(credentials=("mailer", "s3cret")) as receiver:
        settings = replace(settings, routes=(replace(settings.routes[0], port=receiver.port),))
        good = {"SMTP_USER": "mailer", "SMTP_PASSWORD": "s3cret"}
        providers_from_settings(settings, tmp_path, good).provider_for("email", "email").deliver(sample_delivery())
        assert len(receiver.messages) == 1
        bad = {"SMTP_USER": "mailer", "SMTP_PASSWORD": "wrong"}
        with pytest.raises(PermanentDeliveryError, match="smtp 535"):
            providers_from_settings(settings, tmp_path, bad).provider_for("email", "email").deliver(sample_delivery())
        assert len(receiver.messages) == 1


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_email_goes_over_starttls_or_tls_and_an_untrusted_certificate_is_permanent(
    certificate: tuple[Path, Path], security: str
) -> None:
    cert, key = certificate
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    with SmtpReceiver(tls=server, implicit_tls=security == "tls") as receiver:
        trusting = ssl.create_default_context(cafile=str(cert))
        settings = SmtpSettings("email", "127.0.0.1", receiver.port, SENDER, security, timeout_seconds=5)
        SmtpProvider(settings, tls_context=trusting).deliver(sample_delivery())
        assert len(receiver.messages) == 1
        with pytest.raises(PermanentDeliveryError, match="certificate"):
            SmtpProvider(settings).deliver(sample_delivery())  # the system's trust store does not know this one
        assert len(receiver.messages) == 1


def test_starttls_to_a_server_that_does_not_offer_it_is_permanent(smtp_receiver: SmtpReceiver) -> None:
    with pytest.raises(PermanentDeliveryError, match="STARTTLS"):
        provider_for(smtp_receiver, security="starttls").deliver(sample_delivery())
    assert smtp_receiver.messages == []


@settings(max_examples=examples(200), deadline=None)
@given(to=st.text(max_size=40), subject=st.text(max_size=80))
def test_any_address_and_subject_make_an_email_or_a_permanent_failure(to: str, subject: str) -> None:
    provider = SmtpProvider(SmtpSettings("email", "127.0.0.1", 25, SENDER, "none"))
    delivery = sample_delivery(to=to, content={**sample_delivery().content, "subject": subject})
    try:
        email = provider.compose(delivery)
    except PermanentDeliveryError:
        return
    raw = email.as_bytes(policy=email.policy.clone(utf8=True))
    headers = raw.split(b"\n\n", 1)[0].decode("utf-8")
    assert all(line.split(":", 1)[0] in WRITTEN or line[:1] in " \t" for line in headers.split("\n"))


WRITTEN = {"From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post"}
WRITTEN |= {"MIME-Version", "Content-Type", "Content-Transfer-Encoding"}
