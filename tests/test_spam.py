"""A compromised legacy site is noticed: SEO spam injected into its pages (hidden link farms,
blocks of betting links, pages that answer Googlebot differently) is quarantined with its
evidence, listed in the review, and never loaded without `plan --force UID`."""
from __future__ import annotations

import json
import sqlite3
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import lxml.html
import pytest

from portalize.transform.hidden import remove_hidden, style_rules
from portalize.transform.pipeline import Mapping, RawPage, transform_page
from portalize.transform.schema import Article
from portalize.transform.spam import cloaking_evidence, host_words, off_topic_spam, spam_words

from .conftest import run_portalize, untuned_agency
from .sites.local import base_url, serving

HOST = "xathu.tinhmau.gov.vn"
CASINO_HOSTS = ("casino-vip88.example", "nhacai-uytin.example", "taixiu-online.example")


# -- the rules, one by one --------------------------------------------------------------------
def test_betting_words_with_and_without_diacritics_and_no_folded_false_friends():
    text = "Cá cược bóng đá, NHÀ CÁI uy tín, nổ hũ, tai xiu, xoc dia, lô đề, game bai, Casino, baccarat, 188 bet"
    assert spam_words(text) == ["cá cược", "nhà cái", "nổ hũ", "tai xiu", "xoc dia", "lô đề", "game bai", "casino",
                                "baccarat", "bet"]
    # Words that fold to the same letters but mean something else are not betting words.
    assert spam_words("Cả cuộc đời cống hiến; đội nhà đánh bại đối thủ; chăm lo để dân yên tâm; cái nhà") == []
    assert spam_words("alphabet, slotted, betting-free? no: betting") == ["betting"]
    assert host_words("http://w88bet.example/") == ["bet"] and host_words("https://nhacai-uytin.example/x") == ["nhacai"]
    assert host_words("https://alphabet.com/") == [] and host_words("https://thuvienphapluat.vn/") == []


def test_hidden_by_the_pages_style_classes_and_zero_size_boxes():
    rules = style_rules([".lk{color:red} .an-lk { DISPLAY : none } div#khung{height:0;overflow:hidden}",
                         "@media screen{.nho{font-size:0}} .box .x{display:none} .thut{text-indent:-9999px}"])
    assert set(rules.classes) == {"an-lk", "nho", "thut"} and set(rules.ids) == {"khung"}
    found = []
    html = ('<p>Đầu</p><div class="a an-lk"><a href="http://casino-vip88.example/">casino</a></div>'
            '<div id="khung"><a href="http://x.example/">x</a></div><p class="thut">thụt</p>'
            '<div style="height:0px;overflow:hidden"><a href="http://y.example/">y</a></div>'
            '<div style="height:0">chỉ cao 0, vẫn tràn ra</div><p class="lk">hiện</p>')
    out, warnings = remove_hidden(html, HOST, rules, found)
    assert out == '<p>Đầu</p><div style="height:0">chỉ cao 0, vẫn tràn ra</div><p class="lk">hiện</p>'
    assert [b.why for b in found] == ["class an-lk of the page's <style>: DISPLAY : none",
                                      "id khung of the page's <style>: height:0; overflow:hidden",
                                      "class thut of the page's <style>: text-indent:-9999px",
                                      "height:0px; overflow:hidden"]
    assert found[0].links == ["http://casino-vip88.example/"] and len(warnings) == 4


ARTICLE = ("<html><head><title>{title}</title>{head}</head><body><header><a href='/'>Trang chủ</a></header>"
           "<article><h1>{title}</h1><time datetime='2024-05-0{day}T08:00:00+07:00'>0{day}/05/2024</time>"
           "{body}</article>{aside}<footer>UBND xã Thử · <a href='https://www.chinhphu.vn/'>Cổng Chính phủ</a> · "
           "<a href='https://dichvucong.gov.vn/'>Dịch vụ công</a></footer></body></html>")
PROSE = ("<p>Sáng {n}, Ủy ban nhân dân xã tổ chức hội nghị sơ kết công tác sáu tháng đầu năm, đánh giá kết quả "
         "thực hiện các chỉ tiêu kinh tế, xã hội và quốc phòng, an ninh trên địa bàn.</p>"
         "<p>Hội nghị đã chỉ ra những hạn chế, nguyên nhân và đề ra nhiệm vụ, giải pháp trọng tâm cho sáu tháng "
         "cuối năm; các đại biểu thảo luận sôi nổi, đóng góp nhiều ý kiến tâm huyết.</p>"
         "<p>Chủ tịch Ủy ban nhân dân xã yêu cầu các ban, ngành, đoàn thể tập trung thực hiện quyết liệt, hoàn "
         "thành thắng lợi các mục tiêu đã đề ra trong năm.</p>")
