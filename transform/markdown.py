"""Sanitised HTML -> Markdown."""
from __future__ import annotations

import re

from markdownify import MarkdownConverter

# One converter for every page (building one per call costs more than many conversions).
_CONVERTER = MarkdownConverter(heading_style="ATX", bullets="-", strip=["span"])


def to_markdown(html: str) -> str:
    text = _CONVERTER.convert(html)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
