"""`rest` adapter: any JSON portal, driven by a mapping file in mappings/portals/."""
from .adapter import RestPortal

__all__ = ["RestPortal"]
