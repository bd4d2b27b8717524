"""The ``coherence`` command line: a thin layer over ``PlanHistory``.

Tables for people, JSON for programs (``--format json``). Exit statuses come from
the one table of errors (:data:`coherence.domain.errors.OUTCOMES`): 0 on success,
1 when ``audit`` finds an error, 2 for bad input, 3 when a server cannot be reached,
4 when ``serve`` could not run its workers, 70 for a bug (the reason on standard error).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from coherence.application.bulk import FileImported, import_files
from coherence.application.demo import load_demo
from coherence.application.history import Author, PlanHistory
from coherence.application.planfile import PlanSource, dump_document
from coherence.application.tokens import issue_token, list_tokens, revoke_token
from coherence.bootstrap import OnRetry, Service, bootstrap, read_settings
from coherence.cli import render
from coherence.domain.errors import EXIT_BUG, outcome_of
from coherence.projections.projector import Projector
from coherence.queries.exports import FORMATS
from coherence.queries.reader import PlanReader, plan_summary

F = TypeVar("F", bound=Callable[..., Any])

store_option = click.option(
    "--store",
    default=None,
    help="Event store URL: sqlite:///file.db (default sqlite:///coherence.db) or postgresql://...",
)


def table_or_json(func: F) -> F:
    return click.option(
        "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
    )(func)


TRACEBACK_ENV = "COHERENCE_TRACEBACK"
"""Set (to anything but empty) to print the traceback of a bug instead of saving it."""


def handles_errors(func: F) -> F:
    """Turn an error into one line on standard error and the exit status of its row
    of the one table (:data:`coherence.domain.errors.OUTCOMES`); click's own usage
    errors keep click's handling (exit status 2)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as e:
            fail(e)

    return wrapper  # type: ignore[return-value]


def open_service(store: str | None) -> Service:
    """The service over the store of ``--store`` (else ``$COHERENCE_STORE``, else the default)."""
    return bootstrap(read_settings(store=store))


def fail(error: Exception) -> NoReturn:
    """Report an error on standard error and exit with its status from the table.

    An error of no row is a bug: one line says so and where its traceback was saved
    (or, with ``$COHERENCE_TRACEBACK`` set, the traceback itself is printed)."""
    code = outcome_of(error).exit
    if code != EXIT_BUG:
        if isinstance(error, OSError) and error.filename is not None:
            click.echo(f"error: {error.filename}: {error.strerror or error}", err=True)
        else:
            click.echo(f"error: {error}", err=True)
        sys.exit(code)
    trace = "".join(traceback.format_exception(error))
    what = f"{type(error).__name__}: {error}".splitlines()[0][:200]
    if os.environ.get(TRACEBACK_ENV):
        click.echo(trace, err=True, nl=False)
        click.echo(f"error: unexpected {what}. This is a bug in Coherence.", err=True)
        sys.exit(code)
    try:
        with tempfile.NamedTemporaryFile(
            "w", prefix="coherence-bug-", suffix=".txt", delete=False, encoding="utf-8"
        ) as saved:
            saved.write(trace)
        where = f"its traceback is in {saved.name}"
    except OSError:
        click.echo(trace, err=True, nl=False)
        where = "its traceback is above"
    click.echo(
        f"error: unexpected {what}. This is a bug in Coherence: {where} "
        f"(set {TRACEBACK_ENV}=1 to print it).",
        err=True,
    )
    sys.exit(code)


def open_app(store: str | None) -> PlanHistory:
    return open_service(store).history


def open_reader(store: str | None) -> PlanReader:
    return open_service(store).reader


