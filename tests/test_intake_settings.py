"""The [intake] table of journeyc.toml: read into settings, each mistake a clean error naming the key."""

from __future__ import annotations

import pytest

from journeyc.config import ConfigError, parse_config
from journeyc.runtime.intake_settings import (
    IntakeSettings,
    IntakeSettingsError,
    feedback_secret,
    read_intake_settings,
    write_keys,
)


def test_the_table_is_read_with_lengths_of_time_and_defaults():
    config = parse_config({"intake": {"unknown-events": "accept", "lateness": "30 seconds", "max-age": "400 days",
                                      "timeout-seconds": 2}})  # fmt: skip
    assert config.intake == IntakeSettings(unknown_events="accept", lateness_seconds=30.0,
                                           max_age_seconds=400 * 86400.0, timeout_seconds=2.0)  # fmt: skip
    assert parse_config({}).intake is None
    assert read_intake_settings({}).lateness_seconds == 60.0


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"unknown-event": "accept"}, 'unknown setting "unknown-event" (did you mean "unknown-events"?)'),
        ({"unknown-events": "drop"}, 'intake.unknown-events must be "reject" or "accept"'),
        ({"lateness": "soon"}, "intake.lateness must be a length of time"),
        ({"max-age": "0 days"}, "intake.max-age must be a length of time"),
        ({"timeout-seconds": 0}, "intake.timeout-seconds must be a number of seconds above 0"),
        ({"timeout-seconds": True}, "intake.timeout-seconds must be a number"),
        ({"write-keys-env": "not a name"}, "intake.write-keys-env must name an environment variable"),
    ],
)
def test_each_mistake_names_its_key(table, words):
    with pytest.raises(ConfigError, match=r"journeyc\.toml") as raised:
        parse_config({"intake": table})
    assert words in str(raised.value)


def test_write_keys_and_the_feedback_secret_come_from_the_environment():
    settings = read_intake_settings({"write-keys-env": "KEYS", "feedback-secret-env": "FEEDBACK"})
    assert write_keys(settings, {"KEYS": " a, b ,,"}) == {"a", "b"}
    with pytest.raises(IntakeSettingsError, match='set the environment variable "KEYS"'):
        write_keys(settings, {})
    with pytest.raises(IntakeSettingsError, match="fewer than 32 characters"):
        feedback_secret(settings, {"FEEDBACK": "short"})
    assert feedback_secret(settings, {"FEEDBACK": "s" * 32}) == "s" * 32
    assert feedback_secret(IntakeSettings(), {}) is None
