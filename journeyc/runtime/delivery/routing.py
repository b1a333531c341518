"""From settings to providers: which provider sends each channel, with its secrets read from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from journeyc.runtime.delivery.file import FileProvider
from journeyc.runtime.delivery.ledger import Ledger
from journeyc.runtime.delivery.model import Delivery, Provider, Receipt
from journeyc.runtime.delivery.settings import (
    DeliverySettings,
    DeliverySettingsError,
    FileSettings,
    RouteSettings,
    SmtpSettings,
)
from journeyc.runtime.delivery.smtp import SmtpProvider
from journeyc.runtime.delivery.webhook import WebhookProvider

UNSUBSCRIBE_SECRET_MIN = 32  # characters: the secret signs every unsubscribe link, so it must not be guessable


class Router:
    """The provider of each channel: the one set for its name, else for its kind, else the file provider."""

    def __init__(self, routes: Mapping[str, Provider], default: Provider) -> None:
        self.routes = dict(routes)
        self.default = default

    def provider_for(self, channel: str, kind: str) -> Provider:
        """The provider that sends on `channel` (a channel's name in the project) of kind `kind`."""
        return self.routes.get(channel) or self.routes.get(kind) or self.default


class DeliveryService:
    """What the live runtime's delivery activity calls: the channel's provider, at most once per key."""

    def __init__(self, router: Router, ledger: Ledger) -> None:
        self.router = router
        self.ledger = ledger

    def deliver(self, delivery: Delivery) -> Receipt:
        """Deliver through the channel's provider unless this key was delivered already (then its receipt).

        Raises TransientDeliveryError (retry later) or PermanentDeliveryError (the send ends `failed`).
        """
        return self.ledger.deliver_once(self.router.provider_for(delivery.channel, delivery.kind), delivery)

    def close(self) -> None:
        """Close what the providers keep open between deliveries (SMTP connections): the worker is stopping."""
        for provider in {id(p): p for p in [*self.router.routes.values(), self.router.default]}.values():
            close = getattr(provider, "close", None)
            if close is not None:
                close()


def providers_from_settings(settings: DeliverySettings, project_root: Path, environ: Mapping[str, str]) -> Router:
    """A router over the configured providers; DeliverySettingsError for a secret's variable that is not set.

    Relative file paths are relative to the project's folder.
    """
    files: dict[Path, FileProvider] = {}  # one provider per file, so its threads share one view of the keys

    def file_provider(path: str) -> FileProvider:
        target = project_root / path
        if target not in files:
            files[target] = FileProvider(target)
        return files[target]

    default = file_provider(settings.outbox)
    routes: dict[str, Provider] = {}
    for route in settings.routes:
        if isinstance(route, FileSettings):
            routes[route.route] = file_provider(route.path or settings.outbox)
        elif isinstance(route, SmtpSettings):
            routes[route.route] = SmtpProvider(
                route,
                username=_secret(route, "username-env", route.username_env, environ),
                password=_secret(route, "password-env", route.password_env, environ),
                unsubscribe_secret=_secret(
                    route, "unsubscribe-secret-env", route.unsubscribe_secret_env, environ, UNSUBSCRIBE_SECRET_MIN
                ),
            )
        else:
            routes[route.route] = WebhookProvider(route, _secret(route, "secret-env", route.secret_env, environ) or "")
    return Router(routes, default)


def delivery_service(settings: DeliverySettings, project_root: Path, environ: Mapping[str, str]) -> DeliveryService:
    """The providers of `providers_from_settings` behind the ledger at the settings' `ledger` path."""
    return DeliveryService(
        providers_from_settings(settings, project_root, environ), Ledger(project_root / settings.ledger)
    )


def _secret(
    route: RouteSettings, key: str, variable: str | None, environ: Mapping[str, str], min_length: int = 1
) -> str | None:
    if variable is None:
        return None
    value = environ.get(variable)
    where = f'delivery.{route.route}.{key} names the environment variable "{variable}"'
    if not value:
        raise DeliverySettingsError(f"{where}, which is not set or is empty")
    if len(value) < min_length:
        raise DeliverySettingsError(f"{where}, which holds fewer than {min_length} characters: too easy to guess")
    return value
