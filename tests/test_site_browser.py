"""The demo site in a real browser: Debian's chromium, headless, driven by Playwright, the pages opened from file://
as a reader opens a site someone sent them.

A reader clicks from the map to a journey, to a message's previews and back, searches names with the keyboard, finds
a customer's simulated timeline; no page logs an error; every diagram is an SVG the browser draws; an email preview
cannot reach the page around it; pages fit a phone's width. Screenshots of the map, a journey and a message go to
tests/browser/screenshots/ (kept out of git). With JOURNEYC_README_SCREENSHOT=1 the map's is also written to
docs/images/journey-map.png, the picture in the README.

Without chromium the tests fail, saying how to install it; JOURNEYC_NO_BROWSER=1 skips them on purpose.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, invoke_cleanly, write_project
from test_site import build_demo_site, demo_log

from journeyc.runtime.eventlog import parse_time
from journeyc.simulate import simulate, timeline

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
SCREENSHOTS = Path(__file__).parent / "browser" / "screenshots"
README_IMAGE = REPO / "docs" / "images" / "journey-map.png"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if os.environ.get("JOURNEYC_NO_BROWSER") == "1":
        pytest.skip("JOURNEYC_NO_BROWSER=1: the browser tests are left out on purpose")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y --no-install-recommends "
                    "chromium, as .ci/run does), or set JOURNEYC_NO_BROWSER=1 to leave these tests out")  # fmt: skip
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is missing: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_site(tmp_path_factory.mktemp("browser"))


class Reader:
    """A browser tab that remembers every error a page logged."""

    def __init__(self, browser, width: int = 1280, height: int = 800) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.errors: list[str] = []
        self.page.on(
            "console", lambda m: self.errors.append(f"{self.page.url}: {m.text}") if m.type == "error" else None
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"{self.page.url}: {e}"))

    def open(self, site: Path, path: str) -> None:
        self.page.goto((site / path).as_uri())

    def path(self, site: Path) -> str:
        return self.page.url.removeprefix(site.as_uri() + "/")

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def reader(browser) -> Iterator[Reader]:
    tab = Reader(browser)
    yield tab
    tab.close()


def screenshot(reader: Reader, name: str, element: str | None = None) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    if element is None:
        reader.page.screenshot(path=str(target), full_page=True)
    else:
        located = reader.page.locator(element).first
        located.scroll_into_view_if_needed()
        located.screenshot(path=str(target))
    return target


def readme_image(browser, site: Path) -> None:
    """The README's picture: the top of the map at a laptop's width, from the title to the last team."""
    wide = Reader(browser, width=1440, height=900)
    try:
        wide.open(site, "index.html")
        bottom = wide.page.locator("table.map").evaluate("table => table.getBoundingClientRect().bottom")
        README_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        clip = {"x": 0, "y": 0, "width": 1440, "height": bottom + 16}
        wide.page.screenshot(path=str(README_IMAGE), clip=clip, full_page=True)
    finally:
        wide.close()


def test_from_the_map_to_a_journey_to_a_message_and_back(browser, reader: Reader, site: Path):
    page = reader.page
    reader.open(site, "index.html")
    assert screenshot(reader, "map").stat().st_size > 10_000
    if os.environ.get("JOURNEYC_README_SCREENSHOT") == "1":
        readme_image(browser, site)
    page.get_by_role("link", name="cart_recovery", exact=True).click()
    assert reader.path(site) == "journeys/cart_recovery.html"
    assert page.locator("h1").inner_text().startswith("cart_recovery")
    diagram = page.locator("figure.diagram img")
    assert diagram.evaluate("img => img.complete && img.naturalWidth > 100")
    screenshot(reader, "journey")
    page.get_by_role("link", name="send email cart_reminder").click()
    assert reader.path(site) == "messages/cart_reminder.html"
    heather = page.locator('article[data-customer="heather"]')
    assert "Heather, your cart is saved" in heather.locator(".email-headers").inner_text()
    frame = heather.locator("iframe").first.content_frame
    assert "Hi Heather, you started checking out" in frame.locator("body").inner_text()
    screenshot(reader, "message", 'article[data-customer="heather"]')
    page.go_back()
    assert reader.path(site) == "journeys/cart_recovery.html"
    page.go_back()
    assert reader.path(site) == "index.html"
    assert reader.errors == []


def test_the_search_box_works_with_the_keyboard(reader: Reader, site: Path):
    page = reader.page
    reader.open(site, "journeys/winback.html")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    page.locator("#site-search").focus()
    page.keyboard.type("otp")
    options = page.locator("#site-search-results [role=option]")
    assert options.first.inner_text().startswith("otp")
    page.keyboard.press("ArrowDown")
    assert page.locator("#site-search").get_attribute("aria-activedescendant") == "site-search-option-0"
    page.keyboard.press("Enter")
    page.wait_for_url("**/messages/otp.html")
    page.locator("#site-search").fill("Order Deliv")
    page.keyboard.press("Enter")
    page.wait_for_url("**/tracking.html#event-*")
    assert reader.errors == []


def test_a_table_filters_as_one_types(reader: Reader, site: Path):
    page = reader.page
    reader.open(site, "tracking.html")
    rows = page.locator("#entries tbody tr")
    total = rows.count()
    page.locator("#filter-entries").fill("Checkout")
    visible = [row for row in rows.all() if row.is_visible()]
    assert 0 < len(visible) < total and all("checkout" in row.inner_text().lower() for row in visible)


def test_a_customers_timeline_is_what_simulate_prints(reader: Reader, site: Path):
    page = reader.page
    reader.open(site, "simulation.html")
    page.locator("#customer-id").fill("heather")
    page.keyboard.press("Enter")
    shown = page.locator("#customer-timeline")
    shown.wait_for(state="visible")
    lines, until = demo_log()
    from conftest import check

    expected = timeline(simulate(check(REPO / "journeys"), lines, parse_time(until)), "heather")
    assert shown.inner_text().split("\n") == expected
    page.locator("#customer-id").fill("nobody")
    page.keyboard.press("Enter")
    assert "No customer" in page.locator("#customer-status").inner_text() and not shown.is_visible()
    assert reader.errors == []


def test_every_page_loads_cleanly_and_every_diagram_is_an_svg(reader: Reader, site: Path):
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    drawn = 0
    for path in pages:
        reader.open(site, path)
        for image in reader.page.locator("img").all():
            src = image.get_attribute("src") or ""
            assert src.endswith(".svg"), (path, src)
            assert image.evaluate("img => img.naturalWidth > 0 && img.naturalHeight > 0"), (path, src)
            assert (site / path).parent.joinpath(src).resolve().read_bytes().startswith(b"<?xml")
            drawn += 1
    assert reader.errors == []
    assert drawn >= 10  # every journey's flowchart and the map


def test_an_email_preview_has_no_script_access_to_the_page(reader: Reader, site: Path):
    page = reader.page
    reader.open(site, "messages/welcome.html")
    frames = page.locator("iframe")
    assert frames.count() >= 2
    for frame in frames.all():
        assert frame.get_attribute("sandbox") == ""  # neither allow-scripts nor allow-same-origin
        inside = frame.content_frame
        reached = inside.locator("body").evaluate(
            "body => { try { return window.parent.document.title } catch (error) { return 'blocked' } }"
        )
        assert reached == "blocked"


def test_a_script_in_an_email_never_runs(browser, tmp_path):
    root = write_project(tmp_path / "project", {
        "journeyc.toml": "",
        "all.journey": """
            team growth
            category lifecycle
            profile { email string optional email_opt_in boolean default true }
            channel email { kind email owner growth address email consent email_opt_in }
            event "Signed Up" { }
            message hello on email {
              subject "Hi"
              html \"\"\"<p>Hello</p><script>window.parent.document.body.dataset.reached = "yes"; document.body.dataset.ran = "yes";</script>\"\"\"
              text "Hello. Unsubscribe: https://shop.example/u"
            }
            journey hello { owner growth category lifecycle trigger "Signed Up" entry once send email hello }
        """,
    })  # fmt: skip
    out = tmp_path / "site"
    assert invoke_cleanly("docs", str(root), "--out", str(out)).exit_code == 0
    reader = Reader(browser)
    try:
        reader.open(out, "messages/hello.html")
        frame = reader.page.locator("iframe").first.content_frame
        assert frame.locator("p").inner_text() == "Hello"
        assert frame.locator("body").evaluate("body => body.dataset.ran || 'no'") == "no"
        assert reader.page.evaluate("document.body.dataset.reached || 'no'") == "no"
        assert any("Blocked script execution" in error for error in reader.errors)  # the sandbox said so
    finally:
        reader.close()


def test_pages_fit_a_phone(browser, site: Path):
    reader = Reader(browser, width=375, height=740)
    try:
        for path in ("index.html", "journeys/cart_recovery.html", "messages/cart_reminder.html", "tracking.html",
                     "simulation.html", "policy.html"):  # fmt: skip
            reader.open(site, path)
            width = reader.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, (path, width)
        screenshot(reader, "phone-message")
    finally:
        reader.close()


def test_screenshots_stay_out_of_git():
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "tests/browser/screenshots/" in ignored
    assert shutil.which("git") is None or not (SCREENSHOTS / ".keep").exists()


CONTRAST = """
() => {
  const parse = (c) => c.match(/[\\d.]+/g).map(Number);
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  const low = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el.getClientRects().length) continue;
    const a = luminance(parse(getComputedStyle(el).color)), b = luminance(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(el.tagName + " '" + node.textContent.trim().slice(0, 30) + "' " + ratio.toFixed(2));
  }
  return low;
}
"""


def test_text_has_readable_contrast(reader: Reader, site: Path):
    """Every visible text of these pages is at least 4.5:1 against its background (WCAG AA for body text)."""
    for path in ("index.html", "journeys/cart_recovery.html", "messages/cart_reminder.html", "tracking.html",
                 "simulation.html"):  # fmt: skip
        reader.open(site, path)
        for details in reader.page.locator("details").all():
            details.evaluate("d => d.open = true")
        assert reader.page.evaluate(CONTRAST) == [], path
