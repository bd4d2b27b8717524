"""API tokens: ``coherence token create | list | revoke``."""

from __future__ import annotations

import click

from coherence.application.tokens import issue_token, list_tokens, revoke_token
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
