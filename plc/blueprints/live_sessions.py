"""Live PLC sessions (PLC ออนไลน์): scheduling one from a circle, the session page with the chat, the
host's controls, attendance and the summary; my sessions; the PLC-hours ledger and its CSV; and the
in-app notifications shown in the header and on the home page."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from plc import audit, authz, exports
from plc.extensions import db, limiter
from plc.forms._fields import apply_service_errors
from plc.forms.live_sessions import MuteForm, ReadOnlyForm, ScheduleForm, SummaryForm
from plc.forms.people import ConfirmForm
from plc.i18n import current_locale, localize_digits, to_local
from plc.labels import MEETING_MODE_LABELS
from plc.models import Circle, CircleMember, Cycle, Membership, School, User
from plc.models._types import utcnow
from plc.models.cycles import CycleStatus
from plc.models.live_sessions import (
    Attendance,
    ChatMessage,
    LiveSession,
    SessionGuest,
    SessionMute,
    SessionState,
)
from plc.realtime.presence import store
from plc.services import live_sessions, notifications
from plc.services.live_sessions import ActionItemInput, SessionInput

bp = Blueprint("live_sessions", __name__)

TRANSCRIPT_LIMIT = 10_000
RECENT_DAYS = 120


def state_label(state: str) -> str:
    labels = {SessionState.SCHEDULED: _("Scheduled"), SessionState.LIVE: _("Live now"), SessionState.ENDED: _("Ended")}
    return labels.get(state, state)


# ---------------------------------------------------------------------------- template helpers


@bp.app_template_filter("clock")
def clock(value) -> str:
    """13:05 in Bangkok time."""
    return to_local(value).strftime("%H:%M") if value is not None else ""


@bp.app_template_filter("plc_hours")
def plc_hours(minutes: int | None) -> str:
    minutes = int(minutes or 0)
    return localize_digits(_("%(hours)s h %(minutes)s min", hours=minutes // 60, minutes=minutes % 60))


@bp.app_template_global()
def session_state_label(state: str) -> str:
    return state_label(state)


@bp.app_template_global()
def unread_notification_count() -> int:
    if not current_user.is_authenticated:
        return 0
    try:
        return notifications.unread_count(current_user)
    except SQLAlchemyError:  # the header of an error page must still render
        return 0


@bp.app_template_global()
def live_home() -> SimpleNamespace:
    """For the home page: unread notifications and my upcoming sessions."""
    notes = [SimpleNamespace(id=n.id, url=n.url, created_at=n.created_at, title=notifications.notification_title(n))
             for n in notifications.unread_notifications(current_user, limit=10)]
    upcoming = db.session.scalars(_listed(live_sessions.sessions_query(current_user, upcoming=True)).limit(10)
                                  .options(selectinload(LiveSession.circle))).all()
    return SimpleNamespace(notifications=notes, upcoming=upcoming)


@bp.app_template_global()
def circle_live_sessions(circle: Circle) -> SimpleNamespace:
    """For the circle page: its sessions (upcoming first, then the latest ended ones)."""
    rows = db.session.scalars(_listed(live_sessions.sessions_query(current_user, circle_id=circle.id))).all()
    upcoming = [s for s in rows if s.state != SessionState.ENDED]
    ended = sorted((s for s in rows if s.state == SessionState.ENDED), key=lambda s: s.starts_at, reverse=True)[:10]
    return SimpleNamespace(upcoming=upcoming, ended=ended, total=len(rows),
                           can_schedule=authz.can_schedule_session(current_user, circle))


@bp.app_template_global()
def cycle_live_sessions(cycle: Cycle) -> list[LiveSession]:
    """For the cycle page's timeline slot: the cycle's sessions this user may see."""
    return db.session.scalars(_listed(live_sessions.sessions_query(current_user).where(
        LiveSession.cycle_id == cycle.id))).all()


# ---------------------------------------------------------------------------- helpers


def _session(session_id: int, action: str) -> LiveSession:
    """The session if the user may do ``action`` to it, its state brought up to date first
    (``live_sessions.session_for``, as the API and the chat ask it); an ending is saved at once."""
    live, ended = live_sessions.session_for(current_user, session_id, action)
    if ended:
        db.session.commit()
    return live


def _listed(query):
    """``query`` of sessions, those left running past their end ended first (as the API's list does)."""
    if live_sessions.end_overdue(query):
        db.session.commit()
    return query


def _to_session(live: LiveSession, anchor: str = "") -> Response:
    return redirect(url_for("live_sessions.show", session_id=live.id) + anchor)


def _network_ids(circle: Circle) -> set[int]:
    return authz.network_ids_of_schools({circle.school_id}) if circle.school_id else {circle.network_id}


def guest_candidates(circle: Circle) -> list[tuple[User, str]]:
    """Staff of the other schools of the circle's network(s) and the network's staff, who are not
    members of the circle: (user, where they work)."""
    networks = _network_ids(circle)
    schools = authz.school_ids_of_networks(networks) - ({circle.school_id} if circle.school_id else set())
    members = {m.user_id for m in circle.current_members()}
    rows = db.session.execute(
        select(User, School.name_th).join(Membership, Membership.user_id == User.id)
        .outerjoin(School, School.id == Membership.school_id)
        .where(Membership.current_clause(), User.disabled_at.is_(None))
        .where(or_(Membership.school_id.in_(schools),
                   Membership.network_id.in_(networks) & Membership.role.in_([r.value for r in authz.NETWORK_STAFF])))
        .order_by(School.name_th, User.name_th))
    seen: dict[int, tuple[User, str]] = {}
    for user, school_name in rows:
        if user.id not in members and user.id not in seen:
            seen[user.id] = (user, school_name or _("Network staff"))
    return list(seen.values())


def _open_cycles(circle: Circle) -> list[Cycle]:
    return [c for c in reversed(circle.cycles) if not c.is_closed]


def invitee_users(live: LiveSession) -> list[User]:
    ids = live_sessions.invitees(live)
    return db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.name_th)).all()


