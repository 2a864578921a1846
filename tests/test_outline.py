"""A create planned from the article's outline: apply derives from the article and the planned
links exactly the fields the full link rewrite gives, without the plan reading the body."""
from __future__ import annotations

import base64
import hashlib

from portalize.loaders.base import ASSET_REF, ITEM_REF, item_fields
from portalize.loaders.link_rewrite import UrlMap, derive_fields, plan_links, rewrite_fields
from portalize.transform.embedded import KEY_PREFIX
from portalize.transform.markdown import to_markdown
from portalize.transform.outline import article_outline, body_links

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
PASTED = f"data:image/png;base64,{base64.b64encode(PNG).decode()}"
PASTED_KEY = f"{KEY_PREFIX}{hashlib.sha256(PNG).hexdigest()}"


def _article(body: str) -> dict:
    return {"uid": "stnmt-0a0b0c0d0e0f", "title": "Thông báo lịch tiếp công dân", "summary": "Tóm tắt",
            "body_html": body, "body_markdown": to_markdown(body), "published_at": "2024-05-02T08:00:00+07:00",
            "kind": "article", "group": "news", "author": None, "source_name": "Sở TN&MT",
            "source_url": "http://stnmt.tinhmau.gov.vn/tin/12", "aliases": ["http://stnmt.tinhmau.gov.vn/?id=12"],
            "attachments": [{"filename": "QD-12.pdf", "url": "http://stnmt.tinhmau.gov.vn/files/qd-12.pdf",
                             "sha256": "a" * 64, "media_type": "application/pdf", "size": 10}],
            "images": [{"filename": "anh.png", "url": PASTED_KEY, "sha256": hashlib.sha256(PNG).hexdigest()}],
            "document": None}


BODY = ('<p>Xem <a href="http://stnmt.tinhmau.gov.vn/tin/7?sid=abc">tin trước</a>, '
        '<a href="http://stnmt.tinhmau.gov.vn/tin/99">tin chưa chuyển</a>, '
        '<a href="https://chinhphu.vn/">Cổng Chính phủ</a>, <a href="/tuong-doi">tương đối</a>, '
        '<a href="http://stnmt.tinhmau.gov.vn/tin/7?sid=abc">lần nữa</a> và '
        '<a href="http://stnmt.tinhmau.gov.vn/files/qd-12.pdf">quyết định</a>.</p>'
        f'<p><img src="{PASTED}" alt="ảnh dán"><img src="http://stnmt.tinhmau.gov.vn/anh/1.jpg"></p>')


def _url_map() -> UrlMap:
    url_map = UrlMap(legacy_hosts={"stnmt.tinhmau.gov.vn"}, drop_params={"stnmt.tinhmau.gov.vn": ("sid",)})
    url_map.pages["http://stnmt.tinhmau.gov.vn/tin/7"] = ITEM_REF % "stnmt-777777777777"
    url_map.files["http://stnmt.tinhmau.gov.vn/files/qd-12.pdf"] = ASSET_REF % ("a" * 64)
    url_map.files[PASTED_KEY] = ASSET_REF % hashlib.sha256(PNG).hexdigest()
    return url_map


def test_the_outline_lists_links_then_images_once_each_with_pasted_images_by_key():
    assert body_links(BODY) == ["http://stnmt.tinhmau.gov.vn/tin/7?sid=abc", "http://stnmt.tinhmau.gov.vn/tin/99",
                                "https://chinhphu.vn/", "http://stnmt.tinhmau.gov.vn/files/qd-12.pdf",
                                PASTED_KEY, "http://stnmt.tinhmau.gov.vn/anh/1.jpg"]
    assert body_links("<p>Không có liên kết.</p>") == [] and body_links("") == []
    outline = article_outline(_article(BODY))
    assert outline["title"] == "Thông báo lịch tiếp công dân" and outline["aliases"] == ["http://stnmt.tinhmau.gov.vn/?id=12"]
    assert outline["attachments"] == [{"url": "http://stnmt.tinhmau.gov.vn/files/qd-12.pdf", "sha256": "a" * 64}]
    assert "body_html" not in outline and len(str(outline)) < len(BODY) + 600


def test_fields_derived_from_the_planned_links_are_the_full_rewrite():
    article = _article(BODY)
    full, unresolved = rewrite_fields(item_fields(article), _url_map())
    links, planned_unresolved = plan_links(article_outline(article), _url_map())
    assert planned_unresolved == unresolved == ["http://stnmt.tinhmau.gov.vn/tin/99", "http://stnmt.tinhmau.gov.vn/anh/1.jpg"]
    assert derive_fields(article, links) == full
    assert 'href="{{item:stnmt-777777777777}}"' in full["body_html"] and "{{asset:" in full["body_html"]
    assert full["attachments"][0]["portal_url"] == ASSET_REF % ("a" * 64)
    # The Markdown is rewritten link by link, as converting the rewritten body again would give.
    assert full["body_markdown"] == to_markdown(full["body_html"])
    assert "[tin trước]({{item:stnmt-777777777777}})" in full["body_markdown"]


def test_links_staged_since_do_not_change_what_a_planned_create_writes():
    """The plan froze the references: an article staged later under /tin/99 does not change the
    fields apply derives (the next plan picks it up)."""
    article = _article(BODY)
    links, _ = plan_links(article_outline(article), _url_map())
    later = _url_map()
    later.pages["http://stnmt.tinhmau.gov.vn/tin/99"] = ITEM_REF % "stnmt-999999999999"
    assert derive_fields(article, links) == rewrite_fields(item_fields(article), _url_map())[0]
    assert derive_fields(article, links) != rewrite_fields(item_fields(article), later)[0]


def test_a_body_without_references_is_not_parsed_and_keeps_its_html_exactly():
    body = '<p>Nội dung <b>đậm</b> &amp; <a href="https://chinhphu.vn/">liên kết ngoài</a></p>'
    article = _article(body) | {"attachments": [], "images": []}
    links, unresolved = plan_links(article_outline(article), _url_map())
    assert links == {} and unresolved == []
    assert derive_fields(article, links)["body_html"] == body == rewrite_fields(item_fields(article), _url_map())[0]["body_html"]