FARM = "".join(f'<a href="http://{h}/">{w}</a> ' for h, w in zip(CASINO_HOSTS, ("casino trực tuyến", "nhà cái uy tín",
                                                                                 "tài xỉu online")))


def page(title, body, head="", aside="", day=1):
    return ARTICLE.format(title=title, body=body, head=head, aside=aside, day=day)


def _auto(html: str, url: str = f"http://{HOST}/tin/bai.html", googlebot=None):
    return transform_page(RawPage(url, 200, html.encode(), "text/html; charset=utf-8", googlebot=googlebot),
                          Mapping(agency="xa-thu", hints={"item": ["*"]}))


def test_a_visible_block_of_betting_links_is_off_topic_and_removed():
    # In the body: a paragraph made of links to betting sites, after the article's text.
    article = _auto(page("Sơ kết công tác sáu tháng", PROSE.format(n=1) + f"<p>{FARM}</p>"))
    assert isinstance(article, Article) and [e.kind for e in article.quarantine] == ["off-topic"]
    assert "casino" not in article.body_html and "Chủ tịch Ủy ban" in article.body_html
    assert {h for h in CASINO_HOSTS if any(h in link for link in article.quarantine[0].links)} == set(CASINO_HOSTS)
    assert article.warnings[-1].startswith("quarantined, suspected injected SEO spam: ")
    # Outside the body (a sidebar the extraction leaves out): evidence all the same.
    article = _auto(page("Sơ kết công tác sáu tháng", PROSE.format(n=2), aside=f"<aside><ul><li>{FARM}</li></ul></aside>"))
    assert [e.kind for e in article.quarantine] == ["off-topic"] and "tài xỉu" in article.quarantine[0].words
    # One betting link inside the text of an article that never speaks of betting.
    body, evidence = off_topic_spam('<p>Tin vui cho bà con. Xem thêm <a href="http://nhacai-uytin.example/">'
                                    'nhà cái uy tín</a> tại đây. Hội nghị diễn ra thành công.</p>', HOST)
    assert "nhacai" not in body and evidence[0].block.startswith("a link inside the article's text")


def test_visible_on_topic_betting_text_is_the_article_and_is_not_quarantined():
    """A news item about a casino licence speaks of casinos in its own text, and may link a
    source: it is the article."""
    body = ("<p>Bộ Tài chính vừa cấp phép kinh doanh casino cho một dự án tại Phú Quốc; người Việt Nam đủ 21 tuổi "
            "được vào chơi thí điểm. Theo <a href='https://baochinhphu.vn/casino-phu-quoc.htm'>Báo Chính phủ</a>, "
            "doanh thu từ casino và đặt cược thể thao phải nộp thuế tiêu thụ đặc biệt.</p>") + PROSE.format(n=3)
    article = _auto(page("Cấp phép casino tại Phú Quốc", body))
    assert article.quarantine == [] and "casino" in article.body_html
    # A footer with one betting sponsor is not a farm (Sky News and Stack Exchange have such footers).
    article = _auto(page("Sơ kết", PROSE.format(n=4), aside='<div class="tai-tro"><a href="https://m.skybet.com">Sky '
                                                            'Bet</a> <a href="https://www.skysports.com">Sky Sports</a></div>'))
    assert article.quarantine == []


def test_cloaking_is_a_difference_that_brings_links_or_betting_words():
    browser = page("Sơ kết", PROSE.format(n=5))
    assert cloaking_evidence(browser, browser.replace("Sáng 5", "Chiều 5"), f"http://{HOST}/tin/a.html") is None
    googlebot = browser.replace("</article>", f"<div class='seo'>{FARM}</div></article>")
    evidence = cloaking_evidence(browser, googlebot, f"http://{HOST}/tin/a.html")
    assert evidence.kind == "cloaking" and len(evidence.links) == 3 and "nhà cái" in evidence.words
    article = _auto(browser, googlebot=evidence)
    assert article.quarantine == [evidence] and "casino" not in article.body_html


