"""`wordpress` adapter: a WordPress multisite network as the provincial portal."""
from .adapter import WordPressPortal

__all__ = ["WordPressPortal"]
