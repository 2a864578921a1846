"""URL schemes of the sample sites, one class per legacy platform family (DOMAIN.md's table).

A style says where a site's home, list, article and file URLs are, which query parameters
change a page, which path segments are only session or portal state, and which trap pages
(calendars, print views, login walls) the site also answers, the way the real platform would.
"""
from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from urllib.parse import quote


def _tag(*parts) -> str:
    """A short hex tag that differs from page to page (session ids, portal state)."""
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:16]


class Style(ABC):
    name = ""
    feed_path: str | None = None
    sitemap_path = "/sitemap.xml"
    #: paths the server accepts but ignores (session ids, portal navigation state)
    state_segment: re.Pattern | None = None

    def __init__(self, site: dict):
        self.site = site

    # -- URLs the templates write -------------------------------------------------------
    def home_paths(self) -> list[str]:
        return ["/"]

    @abstractmethod
    def list_urls(self, cat: dict, page: int) -> list[str]:
        """The URLs of list page `page` (first: the one links use); [] when only a postback reaches it."""

    @abstractmethod
    def article_url(self, a: dict) -> str:
        """The path (and query) of an article page."""

    @abstractmethod
    def asset_url(self, a: dict, name: str) -> str:
        """The link to a file of an article, as its pages write it."""

    def significant(self, param: str) -> bool:
        """True when a query parameter changes which page the server answers."""
        return False

    # -- what else the server answers ---------------------------------------------------
    def normalize_path(self, path: str) -> str:
        return self.state_segment.sub("", path) or "/" if self.state_segment else path

    def trap(self, path: str, query: dict) -> tuple[str, dict] | None:
        """(template, context) for a trap page at this URL, or None."""
        return None

    def postback(self, path: str, form: dict) -> tuple[dict, int] | None:
        """(category, page) a postback asks for, or None."""
        return None


class Liferay(Style):
    name = "liferay"

    def home_paths(self):
        return ["/", "/web/guest", "/web/guest/trang-chu"]

    def _cur(self) -> str:
        return f"_101_INSTANCE_{self.site['portlet']}_cur"

    def list_urls(self, cat, page):
        base = f"/web/guest/{cat['slug']}"
        urls = [f"{base}?{self._cur()}={page}"]
        return [base, *urls] if page == 1 else urls

    def article_url(self, a):
        return f"/-/asset_publisher/{self.site['portlet']}/content/{a['slug']}"

    def asset_url(self, a, name):
        return f"/documents/20182/0/{name}/{a['uuid']}"

    def significant(self, param):
        return param == self._cur()


class NukeViet(Style):
    name = "nukeviet"
    feed_path = "/vi/news/rss/"

    def home_paths(self):
        return ["/", "/vi/", "/vi"]

    def list_urls(self, cat, page):
        base = f"/vi/news/{cat['slug']}/"
        return [base] if page == 1 else [f"{base}page-{page}"]

    def article_url(self, a):
        return f"/vi/news/{a['category']['slug']}/{a['slug']}-{a['id']}.html"

    def asset_url(self, a, name):
        return f"/uploads/news/{a['upload_dir']}/{name}"


class WebSphere(Style):
    """IBM WebSphere Portal with WCM: friendly URLs under /wps/portal/<site>/, every link
    carrying the portal's navigational state (`/!ut/p/z1/...`, different on each page),
    files under /wps/wcm/connect/ with `MOD=AJPERES` and a per-page CACHEID."""
    name = "websphere"
    state_segment = re.compile(r"/!ut/p/.*$")

    def _root(self) -> str:
        return f"/wps/portal/{self.site['library']}"

    def home_paths(self):
        return ["/", f"{self._root()}/trang-chu"]

    def state(self, current: str) -> str:
        """The navigational-state suffix WebSphere appends to every link of a page."""
        return f"/!ut/p/z1/04_Sj9CPykssy0xPLMnMz0vMAfIjo8zi{_tag(current)}/dz/d5/L2dBISEvZ0FBIS9nQSEh/"

    def list_urls(self, cat, page):
        base = f"{self._root()}/{cat['slug']}"
        return [base] if page == 1 else [f"{base}?WCM_Page.{self.site['portlet']}={page}"]

    def article_url(self, a):
        return f"{self._root()}/{a['category']['slug']}/{a['slug']}"

    def asset_url(self, a, name):
        return (f"/wps/wcm/connect/{self.site['library']}/{_tag('file', name)}/{quote(name)}"
                f"?MOD=AJPERES&CACHEID=ROOTWORKSPACE.Z18_{_tag(a['slug']).upper()}")

    def significant(self, param):
        return param.startswith("WCM_Page.")