def _summary_form(live: LiveSession, owners: list[User], formdata=None) -> SummaryForm:
    if formdata is not None:
        return SummaryForm(formdata=formdata, owners=owners)
    form = SummaryForm(formdata=None, owners=owners)
    form.decisions.data = live.summary_decisions or ""
    items = list(live.action_items)
    while len(form.items) <= len(items) and len(form.items) < form.items.max_entries:
        form.add_row()
    for entry, item in zip(form.items, items, strict=False):
        entry.form.text.data = item.text
        entry.form.owner_id.data = item.owner_id or 0
        entry.form.due_on.data = item.due_on
    return form


def render_session(live: LiveSession, *, summary_form=None, onsite_errors=None, onsite_values=None,
                   status: int = 200):
    allowed = authz.permissions(current_user, live)  # the API's permissions field says the same
    can_host, can_attend = allowed["host"], allowed["attend"]
    last_event = live.last_event  # read before the messages: the client replays whatever came after
    messages: list[ChatMessage] = []
    if live.mode == "online" and (live.state == SessionState.ENDED or can_attend):
        limit = TRANSCRIPT_LIMIT if live.state == SessionState.ENDED else live_sessions.HISTORY_LIMIT
        messages = live_sessions.latest(live.id, limit=limit)
    invitees = invitee_users(live)
    muted = set(db.session.scalars(select(SessionMute.user_id).where(SessionMute.session_id == live.id)))
    presence = []
    if live.mode == "online" and live.state != SessionState.ENDED and can_attend:
        presence = store().members(live.id)
    attendance = live_sessions.attendance(live) if can_host else []
    if can_host and live.state == SessionState.ENDED and summary_form is None:
        summary_form = _summary_form(live, invitees)
    if onsite_values is None and can_host and live.mode == "onsite":
        onsite_values = {row.user_id: row.onsite_minutes for row in db.session.scalars(
            select(Attendance).where(Attendance.session_id == live.id, Attendance.onsite_minutes.is_not(None)))}
    owners = {u.id: u for u in invitees}
    return render_template(
        "live_sessions/show.html", live=live, circle=live.circle, can_host=can_host, can_attend=can_attend,
        messages=messages, last_event=last_event, invitees=invitees, muted=muted, presence=presence,
        attendance=attendance, summary_form=summary_form, onsite_values=onsite_values or {},
        onsite_errors=onsite_errors or [], owners=owners, planned_end=live_sessions.planned_end(live),
        am_muted=current_user.id in muted, guests=[g.user for g in live.guests],
        confirm_form=ConfirmForm(formdata=None), read_only_form=ReadOnlyForm(formdata=None),
        mute_form=MuteForm(formdata=None), mode_labels=MEETING_MODE_LABELS), status


