"""Every error Coherence raises on purpose, and what each one means to a caller.

One tree, one table. The domain protects its invariants with these (never
``assert``); the application, the projections and the HTTP layer raise the rest.
Each class maps to an HTTP status and problem title (``api/errors.py``) and to an
exit status of the command line (``cli/main.py``), in :data:`OUTCOMES` below::

    CoherenceError                          HTTP  title                         exit
    ├── InvalidInput                        422   Invalid input                  2
    │   ├── InvalidValue                    422   a field value of the wrong type, enum or format
    │   ├── UnknownKind                     422   an element kind the Framework does not have
    │   ├── UnknownField                    422   a field that the kind does not have
    │   ├── PlanFileError                   422   Invalid plan file              2
    │   │   │                                     (file, path in the document or byte offset)
    │   │   └── WorkbookError               422   Invalid plan file              2
    │   │                                         (file, sheet, cell and column)
    │   ├── FileTooLarge                    413   Payload too large              2
    │   │                                         (an evidence file over its limit)
    │   └── BadStoreURL                     500   Internal server error          2
    │                                             (a store URL naming no store that can be opened)
    ├── PlanRuleViolation                   422   Breaks a plan rule             2
    │   ├── DuplicateKey                    422   an active element already has that key
    │   ├── KeyKindConflict                 409   Key belongs to another element 2
    │   ├── UnknownElement                  404   Element not found              2
    │   ├── RetiredElement                  409   Element is retired             2
    │   ├── InvalidLink                     422   a link between the wrong kinds, or one that
    │   │                                         does not exist / already exists
    │   ├── InvalidTransition               409   Not allowed in the plan's current status  2
    │   ├── UndoConflict                    409   Undo conflicts with later changes  2
    │   │                                         (names the elements changed since)
    │   ├── MergeConflict                   409   Merge conflicts with the plan   2
    │   │                                         (names the elements changed on both sides)
    │   ├── ScenarioExists                  409   Scenario exists                2
    │   └── TimeWentBackwards               422   a recording time before the plan's last event
    ├── PlanNotFound                        404   Plan not found                 2
    │   └── ScenarioNotFound                404   Scenario not found             2
    ├── VersionNotFound                     404   Version not found              2
    │   └── NeverAdopted                    404   Never adopted                  2
    │                                             (``--from adopted`` of a plan never adopted)
    ├── TokenNotFound                       404   Token not found                2
    ├── PersonNotFound                      404   Person not found               2
    ├── EvidenceNotFound                    404   Evidence not found             2
    ├── VersionConflict                     409   Version conflict               2
    ├── ServerUnavailable                   503   Service unavailable            3
    │   ├── StoreUnavailable                503   Event store unavailable        3
    │   └── Neo4jUnavailable                503   Graph database unavailable     3
    ├── RefusedToStart                      500   Internal server error          2
    ├── WorkersFailed                       500   Internal server error          4
    └── ApiError                            400   raised by the HTTP layer itself
        ├── Unauthorized                    401   no token, or an unknown or revoked one
        ├── Forbidden                       403   the token's role or scope does not allow it,
        │                                         or a cross-site or CSRF-less cookie write
        ├── NotFound                        404   an unknown route target
        ├── PayloadTooLarge                 413   a body over the size limit
        ├── UnsupportedMediaType            415   a body in a format the route does not read
        ├── TooManyRequests                 429   too many sign-in attempts (Retry-After)
        └── SignInFailed                    400   the identity provider's answer was refused
    OSError (not ours: a file the command   500   Internal server error          2
    line reads or writes, e.g. ``export -o`` into a missing directory)
    (anything else: a bug)                  500   Internal server error         70

Exit statuses of ``coherence``: 0 success; 1 ``audit`` found an error finding;
2 bad input (a refused file or value, an unknown plan, version, element, token or person,
a version conflict, a usage error); 3 a server (PostgreSQL, Neo4j) cannot be
reached; 4 ``serve`` could not run its worker processes; 70 (``EX_SOFTWARE``) an
unexpected error, that is a bug in Coherence.

This module imports nothing: the domain stays free of web and database libraries.

>>> outcome_of(PlanNotFound("x"))
Outcome(status=404, title='Plan not found', exit=2, detail=None)
>>> outcome_of(StoreUnavailable("localhost:1", "start it")).exit
3
>>> outcome_of(ZeroDivisionError()).exit
70
"""

from __future__ import annotations

from dataclasses import dataclass


class CoherenceError(Exception):
    """Base of every error that Coherence raises on purpose."""


