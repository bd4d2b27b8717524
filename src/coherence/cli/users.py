"""People who sign in with the district's accounts: ``coherence user grant | list | revoke``."""

from __future__ import annotations

import click
from rich.markup import escape

from coherence.application.users import grant_person, list_people, revoke_person
from coherence.cli import render
from coherence.cli.common import emit_json, handles_errors, open_app, store_option, table_or_json

BY = "coherence user (command line)"


@click.group()
def user() -> None:
    """People who sign in (OpenID Connect): grant a role, list, revoke."""


@user.command("grant")
@click.argument("email")
@click.option("--role", type=click.Choice(["viewer", "editor", "admin"]), required=True)
@click.option("--name", default=None, help='Full name, recorded as "Name <email>".')
@click.option("--plan", "plans", multiple=True, help="Limit to this plan (repeatable).")
@click.option(
    "--district", "districts", multiple=True, help="Limit to this district's plans (repeatable)."
)
@store_option
@table_or_json
@handles_errors
def user_grant(
    email: str,
    role: str,
    name: str | None,
    plans: tuple[str, ...],
    districts: tuple[str, ...],
    store: str | None,
    fmt: str,
) -> None:
    """Grant EMAIL a role (or change it); they may then sign in."""
    info = grant_person(
        open_app(store),
        email,
        role=role,
        name=name,
        plans=list(plans),
        districts=list(districts),
        by=BY,
    )
    if fmt == "json":
        emit_json(info.to_dict())
    else:
        scope = ", ".join([*info.plans, *info.districts]) or "every plan"
        render.note(escape(f"{info.actor} is {info.role} of {scope}."))


@user.command("list")
@store_option
@table_or_json
@handles_errors
def user_list(store: str | None, fmt: str) -> None:
    """Everyone ever granted a role (revoked ones marked)."""
    people = list_people(open_app(store))
    if fmt == "json":
        emit_json([p.to_dict() for p in people])
    else:
        render.people_table(people)


@user.command("revoke")
@click.argument("email")
@click.option("--reason", default=None)
@store_option
@handles_errors
def user_revoke(email: str, reason: str | None, store: str | None) -> None:
    """Revoke EMAIL's role: their next request is refused."""
    info = revoke_person(open_app(store), email, reason, by=BY)
    render.note(escape(f"{info.actor} no longer has a role."))
