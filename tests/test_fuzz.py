"""Property-based fuzz of transform (hypothesis): any HTML or any bytes, with any declared
type and charset, through a platform mapping and through automatic extraction. Every page
ends as an article or a skipped record, never an exception; within bounded time; and no
article carries live markup in its body or Markdown."""
from __future__ import annotations

import re
import time

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from portalize.app.transform import mapping_for
from portalize.core.registry import load_registry
from portalize.transform.pipeline import Mapping, RawPage, transform_page
from portalize.transform.schema import Article, SkippedPage

EXAMPLES = 250  # per test; four tests
SECONDS_PER_PAGE = 5.0

_REGISTRY = load_registry()
MAPPINGS = {"nukeviet": mapping_for(_REGISTRY, _REGISTRY.agency("stnmt")), "auto": Mapping(agency="fuzz")}
RAN: dict[str, int] = {}

TAGS = ["p", "div", "span", "a", "h1", "h2", "table", "tr", "td", "ul", "li", "article", "nav", "script", "style",
        "img", "iframe", "meta", "br", "b", "i", "form", "svg", "math", "template", "noscript", "title", "body", "html"]
ATTRIBUTES = ["href", "src", "class", "id", "style", "onerror", "onclick", "content", "http-equiv", "charset",
              "itemprop", "property", "datetime", "hidden"]
VALUES = st.sampled_from(["javascript:alert(1)", "java&#1;script:x", "data:text/html,<script>x</script>",
                          "data:image/png;base64,iVBORw0KGgo=", "http://127.0.0.2/", "/tin-tuc/a-1.html", "#",
                          "news_column", "title", "refresh", "0;url=javascript:x", "display:none", "utf-8",
                          "2024-13-45T99:99", "article", "../../etc/passwd.pdf", "con.pdf", ""])
TEXT = st.text(alphabet=st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệ"
                                             "ìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ 0123456789/:.-<>&;\"'\x00\x01\t\n"
                                             "\u00a0\u200b\ufeff\ufffd«»")), max_size=80)


@st.composite
def html_trees(draw, depth=0):
    parts = []
    for _ in range(draw(st.integers(0, 4 if depth < 4 else 0))):
        choice = draw(st.integers(0, 9))
        if choice < 4:
            parts.append(draw(TEXT))
        elif choice < 8:
            tag = draw(st.sampled_from(TAGS))
            attributes = "".join(f' {draw(st.sampled_from(ATTRIBUTES))}="{draw(VALUES)}"'
                                 for _ in range(draw(st.integers(0, 3))))
            closed = draw(st.booleans())
            parts.append(f"<{tag}{attributes}>{draw(html_trees(depth + 1))}" + (f"</{tag}>" if closed else ""))
        elif choice == 8:
            parts.append(draw(st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "&#0;", "&#xD800;", "&amp", "</",
                                               "<?xml version='1.0'?>", "<!DOCTYPE html>", "&lt;script&gt;"])))
        else:
            parts.append("<div>" * draw(st.integers(0, 300)))  # deep nesting
    return "".join(parts)


CONTENT_TYPES = st.sampled_from([None, "text/html", "text/html; charset=utf-8", "text/html; charset=windows-1258",
                                 "text/html; charset=utf-16", "text/html; charset=bogus", "application/xhtml+xml",
                                 "text/plain", "application/pdf", "text/html; charset="])
ENCODINGS = st.sampled_from(["utf-8", "cp1258", "utf-16", "latin-1"])


def _check(page: RawPage, mapping_name: str) -> None:
    started = time.monotonic()
    result = transform_page(page, MAPPINGS[mapping_name])
    spent = time.monotonic() - started
    assert isinstance(result, (Article, SkippedPage))
    assert spent < SECONDS_PER_PAGE, f"{spent:.1f} s for one page"
    if isinstance(result, Article):
        assert result.title and result.body_html
        for element in lxml.html.fragment_fromstring(result.body_html, create_parent="div").iter():
            assert element.tag not in ("script", "iframe", "style", "svg", "math", "form"), element.tag
            for name, value in element.attrib.items():
                assert not name.lower().startswith("on"), (name, value)
                if name in ("href", "src"):
                    assert value.split(":", 1)[0].strip().lower() in ("http", "https", "mailto", "tel", "data"), value
        assert not re.search(r"(?<!\\)<(script|iframe|img|svg)", result.body_markdown, re.I)  # escaped `\<` is text
        assert "\x00" not in result.title + result.body_html
    RAN[mapping_name] = RAN.get(mapping_name, 0) + 1


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("mapping_name", ["nukeviet", "auto"])
@FUZZ
@given(body=html_trees(), title=TEXT, content_type=CONTENT_TYPES, encoding=ENCODINGS)
def test_any_html_becomes_an_article_or_a_skipped_record(mapping_name, body, title, content_type, encoding):
    html = f"<html><head><title>{title}</title></head><body>{body}</body></html>"
    raw = html.encode(encoding, errors="replace")
    _check(RawPage("http://stnmt.tinhmau.gov.vn/vi/news/tin-tuc/bai-1.html", 200, raw, content_type), mapping_name)


@pytest.mark.parametrize("mapping_name", ["nukeviet", "auto"])
@FUZZ
@given(raw=st.binary(max_size=4096), content_type=CONTENT_TYPES)
def test_any_bytes_become_an_article_or_a_skipped_record(mapping_name, raw, content_type):
    _check(RawPage("http://stnmt.tinhmau.gov.vn/vi/news/tin-tuc/bai-2.html", 200, raw, content_type), mapping_name)


def test_the_fuzz_ran_every_example():
    """Runs after the four fuzz tests (file order): the number of pages they transformed."""
    print(f"fuzz examples run: {RAN}")
    assert RAN.get("nukeviet", 0) >= 2 * EXAMPLES and RAN.get("auto", 0) >= 2 * EXAMPLES
