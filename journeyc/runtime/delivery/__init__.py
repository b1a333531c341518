"""Real delivery for the live runtime: each send the policy decided, handed to the provider of its channel.

Providers: SMTP for email (`smtp`), a signed HTTP POST of JSON for the other kinds (`webhook`), and a JSON-lines
outbox file (`file`), the default for local use. `[delivery]` in journeyc.toml says which provider sends each
channel (docs/delivery.md); `delivery_service` puts them behind the ledger that keeps a retried send from being
sent twice. Providers are synchronous and keep no connection between deliveries: call them from worker threads
(`asyncio.to_thread`, a Temporal activity executor).
"""

from journeyc.runtime.delivery.file import FileProvider, outbox_record
from journeyc.runtime.delivery.ledger import Ledger, LedgerEntry
from journeyc.runtime.delivery.model import (
    KINDS,
    Delivery,
    PermanentDeliveryError,
    Provider,
    Receipt,
    TransientDeliveryError,
)
from journeyc.runtime.delivery.routing import DeliveryService, Router, delivery_service, providers_from_settings
from journeyc.runtime.delivery.settings import DeliverySettings, DeliverySettingsError, read_delivery_settings
from journeyc.runtime.delivery.smtp import SmtpProvider, message_id
from journeyc.runtime.delivery.webhook import WebhookProvider, sign, verify_signature, webhook_body

__all__ = [
    "KINDS",
    "Delivery",
    "DeliveryService",
    "DeliverySettings",
    "DeliverySettingsError",
    "FileProvider",
    "Ledger",
    "LedgerEntry",
    "PermanentDeliveryError",
    "Provider",
    "Receipt",
    "Router",
    "SmtpProvider",
    "TransientDeliveryError",
    "WebhookProvider",
    "delivery_service",
    "message_id",
    "outbox_record",
    "providers_from_settings",
    "read_delivery_settings",
    "sign",
    "verify_signature",
    "webhook_body",
]
