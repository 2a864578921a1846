"""Automatic extraction for pages with no working mapping, built on trafilatura and htmldate,
with what they miss on government and news pages: the headline (and a standfirst set as a
sub-headline) kept out of the body; boilerplate dropped (share and print bars, newsletter
boxes, `Tin liên quan`/`Xem thêm:` lines, cards and linked headlines of other stories, reprint
notices); titles cleaned of site names; Vietnamese bylines (`Tác giả:`, `Nguồn:`), breadcrumb
sections and day-first dates."""
from __future__ import annotations

import copy
import re

import lxml.html
from lxml import etree
from trafilatura import bare_extraction
from trafilatura.htmlprocessing import convert_to_html

from .classify import static_title
from .dates import parse_date
from .taxonomy import fold, loose

# Whole paragraphs that are never article text (checked case-insensitively on short blocks).
_BOILERPLATE = re.compile(
    r"^(share|tweet|print( article)?|order reprints|email|comments?|advertisement|related( articles| stories)?|"
    r"read more|see also|sign up|subscribe|thanks for signing up!?|keep an eye on your inbox.*|"
    r".*newsletter.*|this copy is for your personal.*|write to .+ at \S+@\S+|https?://\S+|"
    r"an error has occurred.*|this article has been sent to.*|subscribe to .*|"
    r"tell us what you think.*|(copyright|©).*|"
    # "Related: <headline>", "Xem thêm: <headline>": a link to another story
    r"(related|read more|read also|also read|see also|more|xem thêm|đọc thêm|tin liên quan|bài liên quan)\s*:.+|"
    r"in bài viết|bản in|chia sẻ|gửi email|gửi bài viết|lượt xem.*|tin liên quan|các tin khác|tin cùng chuyên mục|"
    r"quay lại|về đầu trang|đầu trang|bình luận|ý kiến bạn đọc)[\s.:!]*$", re.I)
# Reprint and rights notices run longer than other boilerplate lines.
_NOTICE = re.compile(r"^(this copy is for your personal|this material may not be published|copyright ©)", re.I)
_BLOCKS = ("p", "head", "item", "quote")
_BYLINE = re.compile(r"^\s*(tác giả|nguồn tin|nguồn|theo|by)\s*:?\s+(.{2,80})$", re.I)
# Letters only Vietnamese writes (tone marks on vowels, đ): three in a line make it Vietnamese.
_VIETNAMESE = re.compile(r"[ạảãặẳẵắằậẩẫấầẹẻẽệểễếềịỉĩọỏõộổỗốồợởỡớờụủũựửữứừỵỷỹỳđ]")
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·»]\s+")


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _remove(element: etree._Element) -> None:
    """Take an element out of the tree, keeping the text that follows it."""
    parent, previous = element.getparent(), element.getprevious()
    if element.tail and element.tail.strip():
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _is_teaser_list(element: etree._Element) -> bool:
    """Cards of other stories: three or more short items, each a link plus a heading (a
    headline and its teaser). A list of documents or links in an article has no headings."""
    items = element.findall("item")
    return len(items) >= 3 and all(
        item.find(".//ref") is not None and item.find(".//head") is not None
        and len(_norm("".join(item.itertext()))) < 300 for item in items)


def _is_headline_link(element: etree._Element) -> bool:
    """A paragraph that is nothing but a link around a heading: another story's headline."""
    refs = element.findall("ref")
    return (len(refs) == 1 and refs[0].find(".//head") is not None
            and _norm("".join(refs[0].itertext())) == _norm("".join(element.itertext())))


