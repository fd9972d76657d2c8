"""What the access tests of every concept share: filling ids into paths and bodies, and the refusals
the audit trail holds."""

from __future__ import annotations

from sqlalchemy import select

from plc.models import AuditEvent


def fill(value, ids: dict):
    """``value`` with every "{name}" placeholder replaced; a whole-placeholder string becomes the id itself."""
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value.count("{") == 1:
        return ids[value[1:-1]]
    return value.format(**ids) if isinstance(value, str) else value


def denials(in_db) -> list[tuple]:
    """(actor, target type, target id, details) of every audited refusal, oldest first."""
    with in_db() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "authz.denied")
                                 .order_by(AuditEvent.id)).all()
        return [(e.actor_id, e.target_type, e.target_id, e.details) for e in events]
