"""The generic rules behind titles, dates, bylines, leads, kinds and documents on real
Vietnamese pages (tests/fixtures/real/ measures them on saved pages; these pin each rule on a
small page written to show it)."""
from __future__ import annotations

from portalize.transform.bylines import byline_at_end, is_account_label, unglued
from portalize.transform.classify import static_title
from portalize.transform.documents import document_from_title
from portalize.transform.pipeline import Mapping, RawPage, transform_page
from portalize.transform.schema import SkippedPage
from portalize.transform.videos import videos_as_links

TEXT = "".join(f"<p>Đoạn {i}: nội dung bài viết về công tác chuyển đổi số của đơn vị trong năm qua, "
               f"với các kết quả cụ thể và bài học kinh nghiệm cho năm tới.</p>" for i in range(1, 9))


def _page(body: str, title: str = "Đảm bảo an toàn thông tin - Tin tức sự kiện - Sở Thông tin và Truyền thông",
          head: str = "") -> bytes:
    return f"<html><head><title>{title}</title>{head}</head><body>{body}</body></html>".encode()


def _run(html: bytes, url: str = "http://stttt.tinh.gov.vn/-/dam-bao-an-toan-thong-tin"):
    return transform_page(RawPage(url, 200, html, "text/html; charset=utf-8"), Mapping(agency="x"))


SIDEBAR = ('<div class="portlet"><h1 class="portlet-title">Tin tức nổi bật</h1><ul>'
           + "".join(f'<li><a href="/-/tin-{i}">Tin số {i} của Sở trong tuần</a> (0{i}/03/2024)</li>' for i in range(1, 6))
           + "</ul></div>")


def test_the_title_is_the_headline_the_title_tag_names_not_a_sidebar_box_title():
    article = _run(_page(SIDEBAR + '<div class="asset-full-content-title">Đảm bảo an toàn thông tin</div>'
                         '<div class="date">Ngày đăng 12/03/2024 | 08:15</div>' + TEXT))
    assert article.title == "Đảm bảo an toàn thông tin"
    assert article.published_at == "2024-03-12T08:15:00+07:00"
    assert article.field_sources["date"] == "page:near-headline"


def test_a_title_that_names_the_section_above_the_page_is_not_its_headline():
    page = _page('<div class="banner"><p>Trung ương</p></div><ul class="menu"><li><a href="/tw">Trung ương</a></li></ul>'
                 '<h2>Quyết định về việc ban hành quy chế làm việc của Sở</h2>' + TEXT, title="Trung ương")
    article = _run(page, "http://vbpl.tinh.gov.vn/tw/Pages/vbpq-toanvan.aspx?ItemID=96172")
    assert article.title == "Quyết định về việc ban hành quy chế làm việc của Sở"
    # The same words are the title of the page the link leads to.
    section = _run(page, "http://vbpl.tinh.gov.vn/tw/Default.aspx")
    assert section.title == "Trung ương"


def test_a_static_page_named_only_in_the_theme_s_trail_keeps_its_short_name():
    page = _page('<ul class="menu"><li><a href="/vi/dau-tu-cong">Đầu tư công</a></li></ul>'
                 '<div class="dd_chuyenmuc"><span class="tintuc"><p>Liên hệ</p></span></div>'
                 '<p><b>SỞ THÔNG TIN VÀ TRUYỀN THÔNG</b></p><p>Địa chỉ: 185 Giảng Võ, quận Đống Đa, thành phố Hà Nội</p>'
                 '<p>Điện thoại: 024 3512 3456 - Thư điện tử: stttt@tinh.gov.vn</p>',
                 title="Liên hệ - Sở Thông tin và Truyền thông")
    article = _run(page, "http://stttt.tinh.gov.vn/vi/lien-he")
    assert article.title == "Liên hệ" and article.kind == "page"


def test_no_date_from_a_box_of_other_stories_or_a_number_like_a_date():
    page = _page('<h1>Đảm bảo an toàn thông tin</h1><p>(lần thứ 01/2018)</p>' + TEXT
                 + '<div class="tin-khac"><h3>Tin khác</h3><p>Hội nghị ngày 05/02/2024</p></div>')
    article = _run(page, "http://stttt.tinh.gov.vn/tin/an-toan")
    assert article.published_at is None or not article.published_at.startswith(("2018", "2024-02-05"))


def test_no_date_read_only_from_an_address_but_one_the_page_shows():
    image = '<img src="https://cdn.baotinh.vn/2022/12/24/anh-1671885971367.jpeg" alt="">'
    url = "http://baotinh.vn/xa-hoi/khoi-cong-nha-ga-20221224192522724.htm"
    unshown = _run(_page('<h1>Đảm bảo an toàn thông tin</h1>' + image + TEXT), url)
    assert unshown.published_at is None
    assert any("read from an address" in warning for warning in unshown.warnings)
    shown = _run(_page('<h1>Đảm bảo an toàn thông tin</h1><p class="date">Thứ bảy, 24/12/2022 - 19:25</p>'
                       + image + TEXT), url)
    assert shown.published_at.startswith("2022-12-24")


