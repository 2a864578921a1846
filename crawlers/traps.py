"""URLs a crawl never follows: traps every platform has, plus each preset's own. No Scrapy here:
transform reads it too (a sitemap URL that is a trap is not a page the crawl missed)."""
from __future__ import annotations

import re

# Traps on every platform, on top of each preset's own: logins and admin areas, comment replies,
# search and sort orders, calendars (one page per day, forever), print views and theme or
# language switchers that only bounce back (NukeViet's `nv_redirect`).
COMMON_TRAPS = (r"/wp-login\.php", r"/wp-admin/", r"/xmlrpc\.php", r"(?i:/(login|logout|dang-nhap|dang-xuat|signin)\b)",
                r"[?&](replytocom|nv_redirect|nvvithemever|redirect_to|returnurl|share|orderby|sort)=",
                r"[?&](s|q|keyword|tukhoa|search)=", r"(?i:[?&](ngay|date|day|month|year)=)", r"(?i:[?&]print=)",
                r"/users/(login|register|lostpass|lostactivelink)", r"[?&]nv=users")


def trap_pattern(discovery: dict) -> re.Pattern:
    """One alternation of the common traps and the preset's `skip_url_patterns`."""
    return re.compile("|".join(f"(?:{p})" for p in (*COMMON_TRAPS, *(discovery.get("skip_url_patterns") or ()))))
