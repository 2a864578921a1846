"""A real WordPress (Debian's `wordpress` package) on loopback, as a legacy unit site.

Everything is private to one folder: a MariaDB on a unix socket, the site's content folder,
and PHP's built-in server with a small router doing the `.htaccess` work. The site believes it
lives at `http://<host>` (no port), so its pages link to the legacy host; the crawler reaches
it through `--origin host=http://127.0.0.1:PORT`, sending the real `Host` header.

    python -m tests.sites.wordpress DIR [twentytwentythree|twentytwentyone]   # start, fill, wait

Content is made through WordPress's own REST API with an application password
(`fill_site`), and read back through it as the ground truth (`ground_truth`).
"""
from __future__ import annotations

import base64
import html
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

WORDPRESS = Path("/usr/share/wordpress")
CONFIG_NAME = "portalize-test"  # /etc/wordpress/config-portalize-test.php (scripts/system-deps.sh)
CLASSIC, BLOCK = "twentytwentyone", "twentytwentythree"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")


ROUTER = r"""<?php
// The .htaccess work for PHP's built-in server: blocked paths, the instance's own content
// folder for /wp-content/, WordPress's static files, PHP entry points, else index.php.
$_SERVER['WORDPRESS_CONFIG'] = '%(config)s';
$path = urldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH));
%(site_prefix)s
if (file_exists('%(dir)s/blocked') && preg_match(file_get_contents('%(dir)s/blocked'), $_SERVER['REQUEST_URI'])) {
    http_response_code(404); echo 'blocked'; return true;
}
if (strpos($path, '/wp-content/') === 0 && strpos($path, '..') === false) {
    $file = '%(content)s' . substr($path, strlen('/wp-content'));
    if (is_file($file)) {
        $types = ['css' => 'text/css', 'js' => 'application/javascript', 'svg' => 'image/svg+xml',
                  'pdf' => 'application/pdf', 'png' => 'image/png', 'jpg' => 'image/jpeg', 'jpeg' => 'image/jpeg',
                  'gif' => 'image/gif', 'woff2' => 'font/woff2', 'doc' => 'application/msword',
                  'docx' => 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'];
        $ext = strtolower(pathinfo($file, PATHINFO_EXTENSION));
        header('Content-Type: ' . ($types[$ext] ?? 'application/octet-stream'));
        header('Content-Length: ' . filesize($file));
        readfile($file);
        return true;
    }
    http_response_code(404); return true;
}
$target = '%(wp)s' . $path;
if ($path !== '/' && is_file($target) && substr($path, -4) !== '.php') {
    return false;
}
if (substr($path, -4) === '.php' && is_file($target)) {
    $_SERVER['SCRIPT_FILENAME'] = $target; $_SERVER['SCRIPT_NAME'] = $path; $_SERVER['PHP_SELF'] = $path;
    chdir(dirname($target));
    require $target;
    return true;
}
$_SERVER['SCRIPT_FILENAME'] = '%(wp)s/index.php'; $_SERVER['SCRIPT_NAME'] = '/index.php'; $_SERVER['PHP_SELF'] = '/index.php';
require '%(wp)s/index.php';
"""

SETTINGS = """<?php
define('DB_NAME', 'wordpress');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', 'localhost:%(dir)s/mysql.sock');
define('WP_CONTENT_DIR', '%(content)s');
define('WP_HOME', 'http://%(host)s');
define('WP_SITEURL', 'http://%(host)s');
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('DISABLE_WP_CRON', true);
define('WP_ENVIRONMENT_TYPE', 'local');
define('WPLANG', 'vi');
%(keys)s
$table_prefix = 'wp_';
"""

PHP_PRELUDE = """<?php
$_SERVER['HTTP_HOST'] = '%(host)s'; $_SERVER['REMOTE_ADDR'] = '127.0.0.1'; $_SERVER['REQUEST_URI'] = '/';
$_SERVER['WORDPRESS_CONFIG'] = '%(config)s'; $_SERVER['SERVER_NAME'] = '%(host)s';
"""

