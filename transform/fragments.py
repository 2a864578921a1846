"""An HTML fragment (an article body) as an lxml tree and back."""
from __future__ import annotations

from html import escape

import lxml.html


# lxml's default HTML parser, but reading as deep as the page parser (extract.parse_page): with
# the default limit (256 levels) the text of a deeper body would vanish without a word.
_PARSER = lxml.html.HTMLParser(huge_tree=True)


def parse_fragment(html: str) -> lxml.html.HtmlElement:
    """The fragment inside one <div> (its text before the first element stays the div's text)."""
    return lxml.html.fragment_fromstring(html, create_parent="div", parser=_PARSER)


def inner_html(root: lxml.html.HtmlElement) -> str:
    """The HTML inside `root`, as parse_fragment took it in: the wrapper serialised once and
    taken off (a call per child costs more for long bodies)."""
    whole = lxml.html.tostring(root, encoding="unicode", with_tail=False)
    if root.tag == "div" and not root.attrib and whole.startswith("<div>") and whole.endswith("</div>"):
        return whole[len("<div>"):-len("</div>")]
    return escape(root.text or "", quote=False) + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root)
