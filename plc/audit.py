"""The audit trail: who did what to which row, written in the caller's transaction."""

from __future__ import annotations

from flask import has_request_context, request

from plc.extensions import db
from plc.models import AuditEvent


def record(action: str, actor=None, target=None, *, target_type: str | None = None,
           target_id: int | None = None, **details) -> AuditEvent:
    """Adds an audit event to the current transaction; the caller commits."""
    if target is not None:
        target_type = target_type or type(target).__name__.lower()
        target_id = target_id if target_id is not None else getattr(target, "id", None)
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None) if actor is not None and getattr(actor, "is_authenticated", True) else None,
        target_type=target_type,
        target_id=target_id,
        ip=request.remote_addr if has_request_context() else None,
        details={k: v for k, v in details.items() if v is not None},
    )
    db.session.add(event)
    return event