# -- bad input -------------------------------------------------------------------


class InvalidInput(CoherenceError):
    """Input that does not have the expected shape.

    ``path`` names the field (``initiatives[3].supports[0]`` or ``owner``) and
    ``expected`` says what was expected there.
    """

    def __init__(self, path: str, expected: str, got: object = None) -> None:
        self.path = path
        self.expected = expected
        self.got = got
        message = f"{path}: expected {expected}"
        if got is not None:
            message += f", got {_short(got)}"
        super().__init__(message)


class InvalidValue(InvalidInput):
    """A field value of the wrong type, enumeration or format."""


class UnknownKind(InvalidInput):
    """An element kind that the Framework does not define."""


class UnknownField(InvalidInput):
    """A field that an element kind does not have."""


class PlanFileError(InvalidInput):
    """A plan file that cannot be imported; nothing was saved."""

    def __init__(self, file: str, path: str, expected: str, got: object = None) -> None:
        self.file = file
        super().__init__(path, expected, got)
        self.args = (f"{file}: {self.args[0]}",)


class WorkbookError(PlanFileError):
    """A workbook (or CSV file) that cannot be imported; nothing was saved.

    Names the ``sheet`` (None for a CSV file or the whole workbook), the ``cell``
    (``F7``) and the ``field`` (the column's name): ``plan.xlsx: Initiatives!F7
    (supports): expected ...``.
    """

    def __init__(
        self,
        file: str,
        sheet: str | None,
        cell: str | None,
        field: str | None,
        expected: str,
        got: object = None,
    ) -> None:
        self.sheet = sheet
        self.cell = cell
        self.field = field
        ref = f"'{sheet}'" if sheet and not sheet.replace("_", "").isalnum() else sheet
        where = f"{ref}!{cell}" if ref and cell else ref or cell
        if where and field:
            where += f" ({field})"
        super().__init__(file, where or field or "(workbook)", expected, got)


class FileTooLarge(InvalidInput):
    """A file (progress evidence) over the size limit; nothing was saved."""


class BadStoreURL(InvalidInput):
    """A store URL that names no store that can be opened (a scheme other than
    sqlite://, postgresql:// or memory://, or a SQLite file that cannot be one)."""


# -- plan rules ------------------------------------------------------------------


class PlanRuleViolation(CoherenceError):
    """Well-formed input that would break a rule of the plan."""


class DuplicateKey(PlanRuleViolation):
    """An active element already has the key."""


class KeyKindConflict(PlanRuleViolation):
    """The key is used (now or in the history) by an element of another kind."""


class UnknownElement(PlanRuleViolation):
    """No element of the plan has the key."""


class RetiredElement(PlanRuleViolation):
    """The element is retired; restore it before changing or linking it."""


class InvalidLink(PlanRuleViolation):
    """A link between the wrong kinds, or one that does not or already exists."""


class InvalidTransition(PlanRuleViolation):
    """A lifecycle step out of order (adopt, start a redesign, close)."""


class TimeWentBackwards(PlanRuleViolation):
    """A recording time earlier than the plan's latest event."""


class UndoConflict(PlanRuleViolation):
    """A revision cannot be undone: later revisions changed the same elements or fields.

    ``keys`` names them (the plan's key for its details, ``SOURCE -> TARGET`` for a
    link); nothing was saved.
    """

    def __init__(self, plan_id: str, revision: int, keys: list[str]) -> None:
        self.plan_id = plan_id
        self.revision = revision
        self.keys = keys
        super().__init__(
            f"Cannot undo revision {revision} of plan {plan_id}: later revisions changed "
            f"{', '.join(keys)} since; nothing was saved"
        )


class MergeConflict(PlanRuleViolation):
    """A scenario cannot be merged: the plan changed the same elements (links, details)
    since the scenario was forked. ``keys`` names them; nothing was saved."""

    def __init__(self, plan_id: str, name: str, keys: list[str]) -> None:
        self.plan_id = plan_id
        self.name = name
        self.keys = keys
        super().__init__(
            f"Cannot merge scenario ~{name} into plan {plan_id}: both changed "
            f"{', '.join(keys)} since the fork; nothing was saved"
        )


class ScenarioExists(PlanRuleViolation):
    """The plan already has a scenario of that name (a discarded or merged one keeps it)."""


# -- what is not there -----------------------------------------------------------


class PlanNotFound(CoherenceError):
    """No plan has that id."""

    def __init__(self, plan_id: str) -> None:
        self.plan_id = plan_id
        super().__init__(f"No plan with id {plan_id!r}")


