"""An article's outline: the little a plan needs of it without reading its body (tens of kB):
its title and addresses, its files, and the links and images its body points at, in the order
the loader's link rewrite meets them. Kept beside the staged article. Pure."""
from __future__ import annotations

from .embedded import decode_data_url
from .fragments import parse_fragment

# What the outline keeps of each file an article lists.
FILE_KEYS = ("url", "sha256")


def link_slots(root):
    """(element, attribute, value, pasted image or None) of each link (a href) and then each
    image (img src) of a parsed body, in document order: what the outline lists and the
    loader's link rewrite changes, met in the same order by both."""
    for element, attribute in [(a, "href") for a in root.iter("a")] + [(i, "src") for i in root.iter("img")]:
        value = element.get(attribute)
        yield element, attribute, value, decode_data_url(value) if attribute == "src" else None


def body_links(html: str) -> list[str]:
    """The absolute links (a href) and then the images (img src) of a body, once each, in
    document order; an image pasted as a `data:` URL stands as its key (embedded:SHA256)."""
    if not html or not html.strip() or ("href" not in html and "src" not in html):
        return []
    found: dict[str, None] = {}  # in document order, once each
    for _, _, value, pasted in link_slots(parse_fragment(html)):
        if pasted is not None:
            value = pasted.key
        elif not value or not value.startswith(("http://", "https://")):
            continue
        found.setdefault(value)
    return list(found)


def article_outline(article: dict) -> dict:
    """{title, source_url, published_at, aliases, kind, group, attachments, images, links[, quarantined]}."""
    return {
        "title": article.get("title") or "",
        "source_url": article.get("source_url") or "",
        "published_at": article.get("published_at"),
        "aliases": list(article.get("aliases") or []),
        "kind": article.get("kind"),
        "group": article.get("group"),
        "attachments": [{k: a.get(k) for k in FILE_KEYS} for a in article.get("attachments") or []],
        "images": [{k: a.get(k) for k in FILE_KEYS} for a in article.get("images") or []],
        "links": body_links(article.get("body_html") or ""),
        # A quarantined article (suspected injected spam) is planned from the article itself.
        **({"quarantined": True} if article.get("quarantine") else {}),
    }
