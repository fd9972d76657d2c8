"""Self-service exports (plc/archive.py's archive, built in the background): who may export what,
and who sees a job and its file.

A director exports their own school(s); an admin exports anything (the platform, a network, a
school). Nobody else, coordinators included: the issue names only directors and admins, and a
network's archive holds the personal data of every school of the network, so it stays with the
admins, who can make one on a coordinator's request. A job (its progress and its file) is seen by the
person who asked for it and by admins; anyone else gets 404."""

from __future__ import annotations

from plc.authz.base import access, deny_forbidden, deny_unseen, is_admin, is_signed_in, member_school_ids
from plc.authz.people import can_view_network, can_view_school
from plc.extensions import db
from plc.models import Network, Role, School
from plc.models.archive_jobs import ExportJob


def exportable_school_ids(user) -> set[int] | None:
    """The schools the user may export (None: all, for admins)."""
    if is_admin(user):
        return None
    return member_school_ids(user, {Role.DIRECTOR}) if is_signed_in(user) else set()


def can_request_export(user) -> bool:
    """May open the exports page and ask for an archive of some scope."""
    return is_signed_in(user) and (is_admin(user) or bool(exportable_school_ids(user)))


def can_export_school(user, school: School) -> bool:
    ids = exportable_school_ids(user)
    return is_signed_in(user) and (ids is None or school.id in ids)


def can_export_network(user, network: Network) -> bool:
    return is_admin(user)


def can_export_platform(user) -> bool:
    return is_admin(user)


def access_export_scope(user, kind: str, object_id: int | None, action: str):
    """The scope asked for, as ``(kind, row)`` (row None for the platform): 404 for a school or
    network the user does not see (or that does not exist), 403 for one they see but may not export."""
    if kind == "platform":
        if not can_export_platform(user):
            deny_forbidden(user, action)
        return kind, None
    model, view, do = {"school": (School, can_view_school, can_export_school),
                       "network": (Network, can_view_network, can_export_network)}.get(kind, (None, None, None))
    if model is None:
        deny_unseen(user, action)
    row = db.session.get(model, object_id) if object_id is not None else None
    if row is None or not view(user, row):
        deny_unseen(user, action, row)
    if not do(user, row):
        deny_forbidden(user, action, row)
    return kind, row


def can_view_export_job(user, job: ExportJob) -> bool:
    return is_signed_in(user) and (is_admin(user) or job.requested_by_id == user.id)


def can_download_export_job(user, job: ExportJob) -> bool:
    """The requester while they still may export that scope (a director who has left their school
    no longer downloads it), or an admin."""
    if not can_view_export_job(user, job):
        return False
    if is_admin(user):
        return True
    return job.scope_kind == "school" and job.scope_id in (exportable_school_ids(user) or set())


EXPORT_JOB_ACTIONS = {
    "export.status": None,
    "export.download": can_download_export_job,
}


def access_export_job(user, job_id: int | None, action: str) -> ExportJob:
    """The job: 404 for anyone but its requester and admins; 403 for a download the requester may no
    longer make."""
    return access(user, ExportJob, job_id, action, view=can_view_export_job, do=EXPORT_JOB_ACTIONS[action])