class ScenarioNotFound(PlanNotFound):
    """The plan has no scenario of that name."""

    def __init__(self, plan_id: str, name: str) -> None:
        self.name = name
        CoherenceError.__init__(self, f"Plan {plan_id} has no scenario {name!r}")
        self.plan_id = plan_id


class VersionNotFound(CoherenceError):
    """The plan has no such version, or no version at or before that date."""


class NeverAdopted(VersionNotFound):
    """The plan has never been adopted, so it has no adopted version (``--from adopted``)."""

    def __init__(self, plan_id: str) -> None:
        self.plan_id = plan_id
        super().__init__(
            f"Plan {plan_id} has never been adopted: there is no adopted version to compare with"
        )


class TokenNotFound(CoherenceError):
    """No token has that id."""


class PersonNotFound(CoherenceError):
    """No person was ever granted a role under that email address."""


class EvidenceNotFound(CoherenceError):
    """No evidence file of that digest was uploaded to the plan."""


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


# -- servers ---------------------------------------------------------------------


class ServerUnavailable(CoherenceError):
    """A server Coherence needs cannot be reached; the message says what to do.

    >>> str(Neo4jUnavailable("localhost:7687", "start it", "Connection refused"))
    'Neo4j at localhost:7687 cannot be reached: start it (Connection refused)'
    """

    server = "A server"

    def __init__(self, address: str, remedy: str = "", cause: object = None) -> None:
        self.address = address
        self.remedy = remedy
        self.cause = cause
        super().__init__(self._message(remedy))

    def without_remedy(self) -> str:
        """The message without what to do, for a program that waits for the server.

        >>> Neo4jUnavailable("localhost:7687", "start it", "Connection refused").without_remedy()
        'Neo4j at localhost:7687 cannot be reached (Connection refused)'
        """
        return self._message("")

    def _message(self, remedy: str) -> str:
        message = f"{self.server} at {self.address} cannot be reached"
        if remedy:
            message += f": {remedy}"
        if self.cause is not None:
            message += f" ({self.cause})"
        return message


class StoreUnavailable(ServerUnavailable):
    """The event store's server (PostgreSQL) refused or did not answer."""

    server = "PostgreSQL"


class Neo4jUnavailable(ServerUnavailable):
    """Neo4j did not answer, even after retrying."""

    server = "Neo4j"


class RefusedToStart(CoherenceError):
    """The server would be open to the network without any token."""


class WorkersFailed(CoherenceError):
    """A worker process of ``serve --workers`` could not start or stopped on its own."""


# -- the HTTP layer --------------------------------------------------------------


class ApiError(CoherenceError):
    """Raised by the HTTP layer itself (its status is in :data:`OUTCOMES`)."""


class Unauthorized(ApiError):
    """No token, or an unknown or revoked one."""


class Forbidden(ApiError):
    """The token's role or scope does not allow the request."""


class NotFound(ApiError):
    """An unknown route target (e.g. a link that does not exist)."""


class PayloadTooLarge(ApiError):
    """A body over the size limit."""


class UnsupportedMediaType(ApiError):
    """A body in a format the route does not read (its Content-Type)."""


