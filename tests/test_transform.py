"""Golden extracted articles for every sample article page, plus the skip and safety paths.
Set PORTALIZE_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate change (then
read the diff before committing)."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import lxml.html
import pytest

from portalize.core.registry import load_registry
from portalize.samples.server import files_of, sample_png
from portalize.app.transform import mapping_for
from portalize.transform.pipeline import Mapping, RawPage, disposition_filename, transform_page
from portalize.transform.schema import Article, Asset, SkippedPage
from portalize.transform.urls import canonical_url

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"
REGISTRY = load_registry(ROOT / "mappings")
AGENCY_BY_HOST = {a.hosts[0]: a for a in REGISTRY.agencies.values()}


def article_paths(sites):
    for host, site in sites.sites.items():
        for cat in site["categories"]:
            for a in cat["articles"]:
                yield host, sites.styles[host].article_url(a), a


def known_assets(sites) -> dict:
    """The files of the sample sites as the crawl stores them: by canonical URL, with facts."""
    known = {}
    for host, style in sites.styles.items():
        drop = AGENCY_BY_HOST[host].platform.discovery.get("drop_params") or ()
        for cat in sites.sites[host]["categories"]:
            for a in cat["articles"]:
                for name in files_of(a):
                    link = style.asset_url(a, name)
                    reply = sites.assets[(host, sites._key(style, link))]
                    url = canonical_url(f"http://{host}{link}", drop)
                    known[url] = Asset(url=url, filename=disposition_filename(reply.headers.get("Content-Disposition")),
                                       media_type=reply.content_type, size=len(reply.body),
                                       sha256=hashlib.sha256(reply.body).hexdigest())
    return known


def transform(sites, host, path):
    reply = sites.route(host, path)
    agency = AGENCY_BY_HOST[host]
    page = RawPage(f"http://{host}{path}", reply.status, reply.body, reply.content_type)
    return transform_page(page, mapping_for(REGISTRY, agency), known_assets(sites))


def check_golden(got: dict, golden: Path) -> None:
    """The article equals its golden JSON, and its Markdown the golden .md beside it."""
    markdown = golden.with_suffix(".md")
    if os.environ.get("PORTALIZE_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(got, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        markdown.write_text(got["body_markdown"], encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8")), f"{golden} differs"
    assert got["body_markdown"] == markdown.read_text(encoding="utf-8")


def test_golden_articles_of_the_custom_aspnet_fixture():
    """The seventh family (custom ASP.NET WebForms) lives in the postback fixture site."""
    from .sites.aspnet_postback import HOST, article, article_path
    mapping = mapping_for(REGISTRY, REGISTRY.agency("stnmt"))
    platform = REGISTRY.platforms["aspnet"]
    mapping = type(mapping)(agency="so-tu-phap", platform="aspnet", version=platform.version,
                            fields=platform.fields, group_index=mapping.group_index)
    for n in (0, 17):
        page = RawPage(f"http://{HOST}{article_path(n)}", 200, article(n).encode(), "text/html; charset=utf-8")
        got = transform_page(page, mapping).to_dict()
        check_golden(got, GOLDEN / "so-tu-phap" / f"van-ban-huong-dan-so-{n}.json")
        assert got["title"] == f"Văn bản hướng dẫn số {n}" and got["published_at"] == "2023-05-15T08:00:00+07:00"
        assert got["extracted_by"].startswith("aspnet@")
        assert got["warnings"] == ["no legacy category found; assigned to group 'other'"]  # the fixture has none


def test_golden_articles(sample_sites):
    cases = list(article_paths(sample_sites))
    assert len(cases) == 35  # every article of the six platform families
    for host, path, source in cases:
        article = transform(sample_sites, host, path)
        assert isinstance(article, Article), article
        got = article.to_dict()
        check_golden(got, GOLDEN / AGENCY_BY_HOST[host].code / (source["slug"] + ".json"))
        # The golden files agree with the sample site's own data, not only with earlier output.
        assert got["title"] == source["title"]
        assert got["summary"] == source["summary"]
        for paragraph in source["body"]:
            assert paragraph in got["body_markdown"].replace("\\", "")
        assert got["published_at"], f"{path}: no date from {source['date']!r}"
        assert got["legacy_category"] == source["category"]["name"]
        if source.get("author"):
            assert got["author"] or got["source_name"], path
        files = [f["filename"] for f in got["attachments"]]
        assert files == ([source["attachment"]] if source.get("attachment") else []), path
        assert all(f["sha256"] for f in got["attachments"] + got["images"]), path
        pasted = [i for i in got["images"] if i["url"].startswith("embedded:")]
        assert len(got["images"]) - len(pasted) == len(files_of(source)) - len(files), path
        if source.get("pasted_image"):  # a picture pasted into the editor (a data: URL)
            assert [i["sha256"] for i in pasted] == [hashlib.sha256(sample_png(source["pasted_image"])).hexdigest()]
        else:
            assert not pasted, path
        if source.get("document"):
            assert got["kind"] == "document" and got["document"]["number"] == source["document"]["Số ký hiệu"]


def test_legacy_encoding_page_reads_as_unicode(sample_sites):
    article = transform(sample_sites, "hoaxuan.tinhmau.gov.vn", "/vi/news/tin-tuc-su-kien/ky-niem-ngay-thanh-lap-xa-103.html")
    assert article.title == "Kỷ niệm 30 năm ngày thành lập xã Hòa Xuân"
    assert "long trọng tổ chức lễ kỷ niệm" in article.body_markdown
    assert any("windows-1258" in w or "cp1258" in w for w in article.warnings)


def test_attachment_and_image_carry_file_facts(sample_sites):
    article = transform(sample_sites, "stnmt.tinhmau.gov.vn",
                        "/-/asset_publisher/Xy7kPq2mN4aB/content/quyet-dinh-ban-hanh-bang-gia-dat")
    [pdf] = article.attachments
    assert pdf.filename == "quyet-dinh-so-55-2019-qd-ubnd.pdf" and pdf.media_type == "application/pdf"
    assert pdf.size > 100 and len(pdf.sha256) == 64
    assert article.group == "legal-docs" and article.kind == "document"


def test_http_error_page_becomes_skipped_record(sample_sites):
    result = transform(sample_sites, "stnmt.tinhmau.gov.vn", "/-/asset_publisher/Xy7kPq2mN4aB/content/khong-ton-tai")
    assert isinstance(result, SkippedPage)
    assert result.reason == "legacy server answered HTTP 404"


def test_page_without_title_is_skipped_with_the_selector_to_fix():
    agency = REGISTRY.agency("stnmt")
    page = RawPage("http://stnmt.tinhmau.gov.vn/-/x", 200, b"<html><body><p>no markup we know</p></body></html>",
                   "text/html; charset=utf-8")
    result = transform_page(page, mapping_for(REGISTRY, agency), {})
    assert isinstance(result, SkippedPage)
    assert "fields.title in mappings/platforms/liferay.yml" in result.reason


def test_unknown_category_goes_to_other_with_a_warning(sample_sites):
    reply = sample_sites.route("stnmt.tinhmau.gov.vn", "/-/asset_publisher/Xy7kPq2mN4aB/content/ra-quan-lam-sach-bo-bien")
    body = reply.body.replace("Tin hoạt động</a></li></ul>".encode(), "Chuyên mục lạ</a></li></ul>".encode())
    page = RawPage("http://stnmt.tinhmau.gov.vn/-/a", 200, body, reply.content_type)
    article = transform_page(page, mapping_for(REGISTRY, REGISTRY.agency("stnmt")), {})
    assert article.group == "other"
    assert any("Chuyên mục lạ" in w for w in article.warnings)


def test_scripts_and_handlers_never_survive(sample_sites):
    hostile = ('<html><body><h1 class="header-title">Tiêu đề</h1><div class="journal-content-article">'
               '<p onclick="steal()">Nội dung <a href="javascript:alert(1)">xem</a></p>'
               '<script>alert(1)</script><img src="x.png" onerror="alert(2)"><iframe src="http://evil"></iframe>'
               '<svg><script>alert(3)</script></svg></div></body></html>')
    page = RawPage("http://stnmt.tinhmau.gov.vn/-/b", 200, hostile.encode(), "text/html; charset=utf-8")
    article = transform_page(page, mapping_for(REGISTRY, REGISTRY.agency("stnmt")), {})
    tree = lxml.html.fragment_fromstring(article.body_html, create_parent="div")
    assert not tree.xpath("//script|//iframe|//svg")
    assert not [a for el in tree.iter() if isinstance(el.tag, str) for a in el.attrib if a.startswith("on")]
    assert not [h for h in tree.xpath("//@href|//@src") if h.strip().lower().startswith("javascript:")]
    assert tree.xpath("//img/@src") == ["http://stnmt.tinhmau.gov.vn/-/x.png"]


def test_transform_is_deterministic(sample_sites):
    host, path, _ = next(article_paths(sample_sites))
    assert transform(sample_sites, host, path).content_hash == transform(sample_sites, host, path).content_hash


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_page_typed_in_a_legacy_font_is_repaired(sample_sites, encoding):
    from portalize.transform.encodings import _to_cp1252_bytes

    from .test_encodings import _encode_with_table
    path = "/-/asset_publisher/Xy7kPq2mN4aB/content/hoi-nghi-tong-ket-cong-tac-nam-2022"
    clean = transform(sample_sites, "stnmt.tinhmau.gov.vn", path)
    html = sample_sites.route("stnmt.tinhmau.gov.vn", path).body.decode("utf-8")
    legacy = _encode_with_table(html.replace("charset=UTF-8", "charset=windows-1252"), encoding)
    page = RawPage(f"http://stnmt.tinhmau.gov.vn{path}", 200, _to_cp1252_bytes(legacy), "text/html")
    article = transform_page(page, mapping_for(REGISTRY, REGISTRY.agency("stnmt")), known_assets(sample_sites))
    assert article.title == clean.title and article.summary == clean.summary
    assert article.body_markdown == clean.body_markdown
    assert article.published_at == clean.published_at and article.group == clean.group == "news"
    assert any(w.startswith("repaired ") and ("TCVN3" in w or "VNI" in w) for w in article.warnings)


def test_same_article_under_two_urls_is_one_article_with_an_alias(sample_sites, workspace):
    """Transform over the ledger: the same content stored under two URLs becomes one staged
    article (the shorter URL, the other as its alias) and one skipped record naming it."""
    from portalize.crawlers.items import PageItem
    from portalize.core.ledger import agencies as agency_store, pages as page_store
    from portalize.core.ledger.db import transaction
    from portalize.core.ledger.models import StagedArticle
    from portalize.app.transform import transform_agency
    host, agency = "hoaxuan.tinhmau.gov.vn", REGISTRY.agency("xa-hoaxuan")
    path = "/vi/news/tin-tuc-su-kien/dai-hoi-dai-bieu-mttq-xa-101.html"
    reply = sample_sites.route(host, path)
    other = "/vi/news/thong-bao/dai-hoi-dai-bieu-mttq-xa-101.html"  # the same article filed twice
    different = "/vi/news/tin-tuc-su-kien/tiem-chung-mo-rong-dot-2-104.html"
    with transaction() as session:
        agency_store.register_agency(session, agency)
        run = page_store.start_crawl_run(session, agency.code)
        for url_path, body in ((path, reply.body), (other, reply.body), (different, sample_sites.route(host, different).body)):
            page_store.save_page(session, agency.code, run, PageItem(f"http://{host}{url_path}", "item", 200, body,
                                                                reply.content_type))
    counts = transform_agency(REGISTRY, agency)
    assert (counts.ok, counts.skipped) == (2, 1)
    with transaction() as session:
        rows = {r.data["source_url"]: r for r in session.query(StagedArticle)}
    kept, copy = rows[f"http://{host}{other}"], rows[f"http://{host}{path}"]
    # The shorter URL is kept (a deterministic choice); the other becomes its alias.
    assert kept.status == "ok" and kept.data["aliases"] == [f"http://{host}{path}"]
    article = Article(**{k: v for k, v in kept.data.items() if k not in ("images", "attachments", "document")},
                      images=[Asset(**a) for a in kept.data["images"]], attachments=[], document=None)
    assert kept.content_hash == kept.data["content_hash"] == article.compute_hash()
    assert copy.status == "skipped" and copy.reason.startswith(f"same content as {kept.uid}")
    assert rows[f"http://{host}{different}"].status == "ok" and rows[f"http://{host}{different}"].data["aliases"] == []


@pytest.mark.parametrize("raw, safe", [
    ("Quyết định số 12-QĐ-UBND.pdf", "Quyết định số 12-QĐ-UBND.pdf"),
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\win.ini", "win.ini"),
    ("bao-cao..pdf", "bao-cao.pdf"),
    ("a\x00b<c>.docx", "a_b_c_.docx"),
    ("...", "tep-dinh-kem"),
    ("Ke hoach " + "rat dai " * 40 + ".xlsx", ("Ke hoach " + "rat dai " * 40)[:145] + ".xlsx"),
])
def test_attachment_file_names_are_safe_and_readable(raw, safe):
    from portalize.transform.pipeline import safe_filename
    assert safe_filename(raw) == safe


def test_automatic_mode_reads_the_section_from_breadcrumbs(sample_sites):
    """Without any mapping, every sample article of the six families gets its legacy category
    from the breadcrumb trail (or WordPress's rel="category" link)."""
    for host, path, source in article_paths(sample_sites):
        reply = sample_sites.route(host, path)
        article = transform_page(RawPage(f"http://{host}{path}", 200, reply.body, reply.content_type),
                                 Mapping(agency="auto"))
        assert article.legacy_category == source["category"]["name"], path
        # Breadcrumbs and rel=category are the page's own metadata: the chain's second step.
        assert article.field_sources["category"] in ("meta:breadcrumb", "meta:rel-category"), path


_PARAGRAPHS = "".join(
    f"<p>Đoạn {n}: Ủy ban nhân dân huyện đã tổ chức kiểm tra tiến độ các công trình trọng điểm, "
    f"yêu cầu các đơn vị thi công bảo đảm chất lượng và an toàn lao động trong mùa mưa bão năm 2024.</p>"
    for n in range(1, 7))


def _news_page(lead: str, nested_boilerplate: str = "") -> bytes:
    return (
        "<html><head><title>Kiểm tra tiến độ công trình trọng điểm - UBND huyện</title>"
        '<meta name="description" content="Lãnh đạo huyện kiểm tra tiến độ các công trình trọng điểm năm 2024.">'
        '</head><body><nav><a href="/">Trang chủ</a></nav><article>'
        f"<h1>Kiểm tra tiến độ công trình trọng điểm</h1>{lead}{_PARAGRAPHS}"
        f"<section>{nested_boilerplate}</section></article></body></html>").encode()


def test_automatic_mode_keeps_a_lead_paragraph_and_a_vietnamese_sapo():
    """The meta description repeated as the first paragraph is also the article's opening, and
    stays in the body. Repeated as a sub-headline it is the summary; a Vietnamese sapo is also
    the article's lead (kept at the top of the body, as a paragraph), another language's
    standfirst is not body text."""
    description = "Lãnh đạo huyện kiểm tra tiến độ các công trình trọng điểm năm 2024."
    as_paragraph = transform_page(RawPage("http://huyen.gov.vn/tin/1.html", 200,
                                          _news_page(f"<p>{description}</p>"), "text/html; charset=utf-8"),
                                  Mapping(agency="auto"))
    as_heading = transform_page(RawPage("http://huyen.gov.vn/tin/2.html", 200,
                                        _news_page(f"<h2>{description}</h2>"), "text/html; charset=utf-8"),
                                Mapping(agency="auto"))
    assert as_paragraph.summary == as_heading.summary == description
    assert description in as_paragraph.body_html
    assert as_heading.body_html.startswith(f"<p>{description}</p>") and "Đoạn 1:" in as_heading.body_html
    standfirst = "The district leaders inspected the progress of the key works of the year."
    english = _news_page(f"<h2>{standfirst}</h2>").replace(description.encode(), standfirst.encode())
    as_english_heading = transform_page(RawPage("http://huyen.gov.vn/tin/3.html", 200, english,
                                                "text/html; charset=utf-8"), Mapping(agency="auto"))
    assert as_english_heading.summary == standfirst and standfirst not in as_english_heading.body_html


def test_automatic_mode_drops_related_story_lines_at_any_depth():
    boilerplate = ("<ul><li>Xem thêm: Huyện khánh thành cầu Bến Đá</li><li>Read more: Bridge opened</li></ul>"
                   "<div><p>Copyright © 2024 UBND huyện</p></div>")
    article = transform_page(RawPage("http://huyen.gov.vn/tin/3.html", 200, _news_page("", boilerplate),
                                     "text/html; charset=utf-8"), Mapping(agency="auto"))
    assert "Đoạn 6:" in article.body_html
    for line in ("Xem thêm", "Read more", "Copyright"):
        assert line not in article.body_html, line


def test_pasted_images_are_kept_and_listed_as_image_files():
    """Pictures pasted into a legacy editor arrive as data: URLs. A raster image stays in the
    body and becomes one image file of the article (twice pasted, one file); an SVG (it can
    carry script) and broken base64 are dropped."""
    png = sample_png("anh-dan.png")
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()
    html = ("<html><body><h1>Tiêu đề bài viết</h1><div class='c'><p>Nội dung bài viết có ảnh dán vào.</p>"
            f"<p><img src='{data_url}' alt='Ảnh dán'><img src='{data_url}'></p>"
            "<p><img src='data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+'></p>"
            "<p><img src='data:image/png;base64,@@@'></p></div></body></html>")
    mapping = Mapping(agency="x", platform="generic", version="1",
                      fields={"title": ["h1::text"], "body": [".c"], "images": [".c img::attr(src)"]})
    article = transform_page(RawPage("http://x.gov.vn/a.html", 200, html.encode(), "text/html; charset=utf-8"), mapping)
    root = lxml.html.fragment_fromstring(article.body_html, create_parent="div")
    assert root.xpath("//img/@src") == [data_url, data_url]
    sha = hashlib.sha256(png).hexdigest()
    assert [(i.url, i.filename, i.media_type, i.size, i.sha256) for i in article.images] == \
        [(f"embedded:{sha}", f"anh-nhung-{sha[:12]}.png", "image/png", len(png), sha)]
    assert any("1 pasted image(s)" in w for w in article.warnings)


@pytest.mark.parametrize("shown, url, expected, warning", [
    # ASP.NET's DateTime.MinValue and SQL Server's default date are placeholders, not dates.
    ("Ngày đăng: 01/01/0001 12:00:00 SA", "http://x.gov.vn/tin/bai-1.aspx", None, "is before 1995"),
    ("01/01/1900", "http://x.gov.vn/2023/05/17/bai-1/", "2023-05-17T00:00:00+07:00", "is before 1995"),
    # A typo'd year after the crawler fetched the page.
    ("Thứ hai, 14/07/2031 08:00", "http://x.gov.vn/tin/bai-1.aspx", None, "later than the page was fetched (2026-11-20)"),
    ("Thứ hai, 14/07/2025 08:00", "http://x.gov.vn/tin/bai-1.aspx", "2025-07-14T08:00:00+07:00", None),
])
def test_an_impossible_date_is_never_used(shown, url, expected, warning):
    html = f"<html><body><h1>Tiêu đề</h1><span class='d'>{shown}</span><div class='c'><p>Nội dung.</p></div></body></html>"
    mapping = Mapping(agency="x", platform="generic", version="1",
                      fields={"title": ["h1::text"], "date": [".d::text"], "body": [".c"]})
    fetched = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.timezone.utc)
    article = transform_page(RawPage(url, 200, html.encode(), "text/html; charset=utf-8", fetched), mapping)
    assert article.published_at == expected
    doubts = [w for w in article.warnings if "not used" in w]
    assert (warning in doubts[0]) if warning else not doubts, article.warnings


