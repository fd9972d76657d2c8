"""`flask seed reference|demo|scale`, `flask export`, `flask import`, `flask reindex`, `flask mail
send-pending` and `flask people invitation-link`."""

from __future__ import annotations

import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup

from plc import archive, mailer
from plc.extensions import db
from plc.models import Role
from plc.seeds.demo import DEMO_PASSWORD, seed_demo
from plc.seeds.reference import seed_reference
from plc.seeds.scale import KNOWN_ACCOUNTS, SCALE_PASSWORD, ScaleSeedError, seed_scale
from plc.services import accounts, memberships, search

seed = AppGroup("seed", help="Load reference or demo data (idempotent).")


@seed.command("reference")
def seed_reference_command() -> None:
    """Regions, provinces, affiliations, area offices, focus areas and the innovation library."""
    with mailer.suppressed():
        counts = seed_reference()
    counts["search_documents"] = search.reindex_all()
    db.session.commit()
    click.echo("Reference data loaded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


@seed.command("demo")
def seed_demo_command() -> None:
    """Reference data plus two demo networks, their schools, fictional people and their PLC work
    (goals, circles, meetings, cycles with DE checkpoints, outcomes and lessons learned; lesson plans,
    reflections, coaching visits and live sessions, one of them always upcoming)."""

    with mailer.suppressed():
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
        with mailer.suppressed():
            counts = seed_scale(seed=seed_value, networks=networks, schools=schools, provinces=provinces,
                                staff=staff, semesters=semesters, progress=progress)
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


mail_group = AppGroup("mail", help="The e-mail outbox (when MAIL_SERVER is set).")


@mail_group.command("send-pending")
def mail_send_pending_command() -> None:
    """Send the queued e-mail that is due now (the web processes also send it in the background)."""
    if not mailer.enabled():
        raise click.ClickException("E-mail is not configured: set MAIL_SERVER (see README.md).")
    report = mailer.send_pending(current_app._get_current_object())
    click.echo(f"Sent {report.sent}, failed {report.failed} (failures are retried later).")


def _progressbar(label: str, total: int):
    return click.progressbar(length=total, label=label.ljust(10), file=sys.stderr)


@click.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--network", "network_key", metavar="KEY", help="Only what belongs to the network with this key.")
@click.option("--school", "school_id", metavar="ID", type=int, help="Only what belongs to the school with this id.")
@click.option("--credentials/--no-credentials", default=True, show_default=True,
              help="Keep the password hashes (after an import everyone logs in as before) or leave them out "
                   "(everyone sets a password again).")
def export_command(path: str, network_key: str | None, school_id: int | None, credentials: bool) -> None:
    """Write the platform (or one network or school) to a versioned archive (ZIP) at PATH."""
    if network_key and school_id is not None:
        raise click.UsageError("Give --network or --school, not both.")
    scope = ("network", network_key) if network_key else ("school", school_id) if school_id is not None else None
    try:
        manifest = archive.export_archive(path, scope=scope, progress=_progressbar, credentials=credentials)
    except archive.ArchiveError as error:
        raise click.ClickException(str(error)) from None
    rows = sum(entry["rows"] for entry in manifest["tables"].values())
    click.echo(f"Exported {rows} rows in {len(manifest['tables'])} tables and {len(manifest['files'])} files "
               f"to {path} (schema revision {manifest['schema_revision']}).")
    if manifest["links_cut"]:
        click.echo("Links to rows outside the scope were left empty: "
                   + ", ".join(f"{k}={v}" for k, v in manifest["links_cut"].items()))
    if manifest["people"]["outside_scope"]:
        click.echo(f"{manifest['people']['outside_scope']} people from outside the scope are named by its rows: "
                   "only their names are kept.")


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path: str) -> None:
    """Load an archive made by `flask export` into this empty database (checked first; all or nothing)."""
    try:
        manifest = archive.import_archive(path, progress=_progressbar)
    except archive.ArchiveError as error:
        raise click.ClickException(str(error)) from None
    rows = sum(entry["rows"] for entry in manifest["tables"].values())
    click.echo(f"Imported {rows} rows in {len(manifest['tables'])} tables and {len(manifest['files'])} files "
               f"from {path}. People log in again: sessions and API tokens are not carried over.")


people_group = AppGroup("people", help="Accounts, for the operator of the installation.")


@people_group.command("invitation-link")
@click.argument("email")
@click.option("--admin", is_flag=True, help="Also make the person an administrator of the platform.")
@click.option("--name", "name_th", metavar="NAME", help="The name of a person who has no account yet (with --admin).")
def invitation_link_command(email: str, admin: bool, name_th: str | None) -> None:
    """Print a single-use link for EMAIL to set a password: the first administrator of a new
    installation, or anyone after an import of an archive without passwords (--no-credentials, the
    browser exports). Any earlier unused link of theirs stops working."""
    user = accounts.find_user_by_email(email)
    if user is None:
        if not (admin and name_th):
            raise click.ClickException(f"There is no account with the address {email!r} "
                                       "(give --admin and --name to create the first administrator).")
        try:
            user, link = memberships.invite(None, email=email, name_th=name_th, name_en=None, role=Role.ADMIN,
                                            scope=None, locale="th")
        except accounts.AccountError as error:
            raise click.ClickException(str(error.message)) from None
    elif not user.is_active:
        raise click.ClickException(f"The account {user.email} is disabled.")
    else:
        if admin and not any(m.role == Role.ADMIN for m in user.current_memberships()):
            memberships.grant(None, user, Role.ADMIN, None)
        link = accounts.create_invitation(None, user)
    db.session.commit()
    hours = current_app.config["PLC_INVITATION_HOURS"]
    click.echo(f"{current_app.config['PLC_BASE_URL']}/auth/invitation/{link.token}")
    click.echo(f"Single-use, valid for {hours} hours, for {user.email}"
               f"{' (administrator)' if admin else ''}.", err=True)


def register(app) -> None:
    app.cli.add_command(people_group)
    app.cli.add_command(export_command)
    app.cli.add_command(import_command)
    app.cli.add_command(reindex_command)
    app.cli.add_command(mail_group)
    app.cli.add_command(seed)
