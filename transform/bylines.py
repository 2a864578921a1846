"""Vietnamese bylines: the writer's name on its own short line at the end of the article, bold
or right-aligned (`Phạm Linh`, `Lê Phương`, `Nguyên Lý (TTXVN)`), and the labels that are not
authors: the CMS account that posted the item (`admin admin`, `Pho Ban bien tap`, `Ban biên
tập`, `Quản trị viên`)."""
from __future__ import annotations

import re

import lxml.html
from lxml import etree

from .taxonomy import fold

# Accounts and desks, folded: a byline that is one of these (or says "ban bien tap") is the CMS's
# label for whoever posted the item, not the article's author.
_ACCOUNT = re.compile(r"^(?:admin(?:istrator)?(?: admin)?|quan tri(?: vien| he thong)?|webmaster|editor|btv|"
                      r"nguoi quan tri|bien tap vien|(?:pho |truong )?ban bien tap.*|.*\bban bien tap\b.*|"
                      r"(?:cong|trang) thong tin dien tu.*|super ?admin|root|user\d*)$")
_BLOCKS = ("p", "div", "h4", "h5", "h6", "td")
_LONG = 80            # characters: a paragraph of the article's text
_NAME_WORD = re.compile(r"^[A-ZÀ-ỸĐ][\wÀ-ỹ]*\.?$")
_LABELS = {"theo", "nguon", "anh", "tac", "nguoi", "bai", "video", "clip", "do", "thuc", "trinh", "by"}
_OFFICE = re.compile(r"^(?:kt|tm|tl|tuq|q|ktl)?\s*(?:pho )?(?:chu tich|giam doc|truong phong|truong ban|thu truong|"
                     r"bo truong|chanh van phong|chanh an|vien truong|hieu truong|bi thu|uy vien|thu ky|noi nhan)\b")
# First words of a paper's or an office's name (`Báo Nhân Dân`, `Cổng TTĐT`, `Sở Y tế`), never of a writer's.
_ORGANISATION = {"bao", "tap", "cong", "trang", "dai", "kenh", "thong", "so", "bo", "ubnd", "cuc", "tong", "vien",
                 "ban", "phong", "hoi", "uy", "website", "ttxvn"}
_BRACKETS = re.compile(r"\s*[(\[][^)\]]{1,60}[)\]]\s*$")


_GLUED_UNIT = re.compile(r"^(.*[a-zà-ỹđ])([A-ZĐ]{2,10})$")


def unglued(name: str) -> tuple[str, str | None]:
    """(name, unit) from a byline whose elements a CMS glued together without a space when it
    wrote its metadata: `Nguyên LýTTXVN` (shown as `<strong>Nguyên Lý</strong> (TTXVN)`) gives
    (`Nguyên Lý`, `TTXVN`); any other name comes back whole, with no unit. A lower-case letter
    followed by a capital inside a word ends a Vietnamese name: its words are written apart."""
    match = _GLUED_UNIT.match(name.strip())
    return (match[1].strip(), match[2]) if match else (name, None)


def is_account_label(text: str | None) -> bool:
    """Whether a byline is a CMS account or desk label rather than a writer."""
    return bool(text) and bool(_ACCOUNT.match(fold(text)))


def _emphasised(element) -> bool:
    style = (element.get("style") or "").replace(" ", "").lower()
    if "text-align:right" in style or (element.get("align") or "").lower() == "right":
        return True
    text = _BRACKETS.sub("", " ".join(element.text_content().split()))
    bold = _BRACKETS.sub("", " ".join(" ".join(" ".join(b.itertext()) for b in element.iter("strong", "b")).split()))
    return bool(text) and bold == text  # the name in bold, a unit in brackets after it or not


def _name(text: str) -> str | None:
    """The name in a byline line: 2 to 5 capitalised words, a unit in brackets allowed after it."""
    name = _BRACKETS.sub("", text).strip(" .,-–")
    words = name.split()
    if words and fold(words[0]) in _LABELS:
        return None  # `Theo …`, `Nguồn: …`, `Ảnh: …`: a label's line, read with its label
    if _OFFICE.match(fold(name)):
        return None  # the signer's office under a document (`CHỦ TỊCH QUỐC HỘI`, `KT. GIÁM ĐỐC`)
    if not 2 <= len(words) <= 5 or len(name) > 40 or any(c.isdigit() for c in name):
        return None
    if not all(_NAME_WORD.match(w) for w in words):
        return None
    return name


def byline_at_end(body_html: str | None) -> str | None:
    """The writer's name from the first short bold or right-aligned line after the article's last
    paragraph of text; None when there is none (a CMS account label is never one)."""
    if not body_html:
        return None
    try:
        root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    except (etree.ParserError, ValueError):
        return None
    lines = [e for e in root.iter(*_BLOCKS)
             if not any(isinstance(c.tag, str) and c.tag in _BLOCKS for c in e)]
    last_long = max((i for i, e in enumerate(lines) if len(" ".join(e.text_content().split())) >= _LONG), default=None)
    if last_long is None:
        return None
    for element in lines[last_long + 1: last_long + 5]:
        text = " ".join(element.text_content().split())
        if not text:
            continue
        name = _name(text)
        if name and _emphasised(element) and not is_account_label(name):
            return name
        name = _reposted_by(text)
        if name and not is_account_label(name):
            return name
    return None


def _reposted_by(text: str) -> str | None:
    """The writer of a re-posted article on its own line, `Theo Thanh Xuân` (the paper it came
    from on the next line, or in brackets): the label marks it, bold or not; None for `Theo
    VnEconomy` (one word, a paper) or `Theo báo cáo của …` (a sentence)."""
    first, _, rest = text.partition(" ")
    if fold(first) != "theo" or fold(rest).split(" ")[0] in _ORGANISATION:
        return None
    return _name(rest)
