"""The publication date a page shows beside its headline: the first date line among the few
lines just after the headline (`Ngày đăng 08/08/2017 | 11:10`, `(Thứ hai, 19/04/2021 15:17)`),
else just before it (VnExpress puts `Thứ tư, 22/10/2025, 19:25` above its h1). Never a date from
a box of other stories (`Tin khác`, `Tin đã đưa`, `Tin liên quan`), a sidebar or a footer, and
none when no date line is near: an empty date is better than a wrong one."""
from __future__ import annotations

import re

from .dates import parse_date
from .taxonomy import fold, loose

_AFTER, _BEFORE = 25, 8   # lines looked at after the headline, and before it
_LINE = 120               # a date line is short; a sentence that mentions a date is not one
_SKIP = {"script", "style", "noscript", "option", "select", "nav", "footer", "aside", "a"}
# Boxes of other stories and page furniture, by their class or id (English and Vietnamese).
_BOX = re.compile(r"related|other|more|sidebar|widget|footer|lien-?quan|tin-?khac|khac|cung-?chuyen-?muc|"
                  r"da-?dua|xem-?them|menu|banner", re.I)
_BOX_HEADING = re.compile(r"^(tin khác|các tin khác|tin đã đưa|tin liên quan|bài liên quan|tin cùng chuyên mục|"
                          r"xem thêm|other news|related)\b", re.I)


def _lines(body):
    """(text, element) of every visible text node of the body, in reading order."""
    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in _SKIP:
            continue
        if element.text and element.text.strip():
            yield " ".join(element.text.split()), element
        for child in element:
            if child.tail and child.tail.strip():
                yield " ".join(child.tail.split()), element


def _in_box(element) -> bool:
    for node in (element, *element.iterancestors()):
        if node.tag in ("body", "html"):
            break  # their classes describe the whole page (Liferay's `has-control-menu`)
        if node.tag in _SKIP:
            return True
        marks = f"{node.get('class') or ''} {node.get('id') or ''}"
        if marks.strip() and _BOX.search(marks):
            return True
    return False


def date_near_headline(root, title: str | None) -> str | None:
    """The date line nearest after (else before) the element showing `title`, or None."""
    body = root.find("body")
    if body is None or not title:
        return None
    want = loose(title)
    lines = [(text, element) for text, element in _lines(body) if not _in_skip(element)]
    # The headline's element: its own first line starts the title (checked first, so that a long
    # container's whole text is read only when it may be the headline: linear in the page).
    at = next((i for i, (text, element) in enumerate(lines)
               if want.startswith(loose(text)) and loose(" ".join(element.itertext())) == want), None)
    if at is None:
        return None
    after = lines[at + 1: at + 1 + _AFTER]
    label = ""
    for text, element in after:
        if _BOX_HEADING.match(text):
            break  # the box of other stories starts: its dates are theirs
        if _is_date_line(text) and not _in_box(element) and not (label.endswith(":") and _OTHER_DATE.search(fold(label))):
            return text
        label = text  # a label on its own line (`Ngày có hiệu lực:`) names the date after it
    for text, element in reversed(lines[max(0, at - _BEFORE): at]):
        if _is_date_line(text) and not _in_box(element):
            return text
    return None


_NOT_WORDS = re.compile(r"[\d\W_]+")


def _is_date_line(text: str) -> bool:
    """A line that shows a date, perhaps with a label, a weekday, a time or a view count; not a
    sentence that mentions one (`Ngày 18/11/1996, Sở được thành lập theo quyết định…`)."""
    if len(text) > _LINE or not parse_date(text) or _OTHER_DATE.search(fold(text)):
        return False
    return len(_NOT_WORDS.sub(" ", text).split()) <= 8


# Dates of something else than the page's publication: a document's entry into force or expiry.
_OTHER_DATE = re.compile(r"hieu luc|het han|ap dung|ngay ky|ban hanh|thong qua|effective|expir")


def _in_skip(element) -> bool:
    return any(node.tag in _SKIP for node in element.iterancestors())
