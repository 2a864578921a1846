"""transform_page: one stored legacy page -> Article or SkippedPage. Pure: every input is an
argument, nothing is read or written, and no exception escapes for bad input."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sys
import unicodedata

from dataclasses import dataclass, field
from email.message import Message
from functools import lru_cache
from html import escape as html_escape, unescape as html_unescape
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html
from lxml import etree

from .auto import _TITLE_SEPARATORS, auto_extract, is_vietnamese, shown_lead
from .bylines import byline_at_end, is_account_label, unglued
from .classify import classify, static_title
from .dates import TZ, date_from_url, is_malformed, parse_date
from .decode import decode_html
from .documents import document_from_text, document_from_title, extract_document, published_by_label
from .embedded import embedded_images, is_data_url
from .encodings import apply_encoding, apply_encoding_html, repair_text
from .extract import TooDeep, extract_fields, parse_page
from .headline_date import date_near_headline
from .hidden import remove_hidden, style_rules
from .markdown import to_markdown
from .metadata import PageMetadata
from .safe_urls import safe_url
from .sanitize import html_text, sanitize
from .schema import Article, Asset, SkippedPage, SpamEvidence
from .spam import QUARANTINED, evidence_text, hidden_evidence, off_topic_spam, page_spam
from .taxonomy import KIND_BY_GROUP, assign_group, fold, loose
from .template import SiteTemplate, block_key, clean_title, strip_boilerplate
from .urls import canonical_url, refusal, uid_for
from .videos import PLAYER, videos_as_links


@dataclass(frozen=True)
class RawPage:
    url: str
    status: int | None
    body: bytes
    content_type: str | None = None
    fetched_at: dt.datetime | None = None  # when the crawler got it: no page is published later
    googlebot: SpamEvidence | None = None  # what a Googlebot User-Agent got and a browser did not (the crawl's check)


@dataclass(frozen=True)
class Mapping:
    """What transform needs of an agency and its platform preset (no fields: automatic mode)."""
    agency: str
    platform: str = "auto"
    version: str = ""
    fields: dict = field(default_factory=dict)
    drop_params: tuple = ()
    group_index: dict = field(default_factory=dict)
    hints: dict = field(default_factory=dict)  # the preset's `classify:` markers (item, page, list)
    item_url_patterns: tuple = ()  # hints for classification, never gates
    home_urls: tuple = ()  # the agency's base URLs: lists by definition
    template: SiteTemplate = field(default_factory=SiteTemplate)  # learned from the site's pages
    document_labels: dict = field(default_factory=dict)  # folded label -> field (documents.label_index)


# "Số ký hiệu", "Ký hiệu", "Số hiệu": found from "hiệu" back (a literal start scans a page
# several times faster than a pattern that starts with a choice).
_HIEU = re.compile(r"[hH][iI][ệeỆE][uU]")  # not re.I, which turns off the literal-prefix search
_BEFORE_HIEU = re.compile(r"(?:s[ốo]|k[ýyíi])\s+(?:k[ýyíi]\s+)?$", re.I)


_PRECEDENT = re.compile(r"án lệ")  # `Số án lệ`, a court precedent's number (literal first: a fast scan)


def _has_document_label(html: str) -> bool:
    """Whether the page labels a document's number: `Số ký hiệu`, `Số hiệu`, `Ký hiệu`, `Số án lệ`,
    written as characters or as character references (`S&#7889; hi&#7879;u`)."""
    if "&#7879;" in html or "&#x1ec7;" in html or "&#x1EC7;" in html:  # `ệ` as a reference: `hi&#7879;u`
        html = html_unescape(html)
    return any(_BEFORE_HIEU.search(html, max(0, m.start() - 64), m.start()) for m in _HIEU.finditer(html)) \
        or any(html[max(0, m.start() - 3):m.start()] in ("Số ", "số ", "SỐ ") for m in _PRECEDENT.finditer(html)) \
        or "Legislation code" in html  # the same module's English pages


_MEDIA_CATEGORIES = {"thu vien anh", "thu vien hinh anh", "thu vien video", "video", "video clip", "album anh",
                     "hinh anh", "phong su anh", "anh hoat dong", "media", "da phuong tien"}


_VIDEO_FRAME = re.compile(rf"<iframe[^>]+src=[\"'][^\"']*(?:{PLAYER.pattern})", re.I)


_PLAYERS = etree.XPath(f'//*[self::video or self::iframe[re:test(@src, "{PLAYER.pattern}", "i")]]'
                       '[not(ancestor::aside or ancestor::nav or ancestor::footer or ancestor::header)]',
                       namespaces={"re": "http://exslt.org/regular-expressions"})


def _is_media(category: str | None, body_html: str, raw_body: str = "") -> bool:
    """A photo or video page: filed under a gallery category, or pictures (three or more) or a
    video with little text."""
    if category and fold(category) in _MEDIA_CATEGORIES:
        return True
    # The video itself may not survive sanitising (an embedded player): counted in the raw body.
    videos = raw_body.count("<video") + len(_VIDEO_FRAME.findall(raw_body))
    return (body_html.count("<img") >= 3 or videos >= 1) and len(html_text(body_html)) < 400


_BYLINE = re.compile(r"^(nguồn tin|nguồn|tác giả bài viết|tác giả|người viết|người đăng|đăng bởi|viết bởi|"
                     r"posted by|written by|bởi|by|theo)(?:\s*:\s*|\s+|$)", re.I)
_SOURCE_LABELS = ("nguồn", "theo")


def _byline(text: str | None) -> tuple[str | None, str | None]:
    """(author, source_name) from a byline such as `Nguồn: Báo X`, `Tác giả bài viết: Y` or
    `Bởi Y`; a bare label gives neither."""
    if not text:
        return None, None
    text = text.strip()
    match = _BYLINE.match(text)
    if not match:
        return (None, None) if text.endswith(":") else (text, None)
    value = text[match.end():].strip(" :") or None
    return (None, value) if match[1].lower().startswith(_SOURCE_LABELS) else (value, None)


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


# Names Windows keeps for devices, whatever the extension (`con.pdf` cannot be saved there).
_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$", re.I)


def safe_filename(name: str, fallback: str = "tep-dinh-kem") -> str:
    """A file name that cannot escape a folder (no `/`, `\\`, `..`, control characters) and
    that Windows can save (no device names such as `con.pdf`), its extension kept, Vietnamese
    kept readable (NFC), at most 150 characters with its extension."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").split("/")[-1]
    name = _UNSAFE.sub("_", name).strip(" ")
    stem, dot, ext = name.rpartition(".")
    ext = ext.strip(" .")
    if not dot or not ext or len(ext) > 10:
        stem, ext = name, ""
    stem = stem.strip(" .")
    while ".." in stem:
        stem = stem.replace("..", ".")
    stem = stem or fallback
    first, _, rest = stem.partition(".")
    if _RESERVED.match(first):
        stem = f"{first}_" + (f".{rest}" if rest else "")
    if not ext:
        return stem[:150]
    return stem[:150 - len(ext) - 1] + "." + ext


