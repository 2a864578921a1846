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
_PAGER_LINKS = etree.XPath('//a[@href][string-length(normalize-space(.)) <= 9][not(ancestor::nav)]')
_PAGER_TEXT = re.compile(r"^(\d{1,4}|»|›|>>|Tiếp|Sau|Next|Trang sau)$", re.I)
_TRANSLATOR = HTMLTranslator()
_TEASERS = etree.XPath('count(//*[self::h2 or self::h3 or self::h4][.//a[@href]]'
                       '[not(ancestor::nav or ancestor::aside or ancestor::footer or ancestor::header)])')
# Headlines shown as links: long link texts outside the navigation.
_HEADLINES = etree.XPath('//a[@href][not(ancestor::nav or ancestor::header or ancestor::footer)]')
_H1 = etree.XPath("count(//h1)")
_FIRST_HEADING = etree.XPath('(//h1 | //h2)[not(ancestor::nav or ancestor::header or ancestor::footer)][1]')
_MENU_LINKS = etree.XPath('//nav//a | //*[contains(@class, "menu") or contains(@class, "nav") or @role="menubar"]//a')


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


# Running text: text nodes that are not links, navigation, forms or page furniture
# (paragraphs, and the `div`s and `<br>` lines older sites write text in). Visible text: all
# but scripts, styles, navigation and footers. Both gathered in one walk of the tree (three
# times faster than the equivalent XPath `ancestor::` tests).
_NOT_PROSE = frozenset({"a", "script", "style", "nav", "header", "footer", "aside", "button", "select", "label",
                        "noscript"})
_NOT_SHOWN = frozenset({"script", "style", "nav", "footer"})


def page_texts(root) -> tuple[list[str], list[str], list[int]]:
    """(running text nodes, visible text nodes, running text length of each `<article>`)
    under `root`: the page's body when `root` is the document, else the element itself."""
    top = root.find("body") if root.getparent() is None else root
    prose: list[str] = []
    shown: list[str] = []
    articles: list[int] = []
    if top is None:
        return prose, shown, articles
    in_furniture = in_hidden = 0
    open_articles: list[int] = []  # indexes into `articles` of the <article>s the walk is in

    def add(text):
        if not in_furniture:
            prose.append(text)
            if open_articles:
                length = _prose_length((text,))
                for index in open_articles:
                    articles[index] += length
        if not in_hidden:
            shown.append(text)

    walk = etree.iterwalk(top, events=("start", "end", "comment", "pi"))
    for event, el in walk:
        tag = el.tag
        if not isinstance(tag, str):  # a comment or processing instruction: only its tail is text
            if el.tail:
                add(el.tail)
        elif event == "start":
            in_furniture += tag in _NOT_PROSE
            in_hidden += tag in _NOT_SHOWN
            if tag in _NOT_SHOWN:  # neither running nor visible text inside: not walked at all
                walk.skip_subtree()
                continue
            if tag == "article":
                open_articles.append(len(articles))
                articles.append(0)
            if el.text:
                add(el.text)
        else:
            in_furniture -= tag in _NOT_PROSE
            in_hidden -= tag in _NOT_SHOWN
            if tag == "article":
                open_articles.pop()
            if el.tail and el is not top:
                add(el.tail)
    return prose, shown, articles


def _prose_length(texts) -> int:
    return sum(len(text) for text in (" ".join(node.split()) for node in texts) if len(text) >= 25)


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
        # (menu entries are short; a headline of an article never names one)
        if text and len(text) <= 60 and any(fold(" ".join(a.itertext())) == text and urljoin(url, a.get("href", "")).rstrip("/") != url.rstrip("/")
                        for a in _MENU_LINKS(root)):
            signal(-2, "its heading names a menu section")
    prose_texts, shown_texts, article_prose = page_texts(root)
    prose = _prose_length(prose_texts)
    shown = dates_shown(" ".join(shown_texts))
    articles = len(article_prose)
    full = sum(length >= 200 for length in article_prose) if articles >= 2 else 0
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
    links = [(a, " ".join(" ".join(a.itertext()).split())) for a in _HEADLINES(root)]
    headlines = sum(len(text) >= 30 for _, text in links)
    teasers = max(int(_TEASERS(root)), headlines if prose < 400 else 0)
    if teasers >= 4:
        signal(-1 if prose >= 400 else -3, f"{teasers} headlines shown as links")
    elif teasers >= 2 and shown >= 2:
        signal(-2, f"{teasers} headlines with {shown} dates")
    if any(_PAGER_TEXT.match(" ".join(" ".join(a.itertext()).split())) for a in _PAGER_LINKS(root)):
        signal(-2, "a pager")
    linked = 0
    if item_link is not None and not item_url:
        # Headlines linking to pages the preset calls items: the entries of a list (teasers with
        # their summaries make a list look like text), even a list with one entry.
        linked = len({target for target in (urljoin(url, a.get("href", "")) for a, text in links if len(text) >= 20)
                      if item_link.search(target)})
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
