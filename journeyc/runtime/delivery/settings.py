"""The `[delivery]` table of journeyc.toml, validated: which provider sends each channel, and how.

```toml
[delivery]
outbox = ".journeyc/outbox.jsonl"         # the file provider's file (the default provider of every channel)
ledger = ".journeyc/deliveries.sqlite"    # what was delivered, so a retried send is not sent again
[delivery.email]                          # a channel's name, or a channel kind (every channel of that kind)
provider = "smtp"
host = "127.0.0.1"
from = "Loomwell <hello@loomwell.example>"
password-env = "SMTP_PASSWORD"            # secrets: the NAME of an environment variable, never the secret
```

Anything wrong is a DeliverySettingsError whose message names the key (`journeyc check` reports it as a usage
error). A value that may be a secret is never repeated in a message. Environment variables are read later, when
the providers are made (`providers_from_settings`), so checking a project needs none of them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any, NoReturn
from urllib.parse import urlsplit

from journeyc.runtime.delivery.model import KINDS

DEFAULT_OUTBOX = ".journeyc/outbox.jsonl"
DEFAULT_LEDGER = ".journeyc/deliveries.sqlite"
SECURITY_PORTS = {"none": 25, "starttls": 587, "tls": 465}  # the usual port of each way of talking to a server
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class DeliverySettingsError(ValueError):
    """A delivery setting journeyc cannot use; the message names the key and says what it takes."""


@dataclass(frozen=True)
class SmtpSettings:
    route: str  # the table's name under [delivery]: a channel's name or a channel kind
    host: str
    port: int
    sender: str  # the `from` setting: "Name <address>" or an address
    security: str  # "none", "starttls" or "tls"
    timeout_seconds: float = 10.0
    username_env: str | None = None
    password_env: str | None = None
    unsubscribe_url: str | None = None  # with "{token}" where the signed token goes
    unsubscribe_secret_env: str | None = None
    unsubscribe_valid_days: int = 90


@dataclass(frozen=True)
class WebhookSettings:
    route: str
    url: str
    secret_env: str
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class FileSettings:
    route: str
    path: str | None = None  # None: the [delivery] outbox


RouteSettings = SmtpSettings | WebhookSettings | FileSettings


@dataclass(frozen=True)
class DeliverySettings:
    outbox: str = DEFAULT_OUTBOX
    ledger: str = DEFAULT_LEDGER
    routes: tuple[RouteSettings, ...] = ()  # in the file's order

    def route(self, name: str) -> RouteSettings | None:
        """The settings of the table [delivery.<name>], if there is one."""
        return next((route for route in self.routes if route.route == name), None)


_TOP_KEYS = ("outbox", "ledger")
_PROVIDER_KEYS = {
    "smtp": (
        "provider",
        "host",
        "port",
        "from",
        "security",
        "timeout-seconds",
        "username-env",
        "password-env",
        "unsubscribe-url",
        "unsubscribe-secret-env",
        "unsubscribe-valid-days",
    ),
    "webhook": ("provider", "url", "secret-env", "timeout-seconds"),
    "file": ("provider", "path"),
}
# Settings people write with the credential itself, refused with the name of the setting that takes its variable.
_LITERAL_SECRETS = {"username": "username-env", "password": "password-env", "secret": "secret-env"}
_LITERAL_SECRETS["unsubscribe-secret"] = "unsubscribe-secret-env"


def read_delivery_settings(raw_toml_table: Mapping[str, Any], source: str = "journeyc.toml") -> DeliverySettings:
    """The `[delivery]` table validated; a DeliverySettingsError naming the key for anything wrong."""
    if not isinstance(raw_toml_table, Mapping):
        raise DeliverySettingsError(f"{source}: delivery must be a table: [delivery], with [delivery.<channel>] tables")
    outbox, ledger = DEFAULT_OUTBOX, DEFAULT_LEDGER
    routes: list[RouteSettings] = []
    for key, value in raw_toml_table.items():
        if isinstance(value, Mapping):
            routes.append(_route(str(key), value, source))
        elif key == "outbox":
            outbox = _path(value, "delivery.outbox", source)
        elif key == "ledger":
            ledger = _path(value, "delivery.ledger", source)
        else:
            close = difflib.get_close_matches(str(key), _TOP_KEYS, n=1)
            hint = (
                f'did you mean "{close[0]}"?' if close else "a channel's provider goes in a table [delivery.<channel>]"
            )
            raise DeliverySettingsError(f'{source}: delivery: unknown setting "{key}" ({hint})')
    return DeliverySettings(outbox=outbox, ledger=ledger, routes=tuple(routes))


def _route(name: str, table: Mapping[str, Any], source: str) -> RouteSettings:
    where = f"delivery.{name}"
    provider = table.get("provider")
    if provider is None:
        raise DeliverySettingsError(f'{source}: {where}.provider is missing: "smtp", "webhook" or "file"')
    if provider not in _PROVIDER_KEYS:
        close = difflib.get_close_matches(str(provider), list(_PROVIDER_KEYS), n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        raise DeliverySettingsError(
            f'{source}: {where}.provider "{provider}" is not a provider: "smtp", "webhook" or "file"{hint}'
        )
    allowed = _PROVIDER_KEYS[provider]
    for key in table:
        if key in _LITERAL_SECRETS and _LITERAL_SECRETS[key] in allowed:
            variable = _LITERAL_SECRETS[key]
            raise DeliverySettingsError(
                f"{source}: {where}.{key}: a secret never goes in a file; put it in an environment variable and "
                f'name the variable: {variable} = "{_example_variable(name, key)}"'
            )
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = (
                f'did you mean "{close[0]}"?' if close else f"settings of a {provider} provider: {', '.join(allowed)}"
            )
            raise DeliverySettingsError(f'{source}: {where}: unknown setting "{key}" ({hint})')
    read = _Reader(table, where, source)
    if provider == "smtp":
        if name in KINDS and name != "email":
            raise DeliverySettingsError(f'{source}: {where}.provider "smtp" sends email only, not {name}')
        return _smtp(name, read)
    if provider == "webhook":
        return WebhookSettings(
            route=name,
            url=read.url("url", required=True) or "",
            secret_env=read.env_name("secret-env", required=True) or "",
            timeout_seconds=read.seconds("timeout-seconds", 10.0),
        )
    path = table.get("path")
    return FileSettings(route=name, path=None if path is None else _path(path, f"{where}.path", source))


def _smtp(name: str, read: _Reader) -> SmtpSettings:
    security = read.choice("security", ("none", "starttls", "tls"), "starttls")
    unsubscribe_url = read.url("unsubscribe-url")
    unsubscribe_secret_env = read.env_name("unsubscribe-secret-env")
    if unsubscribe_url is not None and "{token}" not in unsubscribe_url:
        read.fail("unsubscribe-url", 'must contain "{token}" where the signed token goes')
    if (unsubscribe_url is None) != (unsubscribe_secret_env is None):
        given, missing = (
            ("unsubscribe-url", "unsubscribe-secret-env") if unsubscribe_secret_env is None else
            ("unsubscribe-secret-env", "unsubscribe-url")
        )  # fmt: skip
        read.fail(given, f"needs {missing} too")
    username_env, password_env = read.env_name("username-env"), read.env_name("password-env")
    if (username_env is None) != (password_env is None):
        read.fail("username-env" if password_env is None else "password-env", "and the other of the pair go together")
    return SmtpSettings(
        route=name,
        host=read.host("host"),
        port=read.port("port", SECURITY_PORTS[security]),
        sender=read.sender("from"),
        security=security,
        timeout_seconds=read.seconds("timeout-seconds", 10.0),
        username_env=username_env,
        password_env=password_env,
        unsubscribe_url=unsubscribe_url,
        unsubscribe_secret_env=unsubscribe_secret_env,
        unsubscribe_valid_days=read.whole("unsubscribe-valid-days", 90),
    )


class _Reader:
    """Reads the values of one [delivery.<name>] table, each checked, with errors that name the key."""

    def __init__(self, table: Mapping[str, Any], where: str, source: str) -> None:
        self.table, self.where, self.source = table, where, source

    def fail(self, key: str, problem: str) -> NoReturn:
        raise DeliverySettingsError(f"{self.source}: {self.where}.{key} {problem}")

    def given(self, key: str, required: bool, missing: str = "is missing") -> Any:
        """The key's value, None if it is absent; an error if it is absent and required."""
        value = self.table.get(key)
        if value is None and required:
            self.fail(key, missing)
        return value

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.given(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n\0"):
            self.fail(key, "must be a text on one line")
        return value

    def host(self, key: str) -> str:
        value = self.text(key, required=True) or ""
        if any(c.isspace() for c in value) or "/" in value:
            self.fail(key, 'must be a host name or address, such as "smtp.example.com" or "127.0.0.1"')
        return value

    def sender(self, key: str) -> str:
        value = self.text(key, required=True) or ""
        _, address = parseaddr(value)
        local, _, domain = address.rpartition("@")
        if not local or not domain or ("." not in domain and domain != "localhost"):
            self.fail(key, 'must be an email address, such as "Loomwell <hello@loomwell.example>"')
        return value

    def url(self, key: str, required: bool = False) -> str | None:
        value = self.text(key, required)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.fail(key, 'must be an http:// or https:// address, such as "https://hooks.example.com/sms"')
        if parts.username is not None or parts.password is not None:
            self.fail(key, "must not carry a user or password: secrets come from environment variables")
        try:
            parts.port  # noqa: B018 (urlsplit checks the port only when it is read)
        except ValueError:
            self.fail(key, "has a port that is not a number from 1 to 65535")
        return value

    def env_name(self, key: str, required: bool = False) -> str | None:
        value = self.given(key, required, "is missing: the name of the environment variable that holds the secret")
        if value is None:
            return None
        # Never repeat the value: someone may have written the secret itself here.
        if not isinstance(value, str) or not ENV_NAME.fullmatch(value):
            self.fail(key, "must be the name of an environment variable (letters, digits and _), not the secret")
        return value

    def port(self, key: str, default: int) -> int:
        value = self.table.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
            self.fail(key, "must be a whole number from 1 to 65535")
        return value

    def whole(self, key: str, default: int) -> int:
        value = self.table.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.fail(key, "must be a whole number of at least 1")
        return value

    def seconds(self, key: str, default: float) -> float:
        value = self.table.get(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= 600:
            self.fail(key, "must be a number of seconds above 0 and at most 600")
        return float(value)

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.table.get(key, default)
        if value not in choices:
            self.fail(key, "must be " + ", ".join(f'"{c}"' for c in choices[:-1]) + f' or "{choices[-1]}"')
        return str(value)


def _path(value: object, key: str, source: str) -> str:
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise DeliverySettingsError(f'{source}: {key} must be a file path, such as "{DEFAULT_OUTBOX}"')
    return value


def _example_variable(route: str, key: str) -> str:
    """A variable name to suggest: SMTP_PASSWORD for delivery.smtp.password, SMS_SECRET for delivery.sms.secret."""
    stem = re.sub(r"[^A-Za-z0-9]+", "_", f"{route}_{key}").strip("_").upper()
    return stem if ENV_NAME.fullmatch(stem) else "DELIVERY_SECRET"
