"""The one composition root: settings read once, and the service's objects built here.

The entry points (the command line, and each worker process of ``coherence serve
--workers N``) call :func:`read_settings` once at start-up, then :func:`bootstrap`,
which builds the history (the event store), the Neo4j store when it is wanted, the
plan reader over them and, for the HTTP API, the API context, and passes them down.
Nothing else builds these. Nothing happens at import time.

>>> settings = read_settings({"COHERENCE_STORE": "memory://"}, max_body=1024)
>>> settings.history.store, settings.max_body, settings.neo4j
('memory://', 1024, None)
>>> read_settings({"COHERENCE_STORE": "memory://"}, store="sqlite:///x.db").history.store
'sqlite:///x.db'
>>> ServiceSettings.from_environment(settings.to_environment()) == settings
True
>>> service = bootstrap(settings)
>>> service.reader.history is service.history, service.api_context().max_body
(True, 1024)
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from coherence.application.evidence import EvidenceStore
from coherence.application.history import PlanHistory
from coherence.application.postgres_store import ServerGate, server_address
from coherence.application.settings import (
    DEFAULT_STORE,
    Settings,
    SignInSettings,
    store_environment,
    store_in_process,
)
from coherence.domain.errors import InvalidValue, RefusedToStart
from coherence.projections.neo4j_store import Neo4jGraphStore, Neo4jSettings
from coherence.queries.export_shelf import ExportShelf
from coherence.queries.reader import PlanReader

if TYPE_CHECKING:  # the API (FastAPI, Starlette) is imported only by what serves it
    from fastapi import FastAPI

    from coherence.api.context import ApiContext
    from coherence.api.scheduling import Scheduler

MAX_BODY = 8 * 1024 * 1024
"""The largest request body the API accepts by default (bytes)."""
SERVE_SETTINGS = "COHERENCE_SERVE_SETTINGS"
"""The environment variable through which ``coherence serve`` hands its settings to its
worker processes (JSON, see :meth:`ServiceSettings.to_environment`)."""

OnRetry = Callable[[int, float, BaseException], None]


@dataclass(frozen=True)
class ServiceSettings:
    """Every setting of the service, read once (:func:`read_settings`)."""

    history: Settings = field(default_factory=Settings)
    """The event store and the history's caches."""
    neo4j: Neo4jSettings | None = None
    """Where the graph lives, if anywhere (``engine=neo4j``, ``coherence project``)."""
    max_body: int = MAX_BODY
    write_lock: str | None = None
    """A file the worker processes of one server lock to write one at a time."""
    shared_exports: str | None = None
    """A directory the worker processes of one server share graph exports through."""
    web_assets: str | None = None
    """Where the web page's libraries are (``node_modules``), when not the default."""
    signin: SignInSettings = field(
        default_factory=lambda: SignInSettings(session_secret=new_secret())
    )
    """Signing in (OpenID Connect) and sessions."""

    def to_environment(self) -> dict[str, str]:
        """The environment that hands these settings to worker processes."""
        value = {
            "history": dataclasses.asdict(self.history),
            "neo4j": None if self.neo4j is None else dataclasses.asdict(self.neo4j),
            "max_body": self.max_body,
            "write_lock": self.write_lock,
            "shared_exports": self.shared_exports,
            "web_assets": self.web_assets,
            "signin": dataclasses.asdict(self.signin),
        }
        return {SERVE_SETTINGS: json.dumps(value)}

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> ServiceSettings:
        """The settings :meth:`to_environment` handed down."""
        if SERVE_SETTINGS not in environ:
            raise RefusedToStart(
                f"${SERVE_SETTINGS} is not set: worker processes are started by coherence serve"
            )
        value = json.loads(environ[SERVE_SETTINGS])
        neo4j = None if value["neo4j"] is None else Neo4jSettings(**value["neo4j"])
        return cls(
            history=Settings(**value["history"]),
            neo4j=neo4j,
            max_body=int(value["max_body"]),
            write_lock=value["write_lock"],
            shared_exports=value.get("shared_exports"),
            web_assets=value.get("web_assets"),
            signin=SignInSettings(**value["signin"]),
        )