_EXTENDED_NAME = re.compile(r"filename\*\s*=\s*([\w-]*)'[^']*'([^;]+)", re.I)


def disposition_filename(value: str | None) -> str:
    """The file name in a Content-Disposition header, or "" (RFC 6266): `filename*=UTF-8''...`
    first, then `filename=` as raw UTF-8 (what NukeViet's and many download scripts send; the
    header arrives here decoded as latin-1), then as latin-1."""
    if not value:
        return ""
    extended = _EXTENDED_NAME.search(value)
    if extended:
        charset, encoded = extended.groups()
        try:
            return unicodedata.normalize("NFC", unquote(encoded.strip('"'), encoding=charset or "utf-8", errors="strict"))
        except (LookupError, UnicodeDecodeError):
            pass
    message = Message()
    message["Content-Disposition"] = value
    name = message.get_filename() or ""
    if name and "filename*" not in value.lower():
        try:
            name = name.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass  # really latin-1, or already text
    return unicodedata.normalize("NFC", name)


def _assets(hrefs, page_url, drop, known: dict) -> list[Asset]:
    hrefs = [h for h in hrefs if safe_url(h) is not None]  # javascript:, file:, ...: never a file
    out, seen = [], set()
    for href in hrefs:
        if is_data_url(href):
            continue  # a pasted image: listed from the sanitised body (_pasted_images)
        url = canonical_url(urljoin(page_url, href), drop)
        if url is None or url in seen:  # None: no http(s) URL a crawl requests
            continue
        seen.add(url)
        info = known.get(url)
        name = safe_filename(unquote(urlsplit(url).path.rstrip("/").split("/")[-1]))
        if info is None:
            out.append(Asset(url=url, filename=name))
            continue
        # The server's Content-Disposition name first (DNN's LinkClick.aspx, download scripts);
        # else the URL's last segment with a dot (Liferay puts a uuid segment after the name).
        parts = [unquote(p) for p in urlsplit(url).path.split("/") if p]
        named = safe_filename(info.filename or next((p for p in reversed(parts) if "." in p), name))
        out.append(Asset(url=url, filename=named, media_type=info.media_type, size=info.size, sha256=info.sha256))
    return out


