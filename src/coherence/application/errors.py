"""The application's errors, now defined with every other in ``coherence.domain.errors``
(the one tree). Kept so that older imports keep working; import from the domain."""

from __future__ import annotations

from coherence.domain.errors import (
    BadStoreURL,
    PlanFileError,
    PlanNotFound,
    StoreUnavailable,
    TokenNotFound,
    VersionConflict,
    VersionNotFound,
)

__all__ = [
    "BadStoreURL",
    "PlanFileError",
    "PlanNotFound",
    "StoreUnavailable",
    "TokenNotFound",
    "VersionConflict",
    "VersionNotFound",
]
