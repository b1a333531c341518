"""Journey tests: scenarios marketers write next to their journeys (`*.test.toml`), run by `journeyc test`.

docs/testing.md describes the format: the journey under test, customers, events at times relative to `start`,
and every message the journey should send, with what its text should (not) contain. files.py reads a file (every
mistake in it a failure of that file, in plain words), run.py runs it on the simulator and reports the outcome.
"""

from __future__ import annotations

from journeyc.journey_tests.run import Outcome, find_tests, run_test

__all__ = ["Outcome", "find_tests", "run_test"]
