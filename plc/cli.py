"""`flask seed reference`, `flask seed demo`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from plc.extensions import db

seed = AppGroup("seed", help="Load reference or demo data (idempotent).")


@seed.command("reference")
def seed_reference_command() -> None:
    """Regions, provinces, affiliations, area offices, focus areas and the innovation library."""
    from plc.seeding import seed_reference
    from plc.services import search

    counts = seed_reference()
    counts["search_documents"] = search.reindex_all()
    db.session.commit()
    click.echo("Reference data loaded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


@seed.command("demo")
def seed_demo_command() -> None:
    """Reference data plus two demo networks, their schools, fictional people and their PLC work
    (goals, circles, meetings, cycles with DE checkpoints, outcomes and lessons learned; lesson plans,
    reflections, coaching visits and live sessions, one of them always upcoming)."""
    from plc.seeding import DEMO_PASSWORD, seed_demo
    from plc.services import search

    counts = seed_demo()
    counts["search_documents"] = search.reindex_all()
    db.session.commit()
    click.echo("Demo data loaded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    click.echo(f"Demo accounts use the password {DEMO_PASSWORD!r}, e.g. teacher@example.org")


@click.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the records (after an import or a restore)."""
    from plc.services import search

    count = search.reindex_all()
    db.session.commit()
    click.echo(f"Indexed {count} records.")


def register(app) -> None:
    app.cli.add_command(reindex_command)
    app.cli.add_command(seed)