INSTALL = """
define('WP_INSTALLING', true);
require '%(wp)s/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/user.php';
wp_install('%(title)s', 'quantri', 'quantri@example.test', true, '', '%(password)s', 'vi');
update_option('WPLANG', 'vi');
update_option('timezone_string', 'Asia/Ho_Chi_Minh');
update_option('date_format', 'd/m/Y');
update_option('posts_per_page', 10);
global $wp_rewrite;
$wp_rewrite->set_permalink_structure('/%%year%%/%%monthnum%%/%%day%%/%%postname%%/');
$wp_rewrite->flush_rules(false);
$editor = wp_insert_user(['user_login' => 'bientap', 'user_pass' => '%(password)s', 'role' => 'editor',
                          'display_name' => 'Nguyễn Thị Hoa', 'first_name' => 'Hoa', 'last_name' => 'Nguyễn Thị',
                          'user_email' => 'bientap@example.test']);
$admin = get_user_by('login', 'quantri');
list($secret) = WP_Application_Passwords::create_new_application_password($admin->ID, ['name' => 'portalize-test']);
echo json_encode(['password' => $secret, 'editor' => $editor]);
"""

THEME = """
require '%(wp)s/wp-load.php';
switch_theme('%(theme)s');
echo get_stylesheet();
"""


