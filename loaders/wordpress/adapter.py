"""`wordpress` adapter: each unit is a site of a WordPress multisite network (subdirectory
install), written through the REST API with an application password.

- Items become posts of the unit's site, in a category per content group; a legal document's
  fields become a table in the post, its files are linked below it.
- Files go to the site's media library, named by their original file name.
- Interim links go to one page of the network's main site, "Liên kết trang thông tin điện tử
  các đơn vị" (slug `lien-ket-don-vi`), one list item per unit.
- WordPress has no upsert by external key: each post's slug ends with the end of its uid and
  its body ends with a marker comment (`<!-- portalize:item UID DIGEST CHECK -->`) that says
  which planned fields it was written from; apply records its intent before each create, so a
  killed apply finds the post by its slug instead of creating it twice. The marker's CHECK is
  a hash of the title and body as written: a post edited in wp-admin no longer vouches for it.
- The revision marker is the post's `modified_gmt`.
- The marker names the apply run that wrote the post (`run=`): `recent_runs` reads it from the
  site's most recently modified posts, so a restored or foreign ledger is noticed before it writes.
- A missing site is not created (WordPress's REST API has no route for sites): the error says
  how to create it in Network Admin or with WP-CLI.
"""
from __future__ import annotations

import base64
from urllib.parse import quote

from portalize.core.errors import MappingError, PortalError

from ..base import CategoryCache, Remote
from ..credentials import secret
from ..http import PortalHttp
from ..links_page import LINKS_SLUG, LINKS_TITLE, LinksOnAPage
from ..marker import marked, marker_run, read_marker
from ..render import gmt, post_parts

_FIELDS = "id,link,slug,modified_gmt,status"


def site_slug(path: str) -> str:
    """A unit's site in a subdirectory network: the last segment of its target path
    (`/web/sgddt` -> `sgddt`), which Network Admin accepts as a Site Address."""
    return [p for p in path.strip("/").split("/") if p][-1].lower()


