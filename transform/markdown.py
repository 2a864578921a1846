"""Sanitised HTML -> Markdown."""
from __future__ import annotations

import re

from markdownify import MarkdownConverter

from .soup import html_soup

class _Converter(MarkdownConverter):
    """markdownify, with `<` in text escaped: an escaped `&lt;script&gt;` in a legacy body is
    text, and a CommonMark renderer must never see it as raw HTML (code keeps it as it is)."""

    def escape(self, text, parent_tags):
        return super().escape(text, parent_tags).replace("<", "\\<")


# One converter for every page (building one per call costs more than many conversions).
_CONVERTER = _Converter(heading_style="ATX", bullets="-", strip=["span"])


def to_markdown(html: str) -> str:
    text = _CONVERTER.convert_soup(html_soup(html))
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