# ---------------------------------------------------------------------------- scheduling


@bp.route("/circles/<int:circle_id>/sessions/new", methods=["GET", "POST"])
@login_required
def create(circle_id: int):
    circle = authz.access_session_circle(current_user, circle_id, "live_session.schedule")
    cycles = _open_cycles(circle)
    candidates = guest_candidates(circle)
    form = ScheduleForm(cycles=cycles, guests=[u for u, _where in candidates])
    active = next((c for c in cycles if c.status == CycleStatus.ACTIVE), None)
    if request.method == "GET":
        form.cycle_id.data = active.id if active else 0
        form.mode.data = "online"
    status = 200
    if form.validate_on_submit():
        try:
            live = live_sessions.schedule(current_user, circle, SessionInput(
                title=form.title.data or "", starts_at=form.starts_at(), duration_minutes=form.duration_minutes.data,
                mode=form.mode.data, agenda=form.agenda.data, cycle_id=form.cycle_id.data or None,
                guest_ids=form.guest_ids.data or []))
        except live_sessions.SessionError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields, aliases={"starts_at": "day"})
            status = 422
        else:
            db.session.commit()
            flash(_("The session is scheduled. The members and guests are notified."), "success")
            return _to_session(live)
    elif request.method == "POST":
        status = 422
    return render_template("live_sessions/form.html", form=form, circle=circle, cycles=cycles,
                           candidates=candidates, active=active), status


# ---------------------------------------------------------------------------- lists


def _mine_clause(user):
    mine = select(CircleMember.circle_id).where(CircleMember.user_id == user.id, CircleMember.current_clause())
    guest_of = select(SessionGuest.session_id).where(SessionGuest.user_id == user.id)
    attended = select(Attendance.session_id).where(Attendance.user_id == user.id)
    return or_(LiveSession.circle_id.in_(mine), LiveSession.id.in_(guest_of), LiveSession.host_id == user.id,
               LiveSession.id.in_(attended))


@bp.get("/live")
@login_required
def index():
    _listed(live_sessions.sessions_query(current_user))
    with_circle = selectinload(LiveSession.circle)
    upcoming = db.session.scalars(live_sessions.sessions_query(current_user, upcoming=True).limit(50)
                                  .options(with_circle)).all()
    since = utcnow() - timedelta(days=RECENT_DAYS)
    recent = db.session.scalars(
        live_sessions.sessions_query(current_user).where(LiveSession.state == SessionState.ENDED, LiveSession.starts_at >= since,
                                                         _mine_clause(current_user))
        .order_by(None).order_by(LiveSession.starts_at.desc()).limit(50).options(with_circle)).all()
    schedulable = [c for c in db.session.scalars(select(Circle).where(
        Circle.id.in_(select(CircleMember.circle_id).where(CircleMember.user_id == current_user.id,
                                                           CircleMember.current_clause())),
        Circle.archived_at.is_(None)).order_by(Circle.name))
        if authz.can_schedule_session(current_user, c)]
    return render_template("live_sessions/index.html", upcoming=upcoming, recent=recent, schedulable=schedulable)


# ---------------------------------------------------------------------------- the session page


