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
# (A link to `#` leads nowhere: a slider's dot or a comment counter, not a page of a list.)
_PAGER_LINKS = etree.XPath('//a[@href][not(starts-with(normalize-space(@href), "#"))]'
                           '[string-length(normalize-space(.)) <= 9][not(ancestor::nav)]')
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
# Inline elements: their text is part of the line around them. Every other element is a line
# of its own (a paragraph, a list item, a cell, a `div` of `<br>` lines), and a line counts as
# running text from 25 characters (Japanese ruby, bold words and links inside a paragraph
# split its text into many short nodes; the line is what a reader reads).
_INLINE = frozenset({"span", "strong", "b", "em", "i", "u", "font", "br", "sup", "sub", "small", "big", "abbr", "cite",
                     "q", "code", "mark", "s", "strike", "time", "img", "ruby", "rt", "rp", "wbr", "var", "kbd",
                     "dfn", "bdi", "bdo", "del", "ins", "a"})
# Elements that hold lines rather than text: running text counts to the innermost of them
# (the main text block is the one with the most).
_LINE_ONLY = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "center", "li", "dt", "dd",
                        "figcaption", "caption"})
_HOLDS_BLOCKS = frozenset({"div", "p", "table", "tbody", "tr", "ul", "ol", "section", "article", "main", "form",
                           "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "dl", "figure", "iframe"})
_MIN_LINE = 25
# Page furniture that unclosed tags sometimes wrap around the whole content (`<header>` never
# closed): one that holds the page's content is not furniture (`_wraps_content`).
_WRAPPERS = frozenset({"header", "nav", "aside", "footer"})
# A headline linking elsewhere (a user name heading a forum post is shorter).
_LINKED_HEADING = etree.XPath("boolean(.//*[self::h1 or self::h2 or self::h3 or self::h4]"
                              "//a[@href][string-length(normalize-space(.)) >= 20])")
_CONTENT = etree.XPath("boolean(.//main | .//h1)")
_ARTICLE = etree.XPath("boolean(.//article)")


def _wraps_content(element) -> bool:
    """Whether furniture holds the page's content: its <main> or its h1 (rnz.de puts the whole
    story in an `aside` inside <main>), or, for a `header`, an <article> (XenForo's unclosed
    `header` of a post's attribution takes in the post; a site's header never holds one)."""
    return bool(_CONTENT(element)) or (element.tag == "header" and bool(_ARTICLE(element)))


@dataclass
class PageText:
    prose: int = 0            # characters of running text (lines of 25 characters or more)
    shown: list[str] = field(default_factory=list)  # visible text nodes
    articles: list[int] = field(default_factory=list)  # running text of each <article>
    headed: list[bool] = field(default_factory=list)  # each <article>: has a headline linking elsewhere
    nested: list[int] = field(default_factory=list)   # each <article>: the one it sits in, or -1
    main: int = 0             # running text of the block that holds the most of it
    main_block: object = None  # that block


def _holds_lines(element) -> bool:
    """Lines inside `element` count to it: a container, not a paragraph (a `div` with no block
    inside is a paragraph)."""
    tag = element.tag
    if tag in _LINE_ONLY or tag in _INLINE:
        return False
    return tag != "div" or any(isinstance(c.tag, str) and c.tag in _HOLDS_BLOCKS for c in element)


def page_texts(root) -> PageText:
    """The page's running and visible text, each `<article>`'s running text, and the running
    text of its main block, under `root`: the page's body when `root` is the document, else
    the element itself. One walk of the tree (three times faster than `ancestor::` XPaths)."""
    top = root.find("body") if root.getparent() is None else root
    found = PageText()
    if top is None:
        return found
    in_furniture = in_hidden = 0
    open_articles: list[int] = []  # indexes into `articles` of the <article>s the walk is in
    blocks: list = [top]           # the containers the walk is in; a line counts to the innermost
    lines: list = [[top, 0]]       # the lines the walk is in, with their running characters so far
    block_text: dict[int, int] = {}
    block_of: dict[int, object] = {}
    wrappers: set = set()

    def add(text):
        if not in_furniture:
            lines[-1][1] += len(" ".join(text.split()))
        if not in_hidden:
            found.shown.append(text)

    def close(line):
        length = line[1]
        if length >= _MIN_LINE:
            found.prose += length
            key = id(blocks[-1])
            block_text[key] = block_text.get(key, 0) + length
            block_of[key] = blocks[-1]
            for index in open_articles:
                found.articles[index] += length

    walk = etree.iterwalk(top, events=("start", "end", "comment", "pi"))
    for event, el in walk:
        tag = el.tag
        if not isinstance(tag, str):  # a comment or processing instruction: only its tail is text
            if el.tail:
                add(el.tail)
        elif event == "start":
            if tag in _WRAPPERS and _wraps_content(el):
                wrappers.add(el)  # broken nesting put the page's content inside it: not furniture
            else:
                in_furniture += tag in _NOT_PROSE
                in_hidden += tag in _NOT_SHOWN
                if tag in _NOT_SHOWN:  # neither running nor visible text inside: not walked at all
                    walk.skip_subtree()
                    continue
            if tag == "article":
                found.nested.append(open_articles[-1] if open_articles else -1)
                open_articles.append(len(found.articles))
                found.articles.append(0)
                found.headed.append(bool(_LINKED_HEADING(el)))
            if el is not top:
                if tag not in _INLINE:
                    lines.append([el, 0])
                if _holds_lines(el):
                    blocks.append(el)
            if el.text:
                add(el.text)
        else:
            if el not in wrappers:
                in_furniture -= tag in _NOT_PROSE
                in_hidden -= tag in _NOT_SHOWN
            if lines[-1][0] is el and el is not top:
                close(lines.pop())
            if blocks[-1] is el and el is not top:
                blocks.pop()
            if tag == "article":
                open_articles.pop()
            if el.tail and el is not top:
                add(el.tail)
    close(lines[0])
    if block_text:
        key = max(block_text, key=block_text.__getitem__)
        found.main, found.main_block = block_text[key], block_of[key]
    return found


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
    weights: list[tuple[int, str]] = []

    def signal(points: int, why: str):
        nonlocal score
        score += points
        reasons.append(f"{why} ({points:+d})")
        weights.append((points, why))

    path = urlsplit(url).path.rstrip("/")
    paginated = bool(_PAGINATION.search(url))
    if trusted and item_url and mapped == 2 and not paginated and url not in home_urls:
        # The platform's own preset recognises an item by its URL and its markup.
        return Decision("item", ["URL matches the preset's item pattern", "the preset's title and body selectors matched"])
    # The address is a weak hint, never a veto: many sites serve an article at `/` or `/index.html`.
    if url in home_urls or (path.lower() in ("", "/vi", "/en", "/index.php", "/index.html", "/default.aspx")
                            and not urlsplit(url).query):
        signal(-1, "the address of a home page")
    if paginated:
        signal(-2, "a paginated address")
    if item_url:
        signal(2, "URL matches the preset's item pattern")
    strong = []  # the page's own word that it is one piece of content
    if signals.get("json_ld_item"):
        strong.append(f"JSON-LD {'/'.join(signals['json_ld_item'])}")
        signal(3, strong[-1])
    if signals.get("json_ld_list"):
        signal(-3, f"JSON-LD {'/'.join(signals['json_ld_list'])}")
    og = signals.get("og_type")
    if og == "article":
        strong.append("og:type=article")
        signal(3, strong[-1])
    elif og == "website":
        signal(-1, "og:type=website")
    h1 = int(_H1(root))
    if h1 == 1:
        signal(1, "one h1")
    heading = _FIRST_HEADING(root)
    if heading:
        name = fold(" ".join(heading[0].itertext()))
        # A menu entry of that name leading elsewhere: this page is that section's list (a
        # menu entry leading here is just this page's own link).
        # (menu entries are short; a headline of an article never names one)
        if name and len(name) <= 60 and any(fold(" ".join(a.itertext())) == name and urljoin(url, a.get("href", "")).rstrip("/") != url.rstrip("/")
                        for a in _MENU_LINKS(root)):
            signal(-2, "its heading names a menu section")
    texts = page_texts(root)
    article_prose = texts.articles
    prose = texts.prose
    shown = dates_shown(" ".join(texts.shown))
    articles = len(article_prose)
    # The main block: the one element holding the most running text. An article's text sits in
    # one block; a list's summaries are spread over one block each. It dominates when no other
    # <article> holds half as much (comments and cards of other stories are short beside it).
    main = texts.main
    largest, rival = _largest_article(texts)
    links = [(a, " ".join(" ".join(a.itertext()).split())) for a in _HEADLINES(root)]
    headlines = sum(len(text) >= 30 for _, text in links)
    teasers = max(int(_TEASERS(root)), headlines if prose < 400 else 0)
    entries = _entries_like(texts.main_block) if not articles else 0
    # An <article> holding most of the text counts as one text unless it is a list of headlines.
    long_text = entries < 3 and ((main >= 1000 and main >= 2 * max(rival, largest if largest < main else 0)) or
                                 (largest >= 1500 and largest >= 3 * rival and 2 * largest >= prose and teasers < 10))
    # Several entries each with their own text under a headline of its own: an archive that
    # shows whole posts (the posts of a forum thread, or a listicle's sections, have none).
    full = sum(length >= 200 and headed for length, headed in zip(article_prose, texts.headed)) if articles >= 2 else 0
    # ...unless the most text sits outside them all: the page's own text, with cards of other posts.
    own_text = main > largest and texts.main_block is not None and not any(
        a.tag == "article" for a in texts.main_block.iterancestors()) and texts.main_block.tag != "article"
    if full >= 2 and not long_text and not own_text:
        signal(-6, f"{full} <article> blocks with their own text under their own linked headline")
    if entries >= 3:
        # The same, written in `div`s: the main block is one of many alike, each under a linked
        # headline; however long it is, it is one entry of a list.
        signal(-6, f"the main text is one of {entries} blocks alike, each with its own text under its own linked headline")
    if articles == 1:
        signal(1, "one <article>")
    elif articles >= 3:
        # Cards of other stories beside a long text are related links, not a list.
        signal(-1 if prose >= 400 else -3, f"{articles} <article> blocks")
    if long_text:
        signal(3, f"a main text of {max(main, largest)} characters")
    elif prose >= 1500:
        signal(3, f"{prose} characters of running text")
    elif prose >= 400:
        signal(2, f"{prose} characters of running text")
    elif prose >= 120:
        signal(1, f"{prose} characters of running text")
    elif prose < 25:
        signal(-2, "no running text")
    if teasers >= 4:
        signal(-1 if prose >= 400 else -3, f"{teasers} headlines shown as links")
    elif teasers >= 2 and shown >= 2:
        signal(-2, f"{teasers} headlines with {shown} dates")
    if any(_PAGER_TEXT.match(" ".join(" ".join(a.itertext()).split())) for a in _PAGER_LINKS(root)):
        signal(-1 if long_text else -2, "a pager")
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
    if long_text:
        # Recall first: a long text in one block is content, whatever its sidebars, pagers and
        # cards of other stories say; an item with the page's own word or a date, else a page.
        if strong or dated:
            return Decision("item", reasons + [f"{' and '.join(strong) or 'a date'} over a main text of {main} "
                                               "characters: an item, whatever its sidebars"])
        return Decision("page", reasons + [f"a main text of {main} characters and no date: a static page"])
    if score >= 0 and prose >= 1000:
        # Neither clearly a list nor clearly an item, with a reader's worth of text: kept (a
        # page migrated by mistake shows in the plan's review; a page refused is lost).
        return Decision("item" if dated else "page", reasons + [f"{prose} characters of running text: kept"])
    if score >= 1 and teasers < 4 and linked < 2 and (prose >= 25 or mapped == 2):
        return Decision("page", reasons + ["no date: a static page"])
    if (prose < 400 and (teasers >= 3 or articles >= 3)) or score <= -2 or prose < 120:
        return Decision("list", reasons + ["links rather than text: a list", _strongest(weights)])
    return Decision("other", reasons + [_strongest(weights)])


_ALIKE = etree.XPath("//*[local-name() = $tag][@class = $cls]")
_HEADING_LINK = etree.XPath("boolean(self::a[@href][.//h2 or .//h3 or .//h4] | "
                            "self::*[self::h2 or self::h3 or self::h4][.//a[@href]])")


def _entries_like(block) -> int:
    """How many blocks of the main block's tag and class hold 200 characters of text right
    under a headline that links to its own page (an archive or search page that shows each
    entry whole); 0 for a block with no class."""
    cls = block.get("class") if block is not None else None
    if not cls:
        return 0
    count = 0
    for element in _ALIKE(block, tag=block.tag, cls=cls):
        before = element.getprevious()
        if before is not None and _HEADING_LINK(before) and len(" ".join(element.text_content().split())) >= 200:
            count += 1
    return count


def _largest_article(texts: PageText) -> tuple[int, int]:
    """(running text of the largest <article>, of the largest one neither inside it nor around it)."""
    if not texts.articles:
        return 0, 0
    top = max(range(len(texts.articles)), key=texts.articles.__getitem__)

    def chain(index):  # the article and the ones around it
        while index != -1:
            yield index
            index = texts.nested[index]
    around = set(chain(top))
    rival = max((length for index, length in enumerate(texts.articles)
                 if index not in around and top not in set(chain(index))), default=0)
    return texts.articles[top], rival


def _strongest(weights: list[tuple[int, str]]) -> str:
    """The strongest signal on each side, for a refusal a person can check at a glance."""
    for_item = max((w for w in weights if w[0] > 0), default=None)
    against = min((w for w in weights if w[0] < 0), default=None)
    return (f"strongest for an item: {for_item[1] if for_item else 'none'}; "
            f"strongest against: {against[1] if against else 'none'}")


# Static pages by their title: what a unit says about itself (introduction, functions and
# duties, organisation, history, leadership, contacts). Such a page is `page` even when a date
# shows in its text (the history of a unit is full of them). Folded (no diacritics, lower case).
_STATIC_TITLE = re.compile(
    r"^(?:gioi thieu(?: chung| tong quan| ve .{0,60}| (?:so|co quan|don vi|ubnd|uy ban|xa|phuong|huyen|thi tran)\b.{0,60})?"
    r"|(?:vi tri,? )?chuc nang,? nhiem vu\b.{0,90}|nhiem vu,? quyen han\b.{0,90}"
    r"|(?:co cau|so do|bo may) to chuc\b.{0,60}|to chuc bo may\b.{0,60}"
    r"|lich su(?: hinh thanh| phat trien| truyen thong)?\b.{0,60}|qua trinh hinh thanh\b.{0,60}"
    r"|(?:ban )?lanh dao(?: (?:so|ubnd|uy ban|co quan|don vi|xa|phuong|huyen))?\b.{0,30}"
    r"|(?:thong tin )?lien he|danh ba\b.{0,40}|(?:cac )?(?:phong ban|don vi truc thuoc)\b.{0,40})$")


def static_title(title: str | None) -> bool:
    """Whether the title names a static page (Giới thiệu, Chức năng nhiệm vụ, Cơ cấu tổ chức,
    Lịch sử hình thành, Lãnh đạo Sở, Liên hệ...)."""
    return bool(title) and bool(_STATIC_TITLE.match(" ".join(fold(title).replace(":", " ").split())))