def parse_when(value: str | None, name: str) -> datetime | date | None:
    """A date (``2026-08-01``) or a date and time (``2026-08-01T09:00:00Z``)."""
    if value is None:
        return None
    try:
        if "T" in value or " " in value:
            return datetime.fromisoformat(value)
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"expected an ISO date or date-time, got {value!r}", param_hint=name
        ) from None


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@click.group()
@click.version_option(package_name="coherence")
def cli() -> None:
    """Coherence: district plan history and alignment."""


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--actor", default="cli", show_default=True, help="Who makes the change.")
@click.option("--reason", default=None, help="Why (shown in the history).")
@click.option(
    "--at", "at", default=None, help="Record at this past time (ISO date-time, history imports)."
)
@click.option("--dry-run", is_flag=True, help="Show the events without saving them.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes working several files out at once (default: one per CPU).",
)
@store_option
@table_or_json
@handles_errors
def import_(
    files: tuple[Path, ...],
    actor: str,
    reason: str | None,
    at: str | None,
    dry_run: bool,
    jobs: int | None,
    store: str | None,
    fmt: str,
) -> None:
    """Apply plan files, in order: only the events needed to make each stored plan equal
    to its file. One file shows its events; several show a line each."""
    when = parse_when(at, "--at")
    if isinstance(when, date) and not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day)
    if isinstance(when, datetime) and when.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2026-08-01T09:00:00Z", param_hint="--at")
    app = open_app(store)
    author = Author(actor, reason, "cli", when)
    if len(files) == 1 or dry_run:
        results = [
            app.import_plan(PlanSource(str(path)).read(), author, dry_run=dry_run) for path in files
        ]
        if fmt == "json":
            out = [r.to_dict() for r in results]
            emit_json(out[0] if len(out) == 1 else out)
        else:
            for result in results:
                render.import_result(result)
        return
    workers = jobs if jobs is not None else min(len(files), os.cpu_count() or 1)
    imported: list[FileImported] = []
    with render.progress("Importing", len(files)) as update:
        sources = (PlanSource(str(path)) for path in files)
        for done, each in enumerate(import_files(app, sources, author, workers=workers), 1):
            imported.append(each)
            update(done, None)
    if fmt == "json":
        emit_json([r.to_dict() for r in imported])
    else:
        render.files_imported(imported)


