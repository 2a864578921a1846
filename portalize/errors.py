"""One exception tree. Each error says what went wrong, names the file, agency or URL, and
gives the next command to run. `retriable` says whether running the same command again can help."""
from __future__ import annotations


class PortalizeError(Exception):
    retriable = False

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  Next: {self.hint}" if self.hint else self.message


class MappingError(PortalizeError):
    """A mapping file is invalid; `problems` lists every `file:key: message`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems), "fix the files above, then run `portalize agencies validate`")


class UnknownAgency(PortalizeError):
    pass


class CrawlFailed(PortalizeError):
    retriable = True


class StalePlan(PortalizeError):
    pass


class PortalError(PortalizeError):
    retriable = True


class PlanNotFound(PortalizeError):
    pass


class ArchiveOnly(PortalizeError):
    """The agency's site is only archived (no successor unit): it is never planned or loaded."""
