"""`journeyc docs`: what the site's pages say, read back from the HTML; previews by the runtime's renderer; the
simulation's funnels against the simulator; the site's folder; deterministic bytes.

Diagrams (test_site_diagrams.py), the served site (test_site_serve.py), validity and links (test_site_pages.py) and
a real browser (test_site_browser.py) have files of their own; the helpers here (the demo event log, the built demo
site, reading a page) are shared with them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REPO, check, invoke_cleanly, write_project

from journeyc.journey_tests.files import read_test
from journeyc.runtime.eventlog import format_time, parse_time
from journeyc.simulate import simulate, timeline
from journeyc.site.build import build_site
from journeyc.site.folder import SITE_MANIFEST
from journeyc.site.names import page_of, slug
from journeyc.site.render_adapter import RuntimeRenderer
from journeyc.site.samples import SAMPLE_ID, customers_for, read_journey_tests, sample_customer
from journeyc.site.simulation import run_simulation
from journeyc.site.uses import where_used

DEMO = REPO / "journeys"


# ---------------------------------------------------------------- shared helpers
def demo_log() -> tuple[list[str], str]:
    """An event log made of every journey test of the demo project (customers identified at each test's start,
    then its events), in time order, and the time the last test runs until."""
    result = check(DEMO)
    timed: list[tuple[float, int, str]] = []
    until = 0.0
    for path in sorted((DEMO / "tests").glob("*.test.toml")):
        test = read_test(path.read_text(encoding="utf-8"), path.name, result.project.journeys)
        until = max(until, test.until)
        for customer, traits in sorted(test.customers.items()):
            line = {"type": "identify", "userId": customer, "traits": traits, "timestamp": format_time(test.start)}
            timed.append((test.start, len(timed), json.dumps(line, default=str)))
        for event in test.events:
            line = {"type": "track", "userId": event.customer, "event": event.event, "properties": event.properties,
                    "timestamp": format_time(event.time)}  # fmt: skip
            timed.append((event.time, len(timed), json.dumps(line, default=str)))
    return [line for _, _, line in sorted(timed)], format_time(until)


def write_demo_log(folder: Path) -> tuple[Path, str]:
    lines, until = demo_log()
    log = folder / "events.jsonl"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return log, until


def build_demo_site(folder: Path) -> Path:
    """The demo project's site with its simulation, written by the command line into `folder`/site."""
    log, until = write_demo_log(folder)
    out = folder / "site"
    done = invoke_cleanly("docs", str(DEMO), "--out", str(out), "--events", str(log), "--until", until)
    assert done.exit_code == 0, done.output
    return out