def _prune(body: etree._Element, title: str | None, description: str | None) -> None:
    """Drop the headline, the standfirst when it leads as a heading, and boilerplate blocks
    (at any depth: a share bar or a `Read more:` line sits inside lists and sections too) from
    trafilatura's body."""
    for child in list(body)[:3]:
        text = _norm("".join(child.itertext()))
        if title and text == _norm(title):
            _remove(child)
        elif description and child.tag == "head" and text == _norm(description):
            # The standfirst shown as a sub-headline is the summary. A Vietnamese sapo is also
            # the article's lead, kept at the top of the body as a paragraph (the convention of
            # Vietnamese newsrooms and unit portals); elsewhere it is not body text. Shown as a
            # paragraph it is the first paragraph, and stays in the body in every language.
            if is_vietnamese(text):
                child.tag = "p"
            else:
                _remove(child)
    for cards in list(body.iter("list")):
        if _is_teaser_list(cards):
            _remove(cards)
    for paragraph in list(body.iter("p")):
        if _is_headline_link(paragraph):
            _remove(paragraph)
    for block in list(body.iter(*_BLOCKS)):
        text = _norm("".join(block.itertext()))
        boilerplate = (len(text) < 160 and _BOILERPLATE.match(text)) or (len(text) < 500 and _NOTICE.match(text))
        if text and boilerplate and block.getparent() is not None:
            _remove(block)
    _cut_comments(body)


# The heading of a comment section (folded): `Ý kiến bạn đọc`, `Danh sách bình luận`, `Gửi ý
# kiến`, `0 Bình luận`. Readers' comments and the form to send one are not the item's text.
_COMMENTS = re.compile(r"^(?:danh sach |\d+ )?(?:y kien|binh luan|gop y)(?: ban doc| binh luan| cua ban(?: doc)?)?"
                       r"(?: \(\d+\))?$|^(?:gui|viet) (?:y kien|binh luan|gop y)(?: cua ban)?$")


def _cut_comments(body: etree._Element) -> None:
    """Drop a comment section at the end of trafilatura's body: its heading (not the body's
    first block) and everything after it."""
    blocks = [child for child in body if isinstance(child.tag, str)]
    for index, block in enumerate(blocks[1:], start=1):
        text = "".join(block.itertext())
        if len(text) < 60 and _COMMENTS.match(fold(text)):
            for later in blocks[index:]:
                _remove(later)
            return


def _body_html(body: etree._Element) -> str:
    tree = convert_to_html(copy.deepcopy(body))
    inner = tree.find(".//body")
    root = inner if inner is not None else tree
    return "".join(lxml.html.tostring(child, encoding="unicode") for child in root)


def _parts(title: str | None, site: str | None) -> list[str]:
    """A <title> or og:title split at ` | `, ` - `..., without the parts that name the site."""
    if not title:
        return []
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(title) if p.strip()]
    named = [p for p in parts if not (site and loose(p) in loose(site)) and len(p) >= 4]
    return named or parts


def _first(page, xpath):
    found = page.xpath(xpath)
    return " ".join(str(found[0]).split()) if found else None


def _no_section(text: str | None) -> bool:
    return False


def agreed_headline(page: lxml.html.HtmlElement, fallback: str | None, is_section=_no_section) -> str | None:
    """The headline the page's references (og:title, <title>, `fallback`) agree with, as shown on
    the page: the first h1/h2 one of them names, else the first element of the body whose whole
    text is a reference, or its leading parts once the section and site names after a separator
    are cut (Liferay shows the asset's title in a `div`, its h1 being a sidebar's box title);
    None when nothing agrees. A reference that names a section the page links to above it
    (`is_section`, `PageMetadata.names_section`) names no headline."""
    site = _first(page, "//meta[@property='og:site_name']/@content")
    og, doc_title = _first(page, "//meta[@property='og:title']/@content"), _first(page, "//title/text()")
    references = [r for r in (og, doc_title, fallback) if r and not is_section(r)]
    whole = {loose(r) for r in references}
    pieces = {loose(p) for r in references for p in _parts(r, site)}
    headings = [" ".join(h.text_content().split()) for h in page.xpath("//h1|//h2")]
    for heading in headings:
        key = loose(heading)
        if len(key) >= 4 and (key in whole or key in pieces) and not (site and key == loose(site)):
            return heading
    return _shown_reference(page, references, site)


_NOT_HEADLINE = {"script", "style", "title", "option", "select", "textarea", "noscript", "nav", "a"}


