"""Only http(s), mailto and tel URLs anywhere (issue 21, hole 3): one function, safe_url,
decides, and every path that puts a legacy URL on a page uses it: the article's attachments
and images, the body's links (the sanitiser), the Markdown, the fields sent to portals, the
post content of one-body portals, the review page and the portal's pages. Each path is fed
every held-out vector of ../shared/data/xss-vectors; what comes out is read by a WHATWG URL
parser (ada, as Chromium reads it), not by safe_url itself."""
from __future__ import annotations

import datetime as dt
import html
import itertools
import re
from functools import lru_cache

import ada_url
import lxml.html
import pytest

from portalize.loaders.base import item_fields
from portalize.loaders.render import post_content
from portalize.transform.pipeline import Mapping, RawPage, transform_page
from portalize.transform.safe_urls import safe_url
from portalize.transform.schema import Article

from .test_xss import payloads, problems_in

SAFE = {"http:", "https:", "mailto:", "tel:"}
PAGE_URL = "http://stnmt.tinhmau.gov.vn/tin-tuc/hoi-nghi-tong-ket.html"
RASTER_DATA = re.compile(r"data:image/(png|jpe?g|gif|webp|bmp);base64,", re.I)

REFUSED = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "java\nscript:alert(1)",
           "java\rscript:alert(1)", " \x01javascript:alert(1)", "java\x00script:alert(1)", "\u200bjavascript:alert(1)",
           "javascript\u00ad:alert(1)", "&#106;avascript:alert(1)", "&#x6A;avascript:alert(1)",
           "&#0000106;avascript:alert(1)", "&#106avascript:alert(1)", "javascript&colon;alert(1)",
           "&amp;#106;avascript:alert(1)", "jav&#x09;ascript:alert(1)", "jav&Tab;ascript:alert(1)",
           "jav&NewLine;ascript:alert(1)", "\uff4a\uff41\uff56\uff41\uff53\uff43\uff52\uff49\uff50\uff54:alert(1)",
           "vbscript:msgbox(1)", "VBScript:msgbox(1)", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
           "data:image/svg+xml;base64,PHN2Zz4=", "file:///etc/passwd", "livescript:alert(1)", "mocha:alert(1)",
           "javascript:alert(1)//bao-cao.pdf", "jar:http://x/a.jar!/", "ms-its:x.chm::/a.htm", "c:\\windows\\a.exe"]
KEPT = ["http://x.gov.vn/van-ban/a.pdf", "https://x.gov.vn/", "HTTP://X.GOV.VN/A", "mailto:vanthu@x.gov.vn",
        "tel:+842363822222", "/van-ban/quyet-dinh.pdf", "quyet-dinh.pdf", "../a.pdf", "//cdn.x.gov.vn/a.png",
        "?trang=2", "#muc-1", "http://x.gov.vn/?a=1&amp;b=2", "tin-tuc/a:b.html", " http://x.gov.vn/a.pdf "]


def browser_scheme(value: str, image: bool = False) -> str | None:
    """What a browser would follow, read from an attribute's value (entities decoded): its
    scheme, 'data-image' for a raster picture in an image's source, or None (no URL)."""
    if image and RASTER_DATA.match(value.strip()):
        return "data-image"
    try:
        return ada_url.URL(value, PAGE_URL).protocol
    except ValueError:
        return None


def is_safe_for_browsers(value: str, image: bool = False) -> bool:
    """Safe however many times the value is read as HTML (once stored, rendered twice)."""
    readings = [value, html.unescape(value), html.unescape(html.unescape(value))]
    return all(browser_scheme(r, image) in SAFE | {None, "data-image"} for r in readings)


def unsafe_attributes(markup: str) -> list[str]:
    if not markup.strip():
        return []
    root = lxml.html.fragment_fromstring(markup, create_parent="div")
    bad = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href", "background", "poster"):
                if not is_safe_for_browsers(value, image=element.tag == "img" and name == "src"):
                    bad.append(f"<{element.tag} {name}={value[:60]!r}>")
    return bad


def test_safe_url_refuses_every_other_scheme_however_written():
    assert [u for u in REFUSED if safe_url(u) is not None] == []
    assert [u for u in KEPT if safe_url(u) != u.strip()] == []
    assert safe_url("data:image/png;base64,iVBORw0KGgo=", image=True) == "data:image/png;base64,iVBORw0KGgo="
    assert safe_url("data:image/png;base64,iVBORw0KGgo=") is None
    assert safe_url("data:image/svg+xml;base64,PHN2Zz4=", image=True) is None
    assert safe_url(None) is None