@cli.command()
@click.argument("plan")
@click.option("--version", "version", type=int, default=None, help="Export this version.")
@click.option("--as-of", "as_of", default=None, help="Export the plan as it was on this date.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option(
    "--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True
)
@store_option
@handles_errors
def export(
    plan: str,
    version: int | None,
    as_of: str | None,
    output: Path | None,
    fmt: str,
    store: str | None,
) -> None:
    """Write the plan file of a plan (YAML to standard output unless --output)."""
    if version is not None and as_of is not None:
        raise click.UsageError("give --version or --as-of, not both")
    reader = open_reader(store)
    doc = reader.export_plan(plan, version=version, as_of=parse_when(as_of, "--as-of"))
    text = dump_document(doc, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@cli.command()
@store_option
@table_or_json
@handles_errors
def plans(store: str | None, fmt: str) -> None:
    """List plans with their version, status and audit summary."""
    rows = open_reader(store).audited_plans()
    if fmt == "json":
        emit_json([plan_summary(p, report) for p, report in rows])
    else:
        render.plans_table(rows)


@cli.command()
@click.argument("plan")
@click.option("--since", type=int, default=0, help="Only events after this version.")
@click.option("--limit", type=int, default=None, help="At most this many events.")
@store_option
@table_or_json
@handles_errors
def history(plan: str, since: int, limit: int | None, store: str | None, fmt: str) -> None:
    """Every event of a plan: version, time, actor, reason, what changed."""
    entries = open_reader(store).history_of(plan, since=since, limit=limit)
    if fmt == "json":
        emit_json([e.to_dict() for e in entries])
    else:
        render.history_table(plan, entries)


@cli.command()
@click.argument("plan")
@click.option("--from", "from_version", type=int, required=True, help="Older version.")
@click.option("--to", "to_version", type=int, required=True, help="Newer version.")
@store_option
@table_or_json
@handles_errors
def diff(plan: str, from_version: int, to_version: int, store: str | None, fmt: str) -> None:
    """Elements and links added, retired and revised between two versions, field by field."""
    result = open_reader(store).diff(plan, from_version, to_version)
    if fmt == "json":
        emit_json(result.to_dict())
    else:
        render.diff_table(result)


neo4j_option = click.option(
    "--neo4j",
    "neo4j_uri",
    default=None,
    help="Neo4j Bolt URI (default $COHERENCE_NEO4J_URI; user and password from "
    "$COHERENCE_NEO4J_USER and $COHERENCE_NEO4J_PASSWORD).",
)


def open_with_neo4j(store: str | None, uri: str | None, on_retry: OnRetry | None = None) -> Service:
    """The service with its Neo4j store (``--neo4j URI`` or ``$COHERENCE_NEO4J_URI``)."""
    settings = read_settings(store=store, neo4j_uri=uri)
    if settings.neo4j is None:
        raise click.UsageError("give --neo4j URI or set COHERENCE_NEO4J_URI")
    return bootstrap(settings, neo4j=True, on_retry=on_retry)


def version_or_date(func: F) -> F:
    func = click.option("--as-of", "as_of", default=None, help="The plan as it was on this date.")(
        func
    )
    return click.option(
        "--version", "version", type=int, default=None, help="The plan at this version."
    )(func)


def resolve_when(version: int | None, as_of: str | None) -> dict[str, Any]:
    if version is not None and as_of is not None:
        raise click.UsageError("give --version or --as-of, not both")
    return {"version": version, "as_of": parse_when(as_of, "--as-of")}


@cli.command()
@click.argument("plan")
@version_or_date
@click.option(
    "--fiscal-year", default=None, help="Only budget lines of this fiscal year (e.g. FY26)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
)
@click.option(
    "--engine",
    type=click.Choice(["networkx", "neo4j"]),
    default="networkx",
    show_default=True,
    help="Run the rules in process (networkx) or as Cypher in Neo4j.",
)
@neo4j_option
@store_option
@handles_errors
def audit(
    plan: str,
    version: int | None,
    as_of: str | None,
    fiscal_year: str | None,
    fmt: str,
    engine: str,
    neo4j_uri: str | None,
    store: str | None,
) -> None:
    """Alignment findings of a plan; exit status 1 when there is an error finding."""
    when = resolve_when(version, as_of)
    service = open_with_neo4j(store, neo4j_uri) if engine == "neo4j" else open_service(store)
    try:
        report = service.reader.audit(plan, fiscal_year=fiscal_year, engine=engine, **when)
    finally:
        if service.neo4j is not None:
            service.neo4j.close()
    if fmt == "json":
        emit_json(report.to_dict())
    elif fmt == "markdown":
        click.echo(render.audit_markdown(report), nl=False)
    else:
        render.audit_table(report)
    if report.summary["error"]:
        sys.exit(1)


@cli.command()
@click.argument("plan")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), required=True)
@version_or_date
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@store_option
@handles_errors
def graph(
    plan: str,
    fmt: str,
    version: int | None,
    as_of: str | None,
    output: Path | None,
    store: str | None,
) -> None:
    """Export the alignment graph (GEXF carries each element's lifetime)."""
    body, _ = open_reader(store).export_graph(plan, fmt, **resolve_when(version, as_of))
    text = body.decode()
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@cli.command("line-of-sight")
@click.argument("plan")
@click.argument("key")
@click.option("--version", "version", type=int, default=None, help="The plan at this version.")
@store_option
@table_or_json
@handles_errors
def line_of_sight_(plan: str, key: str, version: int | None, store: str | None, fmt: str) -> None:
    """How an element reaches the mission, and what stands beneath it."""
    result = open_reader(store).line_of_sight(plan, key, version=version)
    if fmt == "json":
        emit_json(result)
    else:
        render.line_of_sight(result)


@cli.command()
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

    service = open_with_neo4j(store, neo4j_uri, on_retry=report_retry)
    app, graph = service.history, service.neo4j
    assert graph is not None  # open_with_neo4j refuses to go on without it
    try:
        graph.create_schema()
        projector = Projector(app, graph, batch_size=batch_size)
        if rebuild:
            graph.reset()
        with render.progress("Projecting into Neo4j", projector.pending()) as update:
            done = projector.catch_up(progress=update, prefetch=True)
        render.note(f"Applied {done} events; Neo4j is at position {graph.max_tracking_id()}.")
        if follow:
            render.note("Following new events (Ctrl-C to stop)...")
            stop = threading.Event()
            try:
                projector.follow(stop, interval=interval)
            except KeyboardInterrupt:
                stop.set()
    finally:
        graph.close()


