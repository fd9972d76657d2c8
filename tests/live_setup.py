"""Prepare live sessions in a seeded database, for the real-server tests and the benchmarks.

Runs against whatever database the environment names (``DATABASE_URL``, ``PLC_INSTANCE_PATH``,
``PLC_PROFILE``…), exactly as the server process will see it:

    python tests/live_setup.py session --circle "วง PLC เครือข่าย…" --host coach@example.org
        → prints the id of a new live session of that circle, started by the host

    python tests/live_setup.py crowd --sessions 10 --members 30 --password PASS [--prefix bench]
        → creates SESSIONS circles in network N1, each with MEMBERS new users (one password hash
          computed once), schedules and starts a session in each, and prints JSON
          ``{"sessions": [{"id": …, "emails": […]}, …]}``

Both go through the services where it matters (scheduling and starting a session); the crowd's
users and circle memberships are inserted in bulk, since hashing hundreds of passwords one by one
would dominate a benchmark's set-up.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _user(email: str):
    from sqlalchemy import select

    from plc.extensions import db
    from plc.models import User

    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        raise SystemExit(f"no user {email}")
    return user


def start_session(circle, host, title: str):
    from plc.extensions import db
    from plc.models._types import utcnow
    from plc.services import live_sessions
    from plc.services.live_sessions import SessionInput

    session = live_sessions.schedule(host, circle, SessionInput(
        title=title, starts_at=utcnow() - timedelta(minutes=1), duration_minutes=8 * 60))
    live_sessions.start(host, session)
    db.session.flush()
    return session


def cmd_session(args) -> None:
    from sqlalchemy import select

    from plc.extensions import db
    from plc.models import Circle

    circle = db.session.scalar(select(Circle).where(Circle.name == args.circle))
    if circle is None:
        raise SystemExit(f"no circle named {args.circle!r}")
    session = start_session(circle, _user(args.host), args.title)
    db.session.commit()
    print(session.id)


def cmd_crowd(args) -> None:
    from sqlalchemy import insert, select

    from plc.extensions import db
    from plc.models import Circle, CircleMember, Network, User
    from plc.services.passwords import hash_password

    network = db.session.scalar(select(Network).where(Network.key == args.network))
    if network is None:
        raise SystemExit(f"no network {args.network!r}")
    host = _user(args.host)
    password_hash = hash_password(args.password)
    result = []
    for s in range(args.sessions):
        circle = Circle(network_id=network.id, name=f"{args.prefix} circle {s + 1}", learning_area="บูรณาการ",
                        created_by_id=host.id)
        db.session.add(circle)
        db.session.flush()
        emails = [f"{args.prefix}-{s + 1}-{m + 1}@example.org" for m in range(args.members)]
        db.session.execute(insert(User), [
            {"email": email, "name_th": f"ครูทดสอบ {s + 1}-{m + 1}", "password_hash": password_hash}
            for m, email in enumerate(emails)])
        ids = list(db.session.scalars(select(User.id).where(User.email.in_(emails))))
        db.session.execute(insert(CircleMember), [{"circle_id": circle.id, "user_id": uid, "role": "member"}
                                                  for uid in ids])
        db.session.add(CircleMember(circle_id=circle.id, user_id=host.id, role="facilitator"))
        db.session.flush()
        session = start_session(circle, host, f"{args.prefix} session {s + 1}")
        result.append({"id": session.id, "circle_id": circle.id, "emails": emails})
    db.session.commit()
    print(json.dumps({"sessions": result}))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("session", help="create and start a session for a named circle")
    one.add_argument("--circle", required=True, help="the circle's name")
    one.add_argument("--host", default="coach@example.org")
    one.add_argument("--title", default="PLC ออนไลน์ (ทดสอบ)")
    one.set_defaults(run=cmd_session)
    crowd = sub.add_parser("crowd", help="circles full of new users, each with a live session")
    crowd.add_argument("--sessions", type=int, default=1)
    crowd.add_argument("--members", type=int, default=200)
    crowd.add_argument("--password", required=True)
    crowd.add_argument("--prefix", default="bench")
    crowd.add_argument("--host", default="coach@example.org")
    crowd.add_argument("--network", default="N1")
    crowd.set_defaults(run=cmd_crowd)
    args = parser.parse_args(argv)

    from plc import create_app

    app = create_app()
    with app.app_context():
        args.run(args)


if __name__ == "__main__":
    main()