def _pasted_images(body_html: str, warnings: list) -> list[Asset]:
    """The images pasted into the body as data: URLs, as image files of the article."""
    found = embedded_images(body_html)
    if found:
        warnings.append(f"{len(found)} pasted image(s) inside the body (data: URLs); each is loaded "
                        "to the portal as an image file")
    return [Asset(url=i.key, filename=i.filename, media_type=i.media_type, size=len(i.data), sha256=i.sha256)
            for i in found]


# No Vietnamese government website is older; earlier years are placeholders such as ASP.NET's
# DateTime.MinValue (01/01/0001) or SQL Server's 01/01/1900.
_EARLIEST = dt.datetime(1995, 1, 1, tzinfo=TZ)


def _implausible(value: dt.datetime, fetched_at: dt.datetime | None) -> str | None:
    """Why `value` cannot be a publication date, or None."""
    if value < _EARLIEST:
        return "is before 1995 (a placeholder, not a publication date)"
    if fetched_at is not None:
        fetched = fetched_at if fetched_at.tzinfo else fetched_at.replace(tzinfo=dt.timezone.utc)
        if value > fetched + dt.timedelta(days=1):
            return f"is later than the page was fetched ({fetched.astimezone(TZ).date().isoformat()})"
    return None


def _date_doubt(text: str, source: str, fetched_at) -> str | None:
    """Why the date text from `source` is not trusted, or None."""
    if is_malformed(text):
        return "is malformed"
    value = parse_date(text)
    if value is None:
        return "is not understood"
    doubt = _implausible(value, fetched_at)
    if doubt:
        return doubt
    if fetched_at is not None and source.startswith("auto") and \
            value.date() == (fetched_at if fetched_at.tzinfo else fetched_at.replace(tzinfo=dt.timezone.utc)).astimezone(TZ).date():
        return "is the day the page was fetched (a guess, not a publication date)"
    return None


def _outside_addresses(html: str, form: str) -> bool:
    """Whether the page shows `form` somewhere other than inside an address: the run of text
    before it (back to a space, a quote or a tag) holds no `/` (`/2022-12-24-slug` is a path)."""
    start = html.find(form)
    for _ in range(20):
        if start < 0:
            return False
        before = html[max(0, start - 200):start]
        token = re.split(r"""[\s"'<>()=,;]""", before)[-1]
        if "/" not in token:
            return True
        start = html.find(form, start + 1)
    return False


def _not_shown(text: str, html: str, url: str = "") -> str | None:
    """Why an automatic date guess is not trusted, or None:
    - the day is read only from an address (`/2022/12/24/` in an image's path, a timestamp in
      the page's URL), and the page shows it nowhere else;
    - it is the 1st of a month the page shows nowhere as a whole day (htmldate reads
      `lần thứ 01/2018` as 1 January 2018).
    A day in any other place (text, meta tags, `<time>`, JSON-LD, in any language) is trusted."""
    value = parse_date(text)
    if value is None:
        return None
    y, m, d = value.year, value.month, value.day
    shown = (f"{d:02}/{m:02}/{y}", f"{d}/{m}/{y}", f"{d:02}-{m:02}-{y}", f"{d:02}.{m:02}.{y}", f"{y}-{m:02}-{d:02}",
             f"{d}/{m:02}/{y}", f"{d:02}/{m}/{y}", f"{d}.{m}.{y}")
    if any(form in html and _outside_addresses(html, form) for form in shown) \
            or f"ngày {d} tháng {m} năm {y}" in html.lower():
        return None
    if any(form in html or form in url for form in (f"{y}/{m:02}/{d:02}", f"{y}{m:02}{d:02}", f"{y}-{m:02}-{d:02}",
                                                    f"{y}/{m}/{d}/")):
        return "is read from an address (a file's folder or the page's URL), not shown on the page"
    if d == 1:
        return "is shown nowhere on the page as a whole day (a guess)"
    return None


