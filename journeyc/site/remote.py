"""Email previews load nothing from the network: remote images, stylesheets and fonts are left out, as many mail
apps leave them out until the reader allows them.

A preview is opened by whoever reads the site, wherever they are: loading a campaign's images would reach the
sender's servers (and their tracking pixels) at view time, and fail where there is no network. So every remote
`src`, `background`, `poster` and `srcset`, every CSS `url(...)` and `@import`, and every `<link>` to a remote
stylesheet is replaced by a local placeholder, and the preview lists what was left out. A Content-Security-Policy
in the document then refuses anything remote the rewriting did not recognise.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_REMOTE = r"(?:https?:)?//[^\s\"'()<>]*"
_ATTRIBUTE = re.compile(
    rf"""(\s(?:src|background|poster|srcset)\s*=\s*)(?:(["'])\s*({_REMOTE})[^"']*\2|({_REMOTE}))""", re.I
)
_CSS_URL = re.compile(rf"""url\(\s*(["']?)\s*({_REMOTE})\s*\1\s*\)""", re.I)
_IMPORT = re.compile(rf"""@import\s+(?:url\(\s*)?(["']?)({_REMOTE})\1\s*\)?[^;]*;?""", re.I)
_LINK = re.compile(rf"""<link\b[^>]*\bhref\s*=\s*(["']?)\s*({_REMOTE})[^>]*>""", re.I)
_HEAD = re.compile(r"<head\b[^>]*>", re.I)
POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"
PLACEHOLDER = "data:image/svg+xml," + quote(
    "<svg xmlns='http://www.w3.org/2000/svg' width='160' height='90' viewBox='0 0 160 90'>"
    "<rect width='160' height='90' fill='#eaeef2'/><text x='80' y='50' font-family='sans-serif' font-size='11' "
    "text-anchor='middle' fill='#57606a'>remote image not loaded</text></svg>",
    safe="",
)


def without_remote_content(html: str) -> tuple[str, list[str]]:
    """The HTML with nothing to fetch from the network, and the addresses left out (in order, each once)."""
    left_out: dict[str, None] = {}

    def attribute(match: re.Match[str]) -> str:
        left_out.setdefault(match.group(3) or match.group(4))
        return f'{match.group(1)}"{PLACEHOLDER}"'

    def css(match: re.Match[str]) -> str:
        left_out.setdefault(match.group(2))
        return f'url("{PLACEHOLDER}")'

    def dropped(match: re.Match[str]) -> str:
        left_out.setdefault(match.group(2))
        return ""

    html = _LINK.sub(dropped, html)
    html = _IMPORT.sub(dropped, html)
    html = _ATTRIBUTE.sub(attribute, html)
    html = _CSS_URL.sub(css, html)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
    head = _HEAD.search(html)
    html = html[: head.end()] + meta + html[head.end() :] if head else meta + html
    return html, list(left_out)
