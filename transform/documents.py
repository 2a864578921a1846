"""Legal-document metadata (văn bản) from the property tables and labels unit sites use:
`Số ký hiệu`, `Ngày ban hành`, `Cơ quan ban hành`, `Người ký`, `Trích yếu`... Labels are
compared without diacritics and case, so `SỐ KÝ HIỆU:` and `So ky hieu` both match."""
from __future__ import annotations

import re

from lxml import etree

from .dates import parse_date
from .extract import parse_page
from .schema import DocumentInfo
from .taxonomy import fold

# The English labels are the same module's on a portal's English pages (Liferay's legal-document
# portlet at sotttt.hanoi.gov.vn/en/: `Legislation code`, `Issuing date`, `Agencies issued`).
LABELS = {
    "number": ["so ky hieu", "so hieu", "ky hieu", "so van ban", "so ky hieu van ban", "so hieu van ban", "so an le",
               "legislation code", "document number", "document no"],
    "type": ["loai van ban", "hinh thuc van ban", "hinh thuc", "the loai", "loai", "legislation type", "document type",
             "type of document"],
    "issuer": ["co quan ban hanh", "noi ban hanh", "don vi ban hanh", "co quan", "cap ban hanh", "agencies issued",
               "issuing agency", "issuing body", "issued by"],
    "signer": ["nguoi ky", "nguoi ky duyet", "ky boi", "signer", "signed by"],
    "issued": ["ngay ban hanh", "ngay ky", "ban hanh ngay", "ngay thong qua", "issuing date", "date of issue", "issued date"],
    "effective": ["ngay hieu luc", "ngay co hieu luc", "hieu luc tu ngay", "ngay ap dung", "ngay bat dau hieu luc",
                  "effective date"],
    "expiry": ["ngay het hieu luc", "het hieu luc ngay", "ngay het han", "expiry date"],
    "status": ["tinh trang", "tinh trang hieu luc", "trang thai", "hieu luc"],
    "abstract": ["trich yeu", "trich yeu noi dung", "noi dung", "subject"],
    "field": ["linh vuc", "nganh", "linh vuc van ban"],
}


def label_index(extra: dict | None = None) -> dict[str, str]:
    """folded label -> field. `ky` and `ki` are both written (Số ký hiệu, Số kí hiệu); an
    agency's own labels (`document_labels:` in its file) are added."""
    index = {}
    for name, labels in LABELS.items():
        for label in [*labels, *((extra or {}).get(name) or ())]:
            folded = fold(label).rstrip(": ")
            index[folded] = name
            index[re.sub(r"\bky\b", "ki", folded)] = name
    return index


_BY_LABEL = label_index()
_NO_NUMBER = {"khong so", "khong", "chua co", "-"}
DATE_FIELDS = ("issued", "effective", "expiry")
NUMBER = re.compile(r"\b\d{1,5}/(?:\d{4}/)?[A-ZĐ]{1,6}(?:-[A-ZĐ0-9]{1,10}){1,3}\b")


_CELLS = etree.XPath("descendant::*[self::th or self::td]")
_TEXT = etree.XPath("descendant-or-self::text()", smart_strings=False)
_NEXT_DD = etree.XPath("following-sibling::dd[1]")
_LINES = etree.XPath('//li|//p|//div[contains(concat(" ", normalize-space(@class), " "), " row ")'
                     '          or contains(concat(" ", normalize-space(@class), " "), " item ")]')


def _text(node) -> str:
    return " ".join(" ".join(_TEXT(node)).split())


def _pairs(root):
    """(label, value) from two-cell table rows, definition lists and `Label: value` lines."""
    for row in root.iter("tr"):
        cells = [_text(c) for c in _CELLS(row)]
        if len(cells) < 2:
            continue
        # One label over several cells: "Cơ quan ban hành/ Chức danh / Người ký" | A | B | C.
        parts = [p.strip() for p in cells[0].split("/")]
        if len(parts) > 1 and len(parts) == len(cells) - 1:
            yield from zip(parts, cells[1:])
            continue
        # Label | value | label | value (four-column property tables).
        for i in range(0, len(cells) - 1, 2):
            yield cells[i], cells[i + 1]
    for term in root.iter("dt"):
        value = _NEXT_DD(term)
        if value:
            yield _text(term), _text(value[0])
    for line in _LINES(root):
        text = _text(line)
        if ":" in text and len(text) < 400:
            label, value = text.split(":", 1)
            yield label, value