def _pick(name: str, options, check, warnings: list):
    """The first (value, source) of the fallback chain that passes `check` (which returns the
    cleaned value, or a str reason prefixed with `!` to refuse)."""
    for value, source in options:
        if not value:
            continue
        result = check(value, source)
        if isinstance(result, str) and result.startswith("!"):
            warnings.append(f"{name} {value!r} from {source} {result[1:]}; not used")
            continue
        if result:
            return result, source
    return None, None


def _choose(values: dict, sources: dict, metadata, mapping: Mapping, fetched_at, warnings: list,
            host: str = "") -> tuple[dict, dict]:
    """Every text field through its chain: the mapping's selectors, then the page's metadata
    (then, later, automatic extraction); each value checked before it is trusted."""
    checks = {
        "title": lambda v, s: _title_check(v, s, metadata, mapping.template),
        "date": lambda v, s: ("!" + doubt) if (doubt := _date_doubt(v, s, fetched_at)) else v,
        "category": lambda v, s: None if fold(v) in _HOME_CRUMBS else v.strip(),
        "author": lambda v, s: _author_check(v, metadata, host),
        "summary": lambda v, s: v,
    }
    chosen, chosen_sources = {}, {}
    for name, check in checks.items():
        options = [(values[name], sources.get(name, "mapping"))] if values.get(name) else []
        value, source = _pick(name, options, check, warnings)
        if not value:
            value, source = _pick(name, metadata.candidates(name), check, warnings)
        if value:
            chosen[name], chosen_sources[name] = value, source
    return chosen, chosen_sources


_HOME_CRUMBS = {"trang chu", "home", "trang nhat"}


def _author_check(value: str, metadata, host: str):
    """The byline, unless it is a bare label, the CMS account that posted the item, or the
    publication's own name (VnExpress's JSON-LD names the paper as the author); the name alone
    where the metadata glued it to its unit (`Nguyên LýTTXVN`)."""
    author, source_name = _byline(value)
    if not (author or source_name):
        return None
    if is_account_label(author):
        return "!is the CMS account that posted the item, not its author"
    # The site as its <title> names it after the headline (`Cổng Dịch vụ công Quốc gia - Trung
    # tâm dữ liệu quốc gia, Bộ Công an`): the operator's name, in meta author on every page.
    site_parts = _TITLE_SEPARATORS.split(metadata.document_title or "")[1:]
    names = {fold(n).replace(" ", "") for n in (metadata.metas.get("og:site_name"), host, host.split(".")[0],
                                                 *site_parts) if n}
    folded = fold(author or "").replace(" ", "")
    if folded and (folded in names or (len(folded) >= 12 and any(n.startswith(folded) for n in names))):
        return "!is the publication's name, not its author"
    name, unit = unglued(author or "")
    if unit and metadata.shows(name):
        return name  # the metadata glued the name to its unit; the page shows them apart
    return value


def _title_check(value: str, source: str, metadata, template: SiteTemplate):
    """The title cleaned of the site's name; refused (`!why`) when it is a heading the site repeats
    on most of its pages (a portlet or box title, the site's name), or when the page's <title> and
    og:title name another headline the page shows (the preset's selector caught a sidebar's h1)."""
    title = _fallback_title(value, metadata, template)
    if not title or title.startswith("!") or source == "meta:headline":
        return title
    if template.boilerplate and block_key(title) in template.boilerplate:
        return "!repeats on most of the site's pages (a box or portlet title, not a headline)"
    references = " ".join(loose(r) for r in (metadata.metas.get("og:title"), metadata.document_title) if r)
    if loose(title) in references:
        return title  # the <title> or og:title names it (the agreed headline need not be sought)
    agreed = metadata.candidates("title")
    if agreed and loose(agreed[0][0]) != loose(title):
        return f"!is not the headline the page's <title> names ({agreed[0][0]!r})"
    return title


def _fallback_title(value: str, metadata, template: SiteTemplate):
    """A reference title (og:title, <title>) cleaned of the site's name; refused when it names a
    section the page links to above it."""
    title = clean_title(value, template.site_names)
    if title and metadata.names_section(title):
        return "!is the name of a section the page links to above it (or of the site), not a headline"
    return title