def read_settings(
    environ: Mapping[str, str] | None = None,
    *,
    store: str | None = None,
    neo4j_uri: str | None = None,
    max_body: int | None = None,
    public_url: str | None = None,
    oidc_issuer: str | None = None,
) -> ServiceSettings:
    """The settings: the command line's (given here), else the environment's
    (``COHERENCE_STORE``, ``COHERENCE_EVIDENCE_DIR``, ``COHERENCE_NEO4J_URI``, ``_USER``,
    ``_PASSWORD``, ``_DATABASE``, ``COHERENCE_WEB_ASSETS``, and sign-in's: see
    :func:`read_signin`), else the defaults. The only place the environment is read."""
    env = os.environ if environ is None else environ
    uri = neo4j_uri or env.get("COHERENCE_NEO4J_URI")
    neo4j = None
    if uri:
        neo4j = Neo4jSettings(
            uri=uri,
            user=env.get("COHERENCE_NEO4J_USER", "neo4j"),
            password=env.get("COHERENCE_NEO4J_PASSWORD", ""),
            database=env.get("COHERENCE_NEO4J_DATABASE") or None,
        )
    return ServiceSettings(
        history=Settings(
            store=store or env.get("COHERENCE_STORE") or DEFAULT_STORE,
            evidence_dir=env.get("COHERENCE_EVIDENCE_DIR") or None,
        ),
        neo4j=neo4j,
        max_body=MAX_BODY if max_body is None else max_body,
        web_assets=env.get("COHERENCE_WEB_ASSETS") or None,
        signin=read_signin(env, public_url=public_url, oidc_issuer=oidc_issuer),
    )


SIGNIN_VARIABLES = {
    "issuer": "COHERENCE_OIDC_ISSUER",
    "client_id": "COHERENCE_OIDC_CLIENT_ID",
    "client_secret": "COHERENCE_OIDC_CLIENT_SECRET",
    "public_url": "COHERENCE_PUBLIC_URL",
}
"""The environment variables that together configure OpenID Connect sign-in."""


def new_secret() -> str:
    """A session secret for a service that was given none (sessions end at restart)."""
    return secrets.token_urlsafe(32)


def read_signin(
    env: Mapping[str, str], *, public_url: str | None = None, oidc_issuer: str | None = None
) -> SignInSettings:
    """Sign-in's settings: ``COHERENCE_OIDC_ISSUER`` (or ``--oidc-issuer``),
    ``COHERENCE_OIDC_CLIENT_ID``, ``COHERENCE_OIDC_CLIENT_SECRET``,
    ``COHERENCE_PUBLIC_URL`` (or ``--public-url``), ``COHERENCE_OIDC_HOSTED_DOMAIN``
    and ``COHERENCE_SESSION_SECRET``. An issuer given without the rest is refused,
    naming what is missing, and so is a public URL that is neither https nor loopback.

    >>> read_signin({}).oidc
    False
    >>> read_signin({"COHERENCE_OIDC_ISSUER": "https://accounts.google.com"})
    Traceback (most recent call last):
    ...
    coherence.domain.errors.InvalidValue: COHERENCE_OIDC_CLIENT_ID: expected ...
    """
    values = {key: (env.get(name) or "").strip() or None for key, name in SIGNIN_VARIABLES.items()}
    values["issuer"] = oidc_issuer or values["issuer"]
    values["public_url"] = public_url or values["public_url"]
    if values["public_url"] is not None:
        values["public_url"] = _check_public_url(values["public_url"])
    if values["issuer"] is not None:
        if not values["issuer"].startswith(("https://", "http://")):
            issuer = values["issuer"]
            raise InvalidValue(SIGNIN_VARIABLES["issuer"], "the provider's https:// URL", issuer)
        for key, name in SIGNIN_VARIABLES.items():
            if values[key] is None:
                needed = ", ".join(SIGNIN_VARIABLES.values())
                raise InvalidValue(name, f"a value: OpenID Connect sign-in needs {needed}")
    domain = (env.get("COHERENCE_OIDC_HOSTED_DOMAIN") or "").strip().lower() or None
    return SignInSettings(
        issuer=values["issuer"],
        client_id=values["client_id"],
        client_secret=values["client_secret"],
        public_url=values["public_url"],
        session_secret=env.get("COHERENCE_SESSION_SECRET") or new_secret(),
        hosted_domain=domain,
    )


