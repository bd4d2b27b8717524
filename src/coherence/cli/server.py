"""Running the service: ``serve``, ``project neo4j``, ``demo``."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

import click

from coherence.application.demo import load_demo
from coherence.bootstrap import bootstrap, read_settings
from coherence.cli import render
from coherence.cli.common import (
    handles_errors,
    neo4j_option,
    open_reader,
    open_with_neo4j,
    store_option,
)
from coherence.domain.errors import ServerUnavailable
from coherence.projections.projector import Projector

MEMORY_FS = "/dev/shm"  # noqa: S108 - only ever a parent of a private mkdtemp
"""A memory file system, where Linux has one: the serve workers share files there."""
RUN_PREFIX = "coherence-serve-"
"""The start of a serving process's own directories' names: then its pid and a dash."""


def sweep_orphans(parent: str | None) -> list[Path]:
    """Remove the directories of servers that are gone, and say which.

    A server removes its directories when it stops, but one killed outright (kill -9,
    the kernel's out-of-memory killer) cannot, and in the memory file system what it
    left would hold memory until the machine restarts. Each name carries its server's
    pid; a directory whose server no longer runs is removed by the next server.

    >>> import tempfile, pathlib
    >>> here = pathlib.Path(tempfile.mkdtemp())
    >>> mine = here / f"{RUN_PREFIX}{os.getpid()}-abc"; mine.mkdir()
    >>> sweep_orphans(str(here)), mine.is_dir()
    ([], True)
    >>> shutil.rmtree(here)
    """
    gone: list[Path] = []
    for path in Path(parent or tempfile.gettempdir()).glob(f"{RUN_PREFIX}*-*"):
        pid = path.name.removeprefix(RUN_PREFIX).partition("-")[0]
        if pid.isdigit() and not _running(int(pid)) and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            gone.append(path)
    return gone


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


@click.command()
@click.argument("target", type=click.Choice(["neo4j"]))
@click.option(
    "--follow", is_flag=True, help="Keep following new events (polling) until interrupted."
)
@click.option(
    "--rebuild", is_flag=True, help="Forget the projected graph and apply every event again."
)
@click.option("--batch-size", type=int, default=5000, show_default=True)
@click.option(
    "--interval", type=float, default=1.0, show_default=True, help="Polling interval with --follow."
)
@neo4j_option
@store_option
@handles_errors
def project(
    target: str,
    follow: bool,
    rebuild: bool,
    batch_size: int,
    interval: float,
    neo4j_uri: str | None,
    store: str | None,
) -> None:
    """Project the event store into the alignment graph in Neo4j (resumable, exactly once)."""

    def report_retry(attempt: int, delay: float, error: BaseException) -> None:
        click.echo(
            f"Neo4j unavailable ({error.__class__.__name__}); retry {attempt} in {delay:.1f}s",
            err=True,
        )

    def report_away(error: ServerUnavailable, pause: float) -> None:
        click.echo(f"{error.without_remedy()}: waiting, next try in {pause:g} s", err=True)

    service = open_with_neo4j(store, neo4j_uri, on_retry=report_retry)
    app, graph = service.history, service.neo4j
    assert graph is not None  # open_with_neo4j refuses to go on without it
    try:
        graph.create_schema()
        projector = Projector(app, graph, batch_size=batch_size)
        if not rebuild and graph.outdated():
            render.note(
                f"The graph was projected with model {graph.model_version()} of an older "
                "Coherence; rebuilding it from the event store (as --rebuild does)."
            )
            rebuild = True
        if rebuild:
            graph.reset()
        with render.progress("Projecting into Neo4j", projector.pending()) as update:
            done = projector.catch_up(progress=update, prefetch=True)
        render.note(f"Applied {done} events; Neo4j is at position {graph.max_tracking_id()}.")
        if follow:
            render.note("Following new events (Ctrl-C to stop)...")
            stop = threading.Event()
            try:
                projector.follow(stop, interval=interval, on_away=report_away)
            except KeyboardInterrupt:
                stop.set()
    finally:
        graph.close()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Worker processes serving the port (one per core uses every core).",
)
@click.option(
    "--demo", is_flag=True, help="Load the demo plan first if the store does not have it."
)
@click.option(
    "--max-body", default=8 * 1024 * 1024, show_default=True, type=int, help="Largest request body."
)
@click.option(
    "--public-url",
    default=None,
    help="The https:// address people reach the server at (default $COHERENCE_PUBLIC_URL): "
    "the sign-in redirect URI is built from it.",
)
@click.option(
    "--oidc-issuer",
    default=None,
    help="The OpenID Connect provider's issuer URL (default $COHERENCE_OIDC_ISSUER); "
    "the client id and secret come from $COHERENCE_OIDC_CLIENT_ID and _SECRET.",
)
@neo4j_option
@store_option
@handles_errors
def serve(
    host: str,
    port: int,
    workers: int,
    demo: bool,
    max_body: int,
    public_url: str | None,
    oidc_issuer: str | None,
    neo4j_uri: str | None,
    store: str | None,
) -> None:
    """The HTTP API (and the web page) on HOST:PORT.

    The settings are read and the start-up checks run once, here, before any worker
    starts; with ``--workers N`` each worker process then builds its own application
    from them (its own store connection and caches).
    """
    import dataclasses

    import uvicorn

    from coherence.api.app import check_binding, create_app, settle_process
    from coherence.api.workers import run_workers

    settings = read_settings(
        store=store,
        neo4j_uri=neo4j_uri,
        max_body=max_body,
        public_url=public_url,
        oidc_issuer=oidc_issuer,
    )
    service = bootstrap(settings, neo4j=settings.neo4j is not None)
    if demo:
        load_demo(service.history)
    ctx = service.api_context()
    check_binding(host, ctx.credentials_configured())
    shown = f"[{host}]" if ":" in host else host
    processes = f", {workers} worker processes" if workers > 1 else ""
    render.note(
        f"Coherence is serving http://{shown}:{port}/ (API at /api/v1, OpenAPI at /docs{processes})"
    )
    if not ctx.tokens_required():
        render.note(
            "No API token or person exists: open to this machine only. "
            "Create one with `coherence token create` or `coherence user grant`."
        )
    elif ctx.signin.oidc:
        render.note(f"Sign-in with {ctx.signin.issuer} at {ctx.signin.public_url}/auth/signin")
    if workers == 1:
        api = create_app(ctx)
        settle_process()
        uvicorn.run(api, host=host, port=port, log_level="warning", access_log=False)
        return
    service.close()  # each worker opens its own
    # The workers share their graph exports in memory where the system has a
    # memory file system (writing them to a disk's cost a tenth of the server's time).
    # (mkdtemp makes a directory of our own there, readable by us alone)
    memory = MEMORY_FS if os.path.isdir(MEMORY_FS) else None
    for parent in {None, memory}:
        sweep_orphans(parent)
    prefix = f"{RUN_PREFIX}{os.getpid()}-"
    with (
        tempfile.TemporaryDirectory(prefix=prefix) as run,
        tempfile.TemporaryDirectory(prefix=prefix, dir=memory) as exports,
    ):
        shared = dataclasses.replace(
            settings, write_lock=str(Path(run) / "writes.lock"), shared_exports=exports
        )
        run_workers(host, port, workers, shared.to_environment(), report=render.note)


@click.command()
@click.option(
    "--history/--no-history", "show_history", default=True, help="Print the demo's history."
)
@store_option
@handles_errors
def demo(show_history: bool, store: str | None) -> None:
    """Load the demo district plan (three years of history) into the store, then show it."""
    reader = open_reader(store)
    app = reader.history
    with render.progress("Loading the demo", None) as update:
        results = load_demo(app, progress=update)
    if results:
        events = sum(len(r.events) for r in results)
        render.note(
            f"Loaded the demo plan {results[0].plan_id}: {len(results)} revisions, {events} events."
        )
    else:
        render.note("The demo plan is already in the store.")
    render.plans_table(reader.audited_plans())
    if show_history and results:
        render.history_table(results[0].plan_id, app.history(results[0].plan_id), by_revision=True)
