"""API tokens: ``coherence token create | list | revoke``."""

from __future__ import annotations

import os
from pathlib import Path

import click

from coherence.application.tokens import (
    bootstrap_admin_token,
    issue_token,
    list_tokens,
    revoke_token,
)
from coherence.cli import render
from coherence.cli.common import (
    emit_json,
    handles_errors,
    open_app,
    store_option,
    table_or_json,
)


@click.group()
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


@token.command("bootstrap")
@store_option
@handles_errors
def token_bootstrap(store: str | None) -> None:
    """Issue the admin token whose secret is $COHERENCE_ADMIN_TOKEN (or the file
    $COHERENCE_ADMIN_TOKEN_FILE, e.g. a Docker secret) unless it was issued before.

    What a container runs before serving beyond loopback: idempotent, so every start
    may run it; a revoked bootstrap token stays revoked.
    """
    secret = os.environ.get("COHERENCE_ADMIN_TOKEN", "").strip()
    path = os.environ.get("COHERENCE_ADMIN_TOKEN_FILE", "").strip()
    if not secret and path:
        secret = Path(path).read_text(encoding="utf-8").strip()
    if not secret:
        raise click.UsageError("set COHERENCE_ADMIN_TOKEN (or COHERENCE_ADMIN_TOKEN_FILE)")
    info = bootstrap_admin_token(open_app(store), secret)
    if info is None:
        render.note("The bootstrap admin token was issued before; nothing to do.")
    else:
        render.note(f"Issued the bootstrap admin token {info.id} ({info.owner}).")


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
