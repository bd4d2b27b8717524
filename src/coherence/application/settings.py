"""Settings of the history (the event store), read once at start-up by
:func:`coherence.bootstrap.read_settings` and passed down.

>>> store_environment("sqlite:///coherence.db")["SQLITE_DBNAME"]
'coherence.db'
>>> store_environment("memory://")["PERSISTENCE_MODULE"]
'eventsourcing.popo'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from coherence.domain.errors import BadStoreURL

WAIT_FOR_SERVER_S = 2
"""How long a PostgreSQL request waits for a pooled connection while the server's port
answers (the pool is busy, or reconnecting after a restart); while the port refuses,
the request is refused at once (``postgres_store.KnockingPool``)."""

DEFAULT_STORE = "sqlite:///coherence.db"


@dataclass(frozen=True)
class Settings:
    """Where the events live and how reads are cached."""

    store: str = DEFAULT_STORE
    snapshot_interval: int = 100
    """A snapshot when a command passes a multiple of this many events."""
    snapshot_interval_in_revision: int = 500
    """Inside one large command (a plan import), a snapshot every this many events."""
    cache_size: int = 64
    evidence_dir: str | None = None
    """Where progress evidence files are kept (``$COHERENCE_EVIDENCE_DIR``); None for the
    default beside the store (see :func:`coherence.application.evidence.evidence_directory`)."""


def store_environment(url: str) -> dict[str, str]:
    """The ``eventsourcing`` environment for a store URL.

    ``sqlite:///relative.db`` and ``sqlite:////absolute.db`` name a file,
    ``postgresql://user:pass@host:port/db`` a server, ``memory://`` keeps events in
    process (tests).
    """
    parts = urlsplit(url)
    if parts.scheme == "memory":
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if parts.scheme == "sqlite":
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path or parts.netloc:
            raise BadStoreURL("store", "sqlite:///path/to/file.db", url)
        _check_sqlite_file(path, url)
        return {
            "PERSISTENCE_MODULE": "coherence.application.sqlite_sync:SyncedAtCheckpointsFactory",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": "30",
            "APPLICATION_RECORDER_TOPIC": (
                "coherence.application.sqlite_recorder:BatchSQLiteApplicationRecorder"
            ),
        }
    if parts.scheme in ("postgresql", "postgres"):
        dbname = parts.path.lstrip("/")
        if not parts.hostname or not dbname:
            raise BadStoreURL(
                "store", "postgresql://user:password@host:port/database", _redact(url)
            )
        return {
            "PERSISTENCE_MODULE": "coherence.application.postgres_store:CheckedPostgresFactory",
            "POSTGRES_DBNAME": unquote(dbname),
            "POSTGRES_HOST": parts.hostname,
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_POOL_SIZE": "5",
            "POSTGRES_MAX_OVERFLOW": "10",
            "POSTGRES_LOCK_TIMEOUT": "10",
            "POSTGRES_CONNECT_TIMEOUT": str(WAIT_FOR_SERVER_S),
        }
    raise BadStoreURL(
        "store", "sqlite:///file.db, postgresql://user:pass@host:port/db or memory://", _redact(url)
    )


SQLITE_HEADER = b"SQLite format 3\x00"


def _check_sqlite_file(path: str, url: str) -> None:
    """Refuse a SQLite store that cannot be opened: a file in a directory that does not
    exist, a directory, or a file that is not a SQLite database.

    >>> try:
    ...     _check_sqlite_file("no-such-dir/x.db", "sqlite:///no-such-dir/x.db")
    ... except BadStoreURL as e:
    ...     print(e.expected)
    a SQLite file in an existing directory (no-such-dir does not exist)
    """
    if path.startswith("file:") or path == ":memory:":  # SQLite URI filenames
        return
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise BadStoreURL(
            "store", f"a SQLite file in an existing directory ({folder} does not exist)", url
        )
    if os.path.isdir(path):
        raise BadStoreURL("store", f"a SQLite file ({path} is a directory)", url)
    try:
        with open(path, "rb") as f:
            header = f.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return  # created on first use
    except OSError as e:
        raise BadStoreURL("store", f"a SQLite file that can be read ({e.strerror})", url) from None
    if header and header != SQLITE_HEADER:
        raise BadStoreURL("store", f"a SQLite database ({path} is some other file)", url)


def store_in_process(url: str) -> bool:
    """Whether a store URL names a store in this process (a SQLite file, memory) rather
    than a server that each call waits on (PostgreSQL).

    >>> store_in_process("sqlite:///coherence.db"), store_in_process("postgresql://h/db")
    (True, False)
    """
    return urlsplit(url).scheme in ("sqlite", "memory")


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


SESSION_IDLE = 8 * 3600
"""A signed-in session ends after this many seconds without a request."""
SESSION_ABSOLUTE = 7 * 24 * 3600
"""A signed-in session ends this many seconds after sign-in, however busy."""


@dataclass(frozen=True)
class SignInSettings:
    """Signing in with the district's accounts (OpenID Connect) and the sessions that
    follow; read once by :func:`coherence.bootstrap.read_settings`.

    ``session_secret`` signs the session cookie: every process of one service must
    share it (``coherence serve`` hands it to its workers); when none is configured one
    is made at start-up, so sessions then end when the server restarts.

    >>> SignInSettings(session_secret="s").oidc
    False
    >>> s = SignInSettings("https://idp.example", "id", "secret", "https://plans.example", "s")
    >>> s.oidc, s.secure, s.redirect_uri
    (True, True, 'https://plans.example/auth/oidc/callback')
    """

    issuer: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    public_url: str | None = None
    """Where people reach the service (``https://plans.district.org``): the redirect
    URI is built from it, cookies are ``Secure`` when it is https, and writes must come
    from its origin."""
    session_secret: str = ""
    hosted_domain: str | None = None
    """When set, only accounts of this domain may sign in (Google Workspace's ``hd``
    claim, or the email's domain where the provider sends no ``hd``)."""
    session_idle: int = SESSION_IDLE
    session_absolute: int = SESSION_ABSOLUTE

    @property
    def oidc(self) -> bool:
        """Whether sign-in with an OpenID Connect provider is configured."""
        return bool(self.issuer and self.client_id and self.client_secret and self.public_url)

    @property
    def secure(self) -> bool:
        """Whether cookies are ``Secure`` (the public URL is https)."""
        return bool(self.public_url and self.public_url.startswith("https://"))

    @property
    def redirect_uri(self) -> str:
        return f"{self.public_url or ''}/auth/oidc/callback"

    @property
    def discovery_url(self) -> str:
        return f"{(self.issuer or '').rstrip('/')}/.well-known/openid-configuration"
