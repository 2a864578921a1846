"""What a stored page is: an item (article or document), a static page, a list, or neither.
Decided at transform time from the page itself, so fixing a decision never needs a re-crawl.
URL patterns are hints, never gates; every decision keeps its reasons."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from lxml import etree
from parsel.csstranslator import HTMLTranslator

from .dates import dates_shown
from .taxonomy import fold

_PAGINATION = re.compile(r"(?:/page[/-]\d+/?$|[?&](?:page|paged|trang|cur|start|offset)=\d+|_cur=\d+|/trang-\d+"
                         r"|[?&][^=&]*page[^=&]*=\d+)", re.I)
# A pager: links whose text is a page number or "next" (lists have one, articles rarely).
_PAGER = etree.XPath('//a[@href][not(ancestor::nav)][re:test(normalize-space(.), "^(\\d{1,4}|»|›|>>|Tiếp|Sau|Next|Trang sau)$", "i")]',
                     namespaces={"re": "http://exslt.org/regular-expressions"})
_TRANSLATOR = HTMLTranslator()
# Running text: text nodes of some length that are not links, navigation, forms or page
# furniture (paragraphs, and the `div`s and `<br>` lines older sites write text in).
_PROSE = etree.XPath('//body//text()[not(ancestor::a or ancestor::script or ancestor::style or ancestor::nav'
                     ' or ancestor::header or ancestor::footer or ancestor::aside or ancestor::button'
                     ' or ancestor::select or ancestor::label or ancestor::noscript)]')
_TEASERS = etree.XPath('count(//*[self::h2 or self::h3 or self::h4][.//a[@href]]'
                       '[not(ancestor::nav or ancestor::aside or ancestor::footer or ancestor::header)])')
# Headlines shown as links: long link texts outside the navigation.
_HEADLINES = etree.XPath('//a[@href][not(ancestor::nav or ancestor::header or ancestor::footer)]')
_H1 = etree.XPath("count(//h1)")
_FIRST_HEADING = etree.XPath('(//h1 | //h2)[not(ancestor::nav or ancestor::header or ancestor::footer)][1]')
_MENU_LINKS = etree.XPath('//nav//a | //*[contains(@class, "menu") or contains(@class, "nav") or @role="menubar"]//a')
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


_PROSE_HERE = etree.XPath('.//text()[not(ancestor::a or ancestor::script or ancestor::style or ancestor::nav'
                          ' or ancestor::header or ancestor::footer or ancestor::aside or ancestor::button'
                          ' or ancestor::select or ancestor::label or ancestor::noscript)]')


def prose_length(root) -> int:
    total = 0
    for node in (_PROSE(root) if root.getparent() is None else _PROSE_HERE(root)):
        text = " ".join(node.split())
        if len(text) >= 25:
            total += len(text)
    return total


def classify(root, url: str, hints: dict, signals: dict, dated: bool, item_url: bool, home_urls=(),
             mapped: int = 0, item_link=None, trusted: bool = False) -> Decision:
    """Score the page's signals. `hints`: the preset's `classify:` selectors (item, page, list);
    `dated`: a publication date was found; `item_url`: the URL matches the preset's item
    patterns (a hint); `trusted`: the preset is a platform's own (not `generic`), so its item
    pattern and selectors matching together decide."""
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
    paginated = bool(_PAGINATION.search(url))
    if trusted and item_url and mapped == 2 and not paginated and url not in home_urls:
        # The platform's own preset recognises an item by its URL and its markup.
        return Decision("item", ["URL matches the preset's item pattern", "the preset's title and body selectors matched"])
    if url in home_urls or (path.lower() in ("", "/vi", "/en", "/index.php", "/index.html", "/default.aspx")
                            and not urlsplit(url).query):
        signal(-4, "home page")
    if paginated:
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
    heading = _FIRST_HEADING(root)
    if heading:
        text = fold(" ".join(heading[0].itertext()))
        # A menu entry of that name leading elsewhere: this page is that section's list (a
        # menu entry leading here is just this page's own link).
        if text and any(fold(" ".join(a.itertext())) == text and urljoin(url, a.get("href", "")).rstrip("/") != url.rstrip("/")
                        for a in _MENU_LINKS(root)):
            signal(-2, "its heading names a menu section")
    prose = prose_length(root)
    shown = dates_shown(" ".join(_BODY_TEXT(root)))
    articles = int(_ARTICLES(root))
    full = sum(prose_length(a) >= 200 for a in root.iter("article")) if articles >= 2 else 0
    if full >= 2:
        # Several entries each with their own text: an archive that shows whole posts.
        signal(-6, f"{full} <article> blocks with their own text")
    if articles == 1:
        signal(1, "one <article>")
    elif articles >= 3:
        # Cards of other stories beside a long text are related links, not a list.
        signal(-1 if prose >= 400 else -3, f"{articles} <article> blocks")
    if prose >= 1500:
        signal(3, f"{prose} characters of running text")
    elif prose >= 400:
        signal(2, f"{prose} characters of running text")
    elif prose >= 120:
        signal(1, f"{prose} characters of running text")
    elif prose < 25:
        signal(-2, "no running text")
    headlines = sum(len(" ".join(" ".join(a.itertext()).split())) >= 30 for a in _HEADLINES(root))
    teasers = max(int(_TEASERS(root)), headlines if prose < 400 else 0)
    if teasers >= 4:
        signal(-1 if prose >= 400 else -3, f"{teasers} headlines shown as links")
    elif teasers >= 2 and shown >= 2:
        signal(-2, f"{teasers} headlines with {shown} dates")
    if len(_PAGER(root)) >= 1:
        signal(-2, "a pager")
    linked = 0
    if item_link is not None and not item_url:
        # Headlines linking to pages the preset calls items: the entries of a list (teasers with
        # their summaries make a list look like text), even a list with one entry.
        linked = len({urljoin(url, a.get("href", "")) for a in _HEADLINES(root)
                      if item_link.search(urljoin(url, a.get("href", "")))
                      and len(" ".join(" ".join(a.itertext()).split())) >= 20})
        if linked >= 2 or (linked and prose < 400):
            signal(-3 if linked >= 2 else -2, f"{linked} headline(s) linking to items")
    if dated:
        signal(1, "a publication date")
    elif 1 <= shown <= 3:
        signal(1, "a date shown on the page")
    if mapped == 2:
        # On a URL the preset calls an item, its own selectors matching is the preset's word.
        signal(3 if item_url else 2, "the preset's title and body selectors matched")
    elif mapped == 1:
        signal(1, "the preset's body selector matched")
    if score >= 3:
        return Decision("item", reasons)
    if score >= 1 and teasers < 4 and linked < 2 and (prose >= 25 or mapped == 2):
        return Decision("page", reasons + ["no date: a static page"])
    if (prose < 400 and (teasers >= 3 or articles >= 3)) or score <= -2 or paginated or prose < 120:
        return Decision("list", reasons + ["links rather than text: a list"])
    return Decision("other", reasons)