def test_static_pages_by_their_title_keep_no_date_from_their_history():
    for title in ("Giới thiệu", "Chức năng nhiệm vụ", "Cơ cấu tổ chức", "Lịch sử hình thành và phát triển", "Lãnh đạo Sở",
                  "Chức năng, nhiệm vụ, quyền hạn của Sở Thông tin và Truyền thông"):
        assert static_title(title), title
    for title in ("Giới thiệu sách mới về chiến tranh biên giới", "Lãnh đạo tỉnh thăm và chúc Tết các gia đình chính sách"):
        assert not static_title(title), title
    article = _run(_page("<h1>Lịch sử hình thành</h1><p>Ngày 18/11/1996, Sở được thành lập theo quyết định của UBND tỉnh.</p>"
                         + TEXT, title="Lịch sử hình thành - Sở Thông tin và Truyền thông"),
                   "http://stttt.tinh.gov.vn/gioi-thieu/lich-su")
    assert article.kind == "page" and article.published_at is None


def test_a_document_named_by_its_title():
    decree = document_from_title("Nghị định số 84/2014/NĐ-CP ngày 08/09/2014 của Chính phủ: Quy định chi tiết thi hành")
    assert (decree.type, decree.number, decree.issued, decree.issuer) == ("Nghị định", "84/2014/NĐ-CP", "2014-09-08", "Chính phủ")
    letter = document_from_title("Công văn số 27/STTTT-BCVT ngày 5/1/2024 của Sở Thông tin và Truyền thông về hướng dẫn")
    assert (letter.type, letter.number, letter.issuer) == ("Công văn", "27/STTTT-BCVT", "Sở Thông tin và Truyền thông")
    assert document_from_title("Thông báo tuyển dụng viên chức năm 2024") is None
    article = _run(_page("<h1>Nghị định số 84/2014/NĐ-CP ngày 08/09/2014 của Chính phủ: Quy định chi tiết</h1>" + TEXT,
                         title="Nghị định số 84/2014/NĐ-CP ngày 08/09/2014 của Chính phủ: Quy định chi tiết"))
    assert article.kind == "document" and article.document.number == "84/2014/NĐ-CP"


def test_the_byline_at_the_end_and_no_cms_account():
    body = TEXT + '<p align="right"><strong>Thu Hiền</strong></p><p align="right" class="view-content-author">' \
                  '<strong><em>Pho Ban bien tap</em></strong></p>'
    assert byline_at_end(body) == "Thu Hiền"
    assert byline_at_end(TEXT + '<p style="text-align:right"><b>Đặng Vân (Phòng VH-TT)</b></p>') == "Đặng Vân"
    assert byline_at_end(TEXT + '<p><strong>CHỦ TỊCH QUỐC HỘI</strong></p>') is None
    assert byline_at_end(TEXT + "<p>Theo Báo Nhân Dân</p>") is None
    assert byline_at_end(TEXT + "<p>Theo VnEconomy</p>") is None
    # A re-post names its writer after `Theo`, and the paper on the next line.
    assert byline_at_end(TEXT + "<p>Theo Thanh Xuân</p><p>VnEconomy</p>") == "Thanh Xuân"
    assert unglued("Nguyên LýTTXVN") == ("Nguyên Lý", "TTXVN") and unglued("Thu Hiền") == ("Thu Hiền", None)
    for label in ("admin admin", "Pho Ban bien tap", "Ban biên tập", "Quản trị viên"):
        assert is_account_label(label), label
    assert not is_account_label("Phạm Linh")
    article = _run(_page('<h1>Đảm bảo an toàn thông tin</h1>' + body, head='<meta name="author" content="admin">'))
    assert article.author == "Thu Hiền"


def test_a_vietnamese_sapo_above_the_body_is_its_lead():
    sapo = "Sở Thông tin và Truyền thông tổ chức hội nghị triển khai các giải pháp bảo đảm an toàn thông tin."
    mapping = Mapping(agency="x", platform="liferay", version="1", fields={"title": ["h1::text"], "body": [".content"],
                                                                          "summary": [".sapo ::text"]})
    html = _page(f'<h1>Đảm bảo an toàn thông tin</h1><p class="sapo">{sapo}</p><div class="content">{TEXT}</div>')
    article = transform_page(RawPage("http://stttt.tinh.gov.vn/-/a", 200, html, "text/html; charset=utf-8"), mapping)
    assert article.summary == sapo and article.body_html.startswith(f"<p>{sapo}</p>")


