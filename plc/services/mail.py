"""Notifications by e-mail: who wants which kind, and the message queued beside the notification.

Only when MAIL_SERVER is set (otherwise every function here returns at once, without a query). A
message is added to the outbox in the caller's transaction, worded in the recipient's language with
an absolute link (PLC_BASE_URL); plc/mailer.py sends it after the commit. Each person chooses the
kinds they get by e-mail; a kind they never chose is on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from plc import mailer
from plc.errors import ServiceError
from plc.extensions import db
from plc.i18n import EN_MONTHS_SHORT, TH_MONTHS, be_year, to_local, to_thai_digits
from plc.models import User
from plc.models._types import length_of
from plc.models.mail import EMAIL_KINDS, EmailMessage, EmailPreference
from plc.services.notifications import notification_text

KIND_LABELS = {
    "invitation": _l("Invitations to the platform (the link to set a password)"),
    "session_scheduled": _l("New PLC sessions of my circles"),
    "session_reminder": _l("Reminders before my PLC sessions start"),
    "visit_planned": _l("Coaching visits planned to my classroom"),
    "session_summary": _l("Summaries of the sessions I attend"),
}


def mail_enabled() -> bool:
    return mailer.enabled()


# ---------------------------------------------------------------------------- preferences


def preferences(user: User) -> dict[str, bool]:
    """Every kind with the person's choice (on unless they turned it off)."""
    chosen = {kind: enabled for kind, enabled in db.session.execute(
        select(EmailPreference.kind, EmailPreference.enabled).where(EmailPreference.user_id == user.id))}
    return {kind: bool(chosen.get(kind, True)) for kind in EMAIL_KINDS}


def set_preferences(user: User, choices: dict[str, bool]) -> dict[str, bool]:
    """Stores the person's choice for the kinds given (the others stay as they were)."""
    unknown = sorted(set(choices) - set(EMAIL_KINDS))
    if unknown:
        raise ServiceError({kind: [_("There is no such kind of notification.")] for kind in unknown})
    existing = {row.kind: row for row in db.session.scalars(
        select(EmailPreference).where(EmailPreference.user_id == user.id))}
    for kind, enabled in choices.items():
        row = existing.get(kind)
        if row is None:
            db.session.add(EmailPreference(user_id=user.id, kind=kind, enabled=bool(enabled)))
        else:
            row.enabled = bool(enabled)
    db.session.flush()
    return preferences(user)


def _recipients(kind: str, user_ids: Iterable[int]) -> list[User]:
    """The active people among ``user_ids`` who want ``kind`` by e-mail (two statements)."""
    ids = set(user_ids)
    if not ids:
        return []
    declined = set(db.session.scalars(select(EmailPreference.user_id).where(
        EmailPreference.user_id.in_(ids), EmailPreference.kind == kind, EmailPreference.enabled.is_(False))))
    return list(db.session.scalars(select(User).where(User.id.in_(ids - declined), User.disabled_at.is_(None))
                                   .order_by(User.id)))


# ---------------------------------------------------------------------------- the message


@dataclass
class _Draft:
    subject: str
    lines: list[str]
    action: str
    path: str


