"""What a stored page is: an item (article or document), a static page, a list, or neither.
Decided at transform time from the page itself, so fixing a decision never needs a re-crawl.
URL patterns are hints, never gates; every decision keeps its reasons."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from lxml import etree
from parsel.csstranslator import HTMLTranslator

from .dates import dates_shown

_PAGINATION = re.compile(r"(?:/page[/-]\d+/?$|[?&](?:page|paged|trang|p|cur|start|offset)=\d+|_cur=\d+|/trang-\d+)",
                         re.I)
_TRANSLATOR = HTMLTranslator()
# Running text: paragraphs of some length that are not links, navigation or page furniture.
_PROSE = etree.XPath('//p[not(ancestor::a or ancestor::nav or ancestor::header or ancestor::footer or ancestor::aside'
                     ' or ancestor::*[contains(@class, "sidebar") or contains(@class, "widget")'
                     ' or contains(@class, "comment")])]')
_TEASERS = etree.XPath('count(//*[self::h2 or self::h3 or self::h4][.//a[@href]]'
                       '[not(ancestor::nav or ancestor::aside or ancestor::footer or ancestor::header)])')
_H1 = etree.XPath("count(//h1)")
_BODY_TEXT = etree.XPath("//body//text()[not(ancestor::script or ancestor::style or ancestor::nav or ancestor::footer)]")
_ARTICLES = etree.XPath("count(//article)")


@lru_cache(maxsize=512)
def _selector(css: str) -> etree.XPath:
    return etree.XPath(_TRANSLATOR.css_to_xpath(css))


@dataclass
class Decision:
    kind: str  # item | page | list | other
    reasons: list[str] = field(default_factory=list)
    marked: bool = False  # decided by the preset's own marker, not by scoring

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def prose_length(root) -> int:
    total = 0
    for p in _PROSE(root):
        text = " ".join(" ".join(p.itertext()).split())
        if len(text) >= 25:
            total += len(text)
    return total


def classify(root, url: str, hints: dict, signals: dict, dated: bool, item_url: bool, home_urls=(),
             mapped: int = 0) -> Decision:
    """Score the page's signals. `hints`: the preset's `classify:` selectors (item, page, list);
    `dated`: a publication date was found; `item_url`: the URL matches the preset's item
    patterns (a hint)."""
    reasons: list[str] = []
    for kind in ("list", "page", "item"):
        for css in hints.get(kind, ()):
            if _selector(css)(root):
                return Decision(kind, [f"matches the preset's {kind} marker `{css}`"], marked=True)
    score = 0

    def signal(points: int, why: str):
        nonlocal score
        score += points
        reasons.append(f"{why} ({points:+d})")

    path = urlsplit(url).path.rstrip("/")
    if url in home_urls or path in ("", "/vi", "/en", "/index.php", "/index.html", "/default.aspx"):
        signal(-4, "home page")
    if _PAGINATION.search(url):
        signal(-3, "paginated URL")
    if item_url:
        signal(2, "URL matches the preset's item pattern")
    if signals.get("json_ld_item"):
        signal(3, f"JSON-LD {'/'.join(signals['json_ld_item'])}")
    if signals.get("json_ld_list"):
        signal(-3, f"JSON-LD {'/'.join(signals['json_ld_list'])}")
    og = signals.get("og_type")
    if og == "article":
        signal(3, "og:type=article")
    elif og == "website":
        signal(-1, "og:type=website")
    h1 = int(_H1(root))
    if h1 == 1:
        signal(1, "one h1")
    articles = int(_ARTICLES(root))
    if articles == 1:
        signal(1, "one <article>")
    elif articles >= 3:
        signal(-3, f"{articles} <article> blocks")
    teasers = int(_TEASERS(root))
    if teasers >= 4:
        signal(-3, f"{teasers} linked headings")
    prose = prose_length(root)
    if prose >= 400:
        signal(2, f"{prose} characters of running text")
    elif prose >= 120:
        signal(1, f"{prose} characters of running text")
    elif prose < 25:
        signal(-2, "no running text")
    shown = dates_shown(" ".join(_BODY_TEXT(root)))
    if dated:
        signal(1, "a publication date")
    elif 1 <= shown <= 3:
        signal(1, "a date shown on the page")
    if mapped == 2:
        signal(2, "the preset's title and body selectors matched")
    elif mapped == 1:
        signal(1, "the preset's body selector matched")
    if score >= 3:
        return Decision("item", reasons)
    if score >= 1 and teasers < 4 and (prose >= 25 or mapped == 2):
        return Decision("page", reasons + ["no date: a static page"])
    if teasers >= 3 or articles >= 3 or score <= -2:
        return Decision("list", reasons)
    return Decision("other", reasons)