def extract_document(page, title: str | None = None, labels: dict | None = None) -> tuple[DocumentInfo | None, list[str]]:
    """(DocumentInfo or None, warnings). None when the page shows no document metadata.
    `page` is HTML text or a tree from extract.parse_page; `labels`: an index from label_index."""
    root = parse_page(page) if isinstance(page, str) else page
    labels = labels or _BY_LABEL
    found: dict[str, str] = {}
    precedent = False
    for label, value in _pairs(root):
        name = labels.get(fold(label).rstrip(": "))
        if name and value.strip() and name not in found:
            found[name] = value.strip()
            precedent = precedent or fold(label).rstrip(": ") == "so an le"
    if precedent:
        # A court precedent: the Supreme People's Court's Council of Judges adopts every one
        # (Resolution 04/2019/NQ-HĐTP), whatever the page leaves unsaid.
        found.setdefault("type", "Án lệ")
        found.setdefault("issuer", "Tòa án nhân dân tối cao")
    warnings = []
    if fold(found.get("number", "")) in _NO_NUMBER:
        del found["number"]  # "Không số": the document has none
    for name in DATE_FIELDS:
        if name in found:
            parsed = parse_date(found[name])
            if parsed is None:
                warnings.append(f"document {name} date {found[name]!r} not understood; left empty")
                del found[name]
            else:
                found[name] = parsed.date().isoformat()
    if "number" not in found and title:
        match = NUMBER.search(title)
        if match:
            found["number"] = match.group(0)
    if not found:
        return None, []
    return DocumentInfo(**found), warnings


_PUBLISHED = {"ngay cong bo", "ngay dang", "ngay dang tin", "ngay xuat ban"}


def published_by_label(page) -> str | None:
    """The day the page says the document was made public (`Ngày công bố: 24/02/2023`), as its
    property table labels it; None when it has no such row. (`Ngày đăng công báo`, the day the
    Official Gazette printed it, is not the page's date.)"""
    root = parse_page(page) if isinstance(page, str) else page
    for label, value in _pairs(root):
        if fold(label).rstrip(": ") in _PUBLISHED and value.strip():
            return value.strip()
    return None


# A legal document named by a page's title: `Công văn số 793/STTTT-BCVT ngày 16/4/2018 của Sở
# Thông tin và Truyền thông về…`, `Nghị định số 84/2014/NĐ-CP ngày 08/09/2014 của Chính phủ: …`,
# `LUẬT BIÊN GIỚI QUỐC GIA (Ngày 17/6/2003)`.
_TYPES = ("Văn bản hợp nhất", "Nghị quyết", "Nghị định", "Quyết định", "Thông tư liên tịch", "Thông tư", "Chỉ thị",
          "Công văn", "Bộ luật", "Luật", "Hiến pháp", "Pháp lệnh", "Lệnh", "Công điện", "Kế hoạch", "Thông báo",
          "Hướng dẫn")
_LAWS = ("Bộ luật", "Luật", "Hiến pháp", "Pháp lệnh")  # named by their title alone, with no number
_TITLE_TYPE = re.compile(r"^\s*(" + "|".join(_TYPES) + r")\b", re.I)
_TITLE_DATE = re.compile(r"ngày\s+(\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}|\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4})", re.I)
_ISSUER = re.compile(r"\bcủa\s+(.+?)(?:\s*[:(]|\s+(?:về|v/v|hướng dẫn|quy định|ban hành|triển khai|phê duyệt)\b|[.,;]|$)",
                     re.I)


