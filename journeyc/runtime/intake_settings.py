"""The `[intake]` table of journeyc.toml, validated: how the live intake (journeyc/intake/) takes Segment calls.

```toml
[intake]
unknown-events = "reject"              # "reject" (default) or "accept": an event not in the tracking plan is
                                       # refused with its reason, or accepted, counted and ignored
lateness = "1 minute"                  # calls are applied in time order when they arrive up to this late
max-age = "30 days"                    # a call older than this is refused (raise it for a backfill)
write-keys-env = "JOURNEYC_WRITE_KEYS" # the variable holding the write keys, comma-separated
feedback-secret-env = "JOURNEYC_FEEDBACK_SECRET"  # signs delivery feedback webhooks (optional)
timeout-seconds = 5                    # how long a hand-over to Temporal may take before the intake answers 503
```

Anything wrong is an IntakeSettingsError naming the key (`journeyc check` reports it as a usage error). Like the
`[delivery]` table, secrets are never in the file: the settings name environment variables, read when the intake
starts.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from journeyc.runtime.delivery.settings import ENV_NAME
from journeyc.runtime.durations import UNITS, unit_seconds

DEFAULT_WRITE_KEYS_ENV = "JOURNEYC_WRITE_KEYS"
UNKNOWN_EVENTS = ("reject", "accept")


class IntakeSettingsError(ValueError):
    """An intake setting journeyc cannot use; the message names the key and says what it takes."""


@dataclass(frozen=True)
class IntakeSettings:
    unknown_events: str = "reject"
    lateness_seconds: float = float(UNITS["minute"])
    max_age_seconds: float = float(30 * UNITS["day"])
    write_keys_env: str = DEFAULT_WRITE_KEYS_ENV
    feedback_secret_env: str | None = None
    timeout_seconds: float = 5.0


_KEYS = ("unknown-events", "lateness", "max-age", "write-keys-env", "feedback-secret-env", "timeout-seconds")


def read_intake_settings(raw_toml_table: Mapping[str, Any], source: str = "journeyc.toml") -> IntakeSettings:
    """The `[intake]` table validated; an IntakeSettingsError naming the key for anything wrong."""
    if not isinstance(raw_toml_table, Mapping):
        raise IntakeSettingsError(f"{source}: intake must be a table: [intake]")
    for key in raw_toml_table:
        if key not in _KEYS:
            close = difflib.get_close_matches(str(key), _KEYS, n=1)
            hint = f'did you mean "{close[0]}"?' if close else f"known settings: {', '.join(_KEYS)}"
            if isinstance(raw_toml_table[key], Mapping):
                hint = "the intake has no sub-tables"
            raise IntakeSettingsError(f'{source}: intake: unknown setting "{key}" ({hint})')

    def fail(key: str, problem: str) -> IntakeSettingsError:
        return IntakeSettingsError(f"{source}: intake.{key} {problem}")

    values: dict[str, Any] = {}
    unknown = raw_toml_table.get("unknown-events")
    if unknown is not None:
        if unknown not in UNKNOWN_EVENTS:
            raise fail("unknown-events", 'must be "reject" or "accept"')
        values["unknown_events"] = unknown
    for key, field, allow_zero in (("lateness", "lateness_seconds", True), ("max-age", "max_age_seconds", False)):
        if key in raw_toml_table:
            seconds = _duration(raw_toml_table[key])
            if seconds is None or (seconds == 0 and not allow_zero):
                raise fail(key, 'must be a length of time such as "1 minute" or "30 seconds"')
            values[field] = float(seconds)
    for key, field in (("write-keys-env", "write_keys_env"), ("feedback-secret-env", "feedback_secret_env")):
        if key in raw_toml_table:
            name = raw_toml_table[key]
            if not isinstance(name, str) or not ENV_NAME.fullmatch(name):
                raise fail(key, 'must name an environment variable, such as "JOURNEYC_FEEDBACK_SECRET"')
            values[field] = name
    if "timeout-seconds" in raw_toml_table:
        timeout = raw_toml_table["timeout-seconds"]
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 60:
            raise fail("timeout-seconds", "must be a number of seconds above 0 and at most 60")
        values["timeout_seconds"] = float(timeout)
    return IntakeSettings(**values)


def _duration(value: Any) -> int | None:
    """Seconds of a length of time written "1 minute", "30 seconds" (0 allowed); None when it is not one."""
    parts = value.split() if isinstance(value, str) else []
    if len(parts) != 2 or not parts[0].isdigit():
        return None
    size = unit_seconds(parts[1])
    return None if size is None else int(parts[0]) * size


def write_keys(settings: IntakeSettings, environ: Mapping[str, str]) -> frozenset[str]:
    """The write keys the intake accepts (from the variable the settings name); IntakeSettingsError when none."""
    raw = environ.get(settings.write_keys_env, "")
    keys = frozenset(key.strip() for key in raw.split(",") if key.strip())
    if not keys:
        raise IntakeSettingsError(
            f'the intake needs write keys: set the environment variable "{settings.write_keys_env}" to one or more '
            "keys, comma-separated (intake.write-keys-env names another variable)"
        )
    return keys


def feedback_secret(settings: IntakeSettings, environ: Mapping[str, str]) -> str | None:
    """The secret that signs delivery feedback webhooks (None: feedback is not configured)."""
    if settings.feedback_secret_env is None:
        return None
    value = environ.get(settings.feedback_secret_env)
    if not value or len(value) < 32:
        raise IntakeSettingsError(
            f'intake.feedback-secret-env names the environment variable "{settings.feedback_secret_env}", which is '
            "not set or holds fewer than 32 characters"
        )
    return value