class SharePoint(Style):
    """SharePoint publishing site in Vietnamese (`/Trang/` is the Pages library), items by
    `ItemID`, lists paged by `?Page=N`, a calendar list with one page per day."""
    name = "sharepoint"

    def home_paths(self):
        return ["/", "/Trang/TrangChu.aspx"]

    def list_urls(self, cat, page):
        base = f"/Trang/{cat['slug']}.aspx"
        return [base] if page == 1 else [f"{base}?Page={page}"]

    def article_url(self, a):
        return f"/Trang/ChiTietTin.aspx?ItemID={a['id']}"

    def asset_url(self, a, name):
        if name.endswith((".png", ".jpg")):
            return f"/PublishingImages/{quote(name)}"
        return f"/Lists/VanBan/Attachments/{a['id']}/{quote(name)}"

    def significant(self, param):
        return param in ("ItemID", "Page", "CalendarDate")

    def trap(self, path, query):
        if path.lower() == "/lists/lichcongtac/calendar.aspx":
            day = query.get("CalendarDate", ["2024-01-01"])[0]
            return "calendar.html", {"day": day}
        return None


class DotNetNuke(Style):
    """DotNetNuke: pages by tabid, articles by ArticleID, lists paged only by postback,
    cookieless session ids in every path, files through LinkClick.aspx."""
    name = "dnn"
    state_segment = re.compile(r"/\(S\([a-z0-9]+\)\)", re.I)

    def home_paths(self):
        return ["/", "/Default.aspx", f"/tabid/{self.site['home_tab']}/Default.aspx"]

    def session(self, current: str) -> str:
        """The cookieless session segment ASP.NET writes into links (differs per visit)."""
        return f"/(S({_tag('session', current)[:24]}))"

    def grid(self, cat) -> str:
        return f"dnn$ctr{cat['mid']}$ArticleList$grdArticles"

    def list_urls(self, cat, page):
        return [f"/tabid/{cat['tabid']}/Default.aspx"] if page == 1 else []

    def article_url(self, a):
        return f"/tabid/{a['category']['tabid']}/ArticleID/{a['id']}/Default.aspx"

    def asset_url(self, a, name):
        if name.endswith((".png", ".jpg")):
            return f"/Portals/0/Images/{quote(name)}"
        return f"/LinkClick.aspx?fileticket={_tag('ticket', name)[:12]}%3d&tabid=58&mid=412"

    def significant(self, param):
        return param == "fileticket"

    def trap(self, path, query):
        match = re.fullmatch(r"/tabid/(\d+)/ctl/(Print|Login)(?:/mid/\d+/ArticleID/(\d+))?/Default\.aspx", path)
        if match:
            return "utility.html", {"what": match[2]}
        return None

    def postback(self, path, form):
        for cat in self.site["categories"]:
            if path == f"/tabid/{cat['tabid']}/Default.aspx" and form.get("__EVENTTARGET") == [self.grid(cat)]:
                argument = form.get("__EVENTARGUMENT", [""])[0]
                if argument.startswith("Page$") and argument[5:].isdigit():
                    return cat, int(argument[5:])
        return None


class WordPress(Style):
    """WordPress: posts at /YYYY/MM/slug/, categories paged as /page/N/, a feed at /feed/,
    the core sitemap at /wp-sitemap.xml, date archives (a calendar) for every month."""
    name = "wordpress"
    feed_path = "/feed/"
    sitemap_path = "/wp-sitemap.xml"

    def list_urls(self, cat, page):
        base = f"/chuyen-muc/{cat['slug']}/"
        return [base] if page == 1 else [f"{base}page/{page}/"]

    def article_url(self, a):
        return f"/{a['ym']}/{a['slug']}/"

    def asset_url(self, a, name):
        return f"/wp-content/uploads/{self.site['uploads']}/{quote(name)}"

    def trap(self, path, query):
        match = re.fullmatch(r"/(\d{4})/(\d{2})/", path)
        if match:  # a month archive, linking to the month before: endless
            year, month = int(match[1]), int(match[2])
            before = f"/{year - (month == 1)}/{(month - 2) % 12 + 1:02d}/"
            return "archive.html", {"month": f"{month:02d}/{year}", "before": before}
        return None


STYLES = {cls.name: cls for cls in (Liferay, NukeViet, WebSphere, SharePoint, DotNetNuke, WordPress)}
