"""URL helpers shared with transform (one definition of a canonical URL)."""
from portalize.transform.urls import canonical_url, host_of

__all__ = ["canonical_url", "host_of"]
