"""Vietnamese dates: always day-first, local time Asia/Ho_Chi_Minh.

Handles `Thứ sáu, 18/11/2022 15:17 (GMT+7)`, `14/07/2021 - 20:45`, `21:10, 04/06/2025`,
`05/03/2024 08:30:00 SA` (SA/CH = AM/PM), `THỨ HAI, NGÀY 27/3/2023`,
`ngày 23 tháng 11 năm 2009`, `30 tháng 8, 2024`, lunar suffixes `(nhằm 12/12 ÂL)` and ISO 8601 metadata.
Returns None rather than a date it is not sure of."""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
import unicodedata
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_LUNAR = re.compile(r"\([^)]*(âl|âm lịch|al\b)[^)]*\)", re.I)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?")
# `ngày 23 tháng 11 năm 2009`, and CLDR's Vietnamese formats `30 tháng 8, 2024`, `30 thg 8, 2024`
# (Babel and ICU write these: CKAN, Django, Java portals).
_WORDS = re.compile(r"(?:ngày\s+)?(\d{1,2})\s+(?:tháng|thg)\s+(\d{1,2})(?:\s*,\s*|\s+năm\s+)(\d{4})", re.I)
# The month first, `tháng 11 6, 2024`: an English pattern with Vietnamese month names (CKAN).
_MONTH_FIRST = re.compile(r"(?:tháng|thg)\s+(\d{1,2})\s+(\d{1,2})\s*,\s*(\d{4})", re.I)
_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})(?!\d)")
_TIME = re.compile(r"(?<![\d/])(\d{1,2})\s*[:h]\s*(\d{2})(?:\s*:\s*(\d{2}))?(?:\s*(SA|CH|AM|PM)\b)?(?![\d/])", re.I)
_GMT = re.compile(r"\(?\s*GMT\s*[+-]\s*\d+\s*\)?", re.I)


def _aware(y, m, d, hh=0, mm=0, ss=0) -> dt.datetime | None:
    try:
        return dt.datetime(int(y), int(m), int(d), int(hh), int(mm), int(ss), tzinfo=TZ)
    except ValueError:
        return None


def _time(text: str) -> tuple[int, int, int] | None:
    match = _TIME.search(text)
    if not match:
        return None
    hh, mm, ss, marker = int(match[1]), int(match[2]), int(match[3] or 0), (match[4] or "").upper()
    if marker in ("CH", "PM") and hh < 12:
        hh += 12
    elif marker in ("SA", "AM") and hh == 12:
        hh = 0
    if hh > 23 or mm > 59 or ss > 59:
        return None
    return hh, mm, ss


@lru_cache(maxsize=16)  # one page asks for its date text several times (checks, the choice, the kind)
def parse_date(text: str | None) -> dt.datetime | None:
    """The date and time a Vietnamese page shows, or None when there is none or it is unsure."""
    if not text:
        return None
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    text = _GMT.sub(" ", _LUNAR.sub(" ", text))
    iso = _ISO.search(text)
    if iso and not _DMY.search(text):
        y, m, d, hh, mm, ss, zone = iso.groups()
        try:
            value = dt.datetime.fromisoformat(iso[0].replace(" ", "T").replace("Z", "+00:00"))
        except ValueError:
            return _aware(y, m, d, hh or 0, mm or 0, ss or 0)
        # The offset the page states is kept (the same instant, and the publisher's own wall
        # time and calendar day); a time with no zone is the province's.
        return value if value.tzinfo else value.replace(tzinfo=TZ)
    match = _WORDS.search(text) or _DMY.search(text)
    if match:
        d, m, y = match.groups()
    else:
        match = _MONTH_FIRST.search(text)
        if not match:
            return None
        m, d, y = match.groups()
    rest = text[:match.start()] + " " + text[match.end():]
    clock = _time(rest) or (0, 0, 0)
    return _aware(y, m, d, *clock)


def dates_shown(text: str) -> int:
    """How many day-first dates a text shows (one on an article, one per entry on a list)."""
    return len(_DMY.findall(text))


_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")


def is_malformed(text: str | None) -> bool:
    """An ISO-looking timestamp that is not ISO 8601 (NukeViet writes `2022-04-18+0710:00:00`
    in `article:published_time`): its time and zone cannot be trusted."""
    value = (text or "").strip()
    if not _ISO_START.match(value) or len(value) == 10:
        return False
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return True
    return False


_URL_DATE = re.compile(r"/(20\d{2}|19\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|-|$)")


def date_from_url(url: str) -> dt.datetime | None:
    match = _URL_DATE.search(url)
    return _aware(match[1], match[2], match[3]) if match else None