# What a reader may drop or decode inside a scheme: controls, spaces, entities of them.
NOISE = ["\t", "\n", "\r", "\x00", "\x01", "\x0b", "\x0c", "\x1f", " ", "\x7f", "\u200b", "\u00ad", "\ufeff",
         "&#9;", "&#x0A;", "&#13;", "&Tab;", "&NewLine;", "&#0;", "&amp;#9;"]


def fuzzed_schemes():
    """`javascript:`, `vbscript:` and `data:` with noise at each place (one and two pieces),
    and in letter-case and entity forms."""
    for scheme in ("javascript", "vbscript", "data"):
        word = scheme + ":"
        for i, noise in itertools.product(range(len(word) + 1), NOISE):
            yield word[:i] + noise + word[i:] + "alert(1)"
        for (i, a), (j, b) in itertools.combinations(itertools.product(range(len(word) + 1), NOISE[:8]), 2):
            if i < j:
                yield word[:i] + a + word[i:j] + b + word[j:] + "alert(1)"
        for k in range(len(word)):
            yield word[:k] + f"&#{ord(word[k])};" + word[k + 1:] + "alert(1)"
            yield word[:k] + f"&#x{ord(word[k]):x};" + word[k + 1:] + "alert(1)"
            yield word[:k] + word[k].upper() + word[k + 1:] + "alert(1)"


def test_safe_url_against_a_browser_reading_fuzzed_schemes():
    """Every fuzzed form either is refused, or is, as Chromium's URL parser reads it (after
    decoding entities once or twice), an http(s)/mailto/tel URL or relative: none slips by."""
    forms = list(dict.fromkeys(fuzzed_schemes()))
    assert len(forms) > 8000
    slipped = [f for f in forms if safe_url(f) is not None and not is_safe_for_browsers(f)]
    assert slipped == []
    # Every form a browser would follow as that scheme is refused.
    live = [f for f in forms if browser_scheme(html.unescape(f)) in ("javascript:", "vbscript:", "data:")]
    assert live and all(safe_url(f) is None for f in live)


def vector_page(payload: str) -> str:
    """A legacy article with `payload` as text, as attributes, as Markdown-looking text, as a
    file link and an image, in code, and last as markup (which may swallow what follows)."""
    text, attribute = html.escape(payload, quote=False), html.escape(payload, quote=True)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Hội nghị tổng kết công tác năm 2023</title></head>
<body><article><h1>Hội nghị tổng kết công tác năm 2023</h1><div class="date">Ngày đăng: 12/01/2024 08:30</div>
<div class="content"><p>Sáng ngày 12/01/2024, Sở Tài nguyên và Môi trường tổ chức hội nghị tổng kết công tác năm 2023
và triển khai nhiệm vụ năm 2024, với đại diện lãnh đạo các phòng và đơn vị trực thuộc.</p>
<p>Văn bản: {text}</p>
<p><a href="{attribute}" title="{attribute}">liên kết</a> <img src="{attribute}" alt="{attribute}" title="{attribute}"></p>
<p><a href="{attribute}//bao-cao.pdf">Tải báo cáo</a> <a href="{attribute}">{text}</a></p>
<p>[tải về]({text}) ![ảnh]({text}) &lt;{text}&gt; [x](javascript:alert(1))</p>
<p><code>{text}</code></p><pre>{text}

{text}
# {text}</pre>
<div>{payload}</div>
<p>Hội nghị thống nhất các nhiệm vụ trọng tâm năm 2024 về chuyển đổi số trong quản lý đất đai và môi trường.</p>
</div></article></body></html>"""


@lru_cache(maxsize=1)
def migrated_vectors() -> tuple:
    """(payload, article or skipped page) for every held-out vector, transformed."""
    fetched = dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)
    out = []
    for payload in payloads():
        page = RawPage(PAGE_URL, 200, vector_page(payload).encode("utf-8"), "text/html; charset=utf-8", fetched)
        out.append((payload, transform_page(page, Mapping(agency="stnmt"))))
    return tuple(out)


@pytest.mark.integration
def test_every_vector_transformed_leaves_only_safe_urls():
    """Attachments, images and the body's links, for every vector in each placement."""
    results = migrated_vectors()
    articles = [(p, a) for p, a in results if isinstance(a, Article)]
    assert len(articles) >= 0.95 * len(results), [a.reason for _, a in results if not isinstance(a, Article)][:5]
    bad = {}
    for payload, article in articles:
        files = [a.url for a in article.attachments] + [i.url for i in article.images if not i.url.startswith("embedded:")]
        problems = [u for u in files if not is_safe_for_browsers(u)]
        problems += problems_in(article.body_html) + unsafe_attributes(article.body_html)
        if problems:
            bad[payload] = problems
    assert bad == {}, f"{len(bad)} of {len(articles)} vectors: {list(bad.items())[:3]}"


