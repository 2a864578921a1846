"""Content a legacy page hides from its readers: inline styles (`display:none`, `visibility:
hidden`, zero font size or opacity, pushed off-screen) or the `hidden` attribute. Sanitising
removes style attributes, so hidden text would become visible on the portal. On government
sites it is often injected spam (hidden links to betting or loan sites on a compromised
server), so it is removed, and each removal is a warning that quotes it."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from .fragments import inner_html, parse_fragment

_HIDING = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|"
    r"(?:font-size|opacity)\s*:\s*0*(?:\.0+)?\s*(?:px|pt|em|rem|%)?\s*(?:!important)?\s*(?:;|$)|"
    r"(?:left|top|text-indent|margin-left)\s*:\s*-\d{3,}(?:px|pt|em|rem|%)?", re.I)
COMPROMISE_HINT = "check whether the legacy site was compromised"
_HIDDEN_ATTRIBUTE = re.compile(r"<[a-z][^>]*\shidden(?:[\s>/=])", re.I)


def _why(element) -> str | None:
    if element.get("hidden") is not None:
        return "hidden attribute"
    match = _HIDING.search(element.get("style") or "")
    return " ".join(match[0].rstrip(";").split()) if match else None


_STYLE_VALUES = re.compile(r"""style\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_WORD_HIDDEN = re.compile("hidden", re.I)


def _may_hide(html: str) -> bool:
    """A quick look before parsing: an inline style that hides, or a `hidden` attribute
    (patterns with a literal start, which scan a page many times faster)."""
    if any(_HIDING.search(a or b) for a, b in _STYLE_VALUES.findall(html)):
        return True
    return bool(_WORD_HIDDEN.search(html) and _HIDDEN_ATTRIBUTE.search(html))


def remove_hidden(html: str, page_host: str | None = None) -> tuple[str, list[str]]:
    """(HTML without hidden elements, one warning per removed element)."""
    if not html or not _may_hide(html):
        return html, []
    root = parse_fragment(html)
    hidden = [(el, _why(el)) for el in root.iter() if isinstance(el.tag, str) and el is not root]
    hidden = [(el, why) for el, why in hidden if why]
    if not hidden:
        return html, []
    warnings = []
    removed: set = set()
    for element, why in hidden:
        if any(ancestor in removed for ancestor in element.iterancestors()):
            continue
        removed.add(element)
        text = " ".join(element.text_content().split())
        hosts = sorted({host for href in element.xpath(".//a/@href")
                        for host in [urlsplit(href.strip()).hostname] if host and host != page_host})
        warning = f"removed hidden content ({why}): {text[:80]!r}" if text else f"removed hidden content ({why})"
        if hosts:
            warning += f"; it links to {', '.join(hosts)}: {COMPROMISE_HINT}"
        warnings.append(warning)
        element.drop_tree()  # keeps the text that follows it
    return inner_html(root), warnings
