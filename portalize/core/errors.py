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


class NotRegistered(PortalizeError):
    """An agency in the mappings that was never registered in the ledger."""


class CrawlFailed(PortalizeError):
    retriable = True

    def __init__(self, message: str, hint: str | None = None, results=None):
        super().__init__(message, hint)
        self.results = results or []  # what the crawls that ran did, for the report


class StalePlan(PortalizeError):
    pass


class PortalError(PortalizeError):
    retriable = True


class PlanNotFound(PortalizeError):
    pass


class ArchiveOnly(PortalizeError):
    """The agency's site is only archived (no successor unit): it is never planned or loaded."""


class FetchFailed(PortalizeError):
    """One page (detect, extract, mapping check, register) could not be fetched."""
    retriable = True


class NothingStaged(PortalizeError):
    """A step needs staged articles and there are none."""


class NotExtracted(PortalizeError):
    """One page gave no article (`portalize extract`)."""


class SchemaOutdated(PortalizeError):
    """The ledger's schema is older than this version of portalize."""


class NoAgencySelected(PortalizeError):
    """A command that needs agencies was given none."""


class UsageProblem(PortalizeError):
    """Options that do not go together."""


class QualityGateFailed(PortalizeError):
    """The field report of an agency's transform crosses its thresholds: no plan is made."""

    def __init__(self, message: str, hint: str | None = None, problems=None):
        super().__init__(message, hint)
        self.problems = list(problems or [])


class NothingFound(PortalizeError):
    """A transform found no item among an agency's stored pages; `results` holds every
    agency's summary (the others' work is kept)."""

    def __init__(self, message: str, hint: str | None = None, results=None):
        super().__init__(message, hint)
        self.results = results or []


class LedgerUnreadable(PortalizeError):
    """The ledger database cannot be read or written (damaged file, full disk, no access)."""


class Busy(PortalizeError):
    """Another process holds the lease on this work (a plan being applied, an agency being crawled)."""


class LostLedger(PortalizeError):
    """The ledger knows nothing of an agency the portal already holds items of."""


class DeadSite(PortalizeError):
    """A legacy site that does not answer gets no interim link; a unit with nothing loaded
    keeps its link to the legacy site."""
