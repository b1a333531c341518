"""The project's journeyc settings (`journeyc.toml`, or `[tool.journeyc]` in pyproject.toml), validated.

select = ["J"]                       # codes or prefixes to report (default: every rule)
ignore = ["J503"]                    # codes or prefixes never to report
fail-on = "error"                    # "error" (default) or "warning": what makes `journeyc check` exit 1
severity = { J501 = "error" }        # change a rule's severity: "error", "warning" or "off"
per-file-ignores = { "legacy/*.journey" = ["J501"] }
redundancy-window = "1 hour"         # J703: sends closer than this on two channels are the same nudge
sms-max-segments = 1                 # J501: warn above this many SMS segments
push-title-max = 50                  # J502
push-body-max = 178                  # J502
email-subject-max = 60               # J503
[delivery]                           # which provider sends each channel (live runtime): docs/delivery.md
[intake]                             # how the live intake takes Segment calls: docs/intake.md
"""

from __future__ import annotations

import difflib
import fnmatch
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from journeyc.load import ProjectNotFoundError
from journeyc.rules import RULES
from journeyc.runtime.durations import UNIT_SECONDS

if TYPE_CHECKING:
    from journeyc.runtime.delivery.settings import DeliverySettings
    from journeyc.runtime.intake_settings import IntakeSettings


class ConfigError(ProjectNotFoundError):
    """A setting journeyc cannot use: reported as a usage error (exit 2) naming the key."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ("J",)
    ignore: tuple[str, ...] = ()
    fail_on: str = "error"
    severity: dict[str, str] = field(default_factory=dict)
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    redundancy_window_seconds: int = UNIT_SECONDS["hour"]
    sms_max_segments: int = 1
    push_title_max: int = 50
    push_body_max: int = 178
    email_subject_max: int = 60
    delivery: DeliverySettings | None = None  # the [delivery] table, if any
    intake: IntakeSettings | None = None  # the [intake] table, if any

    def enabled(self, code: str, file: str) -> bool:
        """Whether `code` is reported in `file` (select, ignore, per-file ignores and `off` severities)."""
        if self.severity.get(code) == "off":
            return False
        if not _matches(code, self.select) or _matches(code, self.ignore):
            return False
        return not any(
            fnmatch.fnmatch(file, pattern) and _matches(code, codes) for pattern, codes in self.per_file_ignores.items()
        )

    def severity_of(self, code: str, default: str) -> str:
        return self.severity.get(code, default)


def _matches(code: str, prefixes: tuple[str, ...]) -> bool:
    return any(code.startswith(prefix) for prefix in prefixes)


_KEYS = (
    "select",
    "ignore",
    "fail-on",
    "severity",
    "per-file-ignores",
    "redundancy-window",
    "sms-max-segments",
    "push-title-max",
    "push-body-max",
    "email-subject-max",
    "delivery",
    "intake",
)


def parse_config(raw: dict[str, object], source: str = "journeyc.toml") -> Config:
    """Validate the settings table; anything wrong is a ConfigError that names the key and what it takes."""
    for key in raw:
        if key not in _KEYS:
            close = difflib.get_close_matches(key, _KEYS, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else f" (known settings: {', '.join(_KEYS)})"
            raise ConfigError(f'{source}: unknown setting "{key}"{hint}')
    values: dict[str, Any] = {}  # Config's fields, each checked below before it is kept
    if "select" in raw:
        values["select"] = _codes(raw["select"], "select", source)
    if "ignore" in raw:
        values["ignore"] = _codes(raw["ignore"], "ignore", source)
    if "fail-on" in raw:
        if raw["fail-on"] not in ("error", "warning"):
            raise ConfigError(f'{source}: fail-on must be "error" or "warning"')
        values["fail_on"] = raw["fail-on"]
    if "severity" in raw:
        table = _table(raw["severity"], "severity", source)
        for code, level in table.items():
            _known_code(code, "severity", source)
            if level not in ("error", "warning", "off"):
                raise ConfigError(f'{source}: severity of {code} must be "error", "warning" or "off"')
            if code.startswith("J0") and level != "error":
                raise ConfigError(f"{source}: {code} is a syntax error and cannot be lowered or turned off")
        values["severity"] = dict(table)
    if "per-file-ignores" in raw:
        table = _table(raw["per-file-ignores"], "per-file-ignores", source)
        values["per_file_ignores"] = {
            str(pattern): _codes(codes, f'per-file-ignores "{pattern}"', source) for pattern, codes in table.items()
        }
    if "redundancy-window" in raw:
        values["redundancy_window_seconds"] = _duration(raw["redundancy-window"], "redundancy-window", source)
    for key in ("sms-max-segments", "push-title-max", "push-body-max", "email-subject-max"):
        if key in raw:
            value = raw[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{source}: {key} must be a whole number of at least 1")
            values[key.replace("-", "_")] = value
    if "delivery" in raw:
        # Imported here: checking a project without a [delivery] table loads none of the delivery modules.
        from journeyc.runtime.delivery.settings import DeliverySettingsError, read_delivery_settings

        try:
            # (it checks that the value is a table: a Mapping is what it reads, not what it is given)
            values["delivery"] = read_delivery_settings(raw["delivery"], source)  # type: ignore[arg-type]
        except DeliverySettingsError as error:
            raise ConfigError(str(error)) from None
    if "intake" in raw:
        from journeyc.runtime.intake_settings import IntakeSettingsError, read_intake_settings

        try:
            values["intake"] = read_intake_settings(raw["intake"], source)  # type: ignore[arg-type]
        except IntakeSettingsError as error:
            raise ConfigError(str(error)) from None
    return Config(**values)


def _table(value: object, key: str, source: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: {key} must be a table, e.g. {key} = {{ J501 = ... }}")
    return value


def _codes(value: object, key: str, source: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{source}: {key} must be a list of codes, e.g. ["J501", "J7"]')
    for code in value:
        if not any(rule.startswith(code) for rule in RULES):
            _known_code(code, key, source)
    return tuple(value)


def _known_code(code: str, key: str, source: str) -> None:
    if code not in RULES:
        close = difflib.get_close_matches(code, list(RULES), n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else " (`journeyc rules` lists them)"
        raise ConfigError(f'{source}: {key} names "{code}", which is not a journeyc rule{hint}')


def _duration(value: object, key: str, source: str) -> int:
    parts = value.split() if isinstance(value, str) else []
    if len(parts) == 2 and parts[0].isdigit() and parts[1].lower() in UNIT_SECONDS:
        return int(parts[0]) * UNIT_SECONDS[parts[1].lower()]
    raise ConfigError(f'{source}: {key} must be a duration such as "1 hour" or "30 minutes"')
