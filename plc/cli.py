"""`flask seed reference`, `flask seed demo`, `flask seed scale`."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from plc.extensions import db
from plc.seeds.demo import DEMO_PASSWORD, seed_demo
from plc.seeds.reference import seed_reference
from plc.seeds.scale import KNOWN_ACCOUNTS, SCALE_PASSWORD, ScaleSeedError, seed_scale
from plc.services import search

seed = AppGroup("seed", help="Load reference or demo data (idempotent).")


@seed.command("reference")
def seed_reference_command() -> None:
    """Regions, provinces, affiliations, area offices, focus areas and the innovation library."""
    counts = seed_reference()
    counts["search_documents"] = search.reindex_all()
    db.session.commit()
    click.echo("Reference data loaded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


@seed.command("demo")
def seed_demo_command() -> None:
    """Reference data plus two demo networks, their schools, fictional people and their PLC work
    (goals, circles, meetings, cycles with DE checkpoints, outcomes and lessons learned; lesson plans,
    reflections, coaching visits and live sessions, one of them always upcoming)."""

    counts = seed_demo()
    counts["search_documents"] = search.reindex_all()
    db.session.commit()
    click.echo("Demo data loaded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    click.echo(f"Demo accounts use the password {DEMO_PASSWORD!r}, e.g. teacher@example.org")


@seed.command("scale")
@click.option("--seed", "seed_value", type=int, default=1, show_default=True,
              help="Seed of the random generator: the same seed (on the same day) gives the same data.")
@click.option("--networks", type=click.IntRange(1), default=11, show_default=True)
@click.option("--schools", type=click.IntRange(1), default=636, show_default=True)
@click.option("--provinces", type=click.IntRange(1), default=41, show_default=True)
@click.option("--staff", type=click.IntRange(1), default=10000, show_default=True,
              help="Users in all (directors, teachers, network and area staff, one admin).")
@click.option("--semesters", type=click.IntRange(1), default=2, show_default=True,
              help="Academic terms of activity, ending with the current one (up to today).")
@click.option("--index/--no-index", default=True, show_default=True,
              help="Build the search index at the end (about a minute at the default sizes).")
def seed_scale_command(seed_value: int, networks: int, schools: int, provinces: int, staff: int,
                       semesters: int, index: bool) -> None:
    """A TSQP-sized programme for benchmarks and dashboards, in a database of its own: refused when
    the database holds anything beyond the reference data (which it loads first)."""

    started = time.perf_counter()

    def progress(message: str) -> None:
        click.echo(f"{time.perf_counter() - started:7.1f} s  {message}")

    try:
        counts = seed_scale(seed=seed_value, networks=networks, schools=schools, provinces=provinces, staff=staff,
                            semesters=semesters, progress=progress)
    except ScaleSeedError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    if index:
        progress("search index")
        counts["search_documents"] = search.reindex_all()
    progress("commit")
    db.session.commit()
    elapsed = time.perf_counter() - started
    click.echo("Scale data loaded: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    click.echo(f"Took {elapsed:.1f} s.")
    if not index:
        click.echo("The search index was not built: `flask reindex` builds it.")
    click.echo(f"Accounts (password {SCALE_PASSWORD!r}):")
    for email, what in KNOWN_ACCOUNTS.items():
        click.echo(f"  {email:36} {what}")
    click.echo("  u<N>@scale.example.org               everyone else (N is the user id)")


@click.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the records (after an import or a restore)."""
    count = search.reindex_all()
    db.session.commit()
    click.echo(f"Indexed {count} records.")


def register(app) -> None:
    app.cli.add_command(reindex_command)
    app.cli.add_command(seed)
