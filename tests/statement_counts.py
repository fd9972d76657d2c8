"""Counting the SQL statements a request runs (tests and bench/statements.py).

A ``before_cursor_execute`` listener on the application's engine counts every statement sent to
the database while the block runs: the test client runs the request in this process, on this
engine, so everything the view, the templates and the authorization rules ask is counted (the
log-in user loader included). Connection set-up (SQLite pragmas, run on the raw DB-API
connection) is not a statement of the request and is not counted.

    with count_statements(app) as counter:
        client.get("/lesson-plans")
    counter.count       # how many statements
    counter.statements  # their SQL, to see what grew

``statements_of(app, client, path)`` does the same for one GET and returns (status, counter).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from sqlalchemy import event


@dataclass
class StatementCounter:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def _listener(self, _conn, _cursor, statement, _parameters, _context, executemany) -> None:
        self.statements.append(statement)

    def summary(self, width: int = 160) -> str:
        """The statements, one per line and shortened: what an assertion message shows."""
        return "\n".join(f"{n:3}. {' '.join(s.split())[:width]}" for n, s in enumerate(self.statements, 1))


@contextlib.contextmanager
def count_statements(app):
    """Counts the statements run on ``app``'s engine inside the block."""
    from plc.extensions import db

    with app.app_context():
        engine = db.engine
    counter = StatementCounter()
    event.listen(engine, "before_cursor_execute", counter._listener)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter._listener)


def statements_of(app, client, path: str) -> tuple[int, StatementCounter]:
    """(status, counter) of one GET of ``path`` with ``client`` (logged in or not)."""
    with count_statements(app) as counter:
        response = client.get(path)
    return response.status_code, counter
