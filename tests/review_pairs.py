"""Real before/after edits of the demo project (journeys/), committed in a temporary git repository, for the tests
of `journeyc diff` and `journeyc breaking`.

A pair is a list of edits (file, text to find, its replacement), applied to a copy of journeys/ and committed;
`before` edits make the first commit, `after` edits the second (HEAD). Each edit must find its text exactly
once, so a pair cannot silently stop applying when journeys/ changes.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from conftest import REPO

Edit = tuple[str, str, str]  # (file under journeys/, text, replacement)


@dataclass(frozen=True)
class Pair:
    after: list[Edit]
    before: list[Edit] = field(default_factory=list)


CART = "growth/cart_recovery.journey"
WINBACK = "growth/winback.journey"
WELCOME = "growth/welcome_series.journey"
REVIEW = "growth/review_request.journey"

CART15_OFFER = '\noffer CART15 "Big cart rescue" {\n  code "CART15"\n  value 15% off\n  valid for 7 days\n}\n'

PAIRS: dict[str, Pair] = {
    # growth waits a day longer before the second reminder, and gives the biggest carts 15% off.
    "cart_sms_later_and_cart15": Pair(
        after=[
            (CART, "  wait 1 day\n", "  wait 2 days\n"),
            (
                CART,
                "  if trigger.value >= 100 {\n",
                "  if trigger.value >= 150 {\n"
                "    send sms cart_discount with offer CART15\n  } else if trigger.value >= 100 {\n",
            ),
            (CART, 'import "../offers.journey"\n', 'import "../offers.journey"\n'),
            ("offers.journey", "  valid for 30 days\n}\n", "  valid for 30 days\n}\n" + CART15_OFFER),
        ]
    ),
    # growth drops the day's wait: the second reminder goes out with the first.
    "cart_without_the_wait": Pair(after=[(CART, "  wait 1 day\n", "")]),
    # growth moves the welcome email after the two days' wait.
    "welcome_wait_moved": Pair(
        after=[(WELCOME, "  send email welcome\n  wait 2 days\n", "  wait 2 days\n  send email welcome\n")]
    ),
    # CART10 becomes 15% off under the same code.
    "cart10_worth_more": Pair(
        after=[("offers.journey", '  code "CART10"\n  value 10% off', '  code "CART10"\n  value 15% off')]
    ),
    # cart recovery starts only for carts with a value, keyed by nothing, and may come back every 3 days.
    "cart_trigger_key_entry": Pair(
        after=[
            (CART, 'trigger "Checkout Started" keyed by order_id', 'trigger "Checkout Started" where value > 0'),
            (CART, "entry at most once every 7 days", "entry at most once every 3 days"),
        ]
    ),
    # Returns end the review request; then the event and the exit are both removed.
    "return_event_removed": Pair(
        before=[
            (
                "tracking/events.journey",
                'event "Order Shipped" {',
                'event "Return Requested" {\n  order_id string\n}\n\nevent "Order Shipped" {',
            ),
            (
                REVIEW,
                '  goal "Product Reviewed" within 14 days\n',
                '  goal "Product Reviewed" within 14 days\n  exit on "Return Requested"\n',
            ),
        ],
        after=[
            ("tracking/events.journey", 'event "Return Requested" {\n  order_id string\n}\n\n', ""),
            (REVIEW, '  exit on "Return Requested"\n', ""),
        ],
    ),
    # The win-back reminder moves from push to email: the push message and the COMEBACK15 offer are replaced.
    "winback_reminder_by_email": Pair(
        after=[
            (
                WINBACK,
                "    send push come_back with offer COMEBACK15",
                "    send email we_miss_you with offer COMEBACK20",
            ),
            (
                WINBACK,
                "  send email we_miss_you with offer COMEBACK15",
                "  send email we_miss_you with offer COMEBACK20",
            ),
            (
                WINBACK,
                'message come_back on push {\n  description "A reminder of the win-back code, five days after the '
                'email"\n  title "Your 15% off is waiting"\n',
                'message unused_come_back on push {\n  description "x"\n  title "Your 15% off is waiting"\n',
            ),
            ("offers.journey", 'offer COMEBACK15 "Win-back offer" {', 'offer COMEBACK20 "Win-back offer" {'),
            ("offers.journey", 'code "COMEBACK15"', 'code "COMEBACK20"'),
        ]
    ),
    # The welcome offer's check skips VIPs; then the VIP trait leaves the profile, and the check with it.
    "vip_trait_removed": Pair(
        before=[
            (
                WELCOME,
                'if no "Order Completed" since entry {',
                'if no "Order Completed" since entry and not profile.vip {',
            ),
            (
                "company/profile.journey",
                "  push_token ",
                '  vip          boolean default false "A VIP account"\n  push_token ',
            ),
        ],
        after=[
            (WELCOME, " and not profile.vip {", " {"),
            ("company/profile.journey", '  vip          boolean default false "A VIP account"\n', ""),
        ],
    ),
}


def git(repo: Path, *args: str) -> str:
    run = subprocess.run(
        ["git", "-c", "user.name=journeyc tests", "-c", "user.email=tests@journeyc.example", "-c",
         "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=repo, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return run.stdout


def apply(project: Path, edits: list[Edit]) -> None:
    for file, text, replacement in edits:
        path = project / file
        content = path.read_text(encoding="utf-8")
        assert content.count(text) == 1, f"{file}: expected {text!r} once"
        path.write_text(content.replace(text, replacement), encoding="utf-8")


def committed_pair(root: Path, name: str) -> Path:
    """A repository at `root` whose HEAD~1 is journeys/ (with the pair's `before` edits) and HEAD the `after`
    edits; returns the project folder (root/journeys)."""
    pair = PAIRS[name]
    project = root / "journeys"
    shutil.copytree(REPO / "journeys", project, ignore=shutil.ignore_patterns("build", "tests"))
    git(root, "init", "-q")
    apply(project, pair.before)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"{name}: before")
    apply(project, pair.after)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"{name}: after")
    return project
