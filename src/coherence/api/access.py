"""Who is asking: the grant of a request's bearer token, or the open actor while no
token exists."""

from __future__ import annotations

from coherence.application.history import PlanHistory
from coherence.application.tokens import authenticate, tokens_exist
from coherence.domain.access import Grant
from coherence.domain.errors import Unauthorized

OPEN_ACTOR = "local user (no token)"


class Access:
    """Grants by ``Authorization`` header, over the tokens of one history."""

    def __init__(self, history: PlanHistory, open_actor: str = OPEN_ACTOR) -> None:
        self.history = history
        self.open_actor = open_actor
        self._tokens_required = False

    def tokens_required(self) -> bool:
        """Once a token exists, every request needs one (a read by id until then)."""
        if not self._tokens_required:
            self._tokens_required = tokens_exist(self.history)
        return self._tokens_required

    def grant(self, authorization: str | None) -> Grant:
        """The grant of a ``Bearer`` token (admin for everyone while no token exists)."""
        if not self.tokens_required():
            return Grant(self.open_actor, "admin")
        if not authorization or not authorization.lower().startswith("bearer "):
            raise Unauthorized("Send a token: Authorization: Bearer <token>")
        grant = authenticate(self.history, authorization[7:].strip())
        if grant is None:
            raise Unauthorized("Unknown or revoked token")
        return grant