def _publication_date(text: str | None, url: str, fetched_at, sources: dict, warnings: list) -> dt.datetime | None:
    """The chosen date, else the URL's; never an impossible one (a warning says why none)."""
    published = parse_date(text)
    if published is not None:
        return published
    from_url = date_from_url(url)
    if from_url is not None and _implausible(from_url, fetched_at) is None:
        sources["date"] = "url"
        warnings.append("publication date taken from the URL")
        return from_url
    warnings.append("no publication date found; left empty")
    return None


_SAMPLE_CHARS = 4000
_TAG = re.compile(r"<[^>]*>")


def _repair_legacy_text(values: dict, warnings: list) -> None:
    """Decide once per page whether its text is in a legacy Vietnamese encoding (TCVN3, VNI,
    Windows-1258, UTF-8 mojibake, NFD), then re-read every text field and the body with it."""
    # The first few thousand characters decide as well as the whole page, at a fraction of the
    # cost; the body's are read with its tags cut out (no parse).
    body_text = html_unescape(_TAG.sub(" ", (values.get("body") or "")[:_SAMPLE_CHARS * 8]))
    sample = " ".join(" ".join(v for v in (values.get("title"), values.get("summary"), body_text) if v).split())
    sample = sample[:_SAMPLE_CHARS]
    repair = repair_text(sample)
    if repair.encoding is None:
        return
    for name in ("title", "summary", "category", "author", "date"):
        values[name] = apply_encoding(values.get(name), repair.encoding)
    values["body"] = apply_encoding_html(values.get("body"), repair.encoding)
    warnings.append(repair.warning)


def transform_page(page: RawPage, mapping: Mapping, assets: dict | None = None) -> Article | SkippedPage:
    url = canonical_url(page.url, mapping.drop_params)
    if url is None:  # stored by an older crawl that did not check its URLs (transform.weburl)
        return SkippedPage(uid_for(mapping.agency, page.url), mapping.agency, page.url,
                           f"URL refused: {refusal(page.url, mapping.drop_params)}")
    uid = uid_for(mapping.agency, url)
    try:
        return _transform(page, url, uid, mapping, assets or {})
    except RecursionError:  # elements nested deeper than a step of the transform can walk
        return SkippedPage(uid, mapping.agency, url, _too_deep(f"more levels than Python's {sys.getrecursionlimit()}-call limit allows"))
    except Exception as exc:  # a page must never stop the batch; it becomes a skipped record
        return SkippedPage(uid, mapping.agency, url, f"could not transform ({type(exc).__name__}: {exc})")


def _too_deep(detail: str) -> str:
    """Why a page nested deeper than the parser or the transform reads is skipped, never emptied."""
    return (f"the page nests its HTML elements too deeply to read ({detail}): its text past that depth "
            "would be lost; open the page in a browser and, if it is an article, enter it on the portal "
            "by hand (a broken or hostile page)")


@lru_cache(maxsize=64)
def _item_link_re(patterns: tuple) -> re.Pattern | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def _is_page_type(content_type: str | None) -> bool:
    kind = (content_type or "text/html").split(";")[0].strip().lower()
    return kind in ("text/html", "application/xhtml+xml", "text/plain", "")