def _prefixes(reference: str) -> list[str]:
    """`A - B - C` gives `A - B - C`, `A - B`, `A` (the section and site names come last)."""
    parts = _TITLE_SEPARATORS.split(reference)
    separators = _TITLE_SEPARATORS.findall(reference)
    out = []
    for end in range(len(parts), 0, -1):
        out.append(parts[0] + "".join(sep + part for sep, part in zip(separators[:end - 1], parts[1:end])))
    return out


def is_vietnamese(text: str | None) -> bool:
    return len(_VIETNAMESE.findall((text or "").lower())) >= 3


_ELLIPSIS = re.compile(r"\s*(?:\.{3}|…)\s*$")


def shown_lead(page, text: str) -> str | None:
    """The text of the element of the body that shows `text` as its whole text (a lead in its own
    element), or starts with it when `text` is cut short with an ellipsis (`…`, `...`: a meta
    description shortened by the CMS), or shows most of its end (the description keeps the
    paper's `(Dân trí) - Tối 24/12,` that the page leaves off its sapo); None when no element does."""
    cut = bool(_ELLIPSIS.search(text))
    key = loose(_ELLIPSIS.sub("", text))
    first = key.split()[:1]
    body = page.find("body")
    tail = None
    for element in (body.iter() if body is not None and first else ()):
        if not isinstance(element.tag, str) or element.tag in _NOT_HEADLINE:
            continue
        own = loose(element.text)
        if not own:
            continue
        if own.split()[:1] != first:
            if tail is None and len(own) >= 40 and own in key and len(own) >= 0.6 * len(key):
                shown = " ".join(element.text_content().split())
                if key.endswith(loose(shown)):
                    tail = shown
            continue
        shown = " ".join(element.text_content().split())
        if loose(shown) == key or (cut and len(key) >= 40 and loose(shown).startswith(key)):
            return shown
    return tail


def _shown_reference(page, references: list[str], site: str | None) -> str | None:
    """The longest leading part of a reference title that an element of the body shows as its
    whole text (outside links, menus and scripts)."""
    # (Short keys match stray elements; a static page's short name, `Liên hệ`, is one too.)
    wanted = {key for reference in references for key in map(loose, _prefixes(reference))
              if (len(key) >= 8 or static_title(key)) and not (site and key == loose(site))}
    if not wanted:
        return None
    first_words = {key.split()[0] for key in wanted}
    body = page.find("body")
    best = None
    for element in (body.iter() if body is not None else ()):
        if not isinstance(element.tag, str) or element.tag in _NOT_HEADLINE:
            continue
        text = (element.text or "").strip()
        words = loose(text).split()
        if not text or (words and words[0] not in first_words):
            continue  # its own text does not start as any reference does
        if any(a.tag in _NOT_HEADLINE for a in element.iterancestors()):
            continue
        shown = " ".join(element.text_content().split())
        key = loose(shown)
        if key in wanted and (best is None or len(key) > len(loose(best))):
            best = shown
    return best


def best_title(page: lxml.html.HtmlElement, fallback: str | None, is_section=_no_section) -> str | None:
    """The headline: the first h1/h2 a reference title agrees with (as shown on the page),
    else the og:title or <title> without the site's name; never the name of a section the page
    links to above it (`is_section`)."""
    agreed = agreed_headline(page, fallback, is_section)
    if agreed:
        return agreed
    site = _first(page, "//meta[@property='og:site_name']/@content")
    og, doc_title = _first(page, "//meta[@property='og:title']/@content"), _first(page, "//title/text()")
    for reference in (og, doc_title):
        parts = [part for part in _parts(reference, site) if not is_section(part)]
        if parts:
            return max(parts, key=len)
    if fallback and not is_section(fallback):
        return fallback
    # Every reference names a section: the page's first heading that does not.
    for heading in page.xpath("//body//h1|//body//h2"):
        text = " ".join(heading.text_content().split())
        if len(loose(text)) >= 4 and not is_section(text):
            return text
    return None


_METADATA = ("title", "date", "author", "category", "summary")


