"""Content a legacy page hides from its readers: inline styles (`display:none`, `visibility:
hidden`, zero font size or opacity, pushed off-screen, a zero-height box with `overflow:hidden`),
the `hidden` attribute, or a class or id that the page's own `<style>` hides. Sanitising
removes style attributes, so hidden text would become visible on the portal. On government
sites it is often injected spam (hidden links to betting or loan sites on a compromised
server), so it is removed, and each removal is a warning that quotes it."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .fragments import inner_html, parse_fragment

_HIDING = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|"
    r"(?:font-size|opacity)\s*:\s*0*(?:\.0+)?\s*(?:px|pt|em|rem|%)?\s*(?:!important)?\s*(?:;|$)|"
    r"(?:left|top|text-indent|margin-left)\s*:\s*-\d{3,}(?:px|pt|em|rem|%)?", re.I)
COMPROMISE_HINT = "check whether the legacy site was compromised"
_HIDDEN_ATTRIBUTE = re.compile(r"<[a-z][^>]*\shidden(?:[\s>/=])", re.I)


# A box of no height (or width) whose overflow is hidden shows nothing of what it holds.
_ZERO_BOX = re.compile(r"(?:^|[;\s])(?:max-)?(?:height|width)\s*:\s*0*(?:\.0+)?\s*(?:px|pt|em|rem|%)?\s*(?:!important)?\s*(?:;|$)",
                       re.I)
_OVERFLOW_HIDDEN = re.compile(r"overflow\s*:\s*hidden", re.I)


def hiding(style: str) -> str | None:
    """How a CSS declaration list hides what it styles, in its own words, or None."""
    match = _HIDING.search(style or "")
    if match:
        return " ".join(match[0].rstrip(";").split())
    box = _ZERO_BOX.search(style or "")
    if box and _OVERFLOW_HIDDEN.search(style):
        return " ".join(box[0].strip(" ;").split()) + "; overflow:hidden"
    return None


@dataclass(frozen=True)
class StyleRules:
    """Classes and ids the page's own `<style>` elements hide: {name: how}."""
    classes: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)


_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_SIMPLE_SELECTOR = re.compile(r"^[a-z0-9]*([.#])([\w-]+)$", re.I)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def style_rules(css_texts) -> StyleRules:
    """The hiding rules of a page's `<style>` texts: simple selectors only (`.x`, `#x`,
    `div.x`), the way injected spam hides a block by its class."""
    classes, ids = {}, {}
    for css in css_texts:
        for selectors, declarations in _RULE.findall(_CSS_COMMENT.sub("", css or "")):
            how = hiding(declarations)
            if not how:
                continue
            for selector in selectors.split(","):
                match = _SIMPLE_SELECTOR.match(selector.strip())
                if match:
                    (classes if match[1] == "." else ids).setdefault(match[2], how)
    return StyleRules(classes, ids)


def why_hidden(element, rules: StyleRules | None = None) -> str | None:
    """How an element is hidden from readers (inline style, `hidden`, a hiding class or id of
    the page's `<style>`), or None."""
    return _why(element, rules) if isinstance(element.tag, str) else None


def _why(element, rules: StyleRules | None = None) -> str | None:
    if element.get("hidden") is not None:
        return "hidden attribute"
    how = hiding(element.get("style") or "")
    if how or rules is None:
        return how
    for name in (element.get("class") or "").split():
        if name in rules.classes:
            return f"class {name} of the page's <style>: {rules.classes[name]}"
    name = element.get("id")
    if name and name in rules.ids:
        return f"id {name} of the page's <style>: {rules.ids[name]}"
    return None


_STYLE_VALUES = re.compile(r"""style\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_WORD_HIDDEN = re.compile("hidden", re.I)


def _may_hide(html: str) -> bool:
    """A quick look before parsing: an inline style that hides, or a `hidden` attribute
    (patterns with a literal start, which scan a page many times faster)."""
    if any(hiding(a or b) for a, b in _STYLE_VALUES.findall(html)):
        return True
    return bool(_WORD_HIDDEN.search(html) and _HIDDEN_ATTRIBUTE.search(html))


@dataclass(frozen=True)
class HiddenBlock:
    """One hidden element removed from a body: its tag (with class and id), how it was hidden,
    its text and its links to other hosts."""
    name: str
    why: str
    text: str
    links: list


def block_name(element) -> str:
    """An element as `<tag#id.class>`, to name a block in evidence."""
    name = element.tag
    if element.get("id"):
        name += f"#{element.get('id')}"
    if element.get("class"):
        name += "." + ".".join(element.get("class").split())
    return f"<{name}>"


def remove_hidden(html: str, page_host: str | None = None, rules: StyleRules | None = None,
                  found: list | None = None) -> tuple[str, list[str]]:
    """(HTML without hidden elements, one warning per removed element). `rules`: the classes
    and ids the page's `<style>` hides; `found` receives a HiddenBlock per removed element."""
    by_rule = rules is not None and (rules.classes or rules.ids)
    if not html or not (by_rule or _may_hide(html)):
        return html, []
    root = parse_fragment(html)
    hidden = [(el, _why(el, rules)) for el in root.iter() if isinstance(el.tag, str) and el is not root]
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
        hrefs = [href.strip() for href in element.xpath(".//a/@href")]
        hosts = sorted({host for href in hrefs for host in [urlsplit(href).hostname] if host and host != page_host})
        if found is not None:
            links = [h for h in dict.fromkeys(hrefs) if urlsplit(h).hostname not in (None, page_host)]
            found.append(HiddenBlock(block_name(element), why, text, links))
        warning = f"removed hidden content ({why}): {text[:80]!r}" if text else f"removed hidden content ({why})"
        if hosts:
            warning += f"; it links to {', '.join(hosts)}: {COMPROMISE_HINT}"
        warnings.append(warning)
        element.drop_tree()  # keeps the text that follows it
    return inner_html(root), warnings
