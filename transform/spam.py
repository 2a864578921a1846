"""Injected SEO spam, the mark of a compromised legacy site: links to betting and casino sites
hidden in a page, shown in a block that is not the article's text, or served only to a search
engine's crawler (cloaking). Each finding is evidence (which block, which links, which words);
an article with evidence is quarantined: planned as a skip until a person forces it. Pure."""
from __future__ import annotations

import json
import re
import unicodedata
from urllib.parse import urlsplit

import lxml.html

from .fragments import inner_html, parse_fragment
from .hidden import block_name as _block_name, why_hidden
from .schema import SpamEvidence

# Betting and casino words, Vietnamese with and without diacritics, and English. Words without
# diacritics only match text written without them: "cả cuộc" or "đánh bại" fold to the same
# letters as "cá cược" and "đánh bài", so text is never folded before matching.
_WORDS = (
    "cá cược", "cá độ", "nhà cái", "nổ hũ", "tài xỉu", "xóc đĩa", "lô đề", "đánh bài", "game bài", "đánh bạc",
    "soi cầu", "bắn cá đổi thưởng", "đá gà trực tuyến",
    "ca cuoc", "ca do bong da", "nha cai", "no hu", "tai xiu", "xoc dia", "lo de", "danh bai", "game bai",
    "danh bac", "soi cau",
    "casino", "slot", "slots", "poker", "baccarat", "bet", "betting", "jackpot", "roulette", "blackjack",
    "sportsbook", "sòng bạc",
)
_VOCABULARY = re.compile(r"(?<![\w])(" + "|".join(sorted((re.escape(w) for w in _WORDS), key=len, reverse=True))
                         + r")(?![\w])", re.I)
# The same words run together in host names and URL paths (nhacai-uytin, 188bet, nohu52).
_HOST_WORDS = re.compile(r"nhacai|cacuoc|nohu|taixiu|xocdia|danhbai|gamebai|casino|poker|baccarat|jackpot|"
                         r"roulette|blackjack|sportsbook|(?:^|[\d.-])(?:bet|slots?)(?:$|[\d.-])")
_LINKS = "link(s)"
QUARANTINED = "quarantined, suspected injected SEO spam"  # the warning's words; the plan's skip reason


def spam_words(text: str) -> list[str]:
    """The betting and casino words in `text`, lower case, once each, in order of appearance."""
    found = [m[1].lower() for m in _VOCABULARY.finditer(unicodedata.normalize("NFC", text or ""))]
    return list(dict.fromkeys(found))


def host_words(url: str) -> list[str]:
    """The betting words run together in a link's host and path (`nhacai-uytin.example`)."""
    parts = urlsplit(url.strip())
    where = f"{parts.hostname or ''}{parts.path}".lower()
    return list(dict.fromkeys(m[0].strip(".-0123456789") or m[0] for m in _HOST_WORDS.finditer(where)))


def _outbound(element, page_host: str | None) -> list[str]:
    """The links of `element` to another host (absolute http(s) links only), once each."""
    out = []
    for href in element.xpath(".//a/@href") if element.tag != "a" else [element.get("href") or ""]:
        href = href.strip()
        host = urlsplit(href).hostname if href.lower().startswith(("http://", "https://", "//")) else None
        if host and host != page_host and href not in out:
            out.append(href)
    return out


# -- hidden blocks ---------------------------------------------------------------------------
LINK_FARM = 3  # outbound links in one hidden block: a link farm, whatever its words


def hidden_evidence(removed, page_host: str | None) -> list[SpamEvidence]:
    """Evidence from the hidden blocks `hidden.remove_hidden` took out of a body (`removed`:
    its HiddenBlock records): a hidden block linking to other hosts with betting words, or
    with LINK_FARM links or more."""
    out = []
    for block in removed:
        if not block.links:
            continue
        words = list(dict.fromkeys(spam_words(block.text) + [w for link in block.links for w in host_words(link)]))
        if words or len(block.links) >= LINK_FARM:
            out.append(SpamEvidence(kind="hidden", block=f"{block.name} hidden by {block.why}", links=block.links[:20],
                                    words=words, detail=f"{len(block.links)} {_LINKS} to other sites in a block "
                                                        "readers do not see"))
    return out