def auto_extract(page, url: str | None = None, known: dict | None = None,
                 is_section=_no_section) -> tuple[dict, dict]:
    """(values, sources) in the same shape as extract.extract_fields, or ({}, {}). `page`: the
    tree of extract.parse_page (trafilatura reads it without changing it). `known`: the fields
    the page's own metadata already gave. They are not looked for again; when they are all
    known, trafilatura reads only the body (its metadata pass is an eighth of the time and
    would go unused). `is_section`: whether a text names a section the page links to above it,
    never its title (`PageMetadata.names_section`)."""
    known = {name: value for name, value in (known or {}).items() if value and name in _METADATA}
    body_only = len(known) == len(_METADATA)
    doc = bare_extraction(page, url=url, with_metadata=not body_only, include_comments=False, include_tables=True,
                          include_images=True, include_links=True,
                          date_extraction_params={"original_date": True, "extensive_search": True})
    if doc is None or doc.body is None:
        return {}, {}
    title = known.get("title") or best_title(page, doc.title, is_section)
    _prune(doc.body, title, known.get("summary") or doc.description)
    if body_only:
        return {"body": _body_html(doc.body)}, {"body": "auto:trafilatura"}
    values = {"title": title, "summary": doc.description, "body": _body_html(doc.body),
              "author": doc.author, "category": (doc.categories or [None])[0], "attachments": [], "images": []}
    sources = {"title": "auto:title", "summary": "auto:trafilatura", "body": "auto:trafilatura",
               "author": "auto:trafilatura", "category": "auto:trafilatura"}
    if doc.date:
        values["date"], sources["date"] = doc.date, "auto:htmldate"
    _vietnamese_fallbacks(page, {**values, **known}, values, sources)
    values["attachments"] = [h for h in page.xpath("//a/@href")
                             if re.search(r"\.(pdf|docx?|xlsx?|zip|rar)(\?|$)", h, re.I)]
    return {k: v for k, v in values.items() if v not in (None, "")}, sources


# Breadcrumb trails as the legacy platforms and common themes mark them up.
_BREADCRUMBS = ('//*[contains(@class, "breadcrumb") or contains(@id, "BREADCRUMB") or contains(@id, "breadcrumb")'
                ' or contains(@itemtype, "BreadcrumbList") or @aria-label="breadcrumb"]')
_HOME = {"trang chu", "home", "trang chinh"}


def breadcrumb_category(page, title: str | None) -> str | None:
    """The section a page sits in, from its breadcrumb trail (the last link that is neither
    the home page nor the page itself), or from a link marked rel="category"."""
    for trail in page.xpath(_BREADCRUMBS):
        names = [" ".join(" ".join(a.itertext()).split()) for a in trail.iter("a")]
        names = [n for n in names if n and fold(n) not in _HOME and n != title]
        if names:
            return names[-1]
    tagged = page.xpath('//a[contains(concat(" ", normalize-space(@rel), " "), " category ")]')  # WordPress
    return " ".join(" ".join(tagged[0].itertext()).split()) or None if tagged else None


def _vietnamese_fallbacks(page, have: dict, values: dict, sources: dict) -> None:
    """Bylines, day-first dates and breadcrumb sections as Vietnamese pages write them, where
    neither trafilatura nor the page's metadata (`have`) found any."""
    if not have.get("category"):
        category = breadcrumb_category(page, have.get("title"))
        if category:
            values["category"], sources["category"] = category, "auto:breadcrumb"
    if have.get("author") and have.get("date"):
        return
    text_blocks = [" ".join(t.split()) for t in page.xpath("//body//text()") if t.strip()]
    if not have.get("author"):
        for block in reversed(text_blocks[-80:]):
            match = _BYLINE.match(block)
            if match and len(match[2].split()) <= 10:
                values["author"], sources["author"] = block, "auto:byline"
                break
    if not have.get("date"):
        for block in text_blocks[:400]:
            if len(block) < 80 and parse_date(block):
                values["date"], sources["date"] = block, "auto:visible-date"
                break