def test_hidden_content_is_removed_and_reported(sample_sites):
    """Spam injected into a compromised commune site, hidden off-screen with an inline style:
    sanitising drops style attributes, so it would show on the portal. It is removed, and the
    warning names the hosts it links to."""
    host = "hoaxuan.tinhmau.gov.vn"
    source = next(a for c in sample_sites.sites[host]["categories"] for a in c["articles"] if a.get("injected_spam"))
    article = transform(sample_sites, host, sample_sites.styles[host].article_url(source))
    assert "nhà cái" not in article.body_html and "example" not in article.body_html
    assert all(paragraph in article.body_html for paragraph in source["body"])
    [warning] = [w for w in article.warnings if w.startswith("removed hidden content")]
    assert "left:-9999px" in warning and "nhacai-uytin.example, vay-tien-nhanh.example" in warning


def test_hidden_content_rules():
    from portalize.transform.hidden import remove_hidden
    html = ('<p>Đầu <span style="DISPLAY: none"><b>ẩn</b> <i style="display:none">lồng</i></span>giữa</p>'
            '<p style="font-size:0.8em">chữ nhỏ vẫn hiện</p><p style="opacity: 0.5">mờ vẫn hiện</p>'
            '<p hidden>thuộc tính hidden</p><p style="font-size: 0pt !important">cỡ 0</p><p>cuối</p>')
    out, warnings = remove_hidden(html, "x.gov.vn")
    assert out == '<p>Đầu giữa</p><p style="font-size:0.8em">chữ nhỏ vẫn hiện</p><p style="opacity: 0.5">mờ vẫn hiện</p><p>cuối</p>'
    assert [w.split(":")[0] for w in warnings] == ["removed hidden content (DISPLAY"] + \
        ["removed hidden content (hidden attribute)", "removed hidden content (font-size"]
    assert remove_hidden("<p>Không có gì ẩn</p>", "x.gov.vn") == ("<p>Không có gì ẩn</p>", [])


