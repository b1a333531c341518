"""The central contact policy, applied at send time across all journeys, per customer.

In order: consent and address (an address a provider reported undeliverable, a hard bounce, is `undeliverable`),
suppression windows opened by events, frequency caps over sliding windows, quiet hours in the customer's local
time (defer to the end of the window, or drop), then the template is rendered (runtime/render.py; a template that
fails is a `render_error`, not a crash). Exemptions skip the rules they name; none skips `undeliverable`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from journeyc.runtime.conditions import Context, Event, evaluate
from journeyc.runtime.durations import UNITS
from journeyc.runtime.eventlog import format_time
from journeyc.runtime.identity import ids_of
from journeyc.runtime.profile import TIME_ZONE_TRAIT
from journeyc.runtime.render import MessageRenderer
from journeyc.runtime.zones import local_datetime, zone_named

DAY = UNITS["day"]
_NO_RULES: frozenset[str] = frozenset()
_NO_MESSAGE: Mapping[str, Any] = {}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(slots=True)  # not frozen: a frozen dataclass sets each field through object.__setattr__ (one per send)
class Attempt:
    due: float
    user_id: str
    journey: str
    step: str
    channel: str | None
    message: str
    offer: str | None
    arm: str | None
    journey_category: str | None
    trigger: Mapping[str, Any] | None
    profile: Mapping[str, Any]
    deferred_from: float | None = None
    run: str | None = None  # the run's id, "<journey>#<n>": the customer's n-th entry into a journey
    home: str | None = None  # the key of the customer the run started for (with `run` and `step`: the send's key)
    ended: Callable[[], bool] | None = field(default=None, compare=False)  # its goal or an exit event came since
    owner: Any = field(default=None, compare=False)  # the run that sent it (the executor's object)
    line: Any = field(default=None, compare=False)  # the executor's timeline line for it, filled in when decided

    def deferred_to(self, due: float) -> Attempt:
        """This attempt held for quiet hours until `due`: `dataclasses.replace(self, due=due, deferred_from=...)`
        (the time it was first due), without the field lookups of `replace`."""
        return Attempt(due, self.user_id, self.journey, self.step, self.channel, self.message, self.offer, self.arm,
                       self.journey_category, self.trigger, self.profile, self.deferred_from or self.due, self.run,
                       self.home, self.ended, self.owner, self.line)  # fmt: skip


class Decision(NamedTuple):
    """What the policy decided of one attempt: "sent" (with its content), "dropped" (with its reason) or
    "deferred" (held for quiet hours), and the channel and category it was decided for."""

    status: str
    channel: str | None
    category: str | None
    reason: str | None
    content: dict[str, Any] | None


class SendPlan:
    """What the policy decides the same way for every send of one message on one channel in one journey's category,
    worked out at its first send: its category and channel, the rules that apply to it (its exemptions and the
    transactional category's free pass to consent applied), and the decisions that carry nothing of the send."""

    __slots__ = ("address", "caps", "category", "channel", "consent", "deferred", "dropped", "quiet", "sent",
                 "suppressible")  # fmt: skip

    def __init__(self, policy: ContactPolicy, channel: str | None, message: str, journey_category: str | None) -> None:
        self.category = category = policy.messages.get(message, _NO_MESSAGE).get("category") or journey_category
        name, consent, self.address = policy._route(channel, message)
        self.channel = name
        exempt = policy.exemptions.get(category, _NO_RULES)
        self.consent = consent if "consent" not in exempt and category != "transactional" else None
        self.suppressible = "suppression" not in exempt
        # The caps that count this send (None: exempt from caps; still asked, to trim the customer's history).
        self.caps = None if "caps" in exempt else [
            (categories, channels, window, limit) for categories, channels, window, limit in policy.caps
            if not ((categories and category not in categories) or (channels and name not in channels))
        ]  # fmt: skip
        self.quiet = () if "quiet_hours" in exempt else tuple(
            rule[1:] for rule in policy.quiet_hours if rule[0] is None or name in rule[0]
        )  # fmt: skip
        # (A decision is a tuple: one serves every send it tells of.)
        self.sent = Decision("sent", name, category, None, None)
        self.deferred = Decision("deferred", name, category, "quiet_hours", None)
        self.dropped: dict[str, Decision] = {}  # reason -> the decision

    def drop(self, reason: str) -> Decision:
        """The decision that drops a send of this plan for `reason`."""
        decision = self.dropped.get(reason)
        if decision is None:
            decision = self.dropped[reason] = Decision("dropped", self.channel, self.category, reason, None)
        return decision


def _bounced(ledger: Ledger, user_id: str, address: Any) -> bool:
    return type(address) is str and address in ledger.undeliverable.get(user_id, ())


def _names(items: Any) -> set[str]:
    return {item["name"] for item in items or ()}


@dataclass
class Ledger:
    """What the policy remembers of customers: the sends that count toward caps, the suppression windows open.

    The executor owns it (the simulator one for every customer, a live customer's workflow its own), apart from the
    policy's rules, which the build fixes. Decisions come in time order, so both lists keep only what can still
    matter: the sends inside the longest cap window, the suppression windows not yet over."""

    sent: dict[str, list[tuple[float, str | None, str | None]]] = field(default_factory=dict)  # key -> [(t, cat, ch)]
    suppressed_until: dict[str, list[tuple[float, set[str]]]] = field(default_factory=dict)  # key -> [(until, cats)]
    # key -> the addresses a provider reported undeliverable (a hard bounce): sends to them are dropped
    undeliverable: dict[str, set[str]] = field(default_factory=dict)

    def merge_customer(self, source: str, target: str) -> None:
        """Two customers are one now (identity.py): `source`'s sends count toward `target`'s caps, and the
        suppression windows `source` opened hold for `target`."""
        sent = self.sent.pop(source, None)
        if sent:
            self.sent[target] = sorted([*self.sent.get(target, ()), *sent], key=lambda s: s[0])
        windows = self.suppressed_until.pop(source, None)
        if windows:
            self.suppressed_until.setdefault(target, []).extend(windows)
        bounced = self.undeliverable.pop(source, None)
        if bounced:
            self.undeliverable.setdefault(target, set()).update(bounced)


class ContactPolicy:
    def __init__(self, data: Mapping[str, Any], templates: Mapping[str, str]) -> None:
        self.policy = data.get("policy") or {}
        self.channels = data.get("channels", {})
        self.messages = data.get("messages", {})
        self.renderer = MessageRenderer(data, templates)
        self.priority = [c["name"] for c in self.policy.get("priority", ())]
        self.routes: dict[tuple[str | None, str], tuple[str | None, str | None, str | None]] = {}  # see `_route`
        self.zones: dict[Any, zoneinfo.ZoneInfo] = {}  # a profile's time zone value -> its zone
        self.plans: dict[tuple[str, str | None, str | None], SendPlan] = {}  # (message, channel, journey category)
        self.rank = {name: n for n, name in enumerate(self.priority)}
        # The rules as sets, worked out once: which rules each category is exempt from, and each cap's scope.
        self.exemptions: dict[str | None, set[str]] = {}
        for exemption in self.policy.get("exemptions", ()):
            for category in _names(exemption["categories"]):
                self.exemptions.setdefault(category, set()).update(exemption["rules"])
        self.caps = [(_names(c.get("categories")), _names(c.get("channels")), c["window"]["seconds"], c["limit"])
                     for c in self.policy.get("caps", ())]  # fmt: skip
        self.longest_cap = max((window for _, _, window, _ in self.caps), default=0)
        self.suppressions: dict[str, list[tuple[Any, float, set[str]]]] = {}  # event -> (where, seconds, categories)
        for rule in self.policy.get("suppressions", ()):
            opens = (rule.get("where"), rule["duration"]["seconds"], _names(rule["categories"]))
            self.suppressions.setdefault(rule["event"], []).append(opens)
        self.zone = next((t.get("default") for t in (data.get("profile") or {}).get("traits", ())
                          if t["name"] == TIME_ZONE_TRAIT), None) or "UTC"  # fmt: skip
        # Quiet hours as (channels or None for every channel, start and end in minutes of the day, end, action).
        self.quiet_hours = [
            (_names(rule["channels"]) if rule.get("channels") else None,
             rule["start"]["hour"] * 60 + rule["start"]["minute"], rule["end"]["hour"] * 60 + rule["end"]["minute"],
             rule["end"], rule["action"])
            for rule in self.policy.get("quiet_hours", ())
        ]  # fmt: skip

    # ------------------------------------------------------------ bookkeeping
    def record_event(self, ledger: Ledger, user_id: str, event: Event) -> None:
        """An event may open suppression windows."""
        for where, seconds, categories in self.suppressions.get(event.name, ()):
            if evaluate(where, Context(event.time, {}, (), event=event.properties)):
                ledger.suppressed_until.setdefault(user_id, []).append((event.time + seconds, categories))

    def exempt(self, category: str | None, rule: str) -> bool:
        exempt = self.exemptions.get(category)
        return exempt is not None and rule in exempt

    def category(self, attempt: Attempt) -> str | None:
        """The attempt's category: its message's, else its journey's (`decision` reads it inline)."""
        message = self.messages.get(attempt.message, _NO_MESSAGE)
        return message.get("category") or attempt.journey_category

    def by_priority(self, attempts: list[Attempt]) -> list[Attempt]:
        if len(attempts) == 1:
            return attempts
        rank = self.rank
        return sorted(attempts, key=lambda a: (a.due, a.user_id, rank.get(self.category(a) or "", len(rank))))

    # ------------------------------------------------------------ local time
    def zone_of(self, profile: Mapping[str, Any]) -> zoneinfo.ZoneInfo:
        """The customer's time zone: the trait named `timezone`, else the profile's declared default, else UTC."""
        name = profile.get(TIME_ZONE_TRAIT)
        zone = self.zones.get(name) if type(name) is str else None
        if zone is None:
            zone = zone_named(name) if type(name) is str else None
            if zone is None:
                zone = zone_named(self.zone) or zoneinfo.ZoneInfo("UTC")
            if type(name) is str:
                self.zones[name] = zone
        return zone

    def next_local_time(
        self,
        profile: Mapping[str, Any],
        now: float,
        hour: int,
        minute: int,
        weekday: str | None,
        *,
        now_counts: bool = False,
    ) -> float:
        """The next moment it is hour:minute in the customer's zone, on the given day if any: after now, or at now
        too when `now_counts` (`wait until 10:00` reached at 10:00 exactly goes on at once; a schedule, which
        fires at that moment, looks for the next one). Past the year 9999 (no calendar there): a day later."""
        zone = self.zone_of(profile)
        local = local_datetime(now, zone)
        if local is None:
            return now + DAY
        for days in range(0, 8):
            try:
                day = (local + dt.timedelta(days=days)).date()
                candidate = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).timestamp()
            except (OverflowError, ValueError):
                return now + DAY
            if candidate < now or (candidate == now and not now_counts):
                continue
            name = WEEKDAYS[day.weekday()]
            if weekday in (None, "day") or weekday == name or (weekday == "weekday" and day.weekday() < 5):
                return candidate
        return now + DAY

    def _quiet_end(self, profile: Mapping[str, Any], when: float, rules: tuple[Any, ...]) -> tuple[float, str] | None:
        """If `when` is inside one of these quiet hours (those of the send's channel: see SendPlan): (their end,
        "defer"/"drop")."""
        local = local_datetime(when, self.zone_of(profile))
        if local is None:  # past the year 9999: no quiet hours there
            return None
        minutes = local.hour * 60 + local.minute
        for start, end, until, action in rules:
            inside = start <= minutes < end if start <= end else (minutes >= start or minutes < end)
            if inside:
                return self.next_local_time(profile, when, until["hour"], until["minute"], None), action
        return None

    # ------------------------------------------------------------ the decision
    def decide(self, attempt: Attempt, ledger: Ledger, defer: Callable[[Attempt], None]) -> list[dict[str, Any]]:
        """The outbox record for one attempt, decided against the customer's `ledger` (which a send joins); a
        record of status "deferred" when quiet hours hold it (`defer` schedules it again for their end)."""
        return [self.record(attempt, self.decision(attempt, ledger, defer))]

    def decision(
        self, attempt: Attempt, ledger: Ledger, defer: Callable[[Attempt], None], *, content: bool = True
    ) -> Decision:
        """`decide` without the outbox record: what an executor needs to count the send (the record, which
        `record` makes of it, only for whoever keeps or reads records). `content=False`: a send's content is
        not rendered, only found renderable (its decision's content is None), for an executor no one reads."""
        key = (attempt.message, attempt.channel, attempt.journey_category)
        plan = self.plans.get(key)
        if plan is None:
            plan = self.plans[key] = SendPlan(self, attempt.channel, attempt.message, attempt.journey_category)
        if attempt.deferred_from is not None and attempt.ended is not None and attempt.ended():
            # Held for quiet hours, and the journey ended meanwhile (a goal, an exit): it never goes out.
            return Decision("dropped", attempt.channel, plan.category, "quiet_hours", None)
        profile = attempt.profile
        consent, address = plan.consent, plan.address
        reason = None
        if consent and not profile.get(consent):
            reason = "consent"
        elif address and not profile.get(address):
            reason = "no_address"
        elif address and ledger.undeliverable and _bounced(ledger, attempt.user_id, profile[address]):
            reason = "undeliverable"
        elif plan.suppressible and self._suppressed(ledger, attempt.user_id, attempt.due, plan.category):
            reason = "suppressed"
        elif plan.caps is not None and self._over_cap(ledger, attempt.user_id, attempt.due, plan.caps):
            reason = "cap"
        elif plan.quiet:
            quiet = self._quiet_end(profile, attempt.due, plan.quiet)
            if quiet is not None:
                end, action = quiet
                if action == "defer":
                    defer(attempt.deferred_to(end))
                    return plan.deferred
                reason = "quiet_hours"
        if reason is not None:
            return plan.drop(reason)
        if content:
            rendered = self.renderer.render(attempt.message, profile, attempt.trigger, attempt.offer)
            if rendered is None:
                return plan.drop("render_error")
            decision = Decision("sent", plan.channel, plan.category, None, rendered)
        elif self.renderer.renders(attempt.message, profile, attempt.trigger, attempt.offer):
            decision = plan.sent
        else:
            return plan.drop("render_error")
        ledger.sent.setdefault(attempt.user_id, []).append((attempt.due, plan.category, plan.channel))
        return decision

    def _route(self, channel: str | None, message: str) -> tuple[str | None, str | None, str | None]:
        """The channel a send goes out on, the consent trait it needs and the trait holding the address."""
        key = (channel, message)
        route = self.routes.get(key)
        if route is None:
            found = self.channels.get(channel or self.messages.get(message, {}).get("channel"), {})
            route = self.routes[key] = (found.get("name") or channel, (found.get("consent") or {}).get("name"),
                                        (found.get("address") or {}).get("name"))  # fmt: skip
        return route

    def _suppressed(self, ledger: Ledger, user_id: str, when: float, category: str | None) -> bool:
        windows = ledger.suppressed_until.get(user_id)
        if not windows:
            return False
        windows[:] = [(until, cats) for until, cats in windows if when < until]  # over for good
        return any(category in cats for _, cats in windows)

    def _over_cap(self, ledger: Ledger, user_id: str, when: float, caps: list[Any]) -> bool:
        """Whether one of `caps` (those that count the send: see SendPlan) has reached its limit."""
        history = ledger.sent.get(user_id)
        if not history:
            return False
        if when - history[0][0] >= self.longest_cap:  # (the usual case, the oldest still in a window, skips this)
            old = next((n for n, (time, _, _) in enumerate(history) if when - time < self.longest_cap), len(history))
            del history[:old]  # outside every cap window from now on
        for categories, channels, window, limit in caps:
            count = 0
            for time, cat, chan in history:
                if (
                    when - time < window
                    and (not categories or cat in categories)
                    and (not channels or chan in channels)
                ):
                    count += 1
                    if count >= limit:
                        return True
        return False

    @staticmethod
    def record(attempt: Attempt, decision: Decision) -> dict[str, Any]:
        """The outbox record of a decision: "sent", "dropped" (with its reason) or "deferred" (held for quiet
        hours: decided again when they end, in a record of its own)."""
        user_id, anonymous_id = ids_of(attempt.user_id)  # (the executor's key of the customer)
        return {
            "time": format_time(attempt.due),
            "user_id": user_id,
            "anonymous_id": anonymous_id,
            "journey": attempt.journey,
            "run": attempt.run,
            "step": attempt.step,
            "channel": decision.channel,
            "message": attempt.message,
            "category": decision.category,
            "status": decision.status,
            "reason": decision.reason,
            "offer": attempt.offer,
            "arm": attempt.arm,
            "deferred_from": format_time(attempt.deferred_from) if attempt.deferred_from is not None else None,
            "content": decision.content,
        }
