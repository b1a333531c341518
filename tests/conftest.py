"""Shared test helpers: write a small project to a temporary folder and check it."""

from __future__ import annotations

import os
import signal
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

from journeyc.load import find_project
from journeyc.pipeline import CheckResult, check_project
from journeyc.render.full import render_full

REPO = Path(__file__).resolve().parent.parent

# Hypothesis profiles, chosen by HYPOTHESIS_PROFILE: "ci" (the default, what .ci/run runs) gives every property test
# the examples it asks for; "dev" caps them all at DEV_EXAMPLES, for a quick run of the slow tests too
# (`HYPOTHESIS_PROFILE=dev pytest`). A test that sets its own count asks for `examples(n)`: an explicit
# `max_examples` would override the profile.
DEV_EXAMPLES = 10
settings.register_profile("ci")
settings.register_profile("dev", max_examples=DEV_EXAMPLES)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def examples(n: int) -> int:
    """The number of examples a property test that asks for `n` gets under the loaded profile."""
    return min(n, DEV_EXAMPLES) if PROFILE == "dev" else n


# A small, complete, self-contained project that checks clean. Tests copy it and break one thing.
BASE_FILES: dict[str, str] = {
    "company.journey": """
        team growth "Growth"
        team support "Support"
        category transactional "Receipts and alerts"
        category lifecycle "Welcome and service"
        category promotional "Offers"

        profile {
          email        string optional
          phone        string optional
          first_name   string optional
          timezone     timezone default "America/New_York"
          tier         one of "bronze", "silver", "gold" default "bronze"
          email_opt_in boolean default false
          sms_opt_in   boolean default false
        }

        channel email { kind email owner growth shared with support address email consent email_opt_in }
        channel sms { kind sms owner growth address phone consent sms_opt_in }
    """,
    "events.journey": """
        shape product {
          product_id string
          category   string optional
          price      number optional
        }
        event "Signed Up" { description "A customer created an account" }
        event "Checkout Started" {
          order_id string
          value    number optional
          products list of product optional
        }
        event "Order Completed" {
          order_id string
          total    number optional
          products list of product optional
        }
        event "Product Reviewed" {
          product_id string
          rating     number optional
        }
    """,
    "cart.journey": """
        import "company.journey"
        import "events.journey"

        offer CART10 { code "CART10" value 10% off valid for 7 days }

        message cart_reminder on email {
          subject "You left something behind, {{ profile.first_name | default('friend') }}"
          text "Order {{ trigger.order_id }} is waiting. Code {{ offer.code }}. Unsubscribe: https://shop.example/u"
        }

        journey cart_recovery "Abandoned checkout recovery" {
          owner growth
          category promotional
          trigger "Checkout Started" keyed by order_id
          entry at most once every 7 days
          goal "Order Completed" where order_id == trigger.order_id within 7 days
          wait 1 hour
          send email cart_reminder with offer CART10
        }
    """,
}


def takes_ctrl_c() -> None:
    """`Popen(..., preexec_fn=takes_ctrl_c)`: the child stops on SIGINT as on a terminal's Ctrl-C, even when the suite
    runs as a background job (`pytest &`), whose shell starts it with SIGINT ignored, which children inherit and
    which keeps Python from raising KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Write `files` (relative path -> text, dedented) under `root` and return `root`."""
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """make_project(files, base=True): the base project with `files` added or replacing base files."""

    def make(files: dict[str, str] | None = None, base: bool = True) -> Path:
        merged = dict(BASE_FILES) if base else {}
        merged.update(files or {})
        return write_project(tmp_path / "project", merged)

    return make


def check(path: Path | str) -> CheckResult:
    return check_project(find_project(str(path)))


def render(result: CheckResult) -> str:
    """All diagnostics as the `full` text format, without colour: what a marketer reads."""
    return "\n\n".join(render_full(d, result.sources) for d in result.diagnostics)


def invoke_cleanly(*args: str):
    """`journeyc ARGS` in-process, asserting it printed no traceback and no internal error (whatever its exit code)."""
    from click.testing import CliRunner

    from journeyc.cli import main

    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result


# The live tests' Temporal dev server (tests/live_support.py), started once per session by the first test that asks.
from live_support import dev_server  # noqa: E402, F401
