"""The composition root: settings read once (command line over environment over
defaults), handed to worker processes intact, and the command line still taking its
store from ``$COHERENCE_STORE``."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from coherence.bootstrap import ServiceSettings, bootstrap, read_settings
from coherence.cli.main import cli
from tests.plans import yaml_text

NEO4J = {
    "COHERENCE_NEO4J_URI": "bolt://graph:7687",
    "COHERENCE_NEO4J_USER": "u",
    "COHERENCE_NEO4J_PASSWORD": "p",
    "COHERENCE_NEO4J_DATABASE": "plans",
}


def test_the_command_line_overrides_the_environment() -> None:
    env = {"COHERENCE_STORE": "memory://", **NEO4J}
    settings = read_settings(env, store="sqlite:///a.db", neo4j_uri="bolt://other:7687")
    assert settings.history.store == "sqlite:///a.db"
    assert settings.neo4j is not None
    assert (settings.neo4j.uri, settings.neo4j.user, settings.neo4j.database) == (
        "bolt://other:7687",
        "u",
        "plans",
    )
    assert read_settings({}).history.store == "sqlite:///coherence.db"
    assert read_settings({}).neo4j is None


def test_worker_processes_get_the_same_settings() -> None:
    settings = read_settings({"COHERENCE_STORE": "memory://", **NEO4J}, max_body=99)
    assert ServiceSettings.from_environment(settings.to_environment()) == settings


def test_one_reader_over_one_history() -> None:
    service = bootstrap(read_settings({"COHERENCE_STORE": "memory://"}))
    ctx = service.api_context()
    assert ctx.reader is service.reader and ctx.history is service.history
    assert service.neo4j is None and ctx.neo4j is None


def test_the_cli_reads_its_store_from_the_environment(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml_text(), encoding="utf-8")
    env = {"COHERENCE_STORE": f"sqlite:///{tmp_path / 'env.db'}"}
    assert CliRunner().invoke(cli, ["import", str(plan)], env=env).exit_code == 0
    listed = CliRunner().invoke(cli, ["plans", "--format", "json"], env=env)
    assert listed.exit_code == 0 and "example-2025" in listed.stdout
    assert (tmp_path / "env.db").exists()