# -- off-topic blocks ------------------------------------------------------------------------
_BLOCKS = {"p", "div", "li", "ul", "ol", "section", "aside", "td", "tr", "table", "footer", "nav", "dl", "dd",
           "blockquote", "center", "font", "h1", "h2", "h3", "h4", "h5", "h6"}


def _text(element) -> str:
    return " ".join(element.text_content().split())


def off_topic_spam(body_html: str, page_host: str | None) -> tuple[str, list[SpamEvidence]]:
    """(body without its injected spam, evidence): links to other hosts whose text or address
    carries betting words, where the block holding them is made of links (not the article's
    text), or where the article's own text never speaks of betting. Visible text that is about
    betting (a news item on a casino licence) is the article, and is left alone."""
    if not body_html or "href" not in body_html:
        return body_html, []
    root = parse_fragment(body_html)
    spam_links = [a for a in root.iter("a") if _is_spam_link(a, page_host)]
    if not spam_links:
        return body_html, []
    # The article's own words: its text without the spam links (read from a second copy).
    copy = parse_fragment(body_html)
    for a in [a for a in copy.iter("a") if _is_spam_link(a, page_host)]:
        a.drop_tree()
    on_topic = bool(spam_words(copy.text_content()))
    blocks: dict = {}
    for a in spam_links:
        block = next((p for p in a.iterancestors() if p.tag in _BLOCKS and p is not root), None)
        if block is not None and _link_share(block) >= 0.5:
            # Climb while the parent is still made of links (a list of them, the div around it).
            while block.getparent() is not None and block.getparent() is not root and _link_share(block.getparent()) >= 0.5:
                block = block.getparent()
            blocks.setdefault(block, []).append(a)
        elif not on_topic:
            blocks.setdefault(a, []).append(a)
    if not blocks:
        return body_html, []
    evidence = []
    for block, anchors in blocks.items():
        links = list(dict.fromkeys(link for a in anchors for link in _outbound(a, page_host)))
        words = list(dict.fromkeys([w for a in anchors for w in spam_words(_text(a))] +
                                   [w for link in links for w in host_words(link)]))
        where = "a link inside the article's text, which never speaks of betting" if block in anchors \
            else f"{_block_name(block)}, a block of links that is not the article's text"
        evidence.append(SpamEvidence(kind="off-topic", block=where, links=links[:20], words=words,
                                     detail=f"{len(links)} {_LINKS} to other sites with betting words; "
                                            "removed from the body"))
    for block in blocks:
        if block.getparent() is not None:
            block.drop_tree()
    return inner_html(root), evidence


def _is_spam_link(a, page_host: str | None) -> bool:
    links = _outbound(a, page_host)
    return bool(links) and bool(spam_words(_text(a)) or host_words(links[0]))


def _link_share(block) -> float:
    """How much of a block's text is the text of its links."""
    total = len(_text(block))
    if not total:
        return 1.0
    return sum(len(_text(a)) for a in block.iter("a")) / total


# -- the whole page ----------------------------------------------------------------------------
_QUICK = re.compile("|".join(re.escape(w) for w in sorted({w.split()[0] for w in _WORDS} | {
    "nhacai", "cacuoc", "nohu", "taixiu", "xocdia", "gamebai", "danhbai"})), re.I)


FARM_HOSTS = 2  # betting sites linked from one visible block outside the article: injected