@bp.get("/live/<int:session_id>")
@login_required
def show(session_id: int):
    return render_session(_session(session_id, "live_session.view"))


@bp.post("/live/<int:session_id>/start")
@login_required
def start(session_id: int):
    live = _session(session_id, "live_session.start")
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return _to_session(live)
    if live.mode != "online":
        flash(_("Onsite meetings are not started here: record who attended instead."), "error")
        return _to_session(live, "#onsite")
    try:
        live_sessions.start(current_user, live)
    except live_sessions.SessionError as error:
        db.session.rollback()
        flash(str(error), "error")
        return render_session(live, status=409)
    db.session.commit()
    flash(_("The session is live. Members who open it can chat now."), "success")
    return _to_session(live, "#chat")


@bp.route("/live/<int:session_id>/end", methods=["GET", "POST"])
@login_required
def end(session_id: int):
    live = _session(session_id, "live_session.end")
    if live.state != SessionState.LIVE:
        flash(_("Only a live session can end."), "error")
        return _to_session(live)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            live_sessions.end(current_user, live)
        except live_sessions.SessionError as error:
            db.session.rollback()
            flash(str(error), "error")
            return _to_session(live)
        db.session.commit()
        flash(_("The session has ended. Its transcript and attendance are kept; write the summary now."),
              "success")
        return _to_session(live, "#summary")
    return render_template("people/confirm.html", form=form, title=_("End %(title)s?", title=live.title),
                           message=_("The chat closes for everyone and the attendance minutes are counted up to "
                                     "now. The transcript stays with the circle and its cycle."),
                           confirm_label=_("End the session"), cancel_url=url_for("live_sessions.show",
                                                                                  session_id=live.id))


@bp.post("/live/<int:session_id>/read-only")
@login_required
def read_only(session_id: int):
    live = _session(session_id, "live_session.read_only")
    form = ReadOnlyForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return _to_session(live)
    value = form.read_only.data == "1"
    live_sessions.set_read_only(current_user, live, value)
    db.session.commit()
    flash(_("Only the host can write in the chat now.") if value else _("Everyone can write in the chat again."),
          "success")
    return _to_session(live, "#chat")


@bp.post("/live/<int:session_id>/mute")
@login_required
def mute(session_id: int):
    live = _session(session_id, "live_session.mute")
    form = MuteForm()
    valid = form.validate_on_submit()
    raw = form.user_id.data or ""
    person = db.session.get(User, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if not valid or person is None or person.id not in live_sessions.invitees(live) or person.id == current_user.id:
        flash(_("Choose a participant of this session."), "error")
        return _to_session(live, "#participants")
    value = form.muted.data == "1"
    live_sessions.set_muted(current_user, live, person.id, value)
    db.session.commit()
    name = person.display_name(current_locale())
    flash(_("%(name)s is muted in this session.", name=name) if value
          else _("%(name)s can write again.", name=name), "success")
    return _to_session(live, "#participants")


@bp.post("/live/<int:session_id>/attendance")
@login_required
def onsite_attendance(session_id: int):
    live = _session(session_id, "live_session.onsite_attendance")
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return _to_session(live, "#onsite")
    allowed = live_sessions.invitees(live)
    present = {int(v) for v in request.form.getlist("present") if v.isdigit() and len(v) < 10}
    values: dict[int, str] = {uid: (request.form.get(f"minutes-{uid}") or "").strip() for uid in allowed}
    attendees: dict[int, int] = {}
    errors = []
    for uid in present:
        raw = values.get(uid, "").translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))
        if uid not in allowed or not raw.isdigit() or len(raw) > 4:
            errors.append(_("Give the minutes of everyone who attended, from 1 to 480."))
            break
        attendees[uid] = int(raw)
    if not present:
        errors.append(_("Check at least one person who attended."))
    if not errors:
        try:
            live_sessions.record_onsite(current_user, live, attendees)
        except live_sessions.SessionError as error:
            db.session.rollback()
            errors = [str(error)]
    if errors:
        shown = {uid: (values.get(uid) if uid in present else None) for uid in allowed}
        return render_session(live, onsite_errors=errors, onsite_values=shown, status=422)
    db.session.commit()
    flash(_("Attendance is recorded: %(n)s people.", n=len(attendees)), "success")
    return _to_session(live, "#onsite")