def test_automatic_mode_drops_cards_and_headline_links_of_other_stories():
    """A grid of other stories (link + heading per item), a paragraph that is only a linked
    headline, and a reprint notice are not the article; a list of linked documents is."""
    cards = "<ul>" + "".join(
        f'<li><a href="/tin/{n}.html">Tin khác {n}</a><h4>Tóm tắt tin khác số {n}</h4></li>' for n in range(3)) + "</ul>"
    documents = ('<ul><li><a href="/van-ban/12.html">Quyết định số 12/2023/QĐ-UBND</a> về bảng giá đất</li>'
                 '<li><a href="/van-ban/13.html">Quyết định số 13/2023/QĐ-UBND</a> về phí</li>'
                 '<li><a href="/van-ban/14.html">Quyết định số 14/2023/QĐ-UBND</a> về lệ phí</li></ul>')
    headline = ('<hr><div class="row"><div class="title-bar">Có thể bạn quan tâm</div><div id="m">'
                '<a href="/tin/9.html"><img width="218" height="125" src="/a.jpg" alt="a"><h3>Huyện tổ chức hội nghị khác</h3></a>'
                '<a href="/tin/10.html"><img src="/b.jpg" alt="b"><h3>Xã ra quân làm đường giao thông</h3></a></div></div>')
    notice = ("<p>This copy is for your personal, non-commercial use only. To order presentation-ready copies "
              "for distribution to your colleagues, clients or customers visit http://www.djreprints.com.</p>")
    article = transform_page(RawPage("http://huyen.gov.vn/tin/4.html", 200,
                                     _news_page(documents, cards + headline + notice), "text/html; charset=utf-8"),
                             Mapping(agency="auto"))
    assert "Quyết định số 13/2023/QĐ-UBND" in article.body_html and "Đoạn 6:" in article.body_html
    for gone in ("Tin khác", "Tóm tắt tin khác", "hội nghị khác", "làm đường giao thông", "This copy"):
        assert gone not in article.body_html, gone


@pytest.mark.parametrize("header, name", [
    # RFC 5987 first, even beside a plain fallback.
    ("attachment; filename=\"fallback.pdf\"; filename*=UTF-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%2012.pdf",
     "Quyết định 12.pdf"),
    # Raw UTF-8 in filename= (NukeViet's download script), read by the crawler as latin-1.
    ('attachment; filename="Quyết định số 12-QĐ-UBND.pdf"'.encode().decode("latin-1"), "Quyết định số 12-QĐ-UBND.pdf"),
    # Real latin-1 stays latin-1.
    ('attachment; filename="r\xe9sum\xe9.pdf"', "résumé.pdf"),
    ("inline", ""),
])
def test_content_disposition_names_stay_readable(header, name):
    from portalize.transform.pipeline import disposition_filename
    assert disposition_filename(header) == name