@cli.command()
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
@neo4j_option
@store_option
@handles_errors
def serve(
    host: str,
    port: int,
    workers: int,
    demo: bool,
    max_body: int,
    neo4j_uri: str | None,
    store: str | None,
) -> None:
    """The HTTP API (and the web page) on HOST:PORT.

    The settings are read and the start-up checks run once, here, before any worker
    starts; with ``--workers N`` each worker process then builds its own application
    from them (its own store connection and caches).
    """
    import dataclasses
    import tempfile

    import uvicorn

    from coherence.api.app import check_binding, create_app, settle_process
    from coherence.api.workers import run_workers

    settings = read_settings(store=store, neo4j_uri=neo4j_uri, max_body=max_body)
    service = bootstrap(settings, neo4j=settings.neo4j is not None)
    if demo:
        load_demo(service.history)
    ctx = service.api_context()
    check_binding(host, ctx.tokens_required())
    shown = f"[{host}]" if ":" in host else host
    processes = f", {workers} worker processes" if workers > 1 else ""
    render.note(
        f"Coherence is serving http://{shown}:{port}/ (API at /api/v1, OpenAPI at /docs{processes})"
    )
    if not ctx.tokens_required():
        render.note(
            "No API token exists: open to this machine only. "
            "Create one with `coherence token create`."
        )
    if workers == 1:
        api = create_app(ctx)
        settle_process()
        uvicorn.run(api, host=host, port=port, log_level="warning")
        return
    service.close()  # each worker opens its own
    with tempfile.TemporaryDirectory(prefix="coherence-serve-") as run:
        shared = dataclasses.replace(settings, write_lock=str(Path(run) / "writes.lock"))
        run_workers(host, port, workers, shared.to_environment())


@cli.group()
def token() -> None:
    """API tokens: create, list, revoke (secrets are shown once and stored hashed)."""


@token.command("create")
@click.option(
    "--owner", required=True, help="The person the token is for (recorded on their changes)."
)
@click.option("--role", type=click.Choice(["viewer", "editor", "admin"]), required=True)
@click.option("--plan", "plans", multiple=True, help="Limit to this plan (repeatable).")
@click.option(
    "--district", "districts", multiple=True, help="Limit to this district's plans (repeatable)."
)
@click.option("--label", default=None, help="A note, e.g. where the token is used.")
@store_option
@table_or_json
@handles_errors
def token_create(
    owner: str,
    role: str,
    plans: tuple[str, ...],
    districts: tuple[str, ...],
    label: str | None,
    store: str | None,
    fmt: str,
) -> None:
    secret, info = issue_token(
        open_app(store),
        owner=owner,
        role=role,
        plans=list(plans),
        districts=list(districts),
        label=label,
    )
    if fmt == "json":
        emit_json({**info.to_dict(), "token": secret})
    else:
        render.note(f"Token {info.id} for {owner} ({role}). Copy it now; it is not shown again:")
        click.echo(secret)


@token.command("list")
@store_option
@table_or_json
@handles_errors
def token_list(store: str | None, fmt: str) -> None:
    tokens = list_tokens(open_app(store))
    if fmt == "json":
        emit_json([t.to_dict() for t in tokens])
    else:
        render.tokens_table(tokens)


@token.command("revoke")
@click.argument("token_id")
@click.option("--reason", default=None)
@store_option
@handles_errors
def token_revoke(token_id: str, reason: str | None, store: str | None) -> None:
    info = revoke_token(open_app(store), token_id, reason)
    render.note(f"Token {info.id} of {info.owner} revoked.")


@cli.command()
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


def main() -> None:
    try:
        cli(prog_name="coherence")
    except Exception as e:  # outside every command (an option's callback): a bug
        fail(e)


if __name__ == "__main__":  # pragma: no cover
    main()
