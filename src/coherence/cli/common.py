"""What the commands share: options, opening the service through the composition
root, and turning an error into its exit status from the one table."""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, TypeVar

import click

from coherence.application.history import PlanHistory
from coherence.application.postgres_store import unavailable_store
from coherence.bootstrap import OnRetry, Service, bootstrap, read_settings
from coherence.domain.errors import EXIT_BUG, outcome_of
from coherence.queries.audit import ENGINES
from coherence.queries.reader import PlanReader

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


def fail(error: BaseException) -> NoReturn:
    """Report an error on standard error and exit with its status from the table.

    An error of no row is a bug: one line says so and where its traceback was saved
    (or, with ``$COHERENCE_TRACEBACK`` set, the traceback itself is printed)."""
    error = unavailable_store(error)
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


engine_option = click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=ENGINES[0],
    show_default=True,
    help="Run the rules in process (networkx) or as Cypher in Neo4j: the same answer.",
)
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


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def refuse_binary_to_terminal(output: Path | None, what: str) -> None:
    """A usage error (exit status 2) for binary output to a terminal without ``-o``."""
    if output is None and stdout_is_terminal():
        raise click.UsageError(
            f"{what} is binary: give -o FILE.xlsx (or redirect standard output to a file)"
        )


def write_output(data: bytes, output: Path | None) -> None:
    """Write to ``output``, or to standard output when there is none."""
    if output is None:
        stream: BinaryIO = sys.stdout.buffer
        stream.write(data)
        stream.flush()
    else:
        output.write_bytes(data)
