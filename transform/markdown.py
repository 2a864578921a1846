"""Sanitised HTML -> Markdown."""
from __future__ import annotations

import re

from markdownify import markdownify


def to_markdown(html: str) -> str:
    text = markdownify(html, heading_style="ATX", bullets="-", strip=["span"])
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