class WordPressPortal(LinksOnAPage):
    name = "wordpress"
    capabilities = frozenset({"subsites", "media", "menus", "revision", "runs"})

    def __init__(self, config: dict):
        if not config.get("url"):
            raise MappingError(["mappings/portal.yml:portal.url: the WordPress network's address is needed"])
        self.url = config["url"].rstrip("/")
        user = config.get("user")
        if not user:
            raise MappingError(["mappings/portal.yml:portal.user: the WordPress user that publishes is needed"])
        token = base64.b64encode(f"{user}:{secret(config)}".encode()).decode()
        self.concurrency = int(config.get("concurrency", 4))  # writes apply makes at once
        self.http = PortalHttp(self.url, {"Authorization": f"Basic {token}", "Accept": "application/json"},
                               timeout=float(config.get("timeout", 60)), retries=int(config.get("retries", 4)),
                               rate_limit=config.get("rate_limit"), pool=self.concurrency,
                               backoff=float(config.get("backoff", 0.5)), connect_to=config.get("connect_to"))
        self._categories = CategoryCache()
        self._sites: dict[str, str] = {}

    def close(self) -> None:
        self.http.close()

    # -- sites -------------------------------------------------------------------------------
    def find_subsite(self, key: str, name: str, path: str) -> str:
        if key in self._sites:
            return self._sites[key]
        slug = site_slug(path)
        site = f"{self.url}/{slug}"
        answer = self.http.request("GET", f"{site}/wp-json/", ok=(200, 404))
        home = None
        if answer.status == 200:
            try:
                home = (answer.json() or {}).get("home", "").rstrip("/")
            except ValueError:
                home = None
        if home != site:
            raise PortalError(
                f"The WordPress network at {self.url}/ has no site /{slug}/ for {name}.",
                f"create it in Network Admin → Sites → Add New (Site Address: {slug}, Site Title: {name}), or with "
                f"WP-CLI: `wp site create --slug={slug} --title=\"{name}\"`; then run the same command again")
        self._sites[key] = site
        return site

    ensure_subsite = find_subsite

    def ensure_category(self, subsite: str, group: str, name: str) -> str:
        return self._categories.get(subsite, group, lambda: self._find_or_make_category(subsite, group, name))

    def _find_or_make_category(self, subsite: str, group: str, name: str) -> str:
        found = self.http.request("GET", f"{subsite}/wp-json/wp/v2/categories?slug={quote(group)}&_fields=id").json()
        if found:
            return found[0]["id"]
        return self.http.request("POST", f"{subsite}/wp-json/wp/v2/categories",
                                 json_body={"name": name, "slug": group}, creates=True).json()["id"]

    # -- items -------------------------------------------------------------------------------
    def _remote(self, post: dict) -> Remote:
        body = (post.get("content") or {}).get("raw")
        key, digest = read_marker((post.get("title") or {}).get("raw"), body)
        return Remote(id=str(post["id"]), url=post["link"], revision=post["modified_gmt"], key=key, digest=digest,
                      run=marker_run(body))

    def _posts(self, subsite: str, query: str, fields: str) -> list[dict]:
        return self.http.request("GET", f"{subsite}/wp-json/wp/v2/posts?{query}&status=any&context=edit"
                                        f"&per_page=100&_fields={fields}").json()

    def read_items(self, subsite: str, item_ids) -> dict[str, Remote]:
        """100 posts per request, revisions only (nothing of the body is read back)."""
        ids, out = list(item_ids), {}
        for start in range(0, len(ids), 100):
            chunk = ",".join(ids[start:start + 100])
            for post in self._posts(subsite, f"include={chunk}", _FIELDS):
                out[str(post["id"])] = self._remote(post)
        return out

    def find_items(self, subsite: str, wanted: dict[str, str]) -> dict[str, Remote]:
        """By slug, 50 per request; a post counts as the item only when its marker names the key."""
        by_slug = {slug: key for key, slug in wanted.items()}
        slugs, out = list(by_slug), {}
        for start in range(0, len(slugs), 50):
            query = "&".join(f"slug[]={quote(s)}" for s in slugs[start:start + 50])
            for post in self._posts(subsite, query, _FIELDS + ",title,content"):
                remote = self._remote(post)
                if remote.key and remote.key == by_slug.get(post["slug"]):
                    out[remote.key] = remote
        return out

    def recent_runs(self, subsite: str) -> list[str]:
        """The apply runs named by the markers of the site's 20 most recently modified posts
        (one request): the portal's latest writes, whoever edited them since."""
        posts = self.http.request("GET", f"{subsite}/wp-json/wp/v2/posts?orderby=modified&order=desc&status=any"
                                         "&context=edit&per_page=20&_fields=id,content").json()
        runs = [marker_run((post.get("content") or {}).get("raw")) for post in posts]
        return list(dict.fromkeys(r for r in runs if r))

    def write_item(self, subsite: str, category: str, key: str, slug: str, fields: dict, digest: str,
                   item_id: str | None = None, run: str | None = None) -> Remote:
        sent = post_parts(key, digest, fields)
        if run:  # the marker names the apply run too
            sent["body"] = marked(key, digest, sent["title"], sent["content"], run)
        payload = {"title": sent["title"], "content": sent["body"], "excerpt": sent["summary"], "status": "publish",
                   "slug": slug, "categories": [int(category)]}
        published = gmt(fields.get("published_at"))
        if published:
            payload["date_gmt"] = published
        path = f"{subsite}/wp-json/wp/v2/posts" + (f"/{item_id}" if item_id else "")
        post = self.http.request("POST", f"{path}?context=edit&_fields={_FIELDS}", json_body=payload,
                                 creates=item_id is None).json()
        if post.get("slug") != slug:
            raise PortalError(f"WordPress gave the post for {key} the slug {post.get('slug')!r}, not {slug!r} "
                              "(another post or page of the site holds that slug)",
                              f"rename or delete the other post in wp-admin of {subsite}/, then run apply again")
        return self._remote(post)

    def delete_item(self, subsite: str, item_id: str) -> None:
        self.http.request("DELETE", f"{subsite}/wp-json/wp/v2/posts/{item_id}?force=true", ok=(200, 404, 410))

    def put_file(self, subsite: str, filename: str, media_type: str | None, data: bytes, sha256: str) -> str:
        """Into the site's media library, once per content: a file whose sha256 is already
        there (its slug says so) is not uploaded again."""
        slug = f"tep-{sha256[:24]}"
        found = self.http.request("GET", f"{subsite}/wp-json/wp/v2/media?slug={slug}&_fields=id,source_url").json()
        if found:
            return found[0]["source_url"]
        # WordPress reads the raw UTF-8 name from filename= (not filename*=).
        disposition = f'attachment; filename="{filename.replace(chr(34), "")}"'.encode().decode("latin-1")
        media = self.http.request("POST", f"{subsite}/wp-json/wp/v2/media?_fields=id,source_url", body=data,
                                  headers={"Content-Type": media_type or "application/octet-stream",
                                           "Content-Disposition": disposition}, creates=True).json()
        self.http.request("POST", f"{subsite}/wp-json/wp/v2/media/{media['id']}?_fields=id",
                          json_body={"slug": slug, "title": filename, "description": f"sha256:{sha256}"})
        return media["source_url"]

    # -- interim links: one page of the main site (LinksOnAPage) ---------------------------
    def _read_links(self):
        pages = self.http.request("GET", f"{self.url}/wp-json/wp/v2/pages?slug={LINKS_SLUG}&status=any&context=edit"
                                         "&_fields=id,content").json()
        return (pages[0], pages[0]["content"]["raw"]) if pages else (None, None)

    def _write_links(self, page: dict | None, content: str) -> None:
        payload = {"title": LINKS_TITLE, "slug": LINKS_SLUG, "status": "publish", "content": content}
        path = f"{self.url}/wp-json/wp/v2/pages" + (f"/{page['id']}" if page else "")
        self.http.request("POST", f"{path}?_fields=id", json_body=payload, creates=page is None)
