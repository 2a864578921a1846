"""URL helpers shared with transform (one definition of a canonical URL)."""
from transform.urls import canonical_url, host_of, matches_any

__all__ = ["canonical_url", "host_of", "matches_any"]
