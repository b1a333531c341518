"""The traits of an `identify` call checked against the declared profile (data/profile.json).

Each trait is read on its own: a trait of the wrong type is left out with a problem, the rest of the call is kept.
- A trait the profile does not declare is left out, with a problem naming it.
- Segment's reserved traits come in camelCase or snake_case (`firstName` or `first_name`, `lastName`,
  `createdAt`): either spelling fills the trait the profile declares under the other one. When a call sends
  both, the declared spelling wins.
- A value of the wrong type is left out: `"false"` is not a consent, an enum trait takes only its values. A
  number sent as text is read as that number, a whole number sent as 2.0 as a whole number (see plan_types).
- A trait that is a time zone must name one. The customer's time zone (the trait named `timezone`) falls back to
  the profile's declared default, with a problem saying so; another time zone trait is left out.
- null unsets a trait (the customer then reads as its default).
Without a declared profile every trait is kept as sent: there is nothing to check it against.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from journeyc.runtime.plan_types import Problem, TypeChecks, scalar_types, shown
from journeyc.runtime.zones import zone_named

TIME_ZONE_TRAIT = "timezone"  # the trait that holds the customer's time zone, by convention
_ZONE = frozenset({str})  # (a distinct object: the exact types of a time zone trait, which must also name a zone)
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,63}")  # a trait name shown as it is in a problem's path

# Segment's reserved traits written in two words, in both spellings (the others are one word, the same in both).
_RESERVED_SPELLINGS = {"firstName": "first_name", "lastName": "last_name", "createdAt": "created_at"}
_RESERVED_SPELLINGS |= {snake: camel for camel, snake in _RESERVED_SPELLINGS.items()}


class ProfileReader:
    """The declared traits, made into checks once per log."""

    def __init__(self, profile: Mapping[str, Any] | None, checks: TypeChecks) -> None:
        self.declared = profile is not None
        traits = (profile or {}).get("traits", ())
        self.specs = {t["name"]: t["type"] for t in traits}
        self.defaults = {t["name"]: t.get("default") for t in traits}
        self.checks = checks
        self.fits = {name: checks.fits(spec) for name, spec in self.specs.items()}
        self.exact_types = {name: types for name, spec in self.specs.items() if (types := scalar_types(spec))}
        self.zones = {name for name, spec in self.specs.items() if _is_zone(spec, checks)}
        # For the usual identify, checked at once: each scalar trait under its declared name -> its exact types
        # (a time zone trait -> _ZONE: text that names a zone).
        self.usual = {name: _ZONE if name in self.zones else types for name, types in self.exact_types.items()}
        self.zone_names: set[str] = set()  # the time zones the usual identify named (at most the IANA names)
        # Each name a call may use for a declared trait: its own, and its other spelling if it is a reserved trait.
        self.names = {name: name for name in self.specs}
        for name in self.specs:
            other = _RESERVED_SPELLINGS.get(name)
            if other is not None and other not in self.specs:
                self.names[other] = name

    def read(self, traits: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[Problem]]:
        """The traits to set (under their declared names, made to fit their types) and the problems of the others."""
        if not self.declared:
            return dict(traits), []
        usual, zone_names = self.usual, self.zone_names
        for sent, value in traits.items():  # the usual identify: every trait declared as sent, of its type
            types = usual.get(sent)
            if types is None or type(value) not in types:
                return self._read_each(traits)
            if types is _ZONE and value not in zone_names:  # (a zone named before, without zone_named)
                if zone_named(value) is None:
                    return self._read_each(traits)
                zone_names.add(value)
        return traits, []

    def _read_each(self, traits: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
        kept: dict[str, Any] = {}
        problems: list[Problem] = []
        names, exact_types, zones = self.names, self.exact_types, self.zones
        for sent, value in traits.items():
            # The usual trait at once: declared under this spelling (or its other one, not sent too), of its type.
            name = names.get(sent)
            if name is not None and value is not None and (name == sent or name not in traits):
                if name in zones:
                    fine = type(value) is str and zone_named(value) is not None
                else:
                    types = exact_types.get(name)
                    fine = type(value) in types if types is not None else self.fits[name](value)
                if fine:
                    kept[name] = value
                    continue
            self._read_slowly(sent, value, name, traits, kept, problems)
        return kept, problems

    def _read_slowly(
        self,
        sent: str,
        value: Any,
        name: str | None,
        traits: Mapping[str, Any],
        kept: dict[str, Any],
        problems: list[Problem],
    ) -> None:
        """A trait that is not of the usual kind: unknown, both spellings sent, null, or of the wrong type."""
        if name is None:
            problems.append(Problem(_path(sent), "not a trait of the profile (left out)"))
        elif name != sent and name in traits:  # both spellings sent: the declared one wins
            return
        elif value is None:
            kept[name] = None
        elif name in self.zones:
            fitted = self._zone(name, value, _path(sent), problems)
            if fitted is not None:
                kept[name] = fitted
        else:
            fitted, wrong = self.checks.read_value(value, self.specs[name], _path(sent))
            if wrong:
                problems.extend(Problem(p.field, p.reason + " (left out)") for p in wrong)
            else:
                kept[name] = fitted

    def _zone(self, name: str, value: Any, path: str, problems: list[Problem]) -> str | None:
        if type(value) is str and zone_named(value) is not None:
            return value
        if name == TIME_ZONE_TRAIT and self.defaults.get(name) is not None:
            default: str = self.defaults[name]  # the declared default: a time zone the checks accepted (J211, J303)
            problems.append(Problem(path, f"{shown(value)} is not a time zone: the default {shown(default)} is used"))
            return default
        problems.append(Problem(path, f"{shown(value)} is not a time zone (left out)"))
        return None


def _path(sent: str) -> str:
    """Where a trait is in the call, as a problem names it."""
    return "traits." + sent if _PLAIN_NAME.fullmatch(sent) else f"traits[{shown(sent)}]"


def _is_zone(spec: Mapping[str, Any], checks: TypeChecks) -> bool:
    if spec.get("kind") == "shape":
        spec = checks.shapes.get(spec.get("name", ""), {})
    return spec.get("kind") == "scalar" and spec.get("name") == "timezone"
