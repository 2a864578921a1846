"""A real WordPress multisite network (Debian's `wordpress` package) on loopback, as the
provincial portal: each unit is a site of the network (subdirectory install).

Set up the way an administrator does it, from PHP on the command line (the network setup
screen refuses a host with a port): `wp_install`, then `install_network()` and
`populate_network()`, then the multisite constants. Sub-sites are created as Network Admin →
Sites → Add New creates them (`wpmu_create_blog`), by `create_site`. The REST API is used with
an application password of the network's super admin, kept in a mode-600 file.

    python -m tests.sites.wordpress_network DIR [SITE_SLUG ...]   # start, create sites, wait
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import sys
from pathlib import Path

from .wordpress import CONFIG_NAME, INSTALL, ROUTER, WORDPRESS, WordPressSite, free_port

NETWORK_SETTINGS = """<?php
define('DB_NAME', 'wordpress');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', 'localhost:%(dir)s/mysql.sock');
define('WP_CONTENT_DIR', '%(content)s');
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('DISABLE_WP_CRON', true);
define('WP_ENVIRONMENT_TYPE', 'local');
define('WPLANG', 'vi');
define('WP_ALLOW_MULTISITE', true);
%(keys)s
%(network)s
$table_prefix = 'wp_';
"""

MULTISITE = """define('MULTISITE', true);
define('SUBDOMAIN_INSTALL', false);
define('DOMAIN_CURRENT_SITE', '%(host)s');
define('PATH_CURRENT_SITE', '/');
define('SITE_ID_CURRENT_SITE', 1);
define('BLOG_ID_CURRENT_SITE', 1);
"""

# WordPress drops ":PORT" from a new site's domain; on loopback the port is part of the host.
PORT_PLUGIN = """<?php
add_filter('wp_normalize_site_data', function ($data) {
    if (isset($data['domain']) && strpos($data['domain'], ':') === false && defined('DOMAIN_CURRENT_SITE')) {
        $data['domain'] = DOMAIN_CURRENT_SITE;
    }
    return $data;
});
"""

NETWORK = """
require '%(wp)s/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/network.php';
global $wpdb;
foreach ($wpdb->tables('ms_global') as $table => $prefixed) { $wpdb->$table = $prefixed; }
install_network();
$result = populate_network(1, '%(host)s', 'quantri@example.test', '%(title)s', '/', false);
if (is_wp_error($result)) { fwrite(STDERR, $result->get_error_message()); exit(1); }
echo 'ok';
"""

NETWORK_OPTIONS = """
require '%(wp)s/wp-load.php';
update_site_option('fileupload_maxk', 51200);
update_site_option('upload_filetypes', 'jpg jpeg png gif webp pdf doc docx xls xlsx ppt pptx odt ods zip rar txt');
update_site_option('WPLANG', 'vi');
// The application password was made before the network existed: its "in use" flag went to the
// site's options, while a network reads it from the network's.
update_site_option('using_application_passwords', 1);
echo json_encode(['super_admins' => get_super_admins()]);
"""

CREATE_SITE = """
require '%(wp)s/wp-load.php';
$id = wpmu_create_blog('%(host)s', '/%(slug)s/', '%(title)s', 1, ['public' => 1, 'WPLANG' => 'vi']);
if (is_wp_error($id)) { fwrite(STDERR, $id->get_error_message()); exit(1); }
switch_to_blog($id);
update_option('permalink_structure', '/%%year%%/%%monthnum%%/%%day%%/%%postname%%/');
update_option('timezone_string', 'Asia/Ho_Chi_Minh');
update_option('date_format', 'd/m/Y');
delete_option('rewrite_rules');
restore_current_blog();
echo json_encode(['id' => $id, 'url' => get_home_url($id, '/')]);
"""

# A subdirectory network's .htaccess rule, for the single-site router: a site's prefix is
# dropped from /wp-admin, /wp-includes, /wp-content and *.php paths.
SITE_PREFIX = r"""if (preg_match('#^/[_0-9a-zA-Z-]+(/wp-(?:content|admin|includes)/.*)$#', $path, $m)) { $path = $m[1]; }
elseif (preg_match('#^/[_0-9a-zA-Z-]+(/[^/]+\.php)$#', $path, $m)) { $path = $m[1]; }"""


class WordPressNetwork(WordPressSite):
    """A multisite network under `root`, at http://127.0.0.1:PORT/ (the port is kept in
    `root/port`: WordPress stores the host in its tables)."""

    def __init__(self, root, title: str = "Cổng thông tin điện tử tỉnh Mẫu"):
        super().__init__(root, host="", title=title)

    @property
    def origin(self) -> str:
        return f"http://{self.host}"

    def start(self, theme: str | None = None) -> "WordPressNetwork":
        if not (WORDPRESS / "wp-load.php").exists() or not Path(f"/etc/wordpress/config-{CONFIG_NAME}.php").exists():
            raise RuntimeError("WordPress is not installed: run `bash scripts/system-deps.sh` (Debian packages)")
        self.root.mkdir(parents=True, exist_ok=True)
        port_file = self.root / "port"
        if not port_file.exists():
            port_file.write_text(str(free_port()))
        self.port = int(port_file.read_text())
        self.host = f"127.0.0.1:{self.port}"
        fresh = not (self.root / "db" / "mysql").exists()
        self._start_db(fresh)
        self._write_network_files(multisite=not fresh)
        values = {"wp": WORDPRESS, "host": self.host, "title": self.title.replace("'", "\\'")}
        if fresh:
            self._run_sql("CREATE DATABASE wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            out = json.loads(self.php(INSTALL % {**values, "password": secrets.token_urlsafe(12)}))
            (self.root / "app-password").write_text(out["password"])
            os.chmod(self.root / "app-password", 0o600)
            assert self.php(NETWORK % values) == "ok"
            self._write_network_files(multisite=True)
            assert "quantri" in json.loads(self.php(NETWORK_OPTIONS % values))["super_admins"]
        self.app_password = (self.root / "app-password").read_text().strip()
        self._start_web(self.port)
        return self

    def _write_network_files(self, multisite: bool) -> None:
        for name in ("uploads", "plugins", "upgrade", "mu-plugins"):
            (self.content / name).mkdir(parents=True, exist_ok=True)
        for name in ("themes", "languages"):
            link = self.content / name
            if not link.exists():
                link.symlink_to(WORDPRESS / "wp-content" / name)
        (self.content / "mu-plugins" / "loopback-port.php").write_text(PORT_PLUGIN)
        keys_file = self.root / "keys.php"
        if not keys_file.exists():
            keys_file.write_text("\n".join(f"define('{k}', '{secrets.token_hex(16)}');" for k in (
                "AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT",
                "LOGGED_IN_SALT", "NONCE_SALT")))
        values = {"dir": self.root, "content": self.content, "host": self.host, "config": CONFIG_NAME,
                  "wp": WORDPRESS, "keys": keys_file.read_text(), "site_prefix": SITE_PREFIX,
                  "network": MULTISITE % {"host": self.host} if multisite else ""}
        (self.root / "settings.php").write_text(NETWORK_SETTINGS % values)
        (self.root / "router.php").write_text(ROUTER % values)

    def create_site(self, slug: str, title: str) -> dict:
        """A site of the network at /SLUG/, as Network Admin → Sites → Add New makes it."""
        return json.loads(self.php(CREATE_SITE % {"wp": WORDPRESS, "host": self.host, "slug": slug,
                                                  "title": title.replace("'", "\\'")}))

    def site_rest(self, slug: str, method: str, path: str, data=None, **kwargs):
        return self.rest(method, f"/{slug}{path}" if slug else path, data, **kwargs)


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    network = WordPressNetwork(folder).start()
    for slug in sys.argv[2:]:
        print(network.create_site(slug, slug))
    print(f"WordPress network at {network.origin}/ (user quantri, application password in {folder / 'app-password'}); "
          "Ctrl-C stops it")
    try:
        signal.pause()
    finally:
        network.stop()
