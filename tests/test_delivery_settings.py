"""The [delivery] settings: what they accept, the clear errors for what they do not, and the providers they make."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from journeyc.cli import main
from journeyc.config import ConfigError, parse_config
from journeyc.runtime.delivery import (
    DeliverySettings,
    DeliverySettingsError,
    FileProvider,
    SmtpProvider,
    WebhookProvider,
    providers_from_settings,
    read_delivery_settings,
)
from journeyc.runtime.delivery.settings import FileSettings, SmtpSettings, WebhookSettings

EXAMPLE = """
[delivery]
outbox = "state/outbox.jsonl"
[delivery.email]
provider = "smtp"
host = "127.0.0.1"
port = 2525
from = "Loomwell <hello@loomwell.example>"
username-env = "SMTP_USERNAME"
password-env = "SMTP_PASSWORD"
security = "none"
timeout-seconds = 10
unsubscribe-url = "http://127.0.0.1:8000/v1/unsubscribe/{token}"
unsubscribe-secret-env = "JOURNEYC_UNSUBSCRIBE_SECRET"
[delivery.sms]
provider = "webhook"
url = "http://127.0.0.1:9000/sms"
secret-env = "SMS_WEBHOOK_SECRET"
timeout-seconds = 2.5
[delivery.in_app]
provider = "file"
path = "state/in_app.jsonl"
"""
ENVIRON = {
    "SMTP_USERNAME": "mailer",
    "SMTP_PASSWORD": "s3cret",
    "JOURNEYC_UNSUBSCRIBE_SECRET": "u" * 32,
    "SMS_WEBHOOK_SECRET": "whsec",
}


def read(text: str) -> DeliverySettings:
    return read_delivery_settings(tomllib.loads(text)["delivery"], "journeyc.toml")


def test_the_documented_example_reads_as_written() -> None:
    settings = read(EXAMPLE)

    assert settings.outbox == "state/outbox.jsonl"
    assert settings.ledger == ".journeyc/deliveries.sqlite"
    assert settings.routes == (
        SmtpSettings(
            route="email",
            host="127.0.0.1",
            port=2525,
            sender="Loomwell <hello@loomwell.example>",
            security="none",
            timeout_seconds=10.0,
            username_env="SMTP_USERNAME",
            password_env="SMTP_PASSWORD",
            unsubscribe_url="http://127.0.0.1:8000/v1/unsubscribe/{token}",
            unsubscribe_secret_env="JOURNEYC_UNSUBSCRIBE_SECRET",
        ),
        WebhookSettings(
            route="sms", url="http://127.0.0.1:9000/sms", secret_env="SMS_WEBHOOK_SECRET", timeout_seconds=2.5
        ),
        FileSettings(route="in_app", path="state/in_app.jsonl"),
    )


@pytest.mark.parametrize(("security", "port"), [("none", 25), ("starttls", 587), ("tls", 465), (None, 587)])
def test_an_smtp_port_defaults_to_the_usual_one_of_its_security(security: str | None, port: int) -> None:
    table = {"provider": "smtp", "host": "mail.example.com", "from": "hello@example.com"}
    if security is not None:
        table["security"] = security
    [route] = read_delivery_settings({"email": table}).routes
    assert isinstance(route, SmtpSettings)
    assert (route.port, route.security) == (port, security or "starttls")  # starttls unless told otherwise


SMTP = '[delivery.email]\nprovider = "smtp"\nhost = "127.0.0.1"\nfrom = "hello@example.com"\n'
WEBHOOK = '[delivery.sms]\nprovider = "webhook"\nurl = "https://hooks.example.com/sms"\nsecret-env = "S"\n'


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (SMTP + 'password = "hunter2"\n', ["delivery.email.password", "never goes in a file", 'password-env = "EMAIL_PASSWORD"']),
        (SMTP + 'username = "mailer"\n', ["delivery.email.username", "environment variable", "username-env"]),
        (WEBHOOK.replace('secret-env = "S"', 'secret = "whsec_123"'), ["delivery.sms.secret", 'secret-env = "SMS_SECRET"']),
        (SMTP + 'unsubscribe-secret = "x"\n', ["delivery.email.unsubscribe-secret", "unsubscribe-secret-env"]),
        (SMTP.replace('"smtp"', '"smpt"'), ['delivery.email.provider "smpt" is not a provider', 'did you mean "smtp"']),
        (SMTP.replace('"smtp"', '"carrier-pigeon"'), ['"carrier-pigeon" is not a provider: "smtp", "webhook" or "file"']),
        ('[delivery.email]\nhost = "x"\n', ['delivery.email.provider is missing: "smtp", "webhook" or "file"']),
        (SMTP + "port = 70000\n", ["delivery.email.port must be a whole number from 1 to 65535"]),
        (SMTP + "port = 0\n", ["delivery.email.port must be a whole number from 1 to 65535"]),
        (SMTP + 'port = "2525"\n', ["delivery.email.port must be a whole number from 1 to 65535"]),
        (SMTP + "port = true\n", ["delivery.email.port must be a whole number from 1 to 65535"]),
        (SMTP + 'hots = "x"\n', ['delivery.email: unknown setting "hots"', 'did you mean "host"?']),
        (SMTP + 'url = "http://x"\n', ['delivery.email: unknown setting "url"', "settings of a smtp provider: provider, host"]),
        (SMTP.replace('host = "127.0.0.1"\n', ""), ["delivery.email.host is missing"]),
        (SMTP.replace('"hello@example.com"', '"Loomwell"'), ["delivery.email.from must be an email address"]),
        (SMTP + 'security = "ssl"\n', ['delivery.email.security must be "none", "starttls" or "tls"']),
        (SMTP + "timeout-seconds = 0\n", ["delivery.email.timeout-seconds must be a number of seconds above 0"]),
        (SMTP + 'timeout-seconds = "10 seconds"\n', ["delivery.email.timeout-seconds must be a number of seconds"]),
        (SMTP + 'unsubscribe-url = "https://x.example/u"\nunsubscribe-secret-env = "U"\n', ['must contain "{token}"']),
        (SMTP + 'unsubscribe-url = "https://x.example/u/{token}"\n', ["unsubscribe-url needs unsubscribe-secret-env too"]),
        (SMTP + 'unsubscribe-secret-env = "U"\n', ["unsubscribe-secret-env needs unsubscribe-url too"]),
        (SMTP + 'username-env = "U"\n', ["delivery.email.username-env and the other of the pair go together"]),
        (SMTP + "unsubscribe-valid-days = 0\n", ["unsubscribe-valid-days must be a whole number of at least 1"]),
        (SMTP.replace("email]", "sms]"), ['delivery.sms.provider "smtp" sends email only, not sms']),
        (WEBHOOK.replace("https://hooks.example.com/sms", "ftp://hooks.example.com"), ["delivery.sms.url must be an http:// or https:// address"]),
        (WEBHOOK.replace("https://", "https://user:pw@"), ["delivery.sms.url must not carry a user or password"]),
        (WEBHOOK.replace("example.com/", "example.com:99999/"), ["delivery.sms.url has a port that is not a number"]),
        (WEBHOOK.replace('secret-env = "S"\n', ""), ["delivery.sms.secret-env is missing"]),
        (WEBHOOK.replace('url = "https://hooks.example.com/sms"\n', ""), ["delivery.sms.url is missing"]),
        ('[delivery]\noutbx = "x"\n', ['delivery: unknown setting "outbx"', 'did you mean "outbox"?']),
        ("[delivery]\noutbox = 3\n", ["delivery.outbox must be a file path"]),
        ('[delivery]\nemail = "smtp"\n', ['delivery: unknown setting "email"', "goes in a table [delivery.<channel>]"]),
        ("[delivery.file]\nprovider = \"file\"\npath = ''\n", ["delivery.file.path must be a file path"]),
    ],
)  # fmt: skip
def test_a_bad_delivery_setting_names_its_key(text: str, words: list[str]) -> None:
    with pytest.raises(DeliverySettingsError) as raised:
        read(text)
    message = str(raised.value)
    assert message.startswith("journeyc.toml: delivery")
    for word in words:
        assert word in message


@pytest.mark.parametrize("secret", ["hunter2-is-my-password", "whsec/9f+Q==", "a b"])
def test_a_secret_written_where_its_variable_name_goes_is_refused_and_never_repeated(secret: str) -> None:
    with pytest.raises(DeliverySettingsError) as raised:
        read(WEBHOOK.replace('secret-env = "S"', f'secret-env = "{secret}"'))
    assert "must be the name of an environment variable" in str(raised.value)
    assert secret not in str(raised.value)


def test_delivery_must_be_a_table() -> None:
    with pytest.raises(DeliverySettingsError, match="delivery must be a table"):
        read_delivery_settings("smtp", "journeyc.toml")  # type: ignore[arg-type]


def test_the_project_settings_read_the_delivery_table_and_report_its_errors_as_usage_errors() -> None:
    config = parse_config(tomllib.loads(EXAMPLE))
    assert config.delivery == read(EXAMPLE)
    assert parse_config({}).delivery is None
    with pytest.raises(ConfigError, match=r"delivery\.email\.port must be a whole number"):
        parse_config(tomllib.loads(SMTP + "port = -1\n"))


def test_journeyc_check_stops_with_exit_code_2_on_a_bad_delivery_setting(make_project: Callable[..., Path]) -> None:
    root = make_project({"journeyc.toml": SMTP + 'password = "hunter2"\n'})
    result = CliRunner().invoke(main, ["check", str(root)], prog_name="journeyc")
    assert result.exit_code == 2
    assert "journeyc.toml: delivery.email.password: a secret never goes in a file" in result.output
    assert "hunter2" not in result.output and "Traceback" not in result.output
    good = make_project({"journeyc.toml": EXAMPLE})
    assert CliRunner().invoke(main, ["check", str(good)], prog_name="journeyc").exit_code == 0


# ------------------------------------------------------------------ providers from settings
def test_each_channel_goes_to_its_own_route_then_its_kinds_then_the_outbox(tmp_path: Path) -> None:
    text = EXAMPLE + '[delivery.push]\nprovider = "webhook"\nurl = "http://127.0.0.1:9000/push"\nsecret-env = "S"\n'
    router = providers_from_settings(read(text), tmp_path, {**ENVIRON, "S": "push-secret"})

    email = router.provider_for("email", "email")
    assert isinstance(email, SmtpProvider)
    assert email.credentials == ("mailer", "s3cret") and email.unsubscribe_secret == "u" * 32
    sms = router.provider_for("sms", "sms")
    assert isinstance(sms, WebhookProvider) and sms.secret == "whsec"
    app_push = router.provider_for("app_push", "push")  # a channel of kind push with no table of its own
    assert isinstance(app_push, WebhookProvider) and app_push.secret == "push-secret"
    in_app = router.provider_for("in_app", "in_app")
    assert isinstance(in_app, FileProvider) and in_app.path == tmp_path / "state" / "in_app.jsonl"
    whatsapp = router.provider_for("whatsapp", "whatsapp")
    assert isinstance(whatsapp, FileProvider) and whatsapp.path == tmp_path / "state" / "outbox.jsonl"
    assert router.provider_for("receipts", "email") is email  # by kind


def test_without_settings_every_channel_goes_to_the_default_outbox(tmp_path: Path) -> None:
    router = providers_from_settings(DeliverySettings(), tmp_path, {})
    provider = router.provider_for("email", "email")
    assert isinstance(provider, FileProvider) and provider.path == tmp_path / ".journeyc" / "outbox.jsonl"
    assert router.provider_for("sms", "sms") is provider  # one provider per file, shared


@pytest.mark.parametrize(
    ("missing", "words"),
    [
        ("SMS_WEBHOOK_SECRET", 'delivery.sms.secret-env names the environment variable "SMS_WEBHOOK_SECRET"'),
        ("SMTP_PASSWORD", 'delivery.email.password-env names the environment variable "SMTP_PASSWORD"'),
    ],
)
def test_a_secrets_variable_that_is_not_set_is_named(tmp_path: Path, missing: str, words: str) -> None:
    environ = {name: value for name, value in ENVIRON.items() if name != missing}
    with pytest.raises(DeliverySettingsError) as raised:
        providers_from_settings(read(EXAMPLE), tmp_path, environ)
    assert words in str(raised.value) and "not set" in str(raised.value)


def test_a_short_unsubscribe_secret_is_refused_without_showing_it(tmp_path: Path) -> None:
    environ = {**ENVIRON, "JOURNEYC_UNSUBSCRIBE_SECRET": "short-secret"}
    with pytest.raises(DeliverySettingsError) as raised:
        providers_from_settings(read(EXAMPLE), tmp_path, environ)
    assert "fewer than 32 characters" in str(raised.value)
    assert "short-secret" not in str(raised.value)


def test_the_settings_in_docs_delivery_md_are_valid() -> None:
    page = (Path(__file__).resolve().parent.parent / "docs" / "delivery.md").read_text(encoding="utf-8")
    block = page.split("```toml\n", 1)[1].split("```", 1)[0]
    settings = read(block)

    assert [(type(route).__name__, route.route) for route in settings.routes] == [
        ("SmtpSettings", "email"),
        ("WebhookSettings", "sms"),
        ("FileSettings", "in_app"),
    ]