class TooManyRequests(ApiError):
    """Too many sign-in attempts from one address or for one account: try again in
    ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class SignInFailed(ApiError):
    """The identity provider's answer could not be accepted (state, nonce, issuer,
    audience, signature, an unverified email, another domain)."""


# -- the one table ---------------------------------------------------------------

EXIT_OK = 0
EXIT_AUDIT_ERROR = 1
"""``coherence audit`` found a finding of severity error."""
EXIT_BAD_INPUT = 2
EXIT_UNREACHABLE = 3
EXIT_WORKERS_FAILED = 4
EXIT_BUG = 70
"""``EX_SOFTWARE`` of sysexits.h: an unexpected error, a bug in Coherence."""


@dataclass(frozen=True)
class Outcome:
    """What an error means to a caller: an HTTP status and problem title, and an exit
    status of the command line. ``detail`` is what an HTTP 5xx says instead of the
    error itself (addresses, queries and stack traces stay in the server's log)."""

    status: int
    title: str
    exit: int
    detail: str | None = None


UNEXPECTED = Outcome(
    500, "Internal server error", EXIT_BUG, "The server could not handle the request."
)

OUTCOMES: tuple[tuple[type[BaseException], Outcome], ...] = (
    (Unauthorized, Outcome(401, "Unauthorized", EXIT_BAD_INPUT)),
    (Forbidden, Outcome(403, "Forbidden", EXIT_BAD_INPUT)),
    (NotFound, Outcome(404, "Not found", EXIT_BAD_INPUT)),
    (PayloadTooLarge, Outcome(413, "Payload too large", EXIT_BAD_INPUT)),
    (UnsupportedMediaType, Outcome(415, "Unsupported media type", EXIT_BAD_INPUT)),
    (TooManyRequests, Outcome(429, "Too many requests", EXIT_BAD_INPUT)),
    (SignInFailed, Outcome(400, "Sign-in failed", EXIT_BAD_INPUT)),
    (ApiError, Outcome(400, "Bad request", EXIT_BAD_INPUT)),
    (ScenarioNotFound, Outcome(404, "Scenario not found", EXIT_BAD_INPUT)),
    (PlanNotFound, Outcome(404, "Plan not found", EXIT_BAD_INPUT)),
    (TokenNotFound, Outcome(404, "Token not found", EXIT_BAD_INPUT)),
    (PersonNotFound, Outcome(404, "Person not found", EXIT_BAD_INPUT)),
    (EvidenceNotFound, Outcome(404, "Evidence not found", EXIT_BAD_INPUT)),
    (UnknownElement, Outcome(404, "Element not found", EXIT_BAD_INPUT)),
    (NeverAdopted, Outcome(404, "Never adopted", EXIT_BAD_INPUT)),
    (VersionNotFound, Outcome(404, "Version not found", EXIT_BAD_INPUT)),
    (VersionConflict, Outcome(409, "Version conflict", EXIT_BAD_INPUT)),
    (KeyKindConflict, Outcome(409, "Key belongs to another element", EXIT_BAD_INPUT)),
    (InvalidTransition, Outcome(409, "Not allowed in the plan's current status", EXIT_BAD_INPUT)),
    (RetiredElement, Outcome(409, "Element is retired", EXIT_BAD_INPUT)),
    (UndoConflict, Outcome(409, "Undo conflicts with later changes", EXIT_BAD_INPUT)),
    (MergeConflict, Outcome(409, "Merge conflicts with the plan", EXIT_BAD_INPUT)),
    (ScenarioExists, Outcome(409, "Scenario exists", EXIT_BAD_INPUT)),
    (FileTooLarge, Outcome(413, "Payload too large", EXIT_BAD_INPUT)),
    (PlanFileError, Outcome(422, "Invalid plan file", EXIT_BAD_INPUT)),
    (BadStoreURL, Outcome(500, "Internal server error", EXIT_BAD_INPUT, UNEXPECTED.detail)),
    (InvalidInput, Outcome(422, "Invalid input", EXIT_BAD_INPUT)),
    (PlanRuleViolation, Outcome(422, "Breaks a plan rule", EXIT_BAD_INPUT)),
    (
        Neo4jUnavailable,
        Outcome(
            503,
            "Graph database unavailable",
            EXIT_UNREACHABLE,
            "The graph database did not answer; try again later (or use engine=networkx).",
        ),
    ),
    (
        StoreUnavailable,
        Outcome(
            503,
            "Event store unavailable",
            EXIT_UNREACHABLE,
            "The event store did not answer; try again later.",
        ),
    ),
    (
        ServerUnavailable,
        Outcome(
            503,
            "Service unavailable",
            EXIT_UNREACHABLE,
            "A database the request needs did not answer; try again later.",
        ),
    ),
    (RefusedToStart, Outcome(500, "Internal server error", EXIT_BAD_INPUT, UNEXPECTED.detail)),
    (WorkersFailed, Outcome(500, "Internal server error", EXIT_WORKERS_FAILED, UNEXPECTED.detail)),
    (CoherenceError, Outcome(400, "Bad request", EXIT_BAD_INPUT)),
    (OSError, Outcome(500, "Internal server error", EXIT_BAD_INPUT, UNEXPECTED.detail)),
)
"""The one table from errors to HTTP statuses and exit statuses: the first class that
the error is an instance of wins (so a subclass comes before its base); an error of
no class here is a bug (:data:`UNEXPECTED`)."""


def outcome_of(error: BaseException) -> Outcome:
    """The row of :data:`OUTCOMES` of an error; :data:`UNEXPECTED` for any other."""
    for kind, outcome in OUTCOMES:
        if isinstance(error, kind):
            return outcome
    return UNEXPECTED


def _short(value: object, limit: int = 60) -> str:
    try:
        text = repr(value)
    except RecursionError:
        return "a value nested too deep to show"
    return text if len(text) <= limit else text[: limit - 3] + "..."
