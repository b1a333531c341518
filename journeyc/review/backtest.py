"""`journeyc diff --events LOG --until TIME`: both versions run by the simulator over the same real history, and
what customers would have received differently: sends per journey and channel, drops by reason, conversions,
offers given, and a few customers whose messages changed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from journeyc.pipeline import CheckResult
from journeyc.simulate import simulate

EXAMPLES = 5
Record = tuple[str, str, str, str, str, str]  # time, journey, channel, message, what happened, offer


@dataclass
class Outcome:
    """What one version did over the history, counted."""

    events: int = 0
    rejected: int = 0
    sent: Counter[tuple[str, str]] = field(default_factory=Counter)  # (journey, channel)
    dropped: Counter[tuple[str, str]] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    offers: Counter[str] = field(default_factory=Counter)  # offers in messages sent
    converted: Counter[str] = field(default_factory=Counter)
    entered: Counter[str] = field(default_factory=Counter)
    customers: dict[str, list[Record]] = field(default_factory=dict)

    def record(self, record: dict[str, Any]) -> None:
        if record["status"] == "deferred":  # (held for quiet hours: its decision comes in a record of its own)
            return
        key = (record["journey"], record["channel"] or "-")
        if record["status"] == "sent":
            self.sent[key] += 1
            if record["offer"]:
                self.offers[record["offer"]] += 1
            what = "sent"
        else:
            self.dropped[key] += 1
            self.reasons[record["reason"]] += 1
            what = f"dropped ({record['reason']})"
        line = (record["time"], record["journey"], record["channel"] or "-", record["message"], what,
                record["offer"] or "")  # fmt: skip
        self.customers.setdefault(record["user_id"], []).append(line)


def run_version(result: CheckResult, lines: list[str], until: float) -> Outcome:
    outcome = Outcome()
    simulation = simulate(result, lines, until, trace=(), on_record=outcome.record, keep_outbox=False)
    outcome.events = len(simulation.log.entries) + len(simulation.log.rejected)
    outcome.rejected = len(simulation.log.rejected)
    for name, stats in simulation.simulator.stats.items():
        outcome.converted[name] = stats.converted
        outcome.entered[name] = stats.entered
    return outcome


def _count(n: int) -> str:
    return f"{n:,}"


def _delta(was: int, now: int) -> str:
    return f"{_count(was)} -> {_count(now)} ({'+' if now >= was else '-'}{_count(abs(now - was))})"


def backtest_report(old: CheckResult, new: CheckResult, lines: list[str], until: float, until_text: str) -> list[str]:
    """The difference between the versions over the same events, in words and small tables."""
    before, after = run_version(old, lines, until), run_version(new, lines, until)
    report = [f"backtest: {_count(after.events)} events up to {until_text}, both versions on the same history"]
    if before.rejected != after.rejected:
        report.append(f"events the tracking plan rejects: {_delta(before.rejected, after.rejected)}")
    report += _headline(before, after)
    keys = sorted(set(before.sent) | set(after.sent) | set(before.dropped) | set(after.dropped))
    changed = [k for k in keys if (before.sent[k], before.dropped[k]) != (after.sent[k], after.dropped[k])]
    if changed:
        report.append("sends by journey and channel (sent, dropped):")
        for journey, channel in changed:
            key = (journey, channel)
            report.append(f"  {journey} on {channel}: sent {_delta(before.sent[key], after.sent[key])}, "
                          f"dropped {_delta(before.dropped[key], after.dropped[key])}")  # fmt: skip
    for title, was, now in (
        ("drops by reason", before.reasons, after.reasons),
        ("conversions by journey", before.converted, after.converted),
        ("offers given", before.offers, after.offers),
    ):
        moved = [k for k in sorted(set(was) | set(now)) if was[k] != now[k]]
        if moved:
            report.append(f"{title}:")
            report += [f"  {k}: {_delta(was[k], now[k])}" for k in moved]
    report += _examples(before, after)
    if len(report) == 1:
        report.append("no customer would have received anything different")
    return report


def _headline(before: Outcome, after: Outcome) -> list[str]:
    """One sentence per channel whose volume changed: "this change would have sent 1,240 more sms messages, 310 of
    them dropped (cap 300, quiet_hours 10)"."""
    lines = []
    channels = sorted({c for _, c in (*before.sent, *after.sent, *before.dropped, *after.dropped)})
    for channel in channels:
        tried_before = sum(n for (_, c), n in (*before.sent.items(), *before.dropped.items()) if c == channel)
        tried_after = sum(n for (_, c), n in (*after.sent.items(), *after.dropped.items()) if c == channel)
        dropped = sum(n for (_, c), n in after.dropped.items() if c == channel) - sum(
            n for (_, c), n in before.dropped.items() if c == channel
        )
        if tried_before == tried_after and not dropped:
            continue
        more = tried_after - tried_before
        sentence = (
            f"this change would have tried {_count(abs(more))} {'more' if more >= 0 else 'fewer'} {channel} messages"
        )
        if dropped:
            sentence += f", {_count(abs(dropped))} {'more' if dropped > 0 else 'fewer'} of them dropped by the policy"
        lines.append(sentence)
    return lines


def _examples(before: Outcome, after: Outcome) -> list[str]:
    differ = [c for c in sorted(set(before.customers) | set(after.customers))
              if before.customers.get(c, []) != after.customers.get(c, [])]  # fmt: skip
    if not differ:
        return []
    lines = [f"customers whose messages changed: {_count(len(differ))}; for example:"]
    for customer in differ[:EXAMPLES]:
        was, now = before.customers.get(customer, []), after.customers.get(customer, [])
        lines.append(f"  {customer}:")
        lines += [f"    - {_line(r)}" for r in was if r not in now]
        lines += [f"    + {_line(r)}" for r in now if r not in was]
    return lines


def _line(record: Record) -> str:
    time, journey, channel, message, what, offer = record
    return f"{time} {journey}: {channel} {message}{' with ' + offer if offer else ''} {what}"
