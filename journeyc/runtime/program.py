"""A build loaded to run: everything the core reads of it, worked out once and shared by every customer.

`Program(files)` takes the files `journeyc build` writes ({relative posix path: bytes}) and holds what does not
change while customers come and go: the journeys (their generated modules executed), the tracking plan, the
profile's defaults, the segment plan, the contact policy's rules and the message renderer. The engine
(runtime/simulator.py) keeps each customer's state apart from it, so one Program serves the simulator's many
customers and every customer workflow of a live worker alike; its caches (compiled conditions, templates,
zones) only ever hold what the build determines.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from journeyc.runtime.builds import build_version
from journeyc.runtime.conditions import Compiled, Context, compile_condition
from journeyc.runtime.history import Keys
from journeyc.runtime.journey_runs import Journey, is_journey_module, load_journey
from journeyc.runtime.policy import ContactPolicy
from journeyc.runtime.segment_plan import SegmentPlan
from journeyc.runtime.trigger_values import TriggerValues


class Program:
    def __init__(self, files: Mapping[str, bytes]) -> None:
        data = {p.removeprefix("data/").removesuffix(".json"): json.loads(b) for p, b in files.items()
                if p.startswith("data/")}  # fmt: skip
        self.version = build_version(files) if "manifest.json" in files else "unversioned"
        self.events_plan: dict[str, Any] = data.get("events", {})
        self.shapes: dict[str, Any] = data.get("shapes", {})
        self.profile: dict[str, Any] | None = data.get("profile")  # the declared traits (what identify may set)
        self.templates = {p: b.decode("utf-8") for p, b in files.items() if p.startswith("templates/")}
        self.policy = ContactPolicy(data, self.templates)
        self.journeys = [load_journey(p, b) for p, b in sorted(files.items()) if is_journey_module(p)]
        self.by_name = {journey.name: journey for journey in self.journeys}
        self.defaults = {t["name"]: t.get("default") for t in (data.get("profile") or {}).get("traits", ())}
        # The traits a push token (`context.device.token`) is the address of.
        self.push_addresses = sorted({(c.get("address") or {}).get("name") for c in data.get("channels", {}).values()
                                      if (c.get("kind") or {}).get("name") == "push"} - {None})  # fmt: skip
        self.keys = Keys()
        self.segments = SegmentPlan(data.get("segments", {}), self.keys)
        self.trigger_values = TriggerValues(self.events_plan, self.shapes)
        self.compiled: dict[int, tuple[Mapping[str, Any], Compiled]] = {}  # id -> (the condition, its function)
        # The journeys an event or a segment entry starts, and those that start on a schedule.
        self.started_by_event: dict[str, list[Journey]] = {}
        self.started_by_segment: dict[str, list[Journey]] = {}
        for journey in self.journeys:
            trigger = journey.trigger or {}
            if trigger.get("kind") == "event":
                self.started_by_event.setdefault(trigger.get("event"), []).append(journey)
            elif trigger.get("kind") == "segment":
                self.started_by_segment.setdefault((trigger.get("segment") or {}).get("name"), []).append(journey)
        self.scheduled = [j for j in self.journeys if (j.trigger or {}).get("kind") == "schedule"]
        self.goal_events = {j.goal["event"] for j in self.journeys if j.goal and j.goal_window is not None}
        for journey in self.journeys:
            journey.version = self.version

    def check(self, condition: Mapping[str, Any] | None, ctx: Context) -> bool:
        """Whether `condition` holds in `ctx` (None holds), each condition compiled once: they are the build's
        constants."""
        if condition is None:
            return True
        known = self.compiled.get(id(condition))
        if known is None or known[0] is not condition:
            known = self.compiled[id(condition)] = (condition, compile_condition(condition))
        return known[1](ctx)