@bp.post("/live/<int:session_id>/summary")
@login_required
def summary(session_id: int):
    live = _session(session_id, "live_session.summary")
    owners = invitee_users(live)
    form = _summary_form(live, owners, formdata=request.form)
    if form.validate_on_submit():
        items = [ActionItemInput(text=e.form.text.data.strip(), owner_id=e.form.owner_id.data or None,
                                 due_on=e.form.due_on.data)
                 for e in form.items if (e.form.text.data or "").strip()]
        first = live.summary_at is None
        try:
            live_sessions.write_summary(current_user, live, form.decisions.data or "", items)
        except live_sessions.SessionError as error:
            db.session.rollback()
            apply_service_errors(form, error.fields)
        else:
            db.session.commit()
            flash(_("The summary is saved and the members are notified.") if first
                  else _("The summary is updated."), "success")
            return _to_session(live, "#summary")
    return render_session(live, summary_form=form, status=422)


# ---------------------------------------------------------------------------- PLC hours


def _ledger_context(teacher: User) -> dict:
    rows = list(reversed(live_sessions.ledger(teacher)))
    totals = live_sessions.ledger_totals(rows)
    viewable = {r.session.id for r in rows if authz.can_view_session(current_user, r.session)}
    return {"teacher": teacher, "rows": rows, "totals": totals, "viewable": viewable,
            "total_minutes": sum(r.minutes for r in rows)}


@bp.get("/plc-hours")
@login_required
def ledger():
    return render_template("live_sessions/ledger.html", own=True, **_ledger_context(current_user))


@bp.get("/people/<int:user_id>/plc-hours")
@login_required
def person_ledger(user_id: int):
    teacher = authz.access_ledger(current_user, user_id, "ledger.view")
    return render_template("live_sessions/ledger.html", own=teacher.id == current_user.id,
                           **_ledger_context(teacher))


def _ledger_csv(teacher: User) -> Response:
    context = _ledger_context(teacher)
    rows = list(reversed(context["rows"]))  # oldest first in the file
    grand_total = [teacher.name_th, "", _("Total"), "", "", "", "", context["total_minutes"],
                   exports.hours(context["total_minutes"])]
    audit.record("export.plc_hours", current_user, teacher, rows=len(rows))
    db.session.commit()
    filename = f"plc-hours-{teacher.id}-{to_local(utcnow()):%Y%m%d}.csv"
    return exports.csv_response(
        [*exports.ledger_rows(teacher, rows), [], *exports.ledger_total_rows(teacher, context["totals"]), grand_total],
        f'attachment; filename="{filename}"')


@bp.get("/plc-hours.csv")
@login_required
@limiter.limit("30 per minute")
def ledger_csv():
    return _ledger_csv(current_user)


@bp.get("/people/<int:user_id>/plc-hours.csv")
@login_required
@limiter.limit("30 per minute")
def person_ledger_csv(user_id: int):
    return _ledger_csv(authz.access_ledger(current_user, user_id, "ledger.view"))


# ---------------------------------------------------------------------------- notifications


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    note = authz.access_notification(current_user, notification_id, "notification.read")
    form = ConfirmForm()
    if form.validate_on_submit():
        notifications.mark_read(current_user, [note.id])
        db.session.commit()
    return redirect(url_for("main.home") + "#notifications")


@bp.post("/notifications/read")
@login_required
def mark_all_read():
    form = ConfirmForm()
    if form.validate_on_submit():
        count = notifications.mark_read(current_user)
        db.session.commit()
        if count:
            flash(_("All notifications are marked read."), "success")
    return redirect(url_for("main.home") + "#notifications")
