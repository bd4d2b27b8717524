"""Named errors of the plan domain.

Every invariant the domain protects raises one of these, never ``assert``::

    CoherenceError
    ├── InvalidInput              bad input: a field, a path, what was expected
    │   ├── InvalidValue          a field value of the wrong type, enum or format
    │   ├── UnknownKind           an element kind the Framework does not have
    │   └── UnknownField          a field that the kind does not have
    ├── PlanRuleViolation         the input is well formed but breaks a plan rule
    │   ├── DuplicateKey          an active element already has that key
    │   ├── KeyKindConflict       the key belongs to an element of another kind
    │   ├── UnknownElement        no element has that key
    │   ├── RetiredElement        the element is retired
    │   ├── InvalidLink           an edge between the wrong kinds, or a link that
    │   │                         does not exist / already exists
    │   ├── InvalidTransition     adopt / redesign / close out of order
    │   └── TimeWentBackwards     a recording time before the plan's last event
    └── (application errors live in ``coherence.application.errors``)

Callers (CLI, HTTP) map these to exit statuses and HTTP statuses in one table.
"""

from __future__ import annotations


class CoherenceError(Exception):
    """Base of every error that Coherence raises on purpose."""


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


def _short(value: object, limit: int = 60) -> str:
    try:
        text = repr(value)
    except RecursionError:
        return "a value nested too deep to show"
    return text if len(text) <= limit else text[: limit - 3] + "..."
