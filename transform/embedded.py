"""Images pasted into legacy articles as `data:` URLs (a screenshot or a picture pasted from
Word into the site's editor). They are part of the article: sanitising keeps them, the
article lists each as an image file, and the loader uploads it and points the body at the
portal's copy, like any other image."""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from .fragments import parse_fragment

# Raster types only: an SVG can carry script.
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp", "image/bmp": "bmp"}
_DATA_URL = re.compile(r"^\s*data:(image/(?:png|jpe?g|gif|webp|bmp));base64,([A-Za-z0-9+/=\s]+)$", re.I)
KEY_PREFIX = "embedded:"


@dataclass(frozen=True)
class EmbeddedImage:
    media_type: str
    data: bytes
    sha256: str

    @property
    def key(self) -> str:
        """Stands for the image where a URL is expected (an asset's url, the url map)."""
        return f"{KEY_PREFIX}{self.sha256}"

    @property
    def filename(self) -> str:
        return f"anh-nhung-{self.sha256[:12]}.{EXTENSIONS[self.media_type]}"


def is_data_url(value: str) -> bool:
    """Any `data:` URL (browsers ignore the spaces around it and the scheme's case)."""
    return value.strip()[:5].lower() == "data:"


def is_image_data_url(value: str) -> bool:
    return bool(_DATA_URL.match(value or ""))


def decode_data_url(value: str) -> EmbeddedImage | None:
    """The image a base64 `data:image/...` URL holds, or None (not one, or not valid base64)."""
    match = _DATA_URL.match(value or "")
    if not match:
        return None
    try:
        data = base64.b64decode("".join(match[2].split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    if not data:
        return None
    media_type = match[1].lower().replace("image/jpg", "image/jpeg")
    return EmbeddedImage(media_type, data, hashlib.sha256(data).hexdigest())


def embedded_images(html: str) -> list[EmbeddedImage]:
    """The distinct pasted images of an HTML fragment, in document order."""
    if not html or "data:" not in html:
        return []
    root = parse_fragment(html)
    found: dict[str, EmbeddedImage] = {}
    for src in root.xpath("//img/@src"):
        image = decode_data_url(src)
        if image is not None:
            found.setdefault(image.sha256, image)
    return list(found.values())
