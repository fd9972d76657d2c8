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

    counts = seed_reference()
    db.session.commit()
    click.echo("Reference data loaded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


@seed.command("demo")
def seed_demo_command() -> None:
    """Reference data plus two demo networks, their schools, fictional people and their PLC work
    (goals, circles, meetings, cycles with DE checkpoints, outcomes and lessons learned)."""
    from plc.seeding import DEMO_PASSWORD, seed_demo

    counts = seed_demo()
    db.session.commit()
    click.echo("Demo data loaded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    click.echo(f"Demo accounts use the password {DEMO_PASSWORD!r}, e.g. teacher@example.org")


def register(app) -> None:
    app.cli.add_command(seed)