# -- false positives on real pages -----------------------------------------------------------
@pytest.mark.quality
def test_no_false_positive_on_the_real_corpora_and_the_sample_sites(sample_sites):
    """339 real news and blog pages (Zyte's and trafilatura's development sets) and every article
    of the six sample sites go through transform: none is quarantined but the one sample article
    with injected spam."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from scoring import eval_pages, zyte_pages
    pages = [(url, html.encode(), "text/html; charset=utf-8") for _, url, html, _ in zyte_pages()]
    pages += [(url, raw, None) for url, raw, _ in eval_pages()]
    started = time.monotonic()
    flagged = [url for url, body, content_type in pages
               if getattr(transform_page(RawPage(url, 200, body, content_type), Mapping(agency="eval", hints={"item": ["*"]})),
                          "quarantine", None)]
    print(f"spam check over {len(pages)} corpus pages: {len(flagged)} quarantined, {time.monotonic() - started:.0f} s")
    assert len(pages) == 339 and flagged == []
    from .test_transform import article_paths, transform
    cases = list(article_paths(sample_sites))
    quarantined = [source["slug"] for host, path, source in cases if transform(sample_sites, host, path).quarantine]
    assert len(cases) == 35 and quarantined == [s["slug"] for _, _, s in cases if s.get("injected_spam")] == \
        ["tiem-chung-mo-rong-dot-2"]


# -- a hostile legacy site, crawled, planned and applied ----------------------------------------
PAGES = {
    "/": page("UBND xã Thử", "<ul class='tin'><li><a href='/tin/so-ket.html'>Sơ kết công tác sáu tháng</a></li>"
                             "<li><a href='/tin/tiem-chung.html'>Tiêm chủng mở rộng đợt 2</a></li>"
                             "<li><a href='/tin/lich-tiep-dan.html'>Lịch tiếp công dân tháng 5</a></li>"
                             "<li><a href='/tin/ra-quan.html'>Ra quân làm sạch đường làng</a></li></ul>"),
    # A link farm to casino sites, hidden by a class of the page's own <style>.
    "/tin/so-ket.html": page("Sơ kết công tác sáu tháng", PROSE.format(n=6) + f"<div class='lk-ft'>{FARM}</div>",
                             head="<style>.lk-ft{position:absolute;left:-9999px;top:-9999px}</style>", day=2),
    # Clean for people; Googlebot also gets betting links (see Handler).
    "/tin/tiem-chung.html": page("Tiêm chủng mở rộng đợt 2", PROSE.format(n=7), day=3),
    # Clean.
    "/tin/lich-tiep-dan.html": page("Lịch tiếp công dân tháng 5", PROSE.format(n=8), day=4),
    # A visible block of betting links in the sidebar, outside the article's text.
    "/tin/ra-quan.html": page("Ra quân làm sạch đường làng", PROSE.format(n=9), day=5,
                              aside=f"<aside class='lien-ket'><h3>Liên kết</h3><ul><li>{FARM}</li></ul></aside>"),
}
GOOGLEBOT_EXTRA = ("<div class='doi-tac'><a href='https://nohu-club.example/'>Nổ hũ đổi thưởng</a> "
                   "<a href='https://xocdia88.example/'>Xóc đĩa online</a></div>")
SEEN = {"googlebot": [], "browser": []}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        path = "/" + self.path.split("/", 3)[3] if self.path.startswith("http") else self.path
        googlebot = "Googlebot" in (self.headers.get("User-Agent") or "")
        SEEN["googlebot" if googlebot else "browser"].append(path)
        html = PAGES.get(path)
        if html and googlebot and path == "/tin/tiem-chung.html":
            html = html.replace("</article>", GOOGLEBOT_EXTRA + "</article>")
        body = (html or "<html><body>Không có</body></html>").encode()
        self.send_response(200 if html else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _portal_items(workspace) -> dict:
    db = sqlite3.connect(workspace / "var" / "portal.db")
    return {title: body for title, body in db.execute(
        "select json_extract(fields, '$.title'), json_extract(fields, '$.body_html') from items")}


@pytest.mark.integration
def test_a_compromised_site_is_quarantined_reviewed_and_loaded_only_when_forced(workspace):
    with serving(Handler) as server:
        env = untuned_agency(workspace, "xa-thu", "UBND xã Thử", "commune", f"http://{HOST}/",
                             extra="local_test_host: true\nquality: {max_other: 1.0}\n")
        origin = ("--origin", f"{HOST}={base_url(server)}")
        crawl = run_portalize("crawl", "xa-thu", "-s", *origin, env_extra=env)
        assert "crawled xa-thu: " in crawl.stdout
        assert "1 of 5 page(s) asked again as Googlebot answered it with other links or betting words" in \
            " ".join(crawl.stdout.split()), crawl.stdout
        # Every web page was asked again as Googlebot; the cloaked one is recorded on its stored page.
        assert sorted(SEEN["googlebot"]) == sorted(PAGES)
        ledger = sqlite3.connect(workspace / "var" / "portalize.db")

        def googlebot_marks():
            return {url.split(HOST)[1]: json.loads(headers).get("X-Portalize-Googlebot") for url, headers in
                    ledger.execute("select url, headers from pages where status = 200 and kind != 'feed'")}
        marks = googlebot_marks()
        # A re-crawl does not ask Googlebot again for pages the same as stored; the records stay.
        run_portalize("crawl", "xa-thu", "-s", *origin, env_extra=env)
        assert len(SEEN["googlebot"]) == len(PAGES) and len(SEEN["browser"]) > len(PAGES)
        assert googlebot_marks() == marks
    assert {p for p, m in marks.items() if m} == {"/tin/tiem-chung.html"}
    cloaked = json.loads(marks["/tin/tiem-chung.html"])
    assert cloaked["kind"] == "cloaking" and set(cloaked["words"]) >= {"nổ hũ", "xóc đĩa"}

    transform = run_portalize("transform", "xa-thu", "-s", env_extra=env)
    assert "3 article(s) quarantined" in transform.stdout, transform.stdout
    plan = json.loads(run_portalize("plan", "xa-thu", "--json", env_extra=env).stdout)
    entries = {e["title"]: e for e in plan["entries"]}
    quarantined = {t for t, e in entries.items() if e["action"] == "skip" and e["reason"].startswith("quarantined")}
    assert quarantined == {"Sơ kết công tác sáu tháng", "Tiêm chủng mở rộng đợt 2", "Ra quân làm sạch đường làng"}
    assert entries["Lịch tiếp công dân tháng 5"]["action"] == "create"
    assert plan["summary"]["quarantined"] == 3 and plan["summary"]["create"] == 1
    reason = entries["Sơ kết công tác sáu tháng"]["reason"]
    assert "hidden by class lk-ft of the page's <style>: left:-9999px" in reason and "casino-vip88.example" in reason
    assert f"portalize plan xa-thu --force {entries['Sơ kết công tác sáu tháng']['uid']}" in reason
    assert "Googlebot" in entries["Tiêm chủng mở rộng đợt 2"]["reason"]
    assert "nohu-club.example" in entries["Tiêm chủng mở rộng đợt 2"]["reason"]

    # The review page: each quarantined entry with its evidence, in Vietnamese.
    review = lxml.html.parse(plan["html"]).getroot()
    for title in quarantined:
        row = review.xpath(f'//tr[@data-uid="{entries[title]["uid"]}"]')[0]
        assert row.get("data-quarantined") == "yes"
        assert row.xpath('string(.//p[@class="q-label"])') == "Cách ly: nghi nội dung rác SEO bị chèn"
        assert row.xpath('.//ul[@class="evidence"]/li/code[@class="link"]'), title
        assert not row.xpath('.//ul[@class="evidence"]//a'), "spam links are shown as text, never as links"
    cloak = review.xpath(f'//tr[@data-uid="{entries["Tiêm chủng mở rộng đợt 2"]["uid"]}"]//ul[@class="evidence"]/li')[0]
    assert cloak.get("data-kind") == "cloaking" and "Googlebot" in cloak.text_content()
    assert "nổ hũ" in cloak.xpath('string(.//span[@class="words"])')
    clean = review.xpath(f'//tr[@data-uid="{entries["Lịch tiếp công dân tháng 5"]["uid"]}"]')[0]
    assert clean.get("data-quarantined") == "no" and not clean.xpath('.//div[@class="quarantine"]')
    # `plan show` lists them with the same evidence.
    shown = run_portalize("plan", "show", str(plan["plan"]), env_extra=env).stdout
    assert shown.count("quarantined, suspected injected SEO spam") == 3 and "taixiu-online.example" in shown

    # Apply loads only the clean article.
    run_portalize("apply", str(plan["plan"]), "--yes", "-s", env_extra=env)
    assert set(_portal_items(workspace)) == {"Lịch tiếp công dân tháng 5"}
    # Nothing else to write: the agency is settled, its quarantined articles kept out as skips;
    # the next plan, made from that record, still holds them back, and applies as planned.
    settled = json.loads(run_portalize("plan", "xa-thu", "--json", env_extra=env).stdout)
    assert settled["summary"].get("settled_since") and settled["summary"]["quarantined"] == 3
    assert sorted(e["uid"] for e in settled["entries"] if e["action"] == "skip" and
                  e["reason"].startswith("quarantined")) == sorted(entries[t]["uid"] for t in quarantined)
    assert "0 created" in run_portalize("apply", str(settled["plan"]), "--yes", "-s", env_extra=env).stdout
    # Forced, entry by entry, after review: loaded, without the spam (the reader's version).
    forced = [arg for title in sorted(quarantined) for arg in ("--force", entries[title]["uid"])]
    again = json.loads(run_portalize("plan", "xa-thu", *forced, "--json", env_extra=env).stdout)
    lifted = {e["title"]: e for e in again["entries"]}
    assert {t for t in quarantined if lifted[t]["action"] == "create"} == quarantined
    assert all(lifted[t]["reason"].startswith("quarantine lifted (--force): ") for t in quarantined)
    run_portalize("apply", str(again["plan"]), "--yes", "-s", env_extra=env)
    items = _portal_items(workspace)
    assert set(items) == quarantined | {"Lịch tiếp công dân tháng 5"}
    for body in items.values():
        assert not spam_words(body) and not any(h in body for h in CASINO_HOSTS), body
