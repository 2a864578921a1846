from .adapter import SqlPortal

__all__ = ["SqlPortal"]
