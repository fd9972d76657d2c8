"""Demo surveys and an exchange forum (``seeds/demo/surveys.yaml``), after the demo's sessions: a survey
answered after an online PLC meeting, and the network's forum at its upcoming session with two
schools' presentations and their feedback.

Everything goes through the services with the YAML's person as the acting user. A survey of the past
is answered while open and then given the story's dates. Loading twice adds nothing: a survey is
found by its title and session, a forum by its session, a presentation by its title."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from plc.clock import BANGKOK
from plc.extensions import db
from plc.i18n import bangkok_today
from plc.models import LiveSession, Network, School
from plc.models.forums import Forum, ForumFeedback, ForumSubmission
from plc.models.surveys import Survey, SurveyItemKind, SurveyParticipation
from plc.seeds.demo_work import DemoDataError, DemoRefs
from plc.seeds.files import as_date, load_yaml
from plc.services import forums, surveys

FILE = "demo/surveys.yaml"


def seed_demo_surveys(networks: dict[str, Network], schools: dict[str, School]) -> dict[str, int]:
    data = load_yaml(FILE)
    refs = DemoRefs(networks, schools)
    for item in data.get("surveys", []):
        _survey(item, refs)
    for item in data.get("forums", []):
        _forum(item, refs, schools)
    db.session.flush()

    def total(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model))

    return {"surveys": total(Survey), "survey_responses": total(SurveyParticipation), "forums": total(Forum),
            "forum_submissions": total(ForumSubmission), "forum_feedback": total(ForumFeedback)}


def _session(ref: dict, refs: DemoRefs) -> LiveSession:
    circle = refs.circle(ref["circle"])
    session = db.session.scalar(select(LiveSession).where(LiveSession.circle_id == circle.id,
                                                          LiveSession.title == ref["title"]))
    if session is None:
        raise DemoDataError(f"seeds/{FILE}: no session {ref['title']!r} in circle {ref['circle']!r} (work.yaml)")
    return session


def _survey(item: dict, refs: DemoRefs) -> None:
    session = _session(item["session"], refs)
    if db.session.scalar(select(Survey.id).where(Survey.title == item["title"],
                                                 Survey.live_session_id == session.id)) is not None:
        return
    author = refs.user(item["author"])
    opens_on, closes_on = as_date(item["opens_on"]), as_date(item["closes_on"])
    today = bangkok_today()
    survey = surveys.create_survey(author, session, surveys.SurveyInput(
        title=item["title"], description=item.get("description"), opens_on=min(opens_on, today),
        closes_on=max(closes_on, today)))
    first = survey.sections[0]
    for index, section_item in enumerate(item["sections"]):
        section = first if index == 0 else surveys.add_section(author, survey, section_item["title"])
        section.title = section_item["title"]
        for question in section_item["items"]:
            surveys.add_item(author, section, surveys.ItemInput(
                kind=question["kind"], prompt=question["prompt"], required=question.get("required", True),
                choices=question.get("choices", [])))
    surveys.publish(author, survey)
    items = survey.items
    for response in item.get("responses", []):
        raw = {}
        for question, answer in zip(items, response["answers"], strict=True):
            if answer == "":
                continue
            raw[question.id] = [answer] if question.kind == SurveyItemKind.MULTIPLE else answer
        surveys.submit_response(refs.user(response["by"]), survey, raw)
    survey.opens_on, survey.closes_on = opens_on, closes_on
    survey.published_at = datetime.combine(opens_on, time(17, 0), BANGKOK)
    db.session.flush()


def _forum(item: dict, refs: DemoRefs, schools: dict[str, School]) -> None:
    session = _session(item["session"], refs)
    organiser = refs.user(item["organiser"])
    forum = db.session.scalar(select(Forum).where(Forum.live_session_id == session.id))
    if forum is None:
        close = item["submissions_close_on"]
        close_on = bangkok_today() + timedelta(days=close["days_after_seeding"]) if isinstance(close, dict) \
            else as_date(close)
        forum = forums.create_forum(organiser, session, forums.ForumInput(
            title=item["title"], description=item.get("description"), submissions_close_on=close_on))
        for email in item.get("panel", []):
            forums.add_panelist(organiser, forum, refs.user(email))
    for entry in item.get("submissions", []):
        if any(s.title == entry["title"] for s in forum.submissions):
            continue
        author = refs.user(entry["by"])
        cycle = refs.cycle(entry.get("cycle"))
        submission = forums.submit(author, forum, forums.SubmissionInput(
            school_id=schools[entry["school"]].id, title=entry["title"], summary=entry.get("summary"),
            cycle_id=cycle.id if cycle else None, showcase_consent=bool(entry.get("consent"))))
        for feedback in entry.get("feedback", []):
            forums.give_feedback(refs.user(feedback["by"]), submission, feedback["kind"], feedback["body"])