def _transform(page: RawPage, url: str, uid: str, mapping: Mapping, assets: dict) -> Article | SkippedPage:
    if page.status != 200:
        return SkippedPage(uid, mapping.agency, url, f"legacy server answered HTTP {page.status}")
    if not page.body:
        return SkippedPage(uid, mapping.agency, url, "empty response body")
    if not _is_page_type(page.content_type):
        return SkippedPage(uid, mapping.agency, url, f"not a web page ({page.content_type})")
    html, warnings = decode_html(page.body, page.content_type)
    try:
        tree = parse_page(html)
    except TooDeep as exc:
        return SkippedPage(uid, mapping.agency, url, _too_deep(str(exc)))
    values, sources = extract_fields(tree, mapping.fields) if mapping.fields else ({}, {})
    metadata = PageMetadata(tree, url)  # read field by field, only when the mapping misses one
    site_host = (urlsplit(url).hostname or "").removeprefix("www.")  # the publication's name, for bylines
    chosen, chosen_sources = _choose(values, sources, metadata, mapping, page.fetched_at, warnings,
                                     site_host)
    signals = metadata.signals
    item_link = _item_link_re(mapping.item_url_patterns)
    item_url = bool(item_link and item_link.search(url))
    decision = classify(tree, url, mapping.hints, signals, dated="date" in chosen, item_url=item_url,
                        home_urls=mapping.home_urls, item_link=item_link,
                        trusted=bool(mapping.fields) and mapping.platform not in ("generic", "auto"),
                        mapped=(bool(values.get("body")) + bool(values.get("body") and values.get("title"))))
    if decision.kind in ("list", "other"):
        missing = [f for f in ("title", "body") if not values.get(f)]
        missed = "" if not (item_url and mapping.fields and missing) else (
            "; the URL matches the preset's item pattern, but " + " and ".join(
                f"fields.{f} in mappings/platforms/{mapping.platform}.yml found nothing" for f in missing))
        if decision.kind == "list":
            return SkippedPage(uid, mapping.agency, url, f"a list page: {decision.reason}{missed}", outcome="list")
        return SkippedPage(uid, mapping.agency, url,
                           f"not an article, a document or a static page: {decision.reason}{missed}")
    for name in ("title", "date", "summary", "category", "author"):
        values.pop(name, None)
        sources.pop(name, None)
    values.update(chosen)
    sources.update(chosen_sources)
    method = f"{mapping.platform}@{mapping.version}" if mapping.fields else "auto"
    if not (values.get("title") and values.get("body")):
        found, found_sources = auto_extract(tree, url, known=values, is_section=metadata.names_section)
        if found.get("body") and (found.get("title") or values.get("title")):
            if mapping.fields:
                missing = [f for f in ("title", "body") if not values.get(f)]
                warnings.append(f"the {mapping.platform} mapping and the page's metadata found no "
                                f"{' or '.join(missing)}; automatic extraction used")
                method = f"{method}+auto"
            found["title"] = clean_title(found.get("title"), mapping.template.site_names)
            doubt = found.get("date") and (_date_doubt(found["date"], "auto", page.fetched_at)
                                           or _not_shown(found["date"], html, url))
            if doubt:
                warnings.append(f"date {found['date']!r} from automatic extraction {doubt}; not used")
                found.pop("date")
            author = found.get("author") and _author_check(found["author"], metadata, site_host)
            if found.get("author") and (not author or author.startswith("!")):
                found.pop("author")  # the account, the paper or the site's operator, as the metadata's would be
            elif author:
                found["author"] = author
            for name, value in found.items():
                if not values.get(name) and value:
                    values[name], sources[name] = value, found_sources.get(name, "auto")
    if not values.get("title"):
        values["title"], source = _pick("title", metadata.candidates("title_fallback"),
                                        lambda v, s: _fallback_title(v, metadata, mapping.template), warnings)
        if values["title"]:
            sources["title"] = source
    labelled = _has_document_label(html)  # a property table naming a document's number
    if values.get("title") and (not values.get("date") or sources.get("date", "").startswith("auto")) \
            and not labelled:
        # The date line beside the headline comes before automatic extraction's guesses (on a
        # document's page the property table's dates are read by their labels instead).
        near = date_near_headline(tree, values["title"])
        if near and not _date_doubt(near, "page", page.fetched_at):
            values["date"], sources["date"] = near, "page:near-headline"
    if not values.get("attachments") and values.get("body"):
        values["attachments"] = _file_links(values["body"])
        if values["attachments"]:
            sources["attachments"] = "auto:body-links"
    lead = values.get("summary")
    # The sapo the page shows in its own element, outside the body the selectors found (the
    # whole of it where the summary is the CMS's shortened copy).
    lead_outside = bool(lead and values.get("body") and len(lead) >= 40
                        and loose(lead)[:80] not in loose(html_text(values["body"])[:len(lead) * 3])
                        and (shown := shown_lead(tree, lead)))
    if lead_outside:
        values["summary"] = shown
    quarantine = [page.googlebot] if page.googlebot else []
    if values.get("body"):
        host, hidden_blocks = urlsplit(url).hostname, []
        rules = style_rules(tree.xpath("//style/text()")) if "<style" in html else None
        values["body"], hidden_warnings = remove_hidden(values["body"], host, rules, hidden_blocks)
        warnings.extend(hidden_warnings)
        values["body"], off_topic = off_topic_spam(values["body"], host)
        in_body = hidden_evidence(hidden_blocks, host) + off_topic
        # None in the body: betting links the body's extraction left out (a sidebar, a footer).
        quarantine += in_body or page_spam(tree, host, rules)
        values["body"], removed = strip_boilerplate(values["body"], mapping.template)
        if removed:
            warnings.append(f"{removed} block(s) of the site's template (menus, counters, notices) removed from the body")
    _repair_legacy_text(values, warnings)
    if values.get("author") and sources.get("author", "").startswith("auto") and is_account_label(_byline(values["author"])[0]):
        warnings.append(f"author {values['author']!r} is the CMS account that posted the item, not its author; not used")
        values.pop("author")
    if lead_outside and is_vietnamese(values["summary"]):
        # A Vietnamese sapo is the article's lead: kept at the top of the body, as sites show it.
        values["body"] = f"<p>{html_escape(values['summary'])}</p>{values['body']}"
        sources["body"] = f"{sources.get('body', 'mapping')}+lead"
    where = f"fields.{{}} in mappings/platforms/{mapping.platform}.yml, " if mapping.fields else ""
    if not values.get("title"):
        return SkippedPage(uid, mapping.agency, url, f"no title found (by {where.format('title')}the page's "
                                                     "metadata or automatic extraction)")
    if not values.get("body"):
        return SkippedPage(uid, mapping.agency, url, f"no body found (by {where.format('body')}automatic extraction)")
    if decision.kind != "page" and not decision.marked and static_title(values["title"]):
        decision.kind = "page"  # a unit's introduction, functions, organisation, history...
        decision.reasons.append(f"its title {values['title']!r} names a static page")
    elif decision.kind == "page" and not decision.marked and (parse_date(values.get("date")) or date_from_url(url)):
        decision.kind = "item"  # static pages carry no date
        decision.reasons.append("dated, so not a static page")
    page_kind = decision.kind == "page"
    if page_kind and values.get("date") and sources.get("date", "").startswith(("auto", "page:")):
        # A date found in a static page's text (its history) is no publication date.
        warnings.append(f"date {values['date']!r} found in the text of a static page; not used")
        values.pop("date")
    published = _publication_date(values.get("date"), url, page.fetched_at, sources, warnings) \
        if values.get("date") or not page_kind else None
    group, warning = assign_group(values.get("category") or (values["title"] if page_kind else None),
                                  mapping.group_index)
    if page_kind and group == "other":
        group, warning = "organization", None  # introduction, organisation, leaders, contacts
    if warning:
        warnings.append(warning)
    if sources.get("body", "").startswith("auto") and "<video" not in values["body"] \
            and not _VIDEO_FRAME.search(values["body"]):
        # Automatic extraction keeps text, not players: the page's own video (outside its menus
        # and side columns) is put back at the end of the body, as a link below.
        shown = _PLAYERS(tree)
        if 1 <= len(shown) <= 3:
            values["body"] += "".join(lxml.html.tostring(p, encoding="unicode", with_tail=False) for p in shown)
    body, players = videos_as_links(values["body"])
    if players:
        warnings.append(f"{players} video player(s) kept as links to their videos (the portal embeds them)")
    body_html = sanitize(body, url)
    author, source_name = _byline(values.get("author"))
    kind = "page" if page_kind else KIND_BY_GROUP.get(group, "article")
    if kind == "article" and _is_media(values.get("category"), body_html, values["body"]):
        kind = "media"
    document = None
    if kind == "document" or labelled:
        # A legal document is one by its category, or by a property table naming its number
        # and type, issuer or date (units post decisions under "Thông báo" or "Tin tức" too).
        found, document_warnings = extract_document(tree, values["title"], mapping.document_labels or None)
        # (a document with no number, `Không số`, is one by its type, issuer and issue date)
        if kind == "document" or (found and ((found.number and (found.type or found.issuer or found.issued))
                                             or (found.type and found.issuer and found.issued))):
            kind, document = "document", found
            warnings.extend(document_warnings)
    if document is None and kind in ("article", "media") and not decision.marked:
        # A decree or official letter published as a news page: its title, its lead (the summary
        # or the body's first line) or its full text's standard heading names it.
        text = html_text(body_html)
        named = {where: found for where, found in (
            ("title", document_from_title(values["title"])), ("summary", document_from_title(values.get("summary"))),
            ("lead", document_from_title(" ".join(text[:400].split()))), ("heading", document_from_text(text)))
            if found is not None}
        if named:
            # The first that names it, its gaps filled from the others (the heading of the full
            # text gives the number a law's title leaves out).
            kind, document = "document", next(iter(named.values()))
            for other in list(named.values())[1:]:
                document = dataclasses.replace(document, **{f: getattr(other, f) for f in ("number", "type", "issuer", "issued")
                                                            if getattr(document, f) is None and getattr(other, f)})
            sources["document"] = "document:" + "+".join(named)
    if document is not None:
        if document.issued and published is not None and sources.get("date", "").startswith("auto"):
            published = None  # a guess; the document's own issue date is known
        shown = published_by_label(tree) if published is None and labelled else None
        if shown and parse_date(shown) is not None:
            published, sources["date"] = parse_date(shown), "document:published"  # `Ngày công bố`
        if published is None and document.issued:
            published = parse_date(document.issued)  # a document with no other date: its issue date
            sources["date"] = "document:issued"
        generic = _generic_title(values["title"], mapping.template)
        if generic and document.number:
            values["title"] = " ".join(p for p in (document.type, document.number, document.abstract) if p)
            sources["title"] = "document:type+number+abstract"
            warnings.append(f"generic page title {generic!r} replaced by the document's type, number and abstract")
    if kind != "document" and (not author or sources.get("author", "").startswith(("auto", "meta"))):
        # The writer's name on its own bold or right-aligned line at the end of the text (under a
        # document, the names there are its signers). It comes before a guess, and before the
        # metadata's author when the page shows that one nowhere (`Nguyên LýTTXVN`, glued).
        name = byline_at_end(values["body"])
        if name and (not author or sources.get("author", "").startswith("auto")
                     or loose(author) not in loose(" ".join(tree.find("body").itertext()))):
            author, sources["author"] = name, "body:byline-at-end"
    attachments = [a for a in values.get("attachments", []) if not _points_at_page(a, url)]
    article = Article(
        uid=uid, agency=mapping.agency, kind=kind, group=group,
        legacy_category=values.get("category"), title=values["title"], summary=values.get("summary"),
        body_html=body_html, body_markdown=to_markdown(body_html),
        published_at=published.isoformat() if published else None, updated_at=None,
        author=author, source_name=source_name,
        images=_assets(values.get("images", []), url, mapping.drop_params, assets) + _pasted_images(body_html, warnings),
        attachments=_assets(attachments, url, mapping.drop_params, assets),
        document=document, source_url=url, aliases=[], lang="vi", content_hash="",
        extracted_by=method, field_sources={**sources, "kind": decision.reason}, warnings=warnings,
        quarantine=quarantine)
    if quarantine:
        warnings.append(f"{QUARANTINED}: {evidence_text(quarantine)}")
    article.content_hash = article.compute_hash()
    return article