def _locale_of(user: User) -> str:
    return user.locale if user.locale in current_app.config["PLC_LOCALES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def _when(value, user: User, locale: str) -> str:
    """A Bangkok date and time for this reader (not the request's user): Buddhist Era in Thai."""
    local = to_local(value)
    if locale == "th":
        text = f"{local.day} {TH_MONTHS[local.month - 1]} {be_year(local.year)} {local:%H:%M} น."
        return to_thai_digits(text) if user.thai_digits else text
    return f"{local.day} {EN_MONTHS_SHORT[local.month - 1]} {local.year}, {local:%H:%M}"


def _day(value, user: User, locale: str) -> str:
    if locale == "th":
        text = f"{value.day} {TH_MONTHS[value.month - 1]} {be_year(value.year)}"
        return to_thai_digits(text) if user.thai_digits else text
    return f"{value.day} {EN_MONTHS_SHORT[value.month - 1]} {value.year}"


def _queue(user: User, kind: str, draft) -> EmailMessage:
    """Words the message in the recipient's language (``draft(locale)`` runs under it) and adds it."""
    locale = _locale_of(user)
    base = current_app.config["PLC_BASE_URL"]
    with force_locale(locale):
        content: _Draft = draft(locale)
        url = base + content.path
        greeting = _("Dear %(name)s,", name=user.display_name(locale))
        footer = _("You get this e-mail from the PLC platform because of your notification settings. "
                   "Choose which notifications come by e-mail on your profile: %(url)s", url=base + "/profile")
        text = "\n\n".join([greeting, *content.lines, f"{content.action}: {url}", "-- ", footer]) + "\n"
        html = Markup("").join([
            Markup("<p>{}</p>\n").format(greeting),
            *(Markup("<p>{}</p>\n").format(escape(line).replace("\n", Markup("<br>\n"))) for line in content.lines),
            Markup('<p><a href="{}">{}</a></p>\n').format(url, content.action),
            Markup('<hr>\n<p style="color:#666;font-size:small">{}</p>\n').format(footer),
        ])
    row = EmailMessage(user_id=user.id, kind=kind, to_address=user.email,
                       subject=content.subject.replace("\n", " ")[:length_of(EmailMessage.subject)],
                       body_text=text, body_html=f'<!doctype html>\n<html lang="{locale}"><body>\n{html}</body></html>\n')
    db.session.add(row)
    mailer.note_queued(db.session)
    return row


# ---------------------------------------------------------------------------- the five kinds


def queue_invitation(actor: User | None, user: User, token: str) -> list[EmailMessage]:
    """The single-use link to set a password, to the invited person."""
    if not mail_enabled():
        return []
    hours = current_app.config["PLC_INVITATION_HOURS"]

    def draft(locale: str) -> _Draft:
        lines = [_("%(name)s has added you to the PLC platform, the professional learning communities of "
                   "Thai schools and school networks.", name=actor.display_name(locale)) if actor is not None
                 else _("You have been added to the PLC platform, the professional learning communities of "
                        "Thai schools and school networks."),
                 _("Set your password with the link below within %(hours)d hours. The link works once; "
                   "if it has expired, ask the person who invited you for a new one.", hours=hours)]
        return _Draft(_("Invitation to the PLC platform"), lines, _("Set your password"), f"/auth/invitation/{token}")

    return [_queue(person, "invitation", draft) for person in _recipients("invitation", [user.id])]


def queue_session_scheduled(session, user_ids: Iterable[int], host: User) -> list[EmailMessage]:
    if not mail_enabled():
        return []
    rows = []
    for person in _recipients("session_scheduled", user_ids):
        def draft(locale: str, person=person) -> _Draft:
            lines = [_("%(host)s has scheduled a PLC session of the circle %(circle)s.",
                       host=host.display_name(locale), circle=session.circle.name),
                     _("When: %(when)s (Bangkok time), %(minutes)d minutes.",
                       when=_when(session.starts_at, person, locale), minutes=session.duration_minutes)]
            return _Draft(notification_text("session_scheduled", {"title": session.title}), lines, _("Open the session"),
                          f"/live/{session.id}")
        rows.append(_queue(person, "session_scheduled", draft))
    return rows


def queue_session_reminder(session, user_ids: Iterable[int]) -> list[EmailMessage]:
    if not mail_enabled():
        return []
    rows = []
    for person in _recipients("session_reminder", user_ids):
        def draft(locale: str, person=person) -> _Draft:
            when = _when(session.starts_at, person, locale)
            lines = [_("The PLC session of the circle %(circle)s starts on %(when)s (Bangkok time) and lasts "
                       "%(minutes)d minutes.", circle=session.circle.name, when=when, minutes=session.duration_minutes),
                     _("It is online: join it from the link below when it starts.") if session.mode == "online"
                     else _("It meets in person, not online.")]
            if session.agenda:
                lines.append(_("Agenda:") + "\n" + session.agenda)
            return _Draft(_("Reminder: %(title)s, %(when)s", title=session.title, when=when), lines,
                          _("Open the session"), f"/live/{session.id}")
        rows.append(_queue(person, "session_reminder", draft))
    return rows


def queue_visit_planned(visit, coach: User, teacher: User) -> list[EmailMessage]:
    if not mail_enabled():
        return []
    rows = []
    for person in _recipients("visit_planned", [teacher.id]):
        def draft(locale: str, person=person) -> _Draft:
            lines = [_("Date of the visit: %(date)s", date=_day(visit.planned_on, person, locale)),
                     _("Focus agreed: %(focus)s", focus=visit.focus)]
            return _Draft(notification_text("visit_planned", {"coach": coach.display_name(locale)}), lines,
                          _("Open the visit"), f"/coaching/visits/{visit.id}")
        rows.append(_queue(person, "visit_planned", draft))
    return rows


def queue_session_summary(session, user_ids: Iterable[int]) -> list[EmailMessage]:
    if not mail_enabled():
        return []
    rows = []
    for person in _recipients("session_summary", user_ids):
        def draft(locale: str) -> _Draft:
            lines = [_("The summary of the session is written: what the circle decided and who does what next."),
                     _("Decisions:") + "\n" + (session.summary_decisions or "")]
            return _Draft(notification_text("session_summary", {"title": session.title}), lines, _("Read the summary"),
                          f"/live/{session.id}")
        rows.append(_queue(person, "session_summary", draft))
    return rows