def _check_public_url(url: str) -> str:
    """The public URL without a trailing slash: https, or http on a loopback address."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    ok = parts.scheme == "https" or (parts.scheme == "http" and loopback)
    if not ok or not host or parts.query or parts.fragment:
        raise InvalidValue(
            "COHERENCE_PUBLIC_URL",
            "the https:// address people reach the service at (http:// only on loopback)",
            url,
        )
    return url.strip().rstrip("/")


@dataclass
class Service:
    """What :func:`bootstrap` built: the history, the Neo4j store (if asked for), the reader,
    the evidence files."""

    settings: ServiceSettings
    history: PlanHistory
    reader: PlanReader
    neo4j: Neo4jGraphStore | None = None
    evidence: EvidenceStore | None = None

    def api_context(self) -> ApiContext:
        """The HTTP API's context over this service's history and reader."""
        return _api_context(self.history, self.reader, self.settings, self.evidence)

    def close(self) -> None:
        """Close the Neo4j driver and the store's connections."""
        if self.neo4j is not None:
            self.neo4j.close()
        self.history.close()


def bootstrap(
    settings: ServiceSettings,
    *,
    neo4j: bool = False,
    on_retry: OnRetry | None = None,
) -> Service:
    """Build the service: the history, the Neo4j store when ``neo4j`` (and it is
    configured), and the plan reader over them."""
    history = PlanHistory(settings.history)
    graph = open_neo4j(settings, on_retry=on_retry) if neo4j else None
    evidence = EvidenceStore.of(settings.history)
    shelf = ExportShelf(settings.shared_exports) if settings.shared_exports else None
    reader = PlanReader(history, neo4j=graph, shelf=shelf)
    return Service(settings, history, reader, graph, evidence)


def open_neo4j(
    settings: ServiceSettings, *, on_retry: OnRetry | None = None
) -> Neo4jGraphStore | None:
    """The Neo4j store of the settings (None when none is configured)."""
    if settings.neo4j is None:
        return None
    return Neo4jGraphStore(
        settings.neo4j.driver(), database=settings.neo4j.database, on_retry=on_retry
    )


def api_context(
    history: PlanHistory,
    *,
    neo4j: Neo4jGraphStore | None = None,
    max_body: int = MAX_BODY,
    write_lock: str | None = None,
    signin: SignInSettings | None = None,
) -> ApiContext:
    """An API context over an existing history (tests, benchmarks): its own reader."""
    settings = ServiceSettings(
        history.settings,
        max_body=max_body,
        write_lock=write_lock,
        signin=signin or SignInSettings(session_secret=new_secret()),
    )
    return _api_context(history, PlanReader(history, neo4j=neo4j), settings)


def scheduler(store: str) -> Scheduler:
    """Where store work runs, and for a server, the gate that answers at once while it
    is away."""
    from coherence.api.scheduling import Scheduler

    if store_in_process(store):
        return Scheduler(store_in_process=True)
    gate = ServerGate(*server_address(store_environment(store)))
    return Scheduler(store_in_process=False, gate=gate)


def _api_context(
    history: PlanHistory,
    reader: PlanReader,
    settings: ServiceSettings,
    evidence: EvidenceStore | None = None,
) -> ApiContext:
    from coherence.api.access import Access
    from coherence.api.audit_answers import AuditAnswers
    from coherence.api.context import ApiContext
    from coherence.api.write_locks import WriteLocks

    return ApiContext(
        history=history,
        reader=reader,
        access=Access(history),
        scheduler=scheduler(settings.history.store),
        write_locks=WriteLocks(settings.write_lock),
        audits=AuditAnswers(reader),
        evidence=evidence or EvidenceStore.of(settings.history),
        max_body=settings.max_body,
        web_assets=settings.web_assets,
        signin=settings.signin,
    )


def create_app_from_environment() -> FastAPI:
    """The application of one worker process of ``coherence serve --workers N``.

    uvicorn calls it (``factory=True``) once in each worker it starts; the settings come
    from the environment the parent process set (:meth:`ServiceSettings.to_environment`),
    read once here. Each worker has its own store connection and caches: they are keyed
    by plan version and every read resolves the latest version from the store, so a read
    in one worker sees a write another worker acknowledged.
    """
    from coherence.api.app import create_app, settle_process

    settings = ServiceSettings.from_environment(os.environ)
    service = bootstrap(settings, neo4j=settings.neo4j is not None)
    app = create_app(service.api_context())
    settle_process()
    return app
