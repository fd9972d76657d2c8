"""Surveys: the seed 004 table reproduced exactly, and bad answers refused without changing anything."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from plc.clock import bangkok_today
from plc.errors import ServiceError
from plc.extensions import db
from plc.models import Role, School, User
from plc.models.surveys import Survey, SurveyAnswer, SurveyDraft, SurveyParticipation, SurveyResponse
from plc.services import survey_reports, surveys
from tests.conftest import add_user

# 004:L589-646: the seven items of the satisfaction table, and the answer counts (5s, 4s, 3s) of its
# 14 respondents that give exactly the printed x̄ and S.D. (DOMAIN §5).
SEED_004_ITEMS = [
    ("กิจกรรมงาน/ โครงการ เป็นไปตามวิสัยทัศน์ นโยบาย เป้าหมายของการบริหารการจัดการศึกษา", (11, 3, 0), "4.79", "0.43"),
    ("ความเหมาะสมของงบประมาณ/ อุปกรณ์ ที่ใช้ในการจัดกิจกรรมความร่วมมือ/ จำนวนของบุคลากร/ การประชุม/ "
     "วางแผนในการดำเนินงาน", (7, 6, 1), "4.43", "0.65"),
    ("ความเหมาะสมของระยะเวลาดำเนินงานในแต่ละกิจกรรมที่ปฏิบัติในแต่ละขั้นตอนสอดคล้องกับเป้าหมายที่วางไว้",
     (9, 5, 0), "4.64", "0.50"),
    ("มีการประชาสัมพันธ์ให้กับผู้เข้าร่วมโครงการกิจกรรมทราบถึงข้อมูลของโครงการ", (8, 5, 1), "4.50", "0.65"),
    ("แหล่งเรียนรู้มีความเหมาะสมกับการพัฒนาการบริหารงานในแต่ละด้าน", (12, 2, 0), "4.86", "0.36"),
    ("การดำเนินงานเกิดประโยชน์ต่อนักเรียน/ บุคลากรและนำไปใช้ในการปรับปรุงพัฒนากิจกรรมงาน/ โครงการของปีถัดไป",
     (12, 2, 0), "4.86", "0.36"),
    ("การดำเนินงานเป็นไปตามระยะที่กำหนด", (12, 2, 0), "4.86", "0.36"),
]


def _open_survey(school, author, *, anonymous=True, floors=None) -> Survey:
    today = bangkok_today()
    data = surveys.SurveyInput(title="ผลการประเมินความพึงพอใจผู้เข้าร่วมโครงการ", opens_on=today - timedelta(days=1),
                               closes_on=today + timedelta(days=7), anonymous=anonymous,
                               **({"band_floors": floors} if floors else {}))
    survey = surveys.create_survey(author, school, data)
    section = survey.sections[0]
    for prompt, *_ in SEED_004_ITEMS:
        surveys.add_item(author, section, surveys.ItemInput(kind="scale", prompt=prompt))
    surveys.add_item(author, section, surveys.ItemInput(kind="long_text", prompt="ประเด็นที่ท่านสนใจ", required=False))
    surveys.publish(author, survey)
    return survey


def _answer_seed_004(survey, school, how_many=14):
    """Respondent r gives item i a 5 for the first n5 respondents, a 4 for the next n4, then a 3."""
    items = survey.items
    for r in range(how_many):
        teacher = add_user(f"respondent{r}", Role.TEACHER, school)
        raw = {}
        for item, (_prompt, (fives, fours, _threes), *_rest) in zip(items, SEED_004_ITEMS, strict=False):
            raw[item.id] = 5 if r < fives else 4 if r < fives + fours else 3
        raw[items[-1].id] = "Active Learning" if r % 2 else ""
        surveys.submit_response(teacher, survey, raw)


@pytest.fixture
def survey_world(app, world):
    with app.test_request_context("/?lang=th"):
        school = db.session.get(School, world.school_a.id)
        director = db.session.get(User, world.director.id)
        yield school, director


def test_seed_004_table_gives_the_printed_means_sds_labels_and_narrative(survey_world):
    school, director = survey_world
    survey = _open_survey(school, director)
    _answer_seed_004(survey, school)

    report = survey_reports.build_report(survey)

    assert report.respondents == 14 and report.shown
    printed = [(survey_reports.two_places(r.mean), survey_reports.two_places(r.sd), r.n, r.label)
               for r in report.scale_items]
    assert printed == [(mean, sd, 14, "มาก" if mean == "4.43" else "มากที่สุด")
                       for _prompt, _counts, mean, sd in SEED_004_ITEMS]
    assert (survey_reports.two_places(report.overall_mean), survey_reports.two_places(report.overall_sd),
            report.overall_label) == ("4.70", "0.47", "มากที่สุด")
    narrative = report.narrative()
    assert narrative.startswith("ในภาพรวมได้รับการประเมินอยู่ในระดับมากที่สุด (x̄ = 4.70, S.D. = 0.47)")
    # The source names two of the three items tied at 4.86 (it forgot the third); the report names all.
    tops = [prompt for prompt, _counts, mean, _sd in SEED_004_ITEMS if mean == "4.86"]
    assert f"รายการที่ได้รับการประเมินสูงสุด คือ {tops[0]} {tops[1]} และ{tops[2]} มีค่าเฉลี่ยเท่ากับ 4.86" in narrative
    assert f"รายการที่ได้รับการประเมินต่ำสุด คือ {SEED_004_ITEMS[1][0]} มีค่าเฉลี่ยเท่ากับ 4.43" in narrative
    open_answers = report.sections[0].items[-1]
    assert open_answers.texts == ["Active Learning"] * 7


def test_band_floors_are_the_surveys_own(survey_world):
    school, director = survey_world
    survey = _open_survey(school, director, floors=(4.80, 3.50, 2.50, 1.50, 1.00))
    _answer_seed_004(survey, school)
    labels = [result.label for result in survey_reports.build_report(survey).scale_items]
    assert labels == ["มาก", "มาก", "มาก", "มาก", "มากที่สุด", "มากที่สุด", "มากที่สุด"]


def test_sample_sd_and_bands_at_their_edges():
    assert survey_reports.mean_and_sd([5, 4]) == (4.5, pytest.approx(0.7071, abs=1e-4))
    assert survey_reports.mean_and_sd([3]) == (3.0, None)
    floors = (4.50, 3.50, 2.50, 1.50, 1.00)
    assert [survey_reports.band_level(m, floors) for m in (5.0, 4.5, 4.495, 4.494, 3.5, 2.49, 1.5, 1.0)] == \
        [5, 5, 5, 4, 4, 2, 2, 1]


def _state(survey):
    return (db.session.scalar(select(func.count()).select_from(SurveyResponse)),
            db.session.scalar(select(func.count()).select_from(SurveyAnswer)),
            db.session.scalar(select(func.count()).select_from(SurveyParticipation)))


@pytest.mark.parametrize("bad_level", [0, 6, "5.5", "มาก", True])
def test_a_level_outside_one_to_five_is_refused_and_changes_nothing(survey_world, bad_level):
    school, director = survey_world
    survey = _open_survey(school, director)
    teacher = add_user("t1", Role.TEACHER, school)
    before = _state(survey)
    raw = {item.id: 5 for item in survey.items[:-1]}
    raw[survey.items[0].id] = bad_level
    with pytest.raises(ServiceError) as refused:
        surveys.submit_response(teacher, survey, raw)
    assert refused.value.fields == {f"item-{survey.items[0].id}": ["เลือกระดับตั้งแต่ 1 ถึง 5"]}
    assert _state(survey) == before


def test_a_second_response_and_an_answer_after_closing_are_refused(survey_world):
    school, director = survey_world
    survey = _open_survey(school, director)
    teacher = add_user("t1", Role.TEACHER, school)
    raw = {item.id: 4 for item in survey.items[:-1]}
    surveys.submit_response(teacher, survey, raw)
    before = _state(survey)
    with pytest.raises(ServiceError) as second:
        surveys.submit_response(teacher, survey, raw)
    assert second.value.status == 409 and "ตอบแบบสอบถามนี้แล้ว" in second.value.message
    surveys.close(director, survey)
    late = add_user("t2", Role.TEACHER, school)
    with pytest.raises(ServiceError) as closed:
        surveys.submit_response(late, survey, raw)
    assert closed.value.status == 409 and "ปิดรับคำตอบ" in closed.value.message
    assert _state(survey) == before


def test_required_answers_and_unknown_items_are_refused(survey_world):
    school, director = survey_world
    survey = _open_survey(school, director)
    teacher = add_user("t1", Role.TEACHER, school)
    with pytest.raises(ServiceError) as missing:
        surveys.submit_response(teacher, survey, {survey.items[0].id: 5})
    assert len(missing.value.fields) == 6
    with pytest.raises(ServiceError) as unknown:
        surveys.submit_response(teacher, survey, {**{item.id: 5 for item in survey.items}, 999_999: 5})
    assert "answers" in unknown.value.fields
    assert _state(survey) == (0, 0, 0)


def test_anonymous_responses_carry_no_person_named_ones_do(survey_world):
    school, director = survey_world
    anonymous = _open_survey(school, director)
    named = _open_survey(school, director, anonymous=False)
    teacher = add_user("t1", Role.TEACHER, school)
    for survey in (anonymous, named):
        surveys.submit_response(teacher, survey, {item.id: 5 for item in survey.items[:-1]})
    by_survey = {r.survey_id: r for r in db.session.scalars(select(SurveyResponse))}
    assert by_survey[anonymous.id].respondent_id is None
    assert by_survey[named.id].respondent_id == teacher.id
    assert len(by_survey[anonymous.id].key) == 32


def test_anonymity_is_settled_once_the_survey_opens(survey_world):
    school, director = survey_world
    survey = _open_survey(school, director)
    data = surveys.SurveyInput(title=survey.title, opens_on=survey.opens_on, closes_on=survey.closes_on,
                               anonymous=False)
    with pytest.raises(ServiceError) as refused:
        surveys.update_survey(director, survey, data)
    assert refused.value.status == 409 and "anonymous" in refused.value.fields


def test_fewer_than_five_respondents_show_the_count_only(survey_world):
    school, director = survey_world
    survey = _open_survey(school, director)
    _answer_seed_004(survey, school, how_many=4)
    report = survey_reports.build_report(survey)
    assert report.respondents == 4 and not report.shown
    assert all(result.n == 0 and result.mean is None for result in report.scale_items + report.sections[0].items)
    assert report.overall_mean is None and report.narrative() == ""


def test_a_draft_is_kept_until_the_response_is_sent(survey_world):
    school, director = survey_world
    survey = _open_survey(school, director)
    teacher = add_user("t1", Role.TEACHER, school)
    first = survey.items[0].id
    surveys.save_draft(teacher, survey, {first: "4", survey.items[-1].id: "ยังเขียนไม่เสร็จ"})
    assert surveys.draft_of(teacher, survey) == {first: "4", survey.items[-1].id: "ยังเขียนไม่เสร็จ"}
    surveys.submit_response(teacher, survey, {item.id: 4 for item in survey.items[:-1]})
    assert surveys.draft_of(teacher, survey) == {}
    assert db.session.scalar(select(func.count()).select_from(SurveyDraft)) == 0


def test_a_published_survey_keeps_its_questions(survey_world):
    school, director = survey_world
    survey = _open_survey(school, director)
    with pytest.raises(ServiceError) as refused:
        surveys.add_item(director, survey.sections[0], surveys.ItemInput(kind="scale", prompt="อีกข้อ"))
    assert refused.value.status == 409