@dataclass
class WordPressSite:
    """One WordPress instance under `root`; `start()` installs it on first use."""
    root: Path
    host: str = "sotnmt-wp.tinhmau.gov.vn"
    title: str = "Sở Tài nguyên và Môi trường"

    def __post_init__(self):
        self.root = Path(self.root)
        self.content = self.root / "wp-content"
        self.port = None
        self._db = self._web = None
        self.app_password = None

    # -- processes ---------------------------------------------------------------------------
    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}/"

    def start(self, theme: str = BLOCK) -> "WordPressSite":
        if not (WORDPRESS / "wp-load.php").exists() or not Path(f"/etc/wordpress/config-{CONFIG_NAME}.php").exists():
            raise RuntimeError("WordPress is not installed: run `bash scripts/system-deps.sh` (Debian packages)")
        self.root.mkdir(parents=True, exist_ok=True)
        fresh = not (self.root / "db" / "mysql").exists()
        self._start_db(fresh)
        self._write_files()
        if fresh:
            self._run_sql("CREATE DATABASE wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            out = json.loads(self.php(INSTALL % {"wp": WORDPRESS, "title": self.title,
                                                 "password": secrets.token_urlsafe(12)}))
            (self.root / "app-password").write_text(out["password"])
            os.chmod(self.root / "app-password", 0o600)
        self.app_password = (self.root / "app-password").read_text().strip()
        self.use_theme(theme)
        self._start_web()
        return self

    def _start_db(self, fresh: bool) -> None:
        db = self.root / "db"
        if fresh:
            db.mkdir(parents=True, exist_ok=True)
            subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={db}", "--user=root",
                            "--auth-root-authentication-method=socket", "--skip-test-db"],
                           check=True, capture_output=True)
        sock = self.root / "mysql.sock"
        self._db = subprocess.Popen(
            ["mariadbd", "--no-defaults", f"--datadir={db}", f"--socket={sock}", "--skip-networking", "--user=root",
             "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
             f"--log-error={self.root / 'mariadb.log'}", f"--pid-file={self.root / 'mariadb.pid'}",
             "--innodb-flush-log-at-trx-commit=0", "--skip-log-bin"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        _wait(lambda: sock.exists() and self._sql_ok(), "MariaDB")

    def _sql_ok(self) -> bool:
        return subprocess.run(["mariadb", "--no-defaults", f"--socket={self.root / 'mysql.sock'}", "-uroot",
                               "-e", "SELECT 1"], capture_output=True).returncode == 0

    def _run_sql(self, sql: str) -> None:
        subprocess.run(["mariadb", "--no-defaults", f"--socket={self.root / 'mysql.sock'}", "-uroot", "-e", sql],
                       check=True, capture_output=True)

    def _write_files(self) -> None:
        for name in ("uploads", "plugins", "upgrade"):
            (self.content / name).mkdir(parents=True, exist_ok=True)
        for name in ("themes", "languages"):
            link = self.content / name
            if not link.exists():
                link.symlink_to(WORDPRESS / "wp-content" / name)
        keys = "\n".join(f"define('{k}', '{secrets.token_hex(16)}');" for k in (
            "AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT",
            "LOGGED_IN_SALT", "NONCE_SALT"))
        values = {"dir": self.root, "content": self.content, "host": self.host, "keys": keys,
                  "config": CONFIG_NAME, "wp": WORDPRESS, "site_prefix": ""}
        if not (self.root / "settings.php").exists():
            (self.root / "settings.php").write_text(SETTINGS % values)
        (self.root / "router.php").write_text(ROUTER % values)

    def php(self, code: str) -> str:
        """Run PHP on the command line against this instance (WordPress loaded by the code)."""
        script = self.root / f"cli-{secrets.token_hex(4)}.php"
        script.write_text(PHP_PRELUDE % {"host": self.host, "config": CONFIG_NAME} + code)
        try:
            result = subprocess.run(["php", str(script)], capture_output=True, text=True, timeout=120,
                                    env={**os.environ, "PORTALIZE_WP_SETTINGS": str(self.root / "settings.php")})
        finally:
            script.unlink()
        if result.returncode != 0:
            raise RuntimeError(f"PHP failed ({result.returncode}): {result.stdout[-2000:]} {result.stderr[-2000:]}")
        return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""

    def use_theme(self, theme: str) -> None:
        assert self.php(THEME % {"wp": WORDPRESS, "theme": theme}) == theme

    def block(self, pattern: str | None) -> None:
        """Answer 404 to request URIs matching a PCRE pattern (None: block nothing)."""
        path = self.root / "blocked"
        if pattern:
            path.write_text(pattern)
        elif path.exists():
            path.unlink()

    def _start_web(self, port: int | None = None) -> None:
        self.port = port or free_port()
        env = {**os.environ, "PHP_CLI_SERVER_WORKERS": "4", "PORTALIZE_WP_SETTINGS": str(self.root / "settings.php")}
        with open(self.root / "php-server.log", "ab") as log:
            self._web = subprocess.Popen(
                ["php", "-d", "opcache.enable_cli=1", "-d", "memory_limit=256M", "-S", f"127.0.0.1:{self.port}",
                 "-t", str(WORDPRESS), str(self.root / "router.php")],
                stdout=subprocess.DEVNULL, stderr=log, env=env, start_new_session=True)
        _wait(lambda: self._get("/wp-json/") is not None, "WordPress (php -S)")

    def stop(self) -> None:
        for proc in (self._web, self._db):
            if proc and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
        self._web = self._db = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- REST --------------------------------------------------------------------------------
    def _get(self, path: str):
        try:
            return self.rest("GET", path, auth=False)
        except (OSError, urllib.error.URLError, ValueError):
            return None

    def rest(self, method: str, path: str, data=None, *, raw: bytes | None = None, headers=None, auth=True):
        """A REST call sent to the instance with the legacy Host header; JSON in and out."""
        request = urllib.request.Request(self.origin + path, method=method, data=raw)
        request.add_header("Host", self.host)
        if auth:
            token = base64.b64encode(f"quantri:{self.app_password}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        if data is not None:
            request.data = json.dumps(data).encode()
            request.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read())

    def all(self, path: str) -> list[dict]:
        """Every entry of a REST collection, following its pages."""
        out, page = [], 1
        while True:
            sep = "&" if "?" in path else "?"
            batch = self.rest("GET", f"{path}{sep}per_page=100&page={page}")
            out += batch
            if len(batch) < 100:
                return out
            page += 1


# -- content -------------------------------------------------------------------------------
CATEGORIES = ["Tin tức - Sự kiện", "Thông báo", "Văn bản", "Kế hoạch", "Thủ tục hành chính"]
PAGES = [
    ("Giới thiệu", "Sở Tài nguyên và Môi trường là cơ quan chuyên môn thuộc Ủy ban nhân dân tỉnh, tham mưu, "
                   "giúp Ủy ban nhân dân tỉnh quản lý nhà nước về đất đai, tài nguyên nước, khoáng sản, "
                   "địa chất, môi trường, khí tượng thủy văn, đo đạc và bản đồ."),
    ("Cơ cấu tổ chức", "Lãnh đạo Sở gồm Giám đốc và các Phó Giám đốc. Các phòng chuyên môn: Văn phòng Sở, "
                       "Thanh tra Sở, Phòng Kế hoạch - Tài chính, Phòng Quản lý đất đai, Phòng Tài nguyên nước."),
    ("Lãnh đạo Sở", "Giám đốc: ông Trần Văn Bình. Phó Giám đốc: bà Lê Thị Mai, ông Phạm Quốc Hùng. "
                    "Điện thoại văn phòng: 0234 3822 111, thư điện tử: stnmt@tinhmau.gov.vn."),
    ("Liên hệ", "Địa chỉ: số 12 đường Hùng Vương, thành phố Tỉnh Mẫu. Điện thoại: 0234 3822 111. "
                "Giờ làm việc: sáng từ 7 giờ 00 đến 11 giờ 30, chiều từ 13 giờ 30 đến 17 giờ 00."),
]
_TOPICS = ["cấp giấy chứng nhận quyền sử dụng đất", "bảo vệ môi trường lưu vực sông", "quản lý khoáng sản",
           "quan trắc chất lượng không khí", "chuyển đổi số ngành tài nguyên", "phòng chống thiên tai",
           "đo đạc bản đồ địa chính", "xử lý chất thải rắn sinh hoạt", "tài nguyên nước dưới đất",
           "kiểm kê đất đai năm 2024"]
_PLACES = ["huyện Phú Lộc", "thị xã Hương Thủy", "huyện Nam Đông", "xã Hòa Xuân", "phường Thuận Hòa"]


def _paragraphs(n: int, topic: str, place: str) -> list[str]:
    sentences = [
        f"Sáng nay, tại {place}, Sở Tài nguyên và Môi trường tổ chức hội nghị về {topic}.",
        f"Đại biểu các phòng, ban chuyên môn và Ủy ban nhân dân {place} đã thảo luận kết quả thực hiện trong năm.",
        f"Theo báo cáo, công tác {topic} đạt nhiều kết quả tích cực, góp phần phát triển kinh tế - xã hội.",
        "Bên cạnh đó, vẫn còn những khó khăn, vướng mắc cần tháo gỡ trong thời gian tới.",
        f"Phát biểu kết luận, lãnh đạo Sở đề nghị các đơn vị tiếp tục đẩy mạnh {topic} và báo cáo định kỳ.",
        "Hội nghị cũng thống nhất kế hoạch kiểm tra, giám sát việc thực hiện tại cơ sở.",
    ]
    return [" ".join(sentences[(i + k) % len(sentences)] for k in range(3)) for i in range(n)]


def fill_site(site: WordPressSite, posts: int = 40) -> dict:
    """Categories, posts (backdated, by the editor, some with a PDF or an image), static pages,
    through the REST API as an editor would make them in the admin."""
    cats = {c["name"]: c["id"] for c in site.all("/wp-json/wp/v2/categories")}
    for name in CATEGORIES:
        if name not in cats:
            cats[name] = site.rest("POST", "/wp-json/wp/v2/categories", {"name": name})["id"]
    editor = next(u["id"] for u in site.rest("GET", "/wp-json/wp/v2/users?context=edit")
                  if u["slug"] == "bientap")
    pdf_name = "Quyết định số 12-QĐ-UBND.pdf"
    pdf = site.rest("POST", "/wp-json/wp/v2/media", raw=_pdf_bytes("Quyet dinh 12"), headers={
        "Content-Type": "application/pdf",
        "Content-Disposition": f'attachment; filename="{pdf_name}"'.encode().decode("latin-1")})
    png = site.rest("POST", "/wp-json/wp/v2/media", raw=_png_bytes(), headers={
        "Content-Type": "image/png", "Content-Disposition": 'attachment; filename="hoi-nghi.png"'})
    made = 0
    for i in range(posts):
        topic, place = _TOPICS[i % len(_TOPICS)], _PLACES[i % len(_PLACES)]
        category = CATEGORIES[i % len(CATEGORIES)]
        title = f"{'Hội nghị' if i % 2 else 'Triển khai'} {topic} tại {place} ({i + 1})"
        blocks = [f"<!-- wp:paragraph -->\n<p>{p}</p>\n<!-- /wp:paragraph -->" for p in _paragraphs(3 + i % 3, topic, place)]
        if i % 4 == 0:
            blocks.append(f'<!-- wp:file {{"id":{pdf["id"]},"href":"{pdf["source_url"]}"}} -->\n'
                          f'<div class="wp-block-file"><a href="{pdf["source_url"]}">{html.escape(pdf_name)}</a>'
                          f'<a href="{pdf["source_url"]}" class="wp-block-file__button" download>Tải xuống</a></div>\n'
                          "<!-- /wp:file -->")
        if i % 5 == 0:
            blocks.insert(1, f'<!-- wp:image {{"id":{png["id"]}}} -->\n<figure class="wp-block-image"><img src="'
                             f'{png["source_url"]}" alt="Hội nghị" class="wp-image-{png["id"]}"/></figure>\n'
                             "<!-- /wp:image -->")
        year, month, day = 2019 + i % 6, 1 + (i * 5) % 12, 1 + (i * 7) % 28
        site.rest("POST", "/wp-json/wp/v2/posts", {
            "title": title, "content": "\n\n".join(blocks), "status": "publish", "author": editor,
            "categories": [cats[category]], "date": f"{year}-{month:02d}-{day:02d}T{8 + i % 9:02d}:{(i * 13) % 60:02d}:00",
            "excerpt": ""})
        made += 1
    for title, text in PAGES:
        site.rest("POST", "/wp-json/wp/v2/pages", {
            "title": title, "status": "publish", "author": editor,
            "content": f"<!-- wp:paragraph -->\n<p>{text}</p>\n<!-- /wp:paragraph -->"})
    return {"posts": made, "pages": len(PAGES), "pdf": pdf["source_url"], "pdf_name": pdf_name}


def _pdf_bytes(text: str) -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
            + f"% {text}\n".encode() + b"trailer<</Root 1 0 R>>\n%%EOF\n")


def _png_bytes() -> bytes:
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes([200, 60, 40]) * 8 for _ in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _text(rendered: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", rendered)).split())


def ground_truth(site: WordPressSite) -> dict[str, dict]:
    """What WordPress itself says of every published post and page: link -> fields."""
    cats = {c["id"]: html.unescape(c["name"]) for c in site.all("/wp-json/wp/v2/categories")}
    users = {u["id"]: u["name"] for u in site.rest("GET", "/wp-json/wp/v2/users?context=edit")}
    truth = {}
    for kind in ("posts", "pages"):
        for entry in site.all(f"/wp-json/wp/v2/{kind}?status=publish"):
            truth[entry["link"]] = {
                "kind": "page" if kind == "pages" else "article",
                "title": html.unescape(entry["title"]["rendered"]),
                "date": entry["date"],  # site time (Asia/Ho_Chi_Minh)
                "category": cats.get(entry.get("categories", [None])[0]) if kind == "posts" else None,
                "author": users.get(entry["author"]),
                "text": _text(entry["content"]["rendered"]),
            }
    return truth


if __name__ == "__main__":
    folder, theme = Path(sys.argv[1]), (sys.argv[2] if len(sys.argv) > 2 else BLOCK)
    site = WordPressSite(folder)
    fresh = not (folder / "db" / "mysql").exists()
    site.start(theme)
    if fresh:
        print(fill_site(site))
    print(f"WordPress ({theme}) for {site.host} at {site.origin}; Ctrl-C stops it")
    try:
        signal.pause()
    finally:
        site.stop()