def test_recall_first_an_article_with_sidebars_of_cards_is_never_refused():
    cards = "".join(f'<article><h3><a href="/tin/{i}">Một tin khác rất dài số {i} của chuyên mục</a></h3>'
                    f'<p>{"Tóm tắt tin khác, " * 14}</p></article>' for i in range(10))
    page = _page(f'<article><h1>Đảm bảo an toàn thông tin</h1>{TEXT * 2}</article><aside>{cards}</aside>{cards}',
                 head='<meta property="og:type" content="article">')
    article = _run(page, "http://stttt.tinh.gov.vn/")  # an article served at the site's root
    assert not isinstance(article, SkippedPage), article
    archive = _page("<h1>Tin tức</h1>" + "".join(
        f'<article><h2><a href="/tin/{i}">Bài viết đầy đủ thứ {i} của chuyên mục tin tức</a></h2>{TEXT}</article>'
        for i in range(4)) + '<a href="?page=2">2</a>')
    refused = _run(archive, "http://stttt.tinh.gov.vn/tin-tuc")
    assert isinstance(refused, SkippedPage) and "strongest for an item" in refused.reason
    # The same archive written in `div`s (a search page that shows every entry whole).
    search = _page("<h1>Tìm kiếm</h1>" + "".join(
        f'<div class="entry"><a href="/chi-tiet/{i}.html"><h3>Đồng chí Nguyễn Văn {i}</h3></a>'
        f'<div class="entry-text">{TEXT * (3 if i == 0 else 1)}</div></div>' for i in range(5)))
    listed = _run(search, "http://icd.tinh.gov.vn/search")
    assert isinstance(listed, SkippedPage) and "5 blocks alike" in listed.reason


def test_a_video_player_becomes_a_link_to_its_video():
    body, players = videos_as_links('<p>a</p><video><source src="/documents/1/2/Phan+ung.mp4/'
                                    '5f51bbae-a578-d775-29e0-fb6d1909aec5"></video>'
                                    '<iframe src="https://www.youtube.com/embed/abc"></iframe>')
    assert players == 2 and "▶ Phan ung.mp4" in body and 'href="https://www.youtube.com/embed/abc"' in body
    article = _run(_page('<h1>Phản ứng sau tiêm</h1><p>(Thứ hai, 19/04/2021 15:17)</p>'
                         '<video src="/video/phan-ung.mp4"></video>', title="Phản ứng sau tiêm - Bộ Y tế"))
    assert article.kind == "media" and "phan-ung.mp4" in article.body_html


def test_the_full_text_of_a_document_by_its_standard_heading():
    from portalize.transform.documents import document_from_text
    text = ("Hiệu lực: Còn hiệu lực\nNgày có hiệu lực: 01/01/2018\nQUỐC HỘI\nSố:\n100/2015/QH13\n"
            "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nHà Nội,\nngày\n27 tháng\n11 năm\n2015\n"
            "BỘ LUẬT\nHÌNH SỰ\nCăn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;")
    found = document_from_text(text)
    assert (found.number, found.type, found.issuer, found.issued) == ("100/2015/QH13", "Bộ luật", "QUỐC HỘI", "2015-11-27")
    assert document_from_text("Bài viết về Cộng hòa xã hội chủ nghĩa Việt Nam và lịch sử.") is None
    heading = "".join(f"<p>{line}</p>" for line in text.split("\n")[2:])
    page = _page("<h1>Bộ luật hình sự</h1><div><span>Ngày có hiệu lực:</span> <span>01/01/2018</span></div>"
                 f"<div class='fulltext'>{heading}{TEXT}</div>", title="Bộ luật hình sự - Cơ sở dữ liệu")
    article = _run(page, "http://vbpl.tinh.gov.vn/van-ban/100")
    assert article.kind == "document" and article.document.number == "100/2015/QH13"
    assert article.published_at == "2015-11-27T00:00:00+07:00"  # the issue date, not the entry into force


def test_a_cut_short_summary_finds_the_whole_sapo_and_no_number_is_none():
    from portalize.transform.documents import extract_document
    sapo = ("Sáng 17/5, Sở Thông tin và Truyền thông đã tổ chức Hội nghị trao đổi, hướng dẫn giải pháp nâng cao "
            "chỉ số cải cách hành chính, xây dựng Chính quyền số.")
    mapping = Mapping(agency="x", platform="liferay", version="1", fields={"title": ["h1::text"], "body": [".content"]})
    html = _page(f'<h1>Đảm bảo an toàn thông tin</h1><p class="sapo"><strong>{sapo}</strong></p>'
                 f'<div class="content">{TEXT}</div>', head=f'<meta name="description" content="{sapo[:90]}...">')
    article = transform_page(RawPage("http://stttt.tinh.gov.vn/-/a", 200, html, "text/html; charset=utf-8"), mapping)
    assert article.summary == sapo and article.body_html.startswith(f"<p>{sapo}</p>")
    info, _ = extract_document("<table><tr><td>Số ký hiệu</td><td>Không số</td></tr>"
                               "<tr><td>Loại văn bản</td><td>Hiến pháp</td></tr></table>")
    assert info.number is None and info.type == "Hiến pháp"
