"""The intake's counters, served at /metrics in Prometheus' text format.

- `journeyc_intake_accepted_total`: calls handed to their workflows (a 200 was answered for them).
- `journeyc_intake_rejected_total{reason}`: calls refused (invalid, unknown_event, too_large, too_deep, time), and
  requests refused whole (malformed, unauthorized, too_large, unavailable: Temporal did not take them).
- `journeyc_intake_ignored_total`: unknown events accepted and ignored (`unknown-events = "accept"`).
- `journeyc_intake_duplicate_total`: calls whose messageId this intake took before (the workflow drops them; the
  workflows' own counts, by their `status` query, are the durable ones).
- `journeyc_intake_late_total`: calls that arrived more than the lateness after their time.
- `journeyc_intake_unsubscribed_total`, `journeyc_intake_feedback_total{type}`: consent.py's work.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

RECENT_IDS = 200_000  # messageIds remembered to count duplicates (the workflows dedupe for 24 hours, durably)


@dataclass
class Counters:
    accepted: int = 0
    ignored: int = 0
    duplicate: int = 0
    late: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    unsubscribed: int = 0
    feedback: dict[str, int] = field(default_factory=dict)  # provider feedback taken, by type
    recent: OrderedDict[str, None] = field(default_factory=OrderedDict)

    def reject(self, reason: str, count: int = 1) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + count

    def seen(self, message_id: str) -> bool:
        """Whether `message_id` was taken before (remembered for the last RECENT_IDS calls)."""
        if message_id in self.recent:
            return True
        self.recent[message_id] = None
        if len(self.recent) > RECENT_IDS:
            self.recent.popitem(last=False)
        return False

    def prometheus(self) -> str:
        lines = [
            "# HELP journeyc_intake_accepted_total Calls handed to their customers' workflows.",
            "# TYPE journeyc_intake_accepted_total counter",
            f"journeyc_intake_accepted_total {self.accepted}",
            "# HELP journeyc_intake_rejected_total Calls or requests refused, by reason.",
            "# TYPE journeyc_intake_rejected_total counter",
            *(f'journeyc_intake_rejected_total{{reason="{r}"}} {n}' for r, n in sorted(self.rejected.items())),
            "# HELP journeyc_intake_ignored_total Unknown events accepted and ignored.",
            "# TYPE journeyc_intake_ignored_total counter",
            f"journeyc_intake_ignored_total {self.ignored}",
            "# HELP journeyc_intake_duplicate_total Calls with a messageId taken before.",
            "# TYPE journeyc_intake_duplicate_total counter",
            f"journeyc_intake_duplicate_total {self.duplicate}",
            "# HELP journeyc_intake_late_total Calls that arrived more than the lateness after their time.",
            "# TYPE journeyc_intake_late_total counter",
            f"journeyc_intake_late_total {self.late}",
            "# HELP journeyc_intake_unsubscribed_total Unsubscribe links confirmed.",
            "# TYPE journeyc_intake_unsubscribed_total counter",
            f"journeyc_intake_unsubscribed_total {self.unsubscribed}",
            "# HELP journeyc_intake_feedback_total Provider feedback taken, by type.",
            "# TYPE journeyc_intake_feedback_total counter",
            *(f'journeyc_intake_feedback_total{{type="{t}"}} {n}' for t, n in sorted(self.feedback.items())),
        ]
        return "\n".join(lines) + "\n"
