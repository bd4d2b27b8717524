"""Errors of the application layer, beside the domain's (see ``coherence.domain.errors``)::

CoherenceError
├── InvalidInput
│   ├── PlanFileError       a plan file refused: file, path in the document, expected
│   └── BadStoreURL         a store URL that names no supported store
├── PlanNotFound            no plan has that id
├── VersionNotFound         the plan has no such version, or none at that date
└── VersionConflict         the plan moved on since the expected version
"""

from __future__ import annotations

from coherence.domain.errors import CoherenceError, InvalidInput


class PlanFileError(InvalidInput):
    """A plan file that cannot be imported; nothing was saved."""

    def __init__(self, file: str, path: str, expected: str, got: object = None) -> None:
        self.file = file
        super().__init__(path, expected, got)
        self.args = (f"{file}: {self.args[0]}",)


class BadStoreURL(InvalidInput):
    """A store URL that is neither sqlite://, postgresql:// nor memory://."""


class PlanNotFound(CoherenceError):
    """No plan has that id."""

    def __init__(self, plan_id: str) -> None:
        self.plan_id = plan_id
        super().__init__(f"No plan with id {plan_id!r}")


class VersionNotFound(CoherenceError):
    """The plan has no such version, or no version at or before that date."""


class VersionConflict(CoherenceError):
    """The plan changed since the version the caller expected."""

    def __init__(self, plan_id: str, expected: int, current: int) -> None:
        self.plan_id = plan_id
        self.expected = expected
        self.current = current
        super().__init__(
            f"Plan {plan_id} is at version {current}, not {expected}: "
            "reload it and apply your change again"
        )