def document_from_title(title: str | None) -> DocumentInfo | None:
    """The document a title names: its type, number, issue date and issuer, parsed from the title;
    None when the title names none (a type word alone, as in `Thông báo tuyển dụng`, is not enough:
    a number, or a law's own name, must be there)."""
    if not title:
        return None
    match = _TITLE_TYPE.match(title)
    if not match:
        return None
    kind = next(t for t in _TYPES if t.casefold() == match[1].casefold())
    number = NUMBER.search(title)
    if not number and kind not in _LAWS:
        return None
    date = _TITLE_DATE.search(title)
    issued = parse_date(date[1]) if date else None
    issuer = _ISSUER.search(title)
    return DocumentInfo(number=number[0] if number else None, type=kind,
                        issuer=full_name(issuer[1].strip()) if issuer else ("Quốc hội" if kind in _LAWS[:3] else None),
                        issued=issued.date().isoformat() if issued else None)


# The ministries by the short names titles and news give them (`Bộ TT&TT`), as the Government's
# decree on their organisation names them.
_SHORT_NAMES = {
    "bo tt tt": "Bộ Thông tin và Truyền thông", "bo gd dt": "Bộ Giáo dục và Đào tạo",
    "bo nn ptnt": "Bộ Nông nghiệp và Phát triển nông thôn", "bo tn mt": "Bộ Tài nguyên và Môi trường",
    "bo kh cn": "Bộ Khoa học và Công nghệ", "bo kh dt": "Bộ Kế hoạch và Đầu tư",
    "bo ld tb xh": "Bộ Lao động - Thương binh và Xã hội", "bo ldtb xh": "Bộ Lao động - Thương binh và Xã hội",
    "bo vh tt dl": "Bộ Văn hóa, Thể thao và Du lịch", "bo vhttdl": "Bộ Văn hóa, Thể thao và Du lịch",
    "bo gtvt": "Bộ Giao thông vận tải", "bo tttt": "Bộ Thông tin và Truyền thông",
}


def full_name(issuer: str) -> str:
    """A ministry's full name for its short one (`Bộ TT&TT`); any other issuer as written."""
    return _SHORT_NAMES.get(fold(issuer), issuer)


# The heading every Vietnamese administrative document carries (Decree 30/2020/NĐ-CP, Appendix I):
# the issuer, `Số: …`, the national motto, `<place>, ngày … tháng … năm …`, then the document's
# type in capitals. A page whose text opens with it is the full text of a document.
_MOTTO = re.compile(r"CỘNG\s+H(?:ÒA|OÀ|OA)\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM\s+Độc\s+lập\s*[-–]\s*Tự\s+do\s*[-–]\s*Hạnh\s+phúc",
                    re.I)
_SO = re.compile(r"\bSố\s*:\s*(\S+)")
_DAY = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)
_HEADING_TYPE = re.compile(r"\b(" + "|".join(t.upper() for t in sorted(_TYPES, key=len, reverse=True)) + r")\b")


def document_from_text(text: str | None) -> DocumentInfo | None:
    """The document whose full text `text` is, from its standard heading (issuer, number, motto,
    place and date, type); None when the text does not open with one."""
    if not text:
        return None
    head = " ".join(text[:3000].split())
    motto = _MOTTO.search(head)
    if not motto or motto.start() > 1200:
        return None
    before, after = head[:motto.start()], head[motto.end():]
    number_match = _SO.search(before) or _SO.search(after[:200])
    number = number_match[1].strip(".,;") if number_match and "/" in number_match[1] else None
    # The issuer: the words in capitals just before `Số:` (what the site shows above it, such as
    # its "Ngày có hiệu lực: …" line, is not part of it).
    words = (before[:number_match.start()] if number_match and number_match.start() < len(before) else before).split()
    run = []
    for word in reversed(words):
        if not (word.isupper() and any(c.isalpha() for c in word)):
            break
        run.insert(0, word)
    issuer = " ".join(run) or None
    day = _DAY.search(after[:300])
    issued = parse_date(f"{day[1]}/{day[2]}/{day[3]}") if day else None
    kind = _HEADING_TYPE.search(after[day.end() if day else 0:][:200])
    type_ = next((t for t in _TYPES if kind and t.upper() == kind[1]), None)
    return DocumentInfo(number=number, type=type_, issuer=issuer, issued=issued.date().isoformat() if issued else None)
