"""What leaves a customer's workflow: its decisions, written to the log of decisions, and its deliveries.

Both are Temporal activities (so they run once their workflow has decided, and are retried when they fail):

- `record` appends decisions to the log of decisions (the simulator's outbox format, each line with its `key`;
  a line already there by its key is not written again, so a retried activity writes nothing twice);
- `deliver` sends one message through its channel's provider (runtime/delivery/): a transient failure is raised
  for Temporal to retry with backoff; a permanent one ends the activity as non-retryable, and the workflow
  records the send as `failed` with the provider's reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from journeyc.runtime.delivery import Delivery, PermanentDeliveryError
from journeyc.runtime.delivery.file import FileProvider
from journeyc.runtime.delivery.routing import DeliveryService

PERMANENT = "PermanentDeliveryError"
# The fields of an outbox record, in the order `journeyc simulate --outbox` writes them (runtime/policy.py).
RECORD_FIELDS = ("time", "user_id", "anonymous_id", "journey", "run", "step", "channel", "message", "category",
                 "status", "reason", "offer", "arm", "deferred_from", "content")  # fmt: skip


@dataclass
class Activities:
    """The activities of one worker: where it logs decisions, and how it delivers."""

    decisions: Path
    delivery: DeliveryService

    def __post_init__(self) -> None:
        self._log = FileProvider(self.decisions)

    @activity.defn(name="journeyc.record")
    def record(self, lines: list[dict[str, Any]]) -> int:
        """Append each decision (a record with its "key") unless its key is logged already; how many were new."""
        # (in the outbox's order of fields; one write and one flush to disk for the whole batch)
        return self._log.append_all(
            [(line["key"], {field: line.get(field) for field in RECORD_FIELDS}) for line in lines]
        )

    @activity.defn(name="journeyc.deliver")
    def deliver(self, fields: dict[str, Any]) -> str:
        """Deliver one send; its receipt as text."""
        try:
            receipt = self.delivery.deliver(delivery_of(fields))
        except PermanentDeliveryError as error:
            raise ApplicationError(str(error), type=PERMANENT, non_retryable=True) from error
        return f"{receipt.provider}: {receipt.detail}"


def delivery_of(fields: Mapping[str, Any]) -> Delivery:
    return Delivery(**fields)