class Page(HTMLParser):
    """A page read back: its text by element id and class, links, and the email iframes' attributes."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.iframes: list[dict[str, str | None]] = []
        self.images: list[str] = []
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.texts: dict[str, list[str]] = {}  # id or class -> text inside
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.links.append(found["href"] or "")
        if tag == "iframe":
            self.iframes.append(found)
        if tag == "img":
            self.images.append(found.get("src") or "")
        if tag not in ("br", "img", "input", "meta", "link", "hr", "source"):
            self.stack.append((tag, found))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, attrs in self.stack:
            for key in [attrs.get("id"), *(attrs.get("class") or "").split()]:
                if key:
                    self.texts.setdefault(key, []).append(data)

    def text(self, key: str) -> str:
        return " ".join(" ".join(self.texts.get(key, [])).split())


def read_page(site: Path, path: str) -> Page:
    return Page((site / path).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_site(tmp_path_factory.mktemp("demo"))


# ---------------------------------------------------------------- pages
def test_the_map_places_every_journey_at_its_stage_and_team(demo_site: Path):
    html = (demo_site / "index.html").read_text(encoding="utf-8")
    page = Page(html)
    result = check(DEMO)
    for name, journey in result.project.journeys.items():
        row = html[html.index(f'<tr id="team-{journey.owner.name}">') :].split("</tr>")[0]
        assert f'href="{page_of("journey", name).path}"' in row, f"{name} is not in the row of {journey.owner.name}"
    header = html[html.index("<thead>") : html.index("</thead>")]
    stages = ["Onboarding", "Account", "Purchase", "Fulfilment", "Service", "Retention", "Loyalty"]
    assert [header.index(f">{stage}<") for stage in stages] == sorted(header.index(f">{s}<") for s in stages)
    assert "1 warning" in page.text("lead") and "J704" in html  # the project's own warning, listed


def test_a_journey_page_shows_its_settings_source_problems_and_what_it_uses(demo_site: Path):
    page = read_page(demo_site, "journeys/cart_recovery.html")
    settings = page.text("settings")
    assert '"Checkout Started" keyed by order_id' in settings
    assert "goal" in settings and '"Order Completed" where order_id == trigger.order_id within 7 days' in settings
    assert "at most once every 7 days" in settings
    source = page.text("source")
    assert '46 trigger "Checkout Started" keyed by order_id' in source  # the file's own line numbers
    assert "J704" in page.text("problem")  # the cap warning names this journey in a label
    for target in ("messages/cart_reminder.html", "tracking.html#event-checkout-started-", "offers.html#offer-",
                   "channels.html#channel-sms", "index.html#team-growth", "diagrams/cart_recovery.svg"):  # fmt: skip
        assert any(target in link for link in [*page.links, *page.images]), target
    assert "tests/cart_recovery_without_first_name.test.toml" in page.text("main")  # the journey tests that cover it


def test_reference_tables_say_where_each_entry_is_used(demo_site: Path):
    tracking = (demo_site / "tracking.html").read_text(encoding="utf-8")
    row = tracking[tracking.index(f'id="event-{slug("Product Reviewed")}"') :].split("</tr>")[0]
    assert "service_recovery" in row and "trigger" in row  # a journey's trigger
    assert "contact policy" in row and "suppression" in row  # and the policy's suppression
    profile = (demo_site / "profile.html").read_text(encoding="utf-8")
    row = profile[profile.index('id="trait-first_name"') :].split("</tr>")[0]
    assert "cart_reminder" in row and "template" in row  # read by message templates
    channels = (demo_site / "channels.html").read_text(encoding="utf-8")
    row = channels[channels.index('id="channel-push"') :].split("</tr>")[0]
    assert "push_token" in row and "push_enabled" in row and "cart_nudge" in row


def test_where_used_follows_every_kind_of_reference():
    result = check(DEMO)
    from journeyc.build import build_outputs

    uses = where_used(result.project, build_outputs(result))
    users = {ref: {(u.user.kind, u.user.name, u.how) for u in found} for ref, found in uses.items()}
    assert ("segment", "dress_enthusiasts", "condition") in users[("event", "Product Viewed")]
    assert ("journey", "winback", "trigger") in users[("segment", "lapsed_customers")]
    assert ("journey", "cart_recovery", "send") in users[("offer", "CART10")]
    assert ("journey", "cart_recovery", "exit") in users[("event", "Order Cancelled")]
    assert ("channel", "sms", "consent") in users[("trait", "sms_opt_in")]
    assert ("message", "we_miss_you", "template") in users[("trait", "tier")]
    assert ("policy", "contact policy", "cap") in users[("channel", "sms")]
    assert ("journey", "cart_recovery", "owner") in users[("team", "growth")]


# ---------------------------------------------------------------- previews
def test_previews_are_what_the_simulator_sends_to_the_same_customer():
    """heather's cart reminder, rendered for the message page, is the content the journey test's run sent."""
    result = check(DEMO)
    test_file = DEMO / "tests" / "cart_recovery.test.toml"
    test = read_test(test_file.read_text(encoding="utf-8"), "t", result.project.journeys)
    lines = [json.dumps({"type": "identify", "userId": c, "traits": t, "timestamp": format_time(test.start)})
             for c, t in test.customers.items()]  # fmt: skip
    lines += [json.dumps({"type": "track", "userId": e.customer, "event": e.event, "properties": e.properties,
                          "timestamp": format_time(e.time)}) for e in test.events]  # fmt: skip
    sent = {(r["user_id"], r["message"]): r["content"] for r in simulate(result, lines, test.until).simulator.outbox}
    from journeyc.build import build_outputs

    renderer = RuntimeRenderer(build_outputs(result))
    journey = result.project.journeys["cart_recovery"]
    customers = {c.id: c for c in customers_for(result.project, journey, read_journey_tests(result), renderer)}
    heather = customers["heather"]
    assert (
        renderer.render("cart_reminder", heather.profile, heather.trigger, None).content
        == sent[("heather", "cart_reminder")]
    )
    assert (
        renderer.render("cart_discount", heather.profile, heather.trigger, "CART10").content
        == sent[("heather", "cart_discount")]
    )


def test_a_preview_of_a_customer_without_a_first_name_uses_the_default_not_none(demo_site: Path):
    """sam has no first name: the runtime reads it as missing, so `default(...)` greets him, never "Hi None"."""
    html = (demo_site / "messages" / "cart_reminder.html").read_text(encoding="utf-8")
    sam = html[html.index('data-customer="sam"') :].split("</article>")[0]
    assert "render-error" not in sam
    assert "Hi there," in sam
    previews = [part.split("</article>")[0] for part in html.split('data-customer="')[1:]]
    assert previews and not [p for p in previews if "None" in p or "{{" in p]


def test_no_preview_of_the_demo_shows_none_undefined_or_template_syntax(demo_site: Path):
    """What a preview shows a customer (not the note that explains why one cannot be shown)."""
    previews = 0
    for path in sorted((demo_site / "messages").glob("*.html")):
        html = path.read_text(encoding="utf-8")
        for article in html.split('<article class="preview"')[1:]:
            shown = article.split('<details class="values">')[0]
            if 'class="render-error"' in shown:
                continue
            previews += 1
            page = Page(shown)
            text = " ".join(" ".join(parts) for parts in page.texts.values())
            frames = " ".join(frame.get("srcdoc") or "" for frame in page.iframes)
            for bad in ("None", "undefined", "null", "{{", "}}", "{%"):
                assert bad not in text and bad not in frames, (path.name, bad)
            assert all(frame.get("sandbox") == "" for frame in page.iframes)
    assert previews >= 20


def test_a_template_that_cannot_render_shows_the_reason_in_place_of_the_preview(make_project, tmp_path):
    root = make_project({
        "cart.journey": """
            import "company.journey"
            import "events.journey"
            message cart_reminder on email {
              subject "Order {{ trigger.order_id }}"
              text "Total {{ trigger.value }} for {{ profile.first_name | default('you') }}. Unsubscribe: https://shop.example/u"
            }
            message cart_sms on sms { text "{{ trigger.value * 2 }} points waiting. Reply STOP to opt out" }
            journey cart_recovery {
              owner growth
              category promotional
              trigger "Checkout Started" keyed by order_id
              entry at most once every 7 days
              send email cart_reminder
              send sms cart_sms
            }
        """,
        "tests/cart.test.toml": """
            journey = "cart_recovery"
            start = "2026-03-02T15:00:00Z"
            [customers.ann]
            email = "ann@example.com"
            [[events]]
            customer = "ann"
            event = "Checkout Started"
            properties = { order_id = "o-1" }
        """,
    })  # fmt: skip
    out = tmp_path / "site"
    done = invoke_cleanly("docs", str(root), "--out", str(out))
    assert done.exit_code == 0, done.output
    html = (out / "messages" / "cart_reminder.html").read_text(encoding="utf-8")
    ann = Page(html[html.index('data-customer="ann"') :].split("</article>")[0])
    # ann's event has no value: the runtime reads it as missing, and the preview says which value and how to cover it
    assert 'the "text" cannot be rendered: it reads trigger.value, which the trigger event does not have' in ann.text(
        "render-error"
    )
    sample = Page(html[html.index(f'data-customer="{SAMPLE_ID}"') :].split("</article>")[0])
    assert sample.text("render-error") == ""
    assert "Order o-1001" in sample.text("email-headers")  # a plausible order id, not a stand-in
    sms = (out / "messages" / "cart_sms.html").read_text(encoding="utf-8")
    ann = Page(sms[sms.index('data-customer="ann"') :].split("</article>")[0])
    assert 'the "text" cannot be rendered: it reads trigger.value' in ann.text("render-error")
    sample = Page(sms[sms.index(f'data-customer="{SAMPLE_ID}"') :].split("</article>")[0])
    assert "240.0 points waiting" in sample.text("sms-bubble")
    assert "1 segment" in sample.text("sms-size") and "GSM-7: 43 of 160 characters" in sample.text("sms-size")


def test_the_sample_customer_has_a_plausible_value_for_every_trait():
    result = check(DEMO)
    from journeyc.build import build_outputs

    customer = sample_customer(result.project, "Checkout Started", RuntimeRenderer(build_outputs(result)))
    assert all(value is not None for value in customer.profile.values())
    assert customer.profile["timezone"] == "America/New_York"  # the default is kept
    assert customer.profile["email"].endswith("@example.com") and customer.profile["first_name"] == "Alex"
    assert customer.profile["tier"] == "bronze"
    assert isinstance(customer.trigger["products"], list) and customer.trigger["products"][0]["product_id"]
    assert isinstance(customer.trigger["value"], float)


# ---------------------------------------------------------------- simulation
def test_the_simulation_page_sums_up_the_simulators_counts(demo_site: Path):
    lines, until = demo_log()
    result = check(DEMO)
    report = run_simulation(result, lines, parse_time(until))
    funnels = {f.journey: f for f in report.funnels}
    sim = simulate(result, lines, parse_time(until)).simulator
    for name, stats in sim.stats.items():
        funnel = funnels[name]
        assert (funnel.entered, funnel.converted, funnel.exited, funnel.sent) == (
            stats.entered,
            stats.converted,
            stats.exited,
            stats.sent,
        )
        assert funnel.dropped == stats.dropped
        assert sum(s.sent for s in funnel.steps) == stats.sent
        assert sum(sum(s.dropped.values()) for s in funnel.steps) == sum(stats.dropped.values())
    arms = {(a.experiment, a.arm): a for a in funnels["new_arrivals_dresses"].arms}
    assert {arm for _, arm in arms} == {"a", "b", "holdout"}
    page = read_page(demo_site, "simulation.html")
    cart = page.text(f"funnel-{slug('cart_recovery')}")
    assert "send email cart_reminder" in cart and "no consent 1" in cart


def test_every_customers_timeline_is_what_simulate_customer_prints():
    lines, until = demo_log()
    result = check(DEMO)
    report = run_simulation(result, lines, parse_time(until))
    simulation = simulate(result, lines, parse_time(until))
    assert set(report.timelines) == {json.loads(line)["userId"] for line in lines}
    for customer, found in report.timelines.items():
        assert found == timeline(simulation, customer), customer


def test_timelines_are_split_into_files_the_customer_index_points_to(demo_site: Path):
    index = (demo_site / "simulation" / "customers.js").read_text(encoding="utf-8")
    parts = json.loads(index.removeprefix("window.JOURNEYC_CUSTOMERS = ").removesuffix(";\n"))
    assert parts["heather"] == 0
    part = (demo_site / "simulation" / "timelines-0.js").read_text(encoding="utf-8")
    assert part.startswith("journeycTimelines(0,")
    timelines = json.loads(part.removeprefix("journeycTimelines(0,").removesuffix(");\n"))
    assert any('entered journey "cart_recovery"' in line for line in timelines["heather"])


# ---------------------------------------------------------------- names, escaping, determinism
def test_hostile_names_are_escaped_and_get_distinct_safe_files(make_project, tmp_path):
    root = make_project({
        "events.journey": """
            event "</script><b>bold</b> \\"quoted\\" & <img src=x onerror=alert(1)>" { order_id string }
            event "Signed Up" { }
        """,
        "cart.journey": """
            import "company.journey"
            import "events.journey"
            message café on email { subject "Hi" text "Hello. Unsubscribe: https://shop.example/u" }
            journey Cart { owner growth category lifecycle trigger "Signed Up" entry once send email café }
            journey café { owner growth category lifecycle entry once
                           trigger "</script><b>bold</b> \\"quoted\\" & <img src=x onerror=alert(1)>" send email café }
        """,
    })  # fmt: skip
    result = check(root)
    assert result.errors == 0, [d.message for d in result.diagnostics if d.severity == "error"]
    files = build_site(result)
    assert {p for p in files if p.startswith(("journeys/", "messages/"))} == {
        f"journeys/{slug('Cart')}.html",
        f"journeys/{slug('café')}.html",
        f"messages/{slug('café')}.html",
    }
    assert all(p.isascii() for p in files)
    assert slug("Cart").lower() != slug("cart").lower() and slug("café") != slug("cafe")
    everything = b"".join(body for path, body in files.items() if path.endswith((".html", ".js")))
    assert b"<b>bold" not in everything and b"<img src=x" not in everything
    assert b"&lt;b&gt;bold" in files["tracking.html"]
    assert b"\\u003c/script>" in files["assets/search-index.js"]  # the script data cannot end a script


@pytest.mark.slow
def test_the_site_is_the_same_bytes_from_two_folders_and_hash_seeds(tmp_path):
    log, until = write_demo_log(tmp_path)
    outputs = []
    for seed, cwd in (("1", tmp_path), ("2", REPO)):
        out = tmp_path / f"site-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [sys.executable, "-m", "journeyc", "docs", str(DEMO), "--out", str(out), "--events", str(log),
                   "--until", until]  # fmt: skip
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        outputs.append({p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    assert outputs[0].keys() == outputs[1].keys()
    assert [p for p in outputs[0] if outputs[0][p] != outputs[1][p]] == []
    assert len(outputs[0]) > 40 and SITE_MANIFEST in outputs[0]


# ---------------------------------------------------------------- the command line and the folder
def test_events_and_until_go_together(tmp_path):
    log, _ = write_demo_log(tmp_path)
    done = invoke_cleanly("docs", str(DEMO), "--out", str(tmp_path / "site"), "--events", str(log))
    assert done.exit_code == 2 and "--events and --until go together" in done.output
    done = invoke_cleanly("docs", str(DEMO), "--out", str(tmp_path / "s"), "--events", str(log), "--until", "soon")
    assert done.exit_code == 2 and "'soon' is not an ISO 8601 time" in done.output
    assert not (tmp_path / "site").exists() and not (tmp_path / "s").exists()


def test_a_project_with_errors_gets_no_site(make_project, tmp_path):
    root = make_project({"broken.journey": 'journey broken { trigger "No Such Event" }'})
    done = invoke_cleanly("docs", str(root), "--out", str(tmp_path / "site"))
    assert done.exit_code == 1 and 'unknown event "No Such Event"' in done.output
    assert not (tmp_path / "site").exists()


def test_the_site_folder_keeps_foreign_and_edited_files_and_never_follows_links(make_project, tmp_path):
    root = make_project()
    out = tmp_path / "site"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    done = invoke_cleanly("docs", str(root), "--out", str(out))
    assert done.exit_code == 2 and "did not write" in done.output and (out / "notes.txt").read_text() == "mine"
    (out / "notes.txt").unlink()
    assert invoke_cleanly("docs", str(root), "--out", str(out)).exit_code == 0
    # A journey goes away: its page is removed, unless it was edited since.
    message = write_project(root, {"extra.journey": """
        import "company.journey"
        import "events.journey"
        message extra on email { subject "Hi" text "Hello. Unsubscribe: https://shop.example/u" }
        journey extra { owner growth category lifecycle trigger "Signed Up" entry once send email extra }
    """})  # fmt: skip
    assert invoke_cleanly("docs", str(message), "--out", str(out)).exit_code == 0
    assert (out / "journeys" / "extra.html").is_file()
    (out / "messages" / "extra.html").write_text("edited", encoding="utf-8")
    (root / "extra.journey").unlink()
    done = invoke_cleanly("docs", str(root), "--out", str(out))
    assert done.exit_code == 0 and "1 kept" in done.output
    assert not (out / "journeys" / "extra.html").exists() and (out / "messages" / "extra.html").exists()
    # A link planted where a page goes is refused, and nothing behind it is written.
    target = tmp_path / "elsewhere.html"
    target.write_text("outside", encoding="utf-8")
    (out / "index.html").unlink()
    (out / "index.html").symlink_to(target)
    done = invoke_cleanly("docs", str(root), "--out", str(out))
    assert done.exit_code == 2 and "symbolic link" in done.output and target.read_text() == "outside"


def test_docs_for_a_project_without_journeys(tmp_path):
    root = write_project(tmp_path / "empty", {"journeyc.toml": "", "company.journey": 'team growth "Growth"'})
    done = invoke_cleanly("docs", str(root), "--out", str(tmp_path / "site"))
    assert done.exit_code == 0, done.output
    assert "0 journeys" in read_page(tmp_path / "site", "index.html").text("lead")


def test_the_default_folder_is_site_in_the_project(make_project):
    root = make_project()
    done = invoke_cleanly("docs", str(root))
    assert done.exit_code == 0, done.output
    assert (root / "site" / "index.html").is_file()


def test_email_previews_load_nothing_remote_and_say_what_they_left_out(demo_site: Path):
    from journeyc.site.remote import POLICY, without_remote_content

    html, left_out = without_remote_content(
        '<html><head><link rel="stylesheet" href="https://fonts.example/css"><style>@import url(//x.example/a.css);'
        ' td { background: url("https://x.example/bg.png") }</style></head><body><img src="https://cdn.example/h.jpg"'
        ' alt="hero"><img src=http://cdn.example/u.png alt=u><a href="https://shop.example/">shop</a></body></html>'
    )
    assert left_out == ["https://fonts.example/css", "//x.example/a.css", "https://cdn.example/h.jpg",
                        "http://cdn.example/u.png", "https://x.example/bg.png"]  # fmt: skip
    assert "cdn.example" not in html and "fonts.example" not in html and "x.example" not in html
    assert 'href="https://shop.example/"' in html  # a link is only followed when clicked: kept
    assert html.startswith(f'<html><head><meta http-equiv="Content-Security-Policy" content="{POLICY}">')
    page = (demo_site / "messages" / "new_dresses_a.html").read_text(encoding="utf-8")
    assert "https://cdn.loomwell.example/campaigns/new-dresses-hero.jpg</code>" in page  # listed as left out
    frames = " ".join(frame.get("srcdoc") or "" for frame in Page(page).iframes)
    assert "new-dresses-hero.jpg" not in frames and "remote%20image%20not%20loaded" in frames
