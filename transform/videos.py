"""Video players in a body: a `<video>` (its `src` or first `<source>`) or an embedded player's
`<iframe>` (YouTube, Vimeo, a site's own player). The sanitiser keeps neither element, so each
becomes a link to the video before it runs: the portal decides how to embed it, and nothing of
the article is dropped without a word."""
from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from lxml import etree

from .fragments import inner_html, parse_fragment

PLAYER = re.compile(r"youtube|youtu\.be|vimeo|player|video", re.I)


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def _name(src: str) -> str:
    """The video's file name (Liferay's /documents/<group>/<folder>/<name>/<uuid>: the name)."""
    parts = [unquote(p).replace("+", " ") for p in urlsplit(src).path.split("/") if p]
    if len(parts) > 1 and _UUID.match(parts[-1]):
        parts.pop()
    return parts[-1] if parts else src


def videos_as_links(body_html: str) -> tuple[str, int]:
    """(body with each video player replaced by a paragraph linking to its video, players replaced)."""
    if "<video" not in body_html and "<iframe" not in body_html:
        return body_html, 0
    try:
        root = parse_fragment(body_html)
    except (etree.ParserError, ValueError):
        return body_html, 0
    replaced = 0
    for player in list(root.iter("video", "iframe")):
        if player.tag == "iframe" and not PLAYER.search(player.get("src") or ""):
            continue
        sources = [player.get("src")] + [s.get("src") for s in player.iter("source")]
        src = next((s.strip() for s in sources if s and s.strip()), None)
        if src is None or player.getparent() is None:
            continue
        paragraph = etree.Element("p")
        link = etree.SubElement(paragraph, "a", href=src)
        # A play sign, and the file's name where there is a file (an embedded player has none).
        link.text = f"▶ {_name(src)}" if player.tag == "video" else "▶"
        paragraph.tail = player.tail
        player.getparent().replace(player, paragraph)
        replaced += 1
    return (inner_html(root), replaced) if replaced else (body_html, 0)
