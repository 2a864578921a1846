"""A BeautifulSoup tree from html.parser (as markdownify builds it), linear in the number of
void elements: bs4 keeps the end tags of `<img>` and `<br>` that may still come in a list it
scans at every end tag, which makes a body with 100k images take minutes."""
from __future__ import annotations

import inspect
from collections import Counter

from bs4 import BeautifulSoup
from bs4.builder import HTMLParserTreeBuilder
from bs4.builder._htmlparser import BeautifulSoupHTMLParser


class _ClosedTags(Counter):
    """bs4's list of void elements' end tags still expected, counted (same answers)."""

    def append(self, tag: str) -> None:
        self[tag] += 1

    def __contains__(self, tag) -> bool:
        return self[tag] > 0

    def remove(self, tag: str) -> None:
        self[tag] -= 1


class _Parser(BeautifulSoupHTMLParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.already_closed_empty_element = _ClosedTags()


# bs4 4.13 and later take the parser class as an argument of feed; older ones keep the list.
_TAKES_PARSER = "_parser_class" in inspect.signature(HTMLParserTreeBuilder.feed).parameters


class _TreeBuilder(HTMLParserTreeBuilder):
    def feed(self, markup, *args, **kwargs) -> None:
        if _TAKES_PARSER and not args and not kwargs:
            return super().feed(markup, _parser_class=_Parser)
        return super().feed(markup, *args, **kwargs)


def html_soup(html: str) -> BeautifulSoup:
    """`BeautifulSoup(html, "html.parser")`, the same tree, in linear time."""
    return BeautifulSoup(html, builder=_TreeBuilder)