_GENERIC_TITLES = {"chi tiet van ban", "van ban", "van ban phap luat", "chi tiet", "xem chi tiet", "thong tin van ban",
                   "co so du lieu quoc gia ve van ban phap luat", "he thong van ban", "van ban quy pham phap luat",
                   "van ban phap quy", "van ban chi dao dieu hanh"}


def _generic_title(title: str | None, template: SiteTemplate) -> str | None:
    """The title when it names no document: a page-type label, or a title many pages share."""
    if not title:
        return None
    if fold(title) in _GENERIC_TITLES or title in template.generic_titles:
        return title
    return None


_FILE_HREF = re.compile(r'href="([^"]+\.(?:pdf|docx?|xlsx?|pptx?|odt|ods|zip|rar|7z))(?:[?#][^"]*)?"', re.I)


def _file_links(body_html: str) -> list[str]:
    """Links to files inside the body: the attachments when the mapping names none."""
    return list(dict.fromkeys(html_unescape(m[1]) for m in _FILE_HREF.finditer(body_html)))


def _points_at_page(href: str, page_url: str) -> bool:
    """An attachment link that is only a fragment (NukeViet's `#pdf…` preview toggles) or the
    page itself is no file."""
    href = href.strip()
    if not href or href.startswith("#"):
        return True
    return urljoin(page_url, href).split("#")[0] == page_url.split("#")[0]
