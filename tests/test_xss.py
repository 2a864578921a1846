"""XSS gate: after sanitising, no payload of ../shared/data/xss-vectors can run script.
Checked on the parsed output (lxml's HTML parser), not by string matching on the input; the
browser test in test_browser.py also loads every output in headless Chromium."""
from __future__ import annotations

import re

import lxml.html

from portalize.transform.sanitize import sanitize

from .conftest import SHARED

VECTORS = SHARED / "data" / "xss-vectors"
FORBIDDEN_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "style",
                  "link", "meta", "base", "form", "input", "button", "textarea", "select", "template", "noscript",
                  "video", "audio", "source", "marquee", "xml", "isindex"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "poster", "cite", "longdesc", "lowsrc",
                  "dynsrc", "data", "codebase", "xlink:href"}
SAFE_SCHEMES = re.compile(r"^(https?:|mailto:|tel:|[^:]*$)", re.I)
# A pasted raster image may stay inline as an image's source (it cannot run script there).
RASTER_DATA = re.compile(r"^data:image/(png|jpe?g|gif|webp|bmp);base64,[a-z0-9+/=]*$", re.I)


def payloads() -> list[str]:
    out = []
    for path in sorted(VECTORS.glob("*.txt")):
        if path.name == "SOURCE.txt":
            continue
        out += [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    return out


def problems_in(html: str) -> list[str]:
    if not html.strip():
        return []
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    found = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag.lower() in FORBIDDEN_TAGS:
            found.append(f"<{el.tag}>")
        for name, value in el.attrib.items():
            lower = name.lower()
            if lower.startswith("on") or lower in ("srcdoc", "style"):
                found.append(f"{lower}=")
            if lower in URL_ATTRIBUTES:
                compact = re.sub(r"[\x00-\x20]+", "", value)
                pasted_image = el.tag == "img" and lower == "src" and RASTER_DATA.match(compact)
                if not SAFE_SCHEMES.match(compact) and not pasted_image:
                    found.append(f"{lower}={value[:40]}")
    return found


def test_payload_corpus_is_there():
    assert len(payloads()) > 900


def test_no_payload_survives_sanitising():
    failures = {}
    for payload in payloads():
        for wrapped in (payload, f"<p>Nội dung {payload} tiếp</p>"):
            out = sanitize(wrapped, "http://stnmt.tinhmau.gov.vn/tin-tuc/bai-1")
            bad = problems_in(out)
            if bad:
                failures[payload] = (out, bad)
    assert not failures, f"{len(failures)} payloads survived, e.g. {list(failures.items())[:3]}"


def test_portal_markup_is_kept():
    html = ('<h2>Tiêu đề</h2><p>Xem <a href="/van-ban/1.pdf" title="Tải">văn bản</a></p>'
            '<table><tr><th colspan="2">Bảng</th></tr><tr><td>1</td><td>2</td></tr></table>'
            '<figure><img src="anh.png" alt="Ảnh"><figcaption>Chú thích</figcaption></figure>')
    out = sanitize(html, "http://x.gov.vn/a/b.html")
    root = lxml.html.fragment_fromstring(out, create_parent="div")
    assert root.xpath("//a/@href") == ["http://x.gov.vn/van-ban/1.pdf"]
    assert root.xpath("//img/@src") == ["http://x.gov.vn/a/anh.png"]
    assert root.xpath("//th/@colspan") == ["2"] and root.xpath("//figcaption/text()") == ["Chú thích"]


def test_links_made_absolute_are_scheme_checked_again():
    # nh3 runs its attribute filter after its own scheme check; the filter that joins links
    # to the page URL must not hand back a scheme the allow-list refuses.
    from portalize.transform.sanitize import _link_filter
    absolute = _link_filter("http://x.gov.vn/a/b.html")
    assert absolute("a", "href", " ../c.html ") == "http://x.gov.vn/c.html"
    assert absolute("a", "href", "javascript:alert(1)") is None
    assert absolute("img", "src", "data:image/png;base64,AAAA") == "data:image/png;base64,AAAA"
    assert absolute("a", "href", "data:image/png;base64,AAAA") is None
    assert absolute("img", "src", "data:image/svg+xml;base64,PHN2Zz4=") is None
    assert absolute("img", "src", "data:text/html;base64,PHNjcmlwdD4=") is None
    assert absolute("a", "href", "http://[::1") is None
    assert absolute("a", "title", "javascript:kept as text") == "javascript:kept as text"


def test_body_markdown_never_holds_raw_html_a_renderer_would_pass_through():
    """An escaped `&lt;script&gt;` in a legacy body is text: rendered by a CommonMark renderer
    (markdown-it, html enabled), the Markdown gives no tag and no handler, only text."""
    from markdown_it import MarkdownIt
    from portalize.transform.markdown import to_markdown
    html = ("<p>Xem &lt;script&gt;alert(1)&lt;/script&gt; và &lt;img src=x onerror=alert(2)&gt; "
            "&lt;a href=javascript:alert(3)&gt;x&lt;/a&gt; a &lt; b</p><p><code>a&lt;b</code></p>")
    rendered = MarkdownIt("commonmark", {"html": True}).render(to_markdown(html))
    assert "<script" not in rendered and "<img" not in rendered and "<a href" not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered and "<code>a&lt;b</code>" in rendered
