"""The suite's own settings: the hypothesis profiles of conftest.py, chosen by HYPOTHESIS_PROFILE."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import REPO

pytestmark = pytest.mark.slow  # (each case runs pytest itself)

SHOW = "from conftest import examples; from hypothesis import settings; print(examples(1000), settings().max_examples)"


@pytest.mark.parametrize(
    ("profile", "shown"),
    [(None, "1000 100"), ("ci", "1000 100"), ("dev", "10 10")],
)
def test_the_profile_sets_how_many_examples_property_tests_run(profile: str | None, shown: str) -> None:
    """ "ci" (the default): every test gets the count it asks for; "dev": every count capped, the default's too."""
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_PROFILE"}
    if profile is not None:
        env["HYPOTHESIS_PROFILE"] = profile
    done = subprocess.run(
        [sys.executable, "-c", SHOW], cwd=REPO / "tests", env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == shown.split()
