"""The customers a message is previewed for: the journey tests' customers, and a sample profile.

A journey test (`journeys/tests/*.test.toml`, docs/testing.md) names its journey, its customers' traits and the
events they send: each of its customers is previewed with the profile the simulator gives them (the traits' defaults,
then their own traits) and the properties of their first trigger event in the test. The sample profile is the
traits' defaults, with a plausible value for every trait that has none (`first_name` "Alex", an `email` at
example.com, the first choice of a `one of`); its trigger event has a plausible value for every declared property.

The values are the ones the simulator gives a run (render_adapter.py: `profile_of`, `trigger_of`), so a trait
without a default that the customer lacks is None, as it is for the runtime; the renderer's adapter turns a preview
that would show it into an explanation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from journeyc import ir
from journeyc.journey_tests.files import JourneyTest, TestFileError, read_test
from journeyc.journey_tests.run import find_tests
from journeyc.pipeline import CheckResult
from journeyc.site.render_adapter import RuntimeRenderer

SAMPLE_ID = "sample customer"
MAX_TEST_CUSTOMERS = 3  # per journey: enough to see the variations a test was written for
_SAMPLE_TEXT = {
    "first_name": "Alex",
    "last_name": "Morgan",
    "email": "alex.morgan@example.com",
    "phone": "+15550100",
    "city": "Brooklyn",
    "country": "US",
    "currency": "USD",
    "carrier": "UPS",
    "language": "en",
    "locale": "en-US",
}
_SAMPLE_NUMBER = {"value": 120.0, "total": 120.0, "revenue": 120.0, "price": 48.0, "rating": 4, "quantity": 1}


@dataclass(frozen=True)
class SampleCustomer:
    id: str
    source: str  # where the customer comes from: a test file, or "the traits' defaults"
    profile: Mapping[str, Any]
    trigger: Mapping[str, Any]


@dataclass(frozen=True)
class JourneyTestFile:
    path: str  # relative to the project root
    test: JourneyTest | None  # None when the file cannot be read (`journeyc test` says why)
    problem: str | None = None


def read_journey_tests(result: CheckResult) -> list[JourneyTestFile]:
    """Every journey test file of the project, read (a file with mistakes is kept with its first problem)."""
    root = result.files.root
    found: list[JourneyTestFile] = []
    for path in find_tests(root):
        shown = path.relative_to(root).as_posix()
        try:
            test = read_test(path.read_text(encoding="utf-8"), shown, result.project.journeys)
        except TestFileError as error:
            found.append(JourneyTestFile(shown, None, error.problems[0] if error.problems else "it cannot be read"))
        except (OSError, UnicodeDecodeError):
            found.append(JourneyTestFile(shown, None, "it cannot be read"))
        else:
            found.append(JourneyTestFile(shown, test))
    return found


def customers_for(
    project: ir.Project, journey: ir.Journey, tests: list[JourneyTestFile], runtime: RuntimeRenderer
) -> list[SampleCustomer]:
    """The customers to preview the journey's messages for: its tests' (at most a few), then the sample one."""
    event = journey.trigger.event if isinstance(journey.trigger, ir.EventTrigger) else None
    found: list[SampleCustomer] = []
    for file in tests:
        if file.test is None or file.test.journey != journey.name:
            continue
        for customer_id, traits in sorted(file.test.customers.items()):
            if len(found) >= MAX_TEST_CUSTOMERS:
                break
            trigger = next((e.properties for e in file.test.events if e.customer == customer_id and e.event == event),
                           {})  # fmt: skip
            profile = runtime.profile_of(_plain(traits))
            found.append(SampleCustomer(customer_id, file.path, profile, runtime.trigger_of(event, _plain(trigger))))
    return [*found, sample_customer(project, event, runtime)]


def sample_customer(project: ir.Project, event: str | None, runtime: RuntimeRenderer) -> SampleCustomer:
    """The sample profile, and a trigger event `event` (if any) with a plausible value for each property."""
    profile = runtime.profile_of({})
    for trait in project.profile.traits if project.profile else ():
        if profile.get(trait.name) is None:
            profile[trait.name] = plausible(project, trait.name, trait.type)
    trigger: dict[str, Any] = {}
    declared = project.events.get(event) if event is not None else None
    if declared is not None:
        for prop in declared.properties:
            trigger[prop.name] = plausible(project, prop.name, prop.type)
    return SampleCustomer(SAMPLE_ID, "the traits' defaults, and plausible values for the others", profile,
                          runtime.trigger_of(event, trigger))  # fmt: skip


def plausible(project: ir.Project, name: str, type_: ir.TypeRef, depth: int = 0) -> Any:
    """A value a real customer or event could have for a trait or property of this name and type."""
    if isinstance(type_, ir.ShapeRef):
        shape = project.shapes.get(type_.name)
        type_ = shape.type if shape is not None else ir.ScalarType(name="string")
    if isinstance(type_, ir.EnumType):
        return type_.values[0] if type_.values else ""
    if isinstance(type_, ir.ListType):
        return [plausible(project, name, type_.item, depth + 1)] if depth < 4 else []
    if isinstance(type_, ir.ObjectType):
        return {f.name: plausible(project, f.name, f.type, depth + 1) for f in type_.fields} if depth < 4 else {}
    kind = type_.name
    if kind == "boolean":
        return True
    if kind in ("number", "integer"):
        number = _SAMPLE_NUMBER.get(name, 3)
        return int(number) if kind == "integer" else float(number)
    if kind == "datetime":
        return "2026-03-02T15:00:00Z"
    if kind == "timezone":
        return "America/New_York"
    return _text(name)


def _text(name: str) -> str:
    lowered = name.lower()
    if lowered in _SAMPLE_TEXT:
        return _SAMPLE_TEXT[lowered]
    if lowered.endswith(("url", "link")):
        return f"https://www.example.com/{re.sub(r'[^a-z0-9]+', '-', lowered).strip('-')}"
    if lowered.endswith("email"):
        return _SAMPLE_TEXT["email"]
    if lowered.endswith("_id") or lowered == "id":
        return f"{lowered.removesuffix('_id')[:1] or 'x'}-1001"
    if lowered.endswith(("code", "token")):
        return "SAMPLE-1234"
    if lowered.endswith("name"):
        return "Linen shirt dress"
    return f"sample {name.replace('_', ' ')}"


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """A test file's values as an event log carries them (a TOML date or time as its ISO 8601 text)."""
    return {k: _plain_value(v) for k, v in values.items()}


def _plain_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _plain(value)
    if isinstance(value, list):
        return [_plain_value(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