def page_spam(root, page_host: str | None, rules=None) -> list[SpamEvidence]:
    """Betting links anywhere on the page (`root`, the parsed page, read only): in a hidden
    element, or FARM_HOSTS betting sites or more in a block made of links (a sidebar or footer
    the body extraction left out).
    A betting link inside running text is not counted here (the body's check decides)."""
    if not _QUICK.search(lxml.html.tostring(root, encoding="unicode", method="text") +
                         " ".join(root.xpath("//a/@href"))):
        return []
    blocks: dict = {}
    for a in root.iter("a"):
        if not _is_spam_link(a, page_host):
            continue
        hidden = next(((el, why) for el in (a, *a.iterancestors()) for why in [why_hidden(el, rules)] if why), None)
        if hidden:
            blocks.setdefault(hidden[0], ["hidden", f"{_block_name(hidden[0])} hidden by {hidden[1]}", []])[2].append(a)
            continue
        block = next((p for p in a.iterancestors() if p.tag in _BLOCKS), None)
        if block is None or _link_share(block) < 0.5:
            continue
        while block.getparent() is not None and block.getparent().tag in _BLOCKS and _link_share(block.getparent()) >= 0.5:
            block = block.getparent()
        blocks.setdefault(block, ["off-topic", f"{_block_name(block)}, a block of links outside the article's text",
                                  []])[2].append(a)
    evidence = []
    for kind, where, anchors in blocks.values():
        links = list(dict.fromkeys(link for a in anchors for link in _outbound(a, page_host)))
        if kind == "off-topic" and len({urlsplit(link).hostname for link in links}) < FARM_HOSTS:
            continue  # one betting site in a visible footer is a sponsor or a sister site, not a farm
        words = list(dict.fromkeys([w for a in anchors for w in spam_words(_text(a))] +
                                   [w for link in links for w in host_words(link)]))
        evidence.append(SpamEvidence(kind=kind, block=where, links=links[:20], words=words,
                                     detail=f"{len(links)} {_LINKS} to other sites with betting words elsewhere "
                                            "on the page"))
    return evidence


# -- cloaking --------------------------------------------------------------------------------
GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
GOOGLEBOT_HEADER = "X-Portalize-Googlebot"  # where the crawl keeps the comparison, on the stored page


def _page_view(html: str, page_host: str | None) -> tuple[set[str], list[str]]:
    """(outbound links, betting words) of a whole page as served."""
    try:
        root = lxml.html.document_fromstring(html or "<html></html>")
    except Exception:  # an empty or unreadable answer has neither
        return set(), []
    for bad in root.xpath("//script | //style | //noscript"):
        bad.drop_tree()
    return set(_outbound(root, page_host)), spam_words(root.text_content())


def cloaking_evidence(browser_html: str, googlebot_html: str, page_url: str) -> SpamEvidence | None:
    """The difference between the page as a browser gets it and as Googlebot gets it, when
    Googlebot is given links to other sites or betting words that a browser is not."""
    host = urlsplit(page_url).hostname
    seen_links, seen_words = _page_view(browser_html, host)
    bot_links, bot_words = _page_view(googlebot_html, host)
    new_links = sorted(bot_links - seen_links)
    new_words = [w for w in bot_words if w not in seen_words]
    new_words += [w for link in new_links for w in host_words(link) if w not in new_words and w not in seen_words]
    if not new_links and not new_words:
        return None
    return SpamEvidence(kind="cloaking", block="the page as served to a Googlebot User-Agent", links=new_links[:20],
                        words=new_words, detail=f"a Googlebot User-Agent got {len(new_links)} outbound {_LINKS} and "
                                                f"{len(new_words)} betting word(s) that a browser's User-Agent did not")


def googlebot_record(headers: dict | None) -> SpamEvidence | None:
    """The cloaking evidence the crawl kept on a stored page (GOOGLEBOT_HEADER), if any."""
    value = (headers or {}).get(GOOGLEBOT_HEADER)
    if not value:
        return None
    try:
        data = json.loads(value)
        return SpamEvidence(**{k: data.get(k) for k in ("kind", "block", "links", "words", "detail")})
    except (ValueError, TypeError):
        return None


def evidence_text(evidence: list) -> str:
    """The evidence in one line, for a plan entry's reason and the transform report."""
    parts = []
    for e in evidence:
        e = e if isinstance(e, dict) else vars(e)
        text = e["block"]
        if e.get("links"):
            hosts = list(dict.fromkeys(urlsplit(link).hostname or link for link in e["links"]))
            text += f" links to {', '.join(hosts[:5])}" + (f" (+{len(hosts) - 5})" if len(hosts) > 5 else "")
        if e.get("words"):
            text += f" with words {', '.join(repr(w) for w in e['words'][:6])}"
        parts.append(text)
    return "; ".join(parts)
