"""The evidence pack for the performance agreement (วPA): the teacher's own, and nobody else's.

Not their director either, nor an admin. The pack holds reflections the teacher shared only with a
coaching partner or their circle, lesson plans they may keep private, and certificates issued in
their name when the pack is made; the วPA is the teacher's own submission, so the teacher decides
what reaches the committee. Those who manage a teacher already read the PLC-hours ledger
(``can_view_ledger``) and the dashboards."""

from __future__ import annotations

from plc.authz.base import access, is_signed_in
from plc.authz.people import can_view_user
from plc.models import User


def can_download_evidence(user, teacher) -> bool:
    """The teacher themself only."""
    return is_signed_in(user) and teacher is not None and user.id == teacher.id


# What each action needs beyond seeing the person; the action names are the audited ones.
EVIDENCE_ACTIONS = {
    "evidence.view": can_download_evidence,
    "evidence.download": can_download_evidence,
}


def access_evidence(user, teacher_id: int | None, action: str, *, options=()) -> User:
    """The teacher whose evidence pack is asked for: 404 for someone the user may not see at all,
    403 for anyone else the user sees."""
    return access(user, User, teacher_id, action, view=can_view_user, do=EVIDENCE_ACTIONS[action], options=options)