@pytest.mark.integration
def test_portal_fields_and_post_content_hold_only_safe_urls():
    """item_fields (what every portal is sent) and the post content of one-body portals,
    from every transformed vector, and from staged data holding the vector itself as a file's
    address (staged before this check, or edited in the ledger)."""
    bad = {}
    for payload, article in migrated_vectors():
        if not isinstance(article, Article):
            continue
        data = article.to_dict()
        data["attachments"] = data["attachments"] + [{"url": payload, "filename": "bao-cao.pdf", "sha256": None},
                                                     {"url": f"{payload}//bao-cao.pdf", "filename": "a.pdf"}]
        data["images"] = data["images"] + [{"url": payload, "filename": "anh.png", "sha256": None}]
        fields = item_fields(data)
        problems = [a["url"] for a in fields["attachments"] + fields["images"]
                    if not a["url"].startswith("embedded:") and not is_safe_for_browsers(a["url"])]
        raw = {**fields, "attachments": data["attachments"]}  # the template's own check
        problems += unsafe_attributes(post_content(fields)) + unsafe_attributes(post_content(raw))
        if problems:
            bad[payload] = problems
    assert bad == {}, f"{len(bad)} vectors: {list(bad.items())[:3]}"


@pytest.mark.integration
def test_review_and_portal_pages_link_only_safe_urls(workspace):
    """The plan review page and the portal's item page, given every vector as a file's address
    and as the legacy page's address."""
    from portalize.app.reports import write_plan_html
    from portalize.app.results import PlanEntryView
    from portalize.core.ledger.models import Plan
    from portalize.core.registry import load_registry
    from portalize.loaders.base import ItemWrite
    from portalize.loaders.sql_portal.adapter import SqlPortal
    from portalize.loaders.sql_portal.web import PortalFront

    from .conftest import ROOT

    vectors = payloads()
    registry = load_registry(ROOT / "mappings")
    agency = registry.agencies["stnmt"]
    files = [{"url": p, "filename": f"tep-{n}.pdf", "sha256": None} for n, p in enumerate(vectors)]
    previews = {f"u{n}": {"title": "Bài", "group": "news", "kind": "article", "body_html": "<p>Nội dung</p>",
                          "source_url": p, "files": files[n:n + 1], "document_rows": []} for n, p in enumerate(vectors)}
    entries = [PlanEntryView(uid=uid, action="create", title="Bài", reason=None, diff=[]) for uid in previews]
    plan = Plan(id=1, agency="stnmt", created_at=dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc), status="pending",
                fingerprint="x", summary={"create": len(entries)})
    review = write_plan_html(plan, entries, agency, registry, "Cổng thử", previews=previews).read_text(encoding="utf-8")
    assert review.count('class="preview"') == len(vectors)
    assert unsafe_attributes(review) == []

    url = f"sqlite:///{workspace / 'front.db'}"
    portal = SqlPortal(url)
    subsite = portal.ensure_subsite("stnmt", "Sở", "/web/stnmt")
    category = portal.ensure_category(subsite, "news", "Tin tức")
    portal.write_items(subsite, [ItemWrite(category, f"u{n}", f"bai-{n}", {
        "title": "Bài", "body_html": "<p>Nội dung</p>", "source_url": payload,
        "attachments": [{"url": payload, "filename": "a.pdf", "sha256": "ab" * 32}]}, "d", None)
        for n, payload in enumerate(vectors)])
    portal.close()
    front = PortalFront(url, "https://portal.example", "Cổng thử")
    bad = []
    try:
        for n in range(len(vectors)):
            answer = {}
            body = b"".join(front({"PATH_INFO": f"/web/stnmt/-/bai-{n}"}, lambda s, h: answer.update(status=s)))
            assert answer["status"] == "200 OK"
            bad += unsafe_attributes(body.decode())
    finally:
        front.close()
    assert bad == []
