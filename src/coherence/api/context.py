"""What the routes share: the application, its reader, who may do what, write locks,
where work runs.

Built by :mod:`coherence.bootstrap` (the one place that composes the service) and
handed to :func:`coherence.api.app.create_app`. The server is stateless apart from the
reader's caches, keyed by plan version: several servers, or the worker processes of
``coherence serve --workers N``, can serve the same store, since a read resolves the
plan's latest version from the store first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from fastapi import Request

from coherence.api.access import Access, Caller
from coherence.api.audit_answers import AuditAnswers
from coherence.api.group_commit import GroupCommit, Written
from coherence.api.oidc import OidcClient
from coherence.api.ratelimit import RateLimiter
from coherence.api.request_body import read_body
from coherence.api.scheduling import Scheduler
from coherence.api.sessions import check_csrf, signed_in
from coherence.api.write_locks import WriteLocks
from coherence.application.evidence import EvidenceStore
from coherence.application.history import PlanHistory
from coherence.application.results import CommandResult
from coherence.application.settings import SignInSettings
from coherence.application.tokens import token_issued
from coherence.application.users import admin_exists
from coherence.domain.access import Grant
from coherence.domain.errors import PlanNotFound, Unauthorized
from coherence.domain.plan import DistrictPlan
from coherence.domain.values import base_plan_id
from coherence.projections.neo4j_store import Neo4jGraphStore
from coherence.queries.reader import PlanReader

_T = TypeVar("_T")


@dataclass
class ApiContext:
    """The service's state: its application and reader, its parts, its options."""

    history: PlanHistory
    reader: PlanReader
    access: Access
    scheduler: Scheduler
    write_locks: WriteLocks
    audits: AuditAnswers
    evidence: EvidenceStore
    max_body: int = 8 * 1024 * 1024
    web_assets: str | None = None
    """Where the web page's libraries are, when not the default (see ``coherence.web``)."""
    signin: SignInSettings = field(default_factory=SignInSettings)
    """Sign-in (OpenID Connect) and sessions."""
    sign_in_attempts: RateLimiter = field(default_factory=RateLimiter)

    @property
    def neo4j(self) -> Neo4jGraphStore | None:
        """The Neo4j store of ``engine=neo4j`` audits, if configured."""
        return self.reader.neo4j

    # -- who -------------------------------------------------------------------

    def tokens_required(self) -> bool:
        return self.access.tokens_required()

    def grant(self, authorization: str | None) -> Grant:
        return self.access.grant(authorization)

    def caller(self, request: Request) -> Caller:
        """Who asks: bearer token, else signed-in session (whose writes must carry the
        CSRF token), else the open actor while no credential exists."""
        authorization = request.headers.get("authorization")
        who = None if authorization is not None else signed_in(request, self.signin)
        if who is not None:
            check_csrf(request, who)
        try:
            return self.access.caller(authorization, who)
        except Unauthorized:
            if who is not None:
                request.session.clear()  # revoked: the session ends with this answer
            raise

    def credentials_configured(self) -> bool:
        """Whether someone must prove who they are: a token exists, or sign-in with a
        provider is configured and an admin person exists (see ``check_binding``)."""
        if not self.access.tokens_required():
            return False
        if token_issued(self.history):
            return True
        return self.signin.oidc and admin_exists(self.history)

    @cached_property
    def oidc(self) -> OidcClient | None:
        """The OpenID Connect client, when sign-in with a provider is configured."""
        return OidcClient(self.signin) if self.signin.oidc else None

    def district_of(self, plan_id: str, *, missing_ok: bool = False) -> str | None:
        """The plan's district (a scenario's is its plan's)."""
        try:
            return self.history.get_plan(base_plan_id(plan_id)).district
        except PlanNotFound:
            if missing_ok:
                return None
            raise

    # -- where work runs -------------------------------------------------------

    def writing(self, plan_id: str) -> contextlib.AbstractContextManager[None]:
        """Hold while writing to a plan (see :class:`WriteLocks`); in a worker thread."""
        return self.write_locks.hold(plan_id)

    def writing_async(self, plan_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """:meth:`writing` for the event loop."""
        return self.write_locks.hold_async(plan_id)

    @cached_property
    def group_commit(self) -> GroupCommit:
        return GroupCommit(self.history, self.reader, self.write_locks, self.scheduler)

    async def write_together(self, plan_id: str, command: Callable[[], CommandResult]) -> Written:
        """Run a plain command on the plan on its turn, saved together with the other
        writes to it that wait (see :mod:`coherence.api.group_commit`): what it saved,
        and what it did to today's audit."""
        return await self.group_commit.run(plan_id, command)

    async def on_store(self, work: Callable[[], _T]) -> _T:
        """Run a route's store work where it belongs (see :class:`Scheduler`)."""
        return await self.scheduler.on_store(work)

    # -- reads -----------------------------------------------------------------

    def latest(self, plan_id: str) -> DistrictPlan:
        """The plan at its latest version, brought up to date from the store.

        Shared, and moved on in place by later reads: do not change it, and read what
        you need of it (its version) at once, not after an ``await``."""
        return self.history.get_plan(plan_id)

    async def read_body(self, request: Request) -> bytes:
        """The request body, refused past :attr:`max_body` without reading it all."""
        return await read_body(request, self.max_body)


async def context(request: Request) -> ApiContext:
    """The application context (a dependency; ``async`` so that it runs on the event
    loop rather than costing a thread hop)."""
    ctx: ApiContext = request.app.state.ctx
    return ctx
