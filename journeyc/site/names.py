"""Where each thing of the project lives in the site: file names for pages, anchors for table rows.

Names in a project are Unicode identifiers (journeys, messages, traits) or free text (event names such as
"Checkout Started"), and the site must work on every file system: case-insensitive ones (macOS, Windows) would
put `Cart` and `cart` in one file. So a name that is not already lowercase ASCII letters, digits and `_` becomes
a lowercase ASCII slug followed by a short hash of the exact name: distinct names always get distinct files, and
the same name always the same file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_PLAIN = re.compile(r"[a-z0-9_]+")
_OTHER = re.compile(r"[^a-z0-9]+")

# Kinds of things the site shows, and the page each is on (journeys and messages have a page each).
TABLE_PAGES = {
    "event": "tracking.html",
    "trait": "profile.html",
    "segment": "segments.html",
    "offer": "offers.html",
    "channel": "channels.html",
    "team": "index.html",
    "category": "policy.html",
}
KIND_WORDS = {
    "journey": "journey",
    "message": "message",
    "event": "event",
    "trait": "profile trait",
    "segment": "segment",
    "offer": "offer",
    "channel": "channel",
    "team": "team",
    "category": "category",
}


def slug(name: str) -> str:
    """A file-system-safe, case-insensitively unique form of `name` (see the module's docstring)."""
    if _PLAIN.fullmatch(name):
        return name
    readable = _OTHER.sub("-", name.lower()).strip("-")[:40]
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{readable}-{digest}" if readable else digest


def anchor(kind: str, name: str) -> str:
    """The id of the row or section that shows `name` on its page."""
    return f"{kind}-{slug(name)}"


@dataclass(frozen=True)
class Link:
    """A place in the site, as a path from the site's root (`journeys/cart_recovery.html`, `tracking.html#...`)."""

    path: str
    fragment: str = ""

    @property
    def url(self) -> str:
        """The link from the site's root (pages add the way up to it: `../` from a folder)."""
        return self.path + (f"#{self.fragment}" if self.fragment else "")


def page_of(kind: str, name: str) -> Link:
    """Where the site shows the thing `name` of this kind."""
    if kind == "journey":
        return Link(f"journeys/{slug(name)}.html")
    if kind == "message":
        return Link(f"messages/{slug(name)}.html")
    return Link(TABLE_PAGES[kind], anchor(kind, name))


def diagram_of(journey: str) -> str:
    return f"diagrams/{slug(journey)}.svg"
